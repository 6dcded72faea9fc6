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


#: A member is ranked when it reports at least this share of the mineral stages any member reports;
#: members below it are listed apart (a member with 4 stages is not ranked beside members with 18).
RANKED_SHARE = 0.5


def ranking_stages(table: pd.DataFrame, members: list[str], cycle: int) -> tuple[dict, list[str], set]:
    """Who is ranked and over which stages (see member_ranks): (each reporting member's
    (mineral, stage) set in the cycle, the ranked members, the stages all of them report)."""
    sel = table[(table["indicator"] == DEPENDENCY) & (table["year"] == cycle) & table["scope"].isin(members)].dropna(subset=["value"])
    reported = {m: set(zip(part["mineral"], part["stage"])) for m, part in sel.groupby("scope", sort=False)}
    reported = {m: reported[m] for m in members if m in reported}  # a member that did not report in the cycle (a draft) is not ranked
    every = set().union(*reported.values()) if reported else set()
    ranked = [m for m, stages in reported.items() if len(stages) >= RANKED_SHARE * len(every)]
    common = set.intersection(*(reported[m] for m in ranked)) if ranked else set()
    return reported, ranked, common


def member_ranks(table: pd.DataFrame, members: list[str], cycle: int, previous_cycle: int) -> pd.DataFrame:
    """Each member's mean single-supplier dependency over the mineral stages every ranked member
    reports, its rank (1 = least dependent), and the change since the previous cycle.

    A mean over different stages compares unlike things (New Zealand's four stages beside
    others' eighteen; copper mining at 12% beside gallium at 96%), so the ranking is over
    one set of stages: the members that report at least RANKED_SHARE of the mineral stages
    any member reports in the cycle are ranked over the stages all of them report (the
    `common` count); members with fewer stages are listed apart (`ranked` False, no rank,
    their mean over their own stages). Each common stage counts once, whatever its tonnage.
    The change is over the common stages the member also reported in the previous cycle.
    Example: AAA at 80% and 60% in 2026 (90% and 70% in 2025) has a mean of 70%, change
    -10 pp. Columns: scope, stages, common, mean, previous_mean, change, rank, above_alliance, ranked.
    """
    sel = table[(table["indicator"] == DEPENDENCY) & table["year"].isin([cycle, previous_cycle])].dropna(subset=["value"])
    wide = sel.pivot_table(index=["scope", "mineral", "stage"], columns="year", values="value")
    columns = ["scope", "stages", "common", "mean", "previous_mean", "change", "above_alliance", "ranked"]
    if cycle not in wide.columns:
        return pd.DataFrame(columns=columns + ["rank"])
    reported, ranked, common = ranking_stages(table, members, cycle)
    alliance = wide.loc[ind.ALLIANCE] if ind.ALLIANCE in wide.index.get_level_values(0) else None
    rows = []
    for member, stages in reported.items():
        mine = wide.loc[member]
        counted = sorted(common) if member in ranked else sorted(stages)
        now = mine.loc[counted, cycle]
        before = mine.loc[counted, previous_cycle].dropna() if previous_cycle in mine.columns else pd.Series(dtype=float)
        above = 0
        if alliance is not None and cycle in alliance.columns:
            joined = mine[cycle].dropna().rename("member").to_frame().join(alliance[cycle].rename("alliance"), how="inner").dropna()
            above = int((joined["member"] > joined["alliance"] + ind.EPS).sum())
        previous = float(before.mean()) if len(before) else np.nan
        current_same = float(now.loc[before.index].mean()) if len(before) else np.nan
        rows.append(dict(scope=member, stages=len(stages), common=len(common) if member in ranked else 0, mean=float(now.mean()), previous_mean=previous,
                         change=current_same - previous, above_alliance=above, ranked=member in ranked))
    frame = pd.DataFrame(rows, columns=columns)
    frame["rank"] = frame["mean"].where(frame["ranked"].astype(bool)).rank(method="min").astype("Int64")
    return frame.sort_values(["ranked", "rank", "scope"], ascending=[False, True, True]).reset_index(drop=True)


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
