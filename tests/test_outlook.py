"""The outlook (review.analysis.indicators.outlook) and the deterministic cases, against hand-worked values.

Every case starts from the same small cycle, worked out once here. In the latest sourcing
year b = 2026 the Alliance sources 100 t of rare-earth refining: 40 t aligned, 60 t
non-aligned of which the largest supplier (CHN) holds 48 t, so it keeps 48/60 = 0.8 of
non-aligned supply. With demand flat, dependency in 2030 is 0.8 x (60 - added) / 100:
0.48 today, and the 40% target needs non-aligned supply of at most 50 t, so added aligned
capacity of at least 10 t (the gap). A project of 12 t closes it alone; two of 6 t close
it only together.

The chances are Monte Carlo estimates, so each is compared with its closed form within
four binomial standard errors of the draws; a project's effect is computed on the same
draws as the chance it changes, so it is compared with the same tolerance.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from review.analysis import indicators as ind
from review.inputs.config import ConfigError, ReviewConfig, load_config

DRAWS = 200_000
ALIGNED = frozenset({"USA", "AUS"})
TODAY = pd.DataFrame([dict(mineral="re", stage="refining", year=2026, total_t=100.0, aligned_t=40.0, supplier_t=48.0, supplier="CHN")])
WEIGHTS = {"permitting": 0.35, "financing": 0.5, "construction": 0.8, "commissioning": 0.95}


def targets(target: float = 0.40, ambition: float | None = None, year: int = 2030) -> pd.DataFrame:
    out = [dict(mineral="re", stage="refining", indicator="single_supplier_dependency", comparator="max", value=target, year=year, kind="target", baseline_year=2024)]
    if ambition is not None:
        out.append(dict(out[0], value=ambition, kind="ambition"))
    return pd.DataFrame(out)


def project(pid: str, status: str, capacity: float, online: int = 2028, **extra) -> dict:
    return dict(project_id=pid, mineral="re", stage="refining", host_country="USA", status=status, capacity_t=capacity, expected_online=online, first_reported_online=online, output_t=float("nan")) | extra


def append_line(path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def config(**outlook) -> ReviewConfig:
    settings = dict(draws=DRAWS, delays={0: 1.0}) | outlook
    return ReviewConfig(cycle=2026, demand_growth=0.0, outlook=settings)


def outlook(projects: list[dict], cfg: ReviewConfig | None = None, demand: pd.DataFrame | None = None, **target_args) -> pd.DataFrame:
    return ind.outlook_rows(targets(**target_args), ind.ProjectionBasis(TODAY, pd.DataFrame(projects), ALIGNED, cfg or config(), frozenset(), demand))


def value(rows: pd.DataFrame, indicator: str, detail: str, year: int = 2030) -> float:
    sel = rows[(rows["indicator"] == indicator) & (rows["detail"] == detail) & (rows["year"] == year)]
    assert len(sel) == 1, f"{indicator} {detail} {year}: {len(sel)} rows"
    return float(sel["value"].iloc[0])


def near(estimate: float, p: float) -> bool:
    """Within four standard errors of a share p estimated from DRAWS draws."""
    return abs(estimate - p) <= 4 * math.sqrt(p * (1 - p) / DRAWS) + 1e-12


# --- the chance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["permitting", "financing", "construction"])
def test_one_project_that_closes_the_gap_alone_gives_the_chance_of_its_status(status):
    rows = outlook([project("A", status, 12)])
    assert near(value(rows, "target_probability", "target:central"), WEIGHTS[status])


def test_two_projects_either_sufficient():
    rows = outlook([project("A", "financing", 12), project("B", "construction", 12)])
    assert near(value(rows, "target_probability", "target:central"), 1 - (1 - 0.5) * (1 - 0.8))  # 0.9


def test_two_projects_both_needed():
    rows = outlook([project("A", "financing", 6), project("B", "construction", 6)])
    assert near(value(rows, "target_probability", "target:central"), 0.5 * 0.8)  # 0.4


def test_a_delay_past_the_target_year_takes_the_project_out():
    # online 2029; half the draws 0 years late, half 2 (2031, after the target year): 0.8 x 0.5
    rows = outlook([project("A", "construction", 12, online=2029)], config(delays={0: 0.5, 2: 0.5}))
    assert near(value(rows, "target_probability", "target:central"), 0.4)
    # one year late is still in time
    rows = outlook([project("A", "construction", 12, online=2029)], config(delays={0: 0.5, 1: 0.5}))
    assert near(value(rows, "target_probability", "target:central"), 0.8)


def test_a_second_demand_scenario_changes_which_projects_suffice():
    # high: demand 100 x 1.1^4 = 146.41 t; the target allows non-aligned supply of 0.4 x 146.41 / 0.8 = 73.205 t,
    # so aligned supply must add 146.41 - 73.205 - 40 = 33.205 t: 12 t or 24 t alone no longer suffice, both (36 t) do
    demand = pd.DataFrame([dict(mineral="re", stage="", scenario="central", growth_rate=0.0, source="flat"), dict(mineral="re", stage="", scenario="high", growth_rate=0.1, source="fast")])
    rows = outlook([project("A", "construction", 12), project("B", "financing", 24)], demand=demand)
    assert near(value(rows, "target_probability", "target:central"), 1 - 0.2 * 0.5)  # 0.9: either suffices
    assert near(value(rows, "target_probability", "target:high"), 0.8 * 0.5)  # 0.4: both needed
    # high: short 0 t with both (0.4), 9.205 t with B only (0.1), 21.205 t with A only (0.4), 33.205 t with neither (0.1)
    assert value(rows, "capacity_needed_p80_t", "target:high") == pytest.approx(33.205 - 12)
    assert value(rows, "capacity_needed_p80_t", "target:central") == 0.0


def test_a_stage_row_overrides_the_minerals_row():
    demand = pd.DataFrame([dict(mineral="re", stage="", scenario="central", growth_rate=0.5, source="x"), dict(mineral="re", stage="refining", scenario="central", growth_rate=0.0, source="y")])
    assert ind.demand_scenarios(demand, config(), "re", "refining") == {"central": 0.0}
    assert ind.demand_scenarios(demand, config(), "re", "mining") == {"central": 0.5}
    assert ind.demand_scenarios(None, ReviewConfig(cycle=2026, demand_growth=0.03), "re", "refining") == {"central": 0.03}


def test_the_ambition_has_its_own_chance():
    # the 30% ambition allows non-aligned supply of 37.5 t: 22.5 t to add, so A (12 t) and B (12 t) are both needed
    rows = outlook([project("A", "financing", 12), project("B", "construction", 12)], ambition=0.30)
    assert near(value(rows, "target_probability", "ambition:central"), 0.4)
    assert near(value(rows, "target_probability", "target:central"), 0.9)


# --- the fan, the capacity needed, each project's effect ------------------------------------------


def test_the_fan_holds_the_outcomes_of_the_draws():
    # one 12 t project (0.8) online 2028: before 2028 every draw is 0.48; from 2028, 0.384 in 80% of draws, 0.48 in 20%
    rows = outlook([project("A", "construction", 12)])
    assert sorted(rows[rows["indicator"] == "projected_dependency_p50"]["year"]) == [2027, 2028, 2029, 2030]
    for indicator in ("projected_dependency_p10", "projected_dependency_p50", "projected_dependency_p90"):
        assert value(rows, indicator, "central", 2027) == pytest.approx(0.48)
    assert value(rows, "projected_dependency_p10", "central", 2028) == pytest.approx(0.8 * 48 / 100)
    assert value(rows, "projected_dependency_p50", "central", 2030) == pytest.approx(0.384)
    assert value(rows, "projected_dependency_p90", "central", 2030) == pytest.approx(0.48)


def test_capacity_for_an_80_percent_chance():
    # chance 0.5: half the draws fall 10 t short (the whole gap), so 10 t more, certain, makes every draw meet
    assert value(outlook([project("A", "financing", 12)]), "capacity_needed_p80_t", "target:central") == pytest.approx(10.0)
    # both needed (0.5 and 0.8 for 6 t each): short 0 t (0.4), 4 t (A or B alone: 0.1 + 0.4), 10 t (neither: 0.1)
    # the 80th percentile of the shortfall is 4 t
    assert value(outlook([project("A", "financing", 6), project("B", "construction", 6)]), "capacity_needed_p80_t", "target:central") == pytest.approx(4.0)
    # a chance of 0.95 already: nothing needed
    assert value(outlook([project("A", "commissioning", 12)]), "capacity_needed_p80_t", "target:central") == 0.0


def test_each_projects_effect_on_the_chance():
    # both needed: 0.5 x 0.8 = 0.4 as it is; A certain 0.8 (+0.4), B certain 0.5 (+0.1); C (not aligned) is not in the pipeline
    rows = outlook([project("A", "financing", 6), project("B", "construction", 6), project("C", "construction", 6, host_country="CHN")])
    assert near(value(rows, "project_probability_effect", "A"), 0.4)
    assert near(value(rows, "project_probability_effect", "B"), 0.1)
    assert set(rows[rows["indicator"] == "project_probability_effect"]["detail"]) == {"A", "B"}
    # a delayed project made certain comes on its expected_online: 0.8 x 0.5 -> 1
    rows = outlook([project("A", "construction", 12, online=2029)], config(delays={0: 0.5, 2: 0.5}))
    assert near(value(rows, "project_probability_effect", "A"), 0.6)


def test_the_same_seed_gives_the_same_values_and_another_seed_other_draws():
    projects = [project("A", "financing", 6), project("B", "construction", 6)]
    first, again = outlook(projects, config(seed=7)), outlook(projects, config(seed=7))
    pd.testing.assert_frame_equal(first, again)
    other = outlook(projects, config(seed=8))
    assert value(first, "target_probability", "target:central") != value(other, "target_probability", "target:central")


def test_the_seed_defaults_to_the_cycle():
    assert ReviewConfig(cycle=2026).outlook.seed == 2026


# --- delays -------------------------------------------------------------------------------------


def test_delays_from_the_lists_history():
    slips = [0, 0, 0, 0, 0, 1, 1, 2, 3, -1]  # ahead of schedule counts as on time
    listed = pd.DataFrame([project(f"P{i}", "financing", 1, online=2028 + s, first_reported_online=2028) for i, s in enumerate(slips)])
    delays, source = ind.delay_distribution(listed, ReviewConfig(cycle=2026))
    assert source == "history" and delays == {0: 0.6, 1: 0.2, 2: 0.1, 3: 0.1}
    assert ind.delay_distribution(listed.iloc[:9], ReviewConfig(cycle=2026)) == ({0: 1.0}, "too few projects")
    assert ind.delay_distribution(listed, config(delays={0: 0.25, 4: 0.75})) == ({0: 0.25, 4: 0.75}, "stated")
    rows = outlook([project("A", "financing", 12)], config(delays={0: 0.25, 4: 0.75}))
    delay = rows[rows["indicator"] == "outlook_delay_share"]
    assert list(delay["detail"]) == ["0", "4"] and set(delay["mineral"]) == {"re"} and set(delay["status"]) == {"stated"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("outlook:\n  delays: {0: 0.5, 1: 0.4}\n", "the probabilities must add up to 1"),
        ("outlook:\n  delays: {-1: 1.0}\n", "years late must be whole numbers from 0 to 30"),
        ("outlook:\n  delays: {0.5: 1.0}\n", "outlook.delays"),
        ("outlook:\n  draws: 500\n", "outlook.draws: Input should be greater than or equal to 1000"),
        ("outlook:\n  draws: 2000000\n", "outlook.draws: Input should be less than or equal to 1000000"),
        ("outlook:\n  seed: -1\n", "outlook.seed"),
        ("ramp_up_years: 0\n", "ramp_up_years"),
        ("headline_scenario: Central Demand\n", "headline_scenario"),
    ],
)
def test_outlook_settings_are_checked(tiny, text, expected):
    (tiny / "review.yml").write_text("cycle: 2026\n" + text)
    with pytest.raises(ConfigError) as caught:
        load_config(tiny)
    assert expected in str(caught.value)
    assert any(line == 2 for line, _, _ in caught.value.problems)


# --- the deterministic cases and ramp-up --------------------------------------------------------------


def test_expected_best_and_slip_cases():
    # one 12 t project (0.5) online 2030: expected adds 6 t -> 0.8 x 54 / 100; best case 12 t -> 0.8 x 48 / 100; a year late, nothing
    rows = ind.projection_rows(targets(), ind.ProjectionBasis(TODAY, pd.DataFrame([project("A", "financing", 12, online=2030)]), ALIGNED, config()))
    assert value(rows, "projected_dependency", "CHN") == pytest.approx(0.432)
    assert value(rows, "projected_dependency_full", "CHN") == pytest.approx(0.384)
    assert value(rows, "projected_dependency_slip", "CHN") == pytest.approx(0.48)
    # cancelled and suspended projects are out of the best case too
    rows = ind.projection_rows(targets(), ind.ProjectionBasis(TODAY, pd.DataFrame([project("A", "cancelled", 12), project("B", "suspended", 12)]), ALIGNED, config()))
    assert value(rows, "projected_dependency_full", "CHN") == pytest.approx(0.48)


def test_a_ramping_plant():
    # r = 2, latest sourcing year 2026: online 2027 (after b) counts whole, 2025 half, 2024 nothing; output_t overrides the rule
    plants = pd.DataFrame(
        [
            project("A", "operating", 20, online=2027),
            project("B", "operating", 20, online=2025),
            project("C", "operating", 20, online=2024),
            project("D", "operating", 20, online=2026, output_t=15.0),
        ]
    )
    assert list(ind.ramp_up_residuals(plants, 2026, 2)) == [20.0, 10.0, 0.0, 5.0]
    assert list(ind.ramp_up_residuals(plants, 2026, 4)) == [20.0, 15.0, 10.0, 5.0]
    # B's 10 t not yet in supply close the 10 t gap with certainty, in every case
    rows = ind.projection_rows(targets(), ind.ProjectionBasis(TODAY, plants.iloc[[1]], ALIGNED, config()))
    assert value(rows, "ramp_up_capacity_t", "from 2026") == 10.0
    assert value(rows, "projected_dependency", "CHN") == pytest.approx(0.40)
    assert value(outlook(plants.iloc[[1]].to_dict("records"), target=0.41), "target_probability", "target:central") == 1.0
    # a plant hosted outside aligned countries adds nothing
    assert ind.ramp_up_capacity(plants.assign(host_country="CHN"), ALIGNED, "re", "refining", 2026, 2) == 0.0


def test_the_expected_projection_is_the_mean_draw_when_the_projection_is_linear():
    # while non-aligned supply stays positive the projection is linear in the capacity added: the mean of the draws
    # is the status-weighted projection (0.8 x (60 - 0.5 x 12 - 0.8 x 6) / 100)
    projects = [project("A", "financing", 12, online=2030), project("B", "construction", 6, online=2027)]
    expected = value(ind.projection_rows(targets(), ind.ProjectionBasis(TODAY, pd.DataFrame(projects), ALIGNED, config())), "projected_dependency", "CHN")
    assert expected == pytest.approx(0.8 * (60 - 6 - 4.8) / 100)
    cfg = config()
    listed = pd.DataFrame(projects)
    delivered, online = ind.outlook.draws(listed, cfg.status_weights, {0: 1.0}, DRAWS, ind.outlook._rng(1, "re", "refining", 2030))
    added = ind.outlook.added_capacity(listed["capacity_t"].to_numpy(), delivered, online, 2030)
    draws, _ = ind.projection(TODAY.iloc[0], added, 0.0, 2030)
    assert abs(draws.mean() - expected) < 4 * draws.std() / math.sqrt(DRAWS)


# --- demand.csv ---------------------------------------------------------------------------------


def test_demand_csv_is_validated(tiny):
    from review.inputs.problems import report_lines
    from review.inputs.validation import validate

    (tiny / "demand.csv").write_text("mineral,stage,scenario,growth_rate,source\n")
    append_line(tiny / "demand.csv", "rare-earths,,central,0.05,IEA")
    append_line(tiny / "demand.csv", "rare-earths,refining,High Case,1.5,IEA")
    append_line(tiny / "demand.csv", "lithium,,high,0.1,IEA")
    append_line(tiny / "demand.csv", "lithium,mining,low,0.1,IEA")
    text = "\n".join(report_lines(validate(tiny).problems))
    assert "demand.csv, row 3, column scenario" in text and "must be a lower-case slug" in text and "'High Case'" in text
    assert "demand.csv, row 3, column growth_rate" in text and "between -0.5 and 1" in text
    assert "demand.csv, row 4, column mineral" in text and "headline scenario 'central'" in text
    assert "demand.csv, row 5, column stage" in text and "stage must be one of the mineral's stages" in text


def test_a_valid_demand_csv_drives_the_scenarios(tiny):
    from review.inputs.validation import validate

    (tiny / "demand.csv").write_text("mineral,stage,scenario,growth_rate,source\nrare-earths,,central,0.0,A\nrare-earths,,high,0.1,B\n")
    outcome = validate(tiny)
    assert outcome.ok, outcome.problems
    table = ind.compute_all(outcome.tables, outcome.config)
    chances = table[(table["indicator"] == "target_probability") & (table["mineral"] == "rare-earths")]
    assert {d.split(":")[1] for d in chances["detail"]} == {"central", "high"}


def test_the_methodologys_worked_example():
    # docs/methodology.md, "The outlook": A permitting (0.35, 6 t), B construction (0.80, 6 t), both needed
    rows = outlook([project("A", "permitting", 6), project("B", "construction", 6)])
    assert near(value(rows, "target_probability", "target:central"), 0.28)
    assert value(rows, "projected_dependency_p10", "central") == pytest.approx(0.384)
    assert value(rows, "projected_dependency_p50", "central") == pytest.approx(0.432)
    assert value(rows, "projected_dependency_p90", "central") == pytest.approx(0.48)
    assert value(rows, "capacity_needed_p80_t", "target:central") == pytest.approx(4.0)
    assert near(value(rows, "project_probability_effect", "A"), 0.52) and near(value(rows, "project_probability_effect", "B"), 0.07)
    cases = ind.projection_rows(targets(), ind.ProjectionBasis(TODAY, pd.DataFrame([project("A", "permitting", 6), project("B", "construction", 6)]), ALIGNED, config()))
    assert value(cases, "projected_dependency", "CHN") == pytest.approx(0.8 * (60 - 6.9) / 100)
    assert value(cases, "projected_dependency_full", "CHN") == pytest.approx(0.384)
    assert near(value(outlook([project("A", "permitting", 12), project("B", "construction", 12)]), "target_probability", "target:central"), 0.87)


# --- how the report words the outlook (review.report.outlook) and review compare ----------------


def _report_table() -> pd.DataFrame:
    """Indicator rows of two founding stages as the outlook writes them (values made up, worked by hand below)."""
    rows = []
    for stage, chances in (("refining", {"target:central": 0.116, "ambition:central": 0.0, "target:high": 0.04, "target:low": 0.141}), ("magnets", {"target:central": 0.0, "ambition:central": 0.0, "target:high": 0.0, "target:low": 0.0002})):
        for detail, v in chances.items():
            rows.append(("target_probability", "rare-earths", stage, "alliance", 2030, v, "share", "", detail))
    rows += [
        ("capacity_needed_p80_t", "rare-earths", "refining", "alliance", 2030, 8_994.6, "t", "", "target:central"),
        ("capacity_needed_p80_t", "rare-earths", "magnets", "alliance", 2030, 0.0, "t", "", "target:central"),
        ("pipeline_weighted_capacity_t", "rare-earths", "refining", "alliance", 2030, 18_500.0, "t", "", "from 2026"),
        ("pipeline_weighted_capacity_t", "rare-earths", "magnets", "alliance", 2030, 4_200.0, "t", "", "from 2026"),
        ("project_probability_effect", "rare-earths", "refining", "alliance", 2030, 0.6367, "share_diff", "", "P014"),
        ("project_probability_effect", "rare-earths", "refining", "alliance", 2030, 0.1791, "share_diff", "", "P007"),
        ("project_probability_effect", "rare-earths", "refining", "alliance", 2030, 0.1001, "share_diff", "", "P054"),
        ("project_probability_effect", "rare-earths", "refining", "alliance", 2030, 0.0339, "share_diff", "", "P011"),
        ("project_probability_effect", "rare-earths", "magnets", "alliance", 2030, 0.0, "share_diff", "", "P013"),
    ]
    return pd.DataFrame(rows, columns=["indicator", "mineral", "stage", "scope", "year", "value", "unit", "status", "detail"])


def _listed() -> pd.DataFrame:
    names = {"P014": "Coral Coast <refinery>", "P007": "Coromandel refinery", "P054": "La Rochelle", "P011": "Nordic refinery", "P013": "Elbe magnets"}
    return pd.DataFrame([dict(as_of=2026, project_id=p, name=n, mineral="rare-earths", stage="magnets" if p == "P013" else "refining", status="feasibility", capacity_t=1000.0, expected_online=2030) for p, n in names.items()])


def test_a_mineral_chapter_leads_its_outlook_with_the_chance_and_says_how_the_futures_were_drawn():
    """The section opened on what its figure shows, and said 'a delay drawn from the projects' history'
    whatever the outlook drew; it now opens on the chance, and says the delay delay_phrase gives."""
    from review.report import outlook as view

    table, lines = _report_table(), pd.DataFrame([dict(stage=s, kind=k, value=v, year=2030) for s in ("refining", "magnets") for k, v in (("target", 0.6), ("ambition", 0.5))])
    found = view.chances(table, "rare-earths")
    text = view.outlook_paragraph(found, lines, "central", ["refining", "magnets"], "a delay drawn from the distribution stated in review.yml (50.0% on time)", "Figure 2.4", "Table 2.4", "Table 2.3")
    assert text.startswith("Chance of meeting the 60.0% target by 2030: 12% in refining and under 1% in magnets (central demand)")
    assert "with the probability of its status and a delay drawn from the distribution stated in review.yml (50.0% on time). " in text
    assert "projects' history" not in text and text.endswith("and Table 2.3 how much making each project certain on its expected date would add to it.")
    assert "Table 2.4 gives the chance of meeting each target under every demand scenario" in text
    # one scenario (lithium's): "every demand scenario" promised a table it did not have
    one = view.outlook_paragraph(found[found["scenario"] == "central"], lines, "central", ["refining", "magnets"], "no delay", "Figure 3.4", "Table 3.3", None)
    assert "Table 3.3 gives the chance of meeting each target under central demand, the only demand scenario for this mineral." in one
    # targets of different levels or years by stage: no one-level sentence (it would give refining's to magnets)
    for apart in (lines.assign(value=[0.6, 0.5, 0.65, 0.5]), lines.assign(year=[2030, 2030, 2035, 2030])):
        assert view.chance_sentence(found, apart, "central", ["refining", "magnets"]) is None
        assert view.outlook_paragraph(found, apart, "central", ["refining", "magnets"], "no delay", "Figure 2.4", "Table 2.4", None).startswith("Figure 2.4 shows the outlook")


def test_a_chance_is_never_written_as_a_certainty():
    from review.report.outlook import chance

    assert [chance(v) for v in (0.0, 0.004, 0.006, 0.116, 0.994, 0.996, 1.0)] == ["under 1%", "under 1%", "1%", "12%", "99%", "over 99%", "over 99%"]


def test_the_report_leads_with_the_chance_per_stage():
    from review.report import outlook as view

    table, lines = _report_table(), pd.DataFrame([dict(stage=s, kind=k, value=v, year=2030) for s in ("refining", "magnets") for k, v in (("target", 0.6), ("ambition", 0.5))])
    found = view.chances(table, "rare-earths")
    assert view.chance_sentence(found, lines, "central", ["refining", "magnets"]) == (
        "Chance of meeting the 60.0% target by 2030: 12% in refining and under 1% in magnets (central demand); of the 50.0% ambition by 2030: under 1% in refining and under 1% in magnets."
    )
    # high: refining 4.0% (< 11.6%), magnets 0.0% (= 0.0%): not all fall, so "is"; low: 14.1% and 0.02% (under 1%, never "0%")
    assert view.scenario_sentence(found, "central", ["refining", "magnets"]) == (
        "Under the high demand scenario the chance of the target is 4% in refining and under 1% in magnets; under the low demand scenario the chance of the target rises to 14% in refining and under 1% in magnets."
    )
    # where the scenarios come from, as the model reads demand.csv: three publications are not one outlook's range
    demand = pd.DataFrame({"mineral": "rare-earths", "stage": "", "scenario": ["central", "low", "high"], "growth_rate": [0.064, 0.05, 0.088], "source": ["IEA 2025", "IEA 2024", "McKinsey"]})
    origin = view.scenario_origin(view.used_demand_rows(demand, "rare-earths", ["refining", "magnets"]))
    assert view.scenario_sentence(found, "central", ["refining", "magnets"], origin).endswith(
        "under 1% in magnets (the scenarios come from different publications, which may differ in what they cover and from when).")
    assert view.scenario_origin(view.used_demand_rows(demand.assign(source="one"), "rare-earths", ["refining"])) == "the scenarios are one publication's range"
    assert view.scenario_origin(view.used_demand_rows(demand.iloc[:1], "rare-earths", ["refining"])) == ""
    wide = view.scenario_table(found, "central")
    assert list(wide["scenario"]) == ["central", "high", "low", "central", "high", "low"] and list(wide["stage"])[:3] == ["refining"] * 3
    assert wide.loc[0, "target"] == 0.116 and wide.loc[0, "ambition"] == 0.0 and math.isnan(wide.loc[1, "ambition"])


def test_what_it_would_take_names_the_three_projects_that_raise_the_chance_most():
    from review.report import outlook as view

    table = _report_table()
    takes = view.what_it_takes(table, "rare-earths", "central")
    ranking = view.project_ranking(table, _listed(), "rare-earths", 2026)
    assert list(ranking["project_id"]) == ["P014", "P007", "P054", "P011", "P013"]
    # the name is plain text here: the chapter escapes it where it becomes Markdown
    assert view.takes_sentence(takes, ranking, 0.6, "central") == (
        "For an 80% chance of the 60.0% target (central demand), aligned capacity certain by 2030 would have to grow beyond the listed pipeline by 8,995 t in refining (weighted pipeline 18,500 t). "
        "The projects that would raise the chance most if made certain on their expected dates: Coral Coast <refinery> (refining, +63.7 pp of chance), Coromandel refinery (refining, +17.9 pp of chance) and La Rochelle (refining, +10.0 pp of chance)."
    )


def test_compare_shows_the_change_in_each_chance():
    from review.audit.compare import compare_chances

    before = _report_table()
    after = before.copy()
    after.loc[(after["indicator"] == "target_probability") & (after["stage"] == "refining") & (after["detail"] == "target:central"), "value"] = 0.25
    after = after[~((after["indicator"] == "target_probability") & (after["detail"] == "target:low"))]
    out = compare_chances(before, after).set_index(["stage", "kind", "scenario"])
    assert out.loc[("refining", "target", "central"), "change"] == pytest.approx(0.25 - 0.116)
    assert out.loc[("magnets", "target", "central"), "change"] == 0.0
    assert math.isnan(out.loc[("refining", "target", "low"), "now"]) and out.loc[("refining", "target", "low"), "before"] == 0.141


def test_since_the_last_review_says_how_each_chance_moved():
    from review.audit.compare import compare_chances, previous_chances
    from review.report import outlook as view

    now = _report_table()
    previous = {"cycle": 2025, "available": True}
    # the previous review was built before the outlook: it has no chance to compare with
    first = compare_chances(previous_chances(None), now)
    assert view.since_sentence(first, "central", previous, str.capitalize) == (
        "The 2025 review did not estimate the chance of meeting the dependency targets; this review is the first to (the outlook)."
    )
    assert view.since_sentence(first, "central", {"cycle": 2025, "available": False}, str.capitalize) is None
    before = now.copy()
    before.loc[(before["indicator"] == "target_probability") & (before["stage"] == "refining") & (before["detail"] == "target:central"), "value"] = 0.25
    assert view.since_sentence(compare_chances(before, now), "central", previous, lambda m: "Rare earths") == (
        "Chance of meeting each dependency target since the 2025 review (central demand): rare earths magnets under 1% (+0.0 pp); rare earths refining 12% (-13.4 pp)."
    )
    # the planted case: the previous review assumed 4% a year for refining, this one 16.2%; the
    # chance fell because the assumption did, and the sentence says so (magnets: the same rate, nothing said)
    rates = pd.DataFrame({"mineral": ["rare-earths", "rare-earths"], "stage": ["refining", "magnets"], "before": [0.04, 0.05], "now": [0.162, 0.05]})
    assert view.since_sentence(compare_chances(before, now), "central", previous, lambda m: "Rare earths", rates) == (
        "Chance of meeting each dependency target since the 2025 review (central demand): rare earths magnets under 1% (+0.0 pp); "
        "rare earths refining 12% (-13.4 pp). The 2025 review assumed demand growth of 4.0% a year; this review assumes 16.2% for rare earths refining."
    )
    # both stages moved alike: the mineral is named once
    alike = rates.assign(before=0.04, now=0.064)
    assert view.since_sentence(compare_chances(before, now), "central", previous, lambda m: "Rare earths", alike).endswith(
        "(-13.4 pp). The 2025 review assumed demand growth of 4.0% a year; this review assumes 6.4% for rare earths."
    )
    # different earlier rates are said one by one; unchanged rates say nothing
    apart = rates.assign(before=[0.04, 0.03], now=[0.162, 0.05])
    assert view.since_sentence(compare_chances(before, now), "central", previous, lambda m: "Rare earths", apart).endswith(
        " The demand growth assumed changed: rare earths refining 16.2% a year, was 4.0%; rare earths magnets 5.0% a year, was 3.0%."
    )
    assert view.since_sentence(compare_chances(before, now), "central", previous, lambda m: "Rare earths", rates.assign(now=rates["before"])).endswith("(-13.4 pp).")


def test_since_the_last_review_names_the_target_year_when_a_stage_has_several():
    from review.audit.compare import compare_chances
    from review.report import outlook as view

    now = _report_table()
    refining = now[(now["indicator"] == "target_probability") & (now["stage"] == "refining")]
    later = refining.assign(year=2035, value=refining["value"] / 2)
    now = pd.concat([now, later], ignore_index=True)
    said = view.since_sentence(compare_chances(now, now), "central", {"cycle": 2025, "available": True}, lambda m: "Rare earths")
    assert "rare earths refining by 2030 12% (+0.0 pp); rare earths refining by 2035 6% (+0.0 pp)" in said and "magnets under 1%" in said and "magnets by" not in said


def test_the_report_says_which_delays_the_chances_rest_on():
    from review.report import outlook as view

    def phrase(delays: dict, source: str) -> str:
        return view.delay_phrase(ind.outlook.delay_rows(delays, source, 2026, ["re"]), "re")

    assert phrase({0: 0.55, 1: 0.27, 2: 0.13, 3: 0.05}, "history") == (
        "a delay drawn from the history of the latest project list (55.0% on time, 27.0% one year late, 13.0% 2 years late and 5.0% 3 years late)"
    )
    assert phrase({0: 0.5, 1: 0.5}, "stated") == "a delay drawn from the distribution stated in review.yml (50.0% on time and 50.0% one year late)"
    assert phrase({0: 1.0}, "too few projects") == f"no delay, since the latest project list has fewer than {ind.outlook.MIN_HISTORY} projects, too few for a history of delays"
    # the mineral chapters name the source and leave the shares to At a glance
    assert view.delay_phrase(ind.outlook.delay_rows({0: 0.5, 1: 0.5}, "stated", 2026, ["re"]), "re", with_shares=False) == "a delay drawn from the distribution stated in review.yml"


def test_the_chances_table_has_a_row_per_stage_and_a_column_per_scenario():
    from review.report import outlook as view

    wide = view.scenario_table(view.chances(_report_table(), "rare-earths"), "central")
    shown = view.chance_columns(wide, "central")
    assert list(shown.columns) == ["Stage", "Year", "Target, central demand", "Target, high demand", "Target, low demand", "Ambition, central demand"]
    assert shown.iloc[0].tolist() == ["refining", "2030", "12%", "4%", "14%", "under 1%"]
    assert list(shown["Stage"]) == ["refining", "magnets"]
    # with no ambition anywhere, no empty column
    no_ambition = view.chance_columns(wide.assign(ambition=float("nan")), "central")
    assert "Ambition, central demand" not in no_ambition.columns
    # the caption says what the columns hold: lithium's table had one scenario and no ambition
    # under a caption promising both
    # and what each scenario assumes: three publications' rates are not one publication's range
    demand = pd.DataFrame({"mineral": "re", "stage": "", "scenario": ["central", "low", "high"], "growth_rate": [0.0639, 0.0502, 0.0877], "source": ["IEA 2025 STEPS", "IEA 2024 APS", "McKinsey"]})
    both = ["refining", "magnets"]
    assert view.chances_caption(shown, "Rare earths", "central", demand, "re", both, 0.04) == (
        "Rare earths: chance of meeting each dependency target by demand scenario, and the ambition under central demand; demand grows "
        "5.0% a year (low), 6.4% a year (central) and 8.8% a year (high); the scenarios come from different publications, which may differ "
        "in what they cover and from when; sources in the sources annex."
    )
    assert view.chances_caption(shown, "Cobalt", "central", demand.assign(source="one range"), "re", both, 0.04).endswith("(high); the scenarios are one publication's range; sources in the sources annex.")
    one = view.chance_columns(wide[wide["scenario"] == "central"].assign(ambition=float("nan")), "central")
    assert view.chances_caption(one, "Lithium", "central", demand[demand["scenario"] == "central"], "re", both, 0.04) == (
        "Lithium: chance of meeting each dependency target under central demand; demand grows 6.4% a year (central); sources in the sources annex."
    )
    # the rates the model uses: a stage's own row overrides the mineral's (8%, not "5% to 8%")
    override = pd.DataFrame({"mineral": "re", "stage": ["", "refining"], "scenario": "central", "growth_rate": [0.05, 0.08], "source": "a"})
    assert "demand grows 8.0% a year (central)" in view.chances_caption(one, "Nickel", "central", override, "re", ["refining"], 0.04)
    assert "demand grows 5.0% to 8.0% a year by stage (central)" in view.chances_caption(one, "Nickel", "central", override, "re", both, 0.04)
    # rows for refining alone: magnets grows at the review's own rate, and a scenario only refining has says so
    refining = pd.DataFrame({"mineral": "re", "stage": "refining", "scenario": ["central", "high"], "growth_rate": [0.05, 0.09], "source": "a"})
    said = view.chances_caption(shown, "Rare earths", "central", refining, "re", both, 0.04)
    assert "demand grows 5.0% a year (central, refining only) and 9.0% a year (high, refining only)" in said and "; magnets at the review's own 4.0% a year;" in said
    # a cycle without demand.csv (the 2025 one) has no source to point to: it says the review's setting
    single = view.chance_columns(wide[wide["scenario"] == "central"], "central")
    assert view.chances_caption(single, "Rare earths", "central", demand.iloc[0:0], "re", both, 0.04) == (
        "Rare earths: chance of meeting each dependency target and the ambition under central demand; demand grows 4.0% a year, the review's own setting (the inputs give no published scenario)."
    )



def test_what_it_would_take_names_the_plants_ramping_up_it_counts_as_certain():
    """Magnets needed 23,697 t for the target beside a 4,200 t pipeline, yet an 80% chance needed
    only 19,197 t more: 2,500 t of plants still ramping up count as certain, and the page did not say so."""
    from review.report import outlook as view

    takes = pd.DataFrame([dict(stage="magnets", year=2030, target_t=19_197.0, ambition_t=27_858.0, pipeline_t=4_200.0, ramp_up_t=2_500.0)])
    assert view.takes_sentence(takes, pd.DataFrame(columns=["effect", "name", "stage"]), 0.6, "central") == (
        "For an 80% chance of the 60.0% target (central demand), aligned capacity certain by 2030 would have to grow beyond the listed pipeline "
        "and the plants still ramping up by 19,197 t in magnets (weighted pipeline 4,200 t; ramping up 2,500 t)."
    )


def test_an_outlook_figures_data_names_the_on_time_case_as_the_report_does():
    from review.report import outlook as view

    fan = pd.DataFrame({"stage": ["refining", "refining"], "year": [2026, 2030], "p10": [0.7, 0.6], "p50": [0.74, 0.65], "p90": [0.76, 0.7]})
    points = pd.DataFrame({"stage": "refining", "case": ["today", "expected", "best case"], "year": [2026, 2030, 2030], "value": [0.743, 0.625, 0.547]})
    data = view.fan_data(fan, points).set_index("year")
    assert "expected" not in data.columns and data.loc[2030, "on time"] == 0.625 and data.loc[2030, "best case"] == 0.547
    assert data.loc[2026, "today"] == 0.743 and list(data["p50"]) == [0.74, 0.65]
