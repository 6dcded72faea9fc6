"""The rendered report: HTML checked in headless Chromium, PDF checked with poppler and pdfplumber."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import CHROMIUM, launch_chromium, read_book, run_review, serving

from review.report.markdown import HTML_ONLY_CLOSE, HTML_ONLY_OPEN

OUT = Path("2026") / "public"


def chapter_headings(book: Path) -> dict[str, str]:
    """id -> title of every chapter's level-1 heading, in the book's order (the HTML's: with
    the HTML-only chapters that the book's default profile, _quarto-html.yml, appends)."""
    from review.report.render import book_settings, reading_order

    files = [name for _, name in reading_order(book_settings(book))]
    found = {}
    for name in files:
        match = re.search(r"^# (.+?) \{.*?#(sec-[\w-]+).*?\}", (book / name).read_text(), re.M)
        assert match, name
        found[match.group(2)] = re.sub(r"\\(.)", r"\1", match.group(1))  # as the reader sees it: escapes undone
    return found


@pytest.fixture(scope="module")
def book(tiny_build):
    """Every page of the built-in renderer's HTML book, as Chromium shows it from disk."""
    _, outputs, _ = tiny_build
    return read_book(outputs / OUT / "report")


def test_html_book_opens_from_disk_without_errors_or_failed_requests(book, tiny_build):
    """A page opened from disk (file://) shows its text, figures and contents and asks for
    nothing outside the report folder: the search waits for `review serve` and says so."""
    _, outputs, _ = tiny_build
    report = (outputs / OUT / "report").resolve()
    assert book["errors"] == [] and book["failed"] == []
    assert all(u.startswith("file://") and Path(u[len("file://"):].split("#")[0]).resolve().is_relative_to(report) for u in book["requests"])
    index = book["pages"]["index.html"]
    assert "Annual review 2026" in index["text"] and "At a glance" in index["main"]
    assert "Search works when the report is served" in index["text"]
    assert len(book["pages"]) > 10  # one page per chapter


def test_every_image_loaded_with_alt_text(book, tiny_build):
    images = [img for page in book["pages"].values() for img in page["images"]]
    _, outputs, _ = tiny_build
    # the HTML shows every figure, those in HTML-only blocks (the member profiles, a mineral's recycling chart) too
    figures = sum(p.read_text().count("![") for p in (outputs / OUT / "book").glob("*.qmd"))
    assert len(images) == figures > 5
    for img in images:
        assert img["ok"]
        assert len(img["alt"]) > 20 and not img["alt"].startswith("Figure")


def test_every_chapter_is_in_every_pages_contents(book, tiny_build):
    """The sidebar on each page lists every chapter, each link leading to its page and heading."""
    _, outputs, _ = tiny_build
    chapters = chapter_headings(outputs / OUT / "book")
    for name, page in book["pages"].items():
        targets = {href.partition("#")[2]: href.partition("#")[0] for href in page["toc"]}
        for ident in chapters:
            assert ident in targets, (name, ident)
            assert ident in book["pages"][targets[ident] or name]["ids"], (name, ident)


def test_every_cross_reference_resolves(book):
    links = [(name, href, text) for name, page in book["pages"].items() for href, text, in_text in page["links"] if in_text and ".html" in href or href.startswith("#")]
    assert len(links) > 20
    for name, href, _ in links:
        target, _, ident = href.partition("#")
        assert target in ("", *book["pages"]) and (not ident or ident in book["pages"][target or name]["ids"]), (name, href)
    texts = [t for _, _, t in links]
    assert any(re.fullmatch(r"Figure \d+\.\d+", t) for t in texts)
    assert any(re.fullmatch(r"Table \d+\.\d+", t) for t in texts)
    assert any(re.fullmatch(r"Chapter \d+", t) for t in texts) and any(re.fullmatch(r"Annex [A-D]", t) for t in texts)
    assert not any(t.startswith("@") for t in texts) and not any("@fig-" in page["text"] for page in book["pages"].values())


@pytest.mark.parametrize("width", [1400, 800])
def test_search_over_review_serve_finds_a_mineral_on_its_chapter_page(tiny_build, width):
    """Served on 127.0.0.1 (browsers refuse the search's fetches on file://), the search box
    finds a mineral by name and its first result is the mineral's chapter; nothing is
    asked of another host and nothing fails."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    _, outputs, _ = tiny_build
    with serving(outputs / OUT) as address, sync_playwright() as p:
        browser = launch_chromium(p)
        tab = browser.new_page(viewport={"width": width, "height": 900})
        errors, requests = [], []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(address + "sec-overview.html", wait_until="networkidle")
        box = tab.locator("#search input")
        assert box.is_visible() and not tab.locator(".search-offline").count()
        box.fill("Lithium")
        tab.wait_for_selector(".pagefind-ui__result-link", timeout=20000)
        first = tab.locator(".pagefind-ui__result-link").first
        assert first.inner_text().endswith("Lithium") and first.is_visible()
        first.click()
        tab.wait_for_load_state("load")
        assert tab.url.split("#")[0] == address + "sec-mineral-lithium.html"
        assert "Lithium" in tab.locator("main h1").first.inner_text()
        browser.close()
    assert errors == [] and requests and all(u.startswith(address) for u in requests)


def test_figure_and_table_numbers_are_the_same_in_the_html_and_the_pdf(book, pdf):
    """"Table 8.1" is the same table in both: figures and tables shown only in the HTML carry
    no number (numbered, they shifted the chapter's later numbers between the two)."""
    html = "\n".join(page["main"] for page in book["pages"].values())
    text = "\n".join(pdf_pages(pdf))
    for kind in ("Figure", "Table"):
        in_pdf = labels(kind, text)
        assert in_pdf and labels(kind, html) == in_pdf, kind


def test_part_pages_list_their_chapters(book):
    minerals = book["pages"]["part-minerals.html"]
    listed = [text for href, text, in_text in minerals["links"] if in_text and href.startswith("sec-mineral-")]
    assert listed and all(re.fullmatch(r"Chapter \d+", t) for t in listed)


def test_status_words_are_coloured_and_readable(book):
    statuses = [s for page in book["pages"].values() for s in page["statuses"]]
    assert statuses, "no status marks"
    words = {w for w, _ in statuses}
    assert words <= {"on track", "at risk", "off track", "meets target", "misses target", "withheld", "provisional", "baseline", "no data", "no baseline"}
    assert all(bg not in ("rgba(0, 0, 0, 0)", "transparent") for _, bg in statuses)


@pytest.fixture(scope="module")
def pdf(tiny_build):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    _, outputs, _ = tiny_build
    return outputs / OUT / "report" / "alliance-review-2026.pdf"


def test_lists_stay_lists_in_the_book(tiny_build):
    """A bullet built as text gets its '-' escaped and runs into one paragraph: lists go through ch.bullets."""
    _, outputs, _ = tiny_build
    book = outputs / "2026" / "public" / "book"
    flattened = [(q.name, line[:60]) for q in book.glob("*.qmd") for line in q.read_text().splitlines() if line.startswith("\\- ")]
    assert flattened == []
    bullets = [line for q in book.glob("member-*.qmd") for line in q.read_text().splitlines() if line.startswith("- ")]
    assert bullets, "member profiles list their points as bullets"
    fences = [q.name for q in book.glob("member-*.qmd") if '::: {.content-visible when-format="html"}' not in q.read_text()]
    assert fences == [], "the full member tables sit in an HTML-only block"


def test_pdf_text_has_title_chapters_and_scorecard(pdf, tiny_build):
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Annual Review 2026" in text and "Public edition" in text
    _, outputs, _ = tiny_build
    headings = chapter_headings(outputs / OUT / "book")
    # the member profiles are HTML-only chapters after the themes: in the PDF each member is a row of one table of the comparative chapter
    profiles = [t for i, t in headings.items() if i.startswith("sec-member-")]
    for number, title in enumerate(t for i, t in headings.items() if not i.startswith(("sec-methodology", "sec-data", "sec-repro", "sec-sources", "sec-member-")) and i not in ("sec-about", "sec-glance")):  # index.qmd opens unnumbered
        assert re.search(rf"\b{number + 1} {re.escape(title)}\b", text), title
    each = text[text.index("Each member against the Alliance"):].replace("\xa0", " ")  # member names have no-break spaces
    assert profiles and all(re.search(rf"^\s*{re.escape(title)}\s", each, re.M) for title in profiles)
    assert not any(re.search(rf"^\s*\d+ {re.escape(title)}\s*$", text, re.M) for title in profiles)
    assert "Scorecard" in text and "on track" in text
    assert "Contents" in text and "Annex" not in text.split("Contents")[0]


def test_pdf_pages_and_figures(pdf, tiny_build):
    import pdfplumber

    _, outputs, _ = tiny_build
    # figures in HTML-only blocks (the member profiles, a mineral's recycling chart) are not in the PDF
    hidden = re.compile(re.escape(HTML_ONLY_OPEN) + ".*?" + re.escape(HTML_ONLY_CLOSE), re.S)
    figures = sum(hidden.sub("", t).count("![") for t in (p.read_text() for p in (outputs / OUT / "book").glob("*.qmd")))
    with pdfplumber.open(pdf) as doc:
        pages = len(doc.pages)
        images = sum(len(p.images) for p in doc.pages)
        widths = [img["x1"] - img["x0"] for p in doc.pages for img in p.images]
        page_width = doc.pages[0].width
    assert 15 <= pages <= 80
    assert images >= figures
    assert max(widths) <= page_width  # figures sized to the page


def test_pdf_renders_to_page_images(pdf, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed")
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "3", "-png", str(pdf), str(tmp_path / "page")], check=True, capture_output=True)
    assert len(list(tmp_path.glob("page-*.png"))) == 3


def test_chapter_links_resolve_inside_the_book_and_beside_the_report(book, tiny_build):
    """Notebook and data links point at files in the book project (so Quarto resolves them
    without warnings) that both renderers publish beside the report."""
    _, outputs, _ = tiny_build
    book_dir, report = outputs / OUT / "book", outputs / OUT / "report"
    for chapter in book_dir.glob("*.qmd"):
        for target in re.findall(r"\]\(((?:notebooks|data)/[^)]+)\)", chapter.read_text()):
            assert (book_dir / target).is_file(), (chapter.name, target)
    links = [href for page in book["pages"].values() for href, _, _ in page["links"] if href.endswith((".ipynb", ".csv"))]
    assert len({h for h in links if h.endswith(".ipynb")}) == len(list((outputs / OUT / "notebooks").glob("*.ipynb"))) > 5
    for href in links:
        assert not href.startswith(("/", "..")) and (report / href).is_file(), href
    notebook = next(h for h in links if h.endswith(".ipynb"))
    assert (report / notebook).read_bytes() == (outputs / OUT / notebook).read_bytes()


def test_every_figure_links_to_its_data(book):
    """Under each figure of the HTML, a link to the CSV it was drawn from."""
    for name, page in book["pages"].items():
        data = [href for href, _, in_text in page["links"] if in_text and href.startswith("data/") and href.endswith(".csv")]
        assert len(data) >= len(page["images"]), name


def test_the_contents_box_is_fixed_only_on_the_built_in_page(tiny_build, tmp_path):
    """report.css fixes nav#TOC at the side of the built-in renderer's pages (body.review) and
    leaves Quarto's page, whose contents box has the same id, to Quarto's layout."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    _, outputs, _ = tiny_build
    quarto_like = tmp_path / "quarto.html"  # Quarto's layout: a sidebar with the title and search, nav#TOC in the margin
    quarto_like.write_text(
        f'<html><head><link rel="stylesheet" href="{(outputs / OUT / "book" / "styles" / "report.css").as_uri()}"></head><body>'
        '<div id="quarto-sidebar"><div class="sidebar-title">Title</div><div id="quarto-search"></div></div>'
        '<div id="quarto-margin-sidebar"><nav id="TOC"><ul><li><a href="#a">A</a></li></ul></nav></div><main><h1 id="a">A</h1></main></body></html>'
    )
    with sync_playwright() as p:
        browser = launch_chromium(p)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        tab.goto((outputs / OUT / "report" / "sec-overview.html").as_uri(), wait_until="load")
        assert tab.evaluate("getComputedStyle(document.querySelector('nav#TOC')).position") == "fixed"
        main = tab.evaluate("document.querySelector('main h1').getBoundingClientRect().left")
        toc = tab.evaluate("document.querySelector('nav#TOC').getBoundingClientRect().right")
        assert main > toc  # the text beside the contents, not under them
        tab.set_viewport_size({"width": 800, "height": 900})
        assert tab.evaluate("getComputedStyle(document.querySelector('nav#TOC')).position") == "static"
        heading = tab.evaluate("document.querySelector('main h1').getBoundingClientRect().top")
        assert heading < 900  # the chapter starts on the first screen, under the contents
        tab.goto(quarto_like.as_uri(), wait_until="load")
        tab.set_viewport_size({"width": 1400, "height": 900})
        assert tab.evaluate("getComputedStyle(document.querySelector('nav#TOC')).position") == "static"
        browser.close()


FAKE_QUARTO = """#!/bin/sh
# A stand-in for quarto 1.10 that renders HTML and fails on Typst the way the real one did.
case "$*" in
  *typst*)
    i=0
    while [ $i -lt 150 ]; do echo "[$i/150] pandoc: rendering chapter $i ..."; i=$((i+1)); done
    echo 'ERROR: error: expected content, found array'
    echo '    ┌─ @preview/orange-book:0.7.1/lib.typ:584:48'
    echo '584 │       #text(size: title-main-3, weight: "bold", author)'
    echo ''
    echo 'ERROR: Typst compilation failed'
    i=0
    while [ $i -lt 60 ]; do echo "cleaning up $i"; i=$((i+1)); done
    exit 1;;
  --version) echo 1.10.18; exit 0;;
  *) echo "Output created: ../report/index.html"; exit 0;;
esac
"""


def test_a_quarto_failure_shows_its_error_lines_first_and_keeps_the_log(tiny_built_copy, tmp_path):
    import os

    from conftest import ROOT

    inputs, outputs = tiny_built_copy
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text(FAKE_QUARTO)
    (bin_dir / "quarto").chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", COLUMNS="200")
    proc = subprocess.run(
        [sys.executable, "-m", "review.cli", "build", "--inputs", str(inputs), "--outputs", str(outputs), "--renderer", "quarto", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    assert proc.returncode == 1
    said = proc.stderr
    assert "quarto render --to typst failed" in said
    error = said.index("ERROR: error: expected content, found array")
    assert said.index("@preview/orange-book:0.7.1/lib.typ:584:48") > error  # where, right under it
    assert "#text(size: title-main-3" in said and "ERROR: Typst compilation failed" in said
    assert "cleaning up 59" in said and "rendering chapter 3 " not in said  # then a tail, not the progress
    log = outputs / "2026" / "public.failed" / "logs" / "quarto-typst.log"
    assert f"Full log: {log}" in said.replace("\n", "")
    kept = log.read_text()
    assert "[0/150] pandoc: rendering chapter 0" in kept and "ERROR: Typst compilation failed" in kept
    assert not (outputs / "2026" / "public" / "logs" / "quarto-typst.log").exists()  # the previous outputs are unchanged


def test_failure_summary_keeps_every_error_with_its_location():
    from review.report.render import failure_summary

    output = "\n".join(
        [f"progress {i}" for i in range(40)]
        + ["WARN: something", "ERROR: first", "  ┌─ a.typ:3:1", "3 │ #x", "ERROR: second", "after"]
        + [f"tail {i}" for i in range(5)]
    )
    summary = failure_summary(output, tail=4).splitlines()
    assert summary[:5] == ["ERROR: first", "  ┌─ a.typ:3:1", "3 │ #x", "ERROR: second", "Last lines of the output:"]
    assert summary[5:] == ["tail 1", "tail 2", "tail 3", "tail 4"]


QUARTO = shutil.which("quarto")
needs_quarto = pytest.mark.skipif(QUARTO is None, reason="quarto is not on the PATH (it cannot be installed on this project's CI; see docs/rendering.md)")


@pytest.fixture(scope="module")
def quarto_report(tiny_build, tmp_path_factory):
    """The tiny book rendered by Quarto into a copy of OUT (its book): (out, report, logs).

    The copy is in a folder whose name has glob characters ("drafts [1]", as a second
    draft folder is often named): Quarto matches some paths as patterns, and a render there
    once found no input files. Every Quarto test below reads this render."""
    from review.report.render import QuartoRenderer

    _, outputs, _ = tiny_build
    out = tmp_path_factory.mktemp("quarto") / "drafts [1]" / "out"
    shutil.copytree(outputs / OUT / "book", out / "book")
    written = QuartoRenderer().render(out / "book", out / "report", ("html", "pdf"), 2026, "public")
    assert written == [out / "report" / "index.html", out / "report" / "alliance-review-2026.pdf"]
    assert all(p.is_file() for p in written)
    return out, out / "report", out / "logs"


def pdf_pages(pdf: Path) -> list[str]:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")[:-1]


def labels(kind: str, text: str) -> dict[str, str]:
    """Every caption's "Figure 3.2" (or Table) label in a text, with the caption's first two
    words, white space (Quarto's &nbsp;, line breaks) normalised."""
    return {n: " ".join(words.split()) for n, words in re.findall(rf"{kind}\s(\d+\.\d+):\s+(\S+\s+\S+)", text)}


@pytest.mark.quarto
@needs_quarto
def test_quarto_renders_without_link_warnings_and_with_plain_logs(quarto_report):
    _, report, logs = quarto_report
    for log in ("quarto-html.log", "quarto-typst.log"):
        text = (logs / log).read_text()
        assert "Unable to resolve link target" not in text and "ERROR" not in text, log
        assert "\x1b[" not in text, log  # no colour codes
    assert (report / "notebooks" / "overview.ipynb").is_file() and list((report / "data").rglob("*.csv"))


@pytest.mark.quarto
@needs_quarto
def test_quarto_html_opened_from_disk_shows_text_figures_and_working_links(quarto_report, tiny_build):
    import json

    _, report, _ = quarto_report
    _, outputs, _ = tiny_build
    settings = yaml.safe_load((outputs / OUT / "book" / "_quarto.yml").read_text())
    pages = {"index.html"} | {n.replace(".qmd", ".html") for n in settings["project"]["render"] if n != "index.qmd"}
    search = json.loads((report / "search.json").read_text())
    assert {Path(e["href"].split("#")[0]).name for e in search} >= pages  # search over every page
    book = read_book(report)
    assert set(book["pages"]) >= pages
    figures = 0
    for name, page in book["pages"].items():
        assert page["main"].strip(), name
        assert all(i["ok"] and len(i["alt"]) > 20 for i in page["images"]), name
        figures += len(page["images"])
        for href, _, _ in page["links"]:
            if href.startswith(("http", "mailto:", "#")) or href == "":
                continue
            target = href.split("#")[0].split("?")[0]
            assert (report / target).exists(), (name, href)
    assert figures > 5


@pytest.mark.quarto
@needs_quarto
@pytest.mark.parametrize("width", [1400, 800])
def test_quarto_html_served_has_no_console_errors_and_asks_no_other_host(quarto_report, width):
    out, _, _ = quarto_report
    with serving(out) as address:
        book = read_book(out / "report", base_url=address, width=width)
    assert book["errors"] == [] and book["failed"] == []
    assert book["requests"] and all(u.startswith(address) for u in book["requests"])


@pytest.mark.quarto
@needs_quarto
@pytest.mark.parametrize("width", [1400, 800])
def test_quarto_search_over_review_serve_finds_a_mineral_on_its_chapter_page(quarto_report, width):
    from playwright.sync_api import sync_playwright

    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    out, _, _ = quarto_report
    with serving(out) as address, sync_playwright() as p:
        browser = launch_chromium(p)
        tab = browser.new_page(viewport={"width": width, "height": 900})
        tab.goto(address + "overview.html", wait_until="networkidle")
        button = tab.locator(".quarto-search-button:visible")  # narrow screens: the top bar's button opens the search
        if button.count():
            button.first.click()
        tab.locator("input.aa-Input:visible").first.fill("Lithium")
        tab.wait_for_selector(".aa-Item a", timeout=20000)
        first = tab.locator(".aa-Item a").first
        assert first.get_attribute("href").startswith("./mineral-lithium.html") and "Lithium" in first.inner_text()
        browser.close()


@pytest.mark.quarto
@needs_quarto
def test_quarto_pdf_cover_one_contents_no_leaked_markers_no_overprinted_rows(quarto_report):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    from test_sample_build import overprinted_table_rows

    _, report, _ = quarto_report
    pdf = report / "alliance-review-2026.pdf"
    pages = pdf_pages(pdf)
    cover = re.sub(r"\s+", " ", pages[0])
    assert "Tiny test cycle" in cover and "Critical Minerals Resilience and Production Alliance" in cover and "2026" in cover
    text = "\f".join(pages)
    assert "quarto-file-metadata" not in text and "{=html}" not in text and "<!--" not in text
    assert sum(bool(re.search(r"^\s*Contents\s*$", p, re.M)) for p in pages) == 1  # one contents listing
    assert overprinted_table_rows(pdf) == []


@pytest.mark.quarto
@needs_quarto
def test_quarto_pdf_has_the_banner_on_every_page_and_a_length_close_to_the_built_in(quarto_report, tiny_build):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    import pdfplumber

    _, report, _ = quarto_report
    _, outputs, _ = tiny_build
    pages = pdf_pages(report / "alliance-review-2026.pdf")
    assert all("Alliance Review 2026 · public edition" in p for p in pages)
    built_in = outputs / OUT / "report" / "alliance-review-2026.pdf"
    # The whole documents take as many pages, within 15% (#23): both have a title page and a
    # one-page contents, print a part as a title above its first chapter and run chapters and
    # parts on (book.typ for orange-book). Pages lost or repeated beyond that margin fall
    # outside it, as did the layout before, with a page for each part (26 pages against the
    # built-in 22 for this cycle; 23 now).
    ours = pdf_pages(built_in)
    assert 0.85 * len(ours) <= len(pages) <= 1.15 * len(ours), (len(pages), len(ours))
    with pdfplumber.open(report / "alliance-review-2026.pdf") as doc, pdfplumber.open(built_in) as theirs:
        assert sum(len(p.images) for p in doc.pages) >= sum(len(p.images) for p in theirs.pages)


@pytest.mark.quarto
@needs_quarto
def test_quarto_numbers_chapters_figures_and_tables_as_its_html_and_the_built_in_pdf(quarto_report, tiny_build):
    import html as html_lib

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    _, report, _ = quarto_report
    _, outputs, _ = tiny_build
    quarto_pdf = "\n".join(pdf_pages(report / "alliance-review-2026.pdf"))
    built_in_pdf = "\n".join(pdf_pages(outputs / OUT / "report" / "alliance-review-2026.pdf"))
    html = read_book(report)
    quarto_html = "\n".join(p["main"] for p in html["pages"].values())
    for kind in ("Figure", "Table"):
        in_pdf = labels(kind, quarto_pdf)
        assert in_pdf and set(in_pdf) == set(labels(kind, built_in_pdf)), kind
        in_html = labels(kind, quarto_html)  # the HTML has more: the members' full tables are HTML-only
        assert {n: in_html.get(n) for n in in_pdf} == in_pdf, kind  # the same number, the same caption
    assert not re.search(r"(Figure|Table)\s0\.", quarto_pdf + quarto_html)  # At a glance's are unnumbered
    # chapter numbers: Quarto's HTML pages, its PDF's contents and the built-in PDF agree; annexes are lettered
    # except the member profiles: HTML-only chapters, last, in neither PDF (not even as an empty chapter page)
    chapters, html_only = {}, {}
    for page in report.glob("*.html"):
        source = page.read_text()
        found = re.search(r'<h1 class="title"><span[^>]*><span class="chapter-number">(\d+)</span>&nbsp;\s*<span class="chapter-title">(.+?)</span>', source)
        found = found or re.search(r'<h1 class="title"><span[^>]*>Appendix ([A-Z]) — (.+?)</span>', source)
        if found:
            title = html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(2)))
            (html_only if page.name.startswith("member-") else chapters)[found.group(1)] = title
    assert len(chapters) >= 5 and {"A", "B"} <= set(chapters)
    assert html_only and min(map(int, html_only)) > max(int(n) for n in chapters if n.isdigit())
    for number, title in chapters.items():
        assert re.search(rf"^\s*{number}\.?\s+{re.escape(title)}\b", quarto_pdf, re.M), (number, title)
        assert re.search(rf"\b{number} {re.escape(title)}\b", built_in_pdf), (number, title)
    for number, title in html_only.items():
        assert not re.search(rf"^\s*{number}\.?\s+{re.escape(title)}\s*$", quarto_pdf + built_in_pdf, re.M), (number, title)


def test_auto_picks_quarto_only_where_it_is_on_the_path_and_review_renderer_sets_the_default(tmp_path, monkeypatch):
    from review.report.render import PandocRenderer, QuartoRenderer, choose

    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto here
    assert isinstance(choose("auto"), PandocRenderer)
    fake = tmp_path / "quarto"
    fake.write_text("#!/bin/sh\necho 9.9.9\n")
    fake.chmod(0o755)
    chosen = choose("auto")
    assert isinstance(chosen, QuartoRenderer) and chosen.version == "quarto 9.9.9"
    with pytest.raises(ValueError, match="choose auto, quarto or pandoc"):
        choose("latex")
    monkeypatch.undo()
    # the environment sets `review build`'s default renderer; a wrong value is refused before anything runs
    proc = run_review("build", "--inputs", tmp_path / "nowhere", env={"REVIEW_RENDERER": "latex"})
    assert proc.returncode == 2 and "renderer" in proc.stderr and "latex" in proc.stderr


def test_a_short_table_stays_on_one_page_in_the_built_in_pdf(tmp_path):
    """At a glance's three-row table left its last row alone on the next page, under a repeated
    header and away from its caption: a table of at most eight rows is an unbreakable block;
    a longer one still breaks across pages."""
    import pypandoc

    from review.report.render import TEMPLATES

    def table(rows: int, label: str) -> str:
        return "| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(rows)) + f"\n: {label} {{#tbl-{label}}}\n"

    source = tmp_path / "book.md"
    source.write_text(table(3, "short") + "\nText.\n\n" + table(9, "long"))
    typst = subprocess.run(
        [pypandoc.get_pandoc_path(), str(source), "--to", "typst", "--lua-filter", str(TEMPLATES / "filters" / "layout.lua")],
        capture_output=True, text=True, check=True,
    ).stdout
    short, long = typst.index("<tbl-short>"), typst.index("<tbl-long>")
    assert typst.count("#block(breakable: false)") == 1
    assert typst.index("#block(breakable: false)") < short < long
