"""Finance of the pipeline on the tiny cycle's projects.csv; arithmetic in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mandate_tables import indicators_of, one

from review.analysis import indicators as ind
from review.inputs.config import ReviewConfig


@pytest.fixture(scope="module")
def table():
    return indicators_of("restricted", with_optional=False)


def test_capex_and_public_finance_by_mineral_stage_and_status(table):
    # the 2026 list: T1 rare-earth refining, construction, capex 100, public 50; T2 mining, cancelled,
    # 80 and 0; T3 lithium refining, announced, 60 and 10
    expected = {("rare-earths", "refining", "construction"): (100, 50), ("rare-earths", "mining", "cancelled"): (80, 0), ("lithium", "refining", "announced"): (60, 10)}
    for (mineral, stage, status), (capex, public) in expected.items():
        row = one(table, "capex_musd", mineral=mineral, stage=stage, detail=status)
        assert row.value == capex and row.year == 2026 and row.scope == "alliance" and row.status == ""
        assert one(table, "public_finance_musd", mineral=mineral, stage=stage, detail=status).value == public


def test_a_sum_with_unreported_figures_is_provisional():
    # two announced projects; capex 30 and (not reported): sum 30, provisional
    projects = pd.DataFrame(
        [("P1", "x", "s", "announced", 30.0, 5.0), ("P2", "x", "s", "announced", None, 5.0)],
        columns=["project_id", "mineral", "stage", "status", "capex_musd", "public_finance_musd"],
    )
    rows = ind.finance_rows(ind.finance_totals(projects, 2026)).set_index("indicator")
    assert rows.loc["capex_musd", "value"] == 30 and rows.loc["capex_musd", "status"] == ind.PROVISIONAL
    assert rows.loc["public_finance_musd", "value"] == 10 and rows.loc["public_finance_musd", "status"] == ""


def test_capex_no_project_reports_is_not_reported_never_zero():
    # the planted case: one announced project without capex; the old table printed 0.00
    projects = pd.DataFrame([("P1", "x", "s", "announced", None, 5.0)], columns=["project_id", "mineral", "stage", "status", "capex_musd", "public_finance_musd"])
    rows = ind.finance_rows(ind.finance_totals(projects, 2026)).set_index("indicator")
    assert pd.isna(rows.loc["capex_musd", "value"]) and rows.loc["capex_musd", "status"] == ind.NO_DATA
    assert rows.loc["public_finance_musd", "value"] == 5


def test_public_share_leaves_projects_without_capex_out_of_both_sides():
    # capex 100 / public 50, capex 60 / public 10, capex not reported / public 30:
    # (50 + 10) / (100 + 60) = 0.375, one project left out (with it on top: 90 / 160 = 0.5625, wrong)
    projects = pd.DataFrame({"capex_musd": [100.0, 60.0, None], "public_finance_musd": [50.0, 10.0, 30.0]})
    share = ind.public_finance_share(projects)
    assert share == dict(capex_musd=160.0, public_finance_musd=60.0, share=pytest.approx(0.375), counted=2, left_out=1)
    assert np.isnan(ind.public_finance_share(projects.iloc[2:])["share"])


def test_priority_project_effect_on_the_2030_projection(table):
    # rare-earth refining today (2026): total 200, aligned 50 (USA 20 + AUS 30), CHN 150; growth 0.
    # With T1 (construction, weight 0.80, 20 t, online 2028): non-aligned 200 - (50 + 16) = 134 -> 134/200 = 0.67.
    # Without it: 150/200 = 0.75. Effect 0.75 - 0.67 = 0.08.
    row = one(table, "priority_project_effect", detail="T1")
    assert row.value == pytest.approx(0.08) and row.year == 2030 and row.mineral == "rare-earths" and row.stage == "refining"
    assert row.unit == ind.SHARE_DIFF
    # T2 and T3 are not priority projects
    assert set(table[table["indicator"] == "priority_project_effect"]["detail"]) == {"T1"}


def test_a_project_outside_aligned_countries_has_no_effect():
    # the same project hosted in Myanmar (not aligned): the projection does not count it, effect 0
    dep = pd.DataFrame([dict(mineral="re", stage="refining", scope="alliance", year=2026, total_t=200.0, aligned_t=50.0, supplier="CHN", supplier_t=150.0, value=0.75)])
    targets = pd.DataFrame([dict(mineral="re", stage="refining", indicator="single_supplier_dependency", year=2030)])
    project = dict(project_id="P", mineral="re", stage="refining", host_country="MMR", status="construction", capacity_t=20.0, expected_online=2028, priority=True)
    config = ReviewConfig(cycle=2026, demand_growth=0.0)
    effects = ind.priority_effects(targets, ind.ProjectionBasis(dep, pd.DataFrame([project]), frozenset({"USA", "AUS"}), config))
    assert effects["value"].tolist() == [0.0]
    # hosted in the USA it counts: 0.08 as above
    effects = ind.priority_effects(targets, ind.ProjectionBasis(dep, pd.DataFrame([project | dict(host_country="USA")]), frozenset({"USA", "AUS"}), config))
    assert effects["value"].tolist() == [pytest.approx(0.08)]


def test_an_operating_plant_still_ramping_up_has_the_effect_of_its_ramp_up():
    """The projection counts an operating plant's capacity not yet in the sourcing data as certain
    supply; without the plant that ramp-up goes too (its effect was printed +0.0 pp)."""
    dep = pd.DataFrame([dict(mineral="re", stage="magnets", scope="alliance", year=2026, total_t=200.0, aligned_t=50.0, supplier="CHN", supplier_t=150.0, value=0.75)])
    targets = pd.DataFrame([dict(mineral="re", stage="magnets", indicator="single_supplier_dependency", year=2030)])
    # online in 2025, ramping over 2 years: in 2026 half of its 40 t is not yet in the sourcing data, 20 t
    plant = dict(project_id="P", mineral="re", stage="magnets", host_country="USA", status="operating", capacity_t=40.0, expected_online=2025, priority=True)
    config = ReviewConfig(cycle=2026, demand_growth=0.0, ramp_up_years=2)
    effects = ind.priority_effects(targets, ind.ProjectionBasis(dep, pd.DataFrame([plant]), frozenset({"USA"}), config))
    # with it: non-aligned 200 - (50 + 20) = 130 -> 0.65; without it: 150/200 = 0.75; effect 0.10
    assert effects["value"].tolist() == [pytest.approx(0.10)]
    # a plant online two years before the sourcing year is whole in the data: no effect left to model
    whole = ind.priority_effects(targets, ind.ProjectionBasis(dep, pd.DataFrame([plant | dict(expected_online=2024)]), frozenset({"USA"}), config))
    assert whole["value"].tolist() == [0.0]
