"""Numbers and names as the report writes them, and key messages generated from the numbers."""

from __future__ import annotations

import math
import re

#: A value held back in the public edition (a confidential row, or a total that could reveal one) is
#: written as this mark, never as a number: one word for everything withheld.
WITHHELD = "withheld"


def is_missing(value) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "nan")
    except TypeError:
        return False


def as_printed(number: float, digits: int) -> float:
    """`number` rounded as it is printed, without a negative zero: a change of -0.04 pp prints
    +0.0 pp and a share of -0.04% prints 0.0%, not -0.0 (Japan's change read '-0.0 pp')."""
    return round(number, digits) + 0.0


def format_value(value, unit: str, signed: bool = False) -> str:
    """A share as a percentage, days and tonnes as grouped whole numbers; '' when missing.

    `signed` is for changes: shares then read as percentage points ('+1.2 pp').
    """
    if is_missing(value):
        return ""
    sign = "+" if signed else ""
    if unit == "share_diff":
        return f"{as_printed(value * 100, 1):+.1f} pp"
    if unit == "share":
        return f"{as_printed(value * 100, 1):{sign}.1f} pp" if signed else f"{as_printed(value * 100, 1):.1f}%"
    if unit == "index":
        return f"{as_printed(value, 0):{sign},.0f}"
    if unit in ("days", "years"):
        return f"{as_printed(value, 1):{sign},.1f}" if signed else f"{as_printed(value, 0):,.0f}"
    return f"{as_printed(value, 0):{sign},.0f}"


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
    "projects_delayed": "projects delayed since the previous list",
    "projects_capacity_t": "project capacity",
    "projects_mean_slippage_years": "mean project slippage",
    "projected_dependency_full": "projected dependency, best case",
    "ramp_up_capacity_t": "capacity of new plants not yet in supply",
    "target_probability": "chance of meeting the target",
    "capacity_needed_p80_t": "capacity needed for an 80% chance",
    "project_probability_effect": "project's effect on the chance",
    "outlook_delay_share": "share of projects by years of delay",
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


# --- text from the inputs is data, never markup -------------------------------------------
#
# Every string that reaches the book from the inputs (names, ids, sources, the review's
# title) and every sentence built from them is plain text. It becomes Markdown at the one
# point where it is emitted (review.report.chapter, review.report.markdown, the annex templates, the
# book's metadata) through `markdown_text`; markup (headings, emphasis, cross-references,
# status marks) is added only by those emitters, around the escaped text.

_MARKUP_PUNCTUATION = re.compile(r"""([!"#$%&'()*+\-./:<=>@\[\\\]^_`{|}~])""")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


class Markdown(str):
    """Markdown written by an emitter of this package (a pipe table, a status mark, a
    cross-reference): passed through as it is where plain text would be escaped."""


def markdown_text(value) -> Markdown:
    """Plain text as Markdown that reads exactly as the text, in Pandoc and in Quarto.

    Every ASCII punctuation character but , ; and ? (which mark up nothing once brackets
    are escaped) is backslash-escaped (Pandoc's all_symbols_escapable),
    so nothing in the text can open markup in any output: HTML tags and entities, links,
    emphasis, headings, lists, table cells, attributes, citations and cross-references
    (`@`), math (`$`), Quarto shortcodes (`{{<`), raw Typst or LaTeX. Line breaks and runs
    of white space become one space (the text is inline, so it cannot start a block);
    control characters become U+FFFD; < and & are written as the entities &lt; and &amp;,
    which every reader turns back into the characters. Missing values are ''. `Markdown` passes unchanged.
    """
    if isinstance(value, Markdown):
        return value
    if is_missing(value):
        return Markdown("")
    text = _CONTROL.sub("\ufffd", _WHITESPACE.sub(" ", str(value)))
    escaped = _MARKUP_PUNCTUATION.sub(r"\\\1", text)
    # < and & as entities: Quarto copies a heading's Markdown source into the HTML sidebar as
    # it is, where a backslash does not stop `<img ...>` from becoming an element.
    return Markdown(escaped.replace("\\&", "&amp;").replace("\\<", "&lt;"))


def markdown_code(value) -> Markdown:
    """Plain text as an inline code span (commands, paths): in code nothing is interpreted but
    backticks, so the span is fenced by more backticks than the text holds in a row."""
    text = _CONTROL.sub("\ufffd", _WHITESPACE.sub(" ", str(value)))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(frame):
    """A copy of a table for a CSV file whose text cells cannot start a spreadsheet formula.

    A cell starting with = + - @ tab or CR is run as a formula by Excel, LibreOffice and
    Google Sheets (CSV injection); such a cell gets a leading apostrophe, which spreadsheets
    show as text. Numbers, including negative ones, stay numbers.
    """
    import pandas as pd

    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column]):
            continue
        safe[column] = safe[column].map(_spreadsheet_cell)
    safe.columns = [_spreadsheet_cell(c) for c in safe.columns]
    return safe


def _spreadsheet_cell(value):
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value  # '-5', '+1.2e3': a number written as text
    return "'" + value
