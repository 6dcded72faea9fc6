"""The review's house style for charts: one seaborn theme, colour-blind-safe colours, one function per chart.

Colours are fixed per country and per status across every chart of the report (Okabe-Ito
and Paul Tol's muted palette, both safe for the common colour-vision deficiencies).
Every function takes tidy data and returns a matplotlib Figure; saving and captioning
belong to review.chapter.
"""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, PercentFormatter

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

PROJECT_STATUS_COLORS = dict(
    zip(
        ["announced", "feasibility", "permitting", "financing", "construction", "commissioning", "operating", "suspended", "cancelled"],
        ["#DCE9F5", "#B3CDE3", "#8CB3D9", "#5E96C6", "#2F79B5", "#0B559F", "#08306B", "#E69F00", "#D55E00"],
    )
)


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


def country_color(code: str) -> str:
    """The same colour for a country in every chart."""
    if code in COUNTRY_COLORS:
        return COUNTRY_COLORS[code]
    index = int(hashlib.sha256(code.encode()).hexdigest(), 16) % len(PALETTE)
    return PALETTE[index]


def _percent(ax, axis="y") -> None:
    fmt = PercentFormatter(1.0, decimals=0)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _shared_legend(fig: plt.Figure, axes, columns: int, bottom: float, second_row: float, order: list[str] | None = None) -> None:
    """One legend under all panels, each label once; room is made for a second row when it wraps.

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
    fig.legend(handles, names, loc="lower center", ncol=min(columns, len(names)), bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, bottom + second_row * (len(names) > columns), 1, 1))


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
    fig, axes = _facets(len(stages))
    for ax, stage in zip(axes, stages):
        part = shares[shares["stage"] == stage]
        wide = part.pivot_table(index="year", columns="origin", values="share", aggfunc="sum", sort=False).fillna(0.0)
        origins = list(dict.fromkeys(part["origin"]))
        labels = dict(zip(part["origin"], part["label"]))
        wide = wide[origins]
        colors = [_origin_color(o) for o in origins]
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


def _origin_color(origin: str) -> str:
    if origin == "aligned":
        return ALIGNED_COLOR
    if origin == "other":
        return GREY
    return country_color(origin)


def target_paths(series: pd.DataFrame, paths: pd.DataFrame, projections: pd.DataFrame) -> plt.Figure:
    """Small multiples: each target's Alliance series, its path, and the pipeline projection.

    `series`: panel, year, value. `paths`: panel, year, value, kind. `projections`: panel, year, value, kind ('projection', 'slip').
    """
    panels = list(dict.fromkeys(series["panel"]))
    fig, axes = _facets(len(panels), height=2.2)
    for ax, panel in zip(axes, panels):
        s = series[series["panel"] == panel]
        ax.plot(s["year"], s["value"], color=COUNTRY_COLORS["CHN"], linewidth=2, marker="o", markersize=2.5, label="dependency")
        for kind, style in (("target", "-"), ("ambition", ":")):
            p = paths[(paths["panel"] == panel) & (paths["kind"] == kind)]
            if len(p):
                ax.plot(p["year"], p["value"], style, color="black", linewidth=1.1, label=f"{kind} path")
        pr = projections[projections["panel"] == panel]
        for kind, marker in (("projection", "D"), ("slip", "x")):
            point = pr[pr["kind"] == kind]
            if len(point):
                ax.scatter(point["year"], point["value"], marker=marker, color=ALIGNED_COLOR, s=22, zorder=3, label="projection, best case" if kind == "projection" else "slip case (every project a year late)")
        ax.set_title(panel)
        ax.set_ylim(0, 1)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
        _percent(ax)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=5, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def world_shares(shares: pd.DataFrame) -> plt.Figure:
    """Each producer's share of world production in the latest year, one panel per stage.

    `shares`: stage, label (country name), country, share.
    """
    stages = list(dict.fromkeys(shares["stage"]))
    fig, axes = plt.subplots(1, len(stages), figsize=(WIDTH, 0.25 * shares.groupby("stage").size().max() + 1.1), squeeze=False)
    for ax, stage in zip(axes.flat, stages):
        part = shares[shares["stage"] == stage]
        ax.barh(part["label"], part["share"], color=[country_color(c) for c in part["country"]])
        ax.invert_yaxis()
        ax.set_title(stage.capitalize())
        ax.set_xlim(0, 1)
        _percent(ax, "x")
    fig.tight_layout()
    return fig


def capacity_by_status(capacity: pd.DataFrame, group: str) -> plt.Figure:
    """Horizontal stacked bars of project capacity by status. `capacity`: <group>, status, capacity_t."""
    wide = capacity.pivot_table(index=group, columns="status", values="capacity_t", aggfunc="sum").fillna(0.0)
    statuses = [s for s in PROJECT_STATUS_COLORS if s in wide.columns]
    wide = wide[statuses]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.35 * len(wide) + 1.3))
    left = np.zeros(len(wide))
    for status in statuses:
        ax.barh(wide.index, wide[status], left=left, color=PROJECT_STATUS_COLORS[status], label=status)
        left += wide[status].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("capacity, t a year")
    _thousands(ax)
    ax.legend(loc="lower center", ncol=5, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig


def projection_bars(points: pd.DataFrame, target: float | None) -> plt.Figure:
    """Dependency today, projected, and projected if projects slip, against the target. `points`: stage, label, value."""
    stages = list(dict.fromkeys(points["stage"]))
    fig, axes = plt.subplots(1, len(stages), figsize=(WIDTH, 2.4), squeeze=False, sharey=True)
    colors = [COUNTRY_COLORS["CHN"], ALIGNED_COLOR, "#56B4E9"]
    for ax, stage in zip(axes.flat, stages):
        part = points[points["stage"] == stage]
        ax.bar(part["label"], part["value"], color=colors[: len(part)])
        if target is not None:
            ax.axhline(target, color="black", linewidth=1.1, label="target")
        for x, v in enumerate(part["value"]):
            ax.text(x, v + 0.02, f"{v:.0%}", ha="center", fontsize=7.5)
        ax.set_title(stage.capitalize())
        ax.set_ylim(0, 1.05)
        ax.tick_params(axis="x", labelsize=7)
        _percent(ax)
    fig.tight_layout()
    return fig


def cover_bars(cover: pd.DataFrame, label: str) -> plt.Figure:
    """Stockpile cover in days with each bar's target. `cover`: <label>, value, target_days."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(cover) + 1.2))
    ax.barh(cover[label], cover["value"], color=ALIGNED_COLOR, label="cover, days")
    targets = cover.dropna(subset=["target_days"])
    ax.scatter(targets["target_days"], targets[label], marker="|", s=260, color="black", linewidths=2, zorder=3, label="target")
    ax.invert_yaxis()
    ax.set_xlabel("days of consumption")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def share_lines(shares: pd.DataFrame, targets: pd.DataFrame, panel: str = "panel") -> plt.Figure:
    """Shares over time per scope (the Alliance bold), one panel each, with target markers.

    `shares`: <panel>, scope, year, value. `targets`: <panel>, year, value.
    """
    panels = list(dict.fromkeys(shares[panel]))
    fig, axes = _facets(len(panels), height=2.3)
    for ax, name in zip(axes, panels):
        part = shares[shares[panel] == name]
        for scope, line in part.groupby("scope", sort=True):
            bold = scope == "Alliance"
            ax.plot(line["year"], line["value"], color="black" if bold else country_color(line["code"].iloc[0]), linewidth=2.2 if bold else 0.9, alpha=1 if bold else 0.75, label=scope)
        t = targets[targets[panel] == name]
        if len(t):
            ax.scatter(t["year"], t["value"], marker="*", s=60, color=COUNTRY_COLORS["CHN"], zorder=3, label="target")
        ax.set_title(name)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
        _percent(ax)
    _shared_legend(fig, axes, columns=6, bottom=0.06, second_row=0.04)
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


def count_bars(counts: pd.DataFrame, x: str, color: str = ALIGNED_COLOR) -> plt.Figure:
    """Vertical bars of counts. `counts`: <x>, count."""
    fig, ax = plt.subplots(figsize=(WIDTH * 0.7, 2.3))
    ax.bar(counts[x].astype(str), counts["count"], color=color)
    ax.set_ylabel("projects")
    ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


# --- markets, the stress test, finance (second version) --------------------------------------------


def price_lines(prices: pd.DataFrame, floors: pd.DataFrame) -> plt.Figure:
    """Annual prices, one panel per stage, with each floor drawn as a horizontal line in the price's unit.

    `prices`: panel, year, price, unit. `floors`: panel, label, value (in the panel's price unit), status.
    """
    panels = list(dict.fromkeys(prices["panel"]))
    cols = min(len(panels), 2)
    grid_rows = int(np.ceil(len(panels) / cols))
    fig, grid = plt.subplots(grid_rows, cols, figsize=(WIDTH, 2.4 * grid_rows), squeeze=False)  # units differ: no shared y axis
    for ax in grid.flat[len(panels):]:
        ax.set_visible(False)
    axes = list(grid.flat[: len(panels)])
    for ax, panel in zip(axes, panels):
        part = prices[prices["panel"] == panel].sort_values("year")
        ax.plot(part["year"], part["price"], color=ALIGNED_COLOR, linewidth=2, marker="o", markersize=3, label="annual price")
        for f in floors[floors["panel"] == panel].itertuples():
            ax.axhline(f.value, color="black", linestyle="-" if f.status == "in force" else ":", linewidth=1.1, label=f"floor {f.status}")
            ax.annotate(f.label, (part["year"].min(), f.value), xytext=(0, 2), textcoords="offset points", fontsize=6.5)
        ax.set_title(panel)
        ax.set_ylabel(part["unit"].iloc[0])
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
    _shared_legend(fig, axes, columns=3, bottom=0.08, second_row=0.04)
    return fig


def indexed_prices(index: pd.DataFrame) -> plt.Figure:
    """Prices across minerals indexed to the first year of each window (= 100). `index`: label, year, index."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    for i, (label, line) in enumerate(index.groupby("label", sort=True)):
        ax.plot(line["year"], line["index"], color=PALETTE[i % len(PALETTE)], linewidth=1.6, marker="o", markersize=2.5, label=label)
    ax.axhline(100, color=GREY, linewidth=0.8)
    ax.set_ylabel("index, first year = 100")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def floor_cost_bars(costs: pd.DataFrame) -> plt.Figure:
    """The yearly cost of a price-gap payment at each floor, in million USD. `costs`: label, cost_musd, status."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(costs) + 1.2))
    colors = [ALIGNED_COLOR if s == "in force" else "#56B4E9" for s in costs["status"]]
    ax.barh(costs["label"], costs["cost_musd"].fillna(0.0), color=colors)
    for y, v in enumerate(costs["cost_musd"]):
        ax.text(0 if v != v else v, y, " no data" if v != v else f" {v:,.2f}", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("million USD a year (dark: floor in force; light: proposed)")
    fig.tight_layout()
    return fig


def event_timeline(events: pd.DataFrame) -> plt.Figure:
    """Events as points on one time axis, one row per mineral, marked by kind. `events`: date (datetime), mineral, kind."""
    minerals = sorted(events["mineral"].unique())
    kinds = sorted(events["kind"].unique())
    markers = ["o", "s", "D", "^", "v", "P", "X", "*"]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.35 * len(minerals) + 1.6))
    for i, kind in enumerate(kinds):
        part = events[events["kind"] == kind]
        ax.scatter(part["date"], part["mineral"].map(minerals.index), marker=markers[i % len(markers)], color=PALETTE[i % len(PALETTE)], s=30, label=kind, zorder=3)
    ax.set_yticks(range(len(minerals)), minerals)
    ax.set_ylim(-0.6, len(minerals) - 0.4)
    ax.invert_yaxis()
    ax.legend(loc="lower center", ncol=4, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig


def lost_share_bars(lost: pd.DataFrame) -> plt.Figure:
    """Share of supply lost if the largest non-aligned supplier stopped, one panel per stage. `lost`: stage, label, value."""
    stages = list(dict.fromkeys(lost["stage"]))
    fig, axes = plt.subplots(1, len(stages), figsize=(WIDTH, 0.28 * lost.groupby("stage").size().max() + 1.2), squeeze=False, sharex=True)
    for ax, stage in zip(axes.flat, stages):
        part = lost[lost["stage"] == stage]
        ax.barh(part["label"], part["value"], color=[("black" if label == "Alliance" else COUNTRY_COLORS["CHN"]) for label in part["label"]])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(stage.capitalize())
        _percent(ax, "x")
    fig.tight_layout()
    return fig


def finance_bars(finance: pd.DataFrame) -> plt.Figure:
    """Capex and, inside it, public finance of the pipeline, in million USD. `finance`: label, capex_musd, public_finance_musd."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(finance) + 1.3))
    ax.barh(finance["label"], finance["capex_musd"], color="#B3CDE3", label="capital expenditure")
    ax.barh(finance["label"], finance["public_finance_musd"], color=ALIGNED_COLOR, height=0.45, label="of which public finance")
    ax.invert_yaxis()
    ax.set_xlabel("million USD")
    _thousands(ax)
    ax.legend(loc="lower center", ncol=2, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig
