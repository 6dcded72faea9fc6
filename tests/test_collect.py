"""The members' data round on the sample: collect, fill as a member would, ingest, status; and every hostile return refused."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, run_review, tree_state

from review.analysis.collection import coverage_gains, coverage_left
from review.inputs.collect import FIRST_DATA_ROW, META

MEMBERS = ["USA", "JPN", "DEU", "FRA", "ITA", "GBR", "CAN", "EUU", "AUS", "KOR", "IND", "NZL"]


def rows_of(path: Path) -> Counter:
    return Counter(tuple(r) for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def sheet_row(sheet, number: int) -> list:
    return [c.value for c in sheet[number]][: sheet.max_column]


def find_row(sheet, test) -> int:
    """The first data row of a sheet whose values pass `test` (a dict of column -> value)."""
    header = [c.value for c in sheet[1]]
    for number in range(FIRST_DATA_ROW, sheet.max_row + 1):
        values = dict(zip(header, sheet_row(sheet, number)))
        if values.get(header[0]) is not None and test(values):
            return number
    raise AssertionError("no such row")


def as_csv(values) -> tuple:
    """A workbook row as the CSV row the merge writes (numbers without a trailing .0)."""
    out = []
    for v in values:
        if v is None:
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return tuple(out)


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    """The sample cycle, its twelve workbooks, and three filled in by members and ingested: what changed, by table."""
    base = tmp_path_factory.mktemp("round")
    inputs = base / "inputs"
    shutil.copytree(SAMPLE, inputs, ignore=shutil.ignore_patterns("2025", "*.py", "*.md"))
    before = {p.name: p.read_bytes() for p in inputs.iterdir()}
    collected = run_review("collect", "--inputs", inputs, "--to", base / "outbox", check=True)
    returned = base / "returned"
    returned.mkdir()
    removed, added = Counter(), Counter()

    def change(table, old, new):
        if old is not None:
            removed[(table, as_csv(old))] += 1
        if new is not None:
            added[(table, as_csv(new))] += 1

    # USA: a figure overwritten, and a number stored as text with a thousands separator
    book = openpyxl.load_workbook(base / "outbox" / "USA-2026.xlsx")
    sheet = book["dependency"]
    old = sheet_row(sheet, FIRST_DATA_ROW)
    sheet.cell(FIRST_DATA_ROW, 6).value = 13000
    change("dependency.csv", old, old[:5] + [13000] + old[6:])
    sheet = book["stockpiles"]
    old = sheet_row(sheet, FIRST_DATA_ROW)
    sheet.cell(FIRST_DATA_ROW, 4).value = "2,600"
    change("stockpiles.csv", old, old[:3] + [2600] + old[4:])
    book.save(returned / "USA-2026.xlsx")

    # JPN: a project's expected online date typed as a date, and a row added for a new origin
    book = openpyxl.load_workbook(base / "outbox" / "JPN-2026.xlsx")
    sheet = book["projects"]
    number = FIRST_DATA_ROW
    old = sheet_row(sheet, number)
    sheet.cell(number, 12).value = dt.datetime(2028, 6, 30)
    change("projects.csv", old, old[:11] + [2028] + old[12:])
    sheet = book["dependency"]
    taken = {tuple(sheet_row(sheet, n)[2:5]) for n in range(FIRST_DATA_ROW, sheet.max_row + 1)}
    origin = next(o for o in ("ARG", "BRA", "ZWE", "NAM", "PRT") if ("lithium", "refining", o) not in taken)
    new = [2026, "JPN", "lithium", "refining", origin, 120, "JOGMEC return 2026"]
    last = max(n for n in range(FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(n, 1).value is not None)
    for col, value in enumerate(new, start=1):
        sheet.cell(last + 1, col).value = value
    change("dependency.csv", None, new)
    book.save(returned / "JPN-2026.xlsx")

    # KOR: a row deleted (one whose sourcing no traceability row is checked against)
    book = openpyxl.load_workbook(base / "outbox" / "KOR-2026.xlsx")
    traced = {(r[2], r[3]) for r in book["traceability"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0]}
    sheet = book["dependency"]
    number = find_row(sheet, lambda v: (v["mineral"], v["stage"]) not in traced)
    change("dependency.csv", sheet_row(sheet, number), None)
    sheet.delete_rows(number)
    book.save(returned / "KOR-2026.xlsx")

    files = [returned / f"{code}-2026.xlsx" for code in ("USA", "JPN", "KOR")]
    ingested = run_review("ingest", *files, "--inputs", inputs)
    return {"base": base, "inputs": inputs, "before": before, "collected": collected, "ingested": ingested, "removed": removed, "added": added, "files": files}


def test_collect_writes_a_prefilled_workbook_per_member(round_):
    outbox = round_["base"] / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == sorted(f"{code}-2026.xlsx" for code in MEMBERS)
    assert "Wrote 12 workbooks" in round_["collected"].stdout
    book = openpyxl.load_workbook(outbox / "NZL-2026.xlsx")
    assert book.sheetnames == ["Instructions", "Lists", "dependency", "stockpiles", "recycling", "traceability", "projects", META]
    assert book[META].sheet_state == "hidden" and [r for r in book[META].iter_rows(values_only=True)] == [("member", "NZL"), ("cycle", 2026), ("template", "1")]
    sheet = book["dependency"]
    assert sheet_row(sheet, 1) == ["year", "member", "mineral", "stage", "origin", "quantity_t", "source"]
    assert sheet_row(sheet, 2)[5] == "tonnes" and "ISO 3166-1 alpha-3" in sheet_row(sheet, 3)[4]
    prefilled = Counter(as_csv(r) for r in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0] is not None)
    sample = Counter(r for r in rows_of(SAMPLE / "dependency.csv") if r[0] == "2026" and r[1] == "NZL")
    assert prefilled == sample and len(sample) == 32
    lists = {str(v.sqref)[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["E"].endswith("Lists'!$A$2:$A$251") and lists["C"].endswith("Lists'!$C$2:$C$10")  # origins from ISO 3166, minerals
    assert [r[0] for r in book["stockpiles"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0] is not None] == []  # NZL holds none


def test_ingest_merges_exactly_the_members_changes(round_):
    proc = round_["ingested"]
    assert proc.returncode == 0, proc.stderr
    assert "USA-2026.xlsx: USA's return merged" in proc.stdout and "KOR-2026.xlsx: KOR's return merged" in proc.stdout
    inputs, before = round_["inputs"], round_["before"]
    changed = {name for name in before if (inputs / name).read_bytes() != before[name]}
    assert changed == {"dependency.csv", "stockpiles.csv", "projects.csv"}
    for name in changed:
        old, new = rows_of_bytes(before[name]), rows_of(inputs / name)
        assert old - new == Counter({row: n for (table, row), n in round_["removed"].items() if table == name}), name
        assert new - old == Counter({row: n for (table, row), n in round_["added"].items() if table == name}), name
    log = list(csv.DictReader(io.StringIO((inputs / "submissions.csv").read_text())))
    assert [r["member"] for r in log] == ["USA", "JPN", "KOR"]
    assert [r["sha256"] for r in log] == [hashlib.sha256(f.read_bytes()).hexdigest() for f in round_["files"]]
    assert log[0]["replaced"] == "dependency=1;stockpiles=1;recycling=0;traceability=0;projects=0"
    assert log[2]["replaced"].startswith("dependency=1;")


@pytest.fixture(scope="module")
def validated(round_):
    """`review validate` on the cycle after the three returns: its snapshot folder."""
    proc = run_review("validate", "--inputs", round_["inputs"], "--outputs", round_["base"] / "out")
    assert proc.returncode == 0, proc.stderr
    return round_["base"] / "out" / "2026" / "public" / "validated"


def test_the_cycle_validates_after_the_returns(validated):
    assert (validated / "snapshot.json").is_file()


def test_the_data_quality_annex_lists_the_returns_as_text(validated, tmp_path):
    """The snapshot `validate` wrote carries the log; a file name is data, escaped where it becomes Markdown."""
    import json

    from review.report.annexes import ANNEX_FILE, data_quality

    snapshot = validated
    facts = json.loads((snapshot / ANNEX_FILE).read_text())
    assert [(e["member"], e["file"]) for e in facts["submissions"]] == [("USA", "USA-2026.xlsx"), ("JPN", "JPN-2026.xlsx"), ("KOR", "KOR-2026.xlsx")]
    assert all("sha256" not in e for e in facts["submissions"])  # the public edition records no hash of a raw file
    text = data_quality(snapshot)
    assert "## Members' returns" in text and "{#tbl-data-quality-submissions}" in text
    copy = tmp_path / "validated"
    shutil.copytree(snapshot, copy)
    facts["submissions"][0]["file"] = "<b>x</b>|[a](b).xlsx"
    (copy / ANNEX_FILE).write_text(json.dumps(facts))
    text = data_quality(copy)
    assert "<b>" not in text and "[a](b)" not in text and r"&lt;b\>x&lt;\/b\>\|\[a\]\(b\)\.xlsx" in text  # < as an entity (Quarto's sidebar), the rest backslash-escaped


def rows_of_bytes(data: bytes) -> Counter:
    return Counter(tuple(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_status_names_the_missing_members_and_the_coverage_left(round_):
    proc = run_review("status", "--inputs", round_["inputs"], env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert "3 of 12 members have sent a return; 9 missing: DEU, FRA, ITA, GBR, CAN, EUU, AUS, IND, NZL." in proc.stdout
    # rare-earths refining 2026: the 2025 volume of USA, JPN and KOR over the 2025 Alliance volume
    frame = pd.read_csv(round_["inputs"] / "dependency.csv")
    part = frame[(frame["mineral"] == "rare-earths") & (frame["stage"] == "refining") & (frame["year"] == 2025)]
    expected = part[part["member"].isin(["USA", "JPN", "KOR"])]["quantity_t"].sum() / part["quantity_t"].sum()
    line = next(line for line in proc.stdout.splitlines() if re.search(r"dependency\s+│\s+rare-earths\s+│\s+refining", line))
    assert f"{expected:.1%}" in line and "AUS, CAN, DEU" in line


def test_coverage_left_counts_only_the_members_that_sent_the_table():
    """Hand-worked: 2025 volumes A 60, B 30, C 10; only A has sent 2026 dependency: coverage 0.6, missing B and C.
    Stockpiles: nobody has sent 2025 yet, so the figure has coverage 0 and misses everyone who held stock in 2024."""
    dep = pd.DataFrame(
        {"year": [2025, 2025, 2025, 2026, 2026, 2026], "member": list("ABCABC"), "mineral": ["m"] * 6, "stage": ["s"] * 6, "quantity_t": [60.0, 30, 10, 70, 20, 10]}
    )
    stock = pd.DataFrame({"year": [2024, 2024, 2025], "member": ["A", "B", "A"], "mineral": ["m"] * 3, "annual_consumption_t": [10.0, 30, 12]})
    rec = pd.DataFrame({"year": [2024, 2025], "member": ["A", "A"], "mineral": ["m", "m"], "consumption_t": [5.0, 5.0]})
    left = coverage_left({"dependency": dep, "stockpiles": stock, "recycling": rec}, {("A", "dependency"): "x", ("A", "recycling"): "x"}, {"dependency": 2026, "stockpiles": 2025, "recycling": 2025})
    got = {(r.table, r.year): (round(r.value, 12), r.missing) for r in left.itertuples()}
    assert got == {("dependency", 2026): (0.6, "B;C"), ("stockpiles", 2025): (0.0, "A;B"), ("recycling", 2025): (1.0, "")}
    # whom to chase: B would add 0.3 (30 of 100) to dependency and 0.75 (30 of 40 in 2024) to stockpiles,
    # though it has no 2025 stockpile row yet; C 0.1 to dependency and nothing elsewhere
    gains = coverage_gains({"dependency": dep, "stockpiles": stock, "recycling": rec}, {("A", "dependency"): "x", ("A", "recycling"): "x"}, {"dependency": 2026, "stockpiles": 2025, "recycling": 2025}, ["C", "B"])
    assert gains.round(12).to_dict("records") == [
        {"member": "B", "dependency": 0.3, "stockpiles": 0.75, "recycling": 0.0},
        {"member": "C", "dependency": 0.1, "stockpiles": 0.0, "recycling": 0.0},
    ]


def test_cells_are_read_as_their_values():
    """Excel dates and numbers stored as text become the text the CSV contract reads; what cannot be a value is said, not guessed."""
    from review.inputs.data import BOOL, FLOAT, INT, STR
    from review.inputs.ingest import cell_text, shown_name

    assert cell_text(dt.datetime(2028, 6, 30), "expected_online", INT) == ("2028", None)
    assert cell_text(dt.date(2026, 1, 1), "year", INT) == ("2026", None)
    # 2027 typed in a cell formatted as a date reads as 19 July 1905
    assert cell_text(dt.datetime(1905, 7, 19), "year", INT)[1].startswith("a date where a year is expected")
    assert cell_text(dt.datetime(2026, 3, 1), "quantity_t", FLOAT)[1].startswith("a date where a number is expected")
    assert cell_text("2,600", "holdings_t", FLOAT) == ("2600", None)
    assert cell_text(" 1 250.5 ", "holdings_t", FLOAT) == ("1250.5", None)
    assert cell_text("12 t", "holdings_t", FLOAT) == ("12 t", None)  # kept for the type rule to report with its text
    assert cell_text(12412.0, "quantity_t", FLOAT) == ("12412", None) and cell_text(0.35, "value", FLOAT) == ("0.35", None)
    assert cell_text(True, "priority", BOOL) == ("true", None) and cell_text("  ", "source", STR) == (None, None)
    # a file name is data: an escape sequence in it never reaches the terminal or the log
    assert shown_name(Path("USA\x1b[2J\u202e.xlsx")) == "USA?[2J?.xlsx"


def test_the_same_file_twice_changes_nothing(round_):
    state = tree_state(round_["inputs"])
    proc = run_review("ingest", round_["files"][0], "--inputs", round_["inputs"])
    assert proc.returncode == 0 and "USA-2026.xlsx: already ingested (USA, " in proc.stdout and "nothing changed" in proc.stdout
    assert tree_state(round_["inputs"]) == state


def _rewrite_zip(source: Path, dest: Path, add: dict[str, bytes] = {}, replace: dict[str, bytes] = {}) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item.filename, replace.get(item.filename, old.read(item.filename)))
        for name, data in add.items():
            new.writestr(name, data)


def hostile_returns(outbox: Path, folder: Path) -> dict[str, str]:
    """Broken or hostile versions of NZL's workbook, each with the words its refusal must say."""
    folder.mkdir()
    nzl = outbox / "NZL-2026.xlsx"
    cases = {}

    def edit(name, change):
        book = openpyxl.load_workbook(nzl)
        change(book)
        book.save(folder / name)

    shutil.copyfile(nzl, folder / "macros.xlsm")
    cases["macros.xlsm"] = "a macro-enabled or binary workbook is refused"
    _rewrite_zip(nzl, folder / "vba.xlsx", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    cases["vba.xlsx"] = "contains macros (a VBA project)"
    _rewrite_zip(nzl, folder / "linked.xlsx", add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    cases["linked.xlsx"] = "has links to other workbooks (external links)"
    (folder / "letter.xlsx").write_text("Dear review team, our figures are attached.\n")
    cases["letter.xlsx"] = "is not an Excel workbook (.xlsx)"
    _rewrite_zip(nzl, folder / "bomb.xlsx", add={"xl/media/zeros.bin": bytes(30 * 2**20)})
    cases["bomb.xlsx"] = "unpacks to more than 25 MB"
    edit("cells.xlsx", lambda b: b["dependency"].cell(10_000, 30, 1))
    cases["cells.xlsx"] = "has more than 200,000 cells"
    edit("merged.xlsx", lambda b: b["dependency"].merge_cells("F5:G5"))
    cases["merged.xlsx"] = "merged.xlsx, sheet dependency, row 5: merged cells in the data are not read"

    def hide(book):
        book["dependency"].row_dimensions[6].hidden = True

    edit("hidden.xlsx", hide)
    cases["hidden.xlsx"] = "hidden.xlsx, sheet dependency, row 6: hidden rows in the data are not read"

    def rename(book):
        book["stockpiles"].title = "stocks"

    edit("renamed.xlsx", rename)
    cases["renamed.xlsx"] = "sheet 'stockpiles' is missing or was renamed: keep the sheet names of the workbook sent; the workbook has 'stocks'"
    edit("missing.xlsx", lambda b: b.remove(b["recycling"]))
    cases["missing.xlsx"] = "sheet 'recycling' is missing or was renamed"

    def other_cycle(book):
        book[META]["B2"] = 2025

    edit("cycle.xlsx", other_cycle)
    cases["cycle.xlsx"] = "is a return for cycle 2025, not for this cycle (2026)"
    shutil.copyfile(outbox / "DEU-2026.xlsx", folder / "NZL-2026.xlsx")
    cases["NZL-2026.xlsx"] = "is DEU's return, but its name says NZL"

    def bad_value(book):
        book["dependency"]["E4"] = "UK"

    edit("value.xlsx", bad_value)
    cases["value.xlsx"] = "value.xlsx, sheet dependency, row 4, column origin: must be an ISO 3166-1 alpha-3 country code, or XXX for other countries: value 'UK': did you mean GBR?"

    def other_member(book):
        book["dependency"]["B5"] = "AUS"

    edit("member.xlsx", other_member)
    cases["member.xlsx"] = "member.xlsx, sheet dependency, row 5, column member: must be NZL, the member whose return this is: value 'AUS'"
    edit("formula.xlsx", lambda b: b["dependency"].__setitem__("F4", "=100+20"))  # openpyxl saves no value for it
    cases["formula.xlsx"] = "formula.xlsx, sheet dependency, row 4, column quantity_t: a formula without a saved value"
    (folder / "stockpiles.csv").write_text("year,member,mineral,holdings_t,annual_consumption_t,target_days,confidential,source\n")
    cases["stockpiles.csv"] = "a CSV return needs --member"
    return cases


def test_hostile_or_broken_returns_are_refused_and_change_nothing(round_):
    cases = hostile_returns(round_["base"] / "outbox", round_["base"] / "hostile")
    state = tree_state(round_["inputs"])
    proc = run_review("ingest", *[round_["base"] / "hostile" / name for name in cases], "--inputs", round_["inputs"], env={"COLUMNS": "400"})
    assert proc.returncode == 2
    for name, words in cases.items():
        assert f"Refused {name}: nothing from it was merged." in proc.stderr, name
        assert words in proc.stderr, f"{name}: {words}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    assert tree_state(round_["inputs"]) == state


def test_a_later_return_replaces_an_earlier_one(round_):
    inputs = round_["inputs"]
    later = round_["base"] / "later"
    later.mkdir()
    book = openpyxl.load_workbook(round_["files"][0])
    book["dependency"].cell(FIRST_DATA_ROW, 6).value = 14000
    book.save(later / "USA-2026.xlsx")
    # a member that sends a table as CSV: IND's stockpiles, one holding revised
    rows = [r for r in csv.reader(io.StringIO((inputs / "stockpiles.csv").read_text())) if r[1] == "IND" and r[0] == "2025"]
    header = (inputs / "stockpiles.csv").read_text().splitlines()[0]
    revised = [rows[0][:3] + ["999"] + rows[0][4:]] + rows[1:]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(revised)
    (later / "stockpiles.csv").write_text(header + "\n" + buffer.getvalue())
    before = rows_of(inputs / "dependency.csv")
    proc = run_review("ingest", later / "USA-2026.xlsx", "--member", "IND", "--inputs", inputs)
    assert proc.returncode == 2 and "is USA's return, not IND's (--member)" in proc.stderr  # --member holds for workbooks too
    proc = run_review("ingest", later / "USA-2026.xlsx", "--inputs", inputs)
    assert proc.returncode == 0, proc.stderr
    proc = run_review("ingest", later / "stockpiles.csv", "--member", "IND", "--inputs", inputs)
    assert proc.returncode == 0, proc.stderr
    after = rows_of(inputs / "dependency.csv")
    assert [r[5] for r in after - before] == ["14000"] and [r[5] for r in before - after] == ["13000"]
    assert tuple(rows[0][:3] + ["999"] + rows[0][4:]) in rows_of(inputs / "stockpiles.csv")
    log = list(csv.DictReader(io.StringIO((inputs / "submissions.csv").read_text())))
    assert [(r["member"], r["file"], r["rows"]) for r in log[3:]] == [("USA", "USA-2026.xlsx", "dependency=133;stockpiles=5;recycling=6;traceability=1;projects=21"), ("IND", "stockpiles.csv", "stockpiles=1")]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_a_written_workbook_without_warnings(round_, tmp_path):
    """Every sheet converts to CSV (LibreOffice 7.2+ writes one file per sheet), and the data rows come back as the sample's."""
    workbook = round_["base"] / "outbox" / "AUS-2026.xlsx"
    options = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"
    env = {**os.environ, "HOME": str(tmp_path)}  # a fresh LibreOffice profile
    proc = subprocess.run(["soffice", "--headless", "--convert-to", options, "--outdir", tmp_path / "csv", workbook], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # javaldx is LibreOffice's Java launcher: a note about the machine, not about the workbook
    noise = [line for line in proc.stderr.splitlines() if line.strip() and "javaldx" not in line]
    assert noise == [] and "Error" not in proc.stdout
    converted = rows_of(tmp_path / "csv" / "AUS-2026-dependency.csv")
    sample = Counter(r for r in rows_of(SAMPLE / "dependency.csv") if r[0] == "2026" and r[1] == "AUS")
    assert sum(converted.values()) == 3 + sum(sample.values()) and converted & sample == sample


GUIDE = ROOT / "docs" / "analyst-guide.md"


def test_the_guide_runs_the_round_as_written(tmp_path):
    """docs/analyst-guide.md, "Collect the members' data": its commands in order, on a 2027 cycle rolled from the sample.

    Between `collect` and `ingest` the workbooks go out and come back (here: USA's and
    JPN's returned as sent, the prefill standing for their figures). The draft build at the
    end is the one the guide's sections 3 and 4 show (tested in test_cli.py); it is not run here.
    """
    section = GUIDE.read_text().split("## 2a. Collect the members' data", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for block in re.findall(r"```shell\n(.*?)```", section, flags=re.S) for line in block.splitlines() if line.strip().startswith("review ")]
    assert [c.split()[1] for c in commands] == ["collect", "ingest", "status", "build"]
    shutil.copytree(SAMPLE, tmp_path / "inputs", ignore=shutil.ignore_patterns("2025", "*.py", "*.md"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "120"}

    def run(command):
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
        return proc

    run("review new-cycle 2027 --from inputs --to inputs-2027")
    outputs = {}
    for command in commands[:-1]:
        if command.startswith("review ingest"):
            (tmp_path / "returned").mkdir()
            for code in ("USA", "JPN"):
                shutil.copyfile(tmp_path / "outbox" / f"{code}-2027.xlsx", tmp_path / "returned" / f"{code}-2027.xlsx")
        outputs[command.split()[1]] = run(command).stdout
    assert "Wrote 12 workbooks" in outputs["collect"]
    assert "2 of 12 members have sent a return; 10 missing" in outputs["status"]
    added = rows_of(tmp_path / "inputs-2027" / "dependency-2027.csv")  # the part new-cycle made for the year's rows
    assert {r[1] for r in added if r[0] == "2027"} == {"USA", "JPN"}


def test_the_deadline_in_review_yml_reaches_the_instructions(tmp_path):
    from review.inputs.collect import INSTRUCTIONS, write_workbook
    from review.inputs.config import load_config

    shutil.copyfile(SAMPLE / "review.yml", tmp_path / "review.yml")
    with open(tmp_path / "review.yml", "a") as f:
        f.write("collection:\n  deadline: 2026-12-18\n")
    deadline = load_config(tmp_path).collection.deadline
    assert deadline == dt.date(2026, 12, 18)
    lists = {"country": ["USA", "XXX"], "member": ["USA"], "mineral": ["gallium"], "stage": ["refining"], "status": ["operating"], "boolean": ["true", "false"]}
    write_workbook(tmp_path / "USA-2026.xlsx", "USA", "United States", 2026, deadline, {"stockpiles": [], "recycling": []}, lists)
    text = [r[0] for r in openpyxl.load_workbook(tmp_path / "USA-2026.xlsx")[INSTRUCTIONS].iter_rows(values_only=True) if r[0]]
    assert "Please return this workbook by 18 December 2026." in text
    assert "  stockpiles: 2025" in text and "  recycling: 2025" in text  # a year behind the cycle
