"""What a notebook works with: its slice of the snapshot, names, and the outputs it publishes.

A notebook makes one `Chapter` and publishes through it. Each output is a display output
with `review` metadata that says what it is (heading, text, figure, table), so the
assembler can turn an executed notebook into a clean chapter source without guessing:

- figures are PNGs written without time stamps, with a caption, alt text, an id, and
  their data as a CSV under `data/<chapter>/`;
- tables are Markdown pipe tables (read the same way by Quarto and Pandoc) with an HTML
  twin for notebook viewers, and their data as a CSV too;
- headings, text, captions and alt text are plain text: whatever a notebook passes (names
  and sources from the inputs included) is escaped into Markdown here, so it reads
  literally in every format. The only markup is what this class adds: the heading marks
  and ids, bullet lists (`bullets`), and cross-references made with `ref`;
- recorded values go through review.report.record.

Paths are relative to the working directory, which the build sets to the output folder.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from review.analysis.text import Markdown, markdown_text, spreadsheet_safe
from review.inputs import snapshot as _snapshot
from review.report import record as _record
from review.report.catalog import NOTEBOOKS
from review.report.markdown import HTML_ONLY_CLOSE, HTML_ONLY_OPEN, anchor, markdown_table
from review.report.record import REVIEW_KEY

#: How many sources a figure's source line names before it refers to the sources annex.
SOURCES_NAMED = 3
#: A figure caption with its source line in at most three printed lines of the PDF (about 130 characters each).
CAPTION_CHARS = 390


def country_names(tables: dict) -> dict[str, str]:
    """Country code -> the name the report prints (members' and partners' own names first):
    chapters and annex tables name countries the same way, never by code."""
    import pycountry

    names = {c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update({"XXX": "Other countries", "EUU": "European Union", "KOR": "Republic of Korea", "RUS": "Russia", "COD": "DR Congo", "VNM": "Viet Nam", "GBR": "United Kingdom", "USA": "United States"})
    for table in ("partners", "members"):
        if table in tables:
            names.update(dict(zip(tables[table]["code"], tables[table]["name"])))
    return names


#: The column that measures how much a row of each table weighs in what a figure draws (tonnes);
#: a table without one weighs by rows.
WEIGHT_COLUMNS = ("quantity_t", "capacity_t", "holdings_t", "consumption_t", "recycled_output_t", "verified_t")


def source_weights(frames: list[pd.DataFrame]) -> dict[str, float]:
    """Each source's share of what the frames draw, largest first (ties by name): within a frame,
    its share of the frame's tonnes (WEIGHT_COLUMNS, the first the frame has) or, without
    tonnes, of its rows; the frames' shares are added. A source the inputs mark illustrative
    (an `illustrative` column) is named with '(illustrative)'.

    The line was sorted by name, published sources first: the EU's import statistic (one
    member's rows, 8% of the tonnes) led every Alliance figure of rare earths."""
    from review.analysis.narrative import marked_illustrative
    from review.report.annexes import ILLUSTRATIVE_MARK

    weights: dict[str, float] = {}
    for frame in frames:
        if "source" not in frame.columns or frame.empty:
            continue
        flagged = marked_illustrative(frame)
        names = [
            source if (ILLUSTRATIVE_MARK in source.lower() or not marked) else f"{source} (illustrative)"
            for source, marked in zip(frame["source"].fillna("").astype(str), flagged)
        ]
        column = next((c for c in WEIGHT_COLUMNS if c in frame.columns), None)
        amounts = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).clip(lower=0.0) if column else pd.Series(1.0, index=frame.index)
        if float(amounts.sum()) <= 0:
            amounts = pd.Series(1.0, index=frame.index)
        share = pd.Series(amounts.to_numpy(), index=names).groupby(level=0).sum() / float(amounts.sum())
        for source, value in share.items():
            if source:
                weights[source] = weights.get(source, 0.0) + float(value)
    return dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])))


def constant_columns_in_caption(frame: pd.DataFrame, caption: str) -> tuple[pd.DataFrame, str]:
    """Columns with one value in every row leave the table and are said once in the caption.

    A table of two or more rows only (one row is its own statement), and never its first
    column, which names the rows. Example: 'Year end' 2025 in every row ->
    'Year end: 2025 for every row.' after the caption."""
    if len(frame) < 2:
        return frame, caption
    constant = [c for c in frame.columns[1:] if frame[c].astype(str).nunique() == 1]
    if not constant:
        return frame, caption
    said = "; ".join(f"{c}: {frame[c].iloc[0]}" for c in constant if str(frame[c].iloc[0]).strip())
    return frame.drop(columns=constant), f"{caption} {said} for every row." if said else caption


def _csv(frame: pd.DataFrame, path: Path) -> str:
    """A figure's or table's data as CSV; no text cell can start a spreadsheet formula."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spreadsheet_safe(frame).to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
    return path.as_posix()


def png_and_collisions(fig) -> tuple[bytes, list[str]]:
    """A figure as PNG (150 dpi, cropped tight, no time stamps) and its legend collisions, from one layout.

    `savefig(bbox_inches="tight")` lays the figure out to find its crop, and
    review.report.charts.legend_collisions lays it out to find where everything is; the crop
    is taken from the collision check's layout instead. That saves a layout pass, about a
    fifth of a chart's time, and gives the same bytes (tests/test_charts.py compares them)."""
    import matplotlib.pyplot as plt

    from review.report.charts import legend_collisions

    collisions = legend_collisions(fig)
    tight = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches=tight, metadata={"Software": None})
    return buffer.getvalue(), collisions


class Chapter:
    """One notebook's chapter: `Chapter("mineral", snapshot, mineral="lithium")`."""

    def __init__(self, notebook: str, snapshot: str, **parameters):
        from review.report.charts import use_house_style

        self.spec = NOTEBOOKS[notebook]
        self.value = parameters.get(self.spec.parameter) if self.spec.parameter else None
        self.id = self.spec.chapter_id(self.value)
        self.anchor = anchor(self.id)
        self.snapshot = Path(snapshot)
        self.config = _snapshot.read_config(self.snapshot)
        meta = _snapshot.read_meta(self.snapshot)
        self.edition = meta["edition"]
        self.previous_review = meta["previous_review"]
        self.tables = {}
        for read in self.spec.reads:
            self.tables[read.table] = _snapshot.read_table(self.snapshot, read.table, read.by, read.slice_keys(self.value))
        self.data_dir = Path("data") / self.id
        self._names = self._country_names()
        # Cross-references travel inside plain text (f-strings) as tokens only this chapter
        # knows, so that no text from the inputs can pass for one.
        self._ref_nonce = secrets.token_hex(8)
        self._ref_token = re.compile(f"\ue000{self._ref_nonce}:([\\w-]+)\ue001", re.ASCII)
        use_house_style()

    # --- names -----------------------------------------------------------------------

    def _country_names(self) -> dict[str, str]:
        return country_names(self.tables)

    def country(self, code: str) -> str:
        return self._names.get(code, code)

    def mineral(self, mineral_id: str) -> str:
        minerals = self.tables["minerals"]
        match = minerals[minerals["id"] == mineral_id]["name"]
        return match.iloc[0] if len(match) else mineral_id

    # --- outputs -----------------------------------------------------------------------

    def _display(self, data: dict, meta: dict) -> None:
        from IPython.display import display

        display({k: str(v) if isinstance(v, str) else v for k, v in data.items()}, raw=True, metadata={REVIEW_KEY: meta})

    def ref(self, kind: str, name: str) -> str:
        """A cross-reference to a figure ('fig') or table ('tbl') of this chapter, to put in the
        text given to `text` or `bullets` (it becomes "Figure 3.2" in the report)."""
        return f"\ue000{self._ref_nonce}:{kind}-{self.anchor}-{name}\ue001"

    def _markdown(self, text: str) -> Markdown:
        """Plain text as Markdown: escaped, but for the cross-references made by `ref`."""
        pieces = self._ref_token.split(str(text))  # text, id, text, id, ..., text
        return Markdown("".join(markdown_text(p) if i % 2 == 0 else f"@{p}" for i, p in enumerate(pieces)))

    def _plain(self, text: str) -> str:
        return self._ref_token.sub(r"@\1", str(text))

    def heading(self, title: str, level: int = 1, numbered: bool = True) -> None:
        """The chapter title (level 1, with the chapter's id) or a section heading; plain text."""
        ident = f"sec-{self.anchor}" if level == 1 else f"sec-{self.anchor}-{anchor(title)}"
        text = f"{'#' * level} {markdown_text(title)} {{#{ident}{'' if numbered else ' .unnumbered'}}}"
        self._display({"text/markdown": text, "text/plain": title}, {"kind": "heading", "level": level, "id": ident})

    def text(self, text: str) -> None:
        """A paragraph of plain text (names from the inputs and all), with `ref` cross-references."""
        self._display({"text/markdown": self._markdown(text), "text/plain": self._plain(text)}, {"kind": "text"})

    def bullets(self, items: list[str]) -> None:
        """A bullet list; each item is plain text, like `text`."""
        self._display(
            {"text/markdown": "\n".join(f"- {self._markdown(i)}" for i in items), "text/plain": "\n".join(f"- {self._plain(i)}" for i in items)},
            {"kind": "text"},
        )

    def source_line(self, tables: tuple, budget: int | None = None) -> str:
        """'Source: USGS MCS 2026; Illustrative sample data (not official statistics).': the
        `source` values of what a figure is drawn from, each a table this chapter read (by
        name) or the rows it draws (a DataFrame with a `source` column), in order of how much
        of the figure each draws (source_weights: its share of the tonnes, else of the rows),
        so a statistic of one member (the EU's imports) never leads a figure of the whole
        Alliance. A source the inputs mark illustrative says so. Sources are named while the
        line fits in `budget` characters (at least one is always named); the rest are
        counted and left to the sources annex, so a caption stays within three lines."""
        frames = [item if isinstance(item, pd.DataFrame) else self.tables.get(item) for item in tables]
        everything = list(source_weights([f for f in frames if f is not None]))
        named = everything[:SOURCES_NAMED]
        while budget is not None and len(named) > 1 and len("Source: " + "; ".join(named) + "; and 99 more (see the sources annex).") > budget:
            named = named[:-1]
        if len(named) < len(everything):
            named = named + [f"and {len(everything) - len(named)} more (see the sources annex)"]
        return f"Source: {'; '.join(named)}." if named else ""

    def figure(self, name: str, fig, caption: str, alt: str, data: pd.DataFrame, sources: tuple) -> None:
        """Publish a figure: PNG (no time stamps), caption with its source line, alt text, and its data as CSV.

        `sources` says what the figure draws (see `source_line`): the tables or rows behind
        its marks, never the chapter's other tables, so it has no default. The caption and
        its source line keep to CAPTION_CHARS (three printed lines). The figure's legend
        collisions (review.report.charts.legend_collisions) are kept in its metadata, so a
        test can check every chart a build draws."""
        import matplotlib.pyplot as plt

        ident = f"fig-{self.anchor}-{name}"
        source = self.source_line(sources, budget=CAPTION_CHARS - len(caption) - 1)
        caption = f"{caption} {source}".strip()
        png, collisions = png_and_collisions(fig)
        plt.close(fig)
        width, height = fig.get_size_inches()
        csv = _csv(data, self.data_dir / f"{ident}.csv")
        self._display(
            {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"Figure: {caption}"},
            {"kind": "figure", "id": ident, "caption": caption, "alt": alt, "data": csv, "width_in": round(float(width), 2), "legend_collisions": collisions},
        )

    def table(self, name: str, frame: pd.DataFrame, caption: str, right: tuple[str, ...] = (), data: pd.DataFrame | None = None, whole: tuple[str, ...] = ()) -> None:
        """Publish a table of display strings; `data` (default: the same frame) is written as CSV;
        the cells of `whole` columns (names) are not broken across lines in the book.

        A column with one value in every row (of two or more) goes from the shown table into
        the caption ('Year end: 2025 for every row.'): the CSV keeps it."""
        ident = f"tbl-{self.anchor}-{name}"
        csv = _csv(frame if data is None else data, self.data_dir / f"{ident}.csv")
        frame, caption = constant_columns_in_caption(frame, caption)
        self._display(
            {
                "text/markdown": markdown_table(frame, right, whole),
                "text/html": frame.to_html(index=False, escape=True, border=0),
                "text/plain": frame.to_string(index=False),
            },
            {"kind": "table", "id": ident, "caption": caption, "data": csv},
        )

    @contextmanager
    def html_only(self):
        """Outputs published inside stay in the HTML (and their CSVs) and out of the PDF: a
        `.content-visible when-format="html"` block, as Quarto reads it and the built-in
        renderer's filters/layout.lua does too."""
        fence = {"kind": "text"}  # the chapter's own markup, never input text: not escaped
        self._display({"text/markdown": HTML_ONLY_OPEN, "text/plain": ""}, fence)
        yield
        self._display({"text/markdown": HTML_ONLY_CLOSE, "text/plain": ""}, fence)

    def record(self, name: str, value) -> None:
        _record.record(name, value)
