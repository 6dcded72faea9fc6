"""Traceability shares on the tiny cycle's traceability.csv; arithmetic in the comments."""

from __future__ import annotations

import pytest
from mandate_tables import indicators_of, one


@pytest.fixture(scope="module")
def table():
    return indicators_of("restricted")


def test_member_and_alliance_shares(table):
    # 2026 rare-earth refining: USA 40 of 100, JPN 35 of 100; Alliance (40 + 35) / 200 = 0.375
    expected = {"USA": 0.40, "JPN": 0.35, "alliance": 0.375}
    for scope, value in expected.items():
        row = one(table, "traceability_share", mineral="rare-earths", stage="refining", scope=scope, year=2026)
        assert row.value == pytest.approx(value) and row.unit == "share"


def test_a_member_that_reports_nothing_counts_as_unverified(table):
    # 2026 lithium refining: USA 10 of 100 verified; AUS (100 t) reports none: Alliance 10 / 200 = 0.05
    assert one(table, "traceability_share", mineral="lithium", scope="alliance", year=2026).value == pytest.approx(0.05)
    assert not ((table["indicator"] == "traceability_share") & (table["scope"] == "AUS")).any()
