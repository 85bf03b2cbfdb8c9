"""`eventctl cost`: every output format, the bad-input cases, and the offline fast path."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.aws_shapes import ce_request, ce_response, client, expected_request, price_item

NO_AWS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
}


@pytest.fixture(autouse=True)
def _empty_price_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The built-in prices, whatever this machine's ~/.cache/eventctl holds."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


def report_json(run_cli, *args: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "report", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_follows_the_documented_schema(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = report_json(run_cli, "--cache-dir", str(tmp_path))
    assert data["schema"] == "eventctl.cost-report/1"
    assert data["region"] == "eu-west-1" and data["currency"] == "USD"
    assert data["hours_per_month"] == 730
    assert data["prices"]["as_of"] == "2026-11-25" and data["prices"]["origin"] == "built-in"
    assert [env["name"] for env in data["environments"]] == ["dev", "prod"]
    for env in data["environments"]:
        assert set(env) == {
            "name",
            "total_usd",
            "fixed_usd",
            "usage_based_usd",
            "facts",
            "lines",
            "categories",
            "usage",
            "savings",
            "actual",
        }
        assert env["total_usd"] == pytest.approx(
            sum(line["monthly_usd"] for line in env["lines"]), abs=0.05
        )
        assert env["total_usd"] == pytest.approx(
            env["fixed_usd"] + env["usage_based_usd"], abs=0.01
        )
        for line in env["lines"]:
            assert set(line) == {
                "category",
                "component",
                "quantity",
                "unit",
                "unit_price_usd",
                "monthly_usd",
                "usage_based",
                "detail",
                "price_key",
                "price_status",
                "schedule",
                "cost_explorer_service",
            }
        for saving in env["savings"]:
            assert {"key", "title", "monthly_saving_usd", "applicable", "detail"} <= set(saving)
    dev, prod = data["environments"]
    assert prod["total_usd"] > dev["total_usd"]
    seed = data["seed_comparison"]
    assert seed["environment"] == "dev"
    assert seed["computed_total_usd"] == dev["total_usd"]
    assert (seed["seed_lines_sum_low_usd"], seed["seed_lines_sum_high_usd"]) == (267.5, 282.5)
    assert seed["verdict"].startswith("The seed's estimate is wrong")


def test_seed_comparison_reasons_and_claims(run_cli) -> None:  # type: ignore[no-untyped-def]
    data = report_json(run_cli, "--env", "dev")
    rows = {row["item"]: row for row in data["seed_comparison"]["rows"]}
    rds = rows["RDS (4 x db.t3.medium)"]
    assert rds["computed_usd"] == pytest.approx(279.23 + 12.70)
    assert "1 more database(s) than the seed draws" in rds["reason"]
    assert "The seed's $120 implies $0.041/h per instance" in rds["reason"]
    assert "5 x 2 AZs x 730 h" in rows["VPC Endpoints"]["reason"]
    assert "Public IPv4 addresses $10.95" in rows["Items the seed leaves out"]["reason"]
    savings = {s["key"]: s for s in data["environments"][0]["savings"]}
    assert savings["rds_reserved"]["seed_claim"] == "Save ~40% (~$48/month)"
    # stop 108 of 168 hours: 64.3% of the stoppable hourly lines
    stoppable = sum(
        line["monthly_usd"]
        for line in data["environments"][0]["lines"]
        if line["schedule"] == "stoppable"
    )
    assert savings["stop_outside_working_hours"]["monthly_saving_usd"] == pytest.approx(
        stoppable * 108 / 168, abs=0.02
    )
    assert savings["rds_consolidate"]["monthly_saving_usd"] == pytest.approx(
        (279.23 + 12.70) * 4 / 5, abs=0.01
    )
    assert savings["fargate_spot"]["monthly_saving_usd"] == pytest.approx(45.05 * 0.7, abs=0.01)


def test_every_seed_claim_names_a_computed_saving() -> None:
    from eventctl.core.costs.estimate import estimate_environment
    from eventctl.core.costs.prices import load_prices
    from eventctl.core.costs.savings import find_savings
    from eventctl.core.costs.seed import SEED_SAVINGS_CLAIMS
    from eventctl.core.costs.usage import no_overrides
    from platform_model import build_platform

    platform, prices = build_platform(), load_prices("eu-west-1")
    usage = no_overrides().resolve("dev")
    dev = estimate_environment(platform, "dev", prices, usage)
    keys = {saving.key for saving in find_savings(platform, dev, prices, usage)}
    assert set(SEED_SAVINGS_CLAIMS) <= keys


def test_the_seed_endpoint_claim_is_shown_beside_the_computed_figure(run_cli) -> None:  # type: ignore[no-untyped-def]
    data = report_json(run_cli, "--env", "dev")
    saving = {s["key"]: s for s in data["environments"][0]["savings"]}["interface_endpoints_vs_nat"]
    assert saving["seed_claim"] == "Already implemented (saves ~$15/month on NAT)"
    assert saving["seed_claim_usd"] == 15
    # endpoints: 5 x 2 AZs x 730 h x $0.011 + 10 GB x $0.01 = $80.30 + $0.10 = $80.40;
    # the same 10 GB through the NAT: 10 x $0.048 = $0.48. Net: they cost $79.92, and the
    # seed's +$15 is off by $15 + $79.92 = $94.92.
    verdict = (
        "wrong: the endpoints cost $80.40/month and replace $0.48 of NAT data processing, "
        "so they add $79.92/month instead of saving $15.00; the claim is off by $94.92"
    )
    assert saving["seed_verdict"] == verdict
    assert saving["monthly_saving_usd"] == pytest.approx(80.40 - 0.48)
    table = run_cli("cost", "report", "--env", "dev").stdout
    assert f"The seed claims: Already implemented (saves ~$15/month on NAT); {verdict}" in table
    markdown = run_cli("cost", "report", "--env", "dev", "--format", "markdown").stdout
    assert f"The seed claims: Already implemented (saves ~$15/month on NAT); {verdict}" in markdown
    # the other claims are compared the same way
    spot = {s["key"]: s for s in data["environments"][0]["savings"]}["fargate_spot"]
    assert spot["seed_verdict"] == (
        "too low: the computed saving is $31.54, $26.54 more than the seed's $5.00"
    )


def test_prod_savings_that_do_not_apply_are_marked(run_cli) -> None:  # type: ignore[no-untyped-def]
    data = report_json(run_cli, "--env", "prod")
    assert data["seed_comparison"] is None
    savings = {s["key"]: s for s in data["environments"][0]["savings"]}
    assert savings["stop_outside_working_hours"]["applicable"] is False
    assert "production" in savings["stop_outside_working_hours"]["caveat"]
    # one on-demand task per service stays: half of prod's Fargate goes to Spot
    assert savings["fargate_spot"]["monthly_saving_usd"] == pytest.approx(90.10 * 0.7 / 2, abs=0.01)


def test_table_output(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "report")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Estimated monthly cost (eu-west-1, USD): dev and prod" in out
    assert "$577.45" in out and "$1,253.83" in out
    assert "Against the seed (dev)" in out
    assert "The seed's estimate is wrong" in out
    assert "Optimisation opportunities (dev" in out and "Optimisation opportunities (prod" in out
    assert "Prices for eu-west-1 dated 2026-11-25 (built-in); the 43 prices used:" in out
    single = run_cli("cost", "report", "--env", "dev").stdout
    assert "RDS PostgreSQL db.t3.medium" in single and "3,650 instance-h" in single
    assert "$0.0765" in single


def test_csv_output_is_one_row_per_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "report", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    data = report_json(run_cli)
    assert len(rows) == sum(len(env["lines"]) for env in data["environments"])
    for env in data["environments"]:
        total = sum(float(r["monthly_usd"]) for r in rows if r["environment"] == env["name"])
        assert total == pytest.approx(env["total_usd"], abs=0.05)
    nat = next(
        r for r in rows if r["environment"] == "prod" and r["component"] == "NAT gateway hours"
    )
    assert (nat["quantity"], nat["unit"], nat["unit_price_usd"], nat["monthly_usd"]) == (
        "1460",
        "h",
        "0.048",
        "70.08",
    )
    assert nat["usage_based"] == "no" and nat["price_status"] == "verified"
    # where the prices came from, on every row
    assert (nat["prices_region"], nat["prices_as_of"], nat["prices_origin"]) == (
        "eu-west-1",
        "2026-11-25",
        "built-in",
    )
    assert nat["price_source"].startswith("AWS offer file AmazonEC2/20260925174521/eu-west-1")
    assert all(r["prices_as_of"] == "2026-11-25" and r["price_source"] for r in rows)


def test_single_environment_table_shows_quantity_unit_price_and_monthly(run_cli) -> None:  # type: ignore[no-untyped-def]
    from eventctl.cli._render_cost import money, quantity, unit_price

    result = run_cli("cost", "report", "--env", "dev", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    header = next(row for row in result.stdout.splitlines() if row.startswith("┃"))
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == [
        "component",
        "quantity",
        "unit price",
        "monthly",
    ]
    rows = {
        cells[1].strip(): [c.strip() for c in cells[2:5]]
        for row in result.stdout.splitlines()
        if row.startswith("│") and len(cells := row.split("│")) == 6
    }
    lines = report_json(run_cli, "--env", "dev")["environments"][0]["lines"]
    for line in lines:
        name = line["component"] + (" (U)" if line["usage_based"] else "")
        assert rows[name] == [
            f"{quantity(line['quantity'])} {line['unit']}",
            unit_price(line["unit_price_usd"]),
            money(line["monthly_usd"]),
        ], name
    assert rows["CloudFront HTTPS requests (U)"] == ["20 10k requests", "$0.012", "$0.24"]


def test_markdown_output(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "report", "--env", "dev", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    assert md.startswith("# Estimated monthly cost (eu-west-1, USD)")
    assert "## dev: $577.45 per month" in md
    assert "| component | quantity | unit price | monthly | how |" in md
    assert "| NAT gateway hours | 730 h | $0.048 | $35.04 | 1 NAT gateway(s) x 730 h |" in md
    assert "## Against the seed (dev)" in md
    assert "## Optimisation opportunities (dev)" in md


def test_json_flag_is_the_json_format(run_cli) -> None:  # type: ignore[no-untyped-def]
    short = run_cli("cost", "report", "--env", "prod", "--json")
    long = run_cli("cost", "report", "--env", "prod", "--format", "json")
    assert json.loads(short.stdout) == json.loads(long.stdout)


def test_usage_file_and_flags_change_the_report(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    usage = tmp_path / "usage.toml"
    usage.write_text("[env.dev]\nnat_processed_gb = 1000\n")
    base = report_json(run_cli, "--env", "dev")
    more = report_json(run_cli, "--env", "dev", "--usage", str(usage), "--set", "alb_lcu=2")
    assert more["environments"][0]["total_usd"] == pytest.approx(
        base["environments"][0]["total_usd"] + (1000 - 5) * 0.048 + (2 - 0.2) * 730 * 0.008,
        abs=0.02,
    )
    assert more["usage_file"] == str(usage)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_bracket_legend_is_printed_only_when_an_amount_is_in_brackets(  # type: ignore[no-untyped-def]
    run_cli, env: str
) -> None:
    savings = json.loads(run_cli("cost", "report", "--env", env, "--json").stdout)
    bracketed = [s for s in savings["environments"][0]["savings"] if not s["applicable"]]
    text = run_cli("cost", "report", "--env", env).stdout
    assert ("Amounts in brackets" in text) == bool(bracketed)


def test_settings_change_the_report(run_cli) -> None:  # type: ignore[no-untyped-def]
    env = {"EVENTCTL_ENVIRONMENTS__DEV__DESIRED_COUNT": "3"}
    result = run_cli("cost", "report", "--env", "dev", "--json", env=env)
    lines = {
        line["component"]: line for line in json.loads(result.stdout)["environments"][0]["lines"]
    }
    assert lines["Fargate vCPU"]["quantity"] == 3 * 5 * 0.25 * 730


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "local"], "no AWS bill"),
        (["--env", "staging"], "unknown environment 'staging'"),
        (["--set", "nat_processed_gb=-1"], "must be a finite number >= 0, got -1"),
        (["--set", "bogus=1"], "unknown usage key 'bogus'"),
    ],
)
def test_bad_input_is_refused(run_cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "report", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "hint:" in result.stderr
    assert result.stdout == ""


def test_malformed_usage_file_names_the_key(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    usage = tmp_path / "usage.toml"
    usage.write_text("[env.prod]\ncloudfront_gb = 'a lot'\n")
    result = run_cli("cost", "report", "--usage", str(usage))
    assert result.exit_code == 1
    assert "env.prod.cloudfront_gb: must be a number" in result.stderr


def test_unknown_region_says_how_to_refresh(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--region", "sa-east-1", "cost", "report", "--cache-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "no prices for region 'sa-east-1'" in result.stderr
    assert "eventctl cost prices refresh --region sa-east-1" in result.stderr


def test_prices_show(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "prices", "show", "--json", "--cache-dir", str(tmp_path))
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-11-25" and data["origin"] == "built-in"
    assert data["prices"]["nat.hour"]["usd"] == 0.048
    table = run_cli("cost", "prices", "show", "--cache-dir", str(tmp_path))
    assert "nat.hour" in table.stdout and "verified" in table.stdout


def test_actual_spend_from_cost_explorer(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from botocore.stub import Stubber

    ce = client("ce")
    stub = Stubber(ce)
    stub.add_response(
        "get_cost_and_usage",
        ce_response({"Amazon Relational Database Service": "230.00", "EC2 - Other": "36.10"}),
        ce_request("2026-10-01", "2026-11-01", "dev"),
    )
    stub.activate()
    monkeypatch.setattr("eventctl.cli.cost._client", lambda cli, service, region: ce)
    result = run_cli(
        "cost", "report", "--env", "dev", "--actual", "--today", "2026-11-25", "--json"
    )
    assert result.exit_code == 0, result.stderr
    stub.assert_no_pending_responses()
    actual = json.loads(result.stdout)["environments"][0]["actual"]
    assert (actual["period_start"], actual["period_end"]) == ("2026-10-01", "2026-11-01")
    assert actual["tag"] == "Environment=dev"
    assert actual["actual_usd"] == 266.1
    rows = {row["service"]: row for row in actual["rows"]}
    assert rows["EC2 - Other"]["estimate_usd"] == pytest.approx(35.04 + 0.24)
    assert rows["EC2 - Other"]["difference_usd"] == pytest.approx(36.10 - 35.28, abs=0.01)


def test_actual_table_output(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from botocore.stub import Stubber

    ce = client("ce")
    stub = Stubber(ce)
    for env in ("dev", "prod"):
        stub.add_response(
            "get_cost_and_usage",
            ce_response({"Amazon Elastic Container Service": "40.00"}),
            ce_request("2025-12-01", "2026-01-01", env),
        )
    stub.activate()
    monkeypatch.setattr("eventctl.cli.cost._client", lambda cli, service, region: ce)
    result = run_cli("cost", "report", "--actual", "--today", "2026-01-05")
    assert result.exit_code == 0, result.stderr
    assert "Actual spend (dev, 2025-12-01 to 2026-01-01, tag Environment=dev)" in result.stdout
    assert "Actual spend (prod, 2025-12-01 to 2026-01-01" in result.stdout
    assert "reading Cost Explorer for December 2025" in result.stderr


def test_actual_without_credentials(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "report", "--actual", env=NO_AWS)
    assert result.exit_code == 1
    assert "no AWS credentials found for Cost Explorer (`cost report --actual`)" in result.stderr
    assert "hint:" in result.stderr


def test_prices_refresh_writes_the_cache_the_report_then_uses(  # type: ignore[no-untyped-def]
    run_cli, monkeypatch, tmp_path: Path
) -> None:
    from botocore.stub import Stubber

    from eventctl.core.costs.refresh import queries_for
    from platform_model import build_platform

    pricing = client("pricing")
    stub = Stubber(pricing)
    for query in queries_for(build_platform()):
        price = 0.05 if query.key == "nat.hour" else 0.001
        stub.add_response(
            "get_products",
            {
                "FormatVersion": "aws_v1",
                "PriceList": [
                    price_item(
                        query.service_code, f"EU-{query.usagetype_suffix}", price / query.scale
                    )
                ],
            },
            expected_request(query),
        )
    stub.activate()
    monkeypatch.setattr("eventctl.cli.cost._client", lambda cli, service, region: pricing)
    result = run_cli("cost", "prices", "refresh", "--cache-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    stub.assert_no_pending_responses()
    assert "written to" in result.stdout
    data = report_json(run_cli, "--env", "dev", "--cache-dir", str(tmp_path))
    assert "refreshed" in data["prices"]["origin"]
    lines = data["environments"][0]["lines"]
    nat = next(x for x in lines if x["component"] == "NAT gateway hours")
    assert nat["unit_price_usd"] == 0.05 and nat["price_status"] == "api"
    csv_out = run_cli(
        "cost", "report", "--env", "dev", "--format", "csv", "--cache-dir", str(tmp_path)
    )
    row = next(
        r for r in csv.DictReader(io.StringIO(csv_out.stdout)) if r["price_key"] == "nat.hour"
    )
    assert "refreshed" in row["prices_origin"]
    assert row["price_source"].startswith("AWS Pricing API AmazonEC2 EU-NatGateway-Hours")


def test_refresh_without_credentials(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("cost", "prices", "refresh", "--cache-dir", str(tmp_path), env=NO_AWS)
    assert result.exit_code == 1
    needs = "no AWS credentials found for the AWS Price List API (`cost prices refresh`)"
    assert needs in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_offline_report_does_not_import_boto3(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from eventctl.cli.main import app\n"
        "try:\n"
        "    app(['cost', 'report', '--format', 'json', '--cache-dir', sys.argv[1]],"
        " prog_name='eventctl')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'jinja2', 'httpx') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in result.stderr
    assert json.loads(result.stdout)["schema"] == "eventctl.cost-report/1"


@pytest.mark.parametrize(
    "path",
    [["cost"], ["cost", "report"], ["cost", "prices", "show"], ["cost", "prices", "refresh"]],
)
def test_help_has_an_example(run_cli, path: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    if len(path) > 1:
        assert "Example:" in result.stdout


# -- a region known only from a refresh ----------------------------------------------------

SYDNEY = "ap-southeast-2"


def sydney_price(query: Any) -> float:
    """A distinct made-up price per key, so the test sees which value landed on which line."""
    return round(0.002 + (sum(map(ord, query.key)) % 89) / 1000, 6)


def refresh_sydney(run_cli, monkeypatch, cache: Path, unanswered: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    from botocore.stub import Stubber

    from eventctl.core.costs.refresh import queries_for
    from platform_model import build_platform
    from tests.fakes.aws_shapes import stub_refresh

    pricing = client("pricing")
    stub = Stubber(pricing)
    stub_refresh(
        stub,
        queries_for(build_platform()),
        SYDNEY,
        "APS2",
        sydney_price,
        unanswered=unanswered,
    )
    stub.activate()
    monkeypatch.setattr("eventctl.cli.cost._client", lambda cli, service, region: pricing)
    result = run_cli("--region", SYDNEY, "cost", "prices", "refresh", "--cache-dir", str(cache))
    assert result.exit_code == 0, result.stderr
    stub.assert_no_pending_responses()
    return result


def test_a_region_known_only_from_a_refresh_gets_the_full_report(  # type: ignore[no-untyped-def]
    run_cli, monkeypatch, tmp_path: Path
) -> None:
    from eventctl.core.costs.prices import NOT_REFRESHED
    from eventctl.core.costs.refresh import queries_for
    from platform_model import build_platform

    cache = tmp_path / "cache"
    refreshed = refresh_sydney(run_cli, monkeypatch, cache)
    assert "not returned by the API" not in refreshed.stdout
    assert "not queried (built-in eu-west-1 values" in refreshed.stdout

    result = run_cli("--region", SYDNEY, "cost", "report", "--json", "--cache-dir", str(cache))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["region"] == SYDNEY
    # the full report: every line the built-in eu-west-1 report has, for both environments
    builtin = report_json(run_cli, "--cache-dir", str(tmp_path / "empty"))
    for env, reference in zip(data["environments"], builtin["environments"], strict=True):
        assert [x["component"] for x in env["lines"]] == [
            x["component"] for x in reference["lines"]
        ]
    # and it says which prices it used: refreshed ones by their API price, the others marked
    api = {q.key: sydney_price(q) for q in queries_for(build_platform())}
    used = {price["key"]: price for price in data["prices"]["used"]}
    for env in data["environments"]:
        for line in env["lines"]:
            key = line["price_key"]
            if key in NOT_REFRESHED:
                assert line["price_status"] != "api", key
                assert used[key]["refreshed"] is False
                assert used[key]["not_refreshed"] == NOT_REFRESHED[key]
                assert used[key]["source"].startswith("built-in eu-west-1 table of 2026-11-25")
            else:
                assert line["price_status"] == "api", key
                assert line["unit_price_usd"] == pytest.approx(api[key]), key
                assert "AWS Pricing API" in used[key]["source"]
    assert used["fargate.spot_discount"]["not_refreshed"] == NOT_REFRESHED["fargate.spot_discount"]
    # the Graviton counterpart was fetched too, so that saving is computed here as well
    assert "rds_graviton" in {s["key"] for s in data["environments"][0]["savings"]}

    table = run_cli("--region", SYDNEY, "cost", "report", "--env", "dev", "--cache-dir", str(cache))
    assert table.exit_code == 0, table.stderr
    assert f"Prices for {SYDNEY} dated " in table.stdout
    assert "35 of them come from the AWS Pricing API; built-in, not refreshed:" in table.stdout
    assert "route53.queries_million, route53.zone_month (Route 53 is priced globally" in (
        table.stdout
    )


def test_prices_the_api_did_not_return_are_named_without_a_refresh_loop(  # type: ignore[no-untyped-def]
    run_cli, monkeypatch, tmp_path: Path
) -> None:
    missing = ("ses.emails_1k", "transfer.internet_out_gb")
    refreshed = refresh_sydney(run_cli, monkeypatch, tmp_path, unanswered=missing)
    assert "not returned by the API (ap-southeast-2 has no built-in table" in refreshed.stdout
    assert "ses.emails_1k, transfer.internet_out_gb" in refreshed.stdout

    result = run_cli("--region", SYDNEY, "cost", "report", "--cache-dir", str(tmp_path))
    assert result.exit_code == 1
    assert f"no {SYDNEY} prices for 2 keys" in result.stderr
    assert "ses.emails_1k, transfer.internet_out_gb" in result.stderr
    assert "refreshing again will not help" in result.stderr
    # the way out is not the refresh the user just ran
    assert "cost prices refresh" not in result.stderr
    assert result.stdout == ""


def test_a_cache_older_than_the_model_says_to_refresh_once_more(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path
) -> None:
    from eventctl.core.costs.prices import cache_file
    from eventctl.core.costs.refresh import refreshed_keys
    from platform_model import build_platform

    # a cache written before eventctl fetched the transfer price (it has everything else)
    queried = sorted(refreshed_keys(build_platform()) - {"transfer.internet_out_gb"})
    cached = {
        "region": SYDNEY,
        "as_of": "2026-12-01",
        "refreshed": {"fetched_at": "2026-12-01T10:00:00Z", "fetched": queried, "missing": []},
        "prices": {key: {"usd": 0.01, "unit": "x", "status": "api"} for key in queried},
    }
    cache_file(tmp_path, SYDNEY).write_text(json.dumps(cached))
    result = run_cli("--region", SYDNEY, "cost", "report", "--cache-dir", str(tmp_path))
    assert result.exit_code == 1
    assert f"no {SYDNEY} price for transfer.internet_out_gb" in result.stderr
    assert "fetched at 2026-12-01T10:00:00Z, before the model needed them" in result.stderr
    # here a refresh is the way out, and it does fetch that key
    assert f"eventctl cost prices refresh --region {SYDNEY}" in result.stderr
    assert "transfer.internet_out_gb" in refreshed_keys(build_platform())
