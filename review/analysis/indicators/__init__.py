"""The Alliance's indicators, as pure functions over validated tables, one module per family.

Every number the report prints comes from `compute_all`, one tidy table with columns
`indicator, mineral, stage, scope, year, value, unit, status, detail`, assembled here
from the families: `dependency`, `concentration`, `coverage` (which Alliance figures are
provisional), `targets` (paths, statuses, the on-time, best and slip cases of the projection and
the gap in tonnes), `outlook` (the Monte Carlo chance of meeting each dependency target,
its fan, the capacity for an 80% chance and each project's effect), `projects`, `stockpiles`, `recycling`, `markets` (prices and floors),
`disruption` (the N-1 stress test), `finance` (capex, public finance, priority
projects), `traceability`, and the `scorecard` view. The four families of the second
version read optional tables: without them they add no rows. The definitions (and a worked example of each) are in
docs/methodology.md, which is also the report's methodology annex; the tests in
tests/test_indicators.py work each one out by hand.

The package re-exports every public name, so `from review.analysis import indicators as ind;
ind.dependency(...)` reads the same whatever module a function lives in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import (  # noqa: F401
    ALLIANCE,
    AT_RISK,
    BASELINE,
    COLUMNS,
    CONFIDENTIAL,
    COUNT,
    DAYS,
    EPS,
    HHI_UNIT,
    MEETS,
    MISSES,
    MUSD,
    NO_BASELINE,
    NO_DATA,
    NOT_IN_PIPELINE,
    OFF_TRACK,
    ON_TRACK,
    PIPELINE_ORDER,
    PROVISIONAL,
    SHARE,
    SHARE_DIFF,
    SUPPRESSED,
    TONNES,
    UNATTRIBUTED,
    WORLD,
    YEARS,
    aligned_codes,
    rows,
)
from review.analysis.indicators.concentration import (  # noqa: F401
    concentration,
    concentration_rows,
    edition_year,
    latest_production,
    production_revisions,
)
from review.analysis.indicators.coverage import (  # noqa: F401
    COVERED,
    coverage,
    coverage_rows,
    mark_provisional,
    provisional_keys,
    provisional_summary,
    reporting_members,
)
from review.analysis.indicators.dependency import (  # noqa: F401
    dependency,
    dependency_rows,
)
from review.analysis.indicators.disruption import (  # noqa: F401
    NOT_EXPOSED,
    disruption_rows,
    lost_share,
    most_exposed,
    stress_cover,
)
from review.analysis.indicators.finance import (  # noqa: F401
    finance_rows,
    finance_totals,
    priority_effects,
    priority_rows,
    public_finance_share,
)
from review.analysis.indicators.markets import (  # noqa: F401
    NO_VOLUME,
    NOT_COMPARED,
    PER_TONNE,
    RATIO,
    convert_price,
    floor_gaps,
    floor_rows,
    price_rows,
    price_statistics,
    same_product,
)
from review.analysis.indicators.outlook import (  # noqa: F401
    delay_distribution,
    outlook_rows,
)
from review.analysis.indicators.projects import (  # noqa: F401
    project_changes,
    project_rows,
    project_snapshots,
    status_change,
)
from review.analysis.indicators.recycling import (  # noqa: F401
    recycling_rows,
    recycling_share,
    recycling_totals,
)
from review.analysis.indicators.scorecard import (  # noqa: F401
    SCORECARD_COLUMNS,
    scorecard,
)
from review.analysis.indicators.stockpiles import (  # noqa: F401
    cover_days,
    stockpile_rows,
    stockpile_totals,
)
from review.analysis.indicators.targets import (  # noqa: F401
    ProjectionBasis,
    ProjectionStart,
    alliance_series,
    assessed_years,
    capacity_gap,
    DEMAND_RATE,
    demand_rates,
    demand_rows_used,
    demand_scenarios,
    full_pipeline_capacity,
    path_status,
    path_value,
    pipeline_capacity,
    projection,
    projection_rows,
    projection_start,
    ramp_up_capacity,
    ramp_up_residuals,
    target_rows,
)
from review.analysis.indicators.traceability import (  # noqa: F401
    traceability_rows,
    traceability_share,
)
from review.inputs.config import ReviewConfig


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
        recycling_rows(tables["recycling"], tables.get("recycling_totals")),
    ]
    cover = coverage_rows(tables)
    observed = mark_provisional(pd.concat(parts, ignore_index=True), cover, config.coverage_threshold)
    provisional = frozenset((m, s, y) for table, m, s, y in provisional_keys(cover, config.coverage_threshold) if table == "dependency")
    current_projects, _, as_of, _ = project_snapshots(tables["projects"], config.cycle)
    basis = ProjectionBasis(alliance_dep, current_projects, aligned, config, provisional, tables.get("demand"))
    lost = lost_share(tables["dependency"], alliance_dep, config.disruption_severity)
    derived = [
        cover,
        target_rows(tables["targets"], observed, config),
        projection_rows(tables["targets"], basis),
        outlook_rows(tables["targets"], basis),
        project_rows(tables["projects"], tables["minerals"], config.cycle),
        mark_provisional(disruption_rows(lost, stress_cover(tables["stockpiles"], totals, lost)), cover, config.coverage_threshold),
        price_rows(tables["prices"]),
        floor_rows(floor_gaps(tables["price_floors"], tables["prices"])),
        finance_rows(finance_totals(current_projects, as_of)),
        priority_rows(priority_effects(tables["targets"], basis)),
        mark_provisional(traceability_rows(traceability_share(tables["traceability"], tables["dependency"])), cover, config.coverage_threshold),
    ]
    table = pd.concat([observed] + derived, ignore_index=True)
    table["year"] = table["year"].astype("Int64")
    table["value"] = table["value"].astype(float)
    _check_finite(table)
    return table.sort_values(["indicator", "mineral", "stage", "scope", "year", "detail"], ignore_index=True, kind="mergesort")


def _check_finite(table: pd.DataFrame) -> None:
    """Every value is a number or missing, never infinite: a sum or product that overflowed must stop the build, not print "inf".

    Validated inputs are bounded (review.inputs.validation: at most 10^12 t a row) so their sums stay finite.
    """
    infinite = table[np.isinf(table["value"].to_numpy())]
    if len(infinite):
        r = infinite.iloc[0]
        raise ArithmeticError(f"{r.indicator} for {r.mineral or 'every mineral'}, {r.scope}, {r.year} is infinite: arithmetic on the input values overflowed")
