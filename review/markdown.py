"""Markdown both renderers read the same way: ids, status marks and pipe tables."""

from __future__ import annotations

import re

STATUS_WORDS = {"on track", "at risk", "off track", "meets target", "misses target", "confidential", "suppressed", "no data", "no baseline"}


def anchor(text: str) -> str:
    """An id for cross-references: lower case, letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def status_span(text: str) -> str:
    """A status word with a class, so renderers can colour it while the word carries the meaning."""
    if text in STATUS_WORDS:
        return f"[{text}]{{.status .status-{anchor(text)}}}"
    return text


def _cell(value) -> str:
    missing = value is None or (isinstance(value, float) and value != value) or str(value) in ("<NA>", "nan")
    text = "" if missing else str(value)
    return status_span(text.replace("|", "\\|").replace("\n", " "))


def pipe_table(columns: list[str], rows: list[list], right: tuple[str, ...] = ()) -> str:
    """A pipe table; `right` columns are right-aligned; status words are marked."""
    header = "| " + " | ".join(str(c) for c in columns) + " |"
    rule = "|" + "|".join("---:" if c in right else ":---" for c in columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def markdown_table(frame, right: tuple[str, ...] = ()) -> str:
    """A pandas DataFrame of display strings as a pipe table."""
    return pipe_table(list(frame.columns), [list(r) for r in frame.itertuples(index=False)], right)
