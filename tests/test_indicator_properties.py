"""Properties of the indicators that must hold for any data (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from review.analysis import indicators as ind

MEMBERS = ["USA", "JPN", "DEU"]
ORIGINS = ["CHN", "MYS", "USA", "JPN", "DEU", "CHL", "XXX", "VNM"]
ALIGNED = frozenset(MEMBERS + ["CHL"])

row = st.tuples(
    st.sampled_from([2024, 2025]),
    st.sampled_from(MEMBERS),
    st.sampled_from(ORIGINS),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(y, m, "re", "refining", o, q) for y, m, o, q in rows],
        columns=["year", "member", "mineral", "stage", "origin", "quantity_t"],
    )


def values(dep: pd.DataFrame) -> dict:
    return {(r.scope, r.year): (round(r.value, 9), r.supplier) for r in dep.itertuples() if r.value == r.value}


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=30))
def test_dependency_is_a_share(rows):
    for by_member in (True, False):
        dep = ind.dependency(frame(rows), ALIGNED, by_member)
        assert dep["value"].dropna().between(0, 1).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_dependency_ignores_row_order(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    for by_member in (True, False):
        assert values(ind.dependency(frame(rows), ALIGNED, by_member)) == values(ind.dependency(frame(shuffled), ALIGNED, by_member))


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=30), st.integers(min_value=0, max_value=29), st.floats(min_value=0, max_value=1))
def test_dependency_ignores_splitting_a_row(rows, index, fraction):
    index %= len(rows)
    y, m, o, q = rows[index]
    split = rows[:index] + [(y, m, o, q * fraction), (y, m, o, q * (1 - fraction))] + rows[index + 1 :]
    for by_member in (True, False):
        assert values(ind.dependency(frame(rows), ALIGNED, by_member)) == values(ind.dependency(frame(split), ALIGNED, by_member))


positive = st.floats(min_value=1, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MEMBERS), st.sampled_from(ORIGINS), positive), min_size=1, max_size=30))
def test_alliance_never_above_the_most_dependent_member(rows):
    data = frame([(2025, m, o, q) for m, o, q in rows])
    members = ind.dependency(data, ALIGNED, by_member=True)["value"].dropna()
    alliance = ind.dependency(data, ALIGNED, by_member=False)["value"].dropna()
    if len(alliance):
        assert alliance.iloc[0] <= members.max() + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(positive, positive, st.sampled_from(["USA", "CHL", "XXX"]), positive), min_size=len(MEMBERS), max_size=len(MEMBERS)),
)
def test_alliance_between_members_when_they_share_their_largest_supplier(parts):
    """Every member has supply and CHN is every member's largest non-aligned supplier."""
    rows = []
    for member, (chn, mys_fraction, other, other_q) in zip(MEMBERS, parts):
        rows += [(2025, member, "CHN", chn), (2025, member, "MYS", chn * min(mys_fraction, 1e6) / 1e6), (2025, member, other, other_q)]
    data = frame(rows)
    members = ind.dependency(data, ALIGNED, by_member=True)
    assert set(members["supplier"]) == {"CHN"}
    alliance = ind.dependency(data, ALIGNED, by_member=False)["value"].iloc[0]
    assert members["value"].min() - 1e-12 <= alliance <= members["value"].max() + 1e-12


prod_row = st.tuples(st.sampled_from(["CHN", "USA", "AUS", "MMR", "XXX"]), st.floats(min_value=0, max_value=1e7, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(prod_row, min_size=1, max_size=10, unique_by=lambda r: r[0]))
def test_hhi_and_top3_are_bounded(rows):
    prod = pd.DataFrame([(2024, "re", "mining", c, q, "USGS MCS 2025") for c, q in rows], columns=["year", "mineral", "stage", "country", "quantity_t", "source"])
    conc = ind.concentration(prod)
    for r in conc.itertuples():
        if r.hhi == r.hhi:
            assert -1e-9 <= r.hhi <= 10000 + 1e-6
            assert -1e-12 <= r.top3 <= 1 + 1e-12


@given(st.sampled_from(["CHN", "USA", "AUS"]), st.floats(min_value=1e-3, max_value=1e9))
def test_single_producer_hhi(country, q):
    prod = pd.DataFrame([(2024, "re", "mining", country, q, "USGS MCS 2025")], columns=["year", "mineral", "stage", "country", "quantity_t", "source"])
    assert abs(ind.concentration(prod)["hhi"].iloc[0] - 10000) < 1e-6
