"""What the chapters show of prices, floors, events, the stress test, finance and traceability.

The second version's sections, prepared like review.report.views: numbers come from the
indicators table (review.analysis.indicators computed them once); the input tables give only
what the indicators do not hold (price series, floors as set, event texts, project
lists). Every function returns plain frames a notebook draws or prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis import indicators as ind
from review.analysis import narrative
from review.analysis.text import format_value
from review.report.views import rows_of, stage_order, stockpile_cover

#: How many years of events a mineral chapter lists, ending with the cycle.
EVENT_YEARS = 5


def _label(ch, scope: str) -> str:
    return "Alliance" if scope == ind.ALLIANCE else ch.country(scope)


def money(value) -> str:
    """Millions of USD: whole from ten up, two decimals below (a small payment still shows)."""
    return "" if pd.isna(value) else f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"


def price_text(value, unit: str) -> str:
    """A price as typed where it is whole (110 USD/kg), else to two decimals (0.63 USD/lb)."""
    if pd.isna(value):
        return ""
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {unit}"


# --- prices, floors, events ------------------------------------------------------------------


def price_panels(ch, prices: pd.DataFrame, floors: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A mineral's price series by stage, the floors drawn on them, and the floors that are not.

    A floor is drawn only on the panel of its own product (`ind.same_product`: the NdPr-oxide
    floor is not a line on the neodymium-oxide chart) and only from its `since` year, in the
    panel's unit. Returns (series: panel, stage, year, product, price, unit; lines: panel,
    stage, scope, label, status, since, floor, floor_unit, value, source; apart: the
    floors' rows on another product).
    """
    columns = ["panel", "stage", "scope", "label", "status", "since", "floor", "floor_unit", "value", "source"]
    if prices.empty:
        return prices.assign(panel=[]), pd.DataFrame(columns=columns), floors.iloc[0:0]
    series = prices.sort_values(["stage", "year"]).copy()
    latest = series.groupby("stage").tail(1).set_index("stage")
    series["panel"] = series["stage"].str.capitalize() + ": " + series["stage"].map(latest["product"])
    lines, apart = [], []
    for i, f in floors.iterrows():
        if f.stage not in latest.index or not ind.same_product(f["product"], latest.loc[f.stage, "product"]):
            apart.append(i)
            continue
        unit = latest.loc[f.stage, "unit"]
        value = ind.convert_price(float(f.floor), f.unit, unit)
        converted = "" if f.unit == unit else f" = {price_text(value, unit)}"
        label = f"{_label(ch, f.scope)} floor ({f.status}, since {int(f.since)}), {price_text(f.floor, f.unit)}{converted}"
        lines.append(dict(panel=series[series["stage"] == f.stage]["panel"].iloc[0], stage=f.stage, scope=f.scope, label=label, status=f.status, since=int(f.since), floor=float(f.floor), floor_unit=f.unit, value=value, source=f.source))
    return series[["panel", "stage", "year", "product", "price", "unit"]].reset_index(drop=True), pd.DataFrame(lines, columns=columns), floors.loc[apart]


def recent_events(ch, events: pd.DataFrame, cycle: int, with_mineral: bool) -> pd.DataFrame:
    """The events of the last EVENT_YEARS years up to the cycle, oldest first, as display rows.

    events.csv has one row per mineral an event concerns; with `with_mineral` the rows of one
    event (same date, country, kind, description and source) are one display row naming
    its minerals, so an export ban on gallium and germanium is one event, counted once.
    """
    recent = events[events["date"].str[:4].astype(int) > cycle - EVENT_YEARS] if len(events) else events
    columns = ["Date"] + (["Mineral"] if with_mineral else []) + ["Country", "Kind", "Event", "Source"]
    if recent.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    keys = ["date", "country", "kind", "description", "source"]
    for (date, country, kind, description, source), part in recent.sort_values(["date", "mineral"]).groupby(keys, sort=False):
        row = {"Date": date}
        if with_mineral:
            row["Mineral"] = ", ".join(ch.mineral(m) for m in part["mineral"])
        row |= {"Country": ch.country(country), "Kind": kind, "Event": description, "Source": source}
        rows.append(row)
    return pd.DataFrame(rows, columns=columns).sort_values(["Date", *(["Mineral"] if with_mineral else [])], kind="mergesort", ignore_index=True)


def price_index(ch, table: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Each mineral and stage's prices over its change window, indexed to the window's first year = 100.

    Only series whose window is complete (a `price_change` value) are indexed. Columns:
    mineral, stage, label, year, price, unit, index.
    """
    change = rows_of(table, "price_change").dropna(subset=["value"])
    out = []
    for r in change.itertuples():
        first, last = (int(y) for y in r.detail.split("-"))
        s = prices[(prices["mineral"] == r.mineral) & (prices["stage"] == r.stage) & prices["year"].between(first, last)].sort_values("year")
        base = float(s["price"].iloc[0])
        label = f"{ch.mineral(r.mineral)}, {r.stage} ({s['product'].iloc[-1]})"
        out.append(s.assign(label=label, index=s["price"] / base * 100)[["mineral", "stage", "label", "year", "price", "unit", "index"]])
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["mineral", "stage", "label", "year", "price", "unit", "index"])


def hidden_falls(ch, stats: pd.DataFrame) -> str:
    """'A window's change can hide a fall: cobalt, gallium and lithium refining are 44% to 80% below
    their 2022 peaks (Table 15.1).' for the prices (price_table's data) that fell more than
    narrative.PEAK_FALL from the window's peak; '' when none did.

    The sentence names them and the range; the numbers are the table's. It quoted each one's
    price, window change, last year's change and peak, the mineral chapters' price sentences
    again, directly above the table that gives them."""
    fell = stats[stats["change_from_peak"].notna() & (stats["change_from_peak"] < -narrative.PEAK_FALL)]
    if fell.empty:
        return ""
    by_stage: dict[str, list[str]] = {}
    for r in fell.sort_values("stage").itertuples():
        by_stage.setdefault(r.stage, []).append(ch.mineral(r.mineral).lower())
    # stages apart with a comma before their "and": "nickel and tin mining, and cobalt and lithium refining"
    names = ", and ".join(f"{narrative.joined(sorted(minerals))} {stage}" for stage, minerals in by_stage.items())
    low, high = -fell["change_from_peak"].max(), -fell["change_from_peak"].min()
    years = narrative.years_listed(fell["peak_year"].dropna().astype(int))
    how_far = f"{low:.0%} below" if f"{low:.0%}" == f"{high:.0%}" else f"{low:.0%} to {high:.0%} below"
    verb = "is" if len(fell) == 1 else "are"
    return f"A window's change can hide a fall: {names} {verb} {how_far} {'its' if len(fell) == 1 else 'their'} {years} peak{'s' if len(fell) > 1 else ''} ({ch.ref('tbl', 'prices')})."


def price_table(ch, table: pd.DataFrame, prices: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latest price, five-year change, last year's change, change from the peak and volatility per mineral and stage: (display, data)."""
    def by_key(indicator: str) -> pd.DataFrame:
        return rows_of(table, indicator).set_index(["mineral", "stage"])

    change, last_year, peak, vol = by_key("price_change"), by_key("price_change_1y"), by_key("price_change_from_peak"), by_key("price_volatility")
    latest = prices.sort_values("year").groupby(["mineral", "stage"]).tail(1).sort_values(["mineral", "stage"])

    def ratio(row) -> str:
        return narrative.signed_pct(row["value"]) if pd.notna(row["value"]) else row["status"]

    shown, data = [], []
    for p in latest.itertuples():
        k = (p.mineral, p.stage)
        c, y, pk, v = change.loc[k], last_year.loc[k], peak.loc[k], vol.loc[k]
        shown.append({
            "Mineral": ch.mineral(p.mineral), "Stage": p.stage, "Product": p.product, "Year": str(int(p.year)), "Price": price_text(p.price, p.unit),
            "Window": c["detail"], "Change": ratio(c), "Last year": ratio(y),
            "From peak": ratio(pk) + (f" ({pk['detail']})" if pd.notna(pk["value"]) and pk["value"] < 0 else ""),
            "Volatility": f"{v['value']:.1%}" if pd.notna(v["value"]) else v["status"],
        })
        data.append(dict(mineral=p.mineral, stage=p.stage, product=p.product, year=int(p.year), price=p.price, unit=p.unit, change=c["value"], change_1y=y["value"],
                         change_from_peak=pk["value"], peak_year=int(pk["detail"]) if pk["detail"] else None, volatility=v["value"], window=c["detail"],
                         peak_price=_price_in(prices, p.mineral, p.stage, pk["detail"])))
    return pd.DataFrame(shown), pd.DataFrame(data)


def _price_in(prices: pd.DataFrame, mineral: str, stage: str, year: str) -> float:
    sel = prices[(prices["mineral"] == mineral) & (prices["stage"] == stage) & (prices["year"].astype(str) == year)]["price"]
    return float(sel.iloc[0]) if len(sel) else np.nan


def floor_reasons(prices: pd.DataFrame, mineral: str, stage: str, product: str, gap_status: str, cost_status: str) -> tuple[str, str]:
    """Why a floor (on `product`) has no gap or no cost, in words a reader can check: (gap reason, cost reason); '' where there is a figure."""
    priced = prices[(prices["mineral"] == mineral) & (prices["stage"] == stage)].sort_values("year")
    gap = ""
    if gap_status == ind.NOT_COMPARED:
        gap = f"not compared: the inputs price {priced['product'].iloc[-1]}, not {product}"
    elif gap_status == ind.NO_DATA:
        gap = f"not compared: no {product} price in the inputs"
    cost = "cost not known: the gap is not known" if gap else ("cost not known: the volume the floor pays for is not published" if cost_status == ind.NO_VOLUME else "")
    return gap, cost


def floor_table(ch, table: pd.DataFrame, floors: pd.DataFrame, prices: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each floor with the latest price of its product, its gap and the yearly cost of a price-gap payment on the volume it covers: (display, data).

    A floor on another product than the one priced, or without a published volume, says so
    in place of the figure (`floor_reasons`), never a number."""
    key = ["mineral", "stage", "scope", "detail"]
    gaps = rows_of(table, "price_floor_gap").set_index(key)
    costs = rows_of(table, "price_floor_cost_musd").set_index(key)
    volumes = floors["volume_t"] if "volume_t" in floors else pd.Series(np.nan, index=floors.index)
    shown, data = [], []
    for f, volume in zip(floors.itertuples(), volumes):
        k = (f.mineral, f.stage, f.scope, f.status)
        gap, cost = gaps.loc[k], costs.loc[k]
        no_gap, no_cost = floor_reasons(prices, f.mineral, f.stage, f.product, gap["status"], cost["status"])
        year = "" if pd.isna(gap["year"]) else f" ({int(gap['year'])}, the latest in the inputs)"
        shown.append({
            "Mineral": ch.mineral(f.mineral), "Stage": f.stage, "Set by": _label(ch, f.scope), "Status": f"{f.status} (since {int(f.since)})",
            "Floor": f"{price_text(f.floor, f.unit)} ({f.product})", "Gap to price": no_gap or price_text(gap["value"], gap["unit"]) + year,
            "Cost, million USD a year": no_cost or f"{money(cost['value'])} (on {format_value(volume, 't')} t)",
        })
        data.append(dict(mineral=f.mineral, stage=f.stage, scope=f.scope, status=f.status, since=int(f.since), product=f.product, floor=f.floor, floor_unit=f.unit,
                         volume_t=volume, year=gap["year"], gap=gap["value"], gap_unit=gap["unit"], gap_status=gap["status"], cost_musd=cost["value"],
                         cost_status=cost["status"], note="; ".join(x for x in (no_gap, no_cost) if x), source=f.source))
    return pd.DataFrame(shown), pd.DataFrame(data)


# --- the stress test --------------------------------------------------------------------------


def lost_shares(ch, table: pd.DataFrame, mineral: str | None = None) -> pd.DataFrame:
    """Lost share by stage (and mineral) in each one's latest year, the Alliance first, then members.

    Columns: mineral, stage, scope, label, year, value, supplier, status (provisional when too few members reported)."""
    sel = rows_of(table, "disruption_lost_share")
    if mineral is not None:
        sel = sel[sel["mineral"] == mineral]
    if sel.empty:
        return pd.DataFrame(columns=["mineral", "stage", "scope", "label", "year", "value", "supplier", "status"])
    sel = sel[sel["year"] == sel.groupby(["mineral", "stage"])["year"].transform("max")].copy()
    sel["label"] = [_label(ch, s) for s in sel["scope"]]
    sel["supplier"] = sel["detail"]
    order = stage_order(ch)
    sel = sel.assign(stage_order=[order.get((m, s), len(order)) for m, s in zip(sel["mineral"], sel["stage"])], order=sel["scope"] != ind.ALLIANCE)
    sel = sel.sort_values(["mineral", "stage_order", "order", "scope"])  # stages as minerals.csv lists them: mining, refining, magnets
    return sel[["mineral", "stage", "scope", "label", "year", "value", "supplier", "status"]].reset_index(drop=True)


def stress_cover(ch, table: pd.DataFrame, mineral: str | None = None) -> pd.DataFrame:
    """Days of cover against the lost supply, latest year, like `views.stockpile_cover` plus the stage tested."""
    cover = stockpile_cover(ch, table, mineral, indicator="disruption_cover_days")
    stages = rows_of(table, "disruption_cover_days").set_index(["mineral", "scope", "year"])["stage"]
    lost = rows_of(table, "disruption_lost_share").set_index(["mineral", "stage", "scope", "year"])["value"]
    cover["stage"] = [stages.get((m, s, y), "") for m, s, y in zip(cover["mineral"], cover["scope"], cover["year"])]
    cover["lost_share"] = [lost.get((m, st, s, y), np.nan) for m, st, s, y in zip(cover["mineral"], cover["stage"], cover["scope"], cover["year"])]
    cover["shown"] = np.where(cover["status"] == ind.NOT_EXPOSED, "not exposed", cover["shown"])
    return cover


def years_phrase(years) -> str:
    """'2025', or '2024 or 2025' when holders' latest year ends differ: the stock's year is said
    beside days of cover, which are worked out on that year's loss, not the latest one."""
    found = sorted({int(y) for y in years})
    return " or ".join(map(str, found)) if len(found) <= 2 else f"{found[0]} to {found[-1]}"


#: The stress test's unit, on every axis, column and caption that shows it: days of the lost supply, never of consumption.
BRIDGED = "days of the lost supply"


def stress_table(ch, cover: pd.DataFrame, by: str) -> pd.DataFrame:
    """Stress-test rows as display strings: the stage tested, its lost share and the days of the lost supply the stock bridges.

    No target or status column: stockpile targets are in days of consumption, a different
    unit (the stockpile table assesses them). `by` as in views.cover_table."""
    rows = []
    for r in cover.itertuples():
        rows.append({
            ("Mineral" if by == "mineral" else "Holder"): ch.mineral(r.mineral) if by == "mineral" else r.label,
            **({"Holder": r.label} if by == "mineral" else {}),
            "Year end": str(int(r.year)), "Stage tested": r.stage or "", "Supply lost": format_value(r.lost_share, "share"),
            "Bridges, " + BRIDGED: r.shown,
        })
    return pd.DataFrame(rows)


# --- finance ---------------------------------------------------------------------------------


#: How a figure a project did not report reads in a table: never 0.00.
NOT_REPORTED = "not reported"


def finance_by_stage(ch, table: pd.DataFrame, current: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Capex and public finance per mineral and stage, summed over statuses but cancelled ones: (chart data, display).

    A stage where no project reports capex has none (NaN, "not reported"), not 0. The public
    share is `ind.public_finance_share` over the stage's projects that report both figures."""
    capex = rows_of(table, "capex_musd")
    public = rows_of(table, "public_finance_musd")
    merged = capex.merge(public, on=["mineral", "stage", "detail"], suffixes=("_capex", "_public"))
    merged = merged[merged["detail"] != "cancelled"]
    if merged.empty:
        return pd.DataFrame(columns=["mineral", "stage", "label", "capex_musd", "public_finance_musd", "provisional", "public_share", "left_out"]), pd.DataFrame()
    merged["provisional"] = merged["status_capex"].isin([ind.PROVISIONAL, ind.NO_DATA]) | merged["status_public"].isin([ind.PROVISIONAL, ind.NO_DATA])
    out = merged.groupby(["mineral", "stage"], as_index=False).agg(
        capex_musd=("value_capex", lambda v: v.sum(min_count=1)), public_finance_musd=("value_public", lambda v: v.sum(min_count=1)), provisional=("provisional", "any"))
    live = current[current["status"] != "cancelled"]
    shares = [ind.public_finance_share(live[(live["mineral"] == m) & (live["stage"] == s)]) for m, s in zip(out["mineral"], out["stage"])]
    out["public_share"] = [x["share"] for x in shares]
    out["left_out"] = [x["left_out"] for x in shares]
    out["label"] = [f"{ch.mineral(m)}, {s}" + (" (incomplete)" if p else "") for m, s, p in zip(out["mineral"], out["stage"], out["provisional"])]
    shown = pd.DataFrame({
        "Mineral": out["mineral"].map(ch.mineral), "Stage": out["stage"], "Capex, million USD": [money(v) or NOT_REPORTED for v in out["capex_musd"]],
        "Public finance, million USD": [money(v) or NOT_REPORTED for v in out["public_finance_musd"]],
        "Public share": [format_value(x, "share") for x in out["public_share"]],
        "Note": [f"share over the projects reporting both figures ({n} left out)" if n else "" for n in out["left_out"]],
    })
    return out[["mineral", "stage", "label", "capex_musd", "public_finance_musd", "provisional", "public_share", "left_out"]], shown


def priority_projects(ch, table: pd.DataFrame, current: pd.DataFrame, aligned: frozenset[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The priority projects with their finance and effect on the projection: (display, data)."""
    effects = rows_of(table, "priority_project_effect")
    prio = current[current["priority"].fillna(False).astype(bool)].sort_values(["mineral", "stage", "project_id"])
    shown, data = [], []
    for p in prio.itertuples():
        e = effects[effects["detail"] == p.project_id].sort_values("year")
        counts = p.host_country in aligned
        effect = "; ".join(f"{format_value(v, 'share_diff')} by {int(y)}" for v, y in zip(e["value"], e["year"])) if len(e) else "no dependency target"
        shown.append({
            "Project": p.name, "Mineral": ch.mineral(p.mineral), "Stage": p.stage, "Host": ch.country(p.host_country), "Status": p.status,
            "Capex, million USD": money(p.capex_musd) or NOT_REPORTED, "Public, million USD": money(p.public_finance_musd) or NOT_REPORTED,
            "Dependency without it": effect, "Counts towards diversification": "yes" if counts else "no: host not aligned",
        })
        data.append(dict(project_id=p.project_id, mineral=p.mineral, stage=p.stage, host_country=p.host_country, status=p.status, capex_musd=p.capex_musd,
                         public_finance_musd=p.public_finance_musd, counts_towards_diversification=counts,
                         effect=";".join(f"{y}:{v:.6f}" for v, y in zip(e["value"], e["year"]))))
    return pd.DataFrame(shown), pd.DataFrame(data)


def capex_outside_clause(live: pd.DataFrame, aligned: frozenset[str]) -> str:
    """', of which 3,700 million USD in 2 projects hosted outside aligned countries (...)': the part
    of the pipeline's capex that does not build diversification, said beside the total, which
    counts every project of the list ('' when no such project reports capex).

    The total read as the Alliance's spending on diversification while it held, for example, a
    copper smelter in Zambia and a nickel plant in Indonesia.
    """
    outside = live[~live["host_country"].isin(aligned)]
    reporting = outside[outside["capex_musd"].notna()]
    if reporting.empty:
        return ""
    # "in 8 projects" beside a table of 9 such projects: the count is of those that report capex
    which = narrative.plural(len(outside), "project") if len(reporting) == len(outside) else f"the {len(reporting)} of {len(outside)} projects"
    return (f", of which {reporting['capex_musd'].sum():,.0f} million USD in {which} hosted outside aligned countries"
            + ("" if len(reporting) == len(outside) else " that report it") + " (not counted towards diversification)")


def hosted_outside(ch, current: pd.DataFrame, aligned: frozenset[str]) -> pd.DataFrame:
    """Current projects hosted outside aligned countries (they do not count towards diversification), as display rows."""
    outside = current[~current["host_country"].isin(aligned)].sort_values(["mineral", "stage", "project_id"])
    return pd.DataFrame({
        "Project": outside["name"], "Mineral": outside["mineral"].map(ch.mineral), "Stage": outside["stage"],
        "Host": outside["host_country"].map(ch.country), "Status": outside["status"], "Capacity, t/yr": outside["capacity_t"].map(lambda v: format_value(v, "t")),
    })


# --- traceability ----------------------------------------------------------------------------


def traceability_table(ch, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Verified-origin shares, latest year per mineral and stage, the Alliance and each reporting member: (display, data)."""
    sel = rows_of(table, "traceability_share")
    if sel.empty:
        return pd.DataFrame(), sel
    sel = sel[sel["year"] == sel.groupby(["mineral", "stage"])["year"].transform("max")]
    sel = sel.assign(order=sel["scope"] != ind.ALLIANCE).sort_values(["mineral", "stage", "order", "scope"]).drop(columns="order")
    shown = pd.DataFrame({
        "Mineral": sel["mineral"].map(ch.mineral), "Stage": sel["stage"], "Scope": [_label(ch, s) for s in sel["scope"]],
        "Year": sel["year"].astype(int).astype(str), "Verified origin": [format_value(v, "share") for v in sel["value"]], "Status": sel["status"],
    })
    return shown, sel.reset_index(drop=True)
