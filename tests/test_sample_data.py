"""The shipped sample against the publications it cites.

The expected figures below are copied by hand from the publications (as listed in
inputs/README.md), not from inputs/make_sample.py, so a change to the script or the CSVs
that moves a calibrated share, a price or the floor away from the publication fails here.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE

SAMPLE_2025 = SAMPLE / "2025"


@pytest.fixture(scope="module")
def sourcing() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "dependency.csv")


# (member, mineral, stage, years, publication named in `source`, {origin: published share})
PUBLISHED_SHARES = [
    # USGS MCS 2025, Rare Earths, import sources 2020–23: China 70%, Malaysia 13%, Japan 6%, Estonia 5%, other 6%
    ("USA", "rare-earths", "refining", (2020, 2021, 2022, 2023), "USGS Mineral Commodity Summaries 2025, Rare Earths", {"CHN": 0.70, "MYS": 0.13, "JPN": 0.06, "EST": 0.05, "XXX": 0.06}),
    # USGS MCS 2025, Antimony, import sources 2020–23: China 63%
    ("USA", "antimony", "refining", (2020, 2021, 2022, 2023), "USGS Mineral Commodity Summaries 2025, Antimony", {"CHN": 0.63}),
    # USGS Minerals Yearbook, Cobalt, Table 4, 2023: 11,800 t; Finland 3,110 (26.4%), Norway 2,380 (20.2%),
    # Japan 1,670 (14.2%), Canada 1,660 (14.1%), Madagascar 925 (7.8%)
    ("USA", "cobalt", "refining", (2023,), "USGS Minerals Yearbook, Cobalt", {"FIN": 0.264, "NOR": 0.202, "JPN": 0.142, "CAN": 0.141, "MDG": 0.078}),
    # Eurostat 2024: China 6,000 t (46.3%), Russia 3,700 t (28.4%), Malaysia 2,600 t (19.9%) of 12,900 t
    ("EUU", "rare-earths", "refining", (2024,), "Eurostat", {"CHN": 0.463, "RUS": 0.284, "MYS": 0.199}),
    # JOGMEC (WSJ): China about 70% of Japan's rare-earth imports in 2024
    ("JPN", "rare-earths", "refining", (2024,), "JOGMEC", {"CHN": 0.70}),
    # KITA: NdFeB magnets China 87.5% / Philippines 11% (2022), 84.7% / 14.3% (2023)
    ("KOR", "rare-earths", "magnets", (2022,), "KITA", {"CHN": 0.875, "PHL": 0.11}),
    ("KOR", "rare-earths", "magnets", (2023,), "KITA", {"CHN": 0.847, "PHL": 0.143}),
    # KITA: lithium hydroxide China 87.9% / Chile 10.7% (2022), 79.6% / 17.5% (2023)
    ("KOR", "lithium", "refining", (2022,), "KITA", {"CHN": 0.879, "CHL": 0.107}),
    ("KOR", "lithium", "refining", (2023,), "KITA", {"CHN": 0.796, "CHL": 0.175}),
    # MOTIE and KOMIR, 2024: China 65% (lithium), 98% (gallium), 97% (graphite)
    ("KOR", "lithium", "refining", (2024,), "MOTIE and KOMIR", {"CHN": 0.65}),
    ("KOR", "gallium", "refining", (2024,), "MOTIE and KOMIR", {"CHN": 0.98}),
    ("KOR", "graphite", "refining", (2024,), "MOTIE and KOMIR", {"CHN": 0.97}),
    # KITA: cobalt oxide and hydroxide, China 72.8% (2022)
    ("KOR", "cobalt", "refining", (2022,), "KITA", {"CHN": 0.728}),
]


@pytest.mark.parametrize("member, mineral, stage, years, publication, shares", PUBLISHED_SHARES, ids=lambda v: v if isinstance(v, str) else None)
def test_calibrated_sourcing_reproduces_the_published_shares(sourcing, member, mineral, stage, years, publication, shares):
    rows = sourcing[(sourcing["member"] == member) & (sourcing["mineral"] == mineral) & (sourcing["stage"] == stage) & sourcing["year"].isin(years)]
    by_origin = rows.groupby("origin")["quantity_t"].sum() / rows["quantity_t"].sum()
    for origin, share in shares.items():
        assert by_origin.get(origin, 0.0) == pytest.approx(share, abs=0.01), (origin, by_origin.get(origin))
        cited = rows.loc[rows["origin"] == origin, "source"]
        assert len(cited) == len(years) and cited.str.startswith(publication).all(), set(cited)


def test_us_cobalt_imports_keep_the_published_volume(sourcing):
    rows = sourcing[(sourcing["member"] == "USA") & (sourcing["mineral"] == "cobalt") & (sourcing["stage"] == "refining") & (sourcing["year"] == 2023)]
    assert rows["quantity_t"].sum() == 11800
    assert rows.set_index("origin")["quantity_t"]["FIN"] == 3110


def test_every_sourcing_row_is_cited_or_labelled_illustrative(sourcing):
    published = tuple(p for *_, p, _ in PUBLISHED_SHARES)
    source = sourcing["source"]
    assert (source.str.startswith(published) | source.str.startswith("Illustrative sample data")).all()
    assert not source[source.str.startswith(published)].str.lower().str.contains("illustrative").any()


def test_mining_stage_sourcing_is_plausible(sourcing):
    """A member that mines a mineral sources most of its ore at home (Australia does not source
    rare-earth ore from China); no member's largest mining-stage origin mines nothing (USGS); and
    the Alliance never sources more from a country than it mines (rounding: 1 t a row)."""
    production = pd.read_csv(SAMPLE / "production.csv")
    mines = production[(production["stage"] == "mining") & (production["country"] != "XXX")]
    output = mines.groupby(["mineral", "country"])["quantity_t"].max()
    mining = sourcing[sourcing["stage"] == "mining"]
    shares = mining.groupby(["year", "member", "mineral", "origin"])["quantity_t"].sum()
    shares = shares / shares.groupby(level=[0, 1, 2]).transform("sum")
    for (year, member, mineral), group in shares.groupby(level=[0, 1, 2]):
        top = group.droplevel([0, 1, 2]).drop("XXX", errors="ignore").idxmax()
        assert (mineral, top) in output.index, (year, member, mineral, top)
    aus = shares.xs((2024, "AUS", "rare-earths"), level=[0, 1, 2])
    assert aus["AUS"] > 0.5 and aus.get("CHN", 0) < 0.2
    from_country = mining[mining["origin"] != "XXX"].groupby(["year", "mineral", "origin"])["quantity_t"].agg(["sum", "size"])
    for (year, mineral, origin), row in from_country.iterrows():
        assert row["sum"] <= output.get((mineral, origin), 0) + row["size"], (year, mineral, origin, row["sum"])


# USGS MCS 2025 annual averages 2020–24 (2024 estimated), in the units published
USGS_PRICES = {
    ("rare-earths", "refining", "USD/kg"): [49, 98, 134, 78, 56],  # neodymium oxide
    ("lithium", "refining", "USD/t"): [10100, 14200, 71100, 41300, 14000],
    ("cobalt", "refining", "USD/lb"): [15.70, 24.21, 30.78, 17.20, 17],  # US spot cathode
    ("gallium", "refining", "USD/kg"): [163, 254, 394, 288, 220],  # low-purity primary
    ("nickel", "refining", "USD/t"): [13772, 18476, 25815, 21495, 17000],  # LME cash
    ("antimony", "refining", "USD/lb"): [2.67, 5.31, 6.18, 5.49, 9.50],  # metal
    ("tungsten", "mining", "USD/mtu WO3"): [172, 225, 275, 258, 250],
}


def test_prices_are_the_usgs_annual_averages():
    prices = pd.read_csv(SAMPLE / "prices.csv")
    assert len(prices) == sum(len(v) for v in USGS_PRICES.values())
    for (mineral, stage, unit), values in USGS_PRICES.items():
        rows = prices[(prices["mineral"] == mineral) & (prices["stage"] == stage)].sort_values("year")
        assert list(rows["year"]) == [2020, 2021, 2022, 2023, 2024]
        assert list(rows["price"]) == pytest.approx(values) and set(rows["unit"]) == {unit}
        assert rows["source"].str.startswith("USGS Mineral Commodity Summaries 2025").all()


def test_the_us_ndpr_price_floor():
    floors = pd.read_csv(SAMPLE / "price_floors.csv")
    assert floors[["mineral", "stage", "floor", "unit", "since", "scope", "status"]].to_dict("records") == [
        {"mineral": "rare-earths", "stage": "refining", "floor": 110, "unit": "USD/kg", "since": 2025, "scope": "USA", "status": "in force"}
    ]
    assert "Department of Defense" in floors["source"].iloc[0]


def test_stockpile_targets_are_jogmec_and_komir():
    stocks = pd.read_csv(SAMPLE / "stockpiles.csv")
    assert set(stocks.loc[stocks["member"] == "JPN", "target_days"]) == {60}
    assert set(stocks.loc[stocks["member"] == "KOR", "target_days"]) == {100}
    assert stocks.loc[stocks["member"] == "JPN", "confidential"].all()  # JOGMEC does not publish volumes


def test_the_committed_sample_is_what_the_generator_makes():
    proc = subprocess.run([sys.executable, str(ROOT / "inputs" / "make_sample.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_2025_cycle_is_valid_and_holds_only_what_was_known_then():
    from review.inputs.validation import validate

    outcome = validate(SAMPLE_2025)
    assert outcome.ok and outcome.config.cycle == 2025 and outcome.config.previous_cycle == 2024
    tables = outcome.tables
    assert "NZL" not in set(tables["members"]["code"])  # joined in 2026
    assert tables["dependency"]["year"].max() == 2025 and tables["projects"]["as_of"].max() == 2025
    assert not tables["production"]["source"].str.contains("MCS 2026").any()
    events = pd.read_csv(SAMPLE_2025 / "events.csv")
    assert events["date"].max() <= "2025-06-30"
    assert pd.read_csv(SAMPLE_2025 / "price_floors.csv").empty  # the NdPr floor came in July 2025


def test_eu_rare_earth_recycling_stays_under_one_percent():
    """Reuters (27 June 2024): less than 1% of the rare earths the EU consumes are recycled.

    The EU's figure covers Germany, France and Italy (members in their own right) and the EU member's rows.
    """
    recycling = pd.read_csv(SAMPLE / "recycling.csv")
    eu = recycling[(recycling["mineral"] == "rare-earths") & recycling["member"].isin(["DEU", "FRA", "ITA", "EUU"]) & (recycling["year"] == 2024)]
    assert eu["recycled_output_t"].sum() / eu["consumption_t"].sum() < 0.01
