"""Validation: every rule has a bad input that triggers it, and the message names file, row, column, rule and value."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from review.problems import report_lines
from review.validation import validate

from conftest import SAMPLE, run_review, tree_state


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell; `row` counts as in the file (header = 1)."""
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    rows[row - 2][column] = value
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())


def append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def replace_text(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def report(inputs: Path) -> str:
    outcome = validate(inputs)
    assert not outcome.ok, "expected the inputs to be invalid"
    return "\n".join(report_lines(outcome.problems))


# (id, change to the tiny cycle, substrings the report must contain)
CASES = [
    ("missing-file", lambda d: (d / "partners.csv").unlink(), ["partners.csv", "file must exist"]),
    ("empty-file", lambda d: (d / "members.csv").write_text(""), ["members.csv", "file must not be empty"]),
    ("bad-encoding", lambda d: (d / "members.csv").write_bytes((d / "members.csv").read_bytes().replace(b"Japan", b"Jap\xe9n")), ["members.csv, row 3", "must be UTF-8", "xe9"]),
    ("semicolons", lambda d: (d / "partners.csv").write_text("code;name\nCHL;Chile\n"), ["partners.csv, row 1", "separated by commas, not semicolons", "'code;name'"]),
    ("tabs", lambda d: (d / "partners.csv").write_text("code\tname\nCHL\tChile\n"), ["partners.csv, row 1", "not tabs"]),
    ("duplicate-header", lambda d: (d / "partners.csv").write_text("code,code\nCHL,Chile\n"), ["partners.csv, row 1, column code", "column names in the header must be unique"]),
    ("ragged-row", lambda d: append_line(d / "recycling.csv", "2025,AUS,rare-earths,1,2,3,4"), ["recycling.csv, row 6", "each row must have 6 fields like the header", "7 fields"]),
    ("missing-column", lambda d: (d / "partners.csv").write_text("code\nCHL\n"), ["partners.csv, row 1, column name", "required column must be in the header"]),
    ("empty-cell", lambda d: edit_csv(d / "dependency.csv", 3, "member", ""), ["dependency.csv, row 3, column member", "must not be empty", "(empty)"]),
    ("not-whole-number", lambda d: edit_csv(d / "dependency.csv", 4, "year", "2024.5"), ["dependency.csv, row 4, column year", "must be a whole number", "'2024.5'"]),
    ("not-a-number", lambda d: edit_csv(d / "dependency.csv", 5, "quantity_t", "12 t"), ["dependency.csv, row 5, column quantity_t", "must be a number", "'12 t'"]),
    ("not-a-bool", lambda d: edit_csv(d / "stockpiles.csv", 2, "confidential", "yes"), ["stockpiles.csv, row 2, column confidential", "must be true or false", "'yes'"]),
    ("negative", lambda d: edit_csv(d / "dependency.csv", 6, "quantity_t", "-3"), ["dependency.csv, row 6, column quantity_t", "must be at least 0", "-3"]),
    ("year-after-cycle", lambda d: edit_csv(d / "dependency.csv", 2, "year", "2031"), ["dependency.csv, row 2, column year", "must be a year from 1990 to 2026", "2031"]),
    ("duplicate-key", lambda d: append_line(d / "dependency.csv", "2024,USA,rare-earths,refining,CHN,5,dup"), ["dependency.csv, row 23", "(year, member, mineral, stage, origin) must be unique", "2024"]),
    ("unknown-member", lambda d: edit_csv(d / "dependency.csv", 3, "member", "FRA"), ["dependency.csv, row 3, column member", "must be a member code listed in members.csv", "'FRA'"]),
    ("unknown-mineral", lambda d: edit_csv(d / "recycling.csv", 2, "mineral", "cobalt"), ["recycling.csv, row 2, column mineral", "must be a mineral id listed in minerals.csv", "'cobalt'"]),
    ("stage-not-of-mineral", lambda d: edit_csv(d / "dependency.csv", 16, "stage", "mining"), ["dependency.csv, row 16, column stage", "stage must be one of the mineral's stages", "('lithium', 'mining')"]),
    ("bad-origin", lambda d: edit_csv(d / "dependency.csv", 2, "origin", "ZZZ"), ["dependency.csv, row 2, column origin", "ISO 3166-1 alpha-3", "'ZZZ'"]),
    ("origin-with-space", lambda d: edit_csv(d / "dependency.csv", 2, "origin", " CHN"), ["dependency.csv, row 2, column origin", "' CHN'"]),
    ("bad-member-code", lambda d: edit_csv(d / "members.csv", 2, "code", "US"), ["members.csv, row 2, column code", "ISO 3166-1 alpha-3", "'US'"]),
    ("bad-group", lambda d: edit_csv(d / "members.csv", 3, "group", "G8"), ["members.csv, row 3, column group", "must be G7 or partner", "'G8'"]),
    ("partner-is-member", lambda d: append_line(d / "partners.csv", "JPN,Japan"), ["partners.csv, row 3, column code", "must not also be listed in members.csv", "'JPN'"]),
    ("mineral-not-slug", lambda d: replace_text(d / "minerals.csv", "lithium,Lithium", "Lithium ore,Lithium"), ["minerals.csv, row 3, column id", "lower-case slug", "'Lithium ore'"]),
    ("bad-stages", lambda d: replace_text(d / "minerals.csv", "mining;refining", '"mining, refining"'), ["minerals.csv, row 2, column stages", "separated by ';'", "'mining, refining'"]),
    ("bad-priority", lambda d: edit_csv(d / "minerals.csv", 3, "priority", "urgent"), ["minerals.csv, row 3, column priority", "must be high, medium or low", "'urgent'"]),
    ("bad-indicator", lambda d: edit_csv(d / "targets.csv", 4, "indicator", "dependency"), ["targets.csv, row 4, column indicator", "must be single_supplier_dependency, recycling_share or stockpile_cover_days", "'dependency'"]),
    ("bad-comparator", lambda d: edit_csv(d / "targets.csv", 2, "comparator", "<="), ["targets.csv, row 2, column comparator", "must be max or min", "'<='"]),
    ("bad-kind", lambda d: edit_csv(d / "targets.csv", 3, "kind", "goal"), ["targets.csv, row 3, column kind", "must be target or ambition", "'goal'"]),
    ("share-target-above-1", lambda d: edit_csv(d / "targets.csv", 2, "value", "60"), ["targets.csv, row 2, column value", "a share target must be between 0 and 1", "60"]),
    ("stage-on-recycling-target", lambda d: edit_csv(d / "targets.csv", 5, "stage", "refining"), ["targets.csv, row 5, column stage", "stage must be empty for recycling_share and stockpile_cover_days", "'refining'"]),
    ("no-stage-on-dependency-target", lambda d: edit_csv(d / "targets.csv", 4, "stage", ""), ["targets.csv, row 4, column stage", "stage must be given for single_supplier_dependency"]),
    ("baseline-after-target", lambda d: edit_csv(d / "targets.csv", 2, "baseline_year", "2026") or edit_csv(d / "targets.csv", 2, "year", "2025"), ["targets.csv, row 2, column baseline_year", "baseline_year must be before the target year"]),
    ("source-without-edition", lambda d: edit_csv(d / "production.csv", 3, "source", "USGS"), ["production.csv, row 3, column source", "must name its edition year", "'USGS'"]),
    ("bad-sponsor", lambda d: edit_csv(d / "projects.csv", 6, "sponsors", "AUS;DEU"), ["projects.csv, row 6, column sponsors", "must be member codes from members.csv separated by ';'", "'AUS;DEU'"]),
    ("bad-status", lambda d: edit_csv(d / "projects.csv", 3, "status", "built"), ["projects.csv, row 3, column status", "must be one of announced", "'built'"]),
    ("public-finance-above-capex", lambda d: edit_csv(d / "projects.csv", 2, "public_finance_musd", "150"), ["projects.csv, row 2, column public_finance_musd", "public finance must not exceed capex"]),
    ("zero-consumption", lambda d: edit_csv(d / "stockpiles.csv", 4, "annual_consumption_t", "0"), ["stockpiles.csv, row 4, column annual_consumption_t", "must be greater than 0", "0"]),
    ("recycled-above-consumption", lambda d: edit_csv(d / "recycling.csv", 3, "recycled_output_t", "101") or edit_csv(d / "recycling.csv", 3, "capacity_t", "200"), ["recycling.csv, row 3, column recycled_output_t", "must not exceed consumption", "(100, 101)"]),
    ("recycled-above-capacity", lambda d: edit_csv(d / "recycling.csv", 2, "recycled_output_t", "5"), ["recycling.csv, row 2, column recycled_output_t", "must not exceed recycling capacity", "(4, 5)"]),
    ("config-missing-cycle", lambda d: (d / "review.yml").write_text("title: x\n"), ["review.yml", "column cycle", "Field required"]),
    ("config-bad-yaml", lambda d: (d / "review.yml").write_text("cycle: 2026\ntitle: [unclosed\n"), ["review.yml", "not valid YAML"]),
    ("config-unknown-key", lambda d: append_line(d / "review.yml", "demand_grwth: 0.1"), ["review.yml, line 5, column demand_grwth", "Extra inputs are not permitted"]),
    ("config-bad-value", lambda d: replace_text(d / "review.yml", "demand_growth: 0.0", "demand_growth: fast"), ["review.yml, line 4, column demand_growth", "valid number", "'fast'"]),
    ("config-missing", lambda d: (d / "review.yml").unlink(), ["review.yml", "file is missing"]),
    ("config-previous-after-cycle", lambda d: replace_text(d / "review.yml", "previous_cycle: 2025", "previous_cycle: 2027"), ["review.yml", "previous_cycle (2027) must be before cycle (2026)"]),
]


@pytest.mark.parametrize("change, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported(tiny, change, expected):
    change(tiny)
    text = report(tiny)
    for part in expected:
        assert part in text, f"{part!r} not in report:\n{text}"


def test_bad_quotes_are_reported(tiny):
    append_line(tiny / "partners.csv", 'NOR,"Norway')
    append_line(tiny / "partners.csv", "SWE,Sweden,extra")
    text = report(tiny)
    assert "partners.csv" in text and ("must be valid CSV" in text or "fields like the header" in text)


def test_at_most_twenty_per_rule_then_a_count(tiny):
    lines = (tiny / "dependency.csv").read_text().splitlines()
    bad = [lines[0]] + [",".join(["2024", "USA", "rare-earths", "refining", f"Q{i:02d}", "1", "x"]) for i in range(25)]
    (tiny / "dependency.csv").write_text("\n".join(bad) + "\n")
    text = report(tiny)
    assert text.count("ISO 3166-1 alpha-3 country code, or XXX") == 20 + 1  # 20 lines and the count line
    assert "... and 5 more in dependency.csv for rule: must be an ISO 3166-1" in text


def test_problems_are_grouped_by_file(tiny):
    edit_csv(tiny / "dependency.csv", 2, "origin", "ZZZ")
    edit_csv(tiny / "recycling.csv", 2, "mineral", "cobalt")
    edit_csv(tiny / "dependency.csv", 5, "quantity_t", "-1")
    lines = report_lines(validate(tiny).problems)
    headings = [line for line in lines if not line.startswith("  ")]
    assert headings == ["dependency.csv: 2 problems", "recycling.csv: 1 problem"]


def test_sample_cycle_is_valid():
    outcome = validate(SAMPLE)
    assert outcome.ok, "\n".join(report_lines(outcome.problems))
    assert outcome.config.cycle == 2026
    assert len(outcome.tables["projects"]["project_id"].unique()) >= 40
    assert outcome.results and all(r.failed == 0 for r in outcome.results)


def test_cli_exit_codes_and_untouched_outputs(tiny, tmp_path):
    outputs = tmp_path / "outputs"
    ok = run_review("validate", "--inputs", tiny, "--outputs", outputs)
    assert ok.returncode == 0, ok.stderr
    snapshot = outputs / "2026" / "public" / "validated"
    assert (snapshot / "snapshot.json").is_file() and (snapshot / "dependency.parquet").is_file()
    assert (snapshot / "validation.json").is_file()
    before = tree_state(outputs)

    edit_csv(tiny / "dependency.csv", 2, "quantity_t", "-5")
    bad = run_review("validate", "--inputs", tiny, "--outputs", outputs)
    assert bad.returncode == 2
    assert "dependency.csv, row 2, column quantity_t: must be at least 0: value -5" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert tree_state(outputs) == before

    (tiny / "review.yml").write_text("cycle: soon\n")
    assert run_review("validate", "--inputs", tiny, "--outputs", outputs).returncode == 2
    assert tree_state(outputs) == before


def test_invalid_run_creates_nothing(tiny, tmp_path):
    outputs = tmp_path / "fresh"
    edit_csv(tiny / "members.csv", 2, "group", "G8")
    assert run_review("validate", "--inputs", tiny, "--outputs", outputs).returncode == 2
    assert not outputs.exists()


def test_tool_failure_exits_1(tiny, tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("a file where the outputs folder should be")
    proc = run_review("validate", "--inputs", tiny, "--outputs", blocker)
    assert proc.returncode == 1
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr


def test_every_command_has_help():
    from typer.main import get_command

    from review.cli import app

    for name in get_command(app).commands:
        proc = run_review(name, "--help")
        assert proc.returncode == 0 and "Usage" in proc.stdout, name


def test_tables_that_passed_are_not_checked_again(tiny, tmp_path, monkeypatch):
    import review.validation as validation

    passed = tmp_path / "passed"
    first = validate(tiny, passed)
    assert first.ok and len(list(passed.glob("*.json"))) == 9
    checked = []
    real_run = validation._run
    monkeypatch.setattr(validation, "_run", lambda source, name, *a: checked.append(name) or real_run(source, name, *a))
    again = validate(tiny, passed)
    assert checked == [] and again.ok
    assert [(r.file, r.rule, r.checked) for r in again.results] == [(r.file, r.rule, r.checked) for r in first.results]
    edit_csv(tiny / "stockpiles.csv", 2, "holdings_t", "11")
    assert validate(tiny, passed).ok and checked == ["stockpiles", "stockpiles"]  # its raw and its typed pass
    checked.clear()
    edit_csv(tiny / "minerals.csv", 3, "priority", "low")  # a reference table: every table is checked again
    validate(tiny, passed)
    assert set(checked) == {"members", "partners", "minerals", "targets", "dependency", "production", "projects", "stockpiles", "recycling"}
    checked.clear()
    edit_csv(tiny / "recycling.csv", 2, "recycled_output_t", "-1")
    assert not validate(tiny, passed).ok  # a bad table is never remembered
    assert "recycling" in checked
