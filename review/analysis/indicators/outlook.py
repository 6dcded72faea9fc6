"""The outlook: the chance of meeting each dependency target, its fan, what it would take, and which projects matter.

A Monte Carlo over the project pipeline of each mineral and stage with a dependency
target. In each draw every aligned project not yet operating (nor cancelled or
suspended) delivers its capacity with the probability of its status (`status_weights`),
independently of the others, in its `expected_online` year plus a delay drawn from the
delay distribution (`outlook.delays` in review.yml: the project list's own history, or a
stated distribution). Demand follows each scenario of demand.csv. The projected
dependency of a draw is the deterministic projection (`targets.projection`) with that
draw's delivered capacity, so the on-time and best cases are two points of the same
model. The draws are seeded (`outlook.seed`, recorded in the manifest) and keyed by
mineral, stage and target year, so the same inputs give the same values and one target's
draws do not depend on which other targets exist. The methodology annex states the model
with a worked example; tests/test_outlook.py works out each value by hand.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, EPS, NOT_IN_PIPELINE, PROVISIONAL, SHARE, SHARE_DIFF, TONNES, rows
from review.analysis.indicators.targets import ProjectionBasis, capacity_gap, projection
from review.inputs.config import ReviewConfig

#: Fewer projects than this in the latest list make no delay history: the outlook then assumes no delay and says so.
MIN_HISTORY = 10
#: The chance the capacity needed is worked out for.
CAPACITY_CHANCE = 0.8
#: The quantiles of the fan, by indicator.
FAN = {"projected_dependency_p10": 0.1, "projected_dependency_p50": 0.5, "projected_dependency_p90": 0.9}
HISTORY, STATED, TOO_FEW = "history", "stated", "too few projects"


def delay_distribution(current_projects: pd.DataFrame, config: ReviewConfig) -> tuple[dict[int, float], str]:
    """Years late -> probability, and where it comes from (`history`, `stated`, or `too few projects`).

    `history` is the share of the latest list's projects (every status) by how many years
    their `expected_online` is behind their `first_reported_online` (a project ahead of
    schedule counts as on time). With fewer than MIN_HISTORY projects there is no history
    worth the name: every project is on time.
    """
    if isinstance(config.outlook.delays, dict):
        return dict(config.outlook.delays), STATED
    late = (current_projects["expected_online"] - current_projects["first_reported_online"]).dropna().astype(int).clip(lower=0)
    if len(late) < MIN_HISTORY:
        return {0: 1.0}, TOO_FEW
    shares = late.value_counts(normalize=True).sort_index()
    return {int(k): float(v) for k, v in shares.items()}, HISTORY


def delay_rows(delays: dict[int, float], source: str, cycle: int, minerals: list[str]) -> pd.DataFrame:
    """`outlook_delay_share`: the delay distribution the outlook used (`detail` = years late, `status` = its source),
    once for each mineral with an outlook, so that a chapter reading one mineral's rows can say which delays it rests on."""
    frame = pd.DataFrame([dict(mineral=m, value=p, detail=str(k)) for m in minerals for k, p in delays.items()], columns=["mineral", "value", "detail"])
    return rows(frame, indicator="outlook_delay_share", stage="", scope=ALLIANCE, year=cycle, unit=SHARE, status=source)


def pipeline(current_projects: pd.DataFrame, aligned: frozenset[str], mineral: str, stage: str) -> pd.DataFrame:
    """The projects a draw may deliver: aligned-hosted, of this mineral and stage, neither operating nor ended, by id."""
    sel = current_projects[
        (current_projects["mineral"] == mineral)
        & (current_projects["stage"] == stage)
        & current_projects["host_country"].isin(aligned)
        & ~current_projects["status"].isin(NOT_IN_PIPELINE)
    ]
    return sel.sort_values("project_id", kind="mergesort")


def draws(projects: pd.DataFrame, weights: dict, delays: dict[int, float], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(delivered, online year) of each project in each of `n` draws: arrays of shape (n, projects)."""
    weight = projects["status"].map(weights).astype(float).fillna(0.0).to_numpy()
    delivered = rng.random((n, len(projects))) < weight
    late = rng.choice(np.array(list(delays), dtype=int), size=(n, len(projects)), p=np.array(list(delays.values())))
    return delivered, projects["expected_online"].astype(int).to_numpy() + late


def added_capacity(capacity: np.ndarray, delivered: np.ndarray, online: np.ndarray, year: int) -> np.ndarray:
    """The capacity each draw adds by `year`: the delivered projects online by then."""
    return (delivered & (online <= year)).astype(float) @ capacity


def _rng(seed: int, mineral: str, stage: str, year: int) -> np.random.Generator:
    """A generator for one target's draws: the seed and a stable key of mineral, stage and target year."""
    return np.random.default_rng([seed, zlib.crc32(f"{mineral}|{stage}|{year}".encode())])


def _quantile(values: np.ndarray, q: float) -> float:
    """The smallest value v with at least a share q of draws at or below it (the inverse of the empirical distribution).

    It is always the value of a draw, so a fan over a few discrete outcomes shows those
    outcomes, not an interpolation between them, and each quantile can be worked out by hand.
    """
    return float(np.quantile(values, q, method="inverted_cdf"))


def outlook_rows(targets: pd.DataFrame, basis: ProjectionBasis) -> pd.DataFrame:
    """The outlook's indicators for every dependency target year of every mineral and stage (scope alliance).

    - `target_probability` (year = target year, detail "<kind>:<scenario>"): the share of
      draws whose projected dependency meets the target value;
    - `projected_dependency_p10`, `_p50`, `_p90` (every year from the latest sourcing year
      b + 1 to the target year, detail = scenario): the fan;
    - `capacity_needed_p80_t` (target year, detail "<kind>:<scenario>"): the extra aligned
      capacity, certain by the target year, that lifts the chance to at least 80%: the
      80th percentile of each draw's shortfall (0 when the chance already is);
    - `project_probability_effect` (target year, detail = project id): in the headline
      scenario, for the target (kind `target`), the chance with the project certain on
      its `expected_online` minus the chance as it is, computed on the same draws.
    Rows that start from a provisional Alliance figure are `provisional`. Each mineral and
    stage starts where the deterministic projection does (`basis.start`).
    """
    config, current_projects = basis.config, basis.projects
    delays, source = delay_distribution(current_projects, config)
    out = []
    dep_targets = targets[targets["indicator"] == "single_supplier_dependency"]
    for (mineral, stage, year), group in dep_targets.groupby(["mineral", "stage", "year"], sort=True):
        begin = basis.start(mineral, stage)
        if begin is None:
            continue
        year, start, today, scenarios, ramp = int(year), begin.year, begin.today, begin.scenarios, begin.ramp
        status = PROVISIONAL if begin.provisional else ""
        goals = group.groupby("kind", sort=True)["value"].min()
        projects = pipeline(current_projects, basis.aligned, mineral, stage)
        capacity = projects["capacity_t"].astype(float).fillna(0.0).to_numpy()
        delivered, online = draws(projects, config.status_weights, delays, config.outlook.draws, _rng(config.outlook.seed, mineral, stage, year))
        years = sorted(set(range(start + 1, year + 1)) | {year})
        added = {y: added_capacity(capacity, delivered, online, y) for y in years}
        row = dict(mineral=mineral, stage=stage, status=status)
        for scenario, growth in scenarios.items():
            for y in years:
                dependency, _ = projection(today, ramp + added[y], growth, y)
                for indicator, q in FAN.items():
                    out.append(dict(row, indicator=indicator, year=y, value=_quantile(dependency, q), detail=scenario, unit=SHARE))
            final, _ = projection(today, ramp + added[year], growth, year)
            for kind, value in goals.items():
                meets = final <= value + EPS
                chance = float(meets.mean())
                shortfall = np.where(meets, 0.0, np.maximum(capacity_gap(today, float(value), growth, year) - ramp - added[year], 0.0))
                out.append(dict(row, indicator="target_probability", year=year, value=chance, detail=f"{kind}:{scenario}", unit=SHARE))
                out.append(dict(row, indicator="capacity_needed_p80_t", year=year, value=_quantile(shortfall, CAPACITY_CHANCE), detail=f"{kind}:{scenario}", unit=TONNES))
        if "target" not in goals.index or config.headline_scenario not in scenarios:
            continue
        growth, value = scenarios[config.headline_scenario], float(goals["target"])
        chance = float((projection(today, ramp + added[year], growth, year)[0] <= value + EPS).mean())
        expected = projects["expected_online"].astype(int).to_numpy()
        for j, project_id in enumerate(projects["project_id"]):
            certain, on_time = delivered.copy(), online.copy()
            certain[:, j], on_time[:, j] = True, expected[j]
            with_project, _ = projection(today, ramp + added_capacity(capacity, certain, on_time, year), growth, year)
            effect = float((with_project <= value + EPS).mean()) - chance
            out.append(dict(row, indicator="project_probability_effect", year=year, value=effect, detail=project_id, unit=SHARE_DIFF))
    frame = pd.DataFrame(out, columns=["indicator", "mineral", "stage", "year", "value", "status", "detail", "unit"])
    return pd.concat([rows(frame, scope=ALLIANCE), delay_rows(delays, source, config.cycle, sorted(set(frame["mineral"])))], ignore_index=True)
