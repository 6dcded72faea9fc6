"""The At a glance page and the members' comparison: numbers and sentences from hand-made indicator tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from review.analysis import comparison
from review.analysis import indicators as ind
from review.report import charts, glance
from review.report.chapter import constant_columns_in_caption

COLUMNS = ["indicator", "mineral", "stage", "scope", "year", "value", "unit", "status", "detail"]
STAGES = ["mining", "refining", "magnets"]


def founding_targets(illustrative_extra: bool = True) -> pd.DataFrame:
    rows = []
    for stage in ("refining", "magnets"):
        for kind, value in (("target", 0.60), ("ambition", 0.50)):
            rows.append(dict(mineral="rare-earths", stage=stage, indicator="single_supplier_dependency", comparator="max", value=value, year=2030, kind=kind, baseline_year=2024, source="Alliance founding text: under 60% by 2030", illustrative=False))
    if illustrative_extra:
        rows.append(dict(mineral="lithium", stage="refining", indicator="single_supplier_dependency", comparator="max", value=0.65, year=2030, kind="target", baseline_year=2024, source="Illustrative", illustrative=True))
        rows.append(dict(mineral="rare-earths", stage="mining", indicator="single_supplier_dependency", comparator="max", value=0.70, year=2030, kind="target", baseline_year=2024, source="Illustrative", illustrative=True))
        rows.append(dict(mineral="gallium", stage="", indicator="stockpile_cover_days", comparator="min", value=60, year=2027, kind="target", baseline_year=2024, source="Illustrative", illustrative=True))
    return pd.DataFrame(rows)


def indicators(with_new_rows: bool) -> pd.DataFrame:
    """Refining 90% (2024) -> 80% (2026), projected 66% on time, 70% slip, 62% best case; magnets 70% -> 58%, projected 50% / 55% / 45%."""
    rows = []
    for stage, base, today, expected, slip, best, pipeline in (("refining", 0.90, 0.80, 0.66, 0.70, 0.62, 14_900), ("magnets", 0.70, 0.58, 0.50, 0.55, 0.45, 3_200)):
        rows += [
            ("single_supplier_dependency", "rare-earths", stage, "alliance", 2024, base, "share", "", "CHN"),
            ("single_supplier_dependency", "rare-earths", stage, "alliance", 2026, today, "share", "", "CHN"),
            ("projected_dependency", "rare-earths", stage, "alliance", 2030, expected, "share", ind.MISSES if expected > 0.6 else ind.MEETS, "CHN"),
            ("projected_dependency_full", "rare-earths", stage, "alliance", 2030, best, "share", ind.MISSES if best > 0.6 else ind.MEETS, "CHN"),
            ("projected_dependency_slip", "rare-earths", stage, "alliance", 2030, slip, "share", ind.MISSES if slip > 0.6 else ind.MEETS, "CHN"),
            ("pipeline_weighted_capacity_t", "rare-earths", stage, "alliance", 2030, pipeline, "t", "", "from 2026"),
        ]
    if with_new_rows:
        rows += [
            ("capacity_gap_t", "rare-earths", "refining", "alliance", 2030, 21_000.0, "t", "", "target"),
            ("capacity_gap_t", "rare-earths", "refining", "alliance", 2030, 30_000.0, "t", "", "ambition"),
            ("capacity_gap_t", "rare-earths", "magnets", "alliance", 2030, 0.0, "t", "", "target"),
            ("capacity_gap_t", "rare-earths", "magnets", "alliance", 2030, 4_000.0, "t", "", "ambition"),
            ("disruption_cover_days", "gallium", "refining", "alliance", 2026, 42.0, "days", "", ""),
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def card(refining: str = ind.OFF_TRACK, magnets: str = ind.ON_TRACK) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="target", comparator="max", target=0.6, target_year=2030, year=2026, value=0.80, path=0.60 + 0.30 * 4 / 6, status=refining),
            dict(mineral="rare-earths", stage="magnets", indicator="single_supplier_dependency", kind="target", comparator="max", target=0.6, target_year=2030, year=2026, value=0.58, path=0.70 - 0.10 * 2 / 6, status=magnets),
        ]
    )


def test_founding_targets_are_the_founding_texts_and_follow_the_stage_order():
    founding = glance.founding_targets(founding_targets(), STAGES)
    assert list(dict.fromkeys(founding["stage"])) == ["refining", "magnets"]  # mining's row is not the founding text's
    assert set(founding["kind"]) == {"target", "ambition"}


def test_points_give_baseline_today_expected_best_and_slip_per_stage():
    founding = glance.founding_targets(founding_targets(), STAGES)
    points = glance.founding_points(indicators(False), founding, 2026)
    refining = points[points["stage"] == "refining"].set_index("case")
    assert list(refining.index) == list(glance.CASES)
    assert refining.loc["baseline", "year"] == 2024 and refining.loc["today", "value"] == pytest.approx(0.80)
    assert refining.loc["expected", "year"] == 2030 and refining.loc["expected", "value"] == pytest.approx(0.66)
    assert refining.loc["best case", "value"] == pytest.approx(0.62) and refining.loc["slip case", "value"] == pytest.approx(0.70)


def test_sentences_with_the_gap_rows():
    founding = glance.founding_targets(founding_targets(), STAGES)
    table = indicators(True)
    points, lines, gaps = glance.founding_points(table, founding, 2026), glance.founding_lines(founding), glance.capacity_gaps(table, founding)
    first, second, third = glance.sentences(points, lines, card(), gaps, "Rare earths")
    assert first == (
        "In 2026, the Alliance's dependency on a single non-aligned supplier of rare earths is 80.0% in refining and 58.0% in magnets, "
        "against the founding target of under 60.0% by 2030 (ambition 50.0%): refining is off track; magnets is on track."
    )
    assert second.startswith("With the project pipeline weighted by status and every project on time (the on-time projection), 2030 dependency would be 66.0% in refining and 50.0% in magnets, and 70.0% and 55.0% if projects slip a year")
    assert "; if every active aligned project is delivered in full on its expected date (the best case), 62.0% and 45.0%" in second
    assert second.endswith("refining misses 60.0% even in the best case.")
    # magnets need nothing for the target (gap 0), refining 21,000 t against a 14,900 t pipeline
    assert third == "Reaching 60.0% by 2030 needs new aligned supply of 21,000 t in refining, against a weighted pipeline of 14,900 t."


def test_the_need_names_the_plants_ramping_up_beside_the_pipeline():
    """The projections count plants still ramping up as certain: the need is set against them
    too (the sample's magnets: 23,697 t needed against a 4,200 t pipeline, with 2,500 t ramping up unsaid)."""
    founding = glance.founding_targets(founding_targets(), STAGES)
    table = indicators(True)
    pipeline = table[(table["indicator"] == "pipeline_weighted_capacity_t") & (table["stage"] == "refining") & (table["year"] == 2030)]
    table = pd.concat([table, pipeline.assign(indicator="ramp_up_capacity_t", value=2500.0)], ignore_index=True)
    gaps = glance.capacity_gaps(table, founding)
    third = glance.sentences(glance.founding_points(table, founding, 2026), glance.founding_lines(founding), card(), gaps, "Rare earths")[2]
    assert third == "Reaching 60.0% by 2030 needs new aligned supply of 21,000 t in refining, against a weighted pipeline of 14,900 t, besides plants still ramping up (counted as certain) of 2,500 t in refining."


def test_the_outlooks_median_is_said_beside_the_expected_case():
    """The on-time case has every project on time; the draws add delays, and their median sat
    above it (the sample's refining: 62.5% on time, median 64.9%): both are said, each for what it is
    (the case was called "expected" while the outlook, which lets projects slip, is centred above it)."""
    founding = glance.founding_targets(founding_targets(), STAGES)
    table = indicators(True)
    expected = table[(table["indicator"] == "projected_dependency") & (table["year"] == 2030)]
    medians = pd.concat([expected.assign(indicator="projected_dependency_p50", value=expected["value"] + 0.024, detail=scenario) for scenario in ("central", "high")], ignore_index=True)
    medians.loc[medians["detail"] == "high", "value"] += 0.05  # another scenario's median is not the headline's
    table = pd.concat([table, medians], ignore_index=True)
    args = (glance.founding_points(table, founding, 2026), glance.founding_lines(founding), card(), glance.capacity_gaps(table, founding), "Rare earths", glance.outlook_medians(table, founding, "central"))
    second = glance.sentences(*args, "a delay drawn from the history of the latest project list (55.0% on time and 45.0% one year late)")[1]
    assert second.endswith(
        "refining misses 60.0% even in the best case. With each project coming online with the probability of its status "
        "and a delay drawn from the history of the latest project list (55.0% on time and 45.0% one year late), the outlook's median is 68.4% in refining and 52.4% in magnets."
    )
    # too few projects for a history: the draws add no delay, and the sentence does not say they do
    second = glance.sentences(*args, "no delay, since the latest project list has fewer than 10 projects, too few for a history of delays")[1]
    assert "history, the outlook's" not in second and "and no delay, since the latest project list has fewer than 10 projects" in second


def test_sentences_without_the_gap_rows_claim_no_gap():
    founding = glance.founding_targets(founding_targets(), STAGES)
    table = indicators(False)
    gaps = glance.capacity_gaps(table, founding)
    assert gaps["target_t"].isna().all()
    third = glance.sentences(glance.founding_points(table, founding, 2026), glance.founding_lines(founding), card(), gaps, "Rare earths")[2]
    assert third == "The weighted pipeline adds 14,900 t in refining and 3,200 t in magnets of aligned capacity by 2030; this build does not compute the supply the target needs."


def test_provisional_figures_are_said_and_not_assessed():
    founding = glance.founding_targets(founding_targets(), STAGES)
    table = indicators(True)
    table.loc[(table["stage"] == "refining") & (table["indicator"] == "single_supplier_dependency") & (table["year"] == 2026), "status"] = glance.PROVISIONAL
    table.loc[(table["stage"] == "refining") & table["indicator"].isin(["projected_dependency", "projected_dependency_full"]), "status"] = glance.PROVISIONAL
    c = card(refining=glance.PROVISIONAL)
    first, second, _ = glance.sentences(glance.founding_points(table, founding, 2026), glance.founding_lines(founding), c, glance.capacity_gaps(table, founding), "Rare earths")
    assert "80.0% in refining (provisional)" in first and "refining is provisional" in first
    assert "every stage reaches 60.0% in the best case" in second  # the provisional projection is not called a miss
    card_ = c.assign(founding=True, illustrative=False, comparator="max", target=0.6, target_year=2030, kind="target", path=0.8)
    tables = dict(targets=founding_targets(), minerals=pd.DataFrame({"id": ["rare-earths"]}), members=pd.DataFrame(columns=["code", "name"]), projects=pd.DataFrame(columns=["project_id", "name"]), price_floors=pd.DataFrame())
    points = glance.pillar_points(card_, table, tables, Names(), lambda r: f"{r.mineral} {r.stage}")
    assert points[-1] == "Provisional, not assessed (too few members reported): rare-earths refining."
    assert "is provisional in refining" in points[0]  # never on or off track


def test_member_ranks_are_worked_by_hand():
    rows = []
    # CCC reported only in 2025 (a draft where it has not reported yet): it is not ranked
    for scope, values in (("AAA", {2025: (0.90, 0.70), 2026: (0.80, 0.60)}), ("BBB", {2025: (0.50, 0.50), 2026: (0.55, 0.45)}), ("CCC", {2025: (0.10, 0.10)}), ("alliance", {2025: (0.70, 0.60), 2026: (0.65, 0.55)})):
        for year, (a, b) in values.items():
            rows += [("single_supplier_dependency", "x", "mining", scope, year, a, "share", "", "CHN"), ("single_supplier_dependency", "y", "refining", scope, year, b, "share", "", "CHN")]
    ranks = comparison.member_ranks(pd.DataFrame(rows, columns=COLUMNS), ["AAA", "BBB", "CCC"], 2026, 2025).set_index("scope")
    assert list(ranks.index) == ["BBB", "AAA"]
    # AAA: mean (0.80 + 0.60) / 2 = 0.70, before (0.90 + 0.70) / 2 = 0.80, change -0.10; above the Alliance in both (0.80 > 0.65, 0.60 > 0.55)
    assert ranks.loc["AAA", "mean"] == pytest.approx(0.70) and ranks.loc["AAA", "change"] == pytest.approx(-0.10) and ranks.loc["AAA", "above_alliance"] == 2
    # BBB: mean (0.55 + 0.45) / 2 = 0.50, before 0.50, change 0; above in none (0.55 < 0.65, 0.45 < 0.55)
    assert ranks.loc["BBB", "mean"] == pytest.approx(0.50) and ranks.loc["BBB", "change"] == pytest.approx(0.0) and ranks.loc["BBB", "above_alliance"] == 0
    assert ranks.loc["BBB", "rank"] == 1 and ranks.loc["AAA", "rank"] == 2


def test_a_member_reporting_fewer_stages_is_listed_apart_and_the_ranking_uses_the_common_stages():
    # AAA and BBB report x mining, y refining and z refining; NNN reports only z refining (1 of 3 < half): listed apart.
    # BBB lacks nothing; AAA lacks nothing: common = 3 stages. The old ranking put NNN first on its one easy stage.
    rows = []
    for scope, values in (("AAA", (0.80, 0.60, 0.10)), ("BBB", (0.55, 0.45, 0.50)), ("NNN", (None, None, 0.05))):
        for (mineral, stage), v in zip((("x", "mining"), ("y", "refining"), ("z", "refining")), values):
            if v is not None:
                rows.append(("single_supplier_dependency", mineral, stage, scope, 2026, v, "share", "", "CHN"))
    ranks = comparison.member_ranks(pd.DataFrame(rows, columns=COLUMNS), ["AAA", "BBB", "NNN"], 2026, 2025).set_index("scope")
    # AAA (0.80 + 0.60 + 0.10) / 3 = 0.50; BBB (0.55 + 0.45 + 0.50) / 3 = 0.50: tied at rank 1
    assert ranks.loc["AAA", "mean"] == pytest.approx(0.5) and ranks.loc["BBB", "mean"] == pytest.approx(0.5)
    assert ranks.loc["AAA", "rank"] == ranks.loc["BBB", "rank"] == 1 and ranks.loc["AAA", "common"] == 3
    assert not ranks.loc["NNN", "ranked"] and pd.isna(ranks.loc["NNN", "rank"]) and ranks.loc["NNN", "stages"] == 1
    assert list(ranks.index)[-1] == "NNN"
    # a stage one ranked member lacks leaves the ranking for all: drop BBB's z refining -> common = x mining, y refining
    ranks = comparison.member_ranks(pd.DataFrame(rows[:5], columns=COLUMNS), ["AAA", "BBB", "NNN"], 2026, 2025).set_index("scope")
    assert ranks.loc["AAA", "common"] == 2 and ranks.loc["AAA", "mean"] == pytest.approx(0.70) and ranks.loc["BBB", "rank"] == 1


def test_sponsorship_counts_each_sponsor_and_leaves_out_cancelled():
    projects = pd.DataFrame(
        [
            dict(mineral="x", sponsors="AAA;BBB", status="construction", capacity_t=100.0),
            dict(mineral="x", sponsors="AAA", status="cancelled", capacity_t=50.0),
            dict(mineral="y", sponsors="AAA", status="operating", capacity_t=10.0),
        ]
    )
    got = comparison.sponsorship(projects, ["AAA", "BBB"]).set_index(["scope", "mineral"])
    assert got.loc[("AAA", "x"), "projects"] == 1 and got.loc[("AAA", "x"), "capacity_t"] == 100.0
    assert got.loc[("BBB", "x"), "projects"] == 1 and got.loc[("AAA", "y"), "capacity_t"] == 10.0


def test_constant_columns_move_to_the_caption():
    frame = pd.DataFrame({"Holder": ["A", "B"], "Year end": ["2025", "2025"], "Cover": ["10", "20"]})
    shown, caption = constant_columns_in_caption(frame, "Cover.")
    assert list(shown.columns) == ["Holder", "Cover"] and caption == "Cover. Year end: 2025 for every row."
    one, same = constant_columns_in_caption(frame.head(1), "Cover.")
    assert list(one.columns) == list(frame.columns) and same == "Cover."


def test_legend_collisions_are_found_and_cleared():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(np.arange(10), np.linspace(0, 1, 10), marker="o", label="series")
    ax.scatter([8.5], [0.95], label="target")
    ax.legend(loc="upper right")
    assert any("target" in c for c in charts.legend_collisions(fig))
    plt.close(fig)
    founding = glance.founding_targets(founding_targets(), STAGES)
    fan = pd.DataFrame([dict(stage=s, year=y, p10=0.5, p50=0.6, p90=0.7) for s in ("refining", "magnets") for y in (2027, 2028, 2029, 2030)])
    fig = charts.outlook_fan(fan, glance.founding_points(indicators(False), founding, 2026), glance.founding_lines(founding))
    assert charts.legend_collisions(fig) == []
    plt.close(fig)


def pillar_card() -> pd.DataFrame:
    """Founding refining target at risk, its ambition off track; magnets on track; an illustrative lithium target
    off track; every stockpile target withheld; one recycling target off track and one withheld."""
    base = dict(comparator="max", target_year=2030, year=2026, path=0.7, founding=True, illustrative=False)
    rows = [
        dict(base, mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="target", target=0.6, value=0.72, status=ind.AT_RISK),
        dict(base, mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="ambition", target=0.5, value=0.72, status=ind.OFF_TRACK),
        dict(base, mineral="rare-earths", stage="magnets", indicator="single_supplier_dependency", kind="target", target=0.6, value=0.58, status=ind.ON_TRACK),
        dict(base, mineral="lithium", stage="refining", indicator="single_supplier_dependency", kind="target", target=0.65, value=0.9, status=ind.OFF_TRACK, founding=False, illustrative=True),
        dict(base, mineral="rare-earths", stage="", indicator="stockpile_cover_days", kind="target", comparator="min", target=60, value=np.nan, status=ind.SUPPRESSED, founding=False),
        dict(base, mineral="gallium", stage="", indicator="stockpile_cover_days", kind="target", comparator="min", target=60, value=np.nan, status=ind.SUPPRESSED, founding=False),
        dict(base, mineral="cobalt", stage="", indicator="recycling_share", kind="target", comparator="min", target=0.2, value=0.05, status=ind.OFF_TRACK, founding=False),
        dict(base, mineral="lithium", stage="", indicator="recycling_share", kind="target", comparator="min", target=0.1, value=np.nan, status=ind.SUPPRESSED, founding=False),
    ]
    return pd.DataFrame(rows)


class Names:
    def mineral(self, m):
        return {"rare-earths": "Rare earths"}.get(m, m.capitalize())

    def country(self, c):
        return {"USA": "United States"}.get(c, c)


def pillar_tables(table: pd.DataFrame) -> dict:
    targets = pd.DataFrame([dict(mineral=m, stage=st, indicator="single_supplier_dependency", illustrative=m == "lithium") for m, st in (("rare-earths", "refining"), ("rare-earths", "magnets"), ("lithium", "refining"))])
    minerals = pd.DataFrame({"id": ["rare-earths", "lithium", "gallium", "antimony"]})
    projects = pd.DataFrame([dict(project_id="P1", name="Mountain Pass expansion"), dict(project_id="P2", name="Other")])
    floors = pd.DataFrame([dict(mineral="rare-earths", stage="refining", scope="USA", status="in force", product="NdPr oxide")])
    members = pd.DataFrame({"code": ["USA", "JPN"], "name": ["United States", "Japan"]})
    return dict(targets=targets, minerals=minerals, members=members, projects=projects, price_floors=floors)


def pillar_table(outlook: bool) -> pd.DataFrame:
    rows = [
        # the on-time (status-weighted) projection is not the best case: only full delivery is
        ("projected_dependency", "rare-earths", "refining", "alliance", 2030, 0.71, "share", ind.MISSES, "CHN"),
        ("projected_dependency_full", "rare-earths", "refining", "alliance", 2030, 0.66, "share", ind.MISSES, "CHN"),
        ("projected_dependency", "rare-earths", "magnets", "alliance", 2030, 0.52, "share", ind.MISSES, "CHN"),
        ("projected_dependency_full", "rare-earths", "magnets", "alliance", 2030, 0.45, "share", ind.MEETS, "CHN"),
        ("priority_project_effect", "rare-earths", "refining", "alliance", 2030, 0.08, "share_diff", "", "P1"),
        ("priority_project_effect", "rare-earths", "magnets", "alliance", 2030, 0.0, "share_diff", "", "P2"),
        ("projects_slipped", "rare-earths", "", "alliance", 2026, 3.0, "projects", "", "all"),
        ("price_floor_cost_musd", "rare-earths", "refining", "USA", None, np.nan, "million USD", ind.NOT_COMPARED, "in force"),
        ("traceability_share", "cobalt", "refining", "alliance", 2026, 0.096, "share", "", ""),
        ("traceability_share", "lithium", "refining", "alliance", 2026, 0.02, "share", "", ""),
        # gallium has no dependency target (95.6%); antimony neither: its most dependent stage is refining
        ("single_supplier_dependency", "gallium", "refining", "alliance", 2026, 0.956, "share", "", "CHN"),
        ("single_supplier_dependency", "antimony", "mining", "alliance", 2026, 0.5, "share", "", "CHN"),
        ("single_supplier_dependency", "antimony", "refining", "alliance", 2026, 0.8, "share", "", "CHN"),
        ("single_supplier_dependency", "lithium", "refining", "alliance", 2026, 0.9, "share", "", "CHN"),
    ]
    if outlook:
        rows += [
            ("target_probability", "rare-earths", "refining", "alliance", 2030, 0.34, "share", "", "target:central"),
            ("target_probability", "rare-earths", "magnets", "alliance", 2030, 0.91, "share", "", "target:central"),
            ("capacity_needed_p80_t", "rare-earths", "refining", "alliance", 2030, 12_000.0, "t", "", "target:central"),
            ("capacity_needed_p80_t", "rare-earths", "magnets", "alliance", 2030, 0.0, "t", "", "target:central"),
            ("target_probability", "rare-earths", "refining", "alliance", 2030, 0.05, "share", "", "ambition:central"),
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_one_line_per_pillar_without_the_outlook():
    points = glance.pillar_points(pillar_card(), pillar_table(False), pillar_tables(pillar_table(False)), Names(), lambda r: r.mineral)
    diversification, projects, stockpiles, recycling, markets, traceability, to_set = points
    # the refining *target* at risk is named, not only the ambition (the old page showed only the ambition)
    assert diversification.startswith("Diversification, founding rare earths targets: the target (under 60.0% by 2030) is at risk in refining; on track in magnets, "
                                      "and even the best case misses it in refining (66.0%); the ambition (50.0% by 2030) is off track in refining, "
                                      "and even the best case misses it in refining (66.0%).")
    assert diversification.endswith("Other dependency targets (illustrative): 1 off track (lithium refining).")
    assert projects == "Projects that matter most: 1 of 2 priority projects move a dependency target; the largest, Mountain Pass expansion, takes 8.0 pp off rare earths refining dependency by 2030; 3 projects are expected later than first reported."
    # every Alliance stockpile figure withheld: one line says so (the old page said nothing)
    assert stockpiles == ("Stockpiles: 2 stockpile targets (rare earths and gallium) are assessed only in the restricted edition, "
                          "because the Alliance totals would reveal confidential holdings.")
    assert recycling.startswith("Recycling: 1 of 2 recycling targets assessed: 1 off track (cobalt); 1 recycling target (lithium) is assessed only")
    # a recycling share's total would reveal a consumption, not a holding (the old line said holdings for both)
    assert recycling.endswith("because the Alliance totals would reveal a confidential consumption.")
    assert markets == "Markets: the yearly cost of the price-gap payments in force is not known; the United States floor on NdPr oxide is not compared (no NdPr oxide price in the inputs)."
    # the share is over the stages that report traceability, and the line says how few those are
    assert traceability == "Traceability: from 2.0% (lithium refining) to 9.6% (cobalt refining) of Alliance sourcing has a verified origin, in the 2 of 5 mineral stages that report it (2026)."
    # every stage without a target, not only minerals without any: antimony's mining is listed beside its refining;
    # and a stage whose only target is illustrative (lithium refining) has none the Alliance set
    # the kind of gap first and each dependency in brackets: the percentages read as proposed targets
    assert to_set.startswith("Targets still to set") and to_set.endswith(
        "dependency in 2026 in brackets): no dependency target yet: gallium refining (95.6%); antimony refining (80.0%) and mining (50.0%); "
        "and only an illustrative target, which this review uses to draw a path: lithium refining (90.0%).")


def test_the_diversification_line_uses_the_outlook_when_its_rows_are_there():
    line = glance.diversification_line(pillar_card(), pillar_table(True), Names().mineral)
    assert "the target (under 60.0% by 2030) is at risk in refining; on track in magnets; chance of meeting it by 2030: refining 34%, magnets 91%; an 80% chance needs 12,000 t of aligned refining capacity certain by then beyond the listed pipeline and the plants ramping up;" in line
    assert "the ambition (50.0% by 2030) is off track in refining; chance of meeting it by 2030: refining 5%." in line
    assert "best-case" not in line
    # the indicators table sorts its rows (magnets before refining): the line keeps the stages' own order
    assert glance.diversification_line(pillar_card(), pillar_table(True).iloc[::-1], Names().mineral) == line
    # another target on track or off track today says its chance too (lithium read "on track" while the outlook gave it 16%)
    table = pd.concat([pillar_table(True), pd.DataFrame([("target_probability", "lithium", "refining", "alliance", 2030, 0.16, "share", "", "target:central")], columns=COLUMNS)])
    assert glance.diversification_line(pillar_card(), table, Names().mineral).endswith("1 off track (lithium refining); chance of meeting each by its year: lithium refining 16%.")


def test_the_projects_that_matter_most_are_the_outlooks_ranking_when_it_is_there():
    """One ranking in the whole report: by the chance added, as each mineral's chapter ranks them;
    a project that adds nothing is never named, and only the three largest are."""
    table = pillar_table(True)
    effects = [("P2", "magnets", 0.30), ("P1", "refining", 0.30), ("P3", "refining", 0.05), ("P4", "refining", 0.02), ("P5", "refining", 0.0)]
    table = pd.concat([table, pd.DataFrame([("project_probability_effect", "rare-earths", stage, "alliance", 2030, v, "share_diff", "", p) for p, stage, v in effects], columns=COLUMNS)])
    tables = pillar_tables(table)
    tables["projects"] = pd.DataFrame([dict(project_id=f"P{i}", name=f"Project {i}") for i in range(1, 6)])
    line = glance.projects_line(table, tables["projects"], Names().mineral)
    assert line == ("Projects that matter most: made certain on their expected dates, these would raise the chance of meeting a dependency target most: "
                    "Project 1 (rare earths refining, +30.0 pp of chance), Project 2 (rare earths magnets, +30.0 pp of chance) and Project 3 (rare earths refining, +5.0 pp of chance); "
                    "3 projects are expected later than first reported.")
    assert "priority" not in line  # the other measure (dependency taken off) is not a second ranking here
    # with founding targets, only their stages' projects: the list At a glance's What it would take gives
    founding = pd.DataFrame([dict(mineral="rare-earths", stage="refining")])
    only = glance.projects_line(table, tables["projects"], Names().mineral, founding)
    assert "chance of meeting the founding rare earths target most: Project 1 (rare earths refining, +30.0 pp of chance), Project 3" in only and "Project 2" not in only


def test_a_floor_cost_in_force_is_summed():
    table = pillar_table(False)
    table.loc[table["indicator"] == "price_floor_cost_musd", ["value", "status"]] = [1.5, ""]
    assert glance.markets_line(table, pillar_tables(table)["price_floors"], Names().country, Names().mineral) == "Markets: price-gap payments at the 1 floor in force would cost 1.50 million USD a year at the latest prices."


def test_the_member_heat_map_has_a_colour_scale():
    values = pd.DataFrame({"Rare earths refining": [0.9, 0.5], "Copper mining": [0.1, np.nan]}, index=["United States", "Alliance"])
    fig = charts.member_heatmap(values)
    scale = fig.axes[0].collections[0].colorbar
    assert scale is not None and scale.ax.get_ylabel() == "single-supplier dependency"
    assert scale.ax.yaxis.get_major_formatter()(0.5, 0) == "50%"


def test_the_attention_points_say_when_the_totals_may_count_supply_twice():
    tables = pillar_tables(pillar_table(False))
    tables["members"] = pd.DataFrame({"code": ["USA", "DEU", "EUU"], "name": ["United States", "Germany", "European Union"]})
    points = glance.pillar_points(pillar_card(), pillar_table(False), tables, Names(), lambda r: r.mineral)
    assert any(p.startswith("Totals: the European Union and Germany, an EU member state, are both members") for p in points)
    assert not any(p.startswith("Totals:") for p in glance.pillar_points(pillar_card(), pillar_table(False), pillar_tables(pillar_table(False)), Names(), lambda r: r.mineral))
