"""`review collect`: one Excel workbook per member, prefilled with its rows, to send out for the year's data.

A statistical office runs a reporting round as a questionnaire: each reporter gets a
workbook in the shape of the tables it reports, with its last figures as a starting
point, drop-down lists for codes and a hidden sheet saying whose workbook it is, so that
what comes back (`review.inputs.ingest`) can be checked against the same input contract
(`review.inputs.data.TABLES`) and merged without retyping. The layout constants here are
the contract between the two modules: a sheet per table named like the table, the
column names in row 1, units in row 2, a description in row 3, data from row 4.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from review.inputs.data import FLOAT, INT, TABLES, TableSpec, table_files

#: The tables a member reports, in the workbook's order; projects are the ones it sponsors.
MEMBER_TABLES = ("dependency", "stockpiles", "recycling", "traceability", "projects")
#: Stockpiles and recycling of cycle N are for year N-1 (year-end stocks and a full year of
#: recycling are known a year later); the others are for the cycle's year.
YEARS_BEHIND = {"stockpiles": 1, "recycling": 1}
HEADER_ROW, UNIT_ROW, NOTE_ROW, FIRST_DATA_ROW = 1, 2, 3, 4
#: Rows below the prefilled ones that get drop-down lists and formats, for rows the member adds.
SPARE_ROWS = 500
INSTRUCTIONS, LISTS, META = "Instructions", "Lists", "_about"
#: Bumped when the layout changes, so ingest can refuse a workbook of another layout.
TEMPLATE_VERSION = "1"
#: Columns whose values are years: a date typed there is read as its year (review.inputs.ingest).
YEAR_COLUMNS = ("year", "as_of", "expected_online", "first_reported_online")

NOTES = {
    "year": "the year the figures are for",
    "member": "your member code (as in the file name)",
    "mineral": "mineral id, from the list",
    "stage": "stage of the value chain, from the list (it must be one of the mineral's stages)",
    "origin": "country the supply comes from (ISO 3166-1 alpha-3; your own code for domestic supply; XXX if unknown)",
    "quantity_t": "tonnes supplied from that origin in the year",
    "source": "where the figure comes from (one line)",
    "holdings_t": "year-end stock held, tonnes",
    "annual_consumption_t": "consumption in the year, tonnes (cover in days is worked out from it)",
    "target_days": "your stockpile target in days of consumption (empty if none)",
    "confidential": "true: the holdings are withheld from the public edition of the review",
    "recycled_output_t": "tonnes recovered by recycling in the year",
    "capacity_t": "capacity in tonnes a year",
    "consumption_t": "consumption in the year, tonnes",
    "verified_t": "tonnes of that sourcing whose origin was verified (not above the sourcing reported)",
    "as_of": "the review cycle this status is reported for",
    "project_id": "the project's id (keep it from year to year; a new project gets a new id)",
    "name": "the project's name",
    "host_country": "country the project is in (ISO 3166-1 alpha-3)",
    "sponsors": "member codes of the sponsors, separated by ';' (yours among them)",
    "status": "project status, from the list",
    "capex_musd": "capital expenditure, million USD (empty if not known)",
    "public_finance_musd": "public finance committed, million USD (empty if not known)",
    "expected_online": "year the project is expected to produce",
    "first_reported_online": "the year first reported as expected online (keep it: slippage is measured from it)",
    "priority": "true if an Alliance priority project",
}


def unit_of(column: str) -> str:
    """A column's unit as the workbook's second row shows it, from the contract's naming (`_t`, `_musd`, `_days`)."""
    if column.endswith("_t"):
        return "tonnes"
    if column.endswith("_musd"):
        return "million USD"
    if column.endswith("_days"):
        return "days"
    if column in YEAR_COLUMNS:
        return "year"
    if column in ("confidential", "priority"):
        return "true / false"
    return "code, from the list" if column in LIST_OF else "text"


def collection_year(table: str, cycle: int) -> int:
    return cycle - YEARS_BEHIND.get(table, 0)


def year_column(table: str) -> str:
    return "as_of" if table == "projects" else "year"


def is_members_row(table: str, row: dict, member: str) -> bool:
    """A member's row: its own for the tables by member, one it sponsors for projects."""
    if table == "projects":
        return member in (row.get("sponsors") or "").split(";")
    return row.get("member") == member


def read_rows(inputs: Path, spec: TableSpec) -> list[tuple[Path, list[str], list[dict]]]:
    """Each file of a table (its parts included) with its header and its rows as text."""
    out = []
    for path in table_files(inputs, spec):
        if path.is_file():
            reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
            out.append((path, list(reader.fieldnames or []), list(reader)))
    return out


def member_tables(inputs: Path) -> list[str]:
    """The member tables this cycle has (an optional table the cycle leaves out gets no sheet)."""
    return [name for name in MEMBER_TABLES if not TABLES[name].optional or any(p.is_file() for p in table_files(inputs, TABLES[name]))]


def prefill(table: str, rows: list[dict], member: str, year: int) -> list[dict]:
    """The member's rows of the collection year; failing those, of its latest earlier year moved to this year (a starting point to overwrite)."""
    column = year_column(table)
    mine = [r for r in rows if is_members_row(table, r, member) and (r.get(column) or "").strip().isdigit()]
    years = sorted({int(r[column]) for r in mine if int(r[column]) <= year})
    if not years:
        return []
    return [dict(r, **{column: str(year)}) for r in mine if int(r[column]) == years[-1]]


def _cell_value(text: str | None, kind: str):
    """A CSV text as the workbook holds it: numbers as numbers, everything else as text."""
    if text is None or text == "":
        return None
    if kind in (INT, FLOAT):
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if kind == INT or number.is_integer() else number
    return text


def _code_lists(inputs: Path) -> dict[str, list[str]]:
    """The drop-down lists: countries (ISO 3166-1 alpha-3 and XXX), members, minerals, stages, statuses, true/false."""
    from review.inputs.config import STATUSES
    from review.inputs.validation import UNATTRIBUTED, iso3_codes

    minerals = [r for _, _, rows in read_rows(inputs, TABLES["minerals"]) for r in rows]
    return {
        "country": sorted(iso3_codes()) + [UNATTRIBUTED],
        "member": [r["code"] for _, _, rows in read_rows(inputs, TABLES["members"]) for r in rows],
        "mineral": [r["id"] for r in minerals],
        "stage": sorted({s for r in minerals for s in (r.get("stages") or "").split(";") if s}),
        "status": list(STATUSES),
        "boolean": ["true", "false"],
    }


#: Which list a column's drop-down takes its values from.
LIST_OF = {"origin": "country", "host_country": "country", "member": "member", "mineral": "mineral", "stage": "stage", "status": "status", "confidential": "boolean", "priority": "boolean"}


def write_workbook(path: Path, member: str, member_name: str, cycle: int, deadline, tables: dict[str, list[dict]], lists: dict[str, list[str]]) -> None:
    """One member's workbook: Instructions, a sheet per table, the code lists and the hidden sheet naming member and cycle."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    intro = book.active
    intro.title = INSTRUCTIONS
    lines = [
        f"Alliance Review {cycle}: data return of {member_name} ({member})",
        "",
        f"Please return this workbook by {deadline:%d %B %Y}." if deadline else "Please return this workbook to the review team.",
        "Each sheet is one table of the review. Row 1 holds the column names, row 2 the unit and row 3 what the column means; data start in row 4.",
        "The rows filled in are your figures from the review's latest data: overwrite them with this year's, add rows for new origins, minerals or projects, and delete rows that no longer apply.",
        "A year you send rows for replaces all your rows of that year: to revise an earlier year, send every row of that year.",
        "Keep the sheet names, the column names and their order. Do not merge cells or hide rows in the data; type values, not formulas that refer to other files.",
        "Codes come from the drop-down lists: countries as ISO 3166-1 alpha-3 codes (XXX where unknown), minerals and stages as the review names them.",
        "Quantities are in tonnes of the mineral's content as the review defines it; money in million US dollars; years as four digits.",
        "Confidentiality: in the stockpiles sheet, 'confidential' true withholds your holdings from the public edition of the review; the restricted edition shows them.",
        "",
        "Sheet: the year it asks for",
    ]
    lines += [f"  {name}: {collection_year(name, cycle)}" + (" (the projects you sponsor)" if name == "projects" else "") for name in tables]
    for number, line in enumerate(lines, start=1):
        intro.cell(number, 1, line)
    intro["A1"].font = Font(bold=True, size=14)
    intro.column_dimensions["A"].width = 120

    sheet_lists = book.create_sheet(LISTS)
    ranges = {}
    for col, (name, values) in enumerate(lists.items(), start=1):
        sheet_lists.cell(1, col, name)
        for row, value in enumerate(values, start=2):
            sheet_lists.cell(row, col, value)
        letter = get_column_letter(col)
        ranges[name] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${max(len(values), 1) + 1}"
    sheet_lists.sheet_state = "hidden"

    bold, grey = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    for name, rows in tables.items():
        spec = TABLES[name]
        sheet = book.create_sheet(name)
        last = FIRST_DATA_ROW + len(rows) + SPARE_ROWS - 1
        for col, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(col)
            for row, text in ((HEADER_ROW, column.name), (UNIT_ROW, unit_of(column.name)), (NOTE_ROW, NOTES.get(column.name, ""))):
                cell = sheet.cell(row, col, text)
                cell.fill = grey
                cell.alignment = Alignment(wrap_text=row == NOTE_ROW, vertical="top")
            sheet.cell(HEADER_ROW, col).font = bold
            sheet.column_dimensions[letter].width = max(12, min(40, len(column.name) + 4))
            area = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
            if column.name in LIST_OF:
                check = DataValidation(type="list", formula1=ranges[LIST_OF[column.name]], allow_blank=column.nullable)
            elif column.kind == INT:
                check = DataValidation(type="whole", operator="between", formula1="1990", formula2="2100", allow_blank=column.nullable)
            elif column.kind == FLOAT:
                check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=column.nullable)
            else:
                check = None
            if check is not None:
                check.error, check.errorTitle = f"{column.name}: {NOTES.get(column.name, '')}", "Not a valid value"
                sheet.add_data_validation(check)
                check.add(area)
            # years as plain digits, numbers as typed, text as text (so a code is never turned into a number or a date)
            number_format = "0" if column.kind == INT else "General" if column.kind == FLOAT else "@"
            for row in range(FIRST_DATA_ROW, last + 1):
                sheet.cell(row, col).number_format = number_format
        for number, row in enumerate(rows, start=FIRST_DATA_ROW):
            for col, column in enumerate(spec.columns, start=1):
                sheet.cell(number, col, _cell_value(row.get(column.name), column.kind))
        sheet.freeze_panes = f"A{FIRST_DATA_ROW}"

    about = book.create_sheet(META)
    for row, (key, value) in enumerate((("member", member), ("cycle", cycle), ("template", TEMPLATE_VERSION)), start=1):
        about.cell(row, 1, key)
        about.cell(row, 2, value)
    about.sheet_state = "hidden"
    book.save(path)


def workbook_name(member: str, cycle: int) -> str:
    return f"{member}-{cycle}.xlsx"


def collect(inputs: Path, folder: Path) -> list[Path]:
    """Write every member's workbook into `folder` (created; an existing workbook is refused, never overwritten)."""
    from review.inputs.config import load_config

    inputs, folder = Path(inputs), Path(folder)
    config = load_config(inputs)
    deadline = config.collection.deadline if config.collection else None
    members = [(r["code"], r["name"]) for _, _, rows in read_rows(inputs, TABLES["members"]) for r in rows]
    names = member_tables(inputs)
    every = {name: [r for _, _, rows in read_rows(inputs, TABLES[name]) for r in rows] for name in names}
    lists = _code_lists(inputs)
    existing = [workbook_name(code, config.cycle) for code, _ in members if (folder / workbook_name(code, config.cycle)).exists()]
    if existing:
        raise FileExistsError(f"{folder} already holds {', '.join(existing)}; collect never overwrites a workbook: choose another --to or remove them")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code, name in members:
        tables = {table: prefill(table, every[table], code, collection_year(table, config.cycle)) for table in names}
        path = folder / workbook_name(code, config.cycle)
        partial = path.with_name(f".{path.name}.tmp")
        write_workbook(partial, code, name, config.cycle, deadline, tables, lists)
        partial.replace(path)
        written.append(path)
    return written
