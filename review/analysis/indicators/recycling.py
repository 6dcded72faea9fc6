"""Recycling share of consumption, per member and for the Alliance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, CONFIDENTIAL, SHARE, SUPPRESSED, rows


def recycling_share(recycling: pd.DataFrame, by_member: bool) -> pd.DataFrame:
    """Recycled output over consumption, per member or summed over members (alliance)."""
    frame = recycling.assign(scope=recycling["member"] if by_member else ALLIANCE)
    out = frame.groupby(["mineral", "scope", "year"], as_index=False, observed=True).agg(
        recycled_output_t=("recycled_output_t", "sum"), consumption_t=("consumption_t", "sum"), capacity_t=("capacity_t", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["consumption_t"] > 0, out["recycled_output_t"] / out["consumption_t"].where(out["consumption_t"] > 0), np.nan)
    return out


def recycling_totals(recycling: pd.DataFrame) -> pd.DataFrame:
    """Alliance recycling aggregates per mineral and year (`value` is the share), with the count of members.

    Made from the unmasked table, so the public edition can withhold a total (see
    review.analysis.disclosure) instead of summing only the members it shows.
    """
    totals = recycling_share(recycling, by_member=False).drop(columns="scope")
    members = recycling.groupby(["mineral", "year"], observed=True)["member"].nunique().rename("contributors")
    return totals.merge(members.reset_index(), on=["mineral", "year"], how="left")


def recycling_rows(recycling: pd.DataFrame, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Recycling share per member and for the Alliance (from `totals`, made from `recycling` when not given).

    A member whose consumption the public edition withholds keeps its row with status
    "confidential"; an Alliance total not disclosed has status "suppressed".
    """
    members = recycling_share(recycling, by_member=True)
    withheld = recycling.loc[recycling["consumption_t"].isna(), ["mineral", "member", "year"]].rename(columns={"member": "scope"})
    hidden = members.merge(withheld.assign(hidden=True), on=["mineral", "scope", "year"], how="left")["hidden"].fillna(False).astype(bool).to_numpy()
    members["value"] = members["value"].where(~hidden)
    members["status"] = np.where(hidden, CONFIDENTIAL, "")
    alliance = (recycling_totals(recycling) if totals is None else totals).assign(scope=ALLIANCE)
    disclosed = alliance["disclosed"].astype(bool) if "disclosed" in alliance else pd.Series(True, index=alliance.index)
    alliance["value"] = alliance["value"].where(disclosed)
    alliance["status"] = np.where(disclosed, "", SUPPRESSED)
    return rows(pd.concat([members, alliance], ignore_index=True), indicator="recycling_share", unit=SHARE)
