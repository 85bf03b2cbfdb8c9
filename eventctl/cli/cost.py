"""`eventctl cost`: the monthly cost estimate of each environment, priced from the model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from eventctl.cli._app import App, get_app
from eventctl.cli._options import JsonOption

if TYPE_CHECKING:
    from eventctl.core.costs.report import ActualSpend

app = typer.Typer(
    help="Cost: the monthly estimate per environment, priced from the platform model.",
    no_args_is_help=True,
)
prices_app = typer.Typer(help="The price table the estimate uses.", no_args_is_help=True)
app.add_typer(prices_app, name="prices")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="Where refreshed prices are kept (default: $XDG_CACHE_HOME/eventctl or "
        "~/.cache/eventctl).",
        file_okay=False,
    ),
]


def _cache_dir(cli: App, option: Path | None) -> Path:
    if option is not None:
        return option
    base = cli.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eventctl"


@app.command("report")
def report(
    ctx: typer.Context,
    env: Annotated[
        str, typer.Option("--env", "-e", help="dev, prod or all (side by side).")
    ] = "all",
    output: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = (
        Format.table
    ),
    usage_file: Annotated[
        Path | None,
        typer.Option(
            "--usage", help="TOML file of usage assumptions (see docs/costs.md).", dir_okay=False
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override one usage assumption: KEY=NUMBER (repeatable)."),
    ] = None,
    actual: Annotated[
        bool,
        typer.Option("--actual", help="Add last full month's spend from Cost Explorer."),
    ] = False,
    tag: Annotated[
        str, typer.Option(help="Cost allocation tag key that holds the environment name.")
    ] = "Environment",
    cache_dir: CacheDirOption = None,
    json_output: JsonOption = False,
    today: Annotated[
        str | None, typer.Option(hidden=True, help="Today's date (YYYY-MM-DD), for tests.")
    ] = None,
) -> None:
    """Estimate each environment's monthly AWS bill from the model, line by line.

    Offline and instant. Quantities come from the platform model, prices
    from the built-in dated price table (or refreshed prices), usage-driven
    lines from documented defaults that --usage FILE and --set override.
    Also puts the seed's own dev estimate beside the computed one and lists
    the savings worth having, each computed.

    Example:

        eventctl cost report --env dev --set nat_processed_gb=50
    """
    from eventctl.core.costs.prices import load_prices
    from eventctl.core.costs.report import build_report, select_environments
    from eventctl.core.costs.usage import load_usage

    cli = get_app(ctx)
    platform = cli.platform
    envs = select_environments(platform, env)
    prices = load_prices(platform.region, _cache_dir(cli, cache_dir))
    usage = load_usage(usage_file, assignments or (), platform.environments)
    spend = _actual_spend(cli, envs, tag, today) if actual else None
    data = build_report(platform, envs, prices, usage, usage_file=usage_file, actual=spend)
    fmt = Format.json if json_output else output
    if fmt is Format.json:
        cli.print_json(data)
    elif fmt is Format.csv:
        typer.echo(_csv(data), nl=False)
    elif fmt is Format.markdown:
        from eventctl.cli._render_cost import to_markdown

        typer.echo(to_markdown(data), nl=False)
    else:
        from eventctl.cli._render_cost import render_table

        render_table(cli.out, data)


def _csv(data: dict[str, Any]) -> str:
    from eventctl.cli._render_cost import to_csv

    return to_csv(data)


def _actual_spend(cli: App, envs: list[str], tag: str, today: str | None) -> dict[str, ActualSpend]:
    from eventctl.adapters.aws.cost_explorer import COST_EXPLORER_REGION, CostExplorer
    from eventctl.core.costs.report import ActualSpend, last_full_month

    start, end = last_full_month(_parse_today(today))
    explorer = CostExplorer(_client(cli, "ce", COST_EXPLORER_REGION))
    cli.err.print(f"reading Cost Explorer for {start:%B %Y} ...")
    return {
        name: ActualSpend(
            env=name,
            start=start,
            end=end,
            by_service=explorer.cost_by_service(start, end, tag, name),
            tag=f"{tag}={name}",
        )
        for name in envs
    }


def _parse_today(today: str | None) -> date:
    if today is None:
        return date.today()
    try:
        return date.fromisoformat(today)
    except ValueError:
        raise typer.BadParameter(
            f"{today!r} is not a date (YYYY-MM-DD)", param_hint="--today"
        ) from None


#: What each client is for, in the words of the error that refuses it without credentials.
_PURPOSES = {
    "ce": "Cost Explorer (`cost report --actual`)",
    "pricing": "the AWS Price List API (`cost prices refresh`)",
}


def _client(cli: App, service: str, region: str) -> Any:
    """A client on the usual credential chain (profile, variables, role); refuses without one."""
    from eventctl.adapters.aws.clients import AwsTarget, make_client

    target = AwsTarget(region=region)
    target.require_credentials(_PURPOSES.get(service, service))
    return make_client(service, target)


@prices_app.command("show")
def prices_show(
    ctx: typer.Context, cache_dir: CacheDirOption = None, json_output: JsonOption = False
) -> None:
    """Show the prices the report uses: value, unit, how sure and where each came from.

    Example:

        eventctl cost prices show --json
    """
    from eventctl.core.costs.prices import load_prices, table_to_dict

    cli = get_app(ctx)
    table = load_prices(cli.platform.region, _cache_dir(cli, cache_dir))
    data = {**table_to_dict(table), "origin": table.origin}
    if json_output:
        cli.print_json(data)
        return
    from eventctl.cli._render_cost import render_prices

    render_prices(cli.out, data)


@prices_app.command("refresh")
def prices_refresh(
    ctx: typer.Context,
    region: Annotated[
        str | None, typer.Option(help="Region to fetch (default: the configured region).")
    ] = None,
    cache_dir: CacheDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Fetch current on-demand prices from the AWS Pricing API and cache them.

    Needs AWS credentials allowed pricing:GetProducts. Fetches every
    regional price the model uses (its instance classes included). Route
    53, CloudFront and dashboards (priced globally or by edge), Cloud Map
    registrations and the planning factors keep their built-in values, and
    the report marks them "built-in, not refreshed". A price the API does
    not return keeps the built-in value where the region has a built-in
    table; otherwise a report that needs it names it. Later reports use
    the cached prices and say so.

    Example:

        eventctl cost prices refresh --region eu-west-1
    """
    from eventctl.adapters.aws.pricing import PRICING_REGION, Pricing
    from eventctl.core.costs.prices import NOT_REFRESHED, REFERENCE_REGION, builtin_regions
    from eventctl.core.costs.refresh import refresh_prices

    cli = get_app(ctx)
    target = region or cli.platform.region
    source = Pricing(_client(cli, "pricing", PRICING_REGION))
    cli.err.print(f"fetching {target} prices from the AWS Pricing API ...")
    result = refresh_prices(
        source, cli.platform, target, _cache_dir(cli, cache_dir), datetime.now(UTC)
    )
    summary = {
        "region": target,
        "cache_file": str(result.path),
        "fetched": result.fetched,
        "missing": result.missing,
        "not_refreshed": NOT_REFRESHED,
    }
    if json_output:
        cli.print_json(summary)
        return
    cli.out.print(f"{len(result.fetched)} prices for {target} written to {result.path}")
    if result.missing:
        kept = (
            "the built-in prices stay"
            if target in builtin_regions()
            else f"{target} has no built-in table: a report that needs them stops and names them"
        )
        cli.out.print(f"not returned by the API ({kept}): {', '.join(result.missing)}")
    cli.out.print(
        f"not queried (built-in {REFERENCE_REGION} values, see docs/costs.md): "
        f"{', '.join(sorted(NOT_REFRESHED))}"
    )
