"""The report's sections for prices, floors, events, the stress test, finance and traceability: with and without the optional tables."""

from __future__ import annotations

import re

import pytest
from mandate_tables import mandate_inputs

from review.analysis.text import WITHHELD
from review.build.pipeline import BuildRequest, build


def chapter(outputs, name: str, edition: str = "public") -> str:
    """A chapter's source with text as the reader sees it (Markdown escapes undone, review.analysis.text;
    the no-break spaces that keep a table's number and unit together read as spaces)."""
    return re.sub(r"\\(.)", r"\1", (outputs / "2026" / edition / "book" / f"{name}.qmd").read_text()).replace("\u00a0", " ")


def test_a_cycle_without_the_optional_tables_says_which_sections_have_no_data(tiny_build):
    _, outputs, _ = tiny_build
    markets = chapter(outputs, "markets")
    for missing in ("No prices are in this cycle's inputs (prices.csv)", "No price floor is in this cycle's inputs (price_floors.csv)",
                    "No market or policy events since 2022 are in this cycle's inputs (events.csv)", "No member reports verified-origin tonnes in this cycle (traceability.csv)"):
        assert missing in markets
    mineral = chapter(outputs, "mineral-rare-earths")
    assert "No prices of rare earths are in this cycle's inputs (prices.csv)" in mineral
    # the stress test and finance need no optional table
    assert "## If the largest supplier stopped" in mineral and "refining: 75.0% if China stopped (2026)" in mineral
    assert "## Finance and priority projects" in chapter(outputs, "projects")


@pytest.fixture(scope="module")
def full_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("mandate-build")
    inputs = mandate_inputs(root / "inputs")
    build(BuildRequest(inputs=inputs, outputs=root / "outputs", renderer="pandoc", formats=("html",)))
    return root / "outputs"


def test_every_new_section_shows_the_cycles_data(full_build):
    mineral = chapter(full_build, "mineral-rare-earths")
    # the window's change, the last year's and the fall from the 2022 peak (over 20%), with the age of the price
    assert "refining, neodymium oxide 56 USD/kg in 2024 (the latest in the inputs): +14.3% over 2020–2024, −28.2% in the last year, 58.2% below its 2022 peak of 134 USD/kg" in mineral
    # the US floor is on NdPr oxide: not compared with the neodymium-oxide price (the old row showed a 54 USD/kg gap and a cost)
    assert "| refining | United States | in force (since 2025) | 110 USD/kg (NdPr oxide) | not compared: the inputs price neodymium oxide, not NdPr oxide | cost not known: the gap is not known |" in mineral
    assert "The United States floor on NdPr oxide is not drawn: no NdPr oxide price is in the inputs." in mineral
    assert "| 2025-04-04 | China | export control |" in mineral
    markets = chapter(full_build, "markets")
    # the indexed prices draw USGS rows only: the mining concentrate (no complete window) and its source are not in it
    assert "![Annual average prices indexed" in markets and "(= 100). Source: USGS MCS 2025." in markets
    assert "| Lithium | refining | Alliance | proposed (since 2026) | 15 USD/kg (lithium carbonate) | 1,000 USD/t (2024, the latest in the inputs) | 0.04 (on 40 t) |" in markets
    assert "Rare earths refining 37.5% (2026)" in markets
    projects = chapter(full_build, "projects")
    assert "| Alpha refinery | Rare earths | refining | United States | construction | 100 | 50 | +8.0 pp by 2030 | yes |" in projects
    assert "| Beta mine | Rare earths | mining | Myanmar | cancelled | 30 |" in projects  # hosted outside: flagged


def test_the_public_stress_test_withholds_what_stockpile_cover_withholds(full_build):
    stockpiles = chapter(full_build, "stockpiles")
    stress = stockpiles[stockpiles.index("## The stress test"): stockpiles.index("## Stockpile cover")]
    # Japan's holdings are confidential, the 2025 Alliance total fails the disclosure rule (one confidential member)
    plain = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", stress)  # status words without their styling spans
    lines = {line.split(" | ")[1]: line for line in plain.splitlines() if line.startswith("| Rare earths |")}
    # days of the lost supply a stock bridges, with no target and no status (targets are in days of consumption)
    assert lines["Japan"] == f"| Rare earths | Japan | refining | 75.0% | {WITHHELD} |"
    assert lines["Alliance"] == f"| Rare earths | Alliance | refining | 80.0% | {WITHHELD} |"
    assert lines["United States"] == "| Rare earths | United States | refining | 85.0% | 52 |"
    data = (full_build / "2026" / "public" / "data" / "indicators.csv").read_text()
    assert "disruption_cover_days,rare-earths,refining,JPN,2025,,days,confidential" in data
