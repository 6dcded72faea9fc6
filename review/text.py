"""Numbers and names as the report writes them, and key messages generated from the numbers."""

from __future__ import annotations

import math

#: A value held back in the public edition (a confidential row, or a total that could reveal one) is
#: written as this mark, never as a number: one word for everything withheld.
WITHHELD = "withheld"


def is_missing(value) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "nan")
    except TypeError:
        return False


def format_value(value, unit: str, signed: bool = False) -> str:
    """A share as a percentage, days and tonnes as grouped whole numbers; '' when missing.

    `signed` is for changes: shares then read as percentage points ('+1.2 pp').
    """
    if is_missing(value):
        return ""
    sign = "+" if signed else ""
    if unit == "share_diff":
        return f"{value * 100:+.1f} pp"
    if unit == "share":
        return f"{value * 100:{sign}.1f} pp" if signed else f"{value * 100:.1f}%"
    if unit == "index":
        return f"{value:{sign},.0f}"
    if unit in ("days", "years"):
        return f"{value:{sign},.1f}" if signed else f"{value:,.0f}"
    return f"{value:{sign},.0f}"


INDICATOR_NAMES = {
    "single_supplier_dependency": "single-supplier dependency",
    "recycling_share": "recycling share",
    "stockpile_cover_days": "stockpile cover",
    "aligned_share": "aligned share of supply",
    "supply_t": "supply",
    "top3_share": "top-3 share of world production",
    "hhi": "concentration (HHI)",
    "target_path": "target path",
    "target_gap": "gap to the target path",
    "projected_dependency": "projected dependency",
    "projected_dependency_slip": "projected dependency, slip case",
    "pipeline_weighted_capacity_t": "probability-weighted pipeline capacity",
    "stockpile_holdings_t": "stockpile holdings",
    "project_slippage_years": "project slippage",
    "project_status_change": "project status change",
    "projects_count": "projects",
    "projects_new": "new projects",
    "projects_cancelled": "cancelled projects",
    "projects_slipped": "slipped projects",
    "projects_capacity_t": "project capacity",
    "projects_mean_slippage_years": "mean project slippage",
}


def indicator_name(code: str) -> str:
    """An indicator's name for readers; a code not listed above reads with spaces for underscores."""
    return INDICATOR_NAMES.get(code, code.replace("_", " "))


def format_with_unit(value, unit: str, signed: bool = False) -> str:
    """`format_value` followed by the unit where the number does not carry it ('1,200 t', '45 days')."""
    text = format_value(value, unit, signed)
    return f"{text} {unit}" if text and unit not in ("share", "share_diff", "index", "") else text


def unit_of(indicator: str) -> str:
    return "days" if indicator == "stockpile_cover_days" else "share"


def target_label(target) -> str:
    """'rare-earths refining: single-supplier dependency ≤ 60.0% by 2030 (target)'."""
    where = f"{target.mineral} {target.stage}".strip()
    sign = "≤" if target.comparator == "max" else "≥"
    unit = unit_of(target.indicator)
    value = format_value(target.target, unit) + (" days" if unit == "days" else "")
    return f"{where}: {INDICATOR_NAMES.get(target.indicator, target.indicator)} {sign} {value} by {target.target_year} ({target.kind})"
