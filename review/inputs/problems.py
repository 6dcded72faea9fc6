"""Problems found in a cycle's inputs, and the report an analyst reads to fix them.

One problem names the file, the row (as in the CSV: the header is row 1), the column,
the rule and the offending value, so it can be acted on without reading code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

#: How many problems of one rule in one file are listed before the rest are counted.
SHOWN_PER_RULE = 20
#: How much of a long text value a problem quotes (the rest is counted).
SHOWN_CHARS = 60


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    rule: str
    value: str = ""
    suggestion: str = ""  # the closest valid value, when the value is an unknown code

    def line(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"{'line' if self.file.endswith('.yml') else 'row'} {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        shown = f": value {self.value}" if self.value != "" else ""
        hint = f": did you mean {self.suggestion}?" if self.suggestion else ""
        return f"{', '.join(where)}: {self.rule}{shown}{hint}"

    def as_dict(self) -> dict:
        return asdict(self)


def show_value(value) -> str:
    """The offending value as the analyst typed it, quoted so spaces and empties are visible."""
    if value is None:
        return "(empty)"
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return "(empty)"
    except TypeError:
        pass
    if isinstance(value, tuple):
        return "(" + ", ".join(show_value(v) for v in value) + ")"
    if isinstance(value, str):
        if len(value) > SHOWN_CHARS:
            return f"{value[:SHOWN_CHARS]!r}... ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def group(problems: list[Problem]) -> dict[str, dict[str, list[Problem]]]:
    """Problems by file, then by rule, in the order they were found."""
    grouped: dict[str, dict[str, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    for p in problems:
        grouped[p.file][p.rule].append(p)
    return grouped


def report_lines(problems: list[Problem], shown_per_rule: int = SHOWN_PER_RULE) -> list[str]:
    """Plain-text report: a heading per file, one line per problem, at most `shown_per_rule` per rule."""
    lines: list[str] = []
    for file, by_rule in group(problems).items():
        count = sum(len(v) for v in by_rule.values())
        lines.append(f"{file}: {count} problem{'s' if count != 1 else ''}")
        for rule_problems in by_rule.values():
            for p in rule_problems[:shown_per_rule]:
                lines.append("  " + p.line())
            rest = len(rule_problems) - shown_per_rule
            if rest > 0:
                lines.append(f"  ... and {rest} more in {file} for rule: {rule_problems[0].rule}")
    return lines
