"""Recycling share of consumption, per member and for the Alliance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.indicators.common import ALLIANCE, SHARE, rows

def recycling_share(recycling: pd.DataFrame, by_member: bool) -> pd.DataFrame:
    """Recycled output over consumption, per member or summed over members (alliance)."""
    frame = recycling.assign(scope=recycling["member"] if by_member else ALLIANCE)
    out = frame.groupby(["mineral", "scope", "year"], as_index=False, observed=True).agg(
        recycled_output_t=("recycled_output_t", "sum"), consumption_t=("consumption_t", "sum"), capacity_t=("capacity_t", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["consumption_t"] > 0, out["recycled_output_t"] / out["consumption_t"].where(out["consumption_t"] > 0), np.nan)
    return out


def recycling_rows(recycling: pd.DataFrame) -> pd.DataFrame:
    shares = pd.concat([recycling_share(recycling, by_member=True), recycling_share(recycling, by_member=False)], ignore_index=True)
    return rows(shares, indicator="recycling_share", unit=SHARE)
