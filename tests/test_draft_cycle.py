"""A draft cycle while data are arriving: the analyst guide's sequence as written, warnings, and no assessment from incomplete data."""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd

from review.inputs.validation import project_warnings, validate
from tests.conftest import SAMPLE, TINY, run_review


def _append(path, rows: list[str]) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(r + "\n" for r in rows))


def test_the_analyst_guides_sequence_runs_as_written_on_a_draft(tmp_path):
    """docs/analyst-guide.md, sections 1 and 3, in a fresh folder: new-cycle, validate, indicators, build restricted, build."""
    shutil.copytree(TINY, tmp_path / "inputs")
    run_review("new-cycle", 2027, "--from", "inputs", "--to", "inputs-2027", cwd=tmp_path, check=True)
    # only the USA reported its 2027 rare-earth refining: 2026 volumes USA 100, JPN 100 -> coverage 0.5
    _append(tmp_path / "inputs-2027" / "dependency-2027.csv", ["2027,USA,rare-earths,refining,CHN,75,draft", "2027,USA,rare-earths,refining,USA,25,draft"])
    validated = run_review("validate", "--inputs", "inputs-2027", cwd=tmp_path, check=True)
    assert "warning: 1 Alliance figure is provisional" in " ".join(validated.stderr.split())
    assert "rare-earths refining 2027 (dependency): coverage 50.0%, missing JPN" in validated.stderr
    # T1 was carried forward 'construction', expected online 2028: not late; nothing else is warned about
    assert "projects.csv" not in validated.stderr
    shown = run_review("indicators", "--inputs", "inputs-2027", cwd=tmp_path, check=True)
    assert "missing JPN" in shown.stderr and "provisional" in shown.stdout
    # one edition, HTML only: the warning is printed before any edition is built (the analyst
    # guide's own test builds both editions with PDFs)
    built = run_review("build", "--inputs", "inputs-2027", "--renderer", "pandoc", "--to", "html", cwd=tmp_path, check=True)
    assert "missing JPN" in built.stderr
    table = pd.read_csv(tmp_path / "outputs" / "2027" / "public" / "data" / "indicators.csv", keep_default_na=False)
    assert {"coverage", "capacity_gap_t"} <= set(table["indicator"])
    ree = table[(table["mineral"] == "rare-earths") & (table["stage"] == "refining") & (table["scope"] == "alliance")]
    assessed = ree[ree["indicator"].isin(["target_path", "projected_dependency", "projected_dependency_slip"]) & (ree["year"].astype(str).isin(["2027", "2030"]))]
    assert set(assessed["status"]) == {"provisional"}


def test_late_and_unsourced_projects_are_warnings_not_errors(tiny):
    # T3 (lithium refining, AUS, announced, online 2029) now 'feasibility' but expected 2025 before its as_of 2026: late.
    # T4 operating in the USA for lithium mining: no lithium mining sourcing at all, so its capacity is in no sourcing data.
    text = (tiny / "projects.csv").read_text()
    text = text.replace("2026,T3,Gamma plant,lithium,refining,AUS,AUS;JPN,announced,50,60,10,2029,2029,false", "2026,T3,Gamma plant,lithium,refining,AUS,AUS;JPN,feasibility,50,60,10,2025,2029,false")
    (tiny / "projects.csv").write_text(text + "2026,T4,Delta works,rare-earths,mining,JPN,JPN,operating,40,10,0,2025,2025,false\n")
    outcome = validate(tiny)
    assert outcome.ok
    warnings = project_warnings(outcome.tables, 2026)
    assert len(warnings) == 2
    assert warnings[0].startswith("projects.csv: project T3 (Gamma plant) is 'feasibility' as of 2026 but was expected online in 2025")
    # rare-earth mining sourcing in 2026 comes from CHN and AUS only; none from JPN
    assert warnings[1].startswith("projects.csv: project T4 (Delta works) is operating in JPN, but no rare-earths mining sourcing from JPN is reported in 2026")
    proc = run_review("validate", "--inputs", tiny, "--outputs", tiny.parent / "outputs")
    assert proc.returncode == 0 and "project T3" in proc.stderr and "project T4" in proc.stderr


def test_sample_2027_draft_with_two_members_is_never_assessed(tmp_path):
    """The issue's scenario at sample scale, through `review indicators` (no notebooks): USA and JPN report 2027 rare earths."""
    run_review("new-cycle", 2027, "--from", SAMPLE, "--to", tmp_path / "in", check=True)
    dest = tmp_path / "in"
    with open(SAMPLE / "dependency.csv", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [r | {"year": "2027"} for r in reader if r["year"] == "2026" and r["mineral"] == "rare-earths" and r["member"] in ("USA", "JPN")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writerows(rows)
    _append(dest / "dependency-2027.csv", out.getvalue().splitlines())
    _append(dest / "stockpiles-2027.csv", ["2026,USA,rare-earths,3000,18500,90,false,draft"])  # the USA alone: 59 days
    _append(dest / "recycling-2027.csv", ["2026,USA,lithium,1006,1119,13941,draft"])  # the USA alone
    proc = run_review("indicators", "--inputs", dest, "--format", "csv", check=True)
    table = pd.read_csv(io.StringIO(proc.stdout), keep_default_na=False)
    alliance = table[table["scope"] == "alliance"]
    ree_2027 = alliance[(alliance["mineral"] == "rare-earths") & (alliance["year"].astype(str) == "2027") & (alliance["indicator"] == "single_supplier_dependency")]
    assert len(ree_2027) == 3 and set(ree_2027["status"]) == {"provisional"}
    # every target, projection and gap that rests on them is provisional, never on track / meets target
    rests = alliance[
        (alliance["indicator"].isin(["projected_dependency", "projected_dependency_slip", "capacity_gap_t", "pipeline_weighted_capacity_t"]) & (alliance["mineral"] == "rare-earths"))
        | ((alliance["indicator"] == "target_path") & (alliance["mineral"] == "rare-earths") & (alliance["year"].astype(str) == "2027"))
    ]
    assert len(rests) > 0 and set(rests["status"]) == {"provisional"}
    for mineral, detail in (("rare-earths", "stockpile_cover_days:target"), ("lithium", "recycling_share:target")):
        path = alliance[(alliance["indicator"] == "target_path") & (alliance["mineral"] == mineral) & (alliance["detail"] == detail) & (alliance["year"].astype(str) == "2026")]
        assert list(path["status"]) == ["provisional"]
    # the warning names the ten members missing from rare-earth magnets
    assert "rare-earths magnets 2027 (dependency): coverage" in proc.stderr
    assert "missing AUS;CAN;DEU;EUU;FRA;GBR;IND;ITA;KOR;NZL" in proc.stderr.replace("\n", "")
