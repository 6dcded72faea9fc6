"""Assembling the book: executed notebooks and templates -> a Quarto book project in OUT/book/.

An executed notebook becomes a clean chapter source that Quarto and Pandoc read the same
way: no code, no injected-parameters cell, no recorded values; headings and text as
Markdown, figures as PNG files with an id, a caption and alt text, tables as pipe tables
with captions. Each chapter ends, in the HTML, with links to its executed notebook and to
the CSV data of its figures and tables (in the PDF the links would lead nowhere, and the
reproducibility annex lists every notebook). The book's `_quarto.yml` (the repository's shared settings
plus this cycle's title and chapter list) is also what the built-in renderer reads for
the order of chapters.
"""

from __future__ import annotations

import base64
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from review.analysis.text import Markdown, markdown_code, markdown_text
from review.inputs.fsutil import copy_file
from review.inputs.paths import PACKAGE, shipped
from review.report.markdown import HTML_ONLY_CLOSE, HTML_ONLY_OPEN, anchor
from review.report.record import data_files, published_outputs
from review.report.render import BANNER_HTML, HTML_PROFILE

TEMPLATES = PACKAGE / "templates"
PARTS = {"minerals": "Minerals", "members": "Members", "themes": "Themes"}
BOOK_ASSETS = ("brand", "filters", "styles", "typst")
#: The PDF's text width (A4 less the 2.2 cm margins of _quarto.yml): a figure drawn this wide
#: in matplotlib fills the text width, a narrower one keeps its proportion, in both renderers.
TEXT_WIDTH_IN = 6.54
SAMPLE_BANNER = "Illustrative sample data"


@dataclass
class Chapter:
    name: str  # the file stem in the book: overview, mineral-rare-earths, ...
    part: str  # front, summary, minerals, members, themes, profiles (HTML only), annexes


def _joined(value) -> str:
    """A notebook's multi-line string, which the .ipynb JSON may store as a list of lines."""
    return "".join(value) if isinstance(value, list) else value


def data_link(path: str) -> str:
    """The link under a figure or table to the CSV it shows (HTML only: in the PDF it would
    lead nowhere; the reproducibility annex says where the data are)."""
    return f"{HTML_ONLY_OPEN}\n[*Data:* {markdown_code(Path(path).name)}]({path}){{.data-link}}\n{HTML_ONLY_CLOSE}"


def chapter_source(nb, name: str, book: Path, numbered: bool = True) -> str:
    """The Markdown of one chapter; its figures are written to `book/figures/`.

    Figures and tables get an id, and so a number, only where every format shows them:
    both renderers number only those with one. Not with `numbered=False` (At a glance,
    before the first chapter, where a number would be "Figure 1" in one renderer and
    "Figure 0.1" in the other), nor inside an HTML-only block (numbered in the HTML only,
    they shifted every later number of the chapter between the HTML and the PDF)."""
    blocks: list[str] = []
    shown_everywhere = True  # False inside an HTML-only block: its figures and tables are not numbered
    # Only published outputs: markdown cells document the notebook for its readers, and
    # recorded values, stray prints and warnings stay in the notebook.
    for meta, output in published_outputs(nb):
        data = output["data"]
        if meta["kind"] in ("heading", "text"):
            text = _joined(data["text/markdown"])
            shown_everywhere = {HTML_ONLY_OPEN: False, HTML_ONLY_CLOSE: True}.get(text, shown_everywhere)
            blocks.append(text)
        elif meta["kind"] == "figure":
            target = book / "figures" / f"{meta['id']}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(_joined(data["image/png"])))
            width = min(100, round(100 * meta.get("width_in", TEXT_WIDTH_IN) / TEXT_WIDTH_IN))
            ident = f"#{meta['id']} " if numbered and shown_everywhere else ""
            blocks.append(f'![{markdown_text(meta["caption"])}](figures/{meta["id"]}.png){{{ident}fig-alt="{markdown_text(meta["alt"])}" width="{width}%"}}')
            blocks.append(data_link(meta["data"]))
        elif meta["kind"] == "table":
            blocks.append(f'{_joined(data["text/markdown"])}\n\n: {markdown_text(meta["caption"])}' + (f' {{#{meta["id"]}}}' if numbered and shown_everywhere else ""))
            blocks.append(data_link(meta["data"]))
    # Links to files inside the book project (write_book places them there), which both
    # renderers publish beside the report: see RESOURCES.
    footer = f"*Executed notebook:* [{markdown_code(f'notebooks/{name}.ipynb')}](notebooks/{name}.ipynb)."
    blocks.append(f"{HTML_ONLY_OPEN}\n{footer}\n{HTML_ONLY_CLOSE}")
    return "\n\n".join(blocks) + "\n"


def quarto_config(title: str, subtitle: str, date: str, chapters: list[Chapter]) -> dict:
    """The repository's shared `_quarto.yml` plus this cycle's title and chapter list."""
    import yaml

    config = yaml.safe_load(shipped("_quarto.yml").read_text())
    listing: list = ["index.qmd"]
    for part in ("summary", "minerals", "members", "themes"):
        files = [f"{c.name}.qmd" for c in chapters if c.part == part]
        if files:
            listing += files if part == "summary" else [{"part": PARTS[part], "chapters": files}]
    # Quarto reads metadata strings as Markdown: the title comes from review.yml, so it is
    # escaped like any text from the inputs (the built-in renderer reads the same values).
    config["project"]["render"] = [f"{c.name}.qmd" for c in chapters if c.part != "profiles"]  # never the notebooks under notebooks/
    config["book"].update(
        {
            "title": str(markdown_text(title)),
            "subtitle": str(markdown_text(subtitle)),
            "date": date,
            "chapters": listing,
            "appendices": [f"{c.name}.qmd" for c in chapters if c.part == "annexes"],
        }
    )
    return config


def html_profile(chapters: list[Chapter]) -> dict:
    """The book's `_quarto-html.yml`: the member profiles, HTML-only chapters (the PDF has each
    member's table in the comparative chapter). Quarto appends a profile's lists to the base
    settings', so they come last, with no part heading, and every chapter, figure and table
    before them has the same number in the HTML and the PDF; the PDF, rendered with another
    profile, has no empty chapter for them. `html` is the book's default profile."""
    files = [f"{c.name}.qmd" for c in chapters if c.part == "profiles"]
    return {"project": {"render": files}, "book": {"chapters": files}} if files else {}


def write_book(book: Path, out: Path, results, snapshot_dir: Path, identity: dict) -> list[Chapter]:
    """Write the whole book project into `book`; returns its chapters in reading order."""
    import yaml

    from review.inputs import snapshot as snap
    from review.report.annexes import annex_sources, render_template
    from review.report.catalog import NOTEBOOKS

    book.mkdir(parents=True, exist_ok=True)
    config = snap.read_config(snapshot_dir)
    edition = snap.edition(snapshot_dir)
    chapters = [Chapter("index", "front")]
    front = []  # the "At a glance" page: the top of the first page of the book, before the contents
    for result in results:
        notebook = out / "notebooks" / f"{result.name}.ipynb"
        nb = json.loads(notebook.read_text())  # our own output: no need to validate it again
        front_page = NOTEBOOKS[result.notebook].part == "front"
        source = chapter_source(nb, result.name, book, numbered=not front_page)
        if front_page:
            front.append(f"::: {{#{result.name} .glance}}\n\n{source}\n:::\n\n")
        else:
            (book / f"{result.name}.qmd").write_text(source)
            chapters.append(Chapter(result.name, NOTEBOOKS[result.notebook].part))
        for linked in (notebook.relative_to(out).as_posix(), *data_files(nb)):  # what the chapter links to
            copy_file(out / linked, book / linked)
    annexes, notice = annex_sources(snapshot_dir, identity)
    for name, text in annexes.items():
        (book / f"{name}.qmd").write_text(text)
        chapters.append(Chapter(name, "annexes"))
    first = {part: next((c.name for c in chapters if c.part == part), "overview") for part in ("minerals", "members")}
    edition_label = f"{edition} edition"
    (book / "index.qmd").write_text(
        "".join(front)
        + render_template(
            "about.md.j2",
            title=config.title,
            cycle=config.cycle,
            previous_cycle=config.previous_cycle,
            edition=edition,
            edition_label=edition_label,
            date=identity["date"],
            illustrative=notice,
            first_mineral=Markdown(anchor(first["minerals"])),
            first_member=Markdown(anchor(first["members"])),
        )
    )
    subtitle = f"Annual review {config.cycle} · {edition_label}"
    settings = quarto_config(config.title, subtitle, identity["date"], chapters)
    banner = f"{SAMPLE_BANNER} · " if notice else ""
    if notice:  # every page of a sample build says so: the PDF's running header and the top of each HTML page
        settings["banner"] = SAMPLE_BANNER
        (book / BANNER_HTML).write_text(f'<div class="sample-banner" role="note">{SAMPLE_BANNER}: not official statistics</div>\n')
        settings["format"]["html"]["include-before-body"] = BANNER_HTML
    (book / "_quarto.yml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    (book / HTML_PROFILE).write_text(yaml.safe_dump(html_profile(chapters), sort_keys=False, allow_unicode=True))
    for folder in BOOK_ASSETS:
        shutil.copytree(TEMPLATES / folder, book / folder, dirs_exist_ok=True)
    (book / "typst").mkdir(exist_ok=True)
    # Quarto's book template sets the page header itself, so the line goes in the page's
    # background, above the header, where no template setting replaces it: every page.
    (book / "typst" / "header.typ").write_text(
        f'#set page(background: align(top + right, pad(top: 0.9cm, right: 2.2cm, text(size: 8pt, font: "DejaVu Sans", fill: rgb("#8A4B00"))[{banner}Alliance Review {config.cycle} · {edition_label}])))\n'
    )
    return chapters
