"""Target paths and statuses, and the pipeline-adjusted projection to each target year."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from review.analysis.indicators.common import (
    ALLIANCE,
    AT_RISK,
    BASELINE,
    DAYS,
    EPS,
    MEETS,
    MISSES,
    NO_BASELINE,
    NO_DATA,
    NOT_IN_PIPELINE,
    OFF_TRACK,
    ON_TRACK,
    PROVISIONAL,
    SHARE,
    SHARE_DIFF,
    SUPPRESSED,
    TONNES,
    rows,
)
from review.inputs.config import ReviewConfig


def path_value(baseline_value: float, baseline_year: int, target_value: float, target_year: int, year: int, comparator: str) -> float:
    """The straight line from (baseline_year, baseline_value) to (target_year, target_value), held flat outside.

    A target the baseline already meets (a `max` target at or above the baseline value, a
    `min` one at or below it) has the target value as its path in every year: a line from the
    baseline would move away from where the Alliance is (a ceiling of 60% over a baseline of
    50% drew a rising path) and call a value that still meets the target off track.
    """
    if (baseline_value <= target_value) if comparator == "max" else (baseline_value >= target_value):
        return target_value
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
    if worse_by <= EPS:
        return ON_TRACK
    if worse_by <= margin + EPS:
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
    A year whose Alliance value is provisional (too few members reported) is not assessed:
    its status is `provisional`. A year at or before the baseline year is `baseline`: the
    baseline is what the path starts from (or already meets), so an "on track" would measure
    nothing (and a later status compared with it would show a change that is only the path starting).
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
                path = path_value(float(baseline), int(t.baseline_year), float(t.value), int(t.year), year, t.comparator)
                status = path_status(value, path, t.comparator, margin)
            if math.isnan(value):
                status = SUPPRESSED if _status_is(table, t, stage, year, SUPPRESSED) else NO_DATA
            elif _status_is(table, t, stage, year, PROVISIONAL):
                status = PROVISIONAL
            elif year <= int(t.baseline_year) and status != NO_BASELINE:
                status = BASELINE
            out.append(dict(indicator="target_path", mineral=t.mineral, stage=stage, year=year, value=path, status=status, detail=detail, unit=unit))
            gap_unit = SHARE_DIFF if unit == SHARE else unit
            out.append(dict(indicator="target_gap", mineral=t.mineral, stage=stage, year=year, value=value - t.value, status=status, detail=detail, unit=gap_unit))
    frame = pd.DataFrame(out, columns=["indicator", "mineral", "stage", "year", "value", "status", "detail", "unit"])
    return rows(frame, scope=ALLIANCE)


def _status_is(table: pd.DataFrame, target, stage: str, year: int, status: str) -> bool:
    """Whether the target's Alliance value in `year` carries `status` (withheld, or provisional)."""
    sel = table[(table["indicator"] == target.indicator) & (table["mineral"] == target.mineral) & (table["stage"] == stage) & (table["scope"] == ALLIANCE) & (table["year"] == year)]
    return bool((sel["status"] == status).any())



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


def projection_start(alliance_dep: pd.DataFrame, mineral: str, stage: str, cycle: int):
    """The Alliance dependency row a projection starts from: the latest year up to the cycle with supply (None if none)."""
    series = alliance_dep[(alliance_dep["mineral"] == mineral) & (alliance_dep["stage"] == stage) & (alliance_dep["year"] <= cycle) & (alliance_dep["total_t"] > 0)]
    return None if series.empty else series.sort_values("year").iloc[-1]


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
    # `added_t` may be an array (one value per Monte Carlo draw, review.analysis.indicators.outlook)
    non_aligned = np.maximum(demand - (aligned_t + added_t), 0.0)
    if non_aligned_today <= 0:
        return non_aligned * 0.0, demand
    return non_aligned * (supplier_t / non_aligned_today) / demand, demand


def capacity_gap(dep_row, target_value: float, growth: float, target_year: int) -> float:
    """Aligned supply to add by `target_year` for the projected dependency to reach `target_value`.

    The inverse of `projection`: at the demand it assumes, the largest supplier keeps
    its share s of non-aligned supply, so dependency = non_aligned * s / demand; reaching
    the target allows non_aligned <= target * demand / s, and aligned supply must make up
    the rest of demand. Zero when today's aligned supply already suffices.
    """
    total, aligned_t, supplier_t = float(dep_row.total_t), float(dep_row.aligned_t), float(dep_row.supplier_t)
    demand = total * (1 + growth) ** (target_year - int(dep_row.year))
    non_aligned_today = total - aligned_t
    if demand <= 0 or non_aligned_today <= 0 or supplier_t <= 0:
        return 0.0
    allowed_non_aligned = min(target_value * demand * non_aligned_today / supplier_t, demand)
    return max(demand - allowed_non_aligned - aligned_t, 0.0)


def demand_rows_used(demand: pd.DataFrame | None, mineral: str, stage: str) -> pd.DataFrame:
    """demand.csv's rows that set each scenario of one mineral and stage: a row for the stage
    overrides the mineral's row (stage empty) of the same scenario. Empty when none does."""
    if demand is None or demand.empty:
        return pd.DataFrame(columns=["mineral", "stage", "scenario", "growth_rate", "source"])
    sel = demand[demand["mineral"] == mineral]
    stages = sel["stage"].fillna("")
    own = sel[stages == stage]
    return pd.concat([sel[(stages == "") & ~sel["scenario"].isin(own["scenario"])], own])


def demand_scenarios(demand: pd.DataFrame | None, config: ReviewConfig, mineral: str, stage: str) -> dict[str, float]:
    """The yearly demand growth of each scenario for one mineral and stage, from demand.csv's
    rows that set it (demand_rows_used). A mineral and stage with no row has one scenario, the
    headline one, at `demand_growth`: without demand.csv that is `central` at `demand_growth`,
    as before the scenarios.
    """
    used = demand_rows_used(demand, mineral, stage)
    out = dict(zip(used["scenario"], used["growth_rate"].astype(float)))
    return dict(sorted(out.items())) or {config.headline_scenario: config.demand_growth}


#: The indicator of the rows that carry the demand growth a previous review's chances assumed
#: (detail: the scenario), beside those chances (review.audit.compare.previous_chances).
DEMAND_RATE = "demand_growth_rate"


def demand_rates(demand: pd.DataFrame | None, config: ReviewConfig, pairs) -> pd.DataFrame:
    """The yearly demand growth of every scenario for each (mineral, stage) of `pairs`, as
    `demand_scenarios` gives it: columns mineral, stage, scenario, rate. Set beside a previous
    review's chances, so that the next review can say when a chance moved because the assumption did."""
    rows = [dict(mineral=m, stage=s, scenario=scenario, rate=rate) for m, s in pairs for scenario, rate in demand_scenarios(demand, config, m, s).items()]
    return pd.DataFrame(rows, columns=["mineral", "stage", "scenario", "rate"])


def ramp_up_residuals(operating: pd.DataFrame, latest_year: int, ramp_up_years: int) -> pd.Series:
    """Capacity of each operating plant that the sourcing data of `latest_year` does not hold yet.

    Where the project publishes `output_t` (its output in its `as_of` year) it is
    `capacity_t - output_t`. Otherwise a plant online in year y0 is taken to reach capacity
    in the sourcing data over `ramp_up_years` r: the share still missing is
    1 - clamp((latest_year - y0) / r, 0, 1). With r = 2, a plant online after the latest
    year counts whole, one online a year before it half, two years before nothing.
    """
    capacity = operating["capacity_t"].astype(float).fillna(0.0)
    output = operating["output_t"].astype(float) if "output_t" in operating else pd.Series(np.nan, index=operating.index)
    share = 1 - ((latest_year - operating["expected_online"].astype(float)) / ramp_up_years).clip(0, 1)
    return (capacity - output).where(output.notna(), capacity * share).clip(lower=0.0)


def ramp_up_capacity(projects: pd.DataFrame, aligned: frozenset[str], mineral: str, stage: str, latest_year: int, ramp_up_years: int) -> float:
    """Aligned operating capacity of one mineral and stage not yet in the sourcing data (counted with weight 1)."""
    sel = projects[(projects["mineral"] == mineral) & (projects["stage"] == stage) & projects["host_country"].isin(aligned) & (projects["status"] == "operating")]
    return float(ramp_up_residuals(sel, latest_year, ramp_up_years).sum())


def full_pipeline_capacity(projects: pd.DataFrame, aligned: frozenset[str], mineral: str, stage: str, year: int) -> float:
    """Capacity of every aligned-hosted project not yet operating (nor ended), online by `year`: the best case's pipeline."""
    every = {status: 1.0 for status in projects["status"].unique()}
    return pipeline_capacity(projects, aligned, every, mineral, stage, year)


@dataclass(frozen=True)
class ProjectionStart:
    """Where the projections of one mineral and stage start: `today` is the Alliance
    dependency row of the latest year with supply (`year`); `provisional` when that
    figure is; the yearly demand growth of each scenario (`scenarios`, the headline
    one is `growth`); the ramp-up capacity of operating plants the sourcing data does not
    hold yet (`ramp`)."""

    today: pd.Series
    year: int
    provisional: bool
    scenarios: dict[str, float]
    growth: float
    ramp: float


@dataclass(frozen=True, eq=False)
class ProjectionBasis:
    """What every projection to a dependency target year reads: the Alliance dependency,
    the current project list, the aligned countries, the settings, the provisional
    Alliance figures ((mineral, stage, year)) and demand.csv.

    The deterministic cases (`projection_rows`), the outlook's draws
    (review.analysis.indicators.outlook) and the priority projects' effects
    (review.analysis.indicators.finance) all start from it, so they start from the same
    year, demand and ramp-up, worked out once per mineral and stage (`start`).
    """

    alliance_dep: pd.DataFrame
    projects: pd.DataFrame
    aligned: frozenset[str]
    config: ReviewConfig
    provisional: frozenset = frozenset()
    demand: pd.DataFrame | None = None
    _starts: dict = field(default_factory=dict, init=False, repr=False)

    def start(self, mineral: str, stage: str) -> ProjectionStart | None:
        """The start of `mineral` `stage`'s projections (None: no year with supply to start from)."""
        if (mineral, stage) not in self._starts:
            today = projection_start(self.alliance_dep, mineral, stage, self.config.cycle)
            if today is None:
                self._starts[(mineral, stage)] = None
            else:
                year = int(today.year)
                scenarios = demand_scenarios(self.demand, self.config, mineral, stage)
                ramp = ramp_up_capacity(self.projects, self.aligned, mineral, stage, year, self.config.ramp_up_years)
                growth = scenarios.get(self.config.headline_scenario, math.nan)
                self._starts[(mineral, stage)] = ProjectionStart(today, year, (mineral, stage, year) in self.provisional, scenarios, growth, ramp)
        return self._starts[(mineral, stage)]


def projection_rows(targets: pd.DataFrame, basis: ProjectionBasis) -> pd.DataFrame:
    """The deterministic cases of the projection to each dependency target year, the pipeline, and the gap in tonnes.

    `projected_dependency` is the **on-time** (status-weighted) projection: each project
    counts its capacity times the weight of its status. `projected_dependency_full` is the
    **best case**: every listed aligned project not cancelled or suspended delivered in
    full on its `expected_online`. `projected_dependency_slip` is the on-time projection
    with every project a year late. In every case the capacity of operating plants not yet
    in the sourcing data (`ramp_up_capacity_t`, see `ramp_up_residuals`) counts whole, and
    every tonne of new aligned capacity is taken to serve members first. Demand grows at
    the headline scenario's rate (`demand_scenarios`). `capacity_gap_t` (detail `target`
    or `ambition`) is the aligned supply to add by the target year to reach each, set
    beside `pipeline_weighted_capacity_t`. When the year the projection starts from is
    provisional (`basis.provisional`), its rows are `provisional`, never meets or misses.
    """
    out = []
    projects, aligned, weights = basis.projects, basis.aligned, basis.config.status_weights
    dep_targets = targets[targets["indicator"] == "single_supplier_dependency"]
    for (mineral, stage, year), group in dep_targets.groupby(["mineral", "stage", "year"], sort=True):
        start = basis.start(mineral, stage)
        if start is None:
            continue
        today, uncertain, growth, ramp = start.today, start.provisional, start.growth, start.ramp
        target_value = float(group[group["kind"] == "target"]["value"].min()) if (group["kind"] == "target").any() else float(group["value"].min())
        cases = (
            ("projected_dependency", pipeline_capacity(projects, aligned, weights, mineral, stage, int(year))),
            ("projected_dependency_full", full_pipeline_capacity(projects, aligned, mineral, stage, int(year))),
            ("projected_dependency_slip", pipeline_capacity(projects, aligned, weights, mineral, stage, int(year), 1)),
        )
        for indicator, added in cases:
            value, _ = projection(today, added + ramp, growth, int(year))
            status = PROVISIONAL if uncertain else MEETS if value <= target_value + EPS else MISSES
            out.append(dict(indicator=indicator, mineral=mineral, stage=stage, year=int(year), value=value, status=status, detail=today.supplier, unit=SHARE))
            if indicator == "projected_dependency":
                out.append(dict(indicator="pipeline_weighted_capacity_t", mineral=mineral, stage=stage, year=int(year), value=added, status=PROVISIONAL if uncertain else "", detail=f"from {start.year}", unit=TONNES))
        out.append(dict(indicator="ramp_up_capacity_t", mineral=mineral, stage=stage, year=int(year), value=ramp, status=PROVISIONAL if uncertain else "", detail=f"from {start.year}", unit=TONNES))
        for kind, value in group.groupby("kind", sort=True)["value"].min().items():
            gap = capacity_gap(today, float(value), growth, int(year))
            out.append(dict(indicator="capacity_gap_t", mineral=mineral, stage=stage, year=int(year), value=gap, status=PROVISIONAL if uncertain else "", detail=kind, unit=TONNES))
    return rows(pd.DataFrame(out, columns=["indicator", "mineral", "stage", "year", "value", "status", "detail", "unit"]), scope=ALLIANCE)
