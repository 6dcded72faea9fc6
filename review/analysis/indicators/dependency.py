"""Single-supplier dependency, aligned share and total supply, per member and for the Alliance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, SHARE, TONNES, UNATTRIBUTED, rows


def dependency(sourcing: pd.DataFrame, aligned: frozenset[str], by_member: bool) -> pd.DataFrame:
    """Single-supplier dependency per mineral, stage, year and scope.

    Volumes are summed over members first (alliance scope) or kept per member, then the
    largest origin that is neither aligned nor unattributed (XXX) is divided by the total.
    Returns columns mineral, stage, scope, year, total_t, aligned_t, supplier, supplier_t, value.
    A group whose total supply is zero has value NaN ("no supply").
    """
    keys = ["mineral", "stage", "year"]
    frame = sourcing.assign(scope=sourcing["member"] if by_member else ALLIANCE)
    keys = ["mineral", "stage", "scope", "year"]
    volumes = frame.groupby(keys + ["origin"], as_index=False, observed=True)["quantity_t"].sum()
    volumes["aligned"] = volumes["origin"].isin(aligned)
    totals = volumes.groupby(keys, observed=True).agg(total_t=("quantity_t", "sum"))
    totals["aligned_t"] = volumes[volumes["aligned"]].groupby(keys, observed=True)["quantity_t"].sum()
    foreign = volumes[~volumes["aligned"] & (volumes["origin"] != UNATTRIBUTED) & (volumes["quantity_t"] > 0)]
    # largest supplier; ties broken by code so the result never depends on row order
    foreign = foreign.sort_values(keys + ["quantity_t", "origin"], ascending=[True] * len(keys) + [False, True])
    top = foreign.groupby(keys, observed=True).head(1).set_index(keys)
    totals["supplier"] = top["origin"]
    totals["supplier_t"] = top["quantity_t"]
    totals = totals.reset_index()
    totals["aligned_t"] = totals["aligned_t"].fillna(0.0)
    totals["supplier_t"] = totals["supplier_t"].fillna(0.0)
    totals["supplier"] = totals["supplier"].fillna("")
    with np.errstate(divide="ignore", invalid="ignore"):
        totals["value"] = np.where(totals["total_t"] > 0, totals["supplier_t"] / totals["total_t"], np.nan)
    return totals.sort_values(keys, ignore_index=True)


def dependency_rows(dep: pd.DataFrame) -> pd.DataFrame:
    out = dep.assign(detail=np.where(dep["total_t"] > 0, dep["supplier"], "no supply"))
    aligned = dep.assign(value=np.where(dep["total_t"] > 0, dep["aligned_t"] / dep["total_t"].where(dep["total_t"] > 0), np.nan))
    supply = dep.assign(value=dep["total_t"])
    return pd.concat(
        [
            rows(out, indicator="single_supplier_dependency", unit=SHARE),
            rows(aligned, indicator="aligned_share", unit=SHARE),
            rows(supply, indicator="supply_t", unit=TONNES),
        ],
        ignore_index=True,
    )
