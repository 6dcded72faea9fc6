"""The review's house style for charts: one seaborn theme, colour-blind-safe colours, one function per chart.

Colours are fixed per country and per status across every chart of the report (Okabe-Ito
and Paul Tol's muted palette, both safe for the common colour-vision deficiencies).
Every function takes tidy data and returns a matplotlib Figure; saving and captioning
belong to review.report.chapter.
"""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import IdentityTransform

WIDTH = 7.0  # inches: the text width of the PDF page
GREY = "#9A9A9A"
LIGHT_GREY = "#D0D0D0"
ALIGNED_COLOR = "#0072B2"

#: Fixed colours for the origins that recur across minerals; others take a stable colour from PALETTE.
COUNTRY_COLORS = {
    "CHN": "#D55E00",
    "USA": "#0072B2",
    "AUS": "#56B4E9",
    "JPN": "#CC79A7",
    "CAN": "#009E73",
    "MYS": "#E69F00",
    "COD": "#882255",
    "IDN": "#DDCC77",
    "CHL": "#117733",
    "RUS": "#332288",
    "MMR": "#AA4499",
    "VNM": "#44AA99",
    "XXX": LIGHT_GREY,
}
PALETTE = ["#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499", "#332288", "#E69F00", "#56B4E9", "#CC79A7"]

#: One distinguishable colour per project status (Paul Tol's muted scheme, early statuses light,
#: late dark); none of them is China's vermilion; cancelled projects are grey where they are shown.
PROJECT_STATUS_COLORS = dict(
    zip(
        ["announced", "feasibility", "permitting", "financing", "construction", "commissioning", "operating", "suspended", "cancelled"],
        ["#DDCC77", "#88CCEE", "#44AA99", "#999933", "#CC6677", "#AA4499", "#332288", "#A08070", LIGHT_GREY],
    )
)
#: Statuses the capacity charts leave out: a cancelled project adds no capacity.
NOT_CHARTED = ("cancelled",)


def use_house_style() -> None:
    """The report's theme; called once per notebook before drawing."""
    sns.set_theme(context="paper", style="whitegrid", font="DejaVu Sans", font_scale=1.0)
    plt.rcParams.update(
        {
            "figure.dpi": 150,
            "savefig.dpi": 150,
            "axes.titlesize": 9,
            "axes.titleweight": "bold",
            "axes.labelsize": 8,
            "xtick.labelsize": 7.5,
            "ytick.labelsize": 7.5,
            "legend.fontsize": 7.5,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "text.parse_math": False,  # labels are names from the inputs: '$' is a dollar, never mathtext
        }
    )


def country_colors(codes) -> dict[str, str]:
    """A colour for each country of one chart: the same in every chart where it can be, never
    another country's of the same chart.

    Recurring origins have fixed colours (COUNTRY_COLORS); any other country takes a stable
    colour from PALETTE chosen by its code, or, when a country of the same chart already has
    that colour, the next free one (a stable colour alone gave Indonesia and the Philippines
    one band in nickel mining). Countries whose own colour no other claims keep it first, so a
    displaced country never displaces another in turn. With more countries than colours, colours repeat.
    """
    codes = list(dict.fromkeys(codes))
    chosen = {c: COUNTRY_COLORS[c] for c in codes if c in COUNTRY_COLORS}
    own = {c: int(hashlib.sha256(c.encode()).hexdigest(), 16) % len(PALETTE) for c in sorted(codes) if c not in chosen}
    used = set(chosen.values())
    displaced = []
    for code, start in own.items():  # first pass: every country whose own colour is still free keeps it
        if PALETTE[start] in used:
            displaced.append(code)
        else:
            chosen[code] = PALETTE[start]
            used.add(PALETTE[start])
    for code in displaced:  # then the others, each the next colour free after its own
        after = PALETTE[own[code]:] + PALETTE[:own[code]]
        chosen[code] = next((color for color in after if color not in used), after[0])
        used.add(chosen[code])
    return chosen


def percent_tick(value: float, _position=None) -> str:
    """A share as a tick label with no more decimals than it needs: 0.5%, 1%, 20% (a fixed
    number of decimals either shows "1%, 1%, 2%" on a small scale or "20.0%" on a large one)."""
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}%"


def _percent(ax, axis="y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(percent_tick))


def _shared_legend(fig: plt.Figure, axes, columns: int, bottom: float, second_row: float, order: list[str] | None = None) -> None:
    """One legend under all panels, each label once; room is made for every row past the first.

    `order` lists labels in the order they should be read (others follow as first seen),
    so a label drawn in a later panel only still sits with its kind.
    """
    handles, names = [], []
    for ax in axes:
        for h, n in zip(*ax.get_legend_handles_labels()):
            if n not in names:
                handles.append(h)
                names.append(n)
    if order:
        rank = {name: i for i, name in enumerate(order)}
        handles, names = zip(*sorted(zip(handles, names), key=lambda pair: rank.get(pair[1], len(rank))))
    legend = fig.legend(handles, names, loc="lower center", ncol=min(columns, len(names)), bbox_to_anchor=(0.5, -0.02))
    rows = -(-len(names) // columns)  # each row past the first needs its own room
    # the legend's drawn height, so the panels and their tick labels sit above it however many rows
    # it has; measured on its own, since its height does not depend on where the panels are (drawing
    # the whole figure for it cost a draw per chart)
    height = legend.get_window_extent(fig.canvas.get_renderer()).height / fig.bbox.height
    # the figure grows by the legend's height, so the panels keep the height they were drawn for
    # (a nine-entry legend had left the sourcing panels 1 cm tall)
    grown = fig.get_figheight() * (1 + height)
    height = height / (1 + height)
    fig.set_figheight(grown)
    fig.tight_layout(rect=(0, max(bottom + second_row * (rows - 1), height + 0.01), 1, 1))


def _thousands(ax, axis="x") -> None:
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _facets(n: int, height: float = 2.6, cols: int | None = None):
    cols = cols or min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, height * rows), squeeze=False, sharey=True)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def sourcing_shares(shares: pd.DataFrame, paths: pd.DataFrame) -> plt.Figure:
    """Stacked shares of supply by origin over time, one panel per stage, with target paths.

    `shares`: stage, year, origin, label, share (labels in stacking order).
    `paths`: stage, year, value, kind ('target' or 'ambition').
    """
    stages = list(dict.fromkeys(shares["stage"]))
    palette = _origin_colors(shares["origin"])  # one legend for every panel: distinct over the whole figure
    fig, axes = _facets(len(stages), height=1.7)
    for ax, stage in zip(axes, stages):
        part = shares[shares["stage"] == stage]
        wide = part.pivot_table(index="year", columns="origin", values="share", aggfunc="sum", sort=False).fillna(0.0)
        origins = list(dict.fromkeys(part["origin"]))
        labels = dict(zip(part["origin"], part["label"]))
        wide = wide[origins]
        colors = [palette[o] for o in origins]
        if len(wide) > 1:
            ax.stackplot(wide.index, wide.T.values, labels=[labels[o] for o in origins], colors=colors, alpha=0.9, linewidth=0)
        else:  # one year: a stacked bar, as an area needs two
            bottom = 0.0
            for origin, color in zip(origins, colors):
                value = float(wide[origin].iloc[0])
                ax.bar(wide.index, value, bottom=bottom, color=color, label=labels[origin], width=0.6)
                bottom += value
        for kind, style in (("target", "-"), ("ambition", ":")):
            line = paths[(paths["stage"] == stage) & (paths["kind"] == kind)]
            if len(line):
                ax.plot(line["year"], line["value"], style, color="black", linewidth=1.3, label=f"{kind} path")
        ax.set_title(stage.capitalize())
        ax.set_ylim(0, 1)
        last = paths[paths["stage"] == stage]["year"].max() if len(paths[paths["stage"] == stage]) else wide.index.max()
        ax.set_xlim(wide.index.min() - (0.5 if len(wide) == 1 else 0), max(wide.index.max() + (0.5 if len(wide) == 1 else 0), last))
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
        _percent(ax)
    _shared_legend(fig, axes, columns=5, bottom=0.1, second_row=0.02, order=list(dict.fromkeys(shares["label"])) + ["target path", "ambition path"])
    return fig


def _origin_colors(origins) -> dict[str, str]:
    """Sourcing origins' colours: members and partners together, the other non-aligned grey, each country its own."""
    special = {"aligned": ALIGNED_COLOR, "other": GREY}
    return country_colors(o for o in origins if o not in special) | {o: special[o] for o in origins if o in special}


def target_paths(series: pd.DataFrame, paths: pd.DataFrame, projections: pd.DataFrame) -> plt.Figure:
    """Small multiples: each target's Alliance series, its path, and the pipeline projection.

    `series`: panel, year, value. `paths`: panel, year, value, kind. `projections`: panel, year, value, kind ('projection', 'slip').
    """
    panels = list(dict.fromkeys(series["panel"]))
    fig, axes = _facets(len(panels), height=1.75)
    for ax, panel in zip(axes, panels):
        s = series[series["panel"] == panel]
        ax.plot(s["year"], s["value"], color=COUNTRY_COLORS["CHN"], linewidth=2, marker="o", markersize=2.5, label="dependency")
        for kind, style in (("target", "-"), ("ambition", ":")):
            p = paths[(paths["panel"] == panel) & (paths["kind"] == kind)]
            if len(p):
                ax.plot(p["year"], p["value"], style, color="black", linewidth=1.1, label=f"{kind} path")
        pr = projections[projections["panel"] == panel]
        # the slip case drawn above and beside the on-time case: at the same value it hid under it
        for kind, marker, color, shift, order in (("projection", "D", ALIGNED_COLOR, 0.0, 3), ("slip", "x", "black", 0.35, 4)):
            point = pr[pr["kind"] == kind]
            if len(point):
                ax.scatter(point["year"] + shift, point["value"], marker=marker, color=color, s=24, zorder=order, label="projection, on time (status-weighted)" if kind == "projection" else "slip case (every project a year late)")
        ax.set_title(panel)
        ax.set_ylim(0, 1)
        years = pd.concat([s["year"], paths[paths["panel"] == panel]["year"], pr["year"]]).dropna().astype(int)
        # ticks every two years, ending on the last year drawn (they ended on 2029 beside 2030's markers)
        ax.set_xticks(list(range(int(years.max()), int(years.min()) - 1, -2))[::-1])
        ax.set_xlim(years.min() - 0.3, years.max() + 0.6)
        _percent(ax)
    _shared_legend(fig, axes, columns=3, bottom=0.1, second_row=0.05)  # five columns ran past the figure's sides
    return fig


def world_shares(shares: pd.DataFrame) -> plt.Figure:
    """Each producer's share of world production in the latest year, one panel per stage.

    `shares`: stage, label (country name), country, share.
    """
    stages = list(dict.fromkeys(shares["stage"]))
    # a bar's height must hold its country's name: names overlapped at 0.085 in a bar, and with
    # two producers the figure could not hold its titles (matplotlib's tight-layout warning)
    fig, axes = plt.subplots(1, len(stages), figsize=(WIDTH, 0.15 * shares.groupby("stage").size().max() + 0.8), squeeze=False)
    palette = country_colors(shares["country"])
    for ax, stage in zip(axes.flat, stages):
        part = shares[shares["stage"] == stage]
        ax.barh(part["label"], part["share"], color=[palette[c] for c in part["country"]])
        ax.invert_yaxis()
        ax.set_title(stage.capitalize())
        ax.set_xlim(0, 1)
        _percent(ax, "x")
    fig.tight_layout()
    return fig


def _status_bars(ax, capacity: pd.DataFrame, group: str) -> None:
    """Stacked horizontal bars of capacity by status, bars in the order `group` first appears."""
    capacity = capacity[~capacity["status"].isin(NOT_CHARTED)]
    order = list(dict.fromkeys(capacity[group]))
    wide = capacity.pivot_table(index=group, columns="status", values="capacity_t", aggfunc="sum").reindex(order).fillna(0.0)
    statuses = [s for s in PROJECT_STATUS_COLORS if s in wide.columns]
    left = np.zeros(len(wide))
    for status in statuses:
        ax.barh(wide.index, wide[status], left=left, color=PROJECT_STATUS_COLORS[status], label=status, edgecolor="white", linewidth=0.4)
        left += wide[status].to_numpy()
    ax.invert_yaxis()
    _thousands(ax)


def capacity_by_status(capacity: pd.DataFrame, group: str) -> plt.Figure:
    """Horizontal stacked bars of project capacity by status, one bar per <group> in the order
    given (stages as in minerals.csv); cancelled projects left out. `capacity`: <group>, status, capacity_t."""
    bars = capacity[~capacity["status"].isin(NOT_CHARTED)][group].nunique()
    fig, ax = plt.subplots(figsize=(WIDTH, 0.22 * bars + 0.9))
    _status_bars(ax, capacity, group)
    ax.set_xlabel("capacity, t a year")
    _shared_legend(fig, [ax], columns=7, bottom=0.16, second_row=0.08, order=list(PROJECT_STATUS_COLORS))
    return fig


def capacity_panels(capacity: pd.DataFrame) -> plt.Figure:
    """Project capacity by stage and status, one panel per mineral with its own scale (copper's
    hundreds of thousands of tonnes would hide gallium's tens). `capacity`: panel, stage, status,
    capacity_t, stages in the order of minerals.csv; cancelled projects left out."""
    shown = capacity[~capacity["status"].isin(NOT_CHARTED)]
    panels = list(dict.fromkeys(shown["panel"]))
    cols = 3
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, 1.05 * rows + 0.8), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes.flat, panels):
        _status_bars(ax, shown[shown["panel"] == panel], "stage")
        ax.set_title(panel)
        ax.xaxis.set_major_locator(plt.MaxNLocator(nbins=3))
        ax.tick_params(axis="both", labelsize=7)
    _shared_legend(fig, list(axes.flat[: len(panels)]), columns=7, bottom=0.08, second_row=0.04, order=list(PROJECT_STATUS_COLORS))
    return fig


def cover_bars(cover: pd.DataFrame, label: str, unit: str = "days of consumption") -> plt.Figure:
    """Stockpile cover in `unit` with each bar's target where it has one. `cover`: <label>, value, target_days.

    The stress test passes its own unit (days of the lost supply) and no targets: targets are
    in days of consumption, so no target mark may sit on an axis of another unit."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.17 * len(cover) + 0.75))
    ax.barh(cover[label], cover["value"], color=ALIGNED_COLOR, label=unit)
    targets = cover.dropna(subset=["target_days"]) if "target_days" in cover else cover.iloc[0:0]
    if len(targets):
        ax.scatter(targets["target_days"], targets[label], marker="|", s=260, color="black", linewidths=2, zorder=3, label="target, days of consumption")
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    _shared_legend(fig, [ax], columns=2, bottom=0.22 if len(cover) < 4 else 0.12, second_row=0.0)  # under the chart: never over a target mark
    return fig


def _recycling_path(ax, series: pd.DataFrame, path: pd.DataFrame) -> None:
    ax.plot(series["year"], series["value"], color="black", linewidth=2, marker="o", markersize=2.5, label="Alliance")
    if len(path):
        ax.plot(path["year"], path["value"], "--", color=ALIGNED_COLOR, linewidth=1.2, label="target path")
        end = path.sort_values("year").iloc[-1]
        ax.scatter([end["year"]], [end["value"]], marker="o", s=18, color=ALIGNED_COLOR, zorder=3, label="target")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
    top = pd.concat([series["value"], path["value"]]).astype(float).max(skipna=True)  # NaN when nothing is known
    ax.set_ylim(0, top * 1.15 if np.isfinite(top) and top > 0 else 0.1)
    _percent(ax)


def recycling_paths(series: pd.DataFrame, paths: pd.DataFrame) -> plt.Figure:
    """The Alliance's recycling share per mineral with the path to its target.

    `series`: panel, year, value (Alliance). `paths`: panel, year, value."""
    panels = list(dict.fromkeys(series["panel"]))
    fig, axes = _facets(len(panels), height=1.35)
    years = pd.concat([series["year"], paths["year"]]).dropna()
    for ax, panel in zip(axes, panels):
        _recycling_path(ax, series[series["panel"] == panel], paths[paths["panel"] == panel])
        ax.set_title(panel)
        ax.set_xlim(years.min() - 0.3, years.max() + 0.3)  # every panel over the same years: one ended in 2023, another in 2025
        ax.yaxis.set_major_locator(plt.MaxNLocator(nbins=3, min_n_ticks=3))  # 0% and 20% alone could not read 1%
    for ax in axes:  # own scales: cobalt's 20% would flatten rare earths' 2%
        ax.yaxis.set_tick_params(labelleft=True)
    _shared_legend(fig, axes, columns=3, bottom=0.06, second_row=0.0)
    return fig


def _ranked(ax, latest: pd.DataFrame) -> None:
    part = latest.sort_values("value", ascending=True)
    colors = ["black" if a else ALIGNED_COLOR for a in part["alliance"]]
    ax.barh(part["label"], part["value"], color=colors, height=0.7)
    ax.tick_params(axis="y", labelsize=6.5)
    ax.xaxis.set_major_locator(plt.MaxNLocator(nbins=3))
    _percent(ax, "x")


def recycling_ranks(latest: pd.DataFrame) -> plt.Figure:
    """Members ranked by recycling share in the latest year, one panel per mineral, the Alliance in black.

    `latest`: panel, label, value, alliance (bool)."""
    panels = list(dict.fromkeys(latest["panel"]))
    cols = 3
    rows = int(np.ceil(len(panels) / cols))
    longest = latest.groupby("panel").size().max()
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, (0.105 * longest + 0.5) * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes.flat, panels):
        _ranked(ax, latest[latest["panel"] == panel])
        ax.set_title(panel)
    fig.tight_layout()
    return fig


def recycling_mineral(series: pd.DataFrame, path: pd.DataFrame, latest: pd.DataFrame) -> plt.Figure:
    """One mineral's recycling: the Alliance against its target path, and members ranked in the latest year."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, max(1.5, 0.09 * len(latest) + 0.6)), gridspec_kw={"width_ratios": (1.3, 1)})
    _recycling_path(left, series, path)
    left.set_title("Alliance against the target path" if len(path) else "Alliance")
    _ranked(right, latest)
    right.set_title(f"Members, {int(latest['year'].max())}" if "year" in latest else "Members, latest year")
    _shared_legend(fig, [left], columns=3, bottom=0.1, second_row=0.0)
    return fig


def heatmap(values: pd.DataFrame) -> plt.Figure:
    """Dependency by mineral (rows) and stage (columns), annotated in percent."""
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 0.34 * len(values) + 1.2))
    sns.heatmap(values, ax=ax, vmin=0, vmax=1, cmap="rocket_r", annot=True, fmt=".0%", annot_kws={"fontsize": 7.5}, linewidths=0.5, linecolor="white", cbar_kws={"format": PercentFormatter(1.0, decimals=0), "shrink": 0.8})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.grid(False)  # a stage a mineral does not have stays blank
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    return fig


def count_bars(counts: pd.DataFrame, x: str, label: str, color: str = ALIGNED_COLOR) -> plt.Figure:
    """Horizontal bars of project counts, each labelled with its count, one bar per value of <x>
    (named `label`), in the order given. A bar a quarter of an inch tall: four vertical bars
    had filled half a page. `counts`: <x>, count."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.25 * len(counts) + 0.7))
    ax.barh(counts[x].astype(str), counts["count"], color=color, height=0.6)
    for y, n in enumerate(counts["count"]):
        ax.text(n, y, f" {int(n)}", va="center", fontsize=7)
    ax.set_xlim(0, 1.15 * counts["count"].max() if len(counts) else 1)
    ax.invert_yaxis()
    ax.set_ylabel(label)
    ax.set_xlabel("projects")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def _inside(box, points) -> bool:
    """Whether any of the display points (n x 2) lies in the box."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    x, y = points[:, 0], points[:, 1]
    return bool(((x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)).any())


def legend_collisions(fig: plt.Figure) -> list[str]:
    """What a figure's legends cover: tick labels of any axes, or plotted markers, line
    vertices, bars and points. Empty when every legend sits clear of the data and the axes.

    Laid out once to know where everything is (a draw without rendering: the positions are
    the same, and rasterising the figure here would be thrown away); boxes are in display
    units (matplotlib's get_window_extent)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    found = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            for label in ax.get_xticklabels() + ax.get_yticklabels():
                if label.get_visible() and label.get_text() and box.overlaps(label.get_window_extent(renderer)):
                    found.append(f"tick label {label.get_text()!r} of {ax.get_title() or 'an axes'}")
            for line in ax.get_lines():
                points = line.get_transform().transform(line.get_xydata())
                if _inside(box, points):
                    found.append(f"line {line.get_label()!r} of {ax.get_title() or 'an axes'}")
            for collection in ax.collections:
                if isinstance(collection.get_offset_transform(), IdentityTransform):
                    continue  # no markers: a filled band's offsets are a placeholder (0, 0) in pixels
                offsets = collection.get_offsets()
                if len(offsets) and _inside(box, collection.get_offset_transform().transform(offsets)):
                    found.append(f"markers {collection.get_label()!r} of {ax.get_title() or 'an axes'}")
            for patch in ax.patches:
                if patch.get_visible() and box.overlaps(patch.get_window_extent(renderer)):
                    found.append(f"bar {patch.get_label()!r} of {ax.get_title() or 'an axes'}")
    return sorted(set(found))


def member_heatmap(values: pd.DataFrame) -> plt.Figure:
    """Members (rows, the Alliance last) by mineral stage (columns), dependency annotated in percent,
    with a colour scale so the shades read without the numbers."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.26 * len(values) + 1.6))
    sns.heatmap(values, ax=ax, vmin=0, vmax=1, cmap="rocket_r", annot=True, fmt=".0%", annot_kws={"fontsize": 5.5}, linewidths=0.4, linecolor="white",
                cbar=True, cbar_kws={"label": "single-supplier dependency", "shrink": 0.6, "pad": 0.02})
    scale = ax.collections[0].colorbar
    scale.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    scale.ax.tick_params(labelsize=6.5)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.grid(False)  # a stage a member does not report stays blank
    ax.tick_params(axis="y", rotation=0, labelsize=7)
    ax.tick_params(axis="x", rotation=90, labelsize=6.5)
    ax.axhline(len(values) - 1, color="black", linewidth=1.2)  # the Alliance row apart
    fig.tight_layout()
    return fig


# --- markets, the stress test, finance (second version) --------------------------------------------


def price_lines(prices: pd.DataFrame, floors: pd.DataFrame) -> plt.Figure:
    """Annual prices, one panel per stage, with each floor drawn as a horizontal line in the price's unit from its `since` year.

    `prices`: panel, year, price, unit. `floors`: panel, label, value (in the panel's price unit), status, since.
    """
    panels = list(dict.fromkeys(prices["panel"]))
    cols = min(len(panels), 2)
    grid_rows = int(np.ceil(len(panels) / cols))
    fig, grid = plt.subplots(grid_rows, cols, figsize=(WIDTH, 1.1 * grid_rows + 0.25), squeeze=False)  # units differ: no shared y axis
    for ax in grid.flat[len(panels):]:
        ax.set_visible(False)
    axes = list(grid.flat[: len(panels)])
    for ax, panel in zip(axes, panels):
        part = prices[prices["panel"] == panel].sort_values("year")
        ax.plot(part["year"], part["price"], color=ALIGNED_COLOR, linewidth=2, marker="o", markersize=3, label="annual price")
        for f in floors[floors["panel"] == panel].itertuples():
            # a floor exists from its `since` year: drawn from there, never back over years it did not exist
            start, end = max(int(f.since), int(part["year"].min())), max(int(f.since), int(part["year"].max()))
            ax.hlines(f.value, start, end + (0.4 if start == end else 0), color="black", linestyle="-" if f.status == "in force" else ":", linewidth=1.1, label=f"floor {f.status}")
            ax.annotate(f.label, (start, f.value), xytext=(0, 2), textcoords="offset points", fontsize=6.5)
        ax.set_title(panel)
        ax.set_ylabel(part["unit"].iloc[0])
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
    _shared_legend(fig, axes, columns=3, bottom=0.08, second_row=0.04)
    return fig


def indexed_prices(index: pd.DataFrame) -> plt.Figure:
    """Prices across minerals indexed to the first year of each window (= 100). `index`: label, year, index."""
    fig, ax = plt.subplots(figsize=(WIDTH, 2.1))
    # colour, marker and dash all differ from one line to the next: two lines whose colours are
    # close (or printed in grey) are still told apart
    markers, dashes = ["o", "s", "D", "^", "v", "P", "X"], ["-", "--", "-.", ":"]
    for i, (label, line) in enumerate(index.groupby("label", sort=True)):
        ax.plot(line["year"], line["index"], color=PALETTE[i % len(PALETTE)], linewidth=1.6, linestyle=dashes[i % len(dashes)],
                marker=markers[i % len(markers)], markersize=3.5, label=label)
    ax.axhline(100, color=GREY, linewidth=0.8)
    ax.set_ylabel("index, first year = 100")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def member_vs_alliance(rows: pd.DataFrame, member: str) -> plt.Figure:
    """A member's dependency per mineral stage beside the Alliance's: where it stands apart.

    `rows`: label, value, alliance (labels in reading order)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.17 * len(rows) + 1.0))
    y = np.arange(len(rows))
    ax.hlines(y, rows["alliance"], rows["value"], color=LIGHT_GREY, linewidth=2)
    ax.scatter(rows["alliance"], y, color="black", s=14, zorder=3, label="Alliance")
    ax.scatter(rows["value"], y, color=ALIGNED_COLOR, s=18, zorder=3, label=member)
    ax.set_yticks(y, rows["label"])
    ax.tick_params(axis="y", labelsize=6.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    _percent(ax, "x")
    _shared_legend(fig, [ax], columns=2, bottom=0.1 if len(rows) > 8 else 0.18, second_row=0.0)
    return fig


def floor_cost_bars(costs: pd.DataFrame) -> plt.Figure:
    """The yearly cost of a price-gap payment at each floor, in million USD. `costs`: label, cost_musd, status."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(costs) + 1.2))
    colors = [ALIGNED_COLOR if s == "in force" else "#56B4E9" for s in costs["status"]]
    ax.barh(costs["label"], costs["cost_musd"].fillna(0.0), color=colors)
    for y, v in enumerate(costs["cost_musd"]):
        ax.text(0 if v != v else v, y, " no data" if v != v else f" {v:,.2f}", va="center", fontsize=7)
    largest = costs["cost_musd"].max(skipna=True)
    ax.set_xlim(0, 1.25 * largest if largest == largest and largest > 0 else 1)  # room for the label past the longest bar
    ax.invert_yaxis()
    ax.set_xlabel("million USD a year (dark: floor in force; light: proposed)")
    fig.tight_layout()
    return fig


def event_timeline(events: pd.DataFrame) -> plt.Figure:
    """Events as points on one time axis, one row per mineral, marked by kind. `events`: date (datetime), mineral, kind."""
    minerals = sorted(events["mineral"].unique())
    kinds = sorted(events["kind"].unique())
    markers = ["o", "s", "D", "^", "v", "P", "X", "*"]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.28 * len(minerals) + 1.3))
    # each kind on its own line within a mineral's row: events of different kinds on close dates
    # no longer sit on top of each other
    offset = 0.5 / max(len(kinds), 1)
    for i, kind in enumerate(kinds):
        part = events[events["kind"] == kind]
        rows = part["mineral"].map(minerals.index) + (i - (len(kinds) - 1) / 2) * offset
        ax.scatter(part["date"], rows, marker=markers[i % len(markers)], color=PALETTE[i % len(PALETTE)], s=22, label=kind, zorder=3, edgecolors="white", linewidths=0.4)
    ax.set_yticks(range(len(minerals)), minerals)
    ax.set_ylim(-0.6, len(minerals) - 0.4)
    ax.invert_yaxis()
    ax.legend(loc="lower center", ncol=4, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig


#: A dot's label: the member's ISO code, the EU's as "EU".
SHORT_CODES = {"EUU": "EU"}
#: How far apart two labels' centres must be, in shares of the 0-100% axis (three letters at 5.5 pt on the page's width, and a gap).
LABEL_WIDTH = 0.034


def spread_labels(values, width: float = LABEL_WIDTH, low: float = 0.0, high: float = 1.0) -> list[float]:
    """Where each value's label goes along the axis: as near its value as it can be with every
    two labels at least `width` apart, in the values' order, and all within [low, high]
    (dots that sit close together get labels side by side, each joined to its dot by a line).
    Returned in the order of `values`."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    x = [min(max(float(values[i]), low), high) for i in order]
    for k in range(1, len(x)):  # push right past the label before
        x[k] = max(x[k], x[k - 1] + width)
    if x and x[-1] > high:  # the last ones past the end: push back left
        x[-1] = high
        for k in range(len(x) - 2, -1, -1):
            x[k] = min(x[k], x[k + 1] - width)
    out = [0.0] * len(values)
    for k, i in enumerate(order):
        out[i] = x[k]
    return out


def lost_share_dots(lost: pd.DataFrame) -> plt.Figure:
    """Share of supply lost if the largest non-aligned supplier stopped: one row per stage, the
    Alliance as a black bar, each member as a dot labelled with its code (spread_labels puts
    the labels of dots that sit close together side by side, each joined to its dot).

    A row per stage rather than a bar per member: the members' losses sit close together, and
    what a reader needs is the Alliance's loss and the spread around it. The dots were not
    labelled: a reader could not tell which member was which.
    `lost`: stage, scope (member code), label, value (Alliance rows labelled "Alliance"), stages in reading order.
    """
    stages = list(dict.fromkeys(lost["stage"]))
    step = 1.1  # a stage's bar, its dots and their labels
    fig, ax = plt.subplots(figsize=(WIDTH, 0.26 * len(stages) * step + 0.7))
    for i, stage in enumerate(stages):
        y = i * step
        part = lost[lost["stage"] == stage]
        alliance = part[part["label"] == "Alliance"]["value"]
        members = part[part["label"] != "Alliance"].dropna(subset=["value"])
        if len(alliance):
            ax.barh(y, float(alliance.iloc[0]), height=0.35, color="black", label="Alliance" if i == 0 else None)
        dots = y - 0.32
        ax.scatter(members["value"], [dots] * len(members), s=16, color=COUNTRY_COLORS["CHN"], alpha=0.7, zorder=3, label="members (labelled by code)" if i == 0 else None)
        codes = members["scope"] if "scope" in members else members["label"]
        values = [float(v) for v in members["value"]]
        for value, code, at in zip(values, codes, spread_labels(values)):
            # the line leaves the label's bottom centre: clipping it around the label's box (annotate's
            # default) bisected the line against the box on every layout pass, a third of this chart's time
            ax.annotate(SHORT_CODES.get(code, code), (value, dots - 0.06), xytext=(at, dots - 0.36), textcoords="data", ha="center", va="bottom", fontsize=5.5, color="#333333",
                        arrowprops=dict(arrowstyle="-", color=GREY, linewidth=0.4, relpos=(0.5, 0), patchA=None, shrinkA=1.5, shrinkB=0))
    ax.set_yticks([i * step for i in range(len(stages))], [s.capitalize() for s in stages])
    ax.set_ylim((len(stages) - 1) * step + 0.3, -0.85)
    ax.set_xlim(-0.02, 1.02)  # a dot at 0% or 100% is drawn whole
    _percent(ax, "x")
    _shared_legend(fig, [ax], columns=2, bottom=0.22 if len(stages) == 1 else 0.16, second_row=0.0)
    return fig


def finance_bars(finance: pd.DataFrame) -> plt.Figure:
    """Capex and, inside it, public finance of the pipeline, in million USD. `finance`: label, capex_musd, public_finance_musd.

    A stage whose capex no project reports has no bar and says "not reported" (a 0 bar would claim a figure)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.22 * len(finance) + 1.0))
    ax.barh(finance["label"], finance["capex_musd"].fillna(0.0), color="#B3CDE3", label="capital expenditure")
    ax.barh(finance["label"], finance["public_finance_musd"].fillna(0.0), color=ALIGNED_COLOR, height=0.45, label="of which public finance")
    for y, v in enumerate(finance["capex_musd"]):
        if v != v:
            ax.text(0, y, " capex not reported", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("million USD")
    _thousands(ax)
    ax.legend(loc="lower center", ncol=2, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig


def outlook_fan(fan: pd.DataFrame, points: pd.DataFrame, lines: pd.DataFrame) -> plt.Figure:
    """Per stage: the outlook's fan of projected dependency (the band from the 10th to the 90th
    percentile of the draws, the median line), today's value, the on-time and best-case
    projections at the target year, and the target and ambition lines.

    `fan`: stage, year, p10, p50, p90. `points`: stage, case ('today', 'expected', 'best case'),
    year, value. `lines`: stage, kind ('target', 'ambition'), value. The band starts at today's
    value, where every draw starts."""
    stages = list(dict.fromkeys(fan["stage"]))
    fig, axes = plt.subplots(1, len(stages), figsize=(WIDTH, 2.7), squeeze=False, sharey=True)
    markers = {"today": ("o", COUNTRY_COLORS["CHN"], "today"), "expected": ("D", "black", "on time (status-weighted)"), "best case": ("*", ALIGNED_COLOR, "best case (all active projects in full)")}
    for ax, stage in zip(axes.flat, stages):
        band = fan[fan["stage"] == stage].sort_values("year")
        mark = points[points["stage"] == stage]
        start = mark[mark["case"] == "today"]
        years, low, mid, high = list(band["year"]), list(band["p10"]), list(band["p50"]), list(band["p90"])
        if len(start):
            years, low, mid, high = [int(start["year"].iloc[0])] + years, [float(start["value"].iloc[0])] + low, [float(start["value"].iloc[0])] + mid, [float(start["value"].iloc[0])] + high
        ax.fill_between(years, low, high, color=ALIGNED_COLOR, alpha=0.22, linewidth=0, label="10th to 90th percentile")
        ax.plot(years, mid, color=ALIGNED_COLOR, linewidth=1.6, label="median")
        for case, (marker, color, label) in markers.items():
            point = mark[mark["case"] == case]
            if len(point):
                ax.scatter(point["year"], point["value"], marker=marker, color=color, s=42 if marker == "*" else 20, zorder=4, label=label)
        for kind, style in (("target", "-"), ("ambition", ":")):
            level = lines[(lines["stage"] == stage) & (lines["kind"] == kind)]
            if len(level):
                ax.axhline(float(level["value"].iloc[0]), color="black", linestyle=style, linewidth=1.0, label=kind)
        ax.set_title(str(stage).capitalize())
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=4))
        _percent(ax)
    _shared_legend(fig, list(axes.flat), columns=3, bottom=0.14, second_row=0.06)
    return fig
