"""Markdown both renderers read the same way: ids, status marks and pipe tables."""

from __future__ import annotations

import re

STATUS_WORDS = {"on track", "at risk", "off track", "meets target", "misses target", "confidential", "suppressed", "withheld", "provisional", "baseline", "no data", "no baseline"}


def anchor(text: str) -> str:
    """An id for cross-references: lower case, letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def status_span(text: str) -> str:
    """A status word with a class, so renderers can colour it while the word carries the meaning."""
    if text in STATUS_WORDS:
        return f"[{text}]{{.status .status-{anchor(text)}}}"
    return text


def _text(value) -> str:
    missing = value is None or (isinstance(value, float) and value != value) or str(value) in ("<NA>", "nan")
    return "" if missing else str(value).replace("|", "\\|").replace("\n", " ")


def pipe_table(columns: list[str], rows: list[list], right: tuple[str, ...] = (), mark: bool = True) -> str:
    """A pipe table; `right` columns are right-aligned; with `mark`, status words get their class.

    The dashes under each header are proportional to the column's longest cell (within
    limits): Pandoc and Quarto size the columns of a wide table from them.
    """
    cells = [[_text(v) for v in row] for row in rows]
    widths = [min(40, max(4, len(str(c)), *(len(r[i]) for r in cells))) for i, c in enumerate(columns)]
    header = "| " + " | ".join(str(c) for c in columns) + " |"
    rule = "|" + "|".join(("-" * (w - 1) + ":") if c in right else (":" + "-" * (w - 1)) for c, w in zip(columns, widths)) + "|"
    body = ["| " + " | ".join(status_span(t) if mark else t for t in row) + " |" for row in cells]
    return "\n".join([header, rule, *body])


def markdown_table(frame, right: tuple[str, ...] = ()) -> str:
    """A pandas DataFrame of display strings as a pipe table."""
    return pipe_table(list(frame.columns), [list(r) for r in frame.itertuples(index=False)], right)
