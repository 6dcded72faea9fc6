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
    "projects_count", "projects_capacity_t", "projects_new", "projects_cancelled", "projects_slipped", "projects_delayed",
    "projects_mean_slippage_years", "project_slippage_years", "project_status_change",
)
STOCKPILE_INDICATORS = ("stockpile_cover_days", "stockpile_holdings_t")
RECYCLING_INDICATORS = ("recycling_share",)
DISRUPTION_INDICATORS = ("disruption_lost_share", "disruption_cover_days")
FINANCE_INDICATORS = ("capex_musd", "public_finance_musd", "priority_project_effect", "projected_dependency")
MARKET_INDICATORS = ("price_change", "price_change_1y", "price_change_from_peak", "price_volatility", "price_floor_gap", "price_floor_cost_musd", "traceability_share")
MEMBER_INDICATORS = ("single_supplier_dependency", "stockpile_cover_days", "recycling_share")


#: In a Read's `keys`, stands for the job's parameter: ("alliance", PARAMETER) reads a member's rows and the Alliance's.
PARAMETER = "{parameter}"


@dataclass(frozen=True)
class Read:
    """A table, whole or sliced: rows whose column `by` equals the job's parameter, or one of `keys`."""

    table: str
    by: str | None = None
    keys: tuple[str, ...] | None = None

    def slice_keys(self, value: str | None) -> tuple:
        """The keys of the slice a job with parameter `value` reads (none for a whole table)."""
        if self.by is None:
            return ()
        if self.keys is None:
            return (value,)
        return tuple(value if k == PARAMETER else k for k in self.keys)


@dataclass(frozen=True)
class NotebookSpec:
    name: str
    parameter: str | None
    reads: tuple[Read, ...]
    part: str  # where the chapter goes in the book: front (the At a glance page), summary, minerals, members, themes, profiles (HTML only, after the themes)

    def chapter_id(self, value: str | None = None) -> str:
        """'overview', 'mineral-rare-earths', 'member-JPN': also the executed notebook's file name."""
        return self.name if self.parameter is None else f"{self.name}-{value}"


REFERENCE = (Read("members"), Read("partners"), Read("minerals"))

NOTEBOOKS: dict[str, NotebookSpec] = {
    spec.name: spec
    for spec in (
        NotebookSpec(
            "glance",
            None,
            # every pillar has a line on the first page: the whole indicators table (a floor's cost is a member's row), every project and floor
            (Read("indicators"), Read("targets"), Read("dependency", "mineral", ("rare-earths",)), Read("projects"), Read("price_floors"), Read("demand", "mineral", ("rare-earths",))) + REFERENCE,
            "front",
        ),
        NotebookSpec("overview", None, (Read("indicators", "scope", ("alliance",)), Read("targets"), Read("previous_scorecard"), Read("previous_chances"), Read("dependency"), Read("projects"), Read("demand")) + REFERENCE, "summary"),
        NotebookSpec(
            "mineral",
            "mineral",
            (
                Read("indicators", "mineral"),
                Read("dependency", "mineral"),
                Read("production", "mineral"),
                Read("projects", "mineral"),
                Read("targets", "mineral"),
                Read("stockpiles", "mineral"),
                Read("recycling", "mineral"),
                Read("prices", "mineral"),
                Read("price_floors", "mineral"),
                Read("events", "mineral"),
                Read("demand", "mineral"),  # the outlook's demand scenarios, named in its figure's source line
            )
            + REFERENCE,
            "minerals",
        ),
        NotebookSpec(
            "members",
            None,
            (Read("indicators", "indicator", MEMBER_INDICATORS), Read("projects"), Read("dependency")) + REFERENCE,
            "members",
        ),
        NotebookSpec(
            "member",
            "member",
            (Read("indicators", "scope", ("alliance", PARAMETER)), Read("projects", "sponsors"), Read("dependency", "member"), Read("targets")) + REFERENCE,
            "profiles",
        ),
        NotebookSpec("projects", None, (Read("indicators", "indicator", PROJECT_INDICATORS + FINANCE_INDICATORS), Read("projects")) + REFERENCE, "themes"),
        NotebookSpec(
            "stockpiles",
            None,
            (Read("indicators", "indicator", STOCKPILE_INDICATORS + DISRUPTION_INDICATORS), Read("stockpile_totals"), Read("stockpiles"), Read("targets")) + REFERENCE,
            "themes",
        ),
        NotebookSpec("recycling", None, (Read("indicators", "indicator", RECYCLING_INDICATORS), Read("recycling"), Read("targets")) + REFERENCE, "themes"),
        NotebookSpec("markets", None, (Read("indicators", "indicator", MARKET_INDICATORS), Read("prices"), Read("price_floors"), Read("events"), Read("traceability"), Read("dependency")) + REFERENCE, "themes"),  # dependency: the sourcing whose verified share the traceability table gives, named in its source line
    )
}
