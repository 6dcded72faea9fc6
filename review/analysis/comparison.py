"""Members compared: who depends most on a single supplier, who moved, who sponsors what,
and what sets each member apart from the Alliance.

Pure functions over the indicators table and the project list, so the comparative
chapter and the member profiles say the same thing, and tests can work the numbers by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis import indicators as ind

DEPENDENCY = "single_supplier_dependency"


def latest_dependency(table: pd.DataFrame, cycle: int) -> pd.DataFrame:
    """Each scope's dependency per (mineral, stage) in its latest year up to the cycle.

    Columns: scope, mineral, stage, year, value, supplier."""
    sel = table[(table["indicator"] == DEPENDENCY) & (table["year"] <= cycle)].dropna(subset=["value"])
    if sel.empty:
        return pd.DataFrame(columns=["scope", "mineral", "stage", "year", "value", "supplier"])
    latest = sel[sel["year"] == sel.groupby(["scope", "mineral", "stage"])["year"].transform("max")]
    return latest.rename(columns={"detail": "supplier"})[["scope", "mineral", "stage", "year", "value", "supplier"]].reset_index(drop=True)


def member_ranks(table: pd.DataFrame, members: list[str], cycle: int, previous_cycle: int) -> pd.DataFrame:
    """Each member's mean single-supplier dependency over the mineral stages it reports in both
    the cycle and the previous cycle, its rank (1 = least dependent), and the change.

    The mean is unweighted: each mineral stage counts once, whatever its tonnage, so a
    member's rank says how broadly it depends on single suppliers, not how much it buys.
    Example: a member at 80% and 60% in 2026 and 90% and 70% in 2025 has a mean of 70%,
    change -10 pp. Columns: scope, stages, mean, previous_mean, change, rank, above_alliance.
    """
    sel = table[(table["indicator"] == DEPENDENCY) & table["year"].isin([cycle, previous_cycle])].dropna(subset=["value"])
    wide = sel.pivot_table(index=["scope", "mineral", "stage"], columns="year", values="value")
    rows = []
    alliance = wide.loc[ind.ALLIANCE] if ind.ALLIANCE in wide.index.get_level_values(0) else None
    for member in members:
        if member not in wide.index.get_level_values(0) or cycle not in wide.columns:
            continue
        mine = wide.loc[member].dropna(subset=[cycle])
        if mine.empty:  # did not report in the cycle (a draft): not ranked
            continue
        both = mine.dropna(subset=[previous_cycle]) if previous_cycle in mine.columns else mine.iloc[0:0]
        above = 0
        if alliance is not None and cycle in alliance.columns:
            joined = mine[cycle].rename("member").to_frame().join(alliance[cycle].rename("alliance"), how="inner").dropna()
            above = int((joined["member"] > joined["alliance"] + ind.EPS).sum())
        mean = float(mine[cycle].mean())
        previous = float(both[previous_cycle].mean()) if len(both) else np.nan
        current_same = float(both[cycle].mean()) if len(both) else np.nan
        rows.append(dict(scope=member, stages=len(mine), mean=mean, previous_mean=previous, change=current_same - previous, above_alliance=above))
    frame = pd.DataFrame(rows, columns=["scope", "stages", "mean", "previous_mean", "change", "above_alliance"])
    frame["rank"] = frame["mean"].rank(method="min").astype("Int64")
    return frame.sort_values(["rank", "scope"]).reset_index(drop=True)


def sponsorship(projects: pd.DataFrame, members: list[str]) -> pd.DataFrame:
    """Who sponsors which projects in the current list: per member and mineral, the number of
    projects and their capacity (cancelled projects left out). A project with two sponsors
    counts for each. Columns: scope, mineral, projects, capacity_t."""
    live = projects[~projects["status"].isin(["cancelled"])]
    rows = []
    for r in live.itertuples():
        for sponsor in str(r.sponsors or "").split(";"):
            if sponsor in members:
                rows.append(dict(scope=sponsor, mineral=r.mineral, capacity_t=float(r.capacity_t)))
    frame = pd.DataFrame(rows, columns=["scope", "mineral", "capacity_t"])
    return frame.groupby(["scope", "mineral"], as_index=False).agg(projects=("capacity_t", "size"), capacity_t=("capacity_t", "sum"))


def against_alliance(latest: pd.DataFrame, member: str) -> pd.DataFrame:
    """A member's latest dependency per mineral stage beside the Alliance's in the same year.

    Columns: mineral, stage, year, value, supplier, alliance, difference (member minus Alliance)."""
    mine = latest[latest["scope"] == member]
    alliance = latest[latest["scope"] == ind.ALLIANCE][["mineral", "stage", "year", "value"]].rename(columns={"value": "alliance"})
    both = mine.merge(alliance, on=["mineral", "stage", "year"], how="left")
    both["difference"] = both["value"] - both["alliance"]
    return both[["mineral", "stage", "year", "value", "supplier", "alliance", "difference"]].reset_index(drop=True)
