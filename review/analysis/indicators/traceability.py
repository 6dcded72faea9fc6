"""Traceability: the share of sourcing whose origin is verified, per member and for the Alliance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, SHARE, rows


def traceability_share(traceability: pd.DataFrame, sourcing: pd.DataFrame) -> pd.DataFrame:
    """Verified tonnes over all sourcing of the scope, by mineral, stage and year.

    A member row exists where the member reports verified tonnes; the Alliance row of a
    mineral, stage and year where any member does, and its denominator is all members'
    sourcing: a member that reports nothing counts as having nothing verified. Validation
    makes sure a member's verified tonnes do not exceed its sourcing.
    Returns columns mineral, stage, scope, year, verified_t, total_t, value.
    """
    keys = ["mineral", "stage", "year"]
    supply = sourcing.groupby(keys + ["member"], as_index=False, observed=True)["quantity_t"].sum()
    members = traceability.groupby(keys + ["member"], as_index=False, observed=True)["verified_t"].sum()
    members = members.merge(supply, on=keys + ["member"], how="left").rename(columns={"member": "scope", "quantity_t": "total_t"})
    alliance = members.groupby(keys, as_index=False, observed=True)["verified_t"].sum()
    alliance = alliance.merge(supply.groupby(keys, as_index=False, observed=True)["quantity_t"].sum(), on=keys, how="left")
    alliance = alliance.rename(columns={"quantity_t": "total_t"}).assign(scope=ALLIANCE)
    out = pd.concat([alliance, members], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["total_t"] > 0, out["verified_t"] / out["total_t"].where(out["total_t"] > 0), np.nan)
    return out[["mineral", "stage", "scope", "year", "verified_t", "total_t", "value"]].sort_values(["mineral", "stage", "scope", "year"], ignore_index=True)


def traceability_rows(shares: pd.DataFrame) -> pd.DataFrame:
    return rows(shares, indicator="traceability_share", unit=SHARE)
