"""Usage files, flags and price tables: good input is applied, bad input is refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventctl.core.costs.prices import PriceError, builtin_regions, cache_file, load_prices
from eventctl.core.costs.usage import USAGE_KEYS, UsageError, load_usage


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_usage_file_layers_defaults_env_and_flags(tmp_path: Path) -> None:
    usage = write(
        tmp_path / "usage.toml",
        "[defaults]\nnat_processed_gb = 12\ninternet_egress_gb = 30\n\n"
        "[env.prod]\nnat_processed_gb = 150\n",
    )
    overrides = load_usage(usage, ["internet_egress_gb=7.5"], ["dev", "prod", "local"])
    dev, prod = overrides.resolve("dev"), overrides.resolve("prod")
    assert dev["nat_processed_gb"] == 12
    assert prod["nat_processed_gb"] == 150
    assert dev["internet_egress_gb"] == prod["internet_egress_gb"] == 7.5
    assert dev["alb_lcu"] == 0.2 and prod["alb_lcu"] == 1.0  # untouched defaults
    sources = {row["key"]: row["source"] for row in prod.describe()}
    assert sources["nat_processed_gb"] == f"{usage} [env.prod]"
    assert sources["internet_egress_gb"] == "--set internet_egress_gb"
    assert sources["alb_lcu"] == "default"


def test_every_usage_key_has_a_documented_default() -> None:
    for key in USAGE_KEYS:
        assert key.description and key.unit
        assert key.dev >= 0 and key.prod >= 0


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[defaults]\nnat_gb = 3\n", "defaults.nat_gb"),
        ("[defaults]\nnat_processed_gb = 'lots'\n", "defaults.nat_processed_gb"),
        ("[defaults]\nnat_processed_gb = true\n", "defaults.nat_processed_gb"),
        ("[env.prod]\nalb_lcu = -1\n", "env.prod.alb_lcu"),
        ("[env.qa]\nalb_lcu = 1\n", "env.qa"),
        ("[traffic]\nalb_lcu = 1\n", "traffic"),
        ("[defaults]\nworking_hours_per_week = 200\n", "defaults.working_hours_per_week"),
        ("defaults = 3\n", "defaults"),
    ],
)
def test_malformed_usage_file_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    path = write(tmp_path / "usage.toml", text)
    with pytest.raises(UsageError) as caught:
        load_usage(path, [], ["dev", "prod"])
    assert named in caught.value.message
    assert str(path) in caught.value.message
    assert caught.value.hint


def test_negative_quantities_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"nat_processed_gb: must be a finite number >= 0, got -5"):
        load_usage(None, ["nat_processed_gb=-5"])
    path = write(tmp_path / "u.toml", "[defaults]\ndocdb_storage_gb = -0.5\n")
    with pytest.raises(UsageError, match=r"defaults.docdb_storage_gb: .*got -0.5"):
        load_usage(path)


def test_bad_flag_forms(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="KEY=NUMBER"):
        load_usage(None, ["nat_processed_gb"])
    with pytest.raises(UsageError, match="must be a number"):
        load_usage(None, ["nat_processed_gb=many"])
    with pytest.raises(UsageError, match="unknown usage key 'natgb'"):
        load_usage(None, ["natgb=3"])


def test_unparsable_or_missing_usage_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="malformed TOML") as caught:
        load_usage(write(tmp_path / "bad.toml", "[defaults\nx = 1\n"))
    assert caught.value.hint and "docs/costs.md" in caught.value.hint
    with pytest.raises(UsageError, match="does not exist"):
        load_usage(tmp_path / "absent.toml")


def test_builtin_table_is_dated_and_every_price_has_a_source() -> None:
    table = load_prices("eu-west-1")
    assert table.as_of == "2026-11-25"
    assert table.origin == "built-in"
    assert "eu-west-1" in builtin_regions()
    for price in table.prices.values():
        assert price.source and price.unit
        assert price.status in {"verified", "list", "derived", "assumption"}


def test_unknown_region_without_prices_says_how_to_refresh(tmp_path: Path) -> None:
    with pytest.raises(PriceError) as caught:
        load_prices("ap-southeast-7", tmp_path)
    assert "ap-southeast-7" in caught.value.message
    assert caught.value.hint and "eventctl cost prices refresh --region ap-southeast-7" in (
        caught.value.hint
    )


def test_cached_prices_override_the_builtin_ones(tmp_path: Path) -> None:
    cached = {
        "region": "eu-west-1",
        "as_of": "2026-12-01",
        "source": "AWS Pricing API",
        "refreshed": {"fetched_at": "2026-12-01T10:00:00Z", "fetched": ["nat.hour"]},
        "prices": {"nat.hour": {"usd": 0.05, "unit": "NAT gateway-hour", "status": "api"}},
    }
    cache_file(tmp_path, "eu-west-1").write_text(json.dumps(cached))
    table = load_prices("eu-west-1", tmp_path)
    assert table.usd("nat.hour") == 0.05
    assert table.usd("nat.gb") == 0.048  # still built-in
    assert "refreshed 2026-12-01" in table.origin
    assert table.describe()["status_counts"]["api"] == 1


def test_a_region_known_only_from_the_cache_works(tmp_path: Path) -> None:
    cached = {
        "region": "ap-southeast-7",
        "as_of": "2026-12-01",
        "prices": {"nat.hour": {"usd": 0.059, "unit": "h", "status": "api"}},
    }
    cache_file(tmp_path, "ap-southeast-7").write_text(json.dumps(cached))
    assert load_prices("ap-southeast-7", tmp_path).usd("nat.hour") == 0.059


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps(
            {"region": "eu-west-1", "as_of": "x", "prices": {"a": {"usd": -1, "unit": "h"}}}
        ),
        json.dumps({"region": "eu-west-1", "prices": {}}),
    ],
)
def test_malformed_cache_is_refused_with_a_hint(tmp_path: Path, content: str) -> None:
    cache_file(tmp_path, "eu-west-1").write_text(content)
    with pytest.raises(PriceError) as caught:
        load_prices("eu-west-1", tmp_path)
    assert caught.value.hint and "refresh" in caught.value.hint
