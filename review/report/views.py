"""What each chapter shows, prepared from its slice of the snapshot: chart data and table rows.

Notebooks stay thin: they take a view, draw it with review.report.charts and publish it with
review.report.chapter. Numbers come from the indicators table (computed once by
review.analysis.indicators) or, for breakdowns the table does not hold (supply by origin,
production by country, project lists), from the same module's functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis import indicators as ind
from review.analysis.narrative import plural, status_word
from review.analysis.text import WITHHELD, format_value

TOP_ORIGINS = 4
TOP_PRODUCERS = 7


def rows_of(table: pd.DataFrame, indicator: str, **where) -> pd.DataFrame:
    sel = table[table["indicator"] == indicator]
    for key, value in where.items():
        sel = sel[sel[key] == value]
    return sel


def value_at(series: pd.Series, year) -> float:
    return float(series.get(year, np.nan)) if year is not None else np.nan


def _aligned(ch) -> frozenset[str]:
    return ind.aligned_codes(ch.tables["members"], ch.tables["partners"])


# --- sourcing ---------------------------------------------------------------------------


def origin_shares(ch, sourcing: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """Alliance supply shares by origin per stage and year: the largest non-aligned origins by name,
    then other non-aligned, unattributed (XXX) and aligned supply, stages in the order given.
    Rows list every stage's named origins before the three groups, so the first appearance of
    each label is the order a shared legend reads in. Columns: stage, year, origin, label, share."""
    aligned = _aligned(ch)
    vol = sourcing.groupby(["stage", "year", "origin"], as_index=False)["quantity_t"].sum()
    vol["total"] = vol.groupby(["stage", "year"])["quantity_t"].transform("sum")
    vol = vol[vol["total"] > 0]
    vol["share"] = vol["quantity_t"] / vol["total"]
    out = []
    for stage in [s for s in stages if s in set(vol["stage"])]:
        part = vol[vol["stage"] == stage]
        foreign = part[~part["origin"].isin(aligned) & (part["origin"] != ind.UNATTRIBUTED)]
        latest = foreign[foreign["year"] == foreign["year"].max()] if len(foreign) else foreign
        named = list(latest.sort_values(["quantity_t", "origin"], ascending=[False, True])["origin"].head(TOP_ORIGINS))
        group = np.where(
            part["origin"].isin(named),
            part["origin"],
            np.where(part["origin"].isin(aligned), "aligned", np.where(part["origin"] == ind.UNATTRIBUTED, ind.UNATTRIBUTED, "other")),
        )
        summed = part.assign(origin=group).groupby(["year", "origin"], as_index=False)["share"].sum()
        order = {o: i for i, o in enumerate(named + ["other", ind.UNATTRIBUTED, "aligned"])}
        summed["order"] = summed["origin"].map(order)
        summed = summed.sort_values(["order", "year"]).drop(columns="order")
        labels = {o: ch.country(o) for o in named} | {"other": "Other non-aligned", ind.UNATTRIBUTED: "Unattributed", "aligned": "Members and partners"}
        summed["label"] = summed["origin"].map(labels)
        out.append(summed.assign(stage=stage))
    if not out:
        return pd.DataFrame(columns=["stage", "year", "origin", "label", "share"])
    shares = pd.concat(out, ignore_index=True)
    rank = shares["origin"].map({"other": 1, ind.UNATTRIBUTED: 2, "aligned": 3}).fillna(0)  # named origins: 0
    return shares.sort_values("origin", key=lambda _: rank, kind="stable")[["stage", "year", "origin", "label", "share"]].reset_index(drop=True)


def target_path_points(table: pd.DataFrame, targets: pd.DataFrame, mineral: str) -> pd.DataFrame:
    """The paths of a mineral's dependency targets (indicators.path_value), year by year. Columns: stage, year, value, kind."""
    out = []
    for t in targets[(targets["mineral"] == mineral) & (targets["indicator"] == "single_supplier_dependency")].itertuples():
        series = ind.alliance_series(table, t.indicator, mineral, t.stage)
        base = value_at(series, int(t.baseline_year))
        if np.isnan(base):
            continue
        for year in range(int(t.baseline_year), int(t.year) + 1):
            out.append(dict(stage=t.stage, year=year, value=ind.path_value(base, int(t.baseline_year), float(t.value), int(t.year), year, t.comparator), kind=t.kind))
    return pd.DataFrame(out, columns=["stage", "year", "value", "kind"])


def dependency_table(ch, table: pd.DataFrame, scope: str, stages: list[tuple[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (mineral, stage): supplier, value in the previous and the assessed year, change.

    Returns (display strings, numbers)."""
    shown, numbers = [], []
    for mineral, stage in stages:
        sel = rows_of(table, "single_supplier_dependency", mineral=mineral, stage=stage, scope=scope).set_index("year").sort_index()
        sel = sel[sel.index <= ch.config.cycle]
        if sel.empty:
            continue
        year = int(sel.index.max())
        prev = year - (ch.config.cycle - ch.config.previous_cycle)
        value, before = sel["value"].get(year, np.nan), sel["value"].get(prev, np.nan)
        supplier = sel["detail"].get(year, "")
        numbers.append(dict(mineral=mineral, stage=stage, supplier=supplier, year=year, value=value, previous_year=prev, previous_value=before, change=value - before))
        shown.append(
            {
                "Mineral": ch.mineral(mineral),
                "Stage": stage,
                "Largest non-aligned supplier": ch.country(supplier) if supplier and supplier != "no supply" else "none",
                str(prev): format_value(before, "share"),
                str(year): format_value(value, "share"),
                "Change": displayed_change(value, before, "share"),
            }
        )
    return pd.DataFrame(shown), pd.DataFrame(numbers)


# --- world production ---------------------------------------------------------------------


def world_shares(ch, production: pd.DataFrame) -> pd.DataFrame:
    """Latest-year producer shares per stage (top producers by name, the rest grouped). Columns: stage, year, country, label, share."""
    if production.empty:
        return pd.DataFrame(columns=["stage", "year", "country", "label", "share"])
    latest = ind.latest_production(production)
    out = []
    for stage, part in latest.groupby("stage", sort=True):
        part = part[part["year"] == part["year"].max()]
        total = part["quantity_t"].sum()
        if total <= 0:
            continue
        part = part.assign(share=part["quantity_t"] / total).sort_values(["share", "country"], ascending=[False, True])
        named = part[part["country"] != ind.UNATTRIBUTED].head(TOP_PRODUCERS)
        rest = 1.0 - named["share"].sum()
        rows = [dict(stage=stage, year=int(r.year), country=r.country, label=ch.country(r.country), share=r.share) for r in named.itertuples()]
        if rest > 1e-9:
            rows.append(dict(stage=stage, year=int(part["year"].iloc[0]), country=ind.UNATTRIBUTED, label="All others", share=rest))
        out += rows
    return pd.DataFrame(out, columns=["stage", "year", "country", "label", "share"])


def largest_producers(world: pd.DataFrame, count: int = 3) -> str:
    """'Largest producers: mining, China 69.2%, Myanmar 11.0% and Australia 6.1%; refining, ...':
    what the world-production chart shows, in words, for the PDF (the chart is in the HTML).
    `world` is world_shares'; "All others" is never a producer. '' without rows."""
    from review.analysis.narrative import joined

    parts = []
    for stage, part in world.groupby("stage", sort=False):
        named = part[part["country"] != ind.UNATTRIBUTED].sort_values("share", ascending=False, kind="mergesort").head(count)
        if len(named):
            parts.append(f"{stage}, " + joined([f"{r.label} {format_value(r.share, 'share')}" for r in named.itertuples()]))
    return ("Largest producers: " + "; ".join(parts) + ".") if parts else ""


# --- projects -----------------------------------------------------------------------------


def project_table(ch, changes: pd.DataFrame, with_mineral: bool = True, effects: pd.Series | None = None) -> pd.DataFrame:
    """Projects as the report lists them (display strings); a mineral's chapter leaves the mineral out.

    `effects` (project id -> `project_probability_effect`) adds the outlook's "Chance added"
    column: one table per mineral lists each project once, with its effect on the chance of the
    target where the outlook has one (aligned projects not yet operating), "–" elsewhere."""
    rows = []
    for r in changes.sort_values(["mineral", "stage", "project_id"]).itertuples():
        status = r.status if isinstance(r.status, str) else "(no longer reported)"
        slip = r.slippage_years
        rows.append(
            ({"Project": f"{r.name} ({r.project_id})"} | ({"Mineral": ch.mineral(r.mineral)} if with_mineral else {}))
            | {
                "Stage": r.stage,
                "Host": ch.country(r.host_country),
                "Status": status,
                "Since last review": r.change,
                "Capacity, t/yr": format_value(r.capacity_t, "t"),
                "Online": "" if pd.isna(r.expected_online) else str(int(r.expected_online)),
                "Slip, yr": "" if pd.isna(slip) else f"{int(slip):+d}" if slip else "0",
            }
            | ({} if effects is None else {"Chance added": format_value(effects[r.project_id], "share_diff") if r.project_id in effects.index else "–"})
        )
    return pd.DataFrame(rows)


def stage_order(ch) -> dict[tuple[str, str], int]:
    """Each (mineral, stage) pair's place in reading order: minerals and their stages as
    minerals.csv lists them (mining, refining, magnets). Its keys, in order, are the pairs."""
    pairs = ((m, s) for m, stages in zip(ch.tables["minerals"]["id"], ch.tables["minerals"]["stages"]) for s in stages.split(";"))
    return {pair: i for i, pair in enumerate(pairs)}


def capacity_panels(ch, current: pd.DataFrame) -> pd.DataFrame:
    """Capacity of projects hosted by members and partners, by mineral, stage and status,
    minerals and stages in the order of minerals.csv (mining, refining, magnets), statuses from
    early to late. Only aligned hosts' capacity diversifies supply: a project in a non-aligned
    country is left out (capacity_outside says how much), not stacked with the rest.
    Columns: mineral, panel (mineral name), stage, status, capacity_t."""
    from review.report.charts import PROJECT_STATUS_COLORS

    order = stage_order(ch)
    status_rank = {s: i for i, s in enumerate(PROJECT_STATUS_COLORS)}
    current = current[current["host_country"].isin(_aligned(ch))]
    summed = current.groupby(["mineral", "stage", "status"], as_index=False)["capacity_t"].sum()
    summed["rank"] = [(order.get((m, s), len(order)), status_rank.get(st, len(status_rank))) for m, s, st in zip(summed["mineral"], summed["stage"], summed["status"])]
    summed = summed.sort_values("rank").drop(columns="rank").reset_index(drop=True)
    summed.insert(1, "panel", summed["mineral"].map(ch.mineral))
    return summed


def capacity_outside(ch, current: pd.DataFrame, with_mineral: bool = True) -> str:
    """' 1 project hosted outside the Alliance is left out (rare earths refining 4,000 t a year).',
    or '' when there are none: the sentence a capacity chart's caption ends with. Cancelled
    projects are not counted. Capacity is summed per mineral and stage only: each stage is in
    tonnes of its own product (ore concentrate, oxide, magnets), so tonnes of two stages or two
    minerals are never added into one total. `with_mineral`: name the mineral too (a chapter
    of one mineral names the stage alone)."""
    outside = current[~current["host_country"].isin(_aligned(ch)) & (current["status"] != "cancelled")]
    if outside.empty:
        return ""
    return f" {plural(len(outside), 'project')} hosted outside the Alliance {'is' if len(outside) == 1 else 'are'} left out ({capacity_by_product(ch, outside, with_mineral)} a year)."


def capacity_by_product(ch, projects: pd.DataFrame, with_mineral: bool = True) -> str:
    """Project capacity said per mineral and stage, never summed across them: 'rare earths mining
    9,000 t, rare earths refining 5,000 t' (or 'mining 9,000 t, refining 5,000 t' without the
    mineral), minerals and stages in the order of minerals.csv."""
    order = stage_order(ch)
    summed = projects.groupby(["mineral", "stage"], as_index=False)["capacity_t"].sum()
    summed["rank"] = [order.get((m, s), len(order)) for m, s in zip(summed["mineral"], summed["stage"])]
    summed = summed.sort_values(["rank", "mineral", "stage"])
    return ", ".join(
        (f"{ch.mineral(r.mineral).lower()} {r.stage}" if with_mineral else str(r.stage)) + f" {format_value(r.capacity_t, 't')} t" for r in summed.itertuples()
    )


# --- stockpiles and recycling ------------------------------------------------------------


def stockpile_cover(ch, table: pd.DataFrame, mineral: str | None = None, indicator: str = "stockpile_cover_days") -> pd.DataFrame:
    """Member and Alliance cover in days (latest year per row group), withheld values marked.

    `indicator` may be `disruption_cover_days`: cover against the stress test's lost supply.
    Columns: mineral, scope, label, year, value, target_days, status, shown."""
    sel = rows_of(table, indicator)
    if mineral is not None:
        sel = sel[sel["mineral"] == mineral]
    if sel.empty:
        return pd.DataFrame(columns=["mineral", "scope", "label", "year", "value", "target_days", "status", "shown"])
    latest = sel[sel["year"] == sel.groupby("mineral")["year"].transform("max")].copy()
    latest["label"] = np.where(latest["scope"] == ind.ALLIANCE, "Alliance", latest["scope"].map(ch.country))
    latest["target_days"] = latest["detail"].str.extract(r"target ([\d.]+) days")[0].astype(float)
    latest["shown"] = [
        WITHHELD if s in (ind.CONFIDENTIAL, ind.SUPPRESSED) else format_value(v, "days") for v, s in zip(latest["value"], latest["status"])
    ]
    latest = latest.sort_values(["mineral", "scope"], key=lambda c: c.map(lambda s: (s != ind.ALLIANCE, s)) if c.name == "scope" else c)
    return latest[["mineral", "scope", "label", "year", "value", "target_days", "status", "shown"]].reset_index(drop=True)


def recycling_series(ch, table: pd.DataFrame) -> pd.DataFrame:
    """Recycling shares over time, withheld values marked.

    Columns: mineral, panel (mineral name), scope (display), code, year, value, status
    (provisional, confidential, suppressed or ''), shown (as printed: the withheld mark for the last two)."""
    sel = rows_of(table, "recycling_share").copy()
    sel["panel"] = sel["mineral"].map(ch.mineral)
    sel["code"] = sel["scope"]
    sel["scope"] = np.where(sel["scope"] == ind.ALLIANCE, "Alliance", sel["scope"].map(ch.country))
    sel["shown"] = [WITHHELD if s in (ind.CONFIDENTIAL, ind.SUPPRESSED) else format_value(v, "share") for v, s in zip(sel["value"], sel["status"])]
    return sel[["mineral", "panel", "scope", "code", "year", "value", "status", "shown"]].sort_values(["mineral", "scope", "year"]).reset_index(drop=True)


def _target_name(r, ch) -> str:
    """A target's label with the mineral's display name in place of its code, and the founding
    text's own comparator ('under 60.0%', narrative.comparator_word) where the row says it is founding."""
    from review.analysis.narrative import by_when, comparator_word
    from review.analysis.text import target_label

    label = target_label(r).replace(f"{r.mineral} ", f"{ch.mineral(r.mineral)} ", 1).replace(f"{r.mineral}:", f"{ch.mineral(r.mineral)}:", 1)
    tables = getattr(ch, "tables", None) or {}
    when = by_when(r, tables.get("targets"))
    if when != f"by {r.target_year}":  # the founding text's own words, not a deadline it does not set
        label = label.replace(f" by {r.target_year} ({r.kind})", f" {when.split(' (')[0]} ({r.kind}, path drawn to {r.target_year})")
    return label.replace(" ≤ ", " under ", 1) if comparator_word(r) == "under" else label


def _table_target_name(r, ch) -> str:
    """A target's name in a table: "dependency" for "single-supplier dependency" (the caption says
    so once, and the label takes two lines instead of three in the PDF), and an illustrative
    target marked in its name ("(target, illustrative)")."""
    label = _target_name(r, ch).replace("single-supplier dependency", "dependency", 1)
    return label[:-1] + ", illustrative)" if getattr(r, "illustrative", False) and label.endswith(")") else label


def _published(value, status: str, unit: str) -> str:
    """A scorecard value as printed: the withheld mark where disclosure suppressed it; days with their unit."""
    if status == ind.SUPPRESSED:
        return WITHHELD
    text = format_value(value, unit)
    return f"{text} days" if text and unit == "days" else text


def displayed_change(value, before, unit: str) -> str:
    """The change between two values as they are displayed: shares to 0.1 percentage point, days to whole days.

    Rounding each value first means the change printed beside them is always their
    printed difference (59 days and 42 days: +17 days, never +16.8).
    """
    if pd.isna(value) or pd.isna(before):
        return ""
    if unit in ("share", "share_diff"):
        return f"{round(value * 100, 1) - round(before * 100, 1):+.1f} pp"
    if unit == "days":
        days = round(value) - round(before)
        return f"{days:+,.0f} day{'' if abs(days) == 1 else 's'}"
    return format_value(value - before, unit, signed=True)


def scorecard_table(card: pd.DataFrame, ch, chances: pd.DataFrame | None = None) -> pd.DataFrame:
    """The executive scorecard as display strings; status words carry the meaning, colours repeat it.

    `card` may carry `illustrative` (narrative.target_origins): the target's name says so
    ("(target, illustrative)"), so a reader never takes a target made up for the sample for the
    Alliance's; a column of its own was empty in most rows.

    `chances` (mineral, stage, kind, value: the outlook's `target_probability` in the headline
    scenario) adds a column with the chance of meeting each dependency target by its year: a
    target on track today that the outlook expects to miss (lithium refining, 16%) is not read as
    safe from its status alone.
    """
    from review.report.outlook import chance

    odds = {} if chances is None else {(r.mineral, r.stage, r.kind): r.value for r in chances.itertuples()}
    from review.analysis.text import unit_of

    rows = []
    for r in card.itertuples(index=False):
        unit = unit_of(r.indicator)
        label = _table_target_name(r, ch)
        rows.append(
            {
                "Target": label,
                "Year": "" if pd.isna(r.year) else str(r.year),
                "Value": _published(r.value, r.status, unit),
                "Path": _published(r.path, "", unit),
                "status": status_word(r.status),
                "Previous": _published(r.previous_value, r.previous_status, unit),
                "Previous status": status_word(r.previous_status),
                # a provisional figure sums fewer members than the figure it would be compared with
                # a change and its unit on one line ("−1.1" above "pp" in a narrow column)
                "Change": "" if ind.PROVISIONAL in (r.status, r.previous_status) else displayed_change(r.value, r.previous_value, unit).replace(" ", "\u00a0"),
            }
            | ({} if chances is None else {"Outlook chance": chance(odds[(r.mineral, r.stage, r.kind)]) if (r.mineral, r.stage, r.kind) in odds else ""})
        )
    # "Path status" and "Outlook chance": a bare "Status" of on track beside a 16% chance read as a contradiction
    return pd.DataFrame(rows).rename(columns={"status": "Path status"})


# --- overview ---------------------------------------------------------------------------


def drawn_rows(frame: pd.DataFrame, drawn: pd.DataFrame) -> pd.DataFrame:
    """The rows of an input table (dependency, projects) for the (mineral, stage) pairs a figure
    draws (`drawn` has mineral and stage columns): what its source line names, not the sources
    of minerals the figure does not show."""
    pairs = set(zip(drawn["mineral"], drawn["stage"]))
    return frame[[pair in pairs for pair in zip(frame["mineral"], frame["stage"])]]


def target_panels(ch, table: pd.DataFrame, targets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """For each dependency target (mineral, stage): the Alliance series, the paths and the projections.

    Returns three frames keyed by `panel` (e.g. 'Rare earths, refining')."""
    series, paths, projections = [], [], []
    dep = targets[targets["indicator"] == "single_supplier_dependency"]
    for (mineral, stage), _ in dep.groupby(["mineral", "stage"], sort=False):
        panel = f"{ch.mineral(mineral)}, {stage}"
        s = ind.alliance_series(table, "single_supplier_dependency", mineral, stage)
        s = s[s.index <= ch.config.cycle].dropna()
        series += [dict(panel=panel, mineral=mineral, stage=stage, year=int(y), value=v) for y, v in s.items()]
        p = target_path_points(table, dep, mineral)
        paths += [dict(panel=panel, year=r.year, value=r.value, kind=r.kind) for r in p[p["stage"] == stage].itertuples()]
        for indicator, kind in (("projected_dependency", "projection"), ("projected_dependency_slip", "slip")):
            # a projection from a provisional figure is not drawn: it would read as an assessment
            drawn = rows_of(table, indicator, mineral=mineral, stage=stage)
            for r in drawn[drawn["status"] != ind.PROVISIONAL].itertuples():
                projections.append(dict(panel=panel, year=int(r.year), value=r.value, kind=kind))
    return (
        pd.DataFrame(series, columns=["panel", "mineral", "stage", "year", "value"]),
        pd.DataFrame(paths, columns=["panel", "year", "value", "kind"]),
        pd.DataFrame(projections, columns=["panel", "year", "value", "kind"]),
    )


# --- members ------------------------------------------------------------------------------


def member_stages(ch, table: pd.DataFrame, member: str) -> list[tuple[str, str]]:
    """The (mineral, stage) pairs a member reports sourcing for, in the order of minerals.csv."""
    sel = rows_of(table, "single_supplier_dependency", scope=member)
    have = set(zip(sel["mineral"], sel["stage"]))
    return [pair for pair in stage_order(ch) if pair in have]


def heatmap_values(ch, numbers: pd.DataFrame) -> pd.DataFrame:
    """Assessed dependency by mineral (rows, display names) and stage (columns)."""
    if numbers.empty:
        return pd.DataFrame()
    wide = numbers.assign(Mineral=numbers["mineral"].map(ch.mineral)).pivot_table(index="Mineral", columns="stage", values="value", sort=False)
    stage_order = [s for s in ("mining", "refining", "magnets") if s in wide.columns] + [s for s in wide.columns if s not in ("mining", "refining", "magnets")]
    return wide[stage_order]


def cover_table(ch, cover: pd.DataFrame, by: str) -> pd.DataFrame:
    """Stockpile cover rows as display strings; `by` is 'mineral' or 'member' for the first column."""
    rows = []
    for r in cover.itertuples():
        rows.append(
            {
                ("Mineral" if by == "mineral" else "Holder"): ch.mineral(r.mineral) if by == "mineral" else r.label,
                "Year end": str(int(r.year)),
                "Cover, days": r.shown,
                "Target, days": WITHHELD if r.status == ind.CONFIDENTIAL else format_value(r.target_days, "days"),
                "Status": status_word(r.status or ""),
            }
        )
    return pd.DataFrame(rows)


def recycling_table(ch, table: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Latest recycling share per mineral for one scope, with the change from the year before."""
    sel = rows_of(table, "recycling_share", scope=scope)
    rows = []
    for mineral, part in sel.groupby("mineral", sort=True):
        part = part.set_index("year").sort_index()
        year = int(part.index.max())
        value, before = part["value"].get(year, np.nan), part["value"].get(year - 1, np.nan)
        shown = WITHHELD if part["status"].get(year, "") in (ind.CONFIDENTIAL, ind.SUPPRESSED) else format_value(value, "share")
        rows.append({"Mineral": ch.mineral(mineral), "Year": str(year), "Recycling share": shown, "Change": displayed_change(value, before, "share")})
    return pd.DataFrame(rows)


def withheld_in_full(card: pd.DataFrame) -> pd.Series:
    """Targets this edition shows nothing of: the value in both years assessed
    withheld. The scorecard names them in one sentence (withheld_sentence) instead of a row of
    "withheld" each (seven rows of three lines in the sample's executive summary)."""
    return (card["status"] == ind.SUPPRESSED) & (card["previous_status"] == ind.SUPPRESSED)


def withheld_sentence(card: pd.DataFrame, ch) -> str | None:
    """'The 7 other targets (recycling share: rare earths and lithium; stockpile cover: gallium)
    are withheld in this edition, in both years assessed: ...' (None when there are none)."""
    from review.analysis.narrative import joined
    from review.analysis.text import indicator_name

    withheld = card[withheld_in_full(card)]
    if withheld.empty:
        return None
    groups = "; ".join(f"{indicator_name(indicator)}: " + joined([ch.mineral(m).lower() for m in part["mineral"]])
                       for indicator, part in withheld.groupby("indicator", sort=True))
    return (f"The {plural(len(withheld), 'other target')} ({groups}) {'is' if len(withheld) == 1 else 'are'} withheld in this edition, in both years assessed: "
            "the Alliance totals would reveal confidential figures. The restricted edition assesses them; the table's data file lists them.")


def since_last_review_table(ch, comparison: pd.DataFrame) -> pd.DataFrame:
    """What changed for each target between the previous review's published scorecard and this one.

    Each target is named as in the scorecard: the founding text's "under 60.0%" and an
    illustrative target marked, from this review's targets (narrative.target_origins)."""
    from review.analysis.narrative import movement_words, target_origins
    from review.analysis.text import unit_of

    targets = (getattr(ch, "tables", None) or {}).get("targets")
    if targets is not None and "founding" not in comparison:
        comparison = target_origins(comparison, targets)
    rows = []
    for r in comparison.itertuples(index=False):
        unit = unit_of(r.indicator)
        label = _table_target_name(r, ch)
        rows.append(
            {
                "Target": label,
                "Then": _published(r.value_before, r.status_before, unit),
                "Status then": status_word(r.status_before),
                "Now": _published(r.value_now, r.status_now, unit),
                "Status now": status_word(r.status_now),
                "Change": displayed_change(r.value_now, r.value_before, unit),
                "Movement": movement_words(r),
            }
        )
    return pd.DataFrame(rows)


# --- recycling charts ---------------------------------------------------------------------


def recycling_paths(ch, table: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Each recycling target's path (indicators.path_value) from the Alliance's share in its
    baseline year to the target value in the target year (no path without a baseline value).
    Columns: mineral, panel, year, value."""
    out = []
    for t in targets[targets["indicator"] == "recycling_share"].itertuples():
        base = value_at(ind.alliance_series(table, "recycling_share", t.mineral, ""), int(t.baseline_year))
        if np.isnan(base):
            continue
        for year in range(int(t.baseline_year), int(t.year) + 1):
            out.append(dict(mineral=t.mineral, panel=ch.mineral(t.mineral), year=year, value=ind.path_value(base, int(t.baseline_year), float(t.value), int(t.year), year, t.comparator)))
    return pd.DataFrame(out, columns=["mineral", "panel", "year", "value"])


def recycling_latest(series: pd.DataFrame) -> pd.DataFrame:
    """Every scope's recycling share in the latest year of each mineral, for ranked bars.
    `series` as recycling_series returns it. Columns: mineral, panel, label, year, value, alliance."""
    latest = series[series["year"] == series.groupby("mineral")["year"].transform("max")]
    return latest.assign(label=latest["scope"], alliance=latest["code"] == ind.ALLIANCE)[["mineral", "panel", "label", "year", "value", "alliance"]].reset_index(drop=True)


def recycling_against_alliance(ch, table: pd.DataFrame, member: str) -> str:
    """A member's recycling share of each mineral beside the Alliance's, in the member's latest
    year of that mineral, the year said: '2025: above the Alliance's share in 1 of 2 minerals
    with both figures: copper 25.1% against 23.6%'.

    Only the latest year is compared: a share withheld in that year is not replaced by an
    older published one (a 2023 share beside 2025 ones read as current). Minerals whose latest
    years differ are said year by year, each with its year."""
    from review.analysis import narrative

    recycled = rows_of(table, "recycling_share")
    mine = recycled[recycled["scope"] == member]
    if mine.empty:
        return "none reported"
    last = mine[mine["year"] == mine.groupby("mineral")["year"].transform("max")]
    alliance = recycled[recycled["scope"] == ind.ALLIANCE][["mineral", "year", "value", "status"]]
    both = last.merge(alliance, on=["mineral", "year"], suffixes=("", "_alliance"))
    hidden = (ind.CONFIDENTIAL, ind.SUPPRESSED)
    both = both[both["value"].notna() & both["value_alliance"].notna() & ~both["status"].isin(hidden) & ~both["status_alliance"].isin(hidden)]
    if both.empty:
        return f"reported ({narrative.years_listed(last['year'])}), but no figure can be set beside a published Alliance share of the same year in this edition"
    parts = []
    for year, part in sorted(both.groupby("year"), key=lambda kv: -kv[0]):  # the latest year first
        above = part[part["value"] > part["value_alliance"] + ind.EPS].sort_values("mineral")
        parts.append(f"{int(year)}: above the Alliance's share in {len(above)} of {narrative.plural(len(part), 'mineral')} with both figures"
                     + (": " + ", ".join(f"{ch.mineral(r.mineral).lower()} {narrative.pct(r.value)} against {narrative.pct(r.value_alliance)}" for r in above.itertuples()) if len(above) else ""))
    return "; ".join(parts)


def member_profile(ch, table: pd.DataFrame, projects: pd.DataFrame, member: str, cycle: int) -> pd.DataFrame:
    """What sets one member apart from the Alliance, as rows of a short table (Topic, Finding).

    The PDF carries this table for every member in the comparative chapter, and the member's
    own chapter (HTML) opens with the same rows, so the two never disagree: dependency
    against the Alliance's in the same year, the projects it sponsors, its stockpile cover in
    days of consumption against its target, its recycling against the Alliance's."""
    from review.analysis import comparison, narrative

    versus = comparison.against_alliance(comparison.latest_dependency(table, cycle), member)
    rows = []
    if len(versus):
        known = versus.dropna(subset=["difference"])
        more = known[known["difference"] > ind.EPS].sort_values("difference", ascending=False)
        less = known[known["difference"] < -ind.EPS].sort_values("difference")

        def where(r) -> str:
            return f"{ch.mineral(r.mineral).lower()} {r.stage} ({narrative.pct(r.value)} against {narrative.pct(r.alliance)})"

        years = sorted({int(y) for y in versus["year"]})
        when = "" if years == [int(cycle)] else f"{narrative.years_listed(years)}: "  # a member that has not reported the cycle says its year
        rows.append(("Dependency", f"{when}above the Alliance in {len(more)} of {narrative.plural(len(versus), 'mineral stage')} it reports"
                     + (f", most in {', '.join(where(r) for r in more.head(2).itertuples())}" if len(more) else "")
                     + (f"; below in {len(less)}, most in {where(less.iloc[0])}" if len(less) else "")))
    else:
        rows.append(("Dependency", "no sourcing reported in this cycle"))
    changes = ind.project_changes(projects, cycle)
    mine = changes[changes["status"].notna() & (changes["status"] != "cancelled")]
    mine = mine[mine["sponsors"].fillna("").str.split(";").map(lambda s: member in s)] if "sponsors" in mine else mine
    if len(mine):
        counts = mine["mineral"].value_counts()
        rows.append(("Projects", f"sponsors {narrative.plural(len(mine), 'project')} ({', '.join(f'{ch.mineral(m).lower()} {n}' for m, n in counts.items())}): "
                     f"{int((mine['status'] == 'operating').sum())} operating, {int((mine['slippage_years'].fillna(0) > 0).sum())} later than first reported"))
    else:
        rows.append(("Projects", "sponsors no project in the current list"))
    cover = stockpile_cover(ch, table[table["scope"] == member])
    if len(cover):
        said = [f"{ch.mineral(r.mineral).lower()} {WITHHELD}" if r.shown == WITHHELD
                else f"{ch.mineral(r.mineral).lower()} {r.shown}" + (f" (target {r.target_days:,.0f}, {r.status})" if r.target_days == r.target_days else "") for r in cover.itertuples()]
        years = [int(y) for y in cover["year"]]
        if len(set(years)) == 1:
            rows.append(("Stockpiles", f"days of consumption, end of {years[0]}: " + "; ".join(said)))
        else:  # each holding at its own year end, said beside it
            rows.append(("Stockpiles", "days of consumption at year end: " + "; ".join(f"{text} (end of {y})" for text, y in zip(said, years))))
    else:
        rows.append(("Stockpiles", "none reported"))
    rows.append(("Recycling", recycling_against_alliance(ch, table, member)))
    return pd.DataFrame(rows, columns=["Topic", "Finding"])
