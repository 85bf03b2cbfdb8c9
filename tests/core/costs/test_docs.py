"""docs/costs.md shows the reports exactly as the command prints them; this test keeps it so.

Two kinds of generated text, both filled from the live report by `regenerate`:
- blocks, `<!-- BEGIN: what -->` ... `<!-- END -->`: a command's output or a table;
- figures quoted in the prose, `<!-- =name -->value<!-- / -->`: one value of `figures()`.
A dollar amount in the hand-written prose must be one of those figures, a price of the
built-in table, or a figure the seed states (test_prose_quotes_no_stale_dollar_figures).

Regenerate with `python tests/core/costs/test_docs.py` (from the worktree root, PYTHONPATH=.).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "costs.md"
BLOCK = re.compile(r"(<!-- BEGIN: (?P<what>.+?) -->\n)(?P<body>.*?)(<!-- END -->)", re.DOTALL)
FIGURE = re.compile(r"(<!-- =(?P<name>[\w.]+) -->)(?P<value>[^\n]*?)(<!-- / -->)")
DOLLARS = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)")

US_EAST_1_RDS_DB_T3_MEDIUM = 0.072
"""us-east-1's PostgreSQL db.t3.medium list price, which the built-in eu-west-1 price is
derived from (its source says so; `figures` checks it still does)."""


def _command_output(command: str) -> str:
    import tempfile

    from typer.testing import CliRunner

    from eventctl.cli.main import app

    args = shlex.split(command)
    assert args[0] == "eventctl", command
    # An empty cache: the docs show the built-in prices, never a developer's refreshed ones.
    with tempfile.TemporaryDirectory(prefix="eventctl-docs-cache-") as cache:
        env = {"NO_COLOR": "1", "COLUMNS": "80", "TERM": "dumb", "XDG_CACHE_HOME": cache}
        result = CliRunner().invoke(app, args[1:], env=env, prog_name="eventctl")
    assert result.exit_code == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    return "```text\n$ " + command + "\n" + "\n".join(lines).strip("\n") + "\n```\n"


def _usage_table() -> str:
    from eventctl.core.costs.usage import usage_defaults_table

    rows = ["| key | unit | dev | prod | what it is |", "|---|---|---:|---:|---|"]
    rows += [
        f"| `{r['key']}` | {r['unit']} | {r['dev']:g} | {r['prod']:g} | {r['description']} |"
        for r in usage_defaults_table()
    ]
    return "\n".join(rows) + "\n"


def _price_table() -> str:
    from eventctl.core.costs.prices import load_prices

    table = load_prices("eu-west-1")
    rows = ["| key | USD | unit | status | source |", "|---|---:|---|---|---|"]
    rows += [
        f"| `{p.key}` | {p.usd:g} | {p.unit} | {p.status} | {p.source} |"
        for p in table.prices.values()
    ]
    return "\n".join(rows) + "\n"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def figures() -> dict[str, str]:
    """The figures the prose quotes, from the live report (built-in prices, default usage)."""
    from eventctl.core.costs.prices import load_prices
    from eventctl.core.costs.report import build_report
    from eventctl.core.costs.usage import no_overrides
    from platform_model import build_platform

    platform = build_platform()
    prices = load_prices("eu-west-1")
    report = build_report(platform, ["dev", "prod"], prices, no_overrides())
    dev, prod = report["environments"]
    lines = {line["component"]: line for line in dev["lines"]}
    facts = dev["facts"]
    seed = report["seed_comparison"]
    savings = {saving["key"]: saving for saving in dev["savings"]}
    endpoints = savings["interface_endpoints_vs_nat"]

    def component(prefix: str) -> float:
        return float(
            sum(line["monthly_usd"] for name, line in lines.items() if name.startswith(prefix))
        )

    rds_class = facts["rds_instance_class"]
    rds_key = f"rds.postgres.{rds_class}"
    assert f"us-east-1 list ${US_EAST_1_RDS_DB_T3_MEDIUM}" in prices.price(rds_key).source
    n_rds = facts["rds_instances"]
    alarms = lines["CloudWatch alarms"]
    low, high = seed["seed_total_low_usd"], seed["seed_total_high_usd"]
    per_gb = prices.usd("nat.gb") - prices.usd("vpce.gb")
    return {
        "rds.instances": str(n_rds),
        "rds.databases": ", ".join(db.name for db in platform.databases),
        "rds.class": rds_class,
        "rds.dev_usd": _money(lines[f"RDS PostgreSQL {rds_class}"]["monthly_usd"]),
        "rds.dev_at_us_east_1_usd": _money(n_rds * 730 * US_EAST_1_RDS_DB_T3_MEDIUM),
        "rds.dev_storage_gb": f"{n_rds * facts['rds_storage_gb']:g}",
        "rds.seed_implied_hourly": f"${120 / (4 * 730):.3f}",
        "alarms.count": f"{alarms['quantity']:g}",
        "alarms.formula": f"{alarms['detail']} = {alarms['quantity']:g}",
        "secrets.count": str(facts["secrets"]),
        "secrets.names": lines["Secrets Manager secrets"]["detail"],
        "dev.total_usd": _money(dev["total_usd"]),
        "prod.total_usd": _money(prod["total_usd"]),
        "seed.factor": f"{dev['total_usd'] / ((low + high) / 2):.1f}",
        "seed.lines_sum": (
            f"${seed['seed_lines_sum_low_usd']:,.2f}-{seed['seed_lines_sum_high_usd']:,.2f}"
        ),
        "seed.too_low_by": (
            f"${seed['difference_low_usd']:,.2f}-{seed['difference_high_usd']:,.2f}"
        ),
        "vpce.count": str(facts["interface_endpoints"]),
        "vpce.azs": str(facts["availability_zones"]),
        "vpce.hours_usd": _money(lines["Interface endpoint hours"]["monthly_usd"]),
        "vpce.one_usd": _money(730 * prices.usd("vpce.hour")),
        "vpce.endpoints_usd": _money(component("Interface endpoint")),
        "vpce.nat_equivalent_usd": _money(
            component("Interface endpoint") - endpoints["monthly_saving_usd"]
        ),
        "vpce.net_cost_usd": _money(endpoints["monthly_saving_usd"]),
        "vpce.claim_off_by_usd": _money(
            endpoints["seed_claim_usd"] + endpoints["monthly_saving_usd"]
        ),
        "vpce.breakeven_gb": f"{lines['Interface endpoint hours']['monthly_usd'] / per_gb:,.0f}",
        "fargate.vcpu": f"{facts['vcpu_total']:g}",
        "fargate.gb": f"{facts['memory_gb_total']:g}",
        "fargate.dev_usd": _money(component("Fargate")),
        "nat.dev_usd": _money(lines["NAT gateway hours"]["monthly_usd"]),
        "alb.dev_usd": _money(lines["ALB hours"]["monthly_usd"]),
        "redis.dev_usd": _money(component("ElastiCache")),
        "ipv4.dev_usd": _money(lines["Public IPv4 addresses"]["monthly_usd"]),
    }


def _fill_figures(text: str) -> str:
    values = figures()
    return FIGURE.sub(lambda m: m.group(1) + values[m.group("name")] + m.group(4), text)


def _refresh_queries() -> str:
    from eventctl.core.costs.refresh import queries_for
    from platform_model import build_platform

    rows = [
        "| key | service code | usage type | filters (besides the region) | scale |",
        "|---|---|---|---|---:|",
    ]
    for q in sorted(queries_for(build_platform()), key=lambda q: q.key):
        filters = ", ".join(f"`{k}={v}`" for k, v in q.filters.items())
        region = "" if q.region_field == "regionCode" else f"region in `{q.region_field}`"
        usagetypes = " or ".join(f"`{u}`" for u in q.usagetypes)
        rows.append(
            f"| `{q.key}` | {q.service_code} | {usagetypes} | "
            f"{'; '.join(x for x in (filters, region) if x)} | {q.scale:,.0f} |"
        )
    return "\n".join(rows) + "\n"


def _not_refreshed() -> str:
    from eventctl.core.costs.prices import NOT_REFRESHED

    rows = ["| key | why it is not refreshed |", "|---|---|"]
    rows += [f"| `{key}` | {why} |" for key, why in sorted(NOT_REFRESHED.items())]
    return "\n".join(rows) + "\n"


def generate(what: str) -> str:
    if what == "usage defaults":
        return _usage_table()
    if what == "price table":
        return _price_table()
    if what == "refresh queries":
        return _refresh_queries()
    if what == "not refreshed":
        return _not_refreshed()
    return _command_output(what)


def regenerate(text: str) -> str:
    text = BLOCK.sub(lambda m: m.group(1) + generate(m.group("what")) + m.group(4), text)
    return _fill_figures(text)


def hand_written(text: str) -> str:
    """The prose: the text without generated blocks and generated figures."""
    return FIGURE.sub("", BLOCK.sub("", text))


def test_generated_blocks_are_current(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no eventctl.toml of the developer's
    text = DOC.read_text(encoding="utf-8")
    blocks = [m.group("what") for m in BLOCK.finditer(text)]
    assert "eventctl cost report --env dev" in blocks
    assert "eventctl cost report --env prod" in blocks
    stale = "docs/costs.md is stale: run python tests/core/costs/test_docs.py"
    assert regenerate(text) == text, stale


def test_prose_quotes_no_stale_dollar_figures() -> None:
    """A dollar amount written by hand goes stale when the model or a price changes; the
    prose may state only prices of the built-in table, other regions' list prices it explains
    a derivation or a seed figure with, and the seed's own figures. Anything computed must be
    a generated figure (`<!-- =name -->`)."""
    from eventctl.core.costs.prices import load_prices
    from eventctl.core.costs.seed import (
        SEED_DEV_ITEMS,
        SEED_DEV_TOTAL,
        SEED_SAVINGS_CLAIMS,
    )

    table_prices = {price.usd for price in load_prices("eu-west-1").prices.values()}
    seed = {item.low for item in SEED_DEV_ITEMS} | {item.high for item in SEED_DEV_ITEMS}
    seed |= set(SEED_DEV_TOTAL) | {claim.usd for claim in SEED_SAVINGS_CLAIMS.values()}
    # us-east-1 list prices the prose names (RDS, DocumentDB, NAT, ALB, Redis, logs)
    other_regions = {US_EAST_1_RDS_DB_T3_MEDIUM, 0.078, 0.045, 0.0225, 0.017, 0.50}
    allowed = table_prices | seed | other_regions
    text = DOC.read_text(encoding="utf-8")
    assert FIGURE.search(text), "the prose quotes no generated figure"
    stale = [
        amount
        for amount in DOLLARS.findall(hand_written(text))
        if float(amount.replace(",", "")) not in allowed
    ]
    assert stale == [], f"hand-written dollar figures in docs/costs.md: {stale}"


def test_every_figure_placeholder_is_known() -> None:
    names = {m.group("name") for m in FIGURE.finditer(DOC.read_text(encoding="utf-8"))}
    assert names <= set(figures())


if __name__ == "__main__":
    os.chdir(DOC.parent)  # away from any eventctl.toml in the checkout root
    sys.path.insert(0, str(DOC.parent.parent))
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"regenerated {DOC}")
