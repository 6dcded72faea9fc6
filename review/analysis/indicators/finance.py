"""Finance of the project pipeline: capex and public finance, and each priority project's effect on the projection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, MUSD, NO_DATA, PROVISIONAL, SHARE_DIFF, rows
from review.analysis.indicators.targets import ProjectionBasis, pipeline_capacity, projection, ramp_up_capacity


def finance_totals(current: pd.DataFrame, as_of: int | None) -> pd.DataFrame:
    """Capex and public finance of the current project list by mineral, stage and project status.

    Projects that do not report a figure add nothing to its sum; the group's row then has
    status "provisional". A group where no project reports the figure has no sum (NaN,
    "no data"): not reported is not 0. Returns columns mineral,
    stage, status, year, capex_musd, capex_reported, public_finance_musd, public_reported, projects.
    """
    grouped = current.groupby(["mineral", "stage", "status"], as_index=False, observed=True)
    out = grouped.agg(
        capex_musd=("capex_musd", lambda v: v.sum(min_count=1)),
        capex_reported=("capex_musd", "count"),
        public_finance_musd=("public_finance_musd", lambda v: v.sum(min_count=1)),
        public_reported=("public_finance_musd", "count"),
        projects=("project_id", "count"),
    )
    out["year"] = as_of
    return out


def finance_rows(totals: pd.DataFrame) -> pd.DataFrame:
    """`detail` is the project status, which with mineral and stage names the group."""
    parts = []
    for indicator, reported in (("capex_musd", "capex_reported"), ("public_finance_musd", "public_reported")):
        complete = totals[reported] == totals["projects"]
        # a sum over projects some of which did not report the figure is a lower bound: provisional
        status = np.select([totals[reported] == 0, complete], [NO_DATA, ""], PROVISIONAL)
        parts.append(rows(totals.assign(value=totals[indicator], detail=totals["status"], status=status), indicator=indicator, scope=ALLIANCE, unit=MUSD))
    return pd.concat(parts, ignore_index=True)


def public_finance_share(projects: pd.DataFrame) -> dict:
    """Public finance as a share of capex, over the projects that report both figures.

    A project that does not report its capex (or its public finance) is left out of both
    the numerator and the denominator: counting its public money against no capex would
    overstate the share, counting it as 0 would understate it. `left_out` says how many,
    so the sentence can say so. Example: capex 100 and public 50, capex 60 and public 10,
    capex not reported and public 30: share (50 + 10) / (100 + 60) = 37.5%, 1 left out.
    Returns dict(capex_musd, public_finance_musd, share, counted, left_out); share is NaN
    when no project reports both.
    """
    both = projects["capex_musd"].notna() & projects["public_finance_musd"].notna()
    capex, public = float(projects.loc[both, "capex_musd"].sum()), float(projects.loc[both, "public_finance_musd"].sum())
    share = public / capex if capex > 0 else np.nan
    return dict(capex_musd=capex, public_finance_musd=public, share=share, counted=int(both.sum()), left_out=int((~both).sum()))


def priority_effects(targets: pd.DataFrame, basis: ProjectionBasis) -> pd.DataFrame:
    """Each priority project's effect on the on-time (status-weighted) projection at each dependency target year of its mineral and stage.

    The effect is the projected single-supplier dependency without the project minus with
    it (the projection of `targets.projection`, slip 0): how many points the project takes
    off; ramp-up capacity and the headline demand scenario are counted as in the projection
    (both start from `basis.start`), and the projection without an operating plant still
    ramping up leaves out its ramp-up too (its effect was printed +0.0 pp while the projection
    counted its ramp-up as certain). It is 0 for a project the projection does not count (hosted outside aligned
    countries, online after the target year, not in the pipeline, or operating and already
    whole in the sourcing data). A priority project
    whose mineral and stage have no dependency target, or no supply to start from, has no row.
    When the year the projection starts from is provisional, the effect is `provisional` like the projection.
    Returns columns mineral, stage, year, project_id, with_project, without_project, value, status.
    """
    current, aligned, weights = basis.projects, basis.aligned, basis.config.status_weights
    dep_targets = targets[targets["indicator"] == "single_supplier_dependency"]
    out = []
    for p in current[current["priority"].fillna(False).astype(bool)].sort_values("project_id").itertuples(index=False):
        start = basis.start(p.mineral, p.stage)
        if start is None:
            continue
        years = sorted(set(dep_targets[(dep_targets["mineral"] == p.mineral) & (dep_targets["stage"] == p.stage)]["year"].astype(int)))
        others = current[current["project_id"] != p.project_id]
        ramp_without = ramp_up_capacity(others, aligned, p.mineral, p.stage, start.year, basis.config.ramp_up_years)
        for year in years:
            with_project, _ = projection(start.today, start.ramp + pipeline_capacity(current, aligned, weights, p.mineral, p.stage, year), start.growth, year)
            without, _ = projection(start.today, ramp_without + pipeline_capacity(others, aligned, weights, p.mineral, p.stage, year), start.growth, year)
            status = PROVISIONAL if start.provisional else ""
            out.append(dict(mineral=p.mineral, stage=p.stage, year=year, project_id=p.project_id, with_project=with_project, without_project=without, value=without - with_project, status=status))
    return pd.DataFrame(out, columns=["mineral", "stage", "year", "project_id", "with_project", "without_project", "value", "status"])


def priority_rows(effects: pd.DataFrame) -> pd.DataFrame:
    """`detail` is the project id."""
    return rows(effects.assign(detail=effects["project_id"]), indicator="priority_project_effect", scope=ALLIANCE, unit=SHARE_DIFF)
