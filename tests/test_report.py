"""The rendered report: HTML checked in headless Chromium, PDF checked with poppler and pdfplumber."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from review.report.markdown import HTML_ONLY_CLOSE, HTML_ONLY_OPEN

OUT = Path("2026") / "public"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chapter_headings(book: Path) -> dict[str, str]:
    """id -> title of every chapter's level-1 heading, in the book's order."""
    settings = yaml.safe_load((book / "_quarto.yml").read_text())
    files = []
    for entry in settings["book"]["chapters"]:
        files += entry["chapters"] if isinstance(entry, dict) else [entry]
    files += settings["book"]["appendices"]
    found = {}
    for name in files:
        match = re.search(r"^# (.+?) \{.*?#(sec-[\w-]+).*?\}", (book / name).read_text(), re.M)
        assert match, name
        found[match.group(2)] = re.sub(r"\\(.)", r"\1", match.group(1))  # as the reader sees it: escapes undone
    return found


@pytest.fixture(scope="module")
def page(tiny_build):
    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    _, outputs, _ = tiny_build
    html = outputs / OUT / "report" / "index.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        tab = browser.new_page()
        errors, failed = [], []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("requestfailed", lambda r: failed.append(r.url))
        tab.goto(html.as_uri(), wait_until="load")
        tab.wait_for_load_state("networkidle")
        yield tab, errors, failed
        browser.close()


def test_html_loads_without_errors_or_failed_requests(page):
    tab, errors, failed = page
    assert errors == [] and failed == []
    assert "Annual review 2026" in tab.content()


def test_every_image_loaded_with_alt_text(page, tiny_build):
    tab, _, _ = page
    images = tab.eval_on_selector_all("img", "els => els.map(e => ({complete: e.complete, w: e.naturalWidth, h: e.naturalHeight, alt: e.alt}))")
    _, outputs, _ = tiny_build
    # figures in HTML-only blocks (the member profiles, a mineral's recycling chart) are not in the PDF
    hidden = re.compile(re.escape(HTML_ONLY_OPEN) + ".*?" + re.escape(HTML_ONLY_CLOSE), re.S)
    figures = sum(hidden.sub("", t).count("![") for t in (p.read_text() for p in (outputs / OUT / "book").glob("*.qmd")))
    assert len(images) == figures > 5
    for img in images:
        assert img["complete"] and img["w"] > 0 and img["h"] > 0
        assert len(img["alt"]) > 20 and not img["alt"].startswith("Figure")


def test_every_chapter_is_in_the_table_of_contents(page, tiny_build):
    tab, _, _ = page
    _, outputs, _ = tiny_build
    toc = set(tab.eval_on_selector_all("nav#TOC a", "els => els.map(e => e.getAttribute('href'))"))
    for ident in chapter_headings(outputs / OUT / "book"):
        assert f"#{ident}" in toc, ident


def test_every_cross_reference_resolves(page):
    tab, _, _ = page
    links = tab.eval_on_selector_all("a[href^='#']", "els => els.map(e => [e.getAttribute('href'), e.textContent])")
    assert len(links) > 20
    missing = tab.evaluate("hrefs => hrefs.filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))", [h for h, _ in links])
    assert missing == []
    texts = [t for _, t in links]
    assert any(re.fullmatch(r"Figure \d+\.\d+", t) for t in texts)
    assert any(re.fullmatch(r"Table \d+\.\d+", t) for t in texts)
    assert any(re.fullmatch(r"Chapter \d+", t) for t in texts) and any(re.fullmatch(r"Annex [A-D]", t) for t in texts)
    assert not any(t.startswith("@") for t in texts) and "@fig-" not in tab.content()


def test_status_words_are_coloured_and_readable(page):
    tab, _, _ = page
    statuses = tab.eval_on_selector_all("span.status", "els => els.map(e => [e.textContent.replace(/\\s+/g, ' '), getComputedStyle(e).backgroundColor])")
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
    # the member profiles are HTML-only chapters after the themes: in the PDF each member is a table of the comparative chapter
    profiles = [t for i, t in headings.items() if i.startswith("sec-member-")]
    for number, title in enumerate(t for i, t in headings.items() if not i.startswith(("sec-methodology", "sec-data", "sec-repro", "sec-sources", "sec-member-")) and i not in ("sec-about", "sec-glance")):  # index.qmd opens unnumbered
        assert re.search(rf"\b{number + 1} {re.escape(title)}\b", text), title
    assert profiles and all(re.search(rf"Table \d+\.\d+: {re.escape(title)}\.", text) for title in profiles)
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


def test_chapter_links_resolve_inside_the_book_and_beside_the_report(page, tiny_build):
    """Notebook and data links point at files in the book project (so Quarto resolves them
    without warnings) that both renderers publish beside the report."""
    tab, _, _ = page
    _, outputs, _ = tiny_build
    book, report = outputs / OUT / "book", outputs / OUT / "report"
    for chapter in book.glob("*.qmd"):
        for target in re.findall(r"\]\(((?:notebooks|data)/[^)]+)\)", chapter.read_text()):
            assert (book / target).is_file(), (chapter.name, target)
    links = tab.eval_on_selector_all("a[href$='.ipynb'], a[href$='.csv']", "els => els.map(e => e.getAttribute('href'))")
    assert len([h for h in links if h.endswith(".ipynb")]) == len(list((outputs / OUT / "notebooks").glob("*.ipynb"))) > 5
    for href in links:
        assert not href.startswith(("/", "..")) and (report / href).is_file(), href
    notebook = next(h for h in links if h.endswith(".ipynb"))
    assert (report / notebook).read_bytes() == (outputs / OUT / notebook).read_bytes()


def test_the_contents_box_is_fixed_only_on_the_built_in_page(page, tiny_build, tmp_path):
    """report.css fixes nav#TOC at the side of the built-in renderer's page (body.review) and
    leaves Quarto's page, whose contents box has the same id, to Quarto's layout."""
    tab, _, _ = page
    tab.set_viewport_size({"width": 1400, "height": 900})
    assert tab.evaluate("getComputedStyle(document.querySelector('nav#TOC')).position") == "fixed"
    main = tab.evaluate("document.querySelector('h1').getBoundingClientRect().left")
    toc = tab.evaluate("document.querySelector('nav#TOC').getBoundingClientRect().right")
    assert main > toc  # the text beside the contents, not under them
    _, outputs, _ = tiny_build
    quarto_like = tmp_path / "quarto.html"  # Quarto's layout: a sidebar with the title and search, nav#TOC in the margin
    quarto_like.write_text(
        f'<html><head><link rel="stylesheet" href="{(outputs / OUT / "book" / "styles" / "report.css").as_uri()}"></head><body>'
        '<div id="quarto-sidebar"><div class="sidebar-title">Title</div><div id="quarto-search"></div></div>'
        '<div id="quarto-margin-sidebar"><nav id="TOC"><ul><li><a href="#a">A</a></li></ul></nav></div><main><h1 id="a">A</h1></main></body></html>'
    )
    tab.goto(quarto_like.as_uri(), wait_until="load")
    try:
        assert tab.evaluate("getComputedStyle(document.querySelector('nav#TOC')).position") == "static"
    finally:
        tab.go_back(wait_until="load")
    tab.set_viewport_size({"width": 800, "height": 900})
    assert tab.evaluate("getComputedStyle(document.querySelector('nav#TOC')).position") == "static"


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
    """The tiny book rendered by Quarto, from a copy of OUT (book, notebooks, data): (report, logs)."""
    from review.report.render import QuartoRenderer

    _, outputs, _ = tiny_build
    out = tmp_path_factory.mktemp("quarto") / "out"
    shutil.copytree(outputs / OUT / "book", out / "book")
    written = QuartoRenderer().render(out / "book", out / "report", ("html", "pdf"), 2026, "public")
    assert all(p.exists() for p in written)
    return out / "report", out / "logs"


@pytest.mark.quarto
@needs_quarto
def test_quarto_renders_without_link_warnings(quarto_report):
    report, logs = quarto_report
    for log in ("quarto-html.log", "quarto-typst.log"):
        text = (logs / log).read_text()
        assert "Unable to resolve link target" not in text and "ERROR" not in text, log
    assert (report / "notebooks" / "overview.ipynb").is_file() and list((report / "data").rglob("*.csv"))


@pytest.mark.quarto
@needs_quarto
def test_quarto_html_pages_searchable_with_alt_text_and_working_links(quarto_report, tiny_build):
    import json

    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    report, _ = quarto_report
    _, outputs, _ = tiny_build
    settings = yaml.safe_load((outputs / OUT / "book" / "_quarto.yml").read_text())
    pages = [report / "index.html"] + [report / n.replace(".qmd", ".html") for n in settings["project"]["render"] if n != "index.qmd"]
    search = json.loads((report / "search.json").read_text())
    assert {Path(e["href"].split("#")[0]).name for e in search} >= {p.name for p in pages}  # search over every page
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        figures = 0
        for page_file in pages:
            assert page_file.is_file(), page_file
            tab.goto(page_file.as_uri(), wait_until="load")
            images = tab.eval_on_selector_all("main img", "els => els.map(e => ({ok: e.complete && e.naturalWidth > 0, alt: e.alt}))")
            assert all(i["ok"] and len(i["alt"]) > 20 for i in images), page_file.name
            figures += len(images)
            hrefs = tab.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
            for href in hrefs:
                if href.startswith(("http", "mailto:")):
                    continue
                target, _, anchor = href.partition("#")
                path = (page_file.parent / target) if target else page_file
                assert path.is_file(), (page_file.name, href)
            if page_file.name != "index.html":
                text = tab.evaluate("document.querySelector('main').innerText")
                assert re.search(r"(Figure|Table) \d+\.\d+", text) or "Annex" in text or not images
            # the sidebar's title and search box are not covered by the contents box
            title = tab.evaluate("(() => { const t = document.querySelector('.sidebar-title, #quarto-search'); return t && t.getBoundingClientRect().toJSON(); })()")
            toc = tab.evaluate("(() => { const t = document.querySelector('nav#TOC'); return t && t.getBoundingClientRect().toJSON(); })()")
            if title and toc:
                assert toc["left"] >= title["right"] or toc["top"] >= title["bottom"], page_file.name
        browser.close()
    assert figures > 5 and errors == []


@pytest.mark.quarto
@needs_quarto
def test_quarto_pdf_cover_contents_and_numbering(quarto_report, tiny_build):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    import pdfplumber

    report, _ = quarto_report
    pdf = report / "alliance-review-2026.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    cover = text.split("\f")[0]
    assert "Tiny test cycle" in cover and "Critical Minerals Resilience and Production Alliance" in cover and "2026" in cover
    assert "Contents" in text and re.search(r"Figure \d+\.\d+", text) and re.search(r"Table \d+\.\d+", text)
    _, outputs, _ = tiny_build
    built_in = outputs / OUT / "report" / "alliance-review-2026.pdf"
    with pdfplumber.open(pdf) as doc, pdfplumber.open(built_in) as ours:
        assert len(doc.pages) <= 1.5 * len(ours.pages)  # close in length to the built-in renderer's
        assert sum(len(p.images) for p in doc.pages) >= sum(len(p.images) for p in ours.pages)
