"""Markdown both renderers read the same way: ids, status marks and pipe tables.

Cell text is plain text, escaped here by review.analysis.text.markdown_text; the only markup a
table holds is what this module adds (the status marks).
"""

from __future__ import annotations

import hashlib
import math
import re

from review.analysis.text import Markdown, is_missing, markdown_text

#: A fenced block that only the HTML shows: Quarto reads the class itself, the built-in
#: renderer's filters/layout.lua drops the block from the PDF.
HTML_ONLY_OPEN = '::: {.content-visible when-format="html"}'
HTML_ONLY_CLOSE = ":::"
STATUS_WORDS = {"on track", "at risk", "off track", "meets target", "misses target", "confidential", "suppressed", "withheld", "provisional", "baseline", "no data", "no baseline"}


def anchor(text: str) -> str:
    """An id for cross-references: lower case, letters, digits and hyphens.

    Text with no ASCII letter or digit (a name in another script, or only punctuation) gets
    an id from its hash, so that two such headings never share an empty id.
    """
    ident = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return ident or "h" + hashlib.sha256(text.encode()).hexdigest()[:10]


def status_span(text: str) -> Markdown:
    """A status word with a class, so renderers can colour it while the word carries the meaning;
    any other text is escaped."""
    if text in STATUS_WORDS:
        return Markdown(f"[{text}]{{.status .status-{anchor(text)}}}")
    return markdown_text(text)


def pipe_table(columns: list[str], rows: list[list], right: tuple[str, ...] = (), mark: bool = True, whole: tuple[str, ...] = ()) -> Markdown:
    """A pipe table; `right` columns are right-aligned; with `mark`, status words get their class;
    the cells of `whole` columns (names: "United States") are never broken across lines.

    The dashes under each header are proportional to the column's typical long cell (the
    90th percentile of its lengths, within limits): Pandoc and Quarto size the columns of a
    wide table from them, so one long cell does not take a column's width from a column
    whose every cell is long.
    """
    cells = [["" if is_missing(v) else str(v) for v in row] for row in rows]
    widths = [min(60, max(4, len(str(c)), _long_cell(len(r[i]) for r in cells))) for i, c in enumerate(columns)]
    header = "| " + " | ".join(markdown_text(c) for c in columns) + " |"
    rule = "|" + "|".join(("-" * (w - 1) + ":") if c in right else (":" + "-" * (w - 1)) for c, w in zip(columns, widths)) + "|"
    # a number and its unit on one line in a narrow column ("+34.4" above "pp" read as two cells):
    # a no-break space, put in after escaping (which makes every space an ordinary one)
    def cell(text: str, column: str) -> str:
        shown = _UNIT_SPACE.sub("\u00a0", status_span(text) if mark else markdown_text(text))
        return shown.replace(" ", "\u00a0") if column in whole else shown

    body = ["| " + " | ".join(cell(t, c) for t, c in zip(row, columns)) + " |" for row in cells]
    return Markdown("\n".join([header, rule, *body]))


#: The space between a number and a short unit that follows it ("12.3 pp", "3,000 t", "25 days"),
#: and after the words that bound a chance ("under 1%", "over 99%").
_UNIT_SPACE = re.compile(r"(?<=\d) (?=(pp|t|days|%)(\W|$))|(?<=\bunder) (?=\d)|(?<=\bover) (?=\d)")


def _long_cell(lengths) -> int:
    """The 90th percentile of a column's cell lengths (0 for no rows)."""
    ordered = sorted(lengths)
    return ordered[math.ceil(0.9 * (len(ordered) - 1))] if ordered else 0


def markdown_table(frame, right: tuple[str, ...] = (), whole: tuple[str, ...] = ()) -> Markdown:
    """A pandas DataFrame of display strings as a pipe table."""
    return pipe_table(list(frame.columns), [list(r) for r in frame.itertuples(index=False)], right, whole=whole)
