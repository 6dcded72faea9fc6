"""The notebooks of the review: what each is about, its parameter, and exactly what it reads.

This is the one place that says which slices of the snapshot a notebook may read. The
notebook's `Chapter` loads through it, and the build hashes the same slices into the
job's cache key, so a job re-runs exactly when something it reads has changed.
Like papermill's engine registry, adding a notebook is adding an entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Distributions whose versions go into every job's cache key (what the notebooks import).
NOTEBOOK_PACKAGES = ("pandas", "numpy", "pyarrow", "matplotlib", "seaborn", "ipykernel", "ipython", "papermill", "nbformat")

PROJECT_INDICATORS = (
    "projects_count", "projects_capacity_t", "projects_new", "projects_cancelled", "projects_slipped",
    "projects_mean_slippage_years", "project_slippage_years", "project_status_change",
)
STOCKPILE_INDICATORS = ("stockpile_cover_days", "stockpile_holdings_t")
RECYCLING_INDICATORS = ("recycling_share",)
DISRUPTION_INDICATORS = ("disruption_lost_share", "disruption_cover_days")
FINANCE_INDICATORS = ("capex_musd", "public_finance_musd", "priority_project_effect", "projected_dependency")
MARKET_INDICATORS = ("price_change", "price_volatility", "price_floor_gap", "price_floor_cost_musd", "traceability_share")


@dataclass(frozen=True)
class Read:
    """A table, whole or sliced: rows whose column `by` equals the job's parameter, or one of `keys`."""

    table: str
    by: str | None = None
    keys: tuple[str, ...] | None = None


@dataclass(frozen=True)
class NotebookSpec:
    name: str
    parameter: str | None
    reads: tuple[Read, ...]
    part: str  # where the chapter goes in the book: summary, minerals, members, themes

    def chapter_id(self, value: str | None = None) -> str:
        """'overview', 'mineral-rare-earths', 'member-JPN': also the executed notebook's file name."""
        return self.name if self.parameter is None else f"{self.name}-{value}"


REFERENCE = (Read("members"), Read("partners"), Read("minerals"))

NOTEBOOKS: dict[str, NotebookSpec] = {
    spec.name: spec
    for spec in (
        NotebookSpec("overview", None, (Read("indicators", "scope", ("alliance",)), Read("targets"), Read("previous_scorecard")) + REFERENCE, "summary"),
        NotebookSpec(
            "mineral",
            "mineral",
            (
                Read("indicators", "mineral"),
                Read("dependency", "mineral"),
                Read("production", "mineral"),
                Read("projects", "mineral"),
                Read("targets", "mineral"),
                Read("prices", "mineral"),
                Read("price_floors", "mineral"),
                Read("events", "mineral"),
            )
            + REFERENCE,
            "minerals",
        ),
        NotebookSpec("member", "member", (Read("indicators", "scope"), Read("projects", "sponsors")) + REFERENCE, "members"),
        NotebookSpec("projects", None, (Read("indicators", "indicator", PROJECT_INDICATORS + FINANCE_INDICATORS), Read("projects")) + REFERENCE, "themes"),
        NotebookSpec(
            "stockpiles",
            None,
            (Read("indicators", "indicator", STOCKPILE_INDICATORS + DISRUPTION_INDICATORS), Read("stockpile_totals"), Read("targets")) + REFERENCE,
            "themes",
        ),
        NotebookSpec("recycling", None, (Read("indicators", "indicator", RECYCLING_INDICATORS), Read("recycling"), Read("targets")) + REFERENCE, "themes"),
        NotebookSpec("markets", None, (Read("indicators", "indicator", MARKET_INDICATORS), Read("prices"), Read("price_floors"), Read("events"), Read("traceability")) + REFERENCE, "themes"),
    )
}
