"""Price tables: the built-in, dated table per region and the cache `cost prices refresh` writes.

A table maps a price key (`nat.hour`, `rds.postgres.db.t3.medium`) to a price in USD per unit,
with where the figure came from. The report says which table and which prices it used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eventctl.errors import EventctlError

BUILTIN_DIR = Path(__file__).resolve().parent / "prices"
STATUSES = ("verified", "list", "derived", "assumption", "api")

REFERENCE_REGION = "eu-west-1"
"""The built-in table whose region-independent prices serve every region (NOT_REFRESHED)."""

_GLOBAL_R53 = "Route 53 is priced globally, not per region"
_EDGE_CF = (
    "CloudFront is priced by the edge locations that serve the viewers, here the Europe "
    "price class, not by the region"
)
NOT_REFRESHED: dict[str, str] = {
    "route53.zone_month": _GLOBAL_R53,
    "route53.queries_million": _GLOBAL_R53,
    "cloudfront.gb": _EDGE_CF,
    "cloudfront.https_10k": _EDGE_CF,
    "cloudwatch.dashboard_month": (
        "CloudWatch dashboards are priced globally: the Price List has no regional product"
    ),
    "cloudmap.instance_month": (
        "the Price List product of Cloud Map registered instances could not be checked, so "
        "it is not queried rather than guessed; the eu-west-1 list price is used everywhere"
    ),
    "fargate.spot_discount": (
        "a planning factor: Fargate Spot prices move with spare capacity and are not in the "
        "Price List's on-demand terms"
    ),
    "rds.reserved_discount": "a planning factor, not an on-demand price",
}
"""Price keys `cost prices refresh` does not query, and why. Their value always comes from the
built-in table (of REFERENCE_REGION for a region without one); the report marks them
"built-in, not refreshed" when the other prices are refreshed ones."""


class PriceError(EventctlError):
    """A price is missing or a price file is unreadable."""


@dataclass(frozen=True)
class Price:
    """One price: USD per `unit`, with its source and how sure it is (`status`)."""

    key: str
    usd: float
    unit: str
    status: str
    source: str


@dataclass
class PriceUse:
    """What one report read from a table: the keys it used and the keys the table lacked."""

    used: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class PriceTable:
    """The prices of one region, and where the table came from."""

    region: str
    currency: str
    as_of: str
    source: str
    hours_per_month: int
    prices: dict[str, Price]
    origin: str = "built-in"
    refreshed: dict[str, Any] = field(default_factory=dict)
    use: PriceUse | None = field(default=None, compare=False, repr=False)
    lenient: bool = field(default=False, compare=False, repr=False)

    def tracking(self, *, lenient: bool = False) -> PriceTable:
        """This table, recording the keys read (in `.use`); `lenient` prices a missing key at
        0 and records it instead of raising, so one pass can name every missing key."""
        return replace(self, use=PriceUse(), lenient=lenient)

    def price(self, key: str) -> Price:
        """The price called `key`; PriceError saying what to do when the table lacks it."""
        found = self.prices.get(key)
        if found is not None:
            if self.use is not None:
                self.use.used.add(key)
            return found
        if self.lenient and self.use is not None:
            self.use.missing.add(key)
            return Price(key=key, usd=0.0, unit="", status="assumption", source="missing")
        raise self.missing_error([key])

    def missing_error(self, keys: Iterable[str]) -> PriceError:
        """The error for prices the table lacks: which keys, and a way out that is not a loop.

        A refresh fetches every key the model needs; so "run refresh" is the hint only for
        keys no refresh has been asked for yet. A key the Pricing API did not return stays
        missing however often the user refreshes, and the hint says so.
        """
        keys = sorted(set(keys))
        fetched_at = self.refreshed.get("fetched_at") if self.refreshed else None
        not_returned = [k for k in keys if k in (self.refreshed or {}).get("missing", [])]
        never_asked = [k for k in keys if k not in not_returned]
        listed = ", ".join(keys)
        message = (
            f"no {self.region} price for {listed} in the {self.origin} price table"
            if len(keys) == 1
            else f"no {self.region} prices for {len(keys)} keys in the {self.origin} price "
            f"table: {listed}"
        )
        hints = []
        if never_asked:
            refresh = f"`eventctl cost prices refresh --region {self.region}`"
            if fetched_at:
                hints.append(
                    f"{', '.join(never_asked)}: the cached prices were fetched at {fetched_at}, "
                    f"before the model needed them; run {refresh} again (it fetches every "
                    "price the model needs, its instance classes included)"
                )
            else:
                hints.append(
                    f"run {refresh} with AWS credentials (it fetches every price the model "
                    "needs, its instance classes included), or choose a size the table "
                    "prices (eventctl cost prices show)"
                )
        if not_returned:
            hints.append(
                f"{', '.join(not_returned)}: the AWS Pricing API returned no {self.region} "
                f"price for them at {fetched_at}, so refreshing again will not help; the "
                "product may not be offered in this region: choose a size or region that "
                "offers it"
            )
        return PriceError(message, hint="; ".join(hints))

    def usd(self, key: str) -> float:
        return self.price(key).usd

    def has(self, key: str) -> bool:
        return key in self.prices

    def not_refreshed_reason(self, key: str) -> str | None:
        """Why `key` holds a built-in value although the table has refreshed prices (None
        when the price came from the Pricing API, or when nothing was refreshed)."""
        if not self.refreshed or self.prices[key].status == "api":
            return None
        if key in NOT_REFRESHED:
            return NOT_REFRESHED[key]
        if key in self.refreshed.get("missing", []):
            return "the Pricing API returned no price for it"
        return "not fetched by the refresh that wrote the cache"

    def describe(self) -> dict[str, Any]:
        """What the report says about the prices it used (all of the table's, untracked)."""
        keys = sorted(self.use.used) if self.use is not None else sorted(self.prices)
        counts = {status: 0 for status in STATUSES}
        for key in keys:
            counts[self.prices[key].status] += 1
        used = []
        for key in keys:
            price = self.prices[key]
            reason = self.not_refreshed_reason(key)
            used.append(
                {
                    "key": key,
                    "usd": price.usd,
                    "unit": price.unit,
                    "status": price.status,
                    "source": price.source,
                    "refreshed": price.status == "api",
                    **({"not_refreshed": reason} if reason else {}),
                }
            )
        return {
            "region": self.region,
            "currency": self.currency,
            "as_of": self.as_of,
            "origin": self.origin,
            "source": self.source,
            "hours_per_month": self.hours_per_month,
            "status_counts": {k: v for k, v in counts.items() if v},
            "refreshed": self.refreshed or None,
            "used": used,
        }


def builtin_regions() -> list[str]:
    """Regions with a built-in price table."""
    return sorted(path.stem for path in BUILTIN_DIR.glob("*.json"))


def cache_file(cache_dir: Path, region: str) -> Path:
    """Where `cost prices refresh` keeps the fetched prices of `region`."""
    return cache_dir / f"prices-{region}.json"


def load_prices(region: str, cache_dir: Path | None = None) -> PriceTable:
    """The price table for `region`: the built-in one, with refreshed prices laid over it.

    Raises PriceError (with the refresh command as hint) when neither exists, and when a
    file is malformed.
    """
    builtin_path = BUILTIN_DIR / f"{region}.json"
    cached_path = cache_file(cache_dir, region) if cache_dir else None
    base = _read_table(builtin_path, "built-in") if builtin_path.is_file() else None
    cached = (
        _read_table(cached_path, f"cache {cached_path}")
        if cached_path and cached_path.is_file()
        else None
    )
    if base is None and cached is None:
        known = ", ".join(builtin_regions())
        raise PriceError(
            f"no prices for region {region!r}: eventctl has built-in prices for {known} only",
            hint=(
                f"run `eventctl cost prices refresh --region {region}` with AWS credentials "
                "to fetch them from the AWS Pricing API, or set region to one of the built-in ones"
            ),
        )
    if cached is None:
        assert base is not None
        return base
    if base is None:
        return _with_reference_prices(cached, cached_path)
    return PriceTable(
        region=region,
        currency=base.currency,
        as_of=cached.as_of,
        source=f"{cached.source}; other prices from the built-in table of {base.as_of}",
        hours_per_month=base.hours_per_month,
        prices={**base.prices, **cached.prices},
        origin=f"built-in {base.as_of} + refreshed {cached.as_of} ({cached_path})",
        refreshed=cached.refreshed,
    )


def _with_reference_prices(cached: PriceTable, cached_path: Path | None) -> PriceTable:
    """A region known only from a refresh: the refreshed prices, plus the prices no refresh
    fetches (NOT_REFRESHED) from the built-in table of REFERENCE_REGION."""
    reference = _read_table(BUILTIN_DIR / f"{REFERENCE_REGION}.json", "built-in")
    borrowed = {
        key: Price(
            key=key,
            usd=price.usd,
            unit=price.unit,
            status=price.status,
            source=f"built-in {REFERENCE_REGION} table of {reference.as_of}: {price.source}",
        )
        for key, price in reference.prices.items()
        if key in NOT_REFRESHED
    }
    return PriceTable(
        region=cached.region,
        currency=cached.currency,
        as_of=cached.as_of,
        source=(
            f"{cached.source}; prices not refreshed from the built-in {REFERENCE_REGION} "
            f"table of {reference.as_of}"
        ),
        hours_per_month=cached.hours_per_month,
        prices={**borrowed, **cached.prices},
        origin=(
            f"refreshed {cached.as_of} ({cached_path}) + built-in {REFERENCE_REGION} "
            f"{reference.as_of} for the prices not refreshed"
        ),
        refreshed=cached.refreshed,
    )


def table_from_dict(data: dict[str, Any], origin: str) -> PriceTable:
    """A PriceTable from its JSON form; PriceError naming the bad entry."""
    try:
        prices = {key: _price(key, entry, origin) for key, entry in dict(data["prices"]).items()}
        return PriceTable(
            region=str(data["region"]),
            currency=str(data.get("currency", "USD")),
            as_of=str(data["as_of"]),
            source=str(data.get("source", "")),
            hours_per_month=int(data.get("hours_per_month", 730)),
            prices=prices,
            origin=origin,
            refreshed=dict(data.get("refreshed", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PriceError(
            f"{origin} price table is malformed: {exc}",
            hint="delete the cached file and run `eventctl cost prices refresh` again",
        ) from None


def table_to_dict(table: PriceTable) -> dict[str, Any]:
    """The JSON form of a table (what the cache file holds)."""
    return {
        "region": table.region,
        "currency": table.currency,
        "as_of": table.as_of,
        "source": table.source,
        "hours_per_month": table.hours_per_month,
        "refreshed": table.refreshed,
        "prices": {
            key: {"usd": p.usd, "unit": p.unit, "status": p.status, "source": p.source}
            for key, p in sorted(table.prices.items())
        },
    }


def _read_table(path: Path, origin: str) -> PriceTable:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PriceError(
            f"cannot read the {origin} price table {path}: {exc}",
            hint="delete the file and run `eventctl cost prices refresh` again",
        ) from None
    return table_from_dict(data, origin)


def _price(key: str, entry: dict[str, Any], origin: str) -> Price:
    usd = float(entry["usd"])
    if not math.isfinite(usd) or usd < 0:
        raise ValueError(f"price {key!r} is {usd}; prices are finite and >= 0")
    status = str(entry.get("status", "list"))
    if status not in STATUSES:
        raise ValueError(f"price {key!r} has unknown status {status!r}")
    return Price(
        key=key,
        usd=usd,
        unit=str(entry["unit"]),
        status=status,
        source=str(entry.get("source", origin)),
    )
