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
    """Refining 90% (2024) -> 80% (2026), projected 66% best case, 70% slip; magnets 70% -> 58%, projected 50% / 55%."""
    rows = []
    for stage, base, today, best, slip, pipeline in (("refining", 0.90, 0.80, 0.66, 0.70, 14_900), ("magnets", 0.70, 0.58, 0.50, 0.55, 3_200)):
        rows += [
            ("single_supplier_dependency", "rare-earths", stage, "alliance", 2024, base, "share", "", "CHN"),
            ("single_supplier_dependency", "rare-earths", stage, "alliance", 2026, today, "share", "", "CHN"),
            ("projected_dependency", "rare-earths", stage, "alliance", 2030, best, "share", ind.MISSES if best > 0.6 else ind.MEETS, "CHN"),
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


def test_points_give_baseline_today_best_and_slip_per_stage():
    founding = glance.founding_targets(founding_targets(), STAGES)
    points = glance.founding_points(indicators(False), founding, 2026)
    refining = points[points["stage"] == "refining"].set_index("case")
    assert list(refining.index) == list(glance.CASES)
    assert refining.loc["baseline", "year"] == 2024 and refining.loc["today", "value"] == pytest.approx(0.80)
    assert refining.loc["best case", "year"] == 2030 and refining.loc["slip case", "value"] == pytest.approx(0.70)


def test_sentences_with_the_gap_rows():
    founding = glance.founding_targets(founding_targets(), STAGES)
    table = indicators(True)
    points, lines, gaps = glance.founding_points(table, founding, 2026), glance.founding_lines(founding), glance.capacity_gaps(table, founding)
    first, second, third = glance.sentences(points, lines, card(), gaps, "Rare earths")
    assert first == (
        "In 2026, the Alliance's dependency on a single non-aligned supplier of rare earths is 80.0% in refining and 58.0% in magnets, "
        "against the founding target of under 60.0% by 2030 (ambition 50.0%): refining is off track; magnets is on track."
    )
    assert "66.0% in refining and 50.0% in magnets in the best case" in second and "70.0% and 55.0% if projects slip a year" in second
    assert second.endswith("refining misses 60.0% even in the best case.")
    # magnets need nothing for the target (gap 0), refining 21,000 t against a 14,900 t pipeline
    assert third == "Reaching 60.0% by 2030 needs new aligned supply of 21,000 t in refining, against a weighted pipeline of 14,900 t."


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
    table.loc[(table["stage"] == "refining") & (table["indicator"] == "projected_dependency"), "status"] = glance.PROVISIONAL
    c = card(refining=glance.PROVISIONAL)
    first, second, _ = glance.sentences(glance.founding_points(table, founding, 2026), glance.founding_lines(founding), c, glance.capacity_gaps(table, founding), "Rare earths")
    assert "80.0% in refining (provisional)" in first and "refining is provisional" in first
    assert "every stage reaches 60.0% in the best case" in second  # the provisional projection is not called a miss
    points = glance.attention_points(c, table, founding_targets(), lambda r: f"{r.mineral} {r.stage}", str.capitalize)
    assert any(p.startswith("Provisional, not assessed") and "rare-earths refining" in p for p in points)


def test_attention_points_from_the_numbers():
    targets = founding_targets()
    points = glance.attention_points(card(), indicators(True), targets, lambda r: f"{r.mineral} {r.stage}", str)
    assert points[0] == "Off track, founding target (60.0% by 2030): rare-earths refining 80.0% in 2026 against a path of 80.0%."
    assert points[1] == "The weighted pipeline leaves dependency above the target even in the best case: rare-earths refining 66.0% in 2030."
    # stress test: 42 days of gallium cover against the 60-day stockpile target
    assert points[2] == "Stress test, largest non-aligned supplier stopped: Alliance stockpiles would cover gallium refining 42 days (target 60)."
    assert glance.attention_points(card(refining=ind.ON_TRACK), indicators(False).query("indicator != 'projected_dependency'"), targets, str, str) == []
    # stress-test cover only for minerals without a stockpile target: nothing to compare, no point (and no error)
    other = indicators(True)
    other.loc[other["indicator"] == "disruption_cover_days", "mineral"] = "copper"
    assert not any(p.startswith("Stress test") for p in glance.attention_points(card(), other, targets, lambda r: f"{r.mineral} {r.stage}", str))


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


def test_label_height_moves_a_label_off_a_target_line():
    assert charts.label_height(0.30, [0.60]) == pytest.approx(0.32)  # clear of the line
    assert charts.label_height(0.58, [0.60]) == pytest.approx(0.62)  # would sit on 60%: goes above it
    assert charts.label_height(0.47, [0.50, 0.60]) == pytest.approx(0.52)  # above 50%, still clear of 60% (0.52 + 0.06 < 0.60)


def test_legend_collisions_are_found_and_cleared():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(np.arange(10), np.linspace(0, 1, 10), marker="o", label="series")
    ax.scatter([8.5], [0.95], label="target")
    ax.legend(loc="upper right")
    assert any("target" in c for c in charts.legend_collisions(fig))
    plt.close(fig)
    founding = glance.founding_targets(founding_targets(), STAGES)
    fig = charts.founding_targets(glance.founding_points(indicators(False), founding, 2026), glance.founding_lines(founding))
    assert charts.legend_collisions(fig) == []
    plt.close(fig)
