"""The command line as a new user meets it: help at 80 columns, one-line progress, validation messages that say what to do."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, TINY, run_review

from review.inputs.validation import closest, iso3_codes, validate

COMMANDS = ["validate", "indicators", "build", "verify", "reproduce", "keygen", "server", "serve", "new-cycle", "compare"]
NARROW = {"COLUMNS": "80"}


def help_text(*command: str) -> str:
    proc = run_review(*command, "--help", env=NARROW)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def description(text: str) -> list[list[str]]:
    """The paragraphs between the usage line and the first section, as lists of lines."""
    lines = text.splitlines()[1:]
    end = next(i for i, line in enumerate(lines) if line in ("Options:", "Arguments:", "Commands:"))
    paragraphs, current = [], []
    for line in lines[:end] + [""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    return paragraphs


@pytest.mark.parametrize("command", [[]] + [[c] for c in COMMANDS], ids=["review"] + COMMANDS)
def test_every_help_reads_cleanly_at_80_columns(command):
    text = help_text(*command)
    assert max(map(len, text.splitlines())) <= 80
    assert not re.search(r"\S \.(\s|$)", text), "a stray space before a full stop"
    assert "<bool>" not in text and "..." not in text.replace("[ARGS]...", "")
    for paragraph in description(text):
        if paragraph[0].strip().endswith("Examples:"):
            continue  # kept as written
        # reflowed, not hard-wrapped: every line of a paragraph but its last fills most of the width
        assert all(len(line) >= 60 for line in paragraph[:-1]), paragraph


def flat(text: str) -> str:
    return " ".join(text.split())


def test_defaults_and_examples_are_stated():
    inputs_default = "[default: ./inputs, else the sample shipped with the package]"
    for command in ("validate", "indicators", "build"):
        text = flat(help_text(command))
        assert inputs_default in text and "[default: edition in review.yml, else public]" in text, command
    assert inputs_default in flat(help_text("new-cycle"))
    build = help_text("build")
    assert "  review build --only mineral=rare-earths,member=JPN,overview\n" in build  # the example on one line
    assert "--force  " in build and "--previous OUT" in build
    assert "[default: previous_outputs in review.yml, else OUTPUTS/<previous_cycle>/<edition>]" in flat(build)


def test_progress_lines_stay_on_one_line_at_80_columns():
    from rich.console import Console

    from review.cli import RichReporter

    buffer = io.StringIO()
    with RichReporter(False, False, console=Console(file=buffer, width=80, force_terminal=False)) as reporter:
        reporter.stage("validate")
        reporter.stage_done("validate", "123,456 rows valid")
        reporter.stage("execute", 125)
        for i in range(125):
            reporter.job_done(SimpleNamespace(ok=True, cached=i % 2 == 0, name=f"n{i}", duration_s=1.0, error=None))
        reporter.stage_done("execute", "63 ran · 62 cached · 3 left out")
        reporter.stage("assemble")
        reporter.stage_done("assemble", "14 chapters")
        reporter.stage("render")
        reporter.stage_done("render", "HTML and PDF")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 4 and max(map(len, lines)) <= 80
    assert lines[1].startswith("✓ Execute notebooks") and " 125/125 " in lines[1] and lines[1].rstrip().endswith("63 ran · 62 cached · 3 left out")


def test_a_missing_inputs_folder_is_one_line(tmp_path):
    proc = run_review("validate", "--inputs", tmp_path / "nowhere", "--outputs", tmp_path / "out")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: --inputs {tmp_path / 'nowhere'}: the folder does not exist"
    moved = run_review("new-cycle", "2027", "--from", tmp_path / "nowhere", "--to", tmp_path / "next")
    assert moved.returncode == 2 and "--from" in moved.stderr and "does not exist" in moved.stderr


def rewrite(path, row: int, old: str, new: str) -> None:
    """Replace text in one row of a CSV (the header is row 1)."""
    lines = path.read_text().splitlines()
    assert old in lines[row - 1]
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n")


def problem_lines(inputs) -> list[str]:
    return [p.line() for p in validate(inputs).problems]


def test_a_ragged_row_does_not_stop_the_other_checks_of_its_file(tiny):
    rewrite(tiny / "dependency.csv", 3, ",Tiny fixture", ",Tiny fixture,extra")
    rewrite(tiny / "dependency.csv", 5, ",20,", ",-20,")
    problems = problem_lines(tiny)
    assert problems == [
        "dependency.csv, row 3: each row must have 7 fields like the header: value 8 fields",
        "dependency.csv, row 5, column quantity_t: must be at least 0: value -20",  # found in the same round, at its own row
    ]


def test_unknown_codes_get_the_closest_valid_one(tiny):
    rewrite(tiny / "dependency.csv", 2, ",CHN,", ",UK,")
    rewrite(tiny / "dependency.csv", 3, "rare-earths", "rare earths")
    rewrite(tiny / "dependency.csv", 4, "JPN", "Japan")
    rewrite(tiny / "dependency.csv", 5, "refining", "refinning")
    problems = problem_lines(tiny)
    assert "dependency.csv, row 2, column origin: must be an ISO 3166-1 alpha-3 country code, or XXX for other countries: value 'UK': did you mean GBR?" in problems
    assert "dependency.csv, row 3, column mineral: must be a mineral id listed in minerals.csv: value 'rare earths': did you mean rare-earths?" in problems
    assert "dependency.csv, row 4, column member: must be a member code listed in members.csv: value 'Japan': did you mean JPN?" in problems
    assert "dependency.csv, row 5, column stage: stage must be one of the mineral's stages in minerals.csv: value ('rare-earths', 'refinning'): did you mean refining?" in problems


def test_closest_suggests_only_a_valid_value():
    codes = iso3_codes() | {"XXX"}
    assert closest("UK", codes) == "GBR" and closest("Germany", codes) == "DEU" and closest("chn", codes) == "CHN"
    assert closest("rare_earths", {"rare-earths", "lithium"}) == "rare-earths"
    assert closest("platinum", {"rare-earths", "lithium"}) is None
    assert closest("lithium", {"rare-earths", "lithium"}) is None  # valid already: nothing to suggest


def test_a_bad_mineral_is_reported_once(tiny):
    rewrite(tiny / "dependency.csv", 16, "lithium", "cobalt")
    problems = [p for p in validate(tiny).problems if p.row == 16]
    assert [(p.column, p.value) for p in problems] == [("mineral", "'cobalt'")]  # not also ('cobalt', 'refining') for the stage


def test_the_indicators_table_fits_80_columns_with_names_and_units(tmp_path):
    proc = run_review("indicators", "--inputs", TINY, "--outputs", tmp_path, env=NARROW)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert max(map(len, out.splitlines())) <= 80
    assert "Single-supplier dependency (%): targets" in out and "Stockpile cover (days of consumption): targets" in out
    assert "Rare earths" in out and "≥ 60 days" in out
    assert not re.search(r"rare-earths|single_supplier|stockpile_cover_days", out)


def test_indicators_after_validate_read_its_snapshot_and_check_nothing_again(tiny, tmp_path):
    """The guide's `review validate` then `review indicators`: the second reads the first's
    snapshot (same inputs, edition, code) instead of validating again, so it runs with
    Great Expectations unimportable; a changed input is validated again (and then needs it)."""
    outputs = tmp_path / "out"
    run_review("validate", "--inputs", tiny, "--outputs", outputs, check=True)
    no_gx = tmp_path / "no-gx" / "great_expectations"
    no_gx.mkdir(parents=True)
    (no_gx / "__init__.py").write_text("raise ImportError('great_expectations was imported')\n")
    blocked = {"PYTHONPATH": os.pathsep.join([str(no_gx.parent), str(ROOT)]), **NARROW}
    reused = run_review("indicators", "--inputs", tiny, "--outputs", outputs, "--format", "csv", env=blocked)
    assert reused.returncode == 0, reused.stderr
    # what validation computed and wrote, printed as `review indicators` prints a fresh table
    from review.analysis.text import spreadsheet_safe
    from review.inputs.snapshot import read_table

    written = spreadsheet_safe(read_table(outputs / "2026" / "public" / "validated", "indicators")).to_csv(index=False, lineterminator="\n")
    assert reused.stdout == written and reused.stdout.count("\n") > 50
    rewrite(tiny / "stockpiles.csv", 2, "90", "91")
    changed = run_review("indicators", "--inputs", tiny, "--outputs", outputs, "--format", "csv", env=blocked)
    assert changed.returncode != 0 and "great_expectations was imported" in changed.stderr + changed.stdout


def test_previous_must_name_a_review(tiny, tmp_path):
    proc = run_review("build", "--inputs", tiny, "--outputs", tmp_path / "out", "--previous", tmp_path, "--renderer", "pandoc")
    assert proc.returncode == 1 and f"--previous: {tmp_path} is not the output folder of a review" in proc.stderr
    assert not (tmp_path / "out" / "2026").exists()


GUIDE = ROOT / "docs" / "analyst-guide.md"


def guide_commands() -> list[str]:
    """Every `review` command of the analyst guide's shell blocks, in order, as written."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("review ")]


def fill_in_2027(inputs) -> None:
    """Step 2 of the guide on the tiny cycle: the year's rows, a revised figure and a project update."""

    def add(name: str, lines: list[str]) -> None:
        path = inputs / name
        path.write_text(path.read_text().rstrip("\n") + "\n" + "\n".join(lines) + "\n")

    add("dependency-2027.csv", [
        "2027,USA,rare-earths,refining,CHN,70,Tiny 2027", "2027,USA,rare-earths,refining,USA,30,Tiny 2027",
        "2027,JPN,rare-earths,refining,CHN,60,Tiny 2027", "2027,JPN,rare-earths,refining,AUS,40,Tiny 2027",
        "2027,USA,lithium,refining,CHN,50,Tiny 2027", "2027,USA,lithium,refining,CHL,50,Tiny 2027",
    ])
    add("production-2027.csv", ["2025,rare-earths,mining,CHN,720,USGS MCS 2027"])
    add("stockpiles-2027.csv", ["2026,USA,rare-earths,16,100,90,false", "2026,JPN,rare-earths,12,80,60,false", "2026,AUS,rare-earths,3,50,60,false"])
    add("recycling-2027.csv", ["2026,USA,rare-earths,5,6,100", "2026,JPN,rare-earths,3,4,100"])


def test_the_analyst_guide_runs_as_written(tiny_build, tmp_path):
    """Sections 1 to 5 of docs/analyst-guide.md, command by command, from a folder with inputs/ and outputs/2026/public/."""
    inputs, outputs, _ = tiny_build
    shutil.copytree(inputs, tmp_path / "inputs")
    shutil.copytree(outputs / "2026" / "public", tmp_path / "outputs" / "2026" / "public")
    commands = guide_commands()
    assert commands[0] == "review new-cycle 2027 --from inputs --to inputs-2027"
    assert "review build --inputs inputs-2027 --outputs drafts --previous outputs/2026/public --to html" in commands
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80"}
    for command in commands:
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
        if command.startswith("review new-cycle"):
            fill_in_2027(tmp_path / "inputs-2027")  # step 2: filled in by hand, following CHECKLIST.md
    published = json.loads((tmp_path / "outputs" / "2026" / "public" / "manifest.json").read_text())["content_sha256"]
    draft = tmp_path / "drafts" / "2027" / "public"
    overview = re.sub(r"\\(.)", r"\1", (draft / "book" / "overview.qmd").read_text())  # as read: input text is escaped Markdown
    assert "Compared with the scorecard the 2026 review published" in overview
    assert f"The previous review compared with is the 2026 public edition, manifest content hash {published[:16]}." in overview
    previous = json.loads((draft / "validated" / "snapshot.json").read_text())["previous_review"]
    assert previous == {"cycle": 2026, "edition": "public", "manifest_sha256": published, "available": True}  # no path: reproducible
    # the same inputs and previous review give the same summary, drafted elsewhere or built in place
    assert (tmp_path / "outputs" / "2027" / "public" / "book" / "overview.qmd").read_text() == (draft / "book" / "overview.qmd").read_text()
    changes = re.sub(r"\\(.)", r"\1", (tmp_path / "changes.md").read_text())  # escaped Markdown, read as text
    assert "## Targets that moved" in changes and "| Rare earths refining: single-supplier dependency" in changes
    assert (tmp_path / "outputs" / "2027" / "restricted" / "report" / "alliance-review-2027.pdf").is_file()
