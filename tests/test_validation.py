"""Validation: every rule has a bad input that triggers it, and the message names file, row, column, rule and value."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE, run_review, tree_state

from review.inputs.problems import report_lines
from review.inputs.validation import validate


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


def reported(tiny, change, expected) -> str:
    """The validation report after `change`, which must name every part of `expected`."""
    change(tiny)
    text = report(tiny)
    for part in expected:
        assert part in text, f"{part!r} not in report:\n{text}"
    return text


@pytest.mark.parametrize("change, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported(tiny, change, expected):
    reported(tiny, change, expected)


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
    import review.inputs.validation as validation

    passed = tmp_path / "passed"
    first = validate(tiny, passed)
    assert first.ok and len(list(passed.glob("*.json"))) == 9
    # every rule set run is noted in a file: part of them run in a forked copy of the process (_run_all)
    log = tmp_path / "checked.txt"
    log.write_text("")

    def checked() -> list[str]:
        names = sorted(log.read_text().split())
        log.write_text("")
        return names

    def noting(source, name, *args):
        with log.open("a") as f:
            f.write(name + "\n")
        return real_run(source, name, *args)

    real_run = validation._run
    monkeypatch.setattr(validation, "_run", noting)
    again = validate(tiny, passed)
    assert checked() == [] and again.ok
    assert [(r.file, r.rule, r.checked) for r in again.results] == [(r.file, r.rule, r.checked) for r in first.results]
    edit_csv(tiny / "stockpiles.csv", 2, "holdings_t", "11")
    assert validate(tiny, passed).ok and checked() == ["stockpiles", "stockpiles"]  # its raw and its typed pass
    edit_csv(tiny / "minerals.csv", 3, "priority", "low")  # a reference table: every table is checked again
    validate(tiny, passed)
    assert set(checked()) == {"members", "partners", "minerals", "targets", "dependency", "production", "projects", "stockpiles", "recycling"}
    edit_csv(tiny / "recycling.csv", 2, "recycled_output_t", "-1")
    assert not validate(tiny, passed).ok  # a bad table is never remembered
    assert "recycling" in checked()


def test_rule_sets_run_in_two_processes_give_what_one_process_gives(tiny, tmp_path, monkeypatch):
    """_run_all splits the rule sets between this process and a forked copy; the results,
    the problems and their order are those of running them one after the other."""
    import review.inputs.validation as validation

    edit_csv(tiny / "recycling.csv", 2, "recycled_output_t", "-1")  # a problem in one table
    edit_csv(tiny / "stockpiles.csv", 3, "member", "ZZZ")  # and one across tables
    pids, real_run = tmp_path / "pids.txt", validation._run

    def noting(*args):
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return real_run(*args)

    monkeypatch.setattr(validation, "_run", noting)
    split = validate(tiny)
    ran_in, _ = set(pids.read_text().split()), pids.write_text("")
    monkeypatch.setattr(validation.os, "cpu_count", lambda: 1)
    alone = validate(tiny)
    assert len(ran_in) == 2 and set(pids.read_text().split()) == {str(os.getpid())}
    assert not split.ok and len(split.problems) >= 2
    assert split.problems == alone.problems and split.results == alone.results




# --- numbers are finite and plausible, identifiers and texts have a length (issue 18) -----------------


def rename_everywhere(inputs: Path, old: str, new: str) -> None:
    """Rename an id in every file, so that it is consistent and only its own rules can fail."""
    for path in inputs.glob("*.csv"):
        path.write_text(path.read_text().replace(old, new))


def two_huge_holdings(inputs: Path) -> None:
    edit_csv(inputs / "stockpiles.csv", 3, "holdings_t", "1e308")  # USA 2025
    edit_csv(inputs / "stockpiles.csv", 5, "holdings_t", "1e308")  # JPN 2025: the two would sum to infinity


LONG_ID = "l" * 300
BOUND_CASES = [
    ("float-overflow", lambda d: edit_csv(d / "dependency.csv", 5, "quantity_t", "1e309"), ["dependency.csv, row 5, column quantity_t", "must be a number", "'1e309'"]),
    ("inf", lambda d: edit_csv(d / "stockpiles.csv", 3, "holdings_t", "inf"), ["stockpiles.csv, row 3, column holdings_t", "must be a number", "'inf'"]),
    ("nan", lambda d: edit_csv(d / "recycling.csv", 2, "consumption_t", "nan"), ["recycling.csv, row 2, column consumption_t", "must be a number", "'nan'"]),
    ("too-many-digits", lambda d: edit_csv(d / "production.csv", 2, "quantity_t", "1" * 400), ["production.csv, row 2, column quantity_t", "at most 15 digits", "'111111111111"]),
    ("year-overflow", lambda d: edit_csv(d / "dependency.csv", 2, "year", "9" * 30), ["dependency.csv, row 2, column year", "must be a whole number (at most 9 digits)", "'999999999"]),
    ("tonnes-above-bound", lambda d: edit_csv(d / "production.csv", 3, "quantity_t", "2e12"), ["production.csv, row 3, column quantity_t", "must be at most 1,000,000,000,000 t", "2000000000000"]),
    ("two-1e308-rows", two_huge_holdings, ["stockpiles.csv, row 3, column holdings_t: must be at most 1,000,000,000,000 t", "stockpiles.csv, row 5, column holdings_t: must be at most 1,000,000,000,000 t"]),
    ("musd-above-bound", lambda d: edit_csv(d / "projects.csv", 2, "capex_musd", "5e7"), ["projects.csv, row 2, column capex_musd", "must be at most USD 10,000,000 million", "50000000"]),
    ("days-above-bound", lambda d: edit_csv(d / "stockpiles.csv", 2, "target_days", "1e6"), ["stockpiles.csv, row 2, column target_days", "must be at most 36,500 days (a century)", "1000000"]),
    ("cover-target-above-bound", lambda d: edit_csv(d / "targets.csv", 6, "value", "40000"), ["targets.csv, row 6, column value", "a stockpile cover target must be at most 36,500 days", "40000"]),
    ("mineral-id-300-chars", lambda d: rename_everywhere(d, "lithium", LONG_ID), ["minerals.csv, row 3, column id", "must be at most 40 characters", f"'{'l' * 60}'... (300 characters)"]),
    ("project-id-long", lambda d: edit_csv(d / "projects.csv", 6, "project_id", "P" * 41), ["projects.csv, row 6, column project_id", "must be at most 40 characters", "'" + "P" * 41 + "'"]),
    ("name-long", lambda d: edit_csv(d / "members.csv", 2, "name", "United States" * 20), ["members.csv, row 2, column name", "must be at most 200 characters", "(260 characters)"]),
    ("name-with-line-break", lambda d: edit_csv(d / "members.csv", 3, "name", "Japan\nbold"), ["members.csv, row 3, column name", "must be one line of text", "'Japan\\nbold'"]),
    ("name-with-bidi-override", lambda d: edit_csv(d / "members.csv", 3, "name", "Japan\u202enapaJ"), ["members.csv, row 3, column name", "bidirectional overrides"]),
    ("source-long", lambda d: edit_csv(d / "production.csv", 2, "source", "USGS 2025 " * 60), ["production.csv, row 2, column source", "must be at most 500 characters", "(600 characters)"]),
]


@pytest.mark.parametrize("change, expected", [c[1:] for c in BOUND_CASES], ids=[c[0] for c in BOUND_CASES])
def test_implausible_input_is_reported(tiny, change, expected):
    text = reported(tiny, change, expected)
    assert all(len(line) < 400 for line in text.splitlines()), "a long value is quoted in full"


def test_a_sum_that_overflows_stops_the_indicators():
    """The second line of defence: were two 1e308 rows to get past validation, the total is not printed as inf."""
    from conftest import TINY

    from review.analysis import indicators as ind
    from review.inputs.config import load_config
    from review.inputs.data import TABLES, read_raw, typed

    tables = {name: typed(read_raw(TINY, spec)) for name, spec in TABLES.items()}
    latest = tables["stockpiles"]["year"] == 2025
    # each member's cover is finite (1e308 / 1e300 * 365), the Alliance's holdings 1e308 * 3 are not
    tables["stockpiles"].loc[latest, ["holdings_t", "annual_consumption_t"]] = [1e308, 1e300]
    with pytest.raises(ArithmeticError, match="for rare-earths, alliance, 2025 is infinite"):
        ind.compute_all(tables, load_config(TINY))


# --- review.yml cannot be turned against the build (issue 18) ---------------------------------------


def config_problems(inputs: Path, text: str) -> str:
    from review.inputs.config import ConfigError, load_config
    from review.inputs.problems import Problem

    (inputs / "review.yml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(inputs)
    return "\n".join(Problem("review.yml", line, key, msg).line() for line, key, msg in caught.value.problems)


def alias_bomb() -> str:
    """Nine levels of nine aliases: 9**9 (387 million) strings once expanded, in 700 bytes."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "cycle: 2026\n" + "\n".join(lines) + "\n"


def test_alias_bomb_fails_fast_and_small(tiny):
    import time
    import tracemalloc

    from review.inputs.config import load_config

    load_config(tiny)  # imports done, so that only the refusal is measured
    tracemalloc.start()
    started = time.perf_counter()
    text = config_problems(tiny, alias_bomb())
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert text.startswith("review.yml, line 2") and "must not use YAML anchors (&) or aliases (*)" in text
    assert elapsed < 1.0 and peak < 5_000_000, (elapsed, peak)


def test_a_single_alias_is_refused(tiny):
    text = config_problems(tiny, "cycle: &year 2026\nprevious_cycle: *year\n")
    assert text.startswith("review.yml, line 1") and "must not use YAML anchors" in text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cycle: 2026\ntitle: A\ncycle: 2027\n", "review.yml, line 3, column cycle: duplicate key: first given on line 1"),
        ("cycle: 2026\nstatus_weights:\n  announced: 0.1\n  feasibility: 0.2\n  announced: 0.3\n", "review.yml, line 5, column status_weights.announced: duplicate key: first given on line 3"),
        ("cycle: 2026\ndisclosure: {p: 10, p: 1}\n", "review.yml, line 2, column disclosure.p: duplicate key: first given on line 2"),
    ],
    ids=["top-level", "nested", "flow-mapping"],
)
def test_duplicate_keys_are_an_error(tiny, text, expected):
    assert expected in config_problems(tiny, text)


def test_a_huge_settings_file_is_refused_before_it_is_read(tiny):
    import time

    started = time.perf_counter()
    text = config_problems(tiny, "cycle: 2026\n" + "".join(f"key{i}: {i}\n" for i in range(200_000)))
    assert "is 3,377,792 bytes; review.yml may be at most 65,536 bytes" in text
    assert time.perf_counter() - started < 1.0


def test_the_number_of_settings_is_bounded(tiny):
    text = config_problems(tiny, "cycle: 2026\n" + "".join(f"k{i}: 1\n" for i in range(5_000)))  # 40 kB, under the size cap
    assert "has more than 1,000 values" in text and text.count("\n") == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cycle: 2026\ndemand_growth: .inf\n", "review.yml, line 2, column demand_growth: Input should be a finite number (got inf)"),
        ("cycle: 2026\nat_risk_margin: .nan\n", "review.yml, line 2, column at_risk_margin: Input should be a finite number (got nan)"),
        ("cycle: 2026\ndisclosure:\n  p: 0\n", "review.yml, line 2, column disclosure.p: Input should be greater than 0"),
        ("cycle: 2026\ndisclosure:\n  max_share: 0.8\n", "review.yml, line 2, column disclosure.max_share: Extra inputs are not permitted"),
        ("cycle: 2026\ntitle: " + "T" * 201 + "\n", "review.yml, line 2, column title: String should have at most 200 characters"),
        ('cycle: 2026\ntitle: "Annual\\nReview"\n', "review.yml, line 2, column title: Value error, the title must be one line of printable text"),
        ("cycle: 2026\n? [a, b]\n: 1\n", "keys must be plain names"),
        ("cycle: 2026\nx: " + "[" * 900 + "]" * 900 + "\n", "nests more than 10 levels deep"),
        ("cycle: " + "9" * 5000 + "\n", "has a value that cannot be read"),
    ],
    ids=["inf", "nan", "p-zero", "old-rule-setting", "long-title", "two-line-title", "list-as-key", "deep-nesting", "5000-digit-integer"],
)
def test_settings_values_are_checked(tiny, text, expected):
    assert expected in config_problems(tiny, text)


def test_long_values_are_shortened_in_messages(tiny):
    text = config_problems(tiny, "cycle: 2026\ntitle: " + "T" * 50_000 + "\n? " + "x" * 5_000 + "\n: 1\n")
    assert "String should have at most 200 characters" in text and "Extra inputs are not permitted" in text
    assert len(text) < 600, text


def test_validation_leaves_scipy_stats_unloaded_until_used(tiny):
    """Importing Great Expectations for validation does not load scipy.stats (about 0.8 s
    it never needs here), and scipy.stats still works when something uses it afterwards."""
    script = f"""
import sys
from pathlib import Path
from review.inputs.validation import validate
assert validate(Path({str(tiny)!r})).ok
assert "great_expectations" in sys.modules
assert "scipy.stats._stats_py" not in sys.modules, "scipy.stats was loaded in full"
import scipy.stats
from scipy.stats import norm
assert abs(norm.cdf(0.0) - 0.5) < 1e-12 and scipy.stats.norm is norm
assert "scipy.stats._stats_py" in sys.modules
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]

