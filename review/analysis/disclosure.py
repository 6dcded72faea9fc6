"""Editions: what a public edition may show of values reported as confidential.

The restricted edition shows everything. The public edition never carries a confidential
value, nor one from which it can be worked out. The masking happens once, when the
validated snapshot is written, so every later stage (indicators, notebooks, figures, CSVs,
the manifest) can only see what the edition may show. It has four steps (stated with a
worked example in the methodology annex, docs/methodology.md):

1. Primary suppression: the holdings, consumption and target days of a stockpile row
   marked `confidential`.
2. Secondary suppression across tables: the same quantity wherever else it is published
   (a member's annual consumption of a mineral in a year is also its
   `recycling.consumption_t`), and with it every member figure derived from it (that
   member's recycling share).
3. Totals: an Alliance total that includes withheld values is published only when those
   values pass the p% rule with the two largest as the coalition and there are at least
   `min_contributors` of them (`disclosure` in review.yml, `DisclosureRule`). Only the
   withheld values count: every public member value is published beside the total, so a
   reader subtracts them. A second total of the same quantity (recycling consumption beside
   stockpile consumption) is published only if what separates it from a published first
   one passes the rule too, since subtracting one total from the other isolates it.
4. Across cycles: a stockpile total of a year that the previous public review published
   is published again only if the confidential values reported for that year since (by
   members that were not in it: a late report) pass the rule on their own, since the
   difference of the two editions' totals is their sum. Only the previous review the build
   is given (`--previous`) can be checked; a revision of a value already counted changes
   the total by the revision, not by the value, and is not withheld.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from review.analysis.indicators import recycling_totals, stockpile_totals
from review.inputs.config import DisclosureRule

#: The row of a member's figure for a mineral: the same key in every table below.
MEMBER_KEY = ["year", "member", "mineral"]
#: What a confidential stockpile row withholds (primary suppression).
WITHHELD_COLUMNS = ("holdings_t", "annual_consumption_t", "target_days")
#: A member's annual consumption of a mineral, as published by the recycling table (secondary suppression).
RECYCLING_CONSUMPTION = "consumption_t"
#: Totals of the stockpile table, and of the recycling table, that the public edition withholds when they are sensitive.
STOCKPILE_TOTALS = ("holdings_t", "annual_consumption_t", "cover_days")
RECYCLING_TOTALS = (RECYCLING_CONSUMPTION, "value")
#: How a quantity is named in a reason for withholding a total (the data-quality annex prints them).
QUANTITY_WORDS = {"holdings_t": "holdings", "annual_consumption_t": "consumption", "consumption_t": "recycling consumption"}


def sensitivity(withheld: Iterable[float], rule: DisclosureRule, quantity: str) -> str:
    """Why a total that includes these withheld values may not be published; '' when it may.

    With x1 >= x2 >= ... the withheld values, the total is sensitive when there are fewer
    than `rule.min_contributors` of them, or when x3 + x4 + ... < p/100 * x1: the holder of
    the second largest, subtracting its own and every published value, would estimate the
    largest closer than p% (and any member any other value is estimated less closely).
    A total whose withheld values are all zero would show them as zero: sensitive too.
    """
    values = sorted((float(v) for v in withheld), reverse=True)
    if not values:
        return ""
    word = QUANTITY_WORDS.get(quantity, quantity)
    if len(values) < rule.min_contributors:
        return f"{word}: fewer than {rule.min_contributors} confidential values"
    largest, rest = values[0], math.fsum(values[2:])
    if largest == 0:
        return f"{word}: every confidential value is zero"
    if rest < rule.p / 100 * largest:
        return f"{word}: the confidential values beyond the two largest are less than {rule.p:g}% of the largest (p% rule)"
    return ""


def confidential_rows(stockpiles: pd.DataFrame) -> pd.Series:
    return stockpiles["confidential"].fillna(False).astype(bool)


def same_quantity_rows(stockpiles: pd.DataFrame, other: pd.DataFrame) -> pd.Series:
    """Rows of `other` that hold a confidential stockpile row's member, mineral and year (secondary suppression)."""
    secret = pd.MultiIndex.from_frame(stockpiles.loc[confidential_rows(stockpiles), MEMBER_KEY])
    return pd.Series(pd.MultiIndex.from_frame(other[MEMBER_KEY]).isin(secret), index=other.index)


def _stockpile_reasons(stockpiles: pd.DataFrame, rule: DisclosureRule) -> dict[tuple, str]:
    """Per (mineral, year) with confidential rows: why the stockpile totals are withheld, or ''."""
    reasons = {}
    for (mineral, year), hidden in stockpiles[confidential_rows(stockpiles)].groupby(["mineral", "year"], sort=True):
        found = (sensitivity(hidden[q], rule, q) for q in ("holdings_t", "annual_consumption_t"))
        reasons[(mineral, year)] = next((r for r in found if r), "")
    return reasons


def _reported_since(stockpiles: pd.DataFrame, earlier: Published, rule: DisclosureRule) -> dict[tuple, str]:
    """Per (mineral, year) whose stockpile total the previous public review published: why
    publishing it again would isolate the confidential values reported since, or nothing."""
    before = earlier.stockpiles
    published = earlier.totals[earlier.totals["disclosed"].astype(bool)]
    secret = stockpiles[confidential_rows(stockpiles)]
    reasons = {}
    for mineral, year in zip(published["mineral"], published["year"]):
        counted = set(before.loc[(before["mineral"] == mineral) & (before["year"] == year), "member"])
        late = secret[(secret["mineral"] == mineral) & (secret["year"] == year) & ~secret["member"].isin(counted)]
        if late.empty:
            continue
        found = (sensitivity(late[q], rule, q) for q in ("holdings_t", "annual_consumption_t"))
        reason = next((r for r in found if r), "")
        if reason:
            count = f"{len(late)} member{'s' if len(late) != 1 else ''}"
            reasons[(mineral, int(year))] = f"the {earlier.cycle} review published this total without the confidential values of {count} reported since: the difference would reveal them ({reason})"
    return reasons


@dataclass
class Published:
    """What the previous public review published of the stockpiles: its (masked) rows and its totals."""

    cycle: int
    stockpiles: pd.DataFrame
    totals: pd.DataFrame


def _recycling_reasons(recycling: pd.DataFrame, hidden: pd.Series, stockpiles: pd.DataFrame, stock_reasons: dict, rule: DisclosureRule) -> dict[tuple, str]:
    """Per (mineral, year) with withheld consumption: why the recycling totals are withheld, or ''.

    The recycling consumption total is checked on its own withheld values, then against the
    stockpile consumption total of the same mineral and year: when that one is published,
    the difference of the two is the consumption of the confidential members missing from
    the recycling table, which must pass the rule as well.
    """
    secret = stockpiles[confidential_rows(stockpiles)]
    reasons = {}
    for (mineral, year), withheld in recycling[hidden].groupby(["mineral", "year"], sort=True):
        reason = sensitivity(withheld[RECYCLING_CONSUMPTION], rule, RECYCLING_CONSUMPTION)
        if not reason and stock_reasons.get((mineral, year)) == "":  # the stockpile total is published
            others = secret[(secret["mineral"] == mineral) & (secret["year"] == year) & ~secret["member"].isin(withheld["member"])]
            if len(others) and sensitivity(others["annual_consumption_t"], rule, "annual_consumption_t"):
                reason = f"recycling consumption: subtracted from the published stockpile consumption it would reveal the confidential consumption of {len(others)} member{'s' if len(others) != 1 else ''}"
        reasons[(mineral, year)] = reason
    return reasons


def _mark(totals: pd.DataFrame, reasons: dict[tuple, str], columns: Iterable[str]) -> pd.DataFrame:
    totals = totals.copy()
    totals["withheld_because"] = [reasons.get((m, y), "") for m, y in zip(totals["mineral"], totals["year"])]
    totals["disclosed"] = totals["withheld_because"] == ""
    for col in columns:
        totals[col] = totals[col].where(totals["disclosed"])
    return totals


def edition_tables(tables: dict[str, pd.DataFrame], edition: str, rule: DisclosureRule, earlier: Published | None = None) -> dict[str, pd.DataFrame]:
    """The tables an edition's snapshot holds: the inputs (masked for public), `stockpile_totals` and `recycling_totals`.

    `earlier` is what the previous public review published (step 4 above), when it is known.
    """
    out = dict(tables)
    stock, recycling = tables["stockpiles"], tables["recycling"]
    totals, recycled = stockpile_totals(stock), recycling_totals(recycling)
    if edition == "restricted":
        out["stockpile_totals"] = _mark(totals, {}, ())
        out["recycling_totals"] = _mark(recycled, {}, ())
        return out
    stock_reasons = _stockpile_reasons(stock, rule)
    if earlier is not None:
        for where, reason in _reported_since(stock, earlier, rule).items():
            stock_reasons[where] = stock_reasons.get(where) or reason
    hidden = same_quantity_rows(stock, recycling)
    out["stockpile_totals"] = _mark(totals, stock_reasons, STOCKPILE_TOTALS)
    out["recycling_totals"] = _mark(recycled, _recycling_reasons(recycling, hidden, stock, stock_reasons, rule), RECYCLING_TOTALS)
    masked = stock.copy()
    secret = confidential_rows(stock)
    for col in WITHHELD_COLUMNS:
        masked[col] = masked[col].astype(float).where(~secret)
    out["stockpiles"] = masked
    recycling_masked = recycling.copy()
    recycling_masked[RECYCLING_CONSUMPTION] = recycling[RECYCLING_CONSUMPTION].astype(float).where(~hidden)
    out["recycling"] = recycling_masked
    return out
