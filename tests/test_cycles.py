"""Across cycles: roll a cycle forward, build it with a new mineral and member, compare two reviews."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE, TINY, run_review

from review.audit import manifest as manifest_mod
from review.audit.compare import compare_indicators, compare_scorecards
from review.build.pipeline import BuildRequest, build
from review.inputs.new_cycle import new_cycle
from review.inputs.validation import validate


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def append(path: Path, lines: list[str]) -> None:
    path.write_text(path.read_text().rstrip("\n") + "\n" + "\n".join(lines) + "\n")


def test_new_cycle_from_the_sample(tmp_path):
    dest = tmp_path / "inputs-2027"
    done = new_cycle(2027, SAMPLE, dest)
    for name in ("members.csv", "partners.csv", "minerals.csv", "targets.csv", "dependency.csv", "production.csv", "stockpiles.csv", "recycling.csv"):
        assert (dest / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    settings = (dest / "review.yml").read_text()
    assert "cycle: 2027" in settings and "previous_cycle: 2026" in settings and "Annual Review 2027" in settings
    assert "# Settings of one review cycle" in settings  # comments kept
    projects = rows(dest / "projects.csv")
    last = {r["project_id"]: r for r in projects if r["as_of"] == "2026"}
    carried = {r["project_id"]: r for r in projects if r["as_of"] == "2027"}
    assert set(carried) == set(last) and done["projects"] == len(last) >= 40
    assert all(carried[p]["status"] == last[p]["status"] and carried[p]["first_reported_online"] == last[p]["first_reported_online"] for p in last)
    assert len([r for r in projects if r["as_of"] == "2025"]) > 0  # history kept
    for name in ("dependency", "production", "stockpiles", "recycling"):
        template = (dest / f"{name}-2027.csv").read_text().splitlines()
        assert template == [(SAMPLE / f"{name}.csv").read_text().splitlines()[0]]
    checklist = (dest / "CHECKLIST.md").read_text()
    for item in ("dependency-2027.csv", "stockpiles-2027.csv", "projects.csv", "targets.csv", "review build"):
        assert item in checklist
    with pytest.raises(FileExistsError, match="never overwrites"):
        new_cycle(2027, SAMPLE, dest)
    with pytest.raises(ValueError, match="must come after"):
        new_cycle(2025, SAMPLE, tmp_path / "back")


def test_the_checklist_lists_overdue_projects_and_the_real_paths(tmp_path):
    dest, outputs = tmp_path / "inputs-2029", tmp_path / "drafts"
    done = new_cycle(2029, TINY, dest, outputs)
    # carried from as_of 2026: T1 construction, expected 2028 < 2029: overdue; T2 cancelled: settled; T3 expected 2029: not yet
    assert done["overdue"] == ["T1"]
    checklist = (dest / "CHECKLIST.md").read_text()
    assert "Projects expected online before 2029 that are not operating (1)" in checklist
    assert "- `T1` `Alpha refinery`: expected online 2028, status `construction`" in checklist
    assert "`T2`" not in checklist and "`T3`" not in checklist
    assert f"review build --inputs {dest} --outputs {outputs} --edition restricted" in checklist
    assert f"review compare {outputs / '2026' / 'public'} {outputs / '2029' / 'public'}" in checklist
    assert "Projects expected online" not in (new_cycle(2027, TINY, tmp_path / "inputs-2027") and (tmp_path / "inputs-2027" / "CHECKLIST.md").read_text())


def test_cli_new_cycle_refuses_an_existing_folder(tmp_path):
    dest = tmp_path / "next"
    assert run_review("new-cycle", "2027", "--from", TINY, "--to", dest).returncode == 0
    again = run_review("new-cycle", "2027", "--from", TINY, "--to", dest)
    assert again.returncode == 1 and "never overwrites" in again.stderr


def test_a_part_of_a_table_is_validated_with_its_own_file_name(tmp_path):
    dest = tmp_path / "inputs-2027"
    new_cycle(2027, TINY, dest)
    append(dest / "dependency-2027.csv", ["2027,USA,rare-earths,refining,CHN,80,x", "2027,USA,rare-earths,refining,ZZZ,5,x"])
    (dest / "recycling-2027.csv").write_text("year,member\n2026,USA\n")
    problems = [p.line() for p in validate(dest).problems]
    assert "dependency-2027.csv, row 3, column origin: must be an ISO 3166-1 alpha-3 country code, or XXX for other countries: value 'ZZZ'" in problems
    assert any(p.startswith("recycling-2027.csv, row 1: a part of a table must have the columns of recycling.csv") for p in problems)


@pytest.fixture(scope="module")
def two_cycles(tmp_path_factory):
    """The tiny 2026 cycle built, rolled forward to 2027 with a new member, a new mineral, a new and a retired target, and built."""
    root = tmp_path_factory.mktemp("cycles")
    inputs_2026 = root / "inputs"
    shutil.copytree(TINY, inputs_2026)
    outputs = root / "outputs"
    build(BuildRequest(inputs=inputs_2026, outputs=outputs, renderer="pandoc", formats=("html",)))
    inputs = root / "inputs-2027"
    new_cycle(2027, inputs_2026, inputs)
    append(inputs / "members.csv", ["FRA,France,G7,2027"])
    append(inputs / "minerals.csv", ["cobalt,Cobalt,refining,high"])
    targets = (inputs / "targets.csv").read_text().splitlines()
    targets = [t for t in targets if not t.startswith("lithium,refining")]  # retire the lithium target
    targets.append("cobalt,refining,single_supplier_dependency,max,0.65,2030,target,2027,Tiny fixture")
    (inputs / "targets.csv").write_text("\n".join(targets) + "\n")
    append(
        inputs / "dependency-2027.csv",
        [
            "2027,USA,rare-earths,refining,CHN,70,Tiny 2027", "2027,USA,rare-earths,refining,USA,30,Tiny 2027",
            "2027,JPN,rare-earths,refining,CHN,60,Tiny 2027", "2027,JPN,rare-earths,refining,AUS,40,Tiny 2027",
            "2027,FRA,rare-earths,refining,CHN,45,Tiny 2027", "2027,FRA,rare-earths,refining,EST,5,Tiny 2027",
            "2027,USA,lithium,refining,CHN,50,Tiny 2027", "2027,USA,lithium,refining,CHL,50,Tiny 2027",
            "2027,USA,cobalt,refining,CHN,70,Tiny 2027", "2027,USA,cobalt,refining,FIN,30,Tiny 2027",
            "2027,FRA,cobalt,refining,CHN,20,Tiny 2027", "2027,FRA,cobalt,refining,BEL,20,Tiny 2027",
        ],
    )
    append(inputs / "partners.csv", ["EST,Estonia", "FIN,Finland", "BEL,Belgium"])
    append(inputs / "production-2027.csv", ["2025,rare-earths,mining,CHN,720,USGS MCS 2027", "2024,rare-earths,mining,CHN,690,USGS MCS 2027"])
    append(inputs / "stockpiles-2027.csv", ["2026,USA,rare-earths,16,100,90,false", "2026,FRA,rare-earths,20,50,60,false", "2026,AUS,rare-earths,3,50,60,false"])
    append(inputs / "recycling-2027.csv", ["2026,USA,rare-earths,5,6,100", "2026,JPN,rare-earths,3,4,100"])
    projects = (inputs / "projects.csv").read_text().replace("2027,T1,Alpha refinery,rare-earths,refining,USA,USA,construction", "2027,T1,Alpha refinery,rare-earths,refining,USA,USA,commissioning")
    (inputs / "projects.csv").write_text(projects)
    # a demand scenario where 2026 assumed demand_growth (0% in review.yml) for every mineral
    (inputs / "demand.csv").write_text("mineral,stage,scenario,growth_rate,source\nrare-earths,,central,0.05,Tiny outlook 2027\n")
    outcome = build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc", formats=("html",)))
    return outputs, outcome


def test_the_rolled_forward_cycle_builds_with_its_new_member_and_mineral(two_cycles):
    outputs, outcome = two_cycles
    out = outputs / "2027" / "public"
    names = [r.name for r in outcome.results]
    assert "mineral-cobalt" in names and "member-FRA" in names
    fra = re.sub(r"\\(.)", r"\1", (out / "book" / "member-FRA.qmd").read_text())  # as read: input text is escaped Markdown
    assert "member of the Alliance (since 2027)" in fra
    numbers = pd.read_csv(out / "data" / "member-FRA" / "tbl-member-fra-dependency.csv")
    assert set(numbers["year"]) == {2027} and numbers["previous_value"].isna().all()  # no history before it joined
    overview = (out / "book" / "overview.qmd").read_text()
    assert "Compared with the scorecard the 2026 review published" in overview
    records = next(j for j in manifest_mod.read(out)["jobs"] if j["name"] == "overview")["records"]
    assert records["since_last_review_available"] is True
    assert records["since_last_review_new_target"] == 1 and records["since_last_review_retired"] == 1
    # the chance moved with the demand growth assumed, and the summary says so (0% in 2026, 5% in 2027)
    said = re.sub(r"\\(.)", r"\1", overview)
    assert "The 2026 review assumed demand growth of 0.0% a year; this review assumes 5.0% for rare earths" in said, said[said.find("Chance of meeting"):][:600]
    quality = re.sub(r"\\(.)", r"\1", (out / "book" / "data-quality.qmd").read_text())  # escaped Markdown, read as text
    assert "| 2024 | Rare earths | mining | China | 2025 | 700 | 2027 | 690 |" in quality  # a planted revision, named as the chapters name it (not "rare-earths", "CHN")


def test_the_first_cycle_says_when_its_previous_review_is_missing(tiny_build):
    _, outputs, _ = tiny_build
    overview = (outputs / "2026" / "public" / "book" / "overview.qmd").read_text()
    assert "The published outputs of the 2025 review are not available to this build" in overview


def test_compare_two_reviews(two_cycles):
    outputs, _ = two_cycles
    a, b = outputs / "2026" / "public", outputs / "2027" / "public"
    proc = run_review("compare", a, b, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["before"]["cycle"] == 2026 and result["after"]["edition"] == "public" and len(result["after"]["manifest_sha256"]) == 64
    movement = {(t["mineral"], t["stage"], t["kind"], t["indicator"]): t["movement"] for t in result["targets"]}
    assert movement[("lithium", "refining", "target", "single_supplier_dependency")] == "retired"
    assert movement[("cobalt", "refining", "target", "single_supplier_dependency")] == "new target"
    re_target = next(t for t in result["targets"] if t["mineral"] == "rare-earths" and t["stage"] == "refining" and t["kind"] == "target")
    # 2026: (80 + 70) / 200 = 0.75; 2027: (70 + 60 + 45) / 250 = 0.70; both above the path, so the same status
    assert re_target["value_before"] == pytest.approx(0.75) and re_target["value_now"] == pytest.approx(0.70)
    assert re_target["change"] == pytest.approx(-0.05) and (re_target["year_before"], re_target["year_now"]) == (2026, 2027)
    assert re_target["movement"] == "closer to target" and re_target["mineral_name"] == "Rare earths"
    assert all(t["movement"] not in ("unchanged", "no new data") for t in result["targets"])  # only what moved, by default
    # the revised 2024 world production changes the 2024 concentration in place
    assert any(i["indicator"] == "hhi" and i["year"] == 2024 and i["mineral"] == "rare-earths" for i in result["indicators_changed"])
    added = {(i["indicator"], i["mineral"], i["scope"], i["year"]) for i in result["indicators_added"]}
    assert ("single_supplier_dependency", "cobalt", "FRA", 2027) in added  # a new member's new mineral
    assert ("single_supplier_dependency", "rare-earths", "alliance", 2027) in added  # the new year
    removed = {(i["indicator"], i["mineral"], i["year"]) for i in result["indicators_removed"]}
    assert ("projected_dependency", "lithium", 2030) in removed  # the retired lithium target's projection
    assert next(i for i in result["indicators_added"] if i["scope"] == "FRA")["scope_name"] == "France"

    markdown = run_review("compare", a, b, "--format", "markdown")
    assert markdown.returncode == 0
    for heading in ("## Targets that moved", "## Chance of meeting each dependency target", "## Indicator values that changed", "## Indicator values added", "## Indicator values removed"):
        assert heading in markdown.stdout
    assert "| Target |" in markdown.stdout and "retired" in markdown.stdout and "Cobalt" in markdown.stdout
    assert f"{len(result['indicators_added'])} added and {len(result['indicators_removed'])} removed" in markdown.stdout

    csv_text = run_review("compare", a, b, "--format", "csv").stdout
    sections = pd.read_csv(io.StringIO(csv_text))["section"].value_counts().to_dict()
    assert sections == {"targets": len(result["targets"]), "chances": len(result["chances"]), "indicators changed": len(result["indicators_changed"]), "indicators added": len(result["indicators_added"]), "indicators removed": len(result["indicators_removed"])}

    table = run_review("compare", a, b, env={"COLUMNS": "80"})
    assert table.returncode == 0 and "targets moved" in table.stdout
    assert "Rare earths" in table.stdout and "rare-earths" not in table.stdout  # names, not codes
    assert max(map(len, table.stdout.splitlines())) <= 80
    everything = json.loads(run_review("compare", a, b, "--format", "json", "--all").stdout)
    assert len(everything["targets"]) == 6 and len(everything["indicators"]) > len(result["indicators_changed"])


def test_compare_finds_exactly_a_known_difference(tiny_build, tmp_path):
    inputs, outputs, _ = tiny_build
    changed = tmp_path / "inputs"
    shutil.copytree(inputs, changed)
    text = (changed / "dependency.csv").read_text()
    (changed / "dependency.csv").write_text(text.replace("2026,JPN,rare-earths,refining,CHN,70,", "2026,JPN,rare-earths,refining,CHN,90,"))
    build(BuildRequest(inputs=changed, outputs=tmp_path / "outputs", renderer="pandoc", formats=("html",)))
    from review.analysis.indicators import scorecard
    from review.audit.compare import review_tables

    _, before, targets = review_tables(outputs / "2026" / "public")
    _, after, _ = review_tables(tmp_path / "outputs" / "2026" / "public")
    changes = compare_indicators(before, after)
    assert len(changes.added) == len(changes.removed) == 0
    diff = changes.changed
    jpn = diff[(diff["indicator"] == "single_supplier_dependency") & (diff["scope"] == "JPN")]
    # JPN 2026: CHN 70 of 100 -> 90 of 120: 0.70 -> 0.75
    assert jpn["value_before"].iloc[0] == pytest.approx(0.70) and jpn["value_now"].iloc[0] == pytest.approx(0.75)
    # only rare earths move: the 2026 values, and the projections to the 2030 target year made from them (the outlook's fan: every year to 2030)
    assert set(diff["mineral"]) == {"rare-earths"} and {2026, 2030} <= set(diff["year"]) <= {2026, 2027, 2028, 2029, 2030}
    projections = {"projected_dependency", "projected_dependency_slip", "projected_dependency_full", "pipeline_weighted_capacity_t", "capacity_gap_t", "priority_project_effect"}
    outlook = {"target_probability", "capacity_needed_p80_t", "project_probability_effect", "projected_dependency_p10", "projected_dependency_p50", "projected_dependency_p90"}
    assert set(diff[diff["year"] == 2030]["indicator"]) <= projections | outlook
    assert set(diff[diff["year"].between(2027, 2029)]["indicator"]) <= outlook
    moved = compare_scorecards(scorecard(before, targets), scorecard(after, targets))
    # Alliance rare earths refining 2026: (80 + 70) / 200 = 0.75 -> (80 + 90) / 220 = 0.7727: same year, value revised upwards.
    # Target path 2026: 76.7%, so on track -> at risk (within 5 pp above it); ambition path 73.3%: at risk both times.
    re_refining = moved[(moved["mineral"] == "rare-earths") & (moved["stage"] == "refining")].set_index("kind")
    assert re_refining.loc["target", "value_now"] == pytest.approx(170 / 220) and re_refining.loc["target", "movement"] == "worsened"
    assert re_refining.loc["ambition", "movement"] == "further from target"
    assert set(moved[moved["mineral"] == "lithium"]["movement"]) == {"no new data"}  # same year, same value
    # the command lists exactly those values, by name
    proc = run_review("compare", outputs / "2026" / "public", tmp_path / "outputs" / "2026" / "public", "--format", "json")
    result = json.loads(proc.stdout)
    listed = {(i["indicator"], i["scope"], i["year"], i["stage"]) for i in result["indicators_changed"]}
    assert listed == set(zip(diff["indicator"], diff["scope"], diff["year"], diff["stage"]))
    assert result["indicators_added"] == result["indicators_removed"] == []
    assert {t["mineral"] for t in result["targets"]} == {"rare-earths"}


def _card(rows: list[tuple]) -> pd.DataFrame:
    """A scorecard of single-supplier targets (max 0.60 by 2030): (mineral, year, value, status) per row."""
    from review.analysis.indicators import SCORECARD_COLUMNS

    frame = pd.DataFrame(
        [{"mineral": m, "stage": "refining", "indicator": "single_supplier_dependency", "kind": "target", "comparator": "max", "target": 0.6, "target_year": 2030, "year": y, "value": v, "status": s} for m, y, v, s in rows],
        columns=SCORECARD_COLUMNS,
    )
    return frame.astype({"year": "Int64", "target_year": "Int64"})


def test_movement_reflects_value_and_year_as_well_as_status():
    before = _card([("a", 2025, 0.80, "off track"), ("b", 2025, 0.80, "off track"), ("c", 2025, 0.70, "at risk"), ("d", 2025, 0.70, "at risk"), ("e", 2025, 0.70, "off track"), ("f", 2025, 0.5, "on track")])
    after = _card([("a", 2025, 0.80, "off track"), ("b", 2026, 0.724, "off track"), ("c", 2026, 0.60, "on track"), ("d", 2026, 0.75, "at risk"), ("e", 2026, 0.70, "off track"), ("g", 2026, 0.5, "on track")])
    moved = compare_scorecards(before, after).set_index("mineral")
    assert moved.loc["a", "movement"] == "no new data"  # 2025 compared with itself
    assert moved.loc["b", "movement"] == "closer to target"  # 0.80 -> 0.724: -7.6 pp, still off track
    assert moved.loc["b", "change"] == pytest.approx(-0.076)
    assert moved.loc["c", "movement"] == "improved"  # at risk -> on track
    assert moved.loc["d", "movement"] == "further from target"  # 0.70 -> 0.75 on a max target, still at risk
    assert moved.loc["e", "movement"] == "unchanged"  # a new year, the same value
    assert (moved.loc["f", "movement"], moved.loc["g", "movement"]) == ("retired", "new target")


def test_a_coverage_value_whose_missing_members_change_is_changed_not_removed_and_added():
    row = dict(indicator="coverage", mineral="rare-earths", stage="refining", scope="alliance", year=2027, unit="share")
    before = pd.DataFrame([row | dict(value=0.5, status="provisional", detail="dependency; missing JPN;DEU")])
    after = pd.DataFrame([row | dict(value=0.8, status="provisional", detail="dependency; missing DEU")])
    changes = compare_indicators(before, after)
    assert len(changes.added) == len(changes.removed) == 0 and len(changes.changed) == 1
    assert changes.changed.iloc[0]["detail_now"] == "dependency; missing DEU"
    # coverage of another table is another value
    other = pd.DataFrame([row | dict(value=1.0, status="", detail="stockpiles; all reported")])
    assert len(compare_indicators(before, other).added) == 1


def test_a_target_withheld_in_both_reviews_is_not_called_unchanged():
    """Both values withheld: nothing is known to have held still (the cold read found '7 unchanged' that were withheld)."""
    from review.analysis import narrative
    from review.audit.compare import UNMOVED, compare_scorecards

    def card(status, value):
        return pd.DataFrame([dict(mineral="gallium", stage="", indicator="stockpile_cover_days", kind="target", comparator="min", year=2025, value=value, status=status, target=90.0, target_year=2030)])

    compared = compare_scorecards(card("suppressed", float("nan")), card("suppressed", float("nan")))
    assert compared["movement"].tolist() == ["withheld"] and "withheld" in UNMOVED
    text = narrative.since_last_review(compared, dict(cycle=2025, available=True, edition="public", manifest_sha256="0" * 64), 2026)
    assert "1 withheld in both editions (not compared)" in text and "unchanged" not in text and "no new data" not in text
