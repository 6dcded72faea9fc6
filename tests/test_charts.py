"""Charts: what a reader sees beyond the numbers (the numbers are tested in test_indicators)."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd

from review.report import charts
from review.report.chapter import png_and_collisions


def _shares_and_paths() -> tuple[pd.DataFrame, pd.DataFrame]:
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
    return shares, paths


def test_the_sourcing_legend_lists_origins_in_stacking_order_then_the_paths():
    # Malaysia supplies only refining, the second panel: it must still sit among the origins,
    # not after the target path drawn in the first panel.
    fig = charts.sourcing_shares(*_shares_and_paths())
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["China", "Malaysia", "Members and partners", "target path"]


def _lost() -> pd.DataFrame:
    return pd.DataFrame(
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


def test_the_stress_chart_shows_the_alliance_per_stage_and_every_member():
    fig = charts.lost_share_dots(_lost())
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mining", "Refining"]  # in the order given
    assert [round(p.get_width(), 2) for p in ax.patches] == [0.8, 0.95]  # one Alliance bar per stage
    dots = sorted(round(float(x), 2) for c in ax.collections for x, _ in c.get_offsets())
    assert dots == [0.5, 0.7, 0.9, 0.95]  # every member, as a dot
    assert charts.legend_collisions(fig) == []


def test_every_stress_test_dot_is_labelled_with_its_member_and_close_labels_do_not_overlap():
    """The dots were unlabelled: a reader could not tell which member was which. Five members
    within two points of each other (the rare-earth refining cluster) each get a readable label."""
    close = pd.concat([_lost(), pd.DataFrame(
        [("refining", code, code, v) for code, v in (("EUU", 0.86), ("GBR", 0.865), ("KOR", 0.87), ("CAN", 0.872), ("FRA", 0.874))],
        columns=["stage", "scope", "label", "value"])], ignore_index=True)
    fig = charts.lost_share_dots(close)
    (ax,) = fig.axes
    labels = {t.get_text(): t for t in ax.texts}
    assert sorted(labels) == ["AUS", "CAN", "EU", "FRA", "GBR", "JPN", "KOR", "USA"]  # codes; the EU's as "EU"
    assert len(ax.texts) == 9  # one label per dot (the United States is in both stages)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]  # the label itself, not its line to the dot
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]  # no label hides another
    # each label is joined to its own dot
    for t in ax.texts:
        assert round(t.xy[0], 3) in {0.9, 0.5, 0.7, 0.95, 0.86, 0.865, 0.87, 0.872, 0.874}
        # from the label's bottom centre: a line clipped around the label's box cost a bisection per
        # label and layout pass (a third of the chart's drawing time)
        assert t.arrow_patch.patchA is None and t.arrowprops["relpos"] == (0.5, 0)
    assert charts.legend_collisions(fig) == []


def test_labels_are_spread_apart_in_order_and_stay_on_the_axis():
    at = charts.spread_labels([0.99, 0.5, 0.98, 1.0], width=0.04)
    assert at[1] == 0.5  # a label with room stays over its dot
    assert sorted(at[i] for i in (2, 0, 3)) == [at[2], at[0], at[3]]  # in the dots' order
    assert max(at) <= 1.0 and min(b - a for a, b in zip(sorted(at), sorted(at)[1:])) >= 0.04 - 1e-12


def test_a_published_figure_is_the_png_savefig_crops_tight_and_its_collisions():
    # png_and_collisions crops to the collision check's layout instead of letting savefig lay
    # the figure out again: the bytes must be those of bbox_inches="tight" all the same.
    charts.use_house_style()
    for draw in (lambda: charts.sourcing_shares(*_shares_and_paths()), lambda: charts.lost_share_dots(_lost())):
        expected = io.BytesIO()
        fig = draw()
        collisions = charts.legend_collisions(fig)
        fig.savefig(expected, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        fig = draw()
        assert png_and_collisions(fig) == (expected.getvalue(), collisions)
        plt.close(fig)


def test_a_long_legend_leaves_the_panels_their_height():
    """Nine origins and two paths in the legend had left the sourcing panels about 1 cm tall."""
    charts.use_house_style()  # as the chapters draw it
    countries = ["CHN", "MYS", "MMR", "RUS", "VNM", "PHL", "other", "unattributed", "ALIGNED"]
    shares = pd.DataFrame(
        [(stage, year, c, f"Origin {c}", 1 / len(countries)) for stage in ("mining", "refining", "magnets") for year in (2024, 2025, 2026) for c in countries],
        columns=["stage", "year", "origin", "label", "share"],
    )
    paths = pd.DataFrame([(s, y, v, k) for s in ("mining", "refining", "magnets") for k, v in (("target", 0.6), ("ambition", 0.5)) for y in (2024, 2030)], columns=["stage", "year", "value", "kind"])
    fig = charts.sourcing_shares(shares, paths)
    fig.canvas.draw()
    panel = fig.axes[0].get_window_extent()
    legend = fig.legends[0].get_window_extent()
    assert panel.height / fig.dpi >= 0.9  # inches: the panel as drawn, not squeezed by the legend (it was about 0.4)
    assert legend.y1 < fig.axes[0].xaxis.get_tightbbox(fig.canvas.get_renderer()).y0  # the legend sits under the tick labels


def test_lines_and_markers_are_told_apart_and_labels_stay_inside_the_axes():
    charts.use_house_style()
    index = pd.DataFrame([(label, year, 100 + k * year % 7) for k, label in enumerate(["a", "b", "c", "d", "e"]) for year in (2020, 2021, 2022)], columns=["label", "year", "index"])
    lines = charts.indexed_prices(index).axes[0].get_lines()[:5]
    styles = [(l.get_color(), l.get_linestyle(), l.get_marker()) for l in lines]
    assert all(a[1:] != b[1:] for a, b in zip(styles, styles[1:]))  # neighbours differ in dash and marker, not only colour
    # two events of different kinds on the same day and mineral are not drawn on the same spot
    events = pd.DataFrame(dict(date=pd.to_datetime(["2024-12-03", "2024-12-03"]), mineral=["gallium", "gallium"], kind=["export control", "tariff"]))
    ax = charts.event_timeline(events).axes[0]
    spots = [tuple(c.get_offsets()[0]) for c in ax.collections]
    assert len(set(spots)) == 2
    # a cost label fits inside the axes
    fig = charts.floor_cost_bars(pd.DataFrame(dict(label=["A", "B"], cost_musd=[10.0, float("nan")], status=["in force", "proposed"])))
    fig.canvas.draw()
    (ax,) = fig.axes
    text = next(t for t in ax.texts if "10.00" in t.get_text())
    assert text.get_window_extent().x1 <= ax.get_window_extent().x1


def test_recycling_panels_share_their_years_and_read_small_shares():
    charts.use_house_style()
    series = pd.DataFrame([("Cobalt", 2020, 0.2), ("Cobalt", 2025, 0.22), ("Rare earths", 2020, 0.01), ("Rare earths", 2023, 0.012)], columns=["panel", "year", "value"])
    fig = charts.recycling_paths(series, pd.DataFrame(columns=["panel", "year", "value"]))
    cobalt, rare = fig.axes[:2]
    assert cobalt.get_xlim() == rare.get_xlim()
    assert len([t for t in rare.get_yticks() if 0 <= t <= rare.get_ylim()[1]]) >= 3


def test_a_filled_band_is_not_taken_for_markers_under_the_legend():
    """A fill_between band's offsets are a placeholder (0, 0) in pixels: a legend reaching the
    figure's corner was reported as covering it."""
    charts.use_house_style()
    stages = ("mining", "refining", "magnets")
    fan = pd.DataFrame([(s, y, 0.4, 0.6, 0.8) for s in stages for y in (2027, 2028, 2029, 2030)], columns=["stage", "year", "p10", "p50", "p90"])
    points = pd.DataFrame([(s, c, y, v) for s in stages for c, y, v in (("today", 2026, 0.7), ("expected", 2030, 0.6), ("best case", 2030, 0.5))], columns=["stage", "case", "year", "value"])
    lines = pd.DataFrame([(s, k, v) for s in stages for k, v in (("target", 0.6), ("ambition", 0.5))], columns=["stage", "kind", "value"])
    fig = charts.outlook_fan(fan, points, lines)
    assert charts.legend_collisions(fig) == []
    fig.canvas.draw()
    assert fig.legends[0].get_window_extent().x1 <= fig.bbox.x1  # the legend fits the figure's width


def test_the_target_path_panels_end_their_ticks_on_the_target_year_and_show_the_slip_case():
    charts.use_house_style()
    series = pd.DataFrame([("Rare earths, refining", y, 0.8) for y in range(2020, 2027)], columns=["panel", "year", "value"])
    paths = pd.DataFrame([("Rare earths, refining", 2024, 0.8, "target"), ("Rare earths, refining", 2030, 0.6, "target")], columns=["panel", "year", "value", "kind"])
    projections = pd.DataFrame([("Rare earths, refining", 2030, 0.7, "projection"), ("Rare earths, refining", 2030, 0.7, "slip")], columns=["panel", "year", "value", "kind"])
    ax = charts.target_paths(series, paths, projections).axes[0]
    assert list(ax.get_xticks())[-1] == 2030
    expected, slip = (c.get_offsets()[0] for c in ax.collections)
    assert tuple(expected) != tuple(slip)  # the same value, not the same spot


def test_every_country_of_a_chart_has_a_colour_of_its_own_and_keeps_it_where_it_can():
    """Colours chosen by a hash of the code alone gave Indonesia and the Philippines (nickel mining),
    and Tajikistan, Bolivia and Viet Nam (tungsten), one colour each."""
    assert len(set(charts.country_colors(["IDN", "PHL"]).values())) == 2
    assert charts.country_colors(["IDN", "PHL"])["IDN"] == charts.COUNTRY_COLORS["IDN"]  # a fixed colour stays
    many = ["TJK", "BOL", "VNM", "RWA", "PER", "RUS", "MEX", "IDN", "PHL", "CHN"]
    assert len(set(charts.country_colors(many).values())) == len(many)
    # AAE and AAK share a colour; AAP's own is the next one: AAK moves, AAP keeps its own (taken in
    # code order, AAK took AAP's colour and moved AAP too)
    trio = charts.country_colors(["AAE", "AAK", "AAP"])
    assert trio["AAE"] == charts.country_colors(["AAE"])["AAE"] and trio["AAP"] == charts.country_colors(["AAP"])["AAP"]
    assert len(set(trio.values())) == 3
    shares = pd.DataFrame(
        [("mining", y, o, name, v) for y in (2024, 2025) for o, name, v in (("IDN", "Indonesia", 0.5), ("PHL", "Philippines", 0.2), ("other", "Other non-aligned", 0.1), ("aligned", "Members and partners", 0.2))],
        columns=["stage", "year", "origin", "label", "share"],
    )
    fig = charts.sourcing_shares(shares, pd.DataFrame(columns=["stage", "year", "value", "kind"]))
    fills = [tuple(round(x, 3) for x in c.get_facecolor()[0]) for c in fig.axes[0].collections]
    assert len(fills) == 4 and len(set(fills)) == 4
