"""The second version's views and charts: floors drawn in the price's unit, events of the last five years, display formats."""

from __future__ import annotations

import pandas as pd
import pytest

from review.report import charts, monitoring


class Names:
    """The two naming methods of review.report.chapter.Chapter the views use."""

    def country(self, code):
        return {"USA": "United States", "CHN": "China"}.get(code, code)

    def mineral(self, mineral_id):
        return mineral_id.capitalize()


PRICES = pd.DataFrame(
    [(2024, "re", "mining", "concentrate", 2.5, "USD/lb", "s"), (2025, "re", "mining", "concentrate", 3.0, "USD/lb", "s"),
     (2024, "re", "refining", "oxide", 56.0, "USD/kg", "s")],
    columns=["year", "mineral", "stage", "product", "price", "unit", "source"],
)
FLOORS = pd.DataFrame(
    [("re", "mining", "concentrate", 8000.0, "USD/t", 2026, "alliance", "proposed", "s"), ("re", "refining", "NdPr oxide", 110.0, "USD/kg", 2025, "USA", "in force", "s")],
    columns=["mineral", "stage", "product", "floor", "unit", "since", "scope", "status", "source"],
)


def test_floors_are_drawn_in_each_panels_price_unit_only_on_their_product_and_from_their_year():
    series, lines, apart = monitoring.price_panels(Names(), PRICES, FLOORS)
    assert list(dict.fromkeys(series["panel"])) == ["Mining: concentrate", "Refining: oxide"]
    mining = lines[lines["stage"] == "mining"].iloc[0]
    # 8,000 USD/t = 8000 / 2204.62 USD/lb = 3.6287 USD/lb; the label gives both
    assert mining.value == pytest.approx(8000 / 2204.62)
    assert mining.label == "Alliance floor (proposed, since 2026), 8,000 USD/t = 3.63 USD/lb"
    # the NdPr-oxide floor is not a line on the oxide chart (the old chart drew it there): it is listed apart
    assert lines["stage"].tolist() == ["mining"] and apart["product"].tolist() == ["NdPr oxide"]
    fig = charts.price_lines(series, lines)
    mining_ax, refining_ax = fig.axes[:2]
    floor = mining_ax.collections[0]
    (start, level), (end, _) = floor.get_segments()[0]
    # set in 2026, after the last price (2025): drawn from 2026, never back over 2024-2025
    assert level == pytest.approx(8000 / 2204.62) and start == 2026 and end > start
    assert refining_ax.get_ylim()[1] < 110 and not refining_ax.collections  # no floor on the refining panel


def test_a_floor_on_another_product_or_without_a_volume_says_why_it_has_no_figure():
    prices = PRICES[PRICES["stage"] == "refining"]
    floor = ("re", "refining", "NdPr oxide")
    assert monitoring.floor_reasons(prices, *floor, "not compared", "not compared") == ("not compared: the inputs price oxide, not NdPr oxide", "cost not known: the gap is not known")
    assert monitoring.floor_reasons(prices, *floor, "", "no volume") == ("", "cost not known: the volume the floor pays for is not published")
    assert monitoring.floor_reasons(prices, *floor, "", "") == ("", "")


def test_events_of_the_last_five_years_oldest_first():
    events = pd.DataFrame(
        [("2025-04-04", "re", "CHN", "export control", "licences", "MOFCOM"), ("2021-12-31", "re", "CHN", "export control", "too old", "x"),
         ("2022-01-01", "re", "USA", "agreement", "first kept", "y")],
        columns=["date", "mineral", "country", "kind", "description", "source"],
    )
    shown = monitoring.recent_events(Names(), events, 2026, with_mineral=False)
    # cycle 2026: the five years 2022 to 2026
    assert shown["Date"].tolist() == ["2022-01-01", "2025-04-04"] and shown["Country"].tolist() == ["United States", "China"]
    assert list(shown.columns) == ["Date", "Country", "Kind", "Event", "Source"]


def test_an_event_naming_several_minerals_is_one_event():
    # events.csv has a row per mineral: the December 2024 ban on gallium and germanium is two rows, one event
    ban = ("2024-12-03", "CHN", "export control", "ban to the US", "MOFCOM")
    events = pd.DataFrame(
        [(ban[0], "gallium", *ban[1:]), (ban[0], "germanium", *ban[1:]), ("2025-04-04", "re", "CHN", "export control", "licences", "MOFCOM")],
        columns=["date", "mineral", "country", "kind", "description", "source"],
    )
    shown = monitoring.recent_events(Names(), events, 2026, with_mineral=True)
    assert len(shown) == 2 and shown["Mineral"].tolist() == ["Gallium, Germanium", "Re"]
    assert shown["Kind"].value_counts()["export control"] == 2  # not 3


def test_money_and_prices_read_as_typed():
    assert monitoring.money(0.069307) == "0.07" and monitoring.money(115.938) == "116"
    assert monitoring.price_text(110.0, "USD/kg") == "110 USD/kg" and monitoring.price_text(0.6287, "USD/lb") == "0.63 USD/lb"
    assert monitoring.price_text(14000.0, "USD/t") == "14,000 USD/t"


def test_a_price_change_reruns_exactly_the_chapters_that_read_prices():
    from mandate_tables import validated

    from review.analysis.disclosure import edition_tables
    from review.analysis.indicators import compute_all
    from review.engine.jobs import job_key
    from review.inputs import snapshot
    from review.report.catalog import NOTEBOOKS

    outcome = validated()

    def keys(tables):
        tables = edition_tables(tables, "public", outcome.config.disclosure)
        tables["indicators"] = compute_all(tables, outcome.config)
        meta = {"tables": {}, "config_sha256": "settings", "edition": "public"}
        for name, frame in tables.items():
            content, partitions = snapshot.table_hashes(frame.reset_index(drop=True))
            meta["tables"][name] = {"sha256": content, "partitions": partitions}
        chapters = [("markets", {}), ("stockpiles", {}), ("projects", {}), ("recycling", {}), ("mineral", {"mineral": "lithium"}), ("mineral", {"mineral": "rare-earths"})]
        return {f"{n}-{p.get('mineral', '')}": job_key(NOTEBOOKS[n], {"cycle": 2026} | p, meta, {}) for n, p in chapters}

    before = keys(dict(outcome.tables))
    prices = outcome.tables["prices"].copy()
    prices.loc[prices["mineral"] == "lithium", "price"] *= 2  # lithium only: its prices and its floor gap change
    after = keys(dict(outcome.tables) | {"prices": prices})
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"markets-", "mineral-lithium"}


def test_a_figure_names_the_sources_of_the_rows_it_draws_within_three_lines():
    from review.report.chapter import CAPTION_CHARS, Chapter

    ch = Chapter.__new__(Chapter)
    ch.tables = {"prices": PRICES.assign(source=["USGS lithium"] * 3), "dependency": pd.DataFrame({"source": ["Eurostat", "KITA"]})}
    # the prices figure draws price rows only: the chapter's dependency sources (Eurostat, KITA) are not named
    assert ch.source_line(("prices",)) == "Source: USGS lithium."
    # rows given directly: only their sources
    assert ch.source_line((FLOORS.assign(source=["DoD", "DoD"]),)) == "Source: DoD."
    # a long list stops naming sources before the caption would pass three lines, and refers to the annex once
    long = pd.DataFrame({"source": [f"Publisher {i}: " + "x" * 80 for i in range(3)]})
    line = ch.source_line((long,), budget=CAPTION_CHARS - 250)
    assert line.startswith("Source: Publisher 0") and line.endswith("and 2 more (see the sources annex).") and line.count("Source:") == 1
    assert len(line) <= CAPTION_CHARS - 250 or line.count(";") == 1  # at least one source is always named


def test_coverage_rows_of_identical_consecutive_years_are_one_row():
    from review.report.annexes import year_runs

    full = [dict(table="dependency", year=y, reported=12, members=12, missing="") for y in (2020, 2021, 2022, 2024)]
    partial = [dict(table="dependency", year=2025, reported=11, members=12, missing="NZL")]
    runs = [(c["table"], years, c["missing"]) for c, years in year_runs(full + partial)]
    # 2023 is absent: 2022 and 2024 are not one run; a year with another member missing stays apart
    assert runs == [("dependency", "2020\u20132022", ""), ("dependency", "2024", ""), ("dependency", "2025", "NZL")]


def test_the_stock_year_is_said_beside_days_worked_out_on_its_loss():
    from review.report.monitoring import years_phrase

    assert years_phrase([2025, 2025]) == "2025"
    assert years_phrase([2025, 2024]) == "2024 or 2025"
    assert years_phrase([2023, 2025, 2024]) == "2023 to 2025"


def test_a_source_line_names_sources_in_order_of_what_the_figure_draws():
    """Alliance figures of rare earths were led by Eurostat's EU-only import statistic (sorted by
    name, published first): the EU's rows are a small part of the tonnes drawn."""
    from review.report.chapter import Chapter, source_weights
    from review.report.views import drawn_rows

    dependency = pd.DataFrame(
        [("EUU", "re", "refining", 10.0, "Eurostat: EU imports"), ("USA", "re", "refining", 60.0, "USGS: US imports"),
         ("JPN", "re", "refining", 100.0, "Illustrative sample data (not official statistics)"), ("KOR", "re", "refining", 30.0, "Illustrative sample data (not official statistics)"),
         ("EUU", "li", "refining", 5000.0, "Eurostat: EU lithium")],
        columns=["member", "mineral", "stage", "quantity_t", "source"],
    )
    ch = Chapter.__new__(Chapter)
    ch.tables = {"dependency": dependency}
    rare_earths = drawn_rows(dependency, pd.DataFrame({"mineral": ["re"], "stage": ["refining"]}))
    # of the 200 t drawn: illustrative 130 t, USGS 60 t, Eurostat 10 t; the lithium rows are not drawn
    assert list(source_weights([rare_earths])) == ["Illustrative sample data (not official statistics)", "USGS: US imports", "Eurostat: EU imports"]
    line = ch.source_line((rare_earths,))
    assert line == "Source: Illustrative sample data (not official statistics); USGS: US imports; Eurostat: EU imports."
    assert not line.startswith("Source: Eurostat")
    # a table without tonnes weighs by rows; a source marked illustrative says so
    prices = pd.DataFrame({"source": ["A", "B", "B"], "illustrative": [False, True, True]})
    assert ch.source_line((prices,)) == "Source: B (illustrative); A."


def test_a_fall_hidden_by_the_windows_change_is_named_once_with_its_range_not_its_numbers_again():
    """15.1 repeated five mineral chapters' price sentences above the table that gives the same
    numbers; it now names the prices that fell more than 20% from their peak, and the range."""
    class WithRef(Names):
        def ref(self, kind, name):
            return f"Table ({name})"

    stats = pd.DataFrame({
        "mineral": ["lithium", "cobalt", "antimony", "gallium"], "stage": ["refining", "refining", "refining", "refining"],
        "change_from_peak": [-0.803, -0.448, -0.05, float("nan")], "peak_year": [2022, 2022, 2024, None],
    })
    assert monitoring.hidden_falls(WithRef(), stats) == "A window's change can hide a fall: cobalt and lithium refining are 45% to 80% below their 2022 peaks (Table (prices))."
    assert monitoring.hidden_falls(WithRef(), stats.iloc[[0]]) == "A window's change can hide a fall: lithium refining is 80% below its 2022 peak (Table (prices))."
    assert monitoring.hidden_falls(WithRef(), stats.iloc[[2, 3]]) == ""  # a 5% fall is not hidden; an unknown one is not guessed
    # two stages: each named once, the minerals in the order of their names, the stages apart
    more = pd.concat([stats, pd.DataFrame({"mineral": ["tin", "nickel"], "stage": ["mining", "mining"], "change_from_peak": [-0.3, -0.25], "peak_year": [2023, 2021]})], ignore_index=True)
    assert monitoring.hidden_falls(WithRef(), more) == (
        "A window's change can hide a fall: nickel and tin mining, and cobalt and lithium refining are 25% to 80% below their 2021, 2022 and 2023 peaks (Table (prices))."
    )


def test_the_capex_total_says_how_much_of_it_builds_no_diversification():
    live = pd.DataFrame({"host_country": ["AUS", "ZMB", "IDN", "IDN"], "capex_musd": [600.0, 1500.0, 2200.0, float("nan")]})
    assert monitoring.capex_outside_clause(live, frozenset({"AUS", "USA"})) == (
        ", of which 3,700 million USD in the 2 of 3 projects hosted outside aligned countries that report it (not counted towards diversification)"
    )  # the Indonesian project without a capex figure is not counted, and the count says so
    assert monitoring.capex_outside_clause(live.dropna(), frozenset({"AUS", "USA"})).startswith(", of which 3,700 million USD in 2 projects hosted outside")
    assert monitoring.capex_outside_clause(live[live["host_country"] == "AUS"], frozenset({"AUS"})) == ""
