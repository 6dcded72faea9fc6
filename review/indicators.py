"""The Alliance's indicators, as pure functions over validated tables.

Every number the report prints comes from `compute_all`, one tidy table with columns
`indicator, mineral, stage, scope, year, value, unit, status, detail`. The definitions
(and a worked example of each) are in docs/methodology.md, which is also the report's
methodology annex; the tests in tests/test_indicators.py work each one out by hand.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from review.config import STATUSES, ReviewConfig

COLUMNS = ["indicator", "mineral", "stage", "scope", "year", "value", "unit", "status", "detail"]
ALLIANCE = "alliance"
WORLD = "world"
UNATTRIBUTED = "XXX"
SHARE, HHI_UNIT, DAYS, TONNES, YEARS, COUNT = "share", "index", "days", "t", "years", "projects"
#: A difference of two shares (signed, -1 to 1), written in percentage points.
SHARE_DIFF = "share_diff"
ON_TRACK, AT_RISK, OFF_TRACK = "on track", "at risk", "off track"
NO_BASELINE, NO_DATA, SUPPRESSED, CONFIDENTIAL = "no baseline", "no data", "suppressed", "confidential"
MEETS, MISSES = "meets target", "misses target"
#: Statuses whose capacity is already in today's supply (operating) or will not come (the rest).
NOT_IN_PIPELINE = ("operating", "suspended", "cancelled")
#: Statuses that advance in this order; a move to a later one is progress.
PIPELINE_ORDER = {s: i for i, s in enumerate(STATUSES[:7])}
_EPS = 1e-12


def rows(frame: pd.DataFrame, **constant) -> pd.DataFrame:
    """Shape a frame into the tidy indicator columns, filling the constant ones."""
    out = frame.copy()
    for key, value in constant.items():
        out[key] = value
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = "" if col in ("stage", "status", "detail") else np.nan
    out["stage"] = out["stage"].fillna("")
    out["status"] = out["status"].fillna("")
    out["detail"] = out["detail"].fillna("")
    return out[COLUMNS]


# --- membership -----------------------------------------------------------------------


def aligned_codes(members: pd.DataFrame, partners: pd.DataFrame) -> frozenset[str]:
    """Origins that count as aligned: members (their own domestic supply included) and partners.

    The composition is the cycle's, applied to every year, so a series stays comparable
    when the Alliance grows (see the methodology annex).
    """
    return frozenset(members["code"]) | frozenset(partners["code"])


# --- single-supplier dependency -------------------------------------------------------


def dependency(sourcing: pd.DataFrame, aligned: frozenset[str], by_member: bool) -> pd.DataFrame:
    """Single-supplier dependency per mineral, stage, year and scope.

    Volumes are summed over members first (alliance scope) or kept per member, then the
    largest origin that is neither aligned nor unattributed (XXX) is divided by the total.
    Returns columns mineral, stage, scope, year, total_t, aligned_t, supplier, supplier_t, value.
    A group whose total supply is zero has value NaN ("no supply").
    """
    keys = ["mineral", "stage", "year"]
    frame = sourcing.assign(scope=sourcing["member"] if by_member else ALLIANCE)
    keys = ["mineral", "stage", "scope", "year"]
    volumes = frame.groupby(keys + ["origin"], as_index=False, observed=True)["quantity_t"].sum()
    volumes["aligned"] = volumes["origin"].isin(aligned)
    totals = volumes.groupby(keys, observed=True).agg(total_t=("quantity_t", "sum"))
    totals["aligned_t"] = volumes[volumes["aligned"]].groupby(keys, observed=True)["quantity_t"].sum()
    foreign = volumes[~volumes["aligned"] & (volumes["origin"] != UNATTRIBUTED) & (volumes["quantity_t"] > 0)]
    # largest supplier; ties broken by code so the result never depends on row order
    foreign = foreign.sort_values(keys + ["quantity_t", "origin"], ascending=[True] * len(keys) + [False, True])
    top = foreign.groupby(keys, observed=True).head(1).set_index(keys)
    totals["supplier"] = top["origin"]
    totals["supplier_t"] = top["quantity_t"]
    totals = totals.reset_index()
    totals["aligned_t"] = totals["aligned_t"].fillna(0.0)
    totals["supplier_t"] = totals["supplier_t"].fillna(0.0)
    totals["supplier"] = totals["supplier"].fillna("")
    with np.errstate(divide="ignore", invalid="ignore"):
        totals["value"] = np.where(totals["total_t"] > 0, totals["supplier_t"] / totals["total_t"], np.nan)
    return totals.sort_values(keys, ignore_index=True)


def dependency_rows(dep: pd.DataFrame) -> pd.DataFrame:
    out = dep.assign(detail=np.where(dep["total_t"] > 0, dep["supplier"], "no supply"))
    aligned = dep.assign(value=np.where(dep["total_t"] > 0, dep["aligned_t"] / dep["total_t"].where(dep["total_t"] > 0), np.nan))
    supply = dep.assign(value=dep["total_t"])
    return pd.concat(
        [
            rows(out, indicator="single_supplier_dependency", unit=SHARE),
            rows(aligned, indicator="aligned_share", unit=SHARE),
            rows(supply, indicator="supply_t", unit=TONNES),
        ],
        ignore_index=True,
    )


# --- world concentration --------------------------------------------------------------

_EDITION = re.compile(r"\b((?:19|20)\d\d)\b")


def edition_year(source: str) -> int:
    """The publication year a `source` names ('USGS MCS 2025' -> 2025); the last year wins."""
    found = _EDITION.findall(source or "")
    if not found:
        raise ValueError(f"source {source!r} names no edition year")
    return int(found[-1])


def latest_production(production: pd.DataFrame) -> pd.DataFrame:
    """Each figure (year, mineral, stage, country) from the latest source edition that gives it."""
    frame = production.assign(edition=production["source"].map(edition_year))
    key = ["year", "mineral", "stage", "country"]
    newest = frame.groupby(key, observed=True)["edition"].transform("max")
    latest = frame[frame["edition"] == newest]
    return latest.groupby(key + ["edition"], as_index=False, observed=True).agg(
        quantity_t=("quantity_t", "sum"), source=("source", "first")
    )


def production_revisions(production: pd.DataFrame) -> pd.DataFrame:
    """Figures given differently by two source editions: year, mineral, stage, country, old, new, editions."""
    frame = production.assign(edition=production["source"].map(edition_year))
    key = ["year", "mineral", "stage", "country"]
    by_edition = frame.groupby(key + ["edition"], as_index=False, observed=True)["quantity_t"].sum()
    by_edition = by_edition.sort_values(key + ["edition"])
    by_edition["previous_t"] = by_edition.groupby(key, observed=True)["quantity_t"].shift()
    by_edition["previous_edition"] = by_edition.groupby(key, observed=True)["edition"].shift()
    changed = by_edition.dropna(subset=["previous_t"])
    changed = changed[(changed["quantity_t"] - changed["previous_t"]).abs() > _EPS]
    out = changed.rename(columns={"quantity_t": "revised_t", "edition": "revised_edition"})
    out["previous_edition"] = out["previous_edition"].astype(int)
    return out[key + ["previous_edition", "previous_t", "revised_edition", "revised_t"]].reset_index(drop=True)


def concentration(production: pd.DataFrame) -> pd.DataFrame:
    """Top-3 share and HHI of world production per mineral, stage and year.

    Shares are of the sum of all country figures (XXX included in the total); XXX is a
    residual of many producers, so it is never one of the top three and adds nothing to
    the HHI. Returns columns mineral, stage, year, top3, hhi, top3_countries, sources.
    """
    latest = latest_production(production)
    out = []
    for (mineral, stage, year), group in latest.groupby(["mineral", "stage", "year"], observed=True, sort=True):
        total = group["quantity_t"].sum()
        named = group[group["country"] != UNATTRIBUTED].sort_values(["quantity_t", "country"], ascending=[False, True])
        if total <= 0:
            top3 = hhi = np.nan
        else:
            shares = named["quantity_t"] / total
            top3 = float(shares.head(3).sum())
            hhi = float(((shares * 100) ** 2).sum())
        editions = sorted(set(group["edition"]))
        out.append(
            dict(
                mineral=mineral,
                stage=stage,
                year=year,
                top3=top3,
                hhi=hhi,
                top3_countries=";".join(named["country"].head(3)),
                editions=";".join(map(str, editions)),
            )
        )
    return pd.DataFrame(out, columns=["mineral", "stage", "year", "top3", "hhi", "top3_countries", "editions"])


def concentration_rows(conc: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [
            rows(conc.assign(value=conc["top3"], detail=conc["top3_countries"]), indicator="top3_share", scope=WORLD, unit=SHARE),
            rows(conc.assign(value=conc["hhi"], detail="editions " + conc["editions"]), indicator="hhi", scope=WORLD, unit=HHI_UNIT),
        ],
        ignore_index=True,
    )


# --- stockpiles and recycling ---------------------------------------------------------


def cover_days(holdings_t, consumption_t):
    """Days of consumption a stock covers: holdings / annual consumption * 365."""
    return holdings_t / consumption_t * 365


def stockpile_totals(stockpiles: pd.DataFrame) -> pd.DataFrame:
    """Alliance stockpile aggregates per mineral and year, with what a disclosure rule needs.

    Columns: mineral, year, contributors, confidential_contributors, holdings_t,
    annual_consumption_t, cover_days, largest_share (largest member's share of holdings).
    """
    frame = stockpiles.assign(confidential=stockpiles["confidential"].fillna(False).astype(bool))
    grouped = frame.groupby(["mineral", "year"], observed=True)
    out = grouped.agg(
        contributors=("member", "nunique"),
        confidential_contributors=("confidential", "sum"),
        holdings_t=("holdings_t", "sum"),
        annual_consumption_t=("annual_consumption_t", "sum"),
        largest_t=("holdings_t", "max"),
    ).reset_index()
    out["cover_days"] = cover_days(out["holdings_t"], out["annual_consumption_t"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["largest_share"] = np.where(out["holdings_t"] > 0, out["largest_t"] / out["holdings_t"].where(out["holdings_t"] > 0), np.nan)
    out["confidential_contributors"] = out["confidential_contributors"].astype(int)
    return out.drop(columns="largest_t")


def stockpile_rows(stockpiles: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Cover in days per member (against its target_days) and for the Alliance (from `totals`).

    Rows whose values were withheld (public edition) keep their place with status
    "confidential"; alliance aggregates not disclosed have status "suppressed".
    """
    frame = stockpiles.copy()
    frame["value"] = cover_days(frame["holdings_t"], frame["annual_consumption_t"])
    withheld = frame["holdings_t"].isna()
    frame["status"] = np.select(
        [withheld, frame["target_days"].isna(), frame["value"] + _EPS >= frame["target_days"]],
        [CONFIDENTIAL, "", MEETS],
        MISSES,
    )
    frame["detail"] = np.where(frame["target_days"].notna(), "target " + frame["target_days"].map(lambda d: f"{d:g}") + " days", "")
    frame.loc[withheld, "detail"] = ""
    member_rows = rows(frame.rename(columns={"member": "scope"}), indicator="stockpile_cover_days", unit=DAYS)
    agg = totals.copy()
    disclosed = agg["disclosed"] if "disclosed" in agg else pd.Series(True, index=agg.index)
    agg["value"] = agg["cover_days"].where(disclosed)
    agg["status"] = np.where(disclosed, "", SUPPRESSED)
    agg["detail"] = agg["contributors"].map(lambda n: f"{n} member{'s' if n != 1 else ''}")
    alliance_rows = rows(agg, indicator="stockpile_cover_days", scope=ALLIANCE, unit=DAYS)
    holdings = rows(agg.assign(value=agg["holdings_t"].where(disclosed)), indicator="stockpile_holdings_t", scope=ALLIANCE, unit=TONNES)
    return pd.concat([member_rows, alliance_rows, holdings], ignore_index=True)


def recycling_share(recycling: pd.DataFrame, by_member: bool) -> pd.DataFrame:
    """Recycled output over consumption, per member or summed over members (alliance)."""
    frame = recycling.assign(scope=recycling["member"] if by_member else ALLIANCE)
    out = frame.groupby(["mineral", "scope", "year"], as_index=False, observed=True).agg(
        recycled_output_t=("recycled_output_t", "sum"), consumption_t=("consumption_t", "sum"), capacity_t=("capacity_t", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["consumption_t"] > 0, out["recycled_output_t"] / out["consumption_t"].where(out["consumption_t"] > 0), np.nan)
    return out


def recycling_rows(recycling: pd.DataFrame) -> pd.DataFrame:
    shares = pd.concat([recycling_share(recycling, by_member=True), recycling_share(recycling, by_member=False)], ignore_index=True)
    return rows(shares, indicator="recycling_share", unit=SHARE)


# --- targets ----------------------------------------------------------------------------


def path_value(baseline_value: float, baseline_year: int, target_value: float, target_year: int, year: int) -> float:
    """The straight line from (baseline_year, baseline_value) to (target_year, target_value), held flat outside."""
    if year <= baseline_year:
        return baseline_value
    if year >= target_year:
        return target_value
    return baseline_value + (target_value - baseline_value) * (year - baseline_year) / (target_year - baseline_year)


def path_status(value: float, path: float, comparator: str, margin: float) -> str:
    """On track at or better than the path; at risk within `margin` worse than it; off track beyond."""
    if value is None or path is None or math.isnan(value) or math.isnan(path):
        return NO_DATA
    worse_by = value - path if comparator == "max" else path - value
    if worse_by <= _EPS:
        return ON_TRACK
    if worse_by <= margin + _EPS:
        return AT_RISK
    return OFF_TRACK


def _margin(indicator: str, target_value: float, config: ReviewConfig) -> float:
    """The at-risk band: percentage points for shares; the same fraction of the target for days."""
    if indicator == "stockpile_cover_days":
        return config.at_risk_margin * target_value
    return config.at_risk_margin


def alliance_series(table: pd.DataFrame, indicator: str, mineral: str, stage: str) -> pd.Series:
    """One alliance-scope series (year -> value) out of the tidy indicator rows."""
    sel = table[
        (table["indicator"] == indicator) & (table["mineral"] == mineral) & (table["stage"] == (stage or "")) & (table["scope"] == ALLIANCE)
    ]
    return sel.set_index("year")["value"].sort_index()


def assessed_years(series: pd.Series, config: ReviewConfig) -> tuple[int | None, int | None]:
    """The year a cycle assesses (the latest with a row, at most the cycle) and the one before it.

    The previous year is the assessed year minus the gap between the two cycles, so a
    series published with a lag is compared with what the previous cycle assessed. A
    row whose value is missing (no supply, or suppressed in a public edition) still
    counts: the scorecard then says why there is no value instead of going back in time.
    """
    known = series[series.index <= config.cycle]
    if known.empty:
        return None, None
    current = int(known.index.max())
    return current, current - (config.cycle - config.previous_cycle)


def target_rows(targets: pd.DataFrame, table: pd.DataFrame, config: ReviewConfig) -> pd.DataFrame:
    """Path, status and gap to target for every target, at the assessed year and the previous one.

    `detail` is "<indicator>:<kind>", which with mineral and stage identifies the target.
    """
    out = []
    for t in targets.itertuples(index=False):
        stage = t.stage if isinstance(t.stage, str) else ""
        series = alliance_series(table, t.indicator, t.mineral, stage)
        baseline = series.get(int(t.baseline_year), np.nan)
        current, previous = assessed_years(series, config)
        detail = f"{t.indicator}:{t.kind}"
        margin = _margin(t.indicator, t.value, config)
        unit = DAYS if t.indicator == "stockpile_cover_days" else SHARE
        if current is None:
            out.append(dict(indicator="target_path", mineral=t.mineral, stage=stage, year=config.cycle, value=np.nan, status=NO_DATA, detail=detail, unit=unit))
            continue
        for year in (current, previous):
            value = series.get(year, np.nan)
            if isinstance(baseline, float) and math.isnan(baseline):
                path, status = np.nan, NO_BASELINE
            else:
                path = path_value(float(baseline), int(t.baseline_year), float(t.value), int(t.year), year)
                status = path_status(value, path, t.comparator, margin)
            if math.isnan(value):
                status = SUPPRESSED if _suppressed(table, t, stage, year) else NO_DATA
            out.append(dict(indicator="target_path", mineral=t.mineral, stage=stage, year=year, value=path, status=status, detail=detail, unit=unit))
            gap_unit = SHARE_DIFF if unit == SHARE else unit
            out.append(dict(indicator="target_gap", mineral=t.mineral, stage=stage, year=year, value=value - t.value, status=status, detail=detail, unit=gap_unit))
    frame = pd.DataFrame(out, columns=["indicator", "mineral", "stage", "year", "value", "status", "detail", "unit"])
    return rows(frame, scope=ALLIANCE)


def _suppressed(table: pd.DataFrame, target, stage: str, year: int) -> bool:
    sel = table[(table["indicator"] == target.indicator) & (table["mineral"] == target.mineral) & (table["stage"] == stage) & (table["scope"] == ALLIANCE) & (table["year"] == year)]
    return bool((sel["status"] == SUPPRESSED).any())


# --- projects -------------------------------------------------------------------------


def project_snapshots(projects: pd.DataFrame, cycle: int) -> tuple[pd.DataFrame, pd.DataFrame, int | None, int | None]:
    """The current (latest as_of at most the cycle) and previous (the one before) project lists."""
    as_of = sorted(y for y in projects["as_of"].dropna().unique() if y <= cycle)
    if not as_of:
        return projects.iloc[0:0], projects.iloc[0:0], None, None
    current = int(as_of[-1])
    previous = int(as_of[-2]) if len(as_of) > 1 else None
    prev = projects[projects["as_of"] == previous] if previous is not None else projects.iloc[0:0]
    return projects[projects["as_of"] == current], prev, current, previous


def pipeline_capacity(projects: pd.DataFrame, aligned: frozenset[str], weights: dict, mineral: str, stage: str, year: int, slip: int = 0) -> float:
    """Status-weighted capacity of aligned-hosted projects not yet operating, online by `year` (after `slip` more years)."""
    sel = projects[
        (projects["mineral"] == mineral)
        & (projects["stage"] == stage)
        & projects["host_country"].isin(aligned)
        & ~projects["status"].isin(NOT_IN_PIPELINE)
        & (projects["expected_online"] + slip <= year)
    ]
    return float((sel["capacity_t"].astype(float) * sel["status"].map(weights).astype(float).fillna(0.0)).sum())


def projection(dep_row, added_t: float, growth: float, target_year: int) -> tuple[float, float]:
    """Projected single-supplier dependency at `target_year`, and the demand it assumes.

    Demand grows from today's total at `growth` a year; aligned supply is today's plus
    the pipeline's weighted capacity; non-aligned supply fills the rest and keeps today's
    split among non-aligned origins, so the largest supplier keeps its share of it.
    """
    total, aligned_t, supplier_t = float(dep_row.total_t), float(dep_row.aligned_t), float(dep_row.supplier_t)
    demand = total * (1 + growth) ** (target_year - int(dep_row.year))
    if demand <= 0:
        return np.nan, demand
    non_aligned_today = total - aligned_t
    non_aligned = max(demand - (aligned_t + added_t), 0.0)
    if non_aligned_today <= 0:
        return 0.0, demand
    return non_aligned * (supplier_t / non_aligned_today) / demand, demand


def projection_rows(targets: pd.DataFrame, alliance_dep: pd.DataFrame, current_projects: pd.DataFrame, aligned: frozenset[str], config: ReviewConfig) -> pd.DataFrame:
    """Pipeline-adjusted projection (and a one-year-slip sensitivity) for each dependency target year."""
    out = []
    dep_targets = targets[targets["indicator"] == "single_supplier_dependency"]
    for (mineral, stage, year), group in dep_targets.groupby(["mineral", "stage", "year"], sort=True):
        series = alliance_dep[(alliance_dep["mineral"] == mineral) & (alliance_dep["stage"] == stage) & (alliance_dep["year"] <= config.cycle) & (alliance_dep["total_t"] > 0)]
        if series.empty:
            continue
        today = series.sort_values("year").iloc[-1]
        target_value = float(group[group["kind"] == "target"]["value"].min()) if (group["kind"] == "target").any() else float(group["value"].min())
        for indicator, slip in (("projected_dependency", 0), ("projected_dependency_slip", 1)):
            added = pipeline_capacity(current_projects, aligned, config.status_weights, mineral, stage, int(year), slip)
            value, demand = projection(today, added, config.demand_growth, int(year))
            status = MEETS if value <= target_value + _EPS else MISSES
            out.append(dict(indicator=indicator, mineral=mineral, stage=stage, year=int(year), value=value, status=status, detail=today.supplier, unit=SHARE))
            if slip == 0:
                out.append(dict(indicator="pipeline_weighted_capacity_t", mineral=mineral, stage=stage, year=int(year), value=added, status="", detail=f"from {int(today.year)}", unit=TONNES))
    return rows(pd.DataFrame(out, columns=["indicator", "mineral", "stage", "year", "value", "status", "detail", "unit"]), scope=ALLIANCE)


def status_change(previous: str | None, current: str | None) -> str:
    """How a project moved between two cycles: new, dropped, advanced, unchanged, regressed, or its end state."""
    if previous is None:
        return "new"
    if current is None:
        return "dropped"
    if current in ("cancelled", "suspended") and previous != current:
        return current
    if current == previous:
        return "unchanged"
    if previous in PIPELINE_ORDER and current in PIPELINE_ORDER:
        return "advanced" if PIPELINE_ORDER[current] > PIPELINE_ORDER[previous] else "regressed"
    return "resumed" if previous in ("suspended", "cancelled") else "regressed"


def project_changes(projects: pd.DataFrame, cycle: int) -> pd.DataFrame:
    """One row per project known in the current or previous cycle: statuses, change, slippage."""
    current, previous, _, _ = project_snapshots(projects, cycle)
    cols = ["project_id", "name", "mineral", "stage", "host_country", "sponsors", "status", "capacity_t", "expected_online", "first_reported_online", "priority"]
    merged = current[cols].merge(previous[["project_id", "status", "expected_online"]], on="project_id", how="outer", suffixes=("", "_previous"))
    missing = merged["name"].isna()
    if missing.any():  # dropped projects: describe them from the previous list
        merged = merged.set_index("project_id")
        merged.update(previous.set_index("project_id")[[c for c in cols if c not in ("project_id", "status", "expected_online")]], overwrite=False)
        merged = merged.reset_index()
    merged["change"] = [status_change(p if isinstance(p, str) else None, c if isinstance(c, str) else None) for p, c in zip(merged["status_previous"], merged["status"])]
    merged["slippage_years"] = merged["expected_online"] - merged["first_reported_online"]
    return merged.sort_values("project_id", ignore_index=True)


def project_rows(projects: pd.DataFrame, minerals: pd.DataFrame, cycle: int) -> pd.DataFrame:
    """Counts and capacity by status; slippage and status change per project; new and cancelled counts."""
    current, _, as_of, _ = project_snapshots(projects, cycle)
    year = as_of if as_of is not None else cycle
    out = []
    by_status = current.groupby(["mineral", "stage", "status"], as_index=False).agg(count=("project_id", "nunique"), capacity=("capacity_t", "sum"))
    out.append(rows(by_status.assign(value=by_status["count"], detail=by_status["status"], status=""), indicator="projects_count", scope=ALLIANCE, year=year, unit=COUNT))
    out.append(rows(by_status.assign(value=by_status["capacity"], detail=by_status["status"], status=""), indicator="projects_capacity_t", scope=ALLIANCE, year=year, unit=TONNES))
    changes = project_changes(projects, cycle)
    totals = []
    for mineral in minerals["id"]:
        sel = changes[changes["mineral"] == mineral]
        live = sel[sel["status"].notna()]
        slipped = live["slippage_years"].dropna()
        totals += [
            dict(indicator="projects_count", mineral=mineral, value=float(len(live)), detail="all", unit=COUNT),
            dict(indicator="projects_new", mineral=mineral, value=float((sel["change"] == "new").sum()), detail="all", unit=COUNT),
            dict(indicator="projects_cancelled", mineral=mineral, value=float((sel["change"] == "cancelled").sum()), detail="all", unit=COUNT),
            dict(indicator="projects_slipped", mineral=mineral, value=float((slipped > 0).sum()), detail="all", unit=COUNT),
            dict(indicator="projects_mean_slippage_years", mineral=mineral, value=float(slipped.mean()) if len(slipped) else np.nan, detail="all", unit=YEARS),
        ]
    out.append(rows(pd.DataFrame(totals), scope=ALLIANCE, year=year))
    live = changes[changes["status"].notna()]
    slip = live.assign(
        value=live["slippage_years"],
        status=np.select([live["slippage_years"] > 0, live["slippage_years"] < 0], ["slipped", "ahead"], "on schedule"),
        detail=live["project_id"],
    )
    out.append(rows(slip, indicator="project_slippage_years", scope=ALLIANCE, year=year, unit=YEARS))
    moved = changes.assign(
        value=[_steps(p, c) for p, c in zip(changes["status_previous"], changes["status"])],
        status=changes["change"],
        detail=changes["project_id"] + ": " + changes["status_previous"].fillna("(none)") + " -> " + changes["status"].fillna("(none)"),
    )
    out.append(rows(moved, indicator="project_status_change", scope=ALLIANCE, year=year, unit="steps"))
    return pd.concat(out, ignore_index=True)


def _steps(previous, current) -> float:
    if isinstance(previous, str) and isinstance(current, str) and previous in PIPELINE_ORDER and current in PIPELINE_ORDER:
        return float(PIPELINE_ORDER[current] - PIPELINE_ORDER[previous])
    return np.nan


# --- everything -------------------------------------------------------------------------


def compute_all(tables: dict[str, pd.DataFrame], config: ReviewConfig) -> pd.DataFrame:
    """Every indicator of a cycle as one tidy table (sorted, so the same inputs give the same bytes)."""
    aligned = aligned_codes(tables["members"], tables["partners"])
    member_dep = dependency(tables["dependency"], aligned, by_member=True)
    alliance_dep = dependency(tables["dependency"], aligned, by_member=False)
    totals = tables.get("stockpile_totals")
    if totals is None:
        totals = stockpile_totals(tables["stockpiles"])
    parts = [
        dependency_rows(alliance_dep),
        dependency_rows(member_dep),
        concentration_rows(concentration(tables["production"])),
        stockpile_rows(tables["stockpiles"], totals),
        recycling_rows(tables["recycling"]),
    ]
    observed = pd.concat(parts, ignore_index=True)
    current_projects, _, _, _ = project_snapshots(tables["projects"], config.cycle)
    derived = [
        target_rows(tables["targets"], observed, config),
        projection_rows(tables["targets"], alliance_dep, current_projects, aligned, config),
        project_rows(tables["projects"], tables["minerals"], config.cycle),
    ]
    table = pd.concat([observed] + derived, ignore_index=True)
    table["year"] = table["year"].astype("Int64")
    table["value"] = table["value"].astype(float)
    return table.sort_values(["indicator", "mineral", "stage", "scope", "year", "detail"], ignore_index=True, kind="mergesort")


# --- views ------------------------------------------------------------------------------

SCORECARD_COLUMNS = [
    "mineral", "stage", "indicator", "kind", "comparator", "target", "target_year",
    "year", "value", "path", "status", "previous_year", "previous_value", "previous_status", "change",
]


def scorecard(table: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Every target with its assessed value, path and status, and the same for the previous cycle.

    Built only from rows of `table` (and the targets themselves), so the scorecard and
    the indicators table can never disagree.
    """
    paths = table[table["indicator"] == "target_path"]
    out = []
    for t in targets.itertuples(index=False):
        stage = t.stage if isinstance(t.stage, str) else ""
        detail = f"{t.indicator}:{t.kind}"
        mine = paths[(paths["mineral"] == t.mineral) & (paths["stage"] == stage) & (paths["detail"] == detail)].sort_values("year")
        series = alliance_series(table, t.indicator, t.mineral, stage)
        row = dict(mineral=t.mineral, stage=stage, indicator=t.indicator, kind=t.kind, comparator=t.comparator, target=float(t.value), target_year=int(t.year))
        if mine.empty:
            out.append(row | dict(status=NO_DATA))
            continue
        current = mine.iloc[-1]
        previous = mine.iloc[0] if len(mine) > 1 else None
        value = series.get(current["year"], np.nan)
        row |= dict(year=int(current["year"]), value=value, path=current["value"], status=current["status"])
        if previous is not None:
            prev_value = series.get(previous["year"], np.nan)
            row |= dict(previous_year=int(previous["year"]), previous_value=prev_value, previous_status=previous["status"], change=value - prev_value)
        out.append(row)
    card = pd.DataFrame(out, columns=SCORECARD_COLUMNS)
    for col in ("year", "previous_year", "target_year"):
        card[col] = card[col].astype("Int64")
    card["previous_status"] = card["previous_status"].fillna("")
    return card
