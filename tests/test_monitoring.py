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


def test_floors_are_drawn_in_each_panels_price_unit():
    series, lines = monitoring.price_panels(Names(), PRICES, FLOORS)
    assert list(dict.fromkeys(series["panel"])) == ["Mining: concentrate", "Refining: oxide"]
    mining = lines[lines["stage"] == "mining"].iloc[0]
    # 8,000 USD/t = 8000 / 2204.62 USD/lb = 3.6287 USD/lb; the label gives both
    assert mining.value == pytest.approx(8000 / 2204.62)
    assert mining.label == "Alliance floor (proposed), 8,000 USD/t = 3.63 USD/lb"
    assert lines[lines["stage"] == "refining"].iloc[0].label == "United States floor (in force), 110 USD/kg"
    fig = charts.price_lines(series, lines)
    mining_ax, refining_ax = fig.axes[:2]
    floor_levels = [line.get_ydata()[0] for line in mining_ax.get_lines()[1:]]
    assert floor_levels == [pytest.approx(8000 / 2204.62)]
    assert refining_ax.get_ylim()[1] > 110 > mining_ax.get_ylim()[1]  # no shared axis across units


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


def test_money_and_prices_read_as_typed():
    assert monitoring._money(0.069307) == "0.07" and monitoring._money(115.938) == "116"
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
