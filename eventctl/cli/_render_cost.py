"""Renderings of the cost report: rich tables, Markdown and CSV (JSON is the report itself)."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.console import Console
from rich.table import Table

from eventctl.core.costs.lines import money

CSV_COLUMNS = (
    "environment",
    "category",
    "component",
    "quantity",
    "unit",
    "unit_price_usd",
    "monthly_usd",
    "usage_based",
    "price_key",
    "price_status",
    "detail",
    "price_source",
    "prices_region",
    "prices_as_of",
    "prices_origin",
)
"""One row per line item. The last four columns say where the prices came from: the price's
own source, and the table's region, date and origin (built-in or refreshed), repeated on every
row so that each row stands alone (a comment line above the header would break CSV readers)."""


def quantity(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def unit_price(value: float) -> str:
    """At least two decimals, at most six, no trailing zeros beyond two: $0.10, $0.004445."""
    whole, _, decimals = f"{value:.6f}".partition(".")
    return f"${whole}.{decimals.rstrip('0').ljust(2, '0')}"


def _qty(line: dict[str, Any]) -> str:
    return f"{quantity(line['quantity'])} {line['unit']}"


def _name(line: dict[str, Any]) -> str:
    return str(line["component"]) + (" (U)" if line["usage_based"] else "")


def _prices_line(report: dict[str, Any]) -> str:
    """Which prices the report used: the table, the count per status, and (when some prices
    are refreshed) the ones that are built-in, not refreshed, grouped by why."""
    prices = report["prices"]
    used = prices["used"]
    counts = ", ".join(f"{n} {status}" for status, n in prices["status_counts"].items())
    text = (
        f"Prices for {prices['region']} dated {prices['as_of']} ({prices['origin']}); the "
        f"{len(used)} prices used: {counts}; `eventctl cost prices show` gives each price's "
        "source."
    )
    reasons: dict[str, list[str]] = {}
    for price in used:
        if price.get("not_refreshed"):
            reasons.setdefault(price["not_refreshed"], []).append(price["key"])
    if reasons:
        refreshed = sum(1 for price in used if price["refreshed"])
        groups = "; ".join(f"{', '.join(keys)} ({why})" for why, keys in reasons.items())
        text += (
            f" {refreshed} of them come from the AWS Pricing API; built-in, not refreshed: "
            f"{groups}."
        )
    return text


def _usage_line(report: dict[str, Any]) -> str:
    source = report["usage_file"] or "built-in defaults"
    overridden = sorted(
        {
            u["key"]
            for env in report["environments"]
            for u in env["usage"]
            if u["source"] != "default"
        }
    )
    extra = f"; overridden: {', '.join(overridden)}" if overridden else ""
    return f"Usage: {source}{extra}. (U) marks usage-based lines."


# -- rich ----------------------------------------------------------------------------------


def render_table(out: Console, report: dict[str, Any]) -> None:
    """The human report: estimate(s), seed comparison, savings, actual spend, prices used."""
    envs = report["environments"]
    if len(envs) == 1:
        _env_table(out, report, envs[0])
    else:
        _side_by_side(out, report, envs)
    if report["seed_comparison"]:
        _seed(out, report["seed_comparison"])
    for env in envs:
        _savings(out, env)
        if env["actual"]:
            _actual(out, env)
    out.print(_prices_line(report))
    out.print(_usage_line(report))
    for note in report["notes"]:
        out.print(f"- {note}")


def _env_table(out: Console, report: dict[str, Any], env: dict[str, Any]) -> None:
    table = Table(
        "component",
        "quantity",
        "unit price",
        "monthly",
        title=f"{env['name']}: estimated monthly cost ({report['region']}, USD)",
        title_justify="left",
        show_footer=True,
    )
    table.columns[0].footer = "Total"
    table.columns[3].footer = money(env["total_usd"])
    for column in table.columns[1:]:
        column.justify = "right"
    for line in env["lines"]:
        table.add_row(
            _name(line), _qty(line), unit_price(line["unit_price_usd"]), money(line["monthly_usd"])
        )
    out.print(table)


def _side_by_side(out: Console, report: dict[str, Any], envs: list[dict[str, Any]]) -> None:
    """Monthly cost per component, one column per environment (quantities: --env NAME)."""
    names = [env["name"] for env in envs]
    table = Table(
        "component",
        *names,
        title=f"Estimated monthly cost ({report['region']}, USD): {' and '.join(names)}",
        title_justify="left",
        show_footer=True,
    )
    table.columns[0].footer = "Total"
    for i, env in enumerate(envs, start=1):
        table.columns[i].footer = money(env["total_usd"])
        table.columns[i].justify = "right"
    by_env = [{line["component"]: line for line in env["lines"]} for env in envs]
    components: list[str] = []
    for env in envs:
        for line in env["lines"]:
            if line["component"] not in components:
                components.append(line["component"])
    for component in components:
        lines = [lines.get(component) for lines in by_env]
        first = next(line for line in lines if line)
        table.add_row(
            _name(first), *[money(line["monthly_usd"]) if line else "-" for line in lines]
        )
    out.print(table)
    out.print(
        "Quantities and unit prices: eventctl cost report --env NAME (or --format markdown).",
        highlight=False,
    )


def _seed(out: Console, seed: dict[str, Any]) -> None:
    table = Table(
        "#",
        "seed item",
        "seed says",
        "computed",
        "difference",
        title=f"Against the seed ({seed['environment']})",
        title_justify="left",
        show_footer=True,
    )
    table.columns[1].footer = "Total"
    table.columns[2].footer = seed["seed_total"]
    table.columns[3].footer = money(seed["computed_total_usd"])
    table.columns[
        4
    ].footer = f"{money(seed['difference_low_usd'])} to {money(seed['difference_high_usd'])}"
    for column in table.columns[3:]:
        column.justify = "right"
    for i, row in enumerate(seed["rows"], start=1):
        table.add_row(
            str(i),
            row["item"],
            row["seed"],
            money(row["computed_usd"]),
            money(row["difference_usd"]),
        )
    out.print(table)
    for i, row in enumerate(seed["rows"], start=1):
        out.print(f"{i}. {row['reason']}", highlight=False)
    out.print(f"[bold]{seed['verdict']}[/]", highlight=False)


def _savings(out: Console, env: dict[str, Any]) -> None:
    table = Table(
        "#",
        "opportunity",
        "saving/month",
        title=f"Optimisation opportunities ({env['name']}, of {money(env['total_usd'])})",
        title_justify="left",
    )
    table.columns[2].justify = "right"
    for i, saving in enumerate(env["savings"], start=1):
        amount = money(saving["monthly_saving_usd"])
        table.add_row(str(i), saving["title"], amount if saving["applicable"] else f"({amount})")
    out.print(table)
    for i, saving in enumerate(env["savings"], start=1):
        text = f"{i}. {saving['detail']}"
        if saving["caveat"]:
            text += f". Caveat: {saving['caveat']}"
        if saving.get("seed_claim"):
            text += f". The seed claims: {saving['seed_claim']}; {saving['seed_verdict']}"
        out.print(text, highlight=False)
    if not all(saving["applicable"] for saving in env["savings"]):
        out.print("(Amounts in brackets: not recommended here; see the caveat.)")


def _actual(out: Console, env: dict[str, Any]) -> None:
    actual = env["actual"]
    table = Table(
        "service",
        "estimate",
        "actual",
        "difference",
        title=(
            f"Actual spend ({env['name']}, {actual['period_start']} to {actual['period_end']}, "
            f"tag {actual['tag']})"
        ),
        title_justify="left",
        show_footer=True,
    )
    table.columns[0].footer = "Total"
    table.columns[1].footer = money(actual["estimate_usd"])
    table.columns[2].footer = money(actual["actual_usd"])
    table.columns[3].footer = money(actual["difference_usd"])
    for column in table.columns[1:]:
        column.justify = "right"
    for row in actual["rows"]:
        table.add_row(
            row["service"],
            money(row["estimate_usd"]),
            money(row["actual_usd"]),
            money(row["difference_usd"]),
        )
    out.print(table)
    out.print(actual["note"], highlight=False)


# -- Markdown ------------------------------------------------------------------------------


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: one table per environment, the seed comparison and savings."""
    parts = [f"# Estimated monthly cost ({report['region']}, USD)\n"]
    for env in report["environments"]:
        parts.append(f"## {env['name']}: {money(env['total_usd'])} per month\n")
        parts.append("| component | quantity | unit price | monthly | how |")
        parts.append("|---|---:|---:|---:|---|")
        for line in env["lines"]:
            parts.append(
                f"| {_name(line)} | {_qty(line)} | {unit_price(line['unit_price_usd'])} | "
                f"{money(line['monthly_usd'])} | {_md(line['detail'])} |"
            )
        parts.append(f"| **Total** | | | **{money(env['total_usd'])}** | |\n")
        if env["actual"]:
            actual = env["actual"]
            parts.append(f"### Actual spend {actual['period_start']} to {actual['period_end']}\n")
            parts.append("| service | estimate | actual | difference |")
            parts.append("|---|---:|---:|---:|")
            for row in actual["rows"]:
                parts.append(
                    f"| {row['service']} | {money(row['estimate_usd'])} | "
                    f"{money(row['actual_usd'])} | {money(row['difference_usd'])} |"
                )
            parts.append(
                f"| **Total** | {money(actual['estimate_usd'])} | {money(actual['actual_usd'])} "
                f"| {money(actual['difference_usd'])} |\n"
            )
    seed = report["seed_comparison"]
    if seed:
        parts.append(f"## Against the seed ({seed['environment']})\n")
        parts.append("| seed item | seed says | computed | difference | why |")
        parts.append("|---|---|---:|---:|---|")
        for row in seed["rows"]:
            parts.append(
                f"| {row['item']} | {_md(row['seed'])} | {money(row['computed_usd'])} | "
                f"{money(row['difference_usd'])} | {_md(row['reason'])} |"
            )
        parts.append(
            f"| **Total** | {seed['seed_total']} | **{money(seed['computed_total_usd'])}** | "
            f"{money(seed['difference_low_usd'])} to {money(seed['difference_high_usd'])} | |\n"
        )
        parts.append(f"**{seed['verdict']}**\n")
    for env in report["environments"]:
        parts.append(f"## Optimisation opportunities ({env['name']})\n")
        parts.append("| opportunity | saving/month | detail |")
        parts.append("|---|---:|---|")
        for saving in env["savings"]:
            amount = money(saving["monthly_saving_usd"])
            detail = saving["detail"]
            if saving["caveat"]:
                detail += f". Caveat: {saving['caveat']}"
            if saving.get("seed_claim"):
                detail += f". The seed claims: {saving['seed_claim']}; {saving['seed_verdict']}"
            parts.append(
                f"| {_md(saving['title'])} | {amount if saving['applicable'] else f'({amount})'}"
                f" | {_md(detail)} |"
            )
        parts.append("")
    parts.append(_prices_line(report))
    parts.append("")
    parts.append(_usage_line(report))
    parts.append("")
    parts.extend(f"- {note}" for note in report["notes"])
    return "\n".join(parts) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


# -- CSV -----------------------------------------------------------------------------------


def to_csv(report: dict[str, Any]) -> str:
    """One row per line item of every environment (tidy: totals are sums of monthly_usd)."""
    prices = report["prices"]
    sources = {price["key"]: price["source"] for price in prices["used"]}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for env in report["environments"]:
        for line in env["lines"]:
            writer.writerow(
                [
                    env["name"],
                    line["category"],
                    line["component"],
                    line["quantity"],
                    line["unit"],
                    line["unit_price_usd"],
                    f"{line['monthly_usd']:.2f}",
                    "yes" if line["usage_based"] else "no",
                    line["price_key"],
                    line["price_status"],
                    line["detail"],
                    sources[line["price_key"]],
                    prices["region"],
                    prices["as_of"],
                    prices["origin"],
                ]
            )
    return buffer.getvalue()


def render_prices(out: Console, table: dict[str, Any]) -> None:
    """`cost prices show`: every price with its unit, status and source."""
    grid = Table(
        "key",
        "USD",
        "unit",
        "status",
        "source",
        title=f"Prices for {table['region']} as of {table['as_of']} ({table['origin']})",
        title_justify="left",
    )
    grid.columns[1].justify = "right"
    for key, price in table["prices"].items():
        grid.add_row(key, f"{price['usd']:g}", price["unit"], price["status"], price["source"])
    out.print(grid)
    out.print(table["source"], highlight=False)
