"""Stockpile cover in days of consumption, per member and for the Alliance (with what disclosure needs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, CONFIDENTIAL, DAYS, EPS, MEETS, MISSES, SUPPRESSED, TONNES, rows


def cover_days(holdings_t, consumption_t):
    """Days of consumption a stock covers: holdings / annual consumption * 365."""
    return holdings_t / consumption_t * 365


def stockpile_totals(stockpiles: pd.DataFrame) -> pd.DataFrame:
    """Alliance stockpile aggregates per mineral and year, with what a disclosure rule needs.

    Columns: mineral, year, contributors, confidential_contributors, holdings_t,
    annual_consumption_t, cover_days.
    """
    frame = stockpiles.assign(confidential=stockpiles["confidential"].fillna(False).astype(bool))
    grouped = frame.groupby(["mineral", "year"], observed=True)
    out = grouped.agg(
        contributors=("member", "nunique"),
        confidential_contributors=("confidential", "sum"),
        holdings_t=("holdings_t", "sum"),
        annual_consumption_t=("annual_consumption_t", "sum"),
    ).reset_index()
    out["cover_days"] = cover_days(out["holdings_t"], out["annual_consumption_t"])
    out["confidential_contributors"] = out["confidential_contributors"].astype(int)
    return out


def stockpile_rows(stockpiles: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Cover in days per member (against its target_days) and for the Alliance (from `totals`).

    Rows whose values were withheld (public edition) keep their place with status
    "confidential"; alliance aggregates not disclosed have status "suppressed".
    """
    frame = stockpiles.copy()
    frame["value"] = cover_days(frame["holdings_t"], frame["annual_consumption_t"])
    withheld = frame["holdings_t"].isna()
    frame["status"] = np.select(
        [withheld, frame["target_days"].isna(), frame["value"] + EPS >= frame["target_days"]],
        [CONFIDENTIAL, "", MEETS],
        MISSES,
    )
    frame["detail"] = np.where(frame["target_days"].notna(), "target " + frame["target_days"].map(lambda d: f"{d:g}") + " days", "")
    frame.loc[withheld, "detail"] = ""
    member_rows = rows(frame.rename(columns={"member": "scope"}), indicator="stockpile_cover_days", unit=DAYS)
    agg = totals.copy()
    disclosed = agg["disclosed"] if "disclosed" in agg else pd.Series(True, index=agg.index)
    agg["value"] = agg["cover_days"].where(disclosed)
    agg["status"] = np.where(disclosed, "", SUPPRESSED)
    agg["detail"] = agg["contributors"].map(lambda n: f"{n} member{'s' if n != 1 else ''}")
    alliance_rows = rows(agg, indicator="stockpile_cover_days", scope=ALLIANCE, unit=DAYS)
    holdings = rows(agg.assign(value=agg["holdings_t"].where(disclosed)), indicator="stockpile_holdings_t", scope=ALLIANCE, unit=TONNES)
    return pd.concat([member_rows, alliance_rows, holdings], ignore_index=True)
