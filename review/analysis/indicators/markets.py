"""Market monitoring: price change and volatility, and the gap and yearly cost of each price floor.

Prices and floors keep the unit they were reported in (`USD/kg`, `USD/t`, `USD/lb`, or
`USD/mtu WO3` for tungsten); units are converted only here, through `PER_TONNE`, when a
floor is compared with a price of the same product in another unit or a gap is applied to tonnes.
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
    """Change, last year's change, fall from the peak and volatility of each mineral and stage's price over the five years ending in its latest year.

    The window is the latest year with a price (at most the cycle: validation sees to it)
    and the four before it. Change: the latest price over the first of the window, minus 1.
    A window's change alone can hide a boom and bust (lithium carbonate: +39% from 2020 to
    2024, after a rise to 71,100 USD/t in 2022), so two more are kept: the last year's
    change (latest over the year before, minus 1) and the change from the peak (latest over
    the window's highest, minus 1; `peak_year` is that highest price's year, the latest of
    equal highs). Volatility: population standard deviation over mean of the window's five
    prices (the coefficient of variation). A window missing a year gives NaN with status
    "no data" (the peak of an incomplete window could be a missing year's); a change
    whose first or previous year is missing is NaN. Returns columns mineral, stage, year,
    first_year, product, unit, change, change_1y, change_from_peak, peak_year, volatility, status.
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
        change_1y = series[latest] / window[latest - 1] - 1 if pd.notna(window[latest - 1]) else np.nan
        peak_year = int(window[window == window.max()].index.max()) if complete else None
        from_peak = series[latest] / window.max() - 1 if complete else np.nan
        volatility = float(window.std(ddof=0) / window.mean()) if complete else np.nan
        out.append(
            dict(
                mineral=mineral, stage=stage, year=latest, first_year=first, product=last["product"], unit=last["unit"],
                change=change, change_1y=change_1y, change_from_peak=from_peak, peak_year=peak_year, volatility=volatility, status="" if complete else NO_DATA,
            )
        )
    columns = ["mineral", "stage", "year", "first_year", "product", "unit", "change", "change_1y", "change_from_peak", "peak_year", "volatility", "status"]
    return pd.DataFrame(out, columns=columns)


def price_rows(prices: pd.DataFrame) -> pd.DataFrame:
    """`detail` is the window ("2020-2024"), the two years compared for the last year's change, and the peak's year for the change from the peak."""
    stats = price_statistics(prices)
    detail = stats["first_year"].astype(str) + "-" + stats["year"].astype(str)

    def missing(column: str):
        return np.where(stats[column].isna(), NO_DATA, "")

    return pd.concat(
        [
            rows(stats.assign(value=stats["change"], status=missing("change"), detail=detail), indicator="price_change", scope=WORLD, unit=RATIO),
            rows(stats.assign(value=stats["change_1y"], status=missing("change_1y"), detail=(stats["year"] - 1).astype(str) + "-" + stats["year"].astype(str)), indicator="price_change_1y", scope=WORLD, unit=RATIO),
            rows(stats.assign(value=stats["change_from_peak"], detail=[f"{int(y)}" if pd.notna(y) else "" for y in stats["peak_year"]]), indicator="price_change_from_peak", scope=WORLD, unit=RATIO),
            rows(stats.assign(value=stats["volatility"], detail=detail), indicator="price_volatility", scope=WORLD, unit=RATIO),
        ],
        ignore_index=True,
    )


#: A floor on another product than the one priced (NdPr oxide against neodymium oxide): no gap, no cost.
NOT_COMPARED = "not compared"
#: A floor whose covered volume (`volume_t`) is not published: its gap is known, its yearly cost is not.
NO_VOLUME = "no volume"


def same_product(a: str, b: str) -> bool:
    """Whether a floor and a price name the same product (case and spacing aside): only those are compared."""
    return " ".join(str(a).lower().split()) == " ".join(str(b).lower().split())


def floor_gaps(floors: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Each floor against the latest price of the same product: the gap, and the yearly cost of paying it.

    A floor is compared only with a price of its own product (`same_product`): the US
    floor on NdPr oxide says nothing against a neodymium-oxide price, so it is "not
    compared" (no gap, no cost). The gap is floor minus price in the price's unit (the
    floor converted when its unit differs). The cost is max(gap, 0) times the volume the
    floor covers (`volume_t`, tonnes a year), in million USD: the floor pays for that
    volume, not for everything members buy. Without a published volume the cost is NaN
    with status "no volume"; a floor with no price for its mineral and stage has "no data".
    Returns columns mineral, stage, scope, year, floor_status, floor_product,
    price_product, unit, floor, price, gap, volume_t, cost_musd, status, gap_status.
    """
    latest = prices.sort_values("year").groupby(["mineral", "stage", "product"], as_index=False).tail(1)
    volumes = floors["volume_t"] if "volume_t" in floors else pd.Series(np.nan, index=floors.index)
    out = []
    for f, volume in zip(floors.itertuples(index=False), volumes.astype(float)):
        row = dict(mineral=f.mineral, stage=f.stage, scope=f.scope, floor_status=f.status, floor_product=f.product, floor=float(f.floor), volume_t=volume, year=None)
        priced = latest[(latest["mineral"] == f.mineral) & (latest["stage"] == f.stage)]
        price = priced[[same_product(p, f.product) for p in priced["product"]]]
        if price.empty:
            other = priced.sort_values("year")["product"].iloc[-1] if len(priced) else ""
            status = NOT_COMPARED if len(priced) else NO_DATA
            out.append(row | dict(unit=f.unit, price_product=other, gap=np.nan, cost_musd=np.nan, status=status, gap_status=status))
            continue
        p = price.iloc[0]
        year, unit = int(p["year"]), p["unit"]
        gap = convert_price(float(f.floor), f.unit, unit) - float(p["price"])
        # USD per unit * units per tonne * tonnes, in millions
        cost = max(gap, 0.0) * PER_TONNE[unit] * volume / 1e6
        out.append(row | dict(year=year, unit=unit, price_product=p["product"], price=float(p["price"]), gap=gap, cost_musd=cost, status=NO_VOLUME if np.isnan(volume) else "", gap_status=""))
    columns = ["mineral", "stage", "scope", "year", "floor_status", "floor_product", "price_product", "unit", "floor", "price", "gap", "volume_t", "cost_musd", "status", "gap_status"]
    frame = pd.DataFrame(out, columns=columns).sort_values(["mineral", "stage", "scope", "floor_status"], ignore_index=True)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def floor_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """`detail` is the floor's status (in force, proposed), which with mineral, stage and scope names the floor."""
    return pd.concat(
        [
            rows(gaps.assign(value=gaps["gap"], status=gaps["gap_status"], detail=gaps["floor_status"]), indicator="price_floor_gap"),  # in the price's unit
            rows(gaps.assign(value=gaps["cost_musd"], detail=gaps["floor_status"]), indicator="price_floor_cost_musd", unit=MUSD),
        ],
        ignore_index=True,
    )
