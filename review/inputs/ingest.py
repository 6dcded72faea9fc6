"""`review ingest`: members' returned workbooks (or CSV files) checked with the cycle's rules and merged.

A returned workbook is untrusted: before openpyxl reads it, the zip directory is checked
(a macro-enabled or non-workbook file, external links, an uncompressed size or cell count
beyond what a data return needs), then the hidden sheet must name this cycle and a member,
every table sheet must be there under its name, with its header, and with no merged cells
or hidden rows in the data (those are reported, never guessed around). Values are read,
not formulas; a date typed in a year column counts as its year, a number stored as text as
the number. The rows are then merged into a copy of the cycle and the whole copy is
validated by `review.inputs.validation.validate`, so a return passes exactly the rules the
build applies; a problem in one of its rows is reported against the workbook, sheet, row
and column the member sees. Only a return with no problem is written, each table file
replaced by rename, and logged in `submissions.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from review.inputs.collect import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    INSTRUCTIONS,
    LISTS,
    META,
    TEMPLATE_VERSION,
    YEAR_COLUMNS,
    collection_year,
    is_members_row,
    member_tables,
    read_rows,
    year_column,
)
from review.inputs.data import FLOAT, INT, TABLES, TableSpec, table_files
from review.inputs.problems import Problem, show_value

SUBMISSIONS_FILE = "submissions.csv"
SUBMISSION_COLUMNS = ("received", "member", "file", "sha256", "rows", "replaced")
#: A data return is a few hundred rows: far larger files are refused before they are unpacked.
MAX_UNCOMPRESSED_BYTES = 25 * 1024 * 1024
MAX_ENTRIES = 200
MAX_CELLS = 200_000
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")
WORKBOOK_SUFFIXES = (".xlsx", ".xltx")


@dataclass
class Return:
    """One member's return as read: its rows per table with where each came from."""

    path: Path
    member: str = ""
    sha256: str = ""
    #: table -> [(where, row number, {column: text})]; `where` is "FILE, sheet NAME" (or the CSV file's name)
    rows: dict[str, list[tuple[str, int, dict]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Outcome:
    """What ingesting one file did: accepted (merged and logged), unchanged (already ingested) or refused (problems)."""

    file: str
    member: str = ""
    problems: list[Problem] = field(default_factory=list)
    already: str = ""  # when the same file was the member's latest accepted return
    rows: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)


def shown_name(path: Path) -> str:
    """A returned file's name as printed and logged: a name is data, so control characters and
    bidirectional overrides (which could rewrite a terminal line or reorder text) become '?'."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "?", path.name)


def _refuse(path: Path, rule: str, value: str = "") -> Problem:
    return Problem(shown_name(path), None, None, rule, value)


def zip_problems(path: Path) -> list[Problem]:
    """What makes a file unsafe or not a workbook, read from its zip directory (and the head of each sheet) before it is opened."""
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        return [_refuse(path, "a macro-enabled or binary workbook is refused: save it as an Excel workbook (.xlsx) without macros", show_value(suffix))]
    if suffix not in WORKBOOK_SUFFIXES:
        return [_refuse(path, "must be an Excel workbook (.xlsx) or a CSV file named like a table", show_value(path.name))]
    if not zipfile.is_zipfile(path):
        return [_refuse(path, "is not an Excel workbook (.xlsx): the file is not in the workbook format; save it from Excel as .xlsx")]
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        names = [e.filename for e in entries]
        if len(entries) > MAX_ENTRIES:
            return [_refuse(path, f"has more than {MAX_ENTRIES} parts: not a data return", f"{len(entries)} parts")]
        total = sum(e.file_size for e in entries)
        if total > MAX_UNCOMPRESSED_BYTES:
            return [_refuse(path, f"unpacks to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB: not a data return (a zip bomb?)", f"{total:,} bytes")]
        if "xl/workbook.xml" not in names:
            return [_refuse(path, "is not an Excel workbook (.xlsx): it has no workbook part")]
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return [_refuse(path, "contains macros (a VBA project): save it as an Excel workbook (.xlsx) without macros")]
        if any(n.startswith("xl/externalLinks/") for n in names):
            return [_refuse(path, "has links to other workbooks (external links): replace them with values and save again")]
        if "xl/connections.xml" in names:
            return [_refuse(path, "has data connections: replace them with values and save again")]
        cells = 0
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as sheet:
                    head = sheet.read(4096).decode("utf-8", "replace")
                cells += _dimension_cells(head)
        if cells > MAX_CELLS:
            return [_refuse(path, f"has more than {MAX_CELLS:,} cells: not a data return", f"{cells:,} cells")]
    return []


def _dimension_cells(head: str) -> int:
    """The cells a sheet says it spans (its <dimension ref="A1:G636">), 0 when it does not say."""
    from openpyxl.utils.cell import range_boundaries

    found = re.search(r'<(?:\w+:)?dimension\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"', head)
    if not found:
        return 0
    low_col, low_row, high_col, high_row = range_boundaries(found.group(1))
    return (high_col - low_col + 1) * (high_row - low_row + 1)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_TEXT_NUMBER = re.compile(r"^[+-]?(\d{1,3}([,\u00a0\u202f ]\d{3})+|\d+)(\.\d+)?$")


def cell_text(value, column: str, kind: str) -> tuple[str | None, str | None]:
    """A cell's value as the CSV text the contract reads, or a reason it cannot be one.

    A date in a year column is its year (a date typed for a year); in any other column it
    is refused, as is a date before 1990 in a year column (a year typed in a cell formatted
    as a date reads as a date in 1905). A number stored as text, thousands separators and
    all, is the number; text that is not a number is kept for the type rule to report.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, (dt.datetime, dt.date)):
        if column in YEAR_COLUMNS and value.year >= 1990:
            return str(value.year), None
        return None, f"a date where {'a year' if column in YEAR_COLUMNS else 'a ' + ('number' if kind in (INT, FLOAT) else 'value')} is expected: format the cell as a number and type the value"
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, (int, float)):
        return _number_text(value), None
    text = str(value).strip()
    if kind in (INT, FLOAT) and _TEXT_NUMBER.match(text):
        return _number_text(float(re.sub(r"[,\u00a0\u202f ]", "", text))), None
    return text, None


def _member_name_problems(path: Path, member: str, cycle_workbook, cycle: int, members: set[str]) -> list[Problem]:
    if member not in members:
        return [_refuse(path, "is not a return of a member of this cycle (its hidden sheet names no member in members.csv)", show_value(member))]
    if str(cycle_workbook) != str(cycle):
        which = f"cycle {cycle_workbook}" if re.fullmatch(r"\d{4}", str(cycle_workbook)) else "another cycle"
        return [_refuse(path, f"is a return for {which}, not for this cycle ({cycle}): send the member this cycle's workbook", show_value(str(cycle_workbook)))]
    named = re.match(r"^([A-Z]{3})-(\d{4})\b", path.name)
    if named and named.group(1) in members and named.group(1) != member:
        return [_refuse(path, f"is {member}'s return, but its name says {named.group(1)}: check which member sent it", show_value(path.name))]
    return []


def read_workbook(path: Path, inputs: Path, cycle: int, expected: str | None = None) -> Return:
    """A returned workbook's rows by table, or the problems that refuse it (nothing is guessed)."""
    from openpyxl import load_workbook

    got = Return(path)
    got.problems = zip_problems(path)
    if got.problems:
        return got
    try:
        book = load_workbook(path, data_only=True)
        formulas = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; all mean the same to the member
        got.problems = [_refuse(path, "could not be read as an Excel workbook: save it again from Excel as .xlsx", show_value(str(exc)[:80]))]
        return got
    if sum((s.max_row or 0) * (s.max_column or 0) for s in book.worksheets) > MAX_CELLS:
        got.problems = [_refuse(path, f"has more than {MAX_CELLS:,} cells: not a data return")]
        return got
    if META not in book.sheetnames:
        got.problems = [_refuse(path, f"is not a workbook made by review collect (its hidden sheet {META!r} is missing)")]
        return got
    about = {str(r[0]): r[1] for r in book[META].iter_rows(values_only=True) if r and r[0] is not None}
    got.member = str(about.get("member") or "")
    members = {r["code"] for _, _, rows in read_rows(inputs, TABLES["members"]) for r in rows}
    got.problems = _member_name_problems(path, got.member, about.get("cycle"), cycle, members)
    if not got.problems and str(about.get("template")) != TEMPLATE_VERSION:
        got.problems = [_refuse(path, f"was made for another layout of the workbook (now template {TEMPLATE_VERSION}): send the member a new one", show_value(str(about.get("template"))))]
    if not got.problems and expected and got.member != expected:
        got.problems = [_refuse(path, f"is {got.member}'s return, not {expected}'s (--member)")]
    if got.problems:
        return got
    tables = member_tables(inputs)
    known = set(tables) | {INSTRUCTIONS, LISTS, META}
    extra = [name for name in book.sheetnames if name not in known]
    for name in tables:
        if name not in book.sheetnames:
            found = f"; the workbook has {', '.join(repr(n) for n in extra)}" if extra else ""
            got.problems.append(Problem(shown_name(path), None, None, f"sheet {name!r} is missing or was renamed: keep the sheet names of the workbook sent{found}", show_value(name)))
    for name in extra:
        got.problems.append(Problem(shown_name(path), None, None, "the workbook has a sheet the review does not know (renamed or added?): keep the sheet names of the workbook sent", show_value(name)))
    for name in tables:
        if name in book.sheetnames:
            got.rows[name] = _sheet_rows(path, book[name], formulas[name], TABLES[name], got)
    return got


def _sheet_rows(path: Path, sheet, formula_sheet, spec: TableSpec, got: Return) -> list[tuple[str, int, dict]]:
    where = f"{shown_name(path)}, sheet {sheet.title}"
    columns = [c.name for c in spec.columns]
    header = [sheet.cell(HEADER_ROW, i + 1).value for i in range(len(columns))]
    if header != columns:
        got.problems.append(Problem(where, HEADER_ROW, None, "the column names must be those of the workbook sent, in its order", show_value(",".join(str(h or "") for h in header))))
        return []
    for merged in sheet.merged_cells.ranges:
        if merged.max_row >= FIRST_DATA_ROW:
            got.problems.append(Problem(where, merged.min_row, None, "merged cells in the data are not read: unmerge them and type a value in each cell", show_value(merged.coord)))
    for number, dims in sorted(sheet.row_dimensions.items()):
        if number >= FIRST_DATA_ROW and dims.hidden:
            got.problems.append(Problem(where, number, None, "hidden rows in the data are not read: unhide the row, or delete it if it should not be sent", ""))
    from openpyxl.utils import column_index_from_string

    for letter, dims in sheet.column_dimensions.items():
        low, high = column_index_from_string(letter), max(column_index_from_string(letter), dims.max or 0)
        if dims.hidden and low <= len(columns):
            got.problems.append(Problem(where, None, columns[low - 1], "hidden columns in the data are not read: unhide the column", f"columns {low} to {min(high, len(columns))}"))
    out = []
    for number in range(FIRST_DATA_ROW, sheet.max_row + 1):
        values, seen = {}, False
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(number, index)
            if formula_sheet.cell(number, index).data_type == "f" and cell.value is None:
                got.problems.append(Problem(where, number, column.name, "a formula without a saved value: type the value, or open and save the workbook in Excel", show_value(str(formula_sheet.cell(number, index).value))))
                seen = True
                continue
            if cell.data_type == "e":
                got.problems.append(Problem(where, number, column.name, "an error value: type the value", show_value(str(cell.value))))
                seen = True
                continue
            text, reason = cell_text(cell.value, column.name, column.kind)
            if reason:
                got.problems.append(Problem(where, number, column.name, reason, show_value(str(cell.value))))
            seen = seen or text is not None or reason is not None
            values[column.name] = text
        extra = [sheet.cell(number, i).value for i in range(len(columns) + 1, (sheet.max_column or 0) + 1)]
        if any(v not in (None, "") for v in extra):
            got.problems.append(Problem(where, number, None, f"values right of the last column ({columns[-1]}) are not read: move them into the table or delete them", show_value(str(next(v for v in extra if v not in (None, ""))))))
        if seen:
            out.append((where, number, values))
    _own_rows(spec.name, where, out, got)
    return out


def _own_rows(table: str, where: str, rows: list, got: Return) -> None:
    """A member sends its own rows: its code in `member`, or among a project's `sponsors`."""
    for _, number, values in rows:
        if table == "projects":
            if not is_members_row(table, values, got.member):
                got.problems.append(Problem(where, number, "sponsors", f"a project in {got.member}'s return must list {got.member} among its sponsors", show_value(values.get("sponsors"))))
        elif values.get("member") != got.member:
            got.problems.append(Problem(where, number, "member", f"must be {got.member}, the member whose return this is", show_value(values.get("member"))))


def read_csv_return(path: Path, inputs: Path, member: str | None) -> Return:
    """A table sent as CSV (named like the table, e.g. stockpiles.csv): the member comes from --member."""
    from review.inputs.data import MAX_TABLE_BYTES, _read_bytes, _read_file

    got = Return(path, member or "")
    table = path.stem
    tables = member_tables(inputs)
    if table not in tables:
        got.problems = [_refuse(path, f"a CSV return must be named like a table a member reports ({', '.join(t + '.csv' for t in tables)})", show_value(path.name))]
        return got
    members = {r["code"] for _, _, rows in read_rows(inputs, TABLES["members"]) for r in rows}
    if member not in members:
        got.problems = [_refuse(path, "a CSV return needs --member with the code of the member who sent it (a code in members.csv)", show_value(member))]
        return got
    data, problem = _read_bytes(path, MAX_TABLE_BYTES)  # a regular file, within the table size limit
    if problem is not None:
        got.problems = [problem]
        return got
    frame, problems, numbers = _read_file(path.name, data)
    got.problems = problems
    if frame is None:
        return got
    columns = [c.name for c in TABLES[table].columns]
    if list(frame.columns) != columns:
        got.problems.append(Problem(shown_name(path), 1, None, f"the header must be that of {table}.csv: {','.join(columns)}", show_value(",".join(frame.columns))))
        return got
    rows = [(shown_name(path), number, {c: (None if v is None else cell_text(v, c, TABLES[table].column(c).kind)[0]) for c, v in record.items()}) for number, record in zip(numbers, frame.to_dict("records"))]
    got.rows[table] = rows
    _own_rows(table, shown_name(path), rows, got)
    return got


# --- merging ---------------------------------------------------------------------------------


def _same(old: str | None, new: str | None) -> bool:
    """Two cell texts with the same value ("966.0" and "966"): the file keeps the text it had."""
    if (old or "") == (new or ""):
        return True
    try:
        return float(old) == float(new)
    except (TypeError, ValueError):
        return False


def _line_end(path: Path) -> str:
    with open(path, "rb") as f:
        return "\r\n" if b"\r\n" in f.readline() else "\n"


@dataclass
class _Planned:
    """A table's files after a return is merged: new text per changed file, and where each returned row lands."""

    texts: dict[Path, str] = field(default_factory=dict)
    landed: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)  # (csv file, csv row) -> (where, row)
    moved: dict[tuple[str, int], int] = field(default_factory=dict)  # (csv file, csv row) -> the row's number before the merge
    replaced: int = 0


def plan_table(inputs: Path, table: str, member: str, cycle: int, returned: list[tuple[str, int, dict]]) -> _Planned:
    """The table with the member's rows of the years the return covers replaced by the returned rows.

    The return covers its table's collection year (so deleting every row says "none this
    year") and every year it has rows for. A returned row takes the place of the row with
    its key, keeping that row's text where the value is the same ("966.0" stays "966.0"),
    a covered row the return no longer has is removed, and a new row goes after the last
    row it replaces (or at the end of the table's last file): merging the same rows again
    writes the same bytes, and a diff of the files shows exactly what the member changed.
    """
    spec, column = TABLES[table], year_column(table)
    covered = {str(collection_year(table, cycle))} | {values.get(column) for _, _, values in returned if values.get(column)}
    files = read_rows(inputs, spec)

    def key(values: dict) -> tuple:
        return tuple(values.get(k) for k in spec.key)

    by_key = {key(values): (where, number, values) for where, number, values in returned}
    placed: set[tuple] = set()
    plan = _Planned()
    layouts = []  # per file: [("old", before, row) | ("new", returned item)], and whether it changed
    last = None  # (file index, position) after which rows the return adds go
    for index, (path, header, rows) in enumerate(files):
        items, changed = [], False
        for before, row in enumerate(rows, start=2):
            if not (is_members_row(table, row, member) and row.get(column) in covered):
                items.append(("old", before, row))
                continue
            changed = True
            match = by_key.get(key(row))
            if match is not None and key(row) not in placed:
                old, (where, number, values) = row, match
                if not all(_same(old.get(c), values.get(c)) for c in header):
                    plan.replaced += 1
                items.append(("new", (where, number, {c: (old.get(c) if _same(old.get(c), values.get(c)) else values.get(c)) for c in header})))
                placed.add(key(row))
            else:
                plan.replaced += 1
            last = (index, len(items))
        layouts.append([items, changed])
    added = [("new", (where, number, {c: values.get(c) for c in files[-1][1]})) for where, number, values in returned if key(values) not in placed]
    if added:
        index, position = last if last is not None else (len(files) - 1, len(layouts[-1][0]))
        layouts[index][0][position:position] = added
        layouts[index][1] = True
    for (path, header, _), (items, changed) in zip(files, layouts):
        if not changed:
            continue
        out = []
        for number, item in enumerate(items, start=2):
            if item[0] == "old":
                out.append(item[2])
                plan.moved[(path.name, number)] = item[1]
            else:
                where, sheet_row, values = item[1]
                out.append(values)
                plan.landed[(path.name, number)] = (where, sheet_row)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator=_line_end(path), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(out)
        plan.texts[path] = buffer.getvalue()
    return plan


# --- the submissions log and the command ------------------------------------------------------


def read_log(inputs: Path) -> list[dict]:
    """Every accepted return of the cycle, oldest first (an empty list before the first)."""
    path = Path(inputs) / SUBMISSIONS_FILE
    if not path.is_file():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _counts(counts: dict[str, int]) -> str:
    return ";".join(f"{table}={n}" for table, n in counts.items())


def parse_counts(text: str) -> dict[str, int]:
    """`dependency=134;stockpiles=5` back to {table: rows}."""
    return {k: int(v) for k, _, v in (part.partition("=") for part in (text or "").split(";") if part)}


def received(log: list[dict]) -> dict[tuple[str, str], str]:
    """(member, table) -> when the member's latest accepted return of that table arrived."""
    out = {}
    for entry in log:
        for table in parse_counts(entry["rows"]):
            out[(entry["member"], table)] = entry["received"]
    return out


def _write_atomically(path: Path, text: str) -> Path:
    """Write `text` beside `path` under a temporary name; the caller renames it into place."""
    partial = path.with_name(f".{path.name}.ingest-{os.getpid()}")
    with open(partial, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return partial


def _candidate(inputs: Path, folder: Path, plans: dict[str, _Planned]) -> None:
    """The cycle's contract files copied to `folder`, with the merged tables' new text."""
    from review.inputs.config import CONFIG_FILE

    shutil.copyfile(inputs / CONFIG_FILE, folder / CONFIG_FILE)
    for spec in TABLES.values():
        for path in table_files(inputs, spec):
            if path.is_file():
                shutil.copyfile(path, folder / path.name)
    for plan in plans.values():
        for path, text in plan.texts.items():
            (folder / path.name).write_text(text, encoding="utf-8", newline="")


def _located(problems: list[Problem], plans: dict[str, _Planned]) -> list[Problem]:
    """Problems in the merged copy, named where the analyst or the member sees the row: sheet and row of the return, or the row in the cycle's file."""
    landed = {k: v for plan in plans.values() for k, v in plan.landed.items()}
    moved = {k: v for plan in plans.values() for k, v in plan.moved.items()}
    out = []
    for p in problems:
        if (p.file, p.row) in landed:
            where, row = landed[(p.file, p.row)]
            out.append(Problem(where, row, p.column, p.rule, p.value, p.suggestion))
        elif (p.file, p.row) in moved:
            out.append(Problem(p.file, moved[(p.file, p.row)], p.column, p.rule, p.value, p.suggestion))
        else:
            out.append(p)
    return out


def ingest_file(path: Path, inputs: Path, member: str | None = None, passed: Path | None = None, now: dt.datetime | None = None) -> Outcome:
    """Check one return and, when it has no problem, merge it into the cycle and log it; otherwise change nothing."""
    from review.inputs.config import load_config
    from review.inputs.fsutil import sha256_file
    from review.inputs.validation import validate

    path, inputs = Path(path), Path(inputs)
    config = load_config(inputs)
    if not path.is_file():
        return Outcome(shown_name(path), problems=[_refuse(path, "the file does not exist", show_value(str(path)))])
    got = read_csv_return(path, inputs, member) if path.suffix.lower() == ".csv" else read_workbook(path, inputs, config.cycle, member)
    outcome = Outcome(shown_name(path), got.member, got.problems)
    if got.problems:
        return outcome
    digest = sha256_file(path)
    latest = next((r for r in reversed(read_log(inputs)) if r["member"] == got.member), None)
    if latest is not None and latest["sha256"] == digest:
        outcome.already = latest["received"]
        return outcome
    plans = {table: plan_table(inputs, table, got.member, config.cycle, rows) for table, rows in got.rows.items()}
    with tempfile.TemporaryDirectory() as tmp:
        _candidate(inputs, Path(tmp), plans)
        checked = validate(Path(tmp), passed)
    outcome.problems = _located(checked.problems, plans)
    if outcome.problems:
        return outcome
    outcome.rows = {table: len(rows) for table, rows in got.rows.items()}
    outcome.replaced = {table: plan.replaced for table, plan in plans.items()}
    received = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    log_path = inputs / SUBMISSIONS_FILE
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUBMISSION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(read_log(inputs))
    name = shown_name(path)
    writer.writerow({"received": received, "member": got.member, "file": name, "sha256": digest, "rows": _counts(outcome.rows), "replaced": _counts(outcome.replaced)})
    # every new file is complete on disk before the first rename; the log is renamed last
    partials = [(_write_atomically(target, text), target) for plan in plans.values() for target, text in plan.texts.items()]
    partials.append((_write_atomically(log_path, buffer.getvalue()), log_path))
    for partial, target in partials:
        os.replace(partial, target)
    return outcome


def ingest(paths: list[Path], inputs: Path, member: str | None = None) -> list[Outcome]:
    """Each return in turn (a later one replaces an earlier one of the same member); tables that passed are not checked twice.

    A second ingest into the same folder while one runs is refused, so two cannot lose
    each other's rows: the lock is the operating system's on the folder itself (nothing
    is written for it, and it is released even when an ingest is killed).
    """
    import fcntl

    folder = os.open(inputs, os.O_RDONLY)
    try:
        try:
            fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another review ingest is merging into {inputs}; run this one when it has finished") from None
        with tempfile.TemporaryDirectory() as passed:
            return [ingest_file(path, inputs, member, Path(passed)) for path in paths]
    finally:
        os.close(folder)
