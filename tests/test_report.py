"""The rendered report: HTML checked in headless Chromium, PDF checked with poppler and pdfplumber."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

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
        found[match.group(2)] = match.group(1)
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
    figures = sum(t.count("![") for t in (p.read_text() for p in (outputs / OUT / "book").glob("*.qmd")))
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


def test_pdf_text_has_title_chapters_and_scorecard(pdf, tiny_build):
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Annual Review 2026" in text and "Public edition" in text
    _, outputs, _ = tiny_build
    for number, title in enumerate(t for i, t in chapter_headings(outputs / OUT / "book").items() if not i.startswith(("sec-methodology", "sec-data", "sec-repro", "sec-sources")) and i != "sec-about"):
        assert re.search(rf"\b{number + 1} {re.escape(title)}\b", text), title
    assert "Scorecard" in text and "on track" in text
    assert "Contents" in text and "Annex" not in text.split("Contents")[0]


def test_pdf_pages_and_figures(pdf, tiny_build):
    import pdfplumber

    _, outputs, _ = tiny_build
    figures = sum(t.count("![") for t in (p.read_text() for p in (outputs / OUT / "book").glob("*.qmd")))
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


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on the PATH (it cannot be installed on this project's CI)")
def test_quarto_renders_the_assembled_book(tiny_build, tmp_path):
    from review.render import QuartoRenderer

    _, outputs, _ = tiny_build
    out = tmp_path / "out"
    shutil.copytree(outputs / OUT / "book", out / "book")
    written = QuartoRenderer().render(out / "book", out / "report", ("html", "pdf"), 2026, "public")
    assert (out / "report" / "index.html").is_file()
    assert (out / "report" / "alliance-review-2026.pdf").is_file()
    assert all(p.exists() for p in written)
