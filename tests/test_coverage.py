"""Coverage, provisional figures, the baseline rule and the gap to target in tonnes, worked by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from review.analysis import indicators as ind
from review.inputs.config import ReviewConfig
from review.inputs.validation import validate
from tests.conftest import TINY


def one(frame, **where):
    sel = frame
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows for {where}"
    return sel.iloc[0]


SOURCING = pd.DataFrame(
    [
        # 2025: USA 100, JPN 60, DEU 40 -> Alliance volume 200
        (2025, "USA", "re", "refining", "CHN", 100),
        (2025, "JPN", "re", "refining", "CHN", 60),
        (2025, "DEU", "re", "refining", "CHN", 30),
        (2025, "DEU", "re", "refining", "AUS", 10),
        # 2026: only USA and JPN reported -> (100 + 60) / 200 = 0.80, DEU missing
        (2026, "USA", "re", "refining", "CHN", 90),
        (2026, "JPN", "re", "refining", "CHN", 50),
        # 2027: all three again (a zero row still counts as reporting) -> 2026 volume 140, all of it -> 1.0
        (2027, "USA", "re", "refining", "CHN", 90),
        (2027, "JPN", "re", "refining", "CHN", 50),
        (2027, "DEU", "re", "refining", "CHN", 0),
    ],
    columns=["year", "member", "mineral", "stage", "origin", "quantity_t"],
)


def test_coverage_is_the_previous_years_volume_share_of_the_reporters():
    cov = ind.coverage(SOURCING, ("mineral", "stage"), "quantity_t")
    assert list(cov["year"]) == [2026, 2027]  # the first year has nothing to compare with
    first = one(cov, year=2026)
    assert first["value"] == pytest.approx(0.80)  # (100 + 60) / 200
    assert first["missing"] == "DEU" and first["reported"] == 2 and first["expected"] == 3
    assert one(cov, year=2027)["value"] == pytest.approx(1.0)


def test_coverage_counts_members_when_a_previous_volume_is_withheld():
    stock = pd.DataFrame(
        [
            (2024, "USA", "re", 100.0),
            (2024, "JPN", "re", float("nan")),  # confidential, masked in the public edition
            (2024, "FRA", "re", 50.0),
            (2025, "USA", "re", 110.0),
        ],
        columns=["year", "member", "mineral", "annual_consumption_t"],
    )
    row = one(ind.coverage(stock, ("mineral",), "annual_consumption_t"), year=2025)
    # weighting would need JPN's withheld consumption; by count: 1 of 3 members reported
    assert row["value"] == pytest.approx(1 / 3)
    assert row["basis"] == "members" and row["missing"] == "FRA;JPN"


def _tiny(drop=None):
    outcome = validate(TINY)
    tables = dict(outcome.tables)
    if drop is not None:
        table, mask = drop
        tables[table] = tables[table][~mask(tables[table])].reset_index(drop=True)
    return tables, outcome.config


def test_low_coverage_makes_alliance_figures_targets_and_projections_provisional():
    # the tiny cycle without JPN's 2026 rare-earth refining: 2025 volumes USA 100, JPN 100 -> coverage 0.5 < 0.9
    tables, config = _tiny(("dependency", lambda d: (d["member"] == "JPN") & (d["year"] == 2026) & (d["stage"] == "refining")))
    table = ind.compute_all(tables, config)
    cov = one(table, indicator="coverage", mineral="rare-earths", stage="refining", year=2026)
    assert cov["value"] == pytest.approx(0.5) and cov["detail"] == "dependency; missing JPN"
    # the Alliance value is still computed (USA alone: CHN 80 of 100 = 0.80) but provisional
    dep = one(table, indicator="single_supplier_dependency", mineral="rare-earths", stage="refining", scope="alliance", year=2026)
    assert dep["value"] == pytest.approx(0.80) and dep["status"] == ind.PROVISIONAL
    assert one(table, indicator="single_supplier_dependency", mineral="rare-earths", stage="refining", scope="USA", year=2026)["status"] == ""
    for kind in ("target", "ambition"):
        assert one(table, indicator="target_path", mineral="rare-earths", stage="refining", year=2026, detail=f"single_supplier_dependency:{kind}")["status"] == ind.PROVISIONAL
        assert one(table, indicator="capacity_gap_t", mineral="rare-earths", stage="refining", detail=kind)["status"] == ind.PROVISIONAL
    for indicator in ("projected_dependency", "projected_dependency_slip"):
        assert one(table, indicator=indicator, mineral="rare-earths", stage="refining")["status"] == ind.PROVISIONAL
    # the previous year (2025) had every member: assessed as before
    assert one(table, indicator="target_path", mineral="rare-earths", stage="refining", year=2025, detail="single_supplier_dependency:target")["status"] == ind.ON_TRACK
    card = ind.scorecard(table, tables["targets"])
    assert set(card[(card["mineral"] == "rare-earths") & (card["stage"] == "refining")]["status"]) == {ind.PROVISIONAL}
    # lithium refining is complete (USA 100 in 2025, USA and AUS in 2026): untouched
    assert one(table, indicator="projected_dependency", mineral="lithium", stage="refining")["status"] == ind.MEETS
    lines = ind.provisional_summary(table)
    assert lines == ["rare-earths refining 2026 (dependency): coverage 50.0%, missing JPN"]


def test_threshold_is_a_setting():
    tables, config = _tiny(("dependency", lambda d: (d["member"] == "JPN") & (d["year"] == 2026) & (d["stage"] == "refining")))
    relaxed = config.model_copy(update={"coverage_threshold": 0.5})  # 0.5 is not below 0.5
    table = ind.compute_all(tables, relaxed)
    assert ind.PROVISIONAL not in set(table["status"])
    assert ReviewConfig(cycle=2026).coverage_threshold == 0.9


def test_withheld_stays_withheld_when_coverage_is_low():
    observed = pd.DataFrame(
        [dict(indicator="stockpile_cover_days", mineral="re", stage="", scope="alliance", year=2025, value=float("nan"), unit="days", status=ind.SUPPRESSED, detail="")]
    )
    cov = pd.DataFrame([dict(indicator="coverage", mineral="re", stage="", scope="alliance", year=2025, value=0.2, unit="share", status="", detail="stockpiles; missing JPN")])
    assert ind.mark_provisional(observed, cov, 0.9)["status"].iloc[0] == ind.SUPPRESSED


def test_the_previous_status_at_or_before_the_baseline_year_is_baseline():
    table = ind.compute_all(*_tiny())
    # tiny stockpile and recycling targets have baseline 2024; the cycle assesses 2025 and compares with 2024
    for detail in ("stockpile_cover_days:target", "recycling_share:target"):
        assert one(table, indicator="target_path", mineral="rare-earths", year=2024, detail=detail)["status"] == ind.BASELINE
    # the stockpile: 2025 cover (12+18+2)/(100+100+50)*365 = 46.72 days; path 45.625 + (60-45.625)/3 = 50.42; worse by 3.70 > 5% of 60 = 3 -> off track
    assert one(table, indicator="target_path", mineral="rare-earths", year=2025, detail="stockpile_cover_days:target")["status"] == ind.OFF_TRACK


def test_capacity_gap_by_hand():
    # today: total 200, aligned 50, CHN 150 (all of non-aligned, s = 1); demand grows 10% a year for 2 years -> 242
    today = SimpleNamespace(total_t=200.0, aligned_t=50.0, supplier_t=150.0, year=2028)
    # target 60%: non-aligned may be 0.6 * 242 = 145.2, aligned must be 242 - 145.2 = 96.8, i.e. 46.8 more
    assert ind.capacity_gap(today, 0.60, 0.10, 2030) == pytest.approx(46.8)
    # adding exactly the gap brings the projection to the target
    value, demand = ind.projection(today, 46.8, 0.10, 2030)
    assert value == pytest.approx(0.60) and demand == pytest.approx(242.0)
    # the largest supplier holds half of non-aligned (s = 0.5): non-aligned may be 0.6 * 242 / 0.5 = 290.4 > demand -> nothing to add
    assert ind.capacity_gap(SimpleNamespace(total_t=200.0, aligned_t=50.0, supplier_t=75.0, year=2028), 0.60, 0.10, 2030) == 0.0
    # no non-aligned supply at all: already at 0%
    assert ind.capacity_gap(SimpleNamespace(total_t=100.0, aligned_t=100.0, supplier_t=0.0, year=2028), 0.5, 0.0, 2030) == 0.0


def test_capacity_gap_rows_on_the_tiny_cycle():
    table = ind.compute_all(*_tiny())
    # rare-earth refining 2026: total 200, aligned USA 20 + AUS 30 = 50, CHN 150; no growth -> demand 200
    # target 60%: 200 - 0.6 * 200 = 80 aligned needed, 30 to add; ambition 50%: 100 needed, 50 to add
    assert one(table, indicator="capacity_gap_t", mineral="rare-earths", stage="refining", detail="target")["value"] == pytest.approx(30.0)
    assert one(table, indicator="capacity_gap_t", mineral="rare-earths", stage="refining", detail="ambition")["value"] == pytest.approx(50.0)
    assert one(table, indicator="capacity_gap_t", mineral="rare-earths", stage="refining", detail="target")["year"] == 2030
    assert not math.isnan(one(table, indicator="pipeline_weighted_capacity_t", mineral="rare-earths", stage="refining")["value"])


def test_methodology_worked_example_of_the_gap():
    # docs/methodology.md: total 200, aligned 40, CHN 150, XXX 10; g = 5%, four years -> demand 243.1
    today = SimpleNamespace(total_t=200.0, aligned_t=40.0, supplier_t=150.0, year=2026)
    # non-aligned may be 0.60 * 243.1 * 160/150 = 155.6; aligned 243.1 - 155.6 = 87.5, i.e. 47.5 t more than 40
    assert ind.capacity_gap(today, 0.60, 0.05, 2030) == pytest.approx(47.5, abs=0.05)
    # the on-time projection with 47 t added: (243.1 - 87) * 150/160 / 243.1 = 60.2%
    assert ind.projection(today, 47.0, 0.05, 2030)[0] == pytest.approx(0.602, abs=5e-4)


def test_a_baseline_previous_status_is_neither_improved_nor_worsened():
    from review.audit.compare import compare_scorecards

    key = dict(mineral="rare-earths", stage="", indicator="stockpile_cover_days", kind="target", comparator="min", target=60.0, target_year=2027)
    # the previous review assessed its baseline year (status baseline); this one is off track: not "worsened"
    before = pd.DataFrame([key | dict(year=2024, value=45.6, status=ind.BASELINE)])
    now = pd.DataFrame([key | dict(year=2025, value=46.7, status=ind.OFF_TRACK)])
    assert compare_scorecards(before, now)["movement"].tolist() == ["changed"]
