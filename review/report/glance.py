"""At a glance: is the Alliance on track for its founding rare-earth and magnet targets?

The founding text sets one target for rare earths and permanent magnets: single-supplier
dependency under 60% by 2030, with an ambition of 50%. The first page answers it from
the indicators table alone: the chance of meeting each (the outlook, worded by
review.report.outlook) and its fan per stage; per stage the baseline, today, the expected
(status-weighted) projection, the best case (every listed project on time) and the slip
case; the aligned supply still needed (`capacity_gap_t`) beside the weighted pipeline;
and the points that need the High-Level Group's attention. Rows a build does not have
(`capacity_gap_t`, `coverage`, `disruption_cover_days` come from later indicator
families) are left out of the text, never guessed: every sentence states only what the
table holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis import indicators as ind
from review.analysis.narrative import joined
from review.analysis.text import format_value, is_missing

#: The mineral of the founding target ("rare earths and permanent magnets": its mining, refining and magnet stages).
FOUNDING_MINERAL = "rare-earths"
DEPENDENCY = "single_supplier_dependency"
CASES = ("baseline", "today", "expected", "best case", "slip case")
#: Statuses that mean a figure is not assessed because too few members reported (honest, #12).
PROVISIONAL = "provisional"


def pct(value) -> str:
    return format_value(value, "share")


def tonnes(value) -> str:
    return format_value(value, "t") + " t"


def founding_targets(targets: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """The founding dependency targets and ambitions (their source is the founding text, as
    narrative.is_founding reads it), stages in the order given (minerals.csv)."""
    from review.analysis.narrative import is_founding

    sel = targets[(targets["indicator"] == DEPENDENCY) & (targets["mineral"] == FOUNDING_MINERAL)]
    sel = sel[is_founding(sel["source"])]
    order = {s: i for i, s in enumerate(stages)}
    return sel.assign(order=sel["stage"].map(order)).dropna(subset=["order"]).sort_values(["order", "kind"]).drop(columns="order").reset_index(drop=True)


def _alliance(table: pd.DataFrame, indicator: str, stage: str) -> pd.DataFrame:
    return table[(table["indicator"] == indicator) & (table["mineral"] == FOUNDING_MINERAL) & (table["stage"] == stage) & (table["scope"] == ind.ALLIANCE)]


def founding_points(table: pd.DataFrame, founding: pd.DataFrame, cycle: int) -> pd.DataFrame:
    """Per stage: the baseline, today (the latest year up to the cycle), and at the target year
    the expected (status-weighted) projection, the best case (every listed project delivered in
    full on time) and the slip case. Columns: stage, case, year, value, status."""
    out = []
    for stage, group in founding.groupby("stage", sort=False):
        baseline_year, target_year = int(group["baseline_year"].iloc[0]), int(group["year"].iloc[0])
        series = _alliance(table, DEPENDENCY, stage)
        series = series[series["year"] <= cycle].dropna(subset=["value"]).sort_values("year")
        base = series[series["year"] == baseline_year]
        if len(base):
            out.append(dict(stage=stage, case="baseline", year=baseline_year, value=float(base["value"].iloc[0]), status=base["status"].iloc[0]))
        if len(series):
            last = series.iloc[-1]
            out.append(dict(stage=stage, case="today", year=int(last["year"]), value=float(last["value"]), status=last["status"]))
        for indicator, case in (("projected_dependency", "expected"), ("projected_dependency_full", "best case"), ("projected_dependency_slip", "slip case")):
            point = _alliance(table, indicator, stage)
            point = point[point["year"] == target_year]
            if len(point):
                out.append(dict(stage=stage, case=case, year=target_year, value=float(point["value"].iloc[0]), status=point["status"].iloc[0]))
    frame = pd.DataFrame(out, columns=["stage", "case", "year", "value", "status"])
    frame["status"] = frame["status"].fillna("")
    return frame


def founding_lines(founding: pd.DataFrame) -> pd.DataFrame:
    """The target and ambition levels per stage. Columns: stage, kind, value, year."""
    return founding[["stage", "kind", "value", "year"]].reset_index(drop=True)


def capacity_gaps(table: pd.DataFrame, founding: pd.DataFrame) -> pd.DataFrame:
    """Per stage at the target year: the aligned supply to add for the target and for the
    ambition (NaN when the build has no `capacity_gap_t` rows), and the weighted pipeline.
    Columns: stage, year, target_t, ambition_t, pipeline_t, provisional."""
    out = []
    for stage, group in founding.groupby("stage", sort=False):
        year = int(group["year"].iloc[0])
        row = dict(stage=stage, year=year, target_t=np.nan, ambition_t=np.nan, pipeline_t=np.nan, provisional=False)
        for r in _alliance(table, "capacity_gap_t", stage).itertuples():
            if int(r.year) == year and r.detail in ("target", "ambition"):
                row[f"{r.detail}_t"] = float(r.value)
                row["provisional"] |= r.status == PROVISIONAL
        pipeline = _alliance(table, "pipeline_weighted_capacity_t", stage)
        pipeline = pipeline[pipeline["year"] == year]
        if len(pipeline):
            row["pipeline_t"] = float(pipeline["value"].iloc[0])
            row["provisional"] |= bool((pipeline["status"] == PROVISIONAL).any())
        out.append(row)
    return pd.DataFrame(out, columns=["stage", "year", "target_t", "ambition_t", "pipeline_t", "provisional"])


def _level(lines: pd.DataFrame, kind: str) -> float | None:
    sel = lines[lines["kind"] == kind]["value"]
    return float(sel.iloc[0]) if len(sel) and sel.nunique() == 1 else None


def sentences(points: pd.DataFrame, lines: pd.DataFrame, card: pd.DataFrame, gaps: pd.DataFrame, mineral: str) -> list[str]:
    """Three sentences: where each stage is today and its status; where the pipeline takes
    it by the target year, expected, slip and best cases; the aligned supply still needed."""
    if points.empty:
        return [f"No Alliance figure of {mineral.lower()} dependency is available in this build, so the founding target cannot be assessed."]
    target, ambition = _level(lines, "target"), _level(lines, "ambition")
    year = int(lines["year"].iloc[0])
    goal = f"under {pct(target)} by {year}" if target is not None else f"by {year}"
    if ambition is not None:
        goal += f" (ambition {pct(ambition)})"
    today = points[points["case"] == "today"]
    statuses = card[(card["mineral"] == FOUNDING_MINERAL) & (card["indicator"] == DEPENDENCY) & (card["kind"] == "target")].set_index("stage")["status"]
    by_status: dict[str, list[str]] = {}
    for r in today.itertuples():
        by_status.setdefault(statuses.get(r.stage, ind.NO_DATA) or ind.NO_DATA, []).append(r.stage)
    verdicts = "; ".join(f"{joined(stages)} {'is' if len(stages) == 1 else 'are'} {status}" for status, stages in by_status.items())
    years = sorted(set(today["year"]))
    first = (
        f"In {joined([str(y) for y in years])}, the Alliance's dependency on a single non-aligned supplier of {mineral.lower()} is "
        + joined([f"{pct(r.value)} in {r.stage}" + (f" ({r.year})" if len(years) > 1 else "") + (" (provisional)" if r.status == PROVISIONAL else "") for r in today.itertuples()])
        + f", against the founding target of {goal}: {verdicts}."
    )
    expected, best, slip = (points[points["case"] == case] for case in ("expected", "best case", "slip case"))
    if expected.empty:
        second = f"No pipeline projection to {year} is available in this build."
    else:
        second = (
            f"With the project pipeline weighted by status (the expected projection), {year} dependency would be "
            + joined([f"{pct(r.value)} in {r.stage}" for r in expected.itertuples()])
        )
        if len(slip):
            second += ", and " + joined([pct(v) for v in slip["value"]]) + " if projects slip a year"
        if len(best):
            second += "; if every listed aligned project is delivered in full on time (the best case), " + joined([pct(v) for v in best["value"]])
        if target is not None and len(best):
            missing = [r.stage for r in best.itertuples() if r.value > target + ind.EPS and r.status != PROVISIONAL]
            second += f": {joined(missing)} {'misses' if len(missing) == 1 else 'miss'} {pct(target)} even in the best case" if missing else f": every stage reaches {pct(target)} in the best case"
        second += "."
    known = gaps.dropna(subset=["target_t"])
    if len(known):
        needed = known[known["target_t"] > 0]
        if needed.empty:
            third = f"Today's aligned supply, growing with demand, already reaches {pct(target)} in every stage by {year} (no new aligned supply needed)."
        else:
            third = (
                f"Reaching {pct(target)} by {year} needs new aligned supply of "
                + joined([f"{tonnes(r.target_t)} in {r.stage}" for r in needed.itertuples()])
                + ", against a weighted pipeline of "
                + joined([tonnes(r.pipeline_t) if not is_missing(r.pipeline_t) else "no reported project" for r in needed.itertuples()])
                + "."
            )
    elif gaps["pipeline_t"].notna().any():
        third = (
            "The weighted pipeline adds " + joined([f"{tonnes(r.pipeline_t)} in {r.stage}" for r in gaps.dropna(subset=["pipeline_t"]).itertuples()])
            + f" of aligned capacity by {year}; this build does not compute the supply the target needs."
        )
    else:
        third = f"No project pipeline to {year} is reported for {mineral.lower()}."
    return [first, second, third]


def attention_points(card: pd.DataFrame, table: pd.DataFrame, targets: pd.DataFrame, name_of, mineral_name) -> list[str]:
    """What needs the High-Level Group's attention, from the numbers: off-track targets,
    expected projections that miss, provisional figures, and stress-test cover below the
    stockpile target. `name_of(card_row)` names a target and `mineral_name(id)` a mineral
    as the report does."""
    points = []
    off = card[card["status"] == ind.OFF_TRACK]
    if len(off):
        founding = off[(off["mineral"] == FOUNDING_MINERAL) & (off["indicator"] == DEPENDENCY)]
        for kind, group in founding.groupby("kind", sort=False):
            goal = f"{pct(group['target'].iloc[0])} by {group['target_year'].iloc[0]}"
            points.append(
                f"Off track, founding {kind} ({goal}): "
                + "; ".join(f"{mineral_name(r.mineral).lower()} {r.stage} {pct(r.value)} in {r.year} against a path of {pct(r.path)}" for r in group.itertuples())
                + "."
            )
        others = off.drop(founding.index)
        if len(others):
            points.append(f"Off track, other targets ({len(others)}): " + "; ".join(name_of(r) for r in others.itertuples()) + ".")
    misses = table[(table["indicator"] == "projected_dependency") & (table["scope"] == ind.ALLIANCE) & (table["status"] == ind.MISSES)]
    if len(misses):
        points.append("The expected (status-weighted) projection leaves dependency above the target: " + "; ".join(f"{mineral_name(r.mineral).lower()} {r.stage} {pct(r.value)} in {int(r.year)}" for r in misses.sort_values(["mineral", "stage"]).itertuples()) + ".")
    provisional = card[card["status"] == PROVISIONAL]
    if len(provisional):
        points.append("Provisional, not assessed (too few members reported): " + "; ".join(name_of(r) for r in provisional.itertuples()) + ".")
    cover = table[(table["indicator"] == "disruption_cover_days") & (table["scope"] == ind.ALLIANCE)].dropna(subset=["value"])
    stock_targets = targets[targets["indicator"] == "stockpile_cover_days"].groupby("mineral")["value"].max()
    if len(cover) and len(stock_targets):
        latest = cover[cover["year"] == cover.groupby("mineral")["year"].transform("max")]
        below = latest[latest["mineral"].isin(stock_targets.index)]
        below = below[below["value"] < below["mineral"].map(stock_targets).astype(float)]  # float even when no row is left
        if len(below):
            points.append(
                "Stress test, largest non-aligned supplier stopped: Alliance stockpiles would cover "
                + "; ".join(f"{mineral_name(r.mineral).lower()}{(' ' + r.stage) if isinstance(r.stage, str) and r.stage else ''} {format_value(r.value, 'days')} days (target {format_value(stock_targets[r.mineral], 'days')})" for r in below.sort_values(["mineral"]).itertuples())
                + "."
            )
    return points
