"""The input contract: one spec per table, reading CSV files, and typed pandas frames.

Reading happens in two steps so that every problem can be reported against the text
the analyst typed: `read_raw` parses the file into strings (file-level problems such as
bad encoding or a wrong delimiter are found here), validation checks the strings and
values, and `typed` converts the checked strings to pandas dtypes.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from review.inputs.problems import Problem, show_value

INT, FLOAT, STR, BOOL = "int", "float", "str", "bool"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    nullable: bool = False
    required: bool = True  # False: an optional column the contract allows


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: An optional table may be left out of a cycle: it is then read as empty (see `read_raw`).
    optional: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _spec(name: str, key: tuple[str, ...], *columns: Column, optional: bool = False) -> TableSpec:
    return TableSpec(name, tuple(columns), key, optional)


C = Column
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        _spec("members", ("code",), C("code", STR), C("name", STR), C("group", STR), C("joined", INT)),
        _spec("partners", ("code",), C("code", STR), C("name", STR), C("basis", STR, True, False)),
        _spec(
            "minerals",
            ("id",),
            C("id", STR),
            C("name", STR),
            C("stages", STR),
            C("priority", STR),
            C("unit_basis", STR, True, False),
        ),
        _spec(
            "targets",
            ("mineral", "stage", "indicator", "kind"),
            C("mineral", STR),
            C("stage", STR, nullable=True),
            C("indicator", STR),
            C("comparator", STR),
            C("value", FLOAT),
            C("year", INT),
            C("kind", STR),
            C("baseline_year", INT),
            C("source", STR),
            C("illustrative", BOOL, True, False),
        ),
        _spec(
            "dependency",
            ("year", "member", "mineral", "stage", "origin"),
            C("year", INT),
            C("member", STR),
            C("mineral", STR),
            C("stage", STR),
            C("origin", STR),
            C("quantity_t", FLOAT),
            C("source", STR),
        ),
        _spec(
            "production",
            ("year", "mineral", "stage", "country", "source"),
            C("year", INT),
            C("mineral", STR),
            C("stage", STR),
            C("country", STR),
            C("quantity_t", FLOAT),
            C("source", STR),
        ),
        _spec(
            "projects",
            ("as_of", "project_id"),
            C("as_of", INT),
            C("project_id", STR),
            C("name", STR),
            C("mineral", STR),
            C("stage", STR),
            C("host_country", STR),
            C("sponsors", STR),
            C("status", STR),
            C("capacity_t", FLOAT),
            C("capex_musd", FLOAT, nullable=True),
            C("public_finance_musd", FLOAT, nullable=True),
            C("expected_online", INT),
            C("first_reported_online", INT),
            C("priority", BOOL),
            C("source", STR, True, False),
            # the project's output in its as_of year, where published: capacity not yet in the sourcing data (ramp-up)
            C("output_t", FLOAT, True, False),
        ),
        _spec(
            "stockpiles",
            ("year", "member", "mineral"),
            C("year", INT),
            C("member", STR),
            C("mineral", STR),
            C("holdings_t", FLOAT),
            C("annual_consumption_t", FLOAT),
            C("target_days", FLOAT, nullable=True),
            C("confidential", BOOL),
            C("source", STR, True, False),
        ),
        _spec(
            "recycling",
            ("year", "member", "mineral"),
            C("year", INT),
            C("member", STR),
            C("mineral", STR),
            C("recycled_output_t", FLOAT),
            C("capacity_t", FLOAT, nullable=True),
            C("consumption_t", FLOAT),
            C("source", STR, True, False),
        ),
        # market monitoring, traceability: optional tables (a cycle without them builds and says so)
        _spec(
            "prices",
            ("year", "mineral", "stage"),
            C("year", INT),
            C("mineral", STR),
            C("stage", STR),
            C("product", STR),
            C("price", FLOAT),
            C("unit", STR),
            C("source", STR),
            optional=True,
        ),
        _spec(
            "price_floors",
            ("mineral", "stage", "scope", "status"),
            C("mineral", STR),
            C("stage", STR),
            C("product", STR),
            C("floor", FLOAT),
            C("unit", STR),
            C("since", INT),
            C("scope", STR),
            C("status", STR),
            C("source", STR),
            C("volume_t", FLOAT, True, False),  # tonnes a year the floor pays for, where published: its yearly cost needs it
            optional=True,
        ),
        _spec(
            "events",
            ("date", "mineral", "country", "kind", "description"),
            C("date", STR),
            C("mineral", STR),
            C("country", STR),
            C("kind", STR),
            C("description", STR),
            C("source", STR),
            optional=True,
        ),
        # demand scenarios of the outlook (stage empty: every stage of the mineral); without it, one scenario at demand_growth
        _spec(
            "demand",
            ("mineral", "stage", "scenario"),
            C("mineral", STR),
            C("stage", STR, nullable=True),
            C("scenario", STR),
            C("growth_rate", FLOAT),
            C("source", STR),
            optional=True,
        ),
        _spec(
            "traceability",
            ("year", "member", "mineral", "stage"),
            C("year", INT),
            C("member", STR),
            C("mineral", STR),
            C("stage", STR),
            C("verified_t", FLOAT),
            C("source", STR),
            optional=True,
        ),
    )
}
del C


@dataclass
class RawTable:
    """A table's CSV file(s) parsed to strings (empty cells are None), before any value is trusted.

    `frame` is indexed by position; `origins[i]` is the (file, row) that position came from,
    so a problem can name the file and row as the analyst sees them (header = row 1).
    """

    spec: TableSpec
    frame: "object | None" = None  # pandas.DataFrame of str/None, None when unreadable
    origins: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: An optional table the cycle leaves out: `frame` is then empty, with the spec's columns.
    absent: bool = False


def table_files(inputs: Path, spec: TableSpec) -> list[Path]:
    """A table's files: `<name>.csv`, then any parts `<name>-<part>.csv` (e.g. dependency-2027.csv) in name order.

    Parts let a new cycle's rows sit beside the history (see `review new-cycle`); they are
    read as one table and must have the same columns.
    """
    return [Path(inputs) / spec.file] + sorted(Path(inputs).glob(f"{spec.name}-*.csv"))


def _decode(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.end]
        return None, [Problem(file, line, None, "file must be UTF-8 text (save it as CSV UTF-8)", repr(bad))]
    return text, []


def _header_problems(header: list[str], file: str) -> list[Problem]:
    problems = []
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header[0]:
                return [Problem(file, 1, None, f"fields must be separated by commas, not {name}", show_value(header[0][:80]))]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, 1, name, "column names in the header must be unique", show_value(name)))
        seen.add(name)
    for name in header:
        if not name.strip():
            problems.append(Problem(file, 1, None, "every column in the header must have a name", "(empty)"))
            break
    return problems


def _ragged_rows(text: str, width: int, file: str) -> tuple[list[Problem], list[tuple[int, list[str]]] | None]:
    """Rows whose field count differs from the header's (exact row numbers), and the other rows with their numbers.

    The other rows are kept so that every other rule still checks them: a ragged row is
    reported with everything else in one round. None when the file is not valid CSV.
    """
    problems, kept = [], []
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        for number, row in enumerate(reader, start=1):
            if number == 1 or not row:
                continue
            if len(row) != width:
                problems.append(
                    Problem(file, number, None, f"each row must have {width} fields like the header", f"{len(row)} fields")
                )
            else:
                kept.append((number, row))
    except csv.Error as exc:
        return [Problem(file, reader.line_num, None, "must be valid CSV (check quotes)", str(exc))], None
    return problems, kept


#: The most a table's files may hold together. A table is read whole and then parsed (pandas
#: needs a few times its size), so this bounds a validation's memory; the sample's largest
#: table is under 1 MB.
MAX_TABLE_BYTES = 64 * 2**20


def _read_bytes(path: Path, limit: int) -> tuple[bytes | None, Problem | None]:
    """A table file's bytes, when it is a regular file of at most `limit` bytes.

    Anything else is a problem, found without waiting or filling memory: a named pipe
    would block for ever (it is opened non-blocking and never read), a device such as
    /dev/zero never ends, and a huge file is not read beyond the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return None, Problem(path.name, None, None, "file must be readable", exc.strerror or str(exc))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            kind = "a named pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a folder" if stat.S_ISDIR(mode) else "a socket"
            return None, Problem(path.name, None, None, "file must be a regular file", kind)
        data = f.read(limit + 1)
    if len(data) > limit:
        return None, Problem(path.name, None, None, f"a table's files must hold at most {MAX_TABLE_BYTES // 2**20} MB together", f"over {limit:,} bytes")
    return data, None


def _read_file(name: str, data: bytes):
    """One CSV file (`data`, read from file `name`) as strings (empty cells None) with each row's number in the file, and its problems.

    The frame is None when a problem prevents reading the file at all.
    """
    import pandas as pd

    text, problems = _decode(data, name)
    if text is None:
        return None, problems, []
    if not text.strip():
        return None, [Problem(name, None, None, "file must not be empty (it needs at least a header row)")], []
    try:
        header = next(csv.reader(io.StringIO(text)))
    except csv.Error as exc:  # a header field beyond the csv module's limit (131,072 characters)
        return None, [Problem(name, 1, None, "must be valid CSV", str(exc))], []
    problems = _header_problems(header, name)
    if problems:
        return None, problems, []
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, engine="c", skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError):
        problems, kept = _ragged_rows(text, len(header), name)
        if kept is None or not problems:
            return None, problems or [Problem(name, None, None, "must be valid CSV", "unreadable")], []
        frame = pd.DataFrame([row for _, row in kept], columns=header, dtype=object)
        return frame.replace({"": None}), problems, [number for number, _ in kept]
    return frame.replace({"": None}), [], list(range(2, len(frame) + 2))


def read_raw(inputs: Path, spec: TableSpec) -> RawTable:
    """Parse one table's CSV file(s) into strings; file-level problems go into `problems` instead of raising.

    An optional table with no file at all is `absent`: an empty frame with the spec's
    columns, so every later stage sees the table and the report can say it has no data.
    """
    import pandas as pd

    raw = RawTable(spec)
    files = table_files(inputs, spec)
    if spec.optional and not any(path.exists() for path in files):
        raw.frame = pd.DataFrame({c.name: pd.Series(dtype=object) for c in spec.columns})
        raw.absent = True
        return raw
    if not files[0].exists():
        raw.problems.append(Problem(spec.file, None, None, "file must exist in the inputs folder", str(files[0])))
        return raw
    frames, unreadable, left = [], False, MAX_TABLE_BYTES
    for path in files:
        data, problem = _read_bytes(path, left)
        if problem is not None:
            raw.problems.append(problem)
            unreadable = True
            continue
        left -= len(data)
        frame, problems, rows = _read_file(path.name, data)
        raw.problems += problems
        if frame is None:
            unreadable = True
            continue
        if frames and list(frame.columns) != list(frames[0].columns):
            raw.problems.append(Problem(path.name, 1, None, f"a part of a table must have the columns of {spec.file}", show_value(",".join(frame.columns))))
            unreadable = True
            continue
        frames.append(frame)
        raw.origins += [(path.name, row) for row in rows]
    if unreadable:
        return raw
    raw.frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    return raw


def typed(raw: RawTable):
    """Convert a validated raw table to pandas dtypes (values that failed a type rule become missing)."""
    import numpy as np
    import pandas as pd

    frame = raw.frame.copy()
    for col in raw.spec.columns:
        if col.name not in frame.columns:
            if col.required:
                continue
            frame[col.name] = None
        values = frame[col.name]
        if col.kind == INT:
            numbers = pd.to_numeric(values, errors="coerce")
            # beyond 2**53 a float is no longer a whole number and cannot be cast (the type rule reports it)
            frame[col.name] = numbers.where((numbers == numbers.round()) & (numbers.abs() < 2**53)).astype("Int64")
        elif col.kind == FLOAT:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            frame[col.name] = numbers.where(np.isfinite(numbers))  # 1e309 would be infinity (the type rule reports it)
        elif col.kind == BOOL:
            lowered = values.str.lower()
            frame[col.name] = lowered.map({"true": True, "false": False}).astype("boolean")
        else:
            frame[col.name] = values.astype("object")
    ordered = [c.name for c in raw.spec.columns] + [c for c in frame.columns if c not in {x.name for x in raw.spec.columns}]
    return frame[ordered]
