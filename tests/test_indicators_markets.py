"""Prices and floors on the tiny cycle's prices.csv and price_floors.csv (tests/fixtures/mandate); arithmetic in the comments."""

from __future__ import annotations

import math

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


def test_floor_gap_in_the_price_unit_and_its_yearly_cost(table):
    # USA floor 110 USD/kg vs the 2024 price 56 USD/kg: gap 54 USD/kg.
    usa = one(table, "price_floor_gap", mineral="rare-earths", stage="refining", scope="USA")
    assert usa.value == pytest.approx(54) and usa.unit == "USD/kg" and usa.detail == "in force" and usa.year == 2024
    # cost: USA's aligned refining sourcing in 2024 is its own 10 t:
    # 54 USD/kg * 1,000 kg/t * 10 t = 540,000 USD = 0.54 million USD
    cost = one(table, "price_floor_cost_musd", mineral="rare-earths", stage="refining", scope="USA")
    assert cost.value == pytest.approx(0.54) and cost.unit == ind.MUSD


def test_a_floor_below_the_price_has_a_negative_gap_and_no_cost(table):
    # proposed alliance floor 50 USD/kg vs 56: gap -6; cost max(-6, 0) * ... = 0
    gap = one(table, "price_floor_gap", mineral="rare-earths", stage="refining", scope="alliance")
    assert gap.value == pytest.approx(-6) and gap.detail == "proposed"
    assert one(table, "price_floor_cost_musd", mineral="rare-earths", stage="refining", scope="alliance").value == 0


def test_floor_units_are_converted_to_the_price_unit(table):
    # lithium: floor 15 USD/kg = 15,000 USD/t vs 14,000 USD/t: gap 1,000 USD/t;
    # alliance aligned sourcing 2024 = USA's 40 t from Chile (partner): 1,000 * 40 = 40,000 USD = 0.04 million
    li = one(table, "price_floor_gap", mineral="lithium", stage="refining", scope="alliance")
    assert li.value == pytest.approx(1000) and li.unit == "USD/t"
    assert one(table, "price_floor_cost_musd", mineral="lithium", scope="alliance").value == pytest.approx(0.04)
    # mining: floor 8,000 USD/t = 8000 / 2204.62 = 3.628744 USD/lb vs 3.0 USD/lb in 2026: gap 0.628744 USD/lb;
    # aligned 2026 mining sourcing = 50 t from Australia (member):
    # (8000 - 3.0 * 2204.62) USD/t * 50 t = 1386.14 * 50 = 69,307 USD = 0.069307 million
    mining = one(table, "price_floor_gap", mineral="rare-earths", stage="mining")
    assert mining.value == pytest.approx(8000 / 2204.62 - 3.0) and mining.unit == "USD/lb" and mining.year == 2026
    assert one(table, "price_floor_cost_musd", mineral="rare-earths", stage="mining").value == pytest.approx(0.069307)


def test_tungsten_unit_converts_through_tungsten_content():
    # 1 mtu WO3 = 7.93 kg W: 250 USD/mtu WO3 = 250 / 7.93 USD/kg W = 31.526 USD/kg = 31,526 USD/t
    assert ind.convert_price(250, "USD/mtu WO3", "USD/kg") == pytest.approx(250 / 7.93)
    assert ind.convert_price(250, "USD/mtu WO3", "USD/t") == pytest.approx(250 * 1000 / 7.93)
    # 1 t = 2,204.62 lb: 1 USD/lb = 2.20462 USD/kg
    assert ind.convert_price(1, "USD/lb", "USD/kg") == pytest.approx(2.20462)


def test_a_floor_without_a_price_or_sourcing_has_no_data():
    floors = pd.DataFrame([dict(mineral="x", stage="s", product="p", floor=10.0, unit="USD/kg", since=2025, scope="alliance", status="proposed", source="")])
    prices = pd.DataFrame([dict(year=2024, mineral="y", stage="s", product="p", price=5.0, unit="USD/kg", source="")])
    empty = pd.DataFrame(columns=["mineral", "stage", "scope", "year", "aligned_t"])
    gaps = ind.floor_gaps(floors, prices, empty, empty)
    assert gaps["status"].tolist() == [ind.NO_DATA] and gaps["gap"].isna().all()
    # a price, but no sourcing in its year: the gap is known, its cost is not
    gaps = ind.floor_gaps(floors.assign(mineral="y"), prices, empty, empty)
    assert gaps["gap"].tolist() == [5.0] and gaps["cost_musd"].isna().all() and gaps["status"].tolist() == [ind.NO_DATA]


def test_a_cycle_without_the_optional_tables_has_no_market_rows():
    table = indicators_of(with_optional=False)
    new = ("price_change", "price_volatility", "price_floor_gap", "price_floor_cost_musd", "traceability_share")
    assert not table["indicator"].isin(new).any()
    assert table["indicator"].isin(("disruption_lost_share", "capex_musd")).any()  # these need no optional table
