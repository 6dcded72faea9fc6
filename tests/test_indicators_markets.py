"""Prices and floors on the tiny cycle's prices.csv and price_floors.csv (tests/fixtures/mandate); arithmetic in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from mandate_tables import indicators_of, one

from review.analysis import indicators as ind


@pytest.fixture(scope="module")
def table():
    return indicators_of()


def test_price_change_is_over_the_five_year_window(table):
    # neodymium oxide 2020..2024: 49, 98, 134, 78, 56 -> 56 / 49 - 1 = 8/7 - 1 = 0.142857
    nd = one(table, "price_change", mineral="rare-earths", stage="refining", scope="world")
    assert nd.year == 2024 and nd.value == pytest.approx(1 / 7) and nd.detail == "2020-2024" and nd.unit == ind.RATIO
    # lithium carbonate 10,100 -> 14,000: 14000 / 10100 - 1 = 0.386139
    li = one(table, "price_change", mineral="lithium", stage="refining")
    assert li.value == pytest.approx(3900 / 10100)


def test_price_volatility_is_the_population_coefficient_of_variation(table):
    # 49, 98, 134, 78, 56: mean 415 / 5 = 83; deviations -34, 15, 51, -5, -27;
    # squares 1156 + 225 + 2601 + 25 + 729 = 4736; / 5 = 947.2; sqrt = 30.7766; / 83 = 0.370803
    nd = one(table, "price_volatility", mineral="rare-earths", stage="refining")
    assert nd.value == pytest.approx(math.sqrt(947.2) / 83) and nd.value == pytest.approx(0.370803, abs=1e-6)
    # lithium: mean 150,700 / 5 = 30,140; squared deviations sum 2,718,452,000; / 5 = 543,690,400
    li = one(table, "price_volatility", mineral="lithium", stage="refining")
    assert li.value == pytest.approx(math.sqrt(543_690_400) / 30_140)


def test_a_window_with_a_missing_year_has_no_data(table):
    # the mining concentrate is priced 2024..2026 only: the window 2022-2026 lacks 2022 and 2023
    for indicator in ("price_change", "price_volatility"):
        row = one(table, indicator, mineral="rare-earths", stage="mining")
        assert math.isnan(row.value) and row.status == ind.NO_DATA and row.year == 2026


def test_a_floor_on_another_product_is_not_compared(table):
    # the US floor is on NdPr oxide; the only refining price is neodymium oxide: no gap, no cost
    # (the old text compared 110 USD/kg with 56 USD/kg and paid the gap on all US aligned sourcing)
    for indicator in ("price_floor_gap", "price_floor_cost_musd"):
        usa = one(table, indicator, mineral="rare-earths", stage="refining", scope="USA")
        assert math.isnan(usa.value) and usa.status == ind.NOT_COMPARED and usa.detail == "in force"


def test_a_floor_below_the_price_has_a_negative_gap_and_no_cost(table):
    # proposed alliance floor on neodymium oxide 50 USD/kg vs 56: gap -6; cost max(-6, 0) * 1,000 * 100 t = 0
    gap = one(table, "price_floor_gap", mineral="rare-earths", stage="refining", scope="alliance")
    assert gap.value == pytest.approx(-6) and gap.detail == "proposed" and gap.year == 2024
    assert one(table, "price_floor_cost_musd", mineral="rare-earths", stage="refining", scope="alliance").value == 0


def test_floor_units_are_converted_to_the_price_unit_and_the_cost_uses_the_floors_volume(table):
    # lithium: floor 15 USD/kg = 15,000 USD/t vs 14,000 USD/t: gap 1,000 USD/t;
    # volume the floor covers 40 t: 1,000 * 40 = 40,000 USD = 0.04 million
    li = one(table, "price_floor_gap", mineral="lithium", stage="refining", scope="alliance")
    assert li.value == pytest.approx(1000) and li.unit == "USD/t"
    assert one(table, "price_floor_cost_musd", mineral="lithium", scope="alliance").value == pytest.approx(0.04)
    # mining: floor 8,000 USD/t = 8000 / 2204.62 = 3.628744 USD/lb vs 3.0 USD/lb in 2026: gap 0.628744 USD/lb;
    # volume 50 t: (8000 - 3.0 * 2204.62) USD/t * 50 t = 1386.14 * 50 = 69,307 USD = 0.069307 million
    mining = one(table, "price_floor_gap", mineral="rare-earths", stage="mining")
    assert mining.value == pytest.approx(8000 / 2204.62 - 3.0) and mining.unit == "USD/lb" and mining.year == 2026
    assert one(table, "price_floor_cost_musd", mineral="rare-earths", stage="mining").value == pytest.approx(0.069307)


def test_a_floor_without_a_published_volume_has_a_gap_but_no_cost():
    floors = pd.DataFrame([dict(mineral="x", stage="s", product="Oxide ", floor=10.0, unit="USD/kg", since=2025, scope="USA", status="in force", source="", volume_t=np.nan)])
    prices = pd.DataFrame([dict(year=y, mineral="x", stage="s", product="oxide", price=p, unit="USD/kg", source="") for y, p in ((2023, 9.0), (2024, 4.0))])
    gaps = ind.floor_gaps(floors, prices)
    # same product (case and spacing aside): gap 10 - 4 = 6 USD/kg at the 2024 price; no volume, no cost
    assert gaps["gap"].tolist() == [6.0] and gaps["year"].tolist() == [2024]
    assert gaps["cost_musd"].isna().all() and gaps["status"].tolist() == [ind.NO_VOLUME]
    # the same floor with 2 t a year: 6 USD/kg * 1,000 kg/t * 2 t = 12,000 USD = 0.012 million
    assert ind.floor_gaps(floors.assign(volume_t=2.0), prices)["cost_musd"].tolist() == [pytest.approx(0.012)]
    # a table written before the column existed has no volume either
    assert ind.floor_gaps(floors.drop(columns="volume_t"), prices)["status"].tolist() == [ind.NO_VOLUME]


def test_tungsten_unit_converts_through_tungsten_content():
    # 1 mtu WO3 = 7.93 kg W: 250 USD/mtu WO3 = 250 / 7.93 USD/kg W = 31.526 USD/kg = 31,526 USD/t
    assert ind.convert_price(250, "USD/mtu WO3", "USD/kg") == pytest.approx(250 / 7.93)
    assert ind.convert_price(250, "USD/mtu WO3", "USD/t") == pytest.approx(250 * 1000 / 7.93)
    # 1 t = 2,204.62 lb: 1 USD/lb = 2.20462 USD/kg
    assert ind.convert_price(1, "USD/lb", "USD/kg") == pytest.approx(2.20462)


def test_a_floor_without_a_price_has_no_data():
    floors = pd.DataFrame([dict(mineral="x", stage="s", product="p", floor=10.0, unit="USD/kg", since=2025, scope="alliance", status="proposed", source="", volume_t=5.0)])
    prices = pd.DataFrame([dict(year=2024, mineral="y", stage="s", product="p", price=5.0, unit="USD/kg", source="")])
    gaps = ind.floor_gaps(floors, prices)
    assert gaps["status"].tolist() == [ind.NO_DATA] and gaps["gap"].isna().all() and gaps["cost_musd"].isna().all()


def test_last_year_change_and_fall_from_the_peak(table):
    # lithium carbonate 2020..2024: 10,100, 14,200, 71,100, 41,300, 14,000. The window's +38.6% hides
    # the 2022 peak: last year 14,000 / 41,300 - 1 = -0.661017; from the peak 14,000 / 71,100 - 1 = -0.803094
    last = one(table, "price_change_1y", mineral="lithium", stage="refining")
    assert last.value == pytest.approx(14000 / 41300 - 1) and last.detail == "2023-2024" and last.unit == ind.RATIO
    peak = one(table, "price_change_from_peak", mineral="lithium", stage="refining")
    assert peak.value == pytest.approx(14000 / 71100 - 1) and peak.detail == "2022"
    # neodymium oxide 56 / 78 - 1 = -0.282051; from the 2022 peak of 134: 56 / 134 - 1 = -0.58209
    assert one(table, "price_change_1y", mineral="rare-earths", stage="refining").value == pytest.approx(56 / 78 - 1)
    assert one(table, "price_change_from_peak", mineral="rare-earths", stage="refining").value == pytest.approx(56 / 134 - 1)
    # the mining concentrate 2024..2026 (2.5, 2.8, 3.0): last year 3.0 / 2.8 - 1; no complete window, so no peak
    assert one(table, "price_change_1y", mineral="rare-earths", stage="mining").value == pytest.approx(3.0 / 2.8 - 1)
    mining = one(table, "price_change_from_peak", mineral="rare-earths", stage="mining")
    assert math.isnan(mining.value) and mining.status == ind.NO_DATA


def test_a_price_at_its_peak_is_zero_from_the_peak_and_ties_take_the_latest_year():
    prices = pd.DataFrame([dict(year=2020 + i, mineral="x", stage="s", product="p", price=p, unit="USD/t", source="") for i, p in enumerate((5, 8, 3, 8, 8))])
    stats = ind.price_statistics(prices).iloc[0]
    assert stats["change_from_peak"] == 0 and stats["peak_year"] == 2024 and stats["change_1y"] == 0


def test_a_cycle_without_the_optional_tables_has_no_market_rows():
    table = indicators_of(with_optional=False)
    new = ("price_change", "price_change_1y", "price_change_from_peak", "price_volatility", "price_floor_gap", "price_floor_cost_musd", "traceability_share")
    assert not table["indicator"].isin(new).any()
    assert table["indicator"].isin(("disruption_lost_share", "capex_musd")).any()  # these need no optional table
