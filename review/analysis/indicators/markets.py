"""Market monitoring: price change and volatility, and the gap and yearly cost of each price floor.

Prices and floors keep the unit they were reported in (`USD/kg`, `USD/t`, `USD/lb`, or
`USD/mtu WO3` for tungsten); units are converted only here, through `PER_TONNE`, when a
floor is compared with a price in another unit or a gap is applied to tonnes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import MUSD, NO_DATA, WORLD, rows

#: How many of each price unit make one tonne: 1 t = 1,000 kg = 2,204.62 lb; for tungsten,
#: 1 mtu WO3 = 10 kg WO3 = 7.93 kg W, so a tonne of tungsten is 1,000 / 7.93 mtu.
PER_TONNE = {"USD/kg": 1000.0, "USD/t": 1.0, "USD/lb": 2204.62, "USD/mtu WO3": 1000.0 / 7.93}
#: A dimensionless ratio that is not a share (it may exceed 1 or be negative): a relative
#: price change, a coefficient of variation. Printed as a percentage.
RATIO = "ratio"
#: Price change and volatility look at the annual prices of this many years, ending in the latest.
WINDOW = 5


def convert_price(value: float, unit: str, to_unit: str) -> float:
    """A price per `unit` as a price per `to_unit` (USD/kg 110 -> USD/t 110,000)."""
    return value * PER_TONNE[unit] / PER_TONNE[to_unit]


def price_statistics(prices: pd.DataFrame) -> pd.DataFrame:
    """Change and volatility of each mineral and stage's price over the five years ending in its latest year.

    The window is the latest year with a price (at most the cycle: validation sees to it)
    and the four before it. Change: the latest price over the first of the window, minus 1.
    Volatility: population standard deviation over mean of the window's five prices (the
    coefficient of variation). A window missing a year gives NaN with status "no data".
    Returns columns mineral, stage, year, first_year, product, unit, change, volatility, status.
    """
    out = []
    for (mineral, stage), group in prices.groupby(["mineral", "stage"], sort=True):
        latest = int(group["year"].max())
        first = latest - WINDOW + 1
        series = group.set_index("year")["price"].astype(float)
        window = series.reindex(range(first, latest + 1))
        complete = bool(window.notna().all())
        last = group[group["year"] == latest].iloc[0]
        change = series[latest] / window[first] - 1 if pd.notna(window[first]) else np.nan
        volatility = float(window.std(ddof=0) / window.mean()) if complete else np.nan
        out.append(
            dict(
                mineral=mineral, stage=stage, year=latest, first_year=first, product=last["product"], unit=last["unit"],
                change=change, volatility=volatility, status="" if complete else NO_DATA,
            )
        )
    return pd.DataFrame(out, columns=["mineral", "stage", "year", "first_year", "product", "unit", "change", "volatility", "status"])


def price_rows(prices: pd.DataFrame) -> pd.DataFrame:
    stats = price_statistics(prices)
    detail = stats["first_year"].astype(str) + "-" + stats["year"].astype(str)
    change_status = np.where(stats["change"].isna(), NO_DATA, "")
    return pd.concat(
        [
            rows(stats.assign(value=stats["change"], status=change_status, detail=detail), indicator="price_change", scope=WORLD, unit=RATIO),
            rows(stats.assign(value=stats["volatility"], detail=detail), indicator="price_volatility", scope=WORLD, unit=RATIO),
        ],
        ignore_index=True,
    )


def floor_gaps(floors: pd.DataFrame, prices: pd.DataFrame, alliance_dep: pd.DataFrame, member_dep: pd.DataFrame) -> pd.DataFrame:
    """Each floor against its mineral and stage's latest price: the gap, and the yearly cost of paying it.

    The gap is floor minus price in the price's unit (the floor converted when its unit
    differs). The cost is max(gap, 0) on the aligned sourcing of the floor's scope (the
    Alliance, or the member that set the floor) in the price's year, in million USD.
    A floor with no price for its mineral and stage, or a scope with no sourcing that
    year, has NaN with status "no data". Returns columns mineral, stage, scope, year,
    floor_status, floor_product, price_product, unit, floor, price, gap, aligned_t, cost_musd, status.
    """
    latest = prices.sort_values("year").groupby(["mineral", "stage"], as_index=False).tail(1)
    sourcing = pd.concat([alliance_dep, member_dep], ignore_index=True).set_index(["mineral", "stage", "scope", "year"])["aligned_t"]
    out = []
    for f in floors.sort_values(["mineral", "stage", "scope", "status"]).itertuples(index=False):
        price = latest[(latest["mineral"] == f.mineral) & (latest["stage"] == f.stage)]
        row = dict(mineral=f.mineral, stage=f.stage, scope=f.scope, floor_status=f.status, floor_product=f.product, floor=float(f.floor))
        if price.empty:
            out.append(row | dict(unit=f.unit, price_product="", gap=np.nan, cost_musd=np.nan, status=NO_DATA))
            continue
        p = price.iloc[0]
        year, unit = int(p["year"]), p["unit"]
        gap = convert_price(float(f.floor), f.unit, unit) - float(p["price"])
        aligned_t = float(sourcing.get((f.mineral, f.stage, f.scope, year), np.nan))
        # USD per unit * units per tonne * tonnes, in millions
        cost = max(gap, 0.0) * PER_TONNE[unit] * aligned_t / 1e6
        out.append(row | dict(year=year, unit=unit, price_product=p["product"], price=float(p["price"]), gap=gap, aligned_t=aligned_t, cost_musd=cost, status=NO_DATA if np.isnan(cost) else ""))
    columns = ["mineral", "stage", "scope", "year", "floor_status", "floor_product", "price_product", "unit", "floor", "price", "gap", "aligned_t", "cost_musd", "status"]
    frame = pd.DataFrame(out, columns=columns)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def floor_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """`detail` is the floor's status (in force, proposed), which with mineral, stage and scope names the floor."""
    gap_status = np.where(gaps["gap"].isna(), NO_DATA, "")
    return pd.concat(
        [
            rows(gaps.assign(value=gaps["gap"], status=gap_status, detail=gaps["floor_status"]), indicator="price_floor_gap"),  # in the price's unit
            rows(gaps.assign(value=gaps["cost_musd"], detail=gaps["floor_status"]), indicator="price_floor_cost_musd", unit=MUSD),
        ],
        ignore_index=True,
    )
