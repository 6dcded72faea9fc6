"""Charts: what a reader sees beyond the numbers (the numbers are tested in test_indicators)."""

from __future__ import annotations

import pandas as pd

from review.report import charts


def test_the_sourcing_legend_lists_origins_in_stacking_order_then_the_paths():
    # Malaysia supplies only refining, the second panel: it must still sit among the origins,
    # not after the target path drawn in the first panel.
    shares = pd.DataFrame(
        [
            ("mining", 2025, "CHN", "China", 0.7),
            ("mining", 2025, "ALIGNED", "Members and partners", 0.3),
            ("mining", 2026, "CHN", "China", 0.6),
            ("mining", 2026, "ALIGNED", "Members and partners", 0.4),
            ("refining", 2025, "CHN", "China", 0.8),
            ("refining", 2025, "MYS", "Malaysia", 0.1),
            ("refining", 2025, "ALIGNED", "Members and partners", 0.1),
            ("refining", 2026, "CHN", "China", 0.8),
            ("refining", 2026, "MYS", "Malaysia", 0.1),
            ("refining", 2026, "ALIGNED", "Members and partners", 0.1),
        ],
        columns=["stage", "year", "origin", "label", "share"],
    ).sort_values(["origin"], key=lambda c: c.map({"CHN": 0, "MYS": 1, "ALIGNED": 2}), kind="stable")
    paths = pd.DataFrame([("mining", 2025, 0.7, "target"), ("mining", 2030, 0.6, "target")], columns=["stage", "year", "value", "kind"])
    fig = charts.sourcing_shares(shares, paths)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["China", "Malaysia", "Members and partners", "target path"]


def test_the_stress_chart_shows_the_alliance_per_stage_and_every_member():
    lost = pd.DataFrame(
        [
            ("mining", "alliance", "Alliance", 0.8),
            ("mining", "USA", "United States", 0.9),
            ("mining", "JPN", "Japan", 0.5),
            ("mining", "AUS", "Australia", 0.7),
            ("refining", "alliance", "Alliance", 0.95),
            ("refining", "USA", "United States", 0.95),
        ],
        columns=["stage", "scope", "label", "value"],
    )
    fig = charts.lost_share_dots(lost)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mining", "Refining"]  # in the order given
    assert [round(p.get_width(), 2) for p in ax.patches] == [0.8, 0.95]  # one Alliance bar per stage
    dots = sorted(round(float(x), 2) for c in ax.collections for x, _ in c.get_offsets())
    assert dots == [0.5, 0.7, 0.9, 0.95]  # every member, as a dot
    assert charts.legend_collisions(fig) == []
