"""End to end: the shipped sample cycles, built as `make report` builds them (2025, then 2026)."""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest
from conftest import SAMPLE

from review.analysis.text import markdown_text
from review.audit import manifest as manifest_mod
from review.build.pipeline import BuildRequest, build

#: The tables' type size in the PDF (templates/pandoc/report.typ), which picks table text out of a page.
TABLE_TEXT_PT = 7.6


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    """The shipped sample, built once for every test of this module as `make report` builds it: 2025, then 2026."""
    outputs = tmp_path_factory.mktemp("sample") / "outputs"
    previous = build(BuildRequest(inputs=SAMPLE / "2025", outputs=outputs, renderer="pandoc", formats=("html",)))
    assert (previous.out / "report" / "index.html").is_file()
    return build(BuildRequest(inputs=SAMPLE, outputs=outputs, renderer="pandoc"))


@pytest.mark.slow
def test_the_sample_review_builds_end_to_end(sample_build):
    outcome = sample_build
    out = outcome.out
    members = pd.read_csv(SAMPLE / "members.csv")
    minerals = pd.read_csv(SAMPLE / "minerals.csv")
    # at a glance, overview, one per mineral, members compared, one per member, four themes
    assert len(outcome.results) == 1 + 1 + len(minerals) + 1 + len(members) + 4
    assert (out / "notebooks" / "mineral-rare-earths.ipynb").is_file() and (out / "notebooks" / "member-JPN.ipynb").is_file()
    manifest = manifest_mod.read(out)
    records = {j["name"]: j["records"] for j in manifest["jobs"]}
    assert records["mineral-rare-earths"]["dependency_refining_2026"] == pytest.approx(0.743, abs=0.001)  # calibrated to published import shares (inputs/README.md)
    assert records["projects"]["projects"] >= 40
    # "since the last review" compares with the 2025 review built just before, and finds changes
    overview = records["overview"]
    assert overview["since_last_review_available"] is True
    assert sum(v for k, v in overview.items() if k.startswith("since_last_review_") and k not in ("since_last_review_available", "since_last_review_unchanged")) > 0
    text = subprocess.run(["pdftotext", str(out / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for name in list(minerals["name"]) + list(members["name"]):
        assert name in text, name
    assert "Scorecard" in text and "Annex" in text
    html = "".join(page.read_text() for page in (out / "report").glob("*.html"))  # one page per chapter
    assert html.count("<img") >= 60
    # the same outlook drawn at a glance and in the rare-earths chapter counts the same sources
    # (At a glance counted every mineral's projects: 15 sources against the chapter's 13)
    def source_of(page: str, figure: str) -> str:
        caption = next(line for line in (out / "book" / page).read_text().splitlines() if f"(figures/{figure}.png)" in line)
        return re.search(r"Source\\: (.*?)\]\(figures/", caption).group(1)

    assert source_of("index.qmd", "fig-glance-founding") == source_of("mineral-rare-earths.qmd", "fig-mineral-rare-earths-outlook")
    # the traceability table counts the sources of what it shows: its own rows and the sourcing of
    # the mineral stages it covers, not every mineral's sourcing ("and 7 more" where 6 was right)
    caption = next(line for line in (out / "book" / "markets.qmd").read_text().splitlines() if line.startswith(": Share of sourcing with verified origin"))
    listed = re.sub(r"\\(.)", r"\1", caption).split("Source: ", 1)[1].split(". Year:")[0]
    named = listed.split("; and ")[0].count("; ") + 1
    more = int(re.search(r"and (\d+) more", listed).group(1)) if "more (see" in listed else 0
    traced = pd.read_csv(SAMPLE / "traceability.csv")
    sourcing = pd.read_csv(SAMPLE / "dependency.csv").merge(traced[["mineral", "stage"]].drop_duplicates())
    assert named + more == len(set(traced["source"]) | set(sourcing["source"])), listed
    # the sources annex names the sources of every input table that gives them, demand scenarios too
    annex = (out / "book" / "sources.qmd").read_text().replace("\xa0", " ")  # no-break spaces before units
    for source in pd.read_csv(SAMPLE / "demand.csv")["source"]:
        assert markdown_text(source) in annex, source


def overprinted_table_rows(pdf_path, size: float = TABLE_TEXT_PT) -> list[str]:
    """Rows of table text (characters of the tables' type size on one line) where two
    neighbouring characters overlap by more than a fifth of the type size, or stand apart by
    more than glyph spacing but less than a word space (text of two cells touching), and
    characters past the page's right margin (a hash that does not wrap)."""
    import pdfplumber

    found = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            lines: dict[int, list] = {}
            for c in page.chars:
                if abs(c["size"] - size) < 0.3 and c["text"].strip():
                    lines.setdefault(round(c["top"]), []).append(c)
            for row in lines.values():
                row.sort(key=lambda c: c["x0"])
                text = "".join(c["text"] for c in row)
                for a, b in zip(row, row[1:]):
                    overlap = a["x1"] - b["x0"]
                    if overlap > 0.2 * size:  # more than any kerning pair (y. and r, kern by about 0.15 em)
                        found.append(f"page {page.page_number}: overprinted {text!r}")
                        break
                    if 0.3 < -overlap < 0.2 * size and a["text"] not in "-/":  # wider than kerning (a hyphen kerns wider), narrower than a space
                        found.append(f"page {page.page_number}: cells touching {text!r}")
                        break
            past = [c["text"] for c in page.chars if c["x1"] > page.width - 28]  # 28 pt: 1 cm from the edge, past the 2.2 cm margin
            if past:
                found.append(f"page {page.page_number}: text past the margin {''.join(past)!r}")
    return found


@pytest.mark.slow
def test_no_table_text_overprints_in_the_sample_pdf(sample_build):
    assert overprinted_table_rows(sample_build.out / "report" / "alliance-review-2026.pdf") == []


@pytest.mark.slow
def test_no_legend_covers_tick_labels_or_data_in_any_chart_of_the_sample(sample_build):
    """Every figure the build drew carries its legend collisions (review.report.charts.legend_collisions)."""
    import json

    from review.report.record import published_outputs

    figures = 0
    collisions = {}
    for path in sorted((sample_build.out / "notebooks").glob("*.ipynb")):
        for meta, _ in published_outputs(json.loads(path.read_text())):
            if meta["kind"] == "figure":
                figures += 1
                if meta["legend_collisions"]:
                    collisions[meta["id"]] = meta["legend_collisions"]
    assert figures >= 60
    assert collisions == {}


@pytest.mark.slow
def test_the_sample_pdf_opens_with_the_answer_and_says_it_is_a_sample(sample_build):
    text = subprocess.run(["pdftotext", "-layout", str(sample_build.out / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    # the whole review in at most 50 pages (74 before issue 22), with no page left near-empty
    # but the cover and the last: every other page holds at least 10 lines
    pages = pages[:-1] if not pages[-1].strip() else pages
    assert len(pages) <= 50, len(pages)
    lines = [sum(1 for line in page.splitlines() if line.strip()) for page in pages]
    assert min(lines[1:-1]) >= 10, lines
    # the first two pages after the cover: the answer (the chance per founding stage) and a line per pillar to decide on
    assert "At a glance" in pages[1] and "Chance of meeting the 60.0% target by 2030" in pages[1] and "founding target" in pages[1]
    first_two = pages[1] + pages[2]
    for pillar in ("For the High-Level Group", "Diversification", "Projects that matter most", "Stockpiles", "Recycling", "Markets", "Traceability", "Targets still to set"):
        assert pillar in first_two, pillar
    assert "Contents" in pages[3] and "Contents" not in first_two
    assert all("Illustrative sample data" in page for page in pages[1:] if page.strip())
    html = (sample_build.out / "report" / "index.html").read_text()
    assert html.index('class="sample-banner"') < html.index(">At a glance<")
