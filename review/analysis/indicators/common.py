"""What every indicator family shares: the tidy columns, units, status words, and membership."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.inputs.config import STATUSES

COLUMNS = ["indicator", "mineral", "stage", "scope", "year", "value", "unit", "status", "detail"]
ALLIANCE = "alliance"
WORLD = "world"
UNATTRIBUTED = "XXX"
SHARE, HHI_UNIT, DAYS, TONNES, YEARS, COUNT = "share", "index", "days", "t", "years", "projects"
#: Money (project finance, the cost of a price-gap payment), in millions of US dollars.
MUSD = "million USD"
#: A difference of two shares (signed, -1 to 1), written in percentage points.
SHARE_DIFF = "share_diff"
ON_TRACK, AT_RISK, OFF_TRACK = "on track", "at risk", "off track"
NO_BASELINE, NO_DATA, SUPPRESSED, CONFIDENTIAL = "no baseline", "no data", "suppressed", "confidential"
MEETS, MISSES = "meets target", "misses target"
#: An Alliance figure computed from too few members (coverage below the threshold): shown, never assessed.
PROVISIONAL = "provisional"
#: The previous review's status of a target whose previous assessment year is at or before its baseline year.
BASELINE = "baseline"
#: Statuses whose capacity is already in today's supply (operating) or will not come (the rest).
NOT_IN_PIPELINE = ("operating", "suspended", "cancelled")
#: Statuses that advance in this order; a move to a later one is progress.
PIPELINE_ORDER = {s: i for i, s in enumerate(STATUSES[:7])}
EPS = 1e-12


def rows(frame: pd.DataFrame, **constant) -> pd.DataFrame:
    """Shape a frame into the tidy indicator columns, filling the constant ones."""
    out = frame.copy()
    for key, value in constant.items():
        out[key] = value
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = "" if col in ("stage", "status", "detail") else np.nan
    out["value"] = out["value"].astype(float)  # an empty family's object column must not turn the table's NaN into pd.NA
    out["stage"] = out["stage"].fillna("")
    out["status"] = out["status"].fillna("")
    out["detail"] = out["detail"].fillna("")
    return out[COLUMNS]


# --- membership -----------------------------------------------------------------------


def aligned_codes(members: pd.DataFrame, partners: pd.DataFrame) -> frozenset[str]:
    """Origins that count as aligned: members (their own domestic supply included) and partners.

    The composition is the cycle's, applied to every year, so a series stays comparable
    when the Alliance grows (see the methodology annex).
    """
    return frozenset(members["code"]) | frozenset(partners["code"])
