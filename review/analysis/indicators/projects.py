"""The project pipeline: current and previous lists, status changes, slippage and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, COUNT, PIPELINE_ORDER, TONNES, YEARS, rows


def project_snapshots(projects: pd.DataFrame, cycle: int) -> tuple[pd.DataFrame, pd.DataFrame, int | None, int | None]:
    """The current (latest as_of at most the cycle) and previous (the one before) project lists."""
    as_of = sorted(y for y in projects["as_of"].dropna().unique() if y <= cycle)
    if not as_of:
        return projects.iloc[0:0], projects.iloc[0:0], None, None
    current = int(as_of[-1])
    previous = int(as_of[-2]) if len(as_of) > 1 else None
    prev = projects[projects["as_of"] == previous] if previous is not None else projects.iloc[0:0]
    return projects[projects["as_of"] == current], prev, current, previous


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
            # later than the previous list said: a slip since the last review, which the slip since first report can hide
            dict(indicator="projects_delayed", mineral=mineral, value=float((live["expected_online"] > live["expected_online_previous"]).sum()), detail="all", unit=COUNT),
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
