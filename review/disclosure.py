"""Editions: what a public edition may show of confidential stockpile rows.

The restricted edition shows everything. The public edition never carries a value from a
row marked `confidential`, nor one from which it can be derived. The masking happens once,
when the validated snapshot is written, so every later stage (indicators, notebooks,
figures, CSVs, the manifest) can only see what the edition may show.

Aggregate rule (also stated in the methodology annex): an Alliance aggregate that
includes a confidential value is published only when at least `min_contributors` members
contribute, no single member holds more than `max_share` of the aggregate, and at least
two contributors are confidential (with one, subtracting the published members' values
would reveal it). Aggregates of public values only are always published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.config import DisclosureRule
from review.indicators import stockpile_totals

WITHHELD_COLUMNS = ("holdings_t", "annual_consumption_t", "target_days")
WITHHELD_TOTALS = ("holdings_t", "annual_consumption_t", "cover_days")


def disclosure_reason(contributors: int, confidential: int, largest_share: float, rule: DisclosureRule) -> str:
    """Why an aggregate may or may not be published; an empty string means it may."""
    if confidential == 0:
        return ""
    if contributors < rule.min_contributors:
        return f"fewer than {rule.min_contributors} members contribute"
    if not largest_share <= rule.max_share:
        return f"one member holds more than {rule.max_share:.0%} of the total"
    if confidential < 2:
        return "a single confidential member could be derived from the published ones"
    return ""


def edition_tables(tables: dict[str, pd.DataFrame], edition: str, rule: DisclosureRule) -> dict[str, pd.DataFrame]:
    """The tables an edition's snapshot holds: the inputs (masked for public) and `stockpile_totals`."""
    out = dict(tables)
    totals = stockpile_totals(tables["stockpiles"])
    reasons = [
        disclosure_reason(int(n), int(c), float(s) if pd.notna(s) else np.nan, rule)
        for n, c, s in zip(totals["contributors"], totals["confidential_contributors"], totals["largest_share"])
    ]
    if edition == "restricted":
        totals["disclosed"] = True
        totals["withheld_because"] = ""
        out["stockpile_totals"] = totals
        return out
    totals["withheld_because"] = reasons
    totals["disclosed"] = totals["withheld_because"] == ""
    for col in WITHHELD_TOTALS:
        totals[col] = totals[col].where(totals["disclosed"])
    # the largest share times the total would give the largest member's holdings
    totals["largest_share"] = np.nan
    stock = tables["stockpiles"].copy()
    secret = stock["confidential"].fillna(False).astype(bool)
    for col in WITHHELD_COLUMNS:
        stock[col] = stock[col].astype(float).where(~secret)
    out["stockpiles"] = stock
    out["stockpile_totals"] = totals
    return out
