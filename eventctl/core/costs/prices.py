"""Price tables: the built-in, dated table per region and the cache `cost prices refresh` writes.

A table maps a price key (`nat.hour`, `rds.postgres.db.t3.medium`) to a price in USD per unit,
with where the figure came from. The report says which table and which prices it used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventctl.errors import EventctlError

BUILTIN_DIR = Path(__file__).resolve().parent / "prices"
STATUSES = ("verified", "list", "derived", "assumption", "api")


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

    def price(self, key: str) -> Price:
        """The price called `key`; PriceError with a refresh hint when the table lacks it."""
        try:
            return self.prices[key]
        except KeyError:
            raise PriceError(
                f"no {self.region} price for {key!r} in the {self.origin} price table",
                hint=(
                    f"run `eventctl cost prices refresh --region {self.region}` with AWS "
                    "credentials, or choose a size the table prices (eventctl cost prices show)"
                ),
            ) from None

    def usd(self, key: str) -> float:
        return self.price(key).usd

    def has(self, key: str) -> bool:
        return key in self.prices

    def describe(self) -> dict[str, Any]:
        """What the report says about the prices it used."""
        counts = {status: 0 for status in STATUSES}
        for price in self.prices.values():
            counts[price.status] = counts.get(price.status, 0) + 1
        return {
            "region": self.region,
            "currency": self.currency,
            "as_of": self.as_of,
            "origin": self.origin,
            "source": self.source,
            "hours_per_month": self.hours_per_month,
            "status_counts": {k: v for k, v in counts.items() if v},
            "refreshed": self.refreshed or None,
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
        return cached
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
