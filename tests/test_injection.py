"""Text from the inputs is data, never markup or code, in every format the review publishes.

A copy of the tiny cycle whose every text field carries HTML, Markdown, Typst and LaTeX
payloads is built to HTML and PDF with the built-in renderer; each payload must show
literally (in Chromium's DOM and in `pdftotext`) and nothing may run.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import read_book, serving

from review.analysis.text import Markdown, markdown_code, markdown_text, spreadsheet_safe

OUT = Path("2026") / "public"

# Each text field of the tiny cycle and what it becomes; every payload shows in the report.
PAYLOADS = {
    ("members.csv", "name", "United States"): "United States<script>alert(11)</script>",
    ("members.csv", "name", "Japan"): 'Japan<img src=x onerror="alert(12)">',
    ("members.csv", "name", "Australia"): "Australia **bold** [x](javascript:alert(13))",
    ("minerals.csv", "name", "Rare earths"): "Rare earths #cite(<x>) @ref $x$",
    ("minerals.csv", "name", "Lithium"): "Lithium <a href='javascript:alert(14)'>j</a> #set text(red)",
    ("projects.csv", "name", "Alpha refinery"): '=HYPERLINK("http://example.org","Alpha") refinery',
    ("projects.csv", "name", "Beta mine"): "# Beta mine {#sec-x} `code` ~~s~~",
    ("projects.csv", "name", "Gamma plant"): "+Gamma plant <style>body{display:none}</style>",
    ("projects.csv", "project_id", "T3"): "@T3<b>",
    ("dependency.csv", "source", "Tiny fixture"): "Tiny <script>alert(15)</script> fixture 2025",
    ("production.csv", "source", "Tiny fixture 2025"): "Tiny [a](javascript:alert(16)) #cite(<y>) 2025",
    ("targets.csv", "source", "Tiny fixture"): r"Tiny \textbf{t} @fig-overview-paths $$ 2025",
}
# Partners show only in charts (labels drawn by matplotlib) and in the charts' data.
PARTNER = ("partners.csv", "name", "Chile"), r"Chile \input{/etc/passwd} $y$ // c"
TITLE = "Tiny <script>alert(17)</script> **cycle** #set page(width: 1cm) $"


def _replace(path: Path, column: str, old: str, new: str) -> None:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert any(r[column] == old for r in rows), (path.name, old)
    for r in rows:
        if r[column] == old:
            r[column] = new
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def payload_build(tmp_path_factory):
    """The payload cycle built to HTML and PDF (built-in renderer): (outputs, OUT)."""
    from review.build.pipeline import BuildRequest, build

    root = tmp_path_factory.mktemp("payloads")
    inputs = root / "inputs"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", inputs)
    for (name, column, old), new in [*PAYLOADS.items(), PARTNER]:
        _replace(inputs / name, column, old, new)
    settings = yaml.safe_load((inputs / "review.yml").read_text())
    settings["title"] = TITLE
    (inputs / "review.yml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    build(BuildRequest(inputs=inputs, outputs=root / "outputs", renderer="pandoc"))
    return root / "outputs" / OUT


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_markdown_text_escapes_every_markup_character():
    escaped = markdown_text("a <b> **c** [d](e) #f @g $h$ \\i {j} `k` & l, m; n?")
    assert escaped == "a &lt;b\\> \\*\\*c\\*\\* \\[d\\]\\(e\\) \\#f \\@g \\$h\\$ \\\\i \\{j\\} \\`k\\` &amp; l, m; n?"  # < and & as entities (Quarto's sidebar)
    assert markdown_text("two\nlines\r\n\tand  tabs") == "two lines and tabs"  # inline: cannot start a block
    assert markdown_text(None) == "" and markdown_text(Markdown("**made here**")) == "**made here**"
    assert markdown_code("a`b") == "``a`b``" and markdown_code("`x") == "`` `x ``"


def test_spreadsheet_cells_never_start_a_formula():
    import pandas as pd

    frame = pd.DataFrame({"name": ["=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "\rx", "-5", "+1.5e3", "ok", None], "value": [-1.0] * 10})
    safe = spreadsheet_safe(frame)
    assert safe["name"].tolist()[:6] == ["'=1+1", "'+A1", "'-A1", "'@SUM(A1)", "'\tx", "'\rx"]
    assert safe["name"].tolist()[6:9] == ["-5", "+1.5e3", "ok"]  # numbers written as text stay numbers
    assert safe["value"].tolist() == [-1.0] * 10 and frame["name"][0] == "=1+1"  # numbers untouched; a copy


def test_chart_labels_show_dollars_literally():
    import matplotlib.pyplot as plt

    from review.report.charts import use_house_style

    use_house_style()
    fig, ax = plt.subplots()
    ax.set_title("Price $5 and $\\frac{ unclosed")  # mathtext would fail to parse this
    ax.bar(["a $x$"], [1])
    fig.canvas.draw()  # raises ValueError if the labels are read as mathtext
    assert ax.title._preprocess_math(ax.title.get_text()) == ("Price $5 and $\\frac{ unclosed", False)
    plt.close(fig)


def test_payload_cycle_builds_and_its_data_csvs_start_no_formula(payload_build):
    report = payload_build / "report"
    assert (report / "index.html").is_file() and (report / "alliance-review-2026.pdf").is_file()
    found = {}
    for path in [*payload_build.joinpath("data").rglob("*.csv"), *report.joinpath("data").rglob("*.csv")]:
        with path.open(newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    found[cell] = path
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path, cell)
                    assert not cell.startswith("-") or re.fullmatch(r"-[\d.eE+-]+", cell), (path, cell)
    assert "'=HYPERLINK(\"http://example.org\",\"Alpha\") refinery" in found  # the name, as text
    assert PARTNER[1] in found  # in the world production chart's data


#: The only scripts of the built-in HTML book: Pagefind's search and the template's own.
BOOK_TEMPLATE = Path(__file__).parent.parent / "review" / "templates" / "pandoc" / "book.html"


@pytest.fixture(scope="module")
def payload_pages(payload_build):
    """Every page of the payload build's HTML book, as Chromium shows it from disk."""
    return read_book(payload_build / "report")


def test_html_shows_every_payload_literally(payload_pages):
    text = _flat(" ".join(page["text"] for page in payload_pages["pages"].values()))
    for payload in [*PAYLOADS.values(), TITLE]:
        assert _flat(payload) in text, payload
    assert _flat(TITLE) in payload_pages["pages"]["index.html"]["title"]


def test_html_runs_nothing_from_the_inputs(payload_pages, payload_build):
    report = (payload_build / "report").resolve()
    assert payload_pages["dialogs"] == [] and payload_pages["errors"] == []
    # nothing fetched but the report's own files: no navigation, no other host
    assert all(u.startswith("file://") and Path(u[len("file://"):]).resolve().is_relative_to(report) for u in payload_pages["requests"])
    inline = re.search(r"<script>(.*?)</script>", BOOK_TEMPLATE.read_text(), re.S).group(1)
    for name, page in payload_pages["pages"].items():
        assert page["url"] == (report / name).as_uri()
        assert page["scripts"] == [{"src": "pagefind/pagefind-ui.js", "text": ""}, {"src": None, "text": inline}], name  # the template's, no other
        assert page["handlers"] == [], name
        assert not [u for u in page["sources"] if u.strip().lower().startswith("javascript:")], name
        assert all(img["src"].startswith("figures/") and (report / img["src"]).is_file() for img in page["images"]), name
        assert not any("display:none" in style for style in page["styles"]), name
        assert page["displayed"] != "none", name


def test_pdf_shows_every_payload_literally_and_links_nowhere_unsafe(payload_build):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    import pdfplumber

    pdf = payload_build / "report" / "alliance-review-2026.pdf"
    # table cells wrap anywhere, so white space is left out of the comparison
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    for payload in [*PAYLOADS.values(), TITLE]:
        assert re.sub(r"\s+", "", payload) in text, payload
    with pdfplumber.open(pdf) as doc:
        uris = [link.get("uri") or "" for page in doc.pages for link in page.hyperlinks]
    assert not [u for u in uris if u.lower().startswith("javascript:")]


needs_quarto = pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on the PATH (it cannot be installed on this project's CI; see docs/rendering.md)")


@pytest.fixture(scope="module")
def payload_quarto(payload_build, tmp_path_factory):
    """The payload cycle's book rendered by Quarto (which reads it without the raw-markup
    guard of the built-in renderer: the escaping alone must hold): the output folder."""
    from review.report.render import QuartoRenderer

    out = tmp_path_factory.mktemp("payload-quarto") / "out"
    shutil.copytree(payload_build / "book", out / "book")
    QuartoRenderer().render(out / "book", out / "report", ("html", "pdf"), 2026, "public")
    return out


@pytest.mark.quarto
@needs_quarto
def test_quarto_html_shows_every_payload_literally_and_runs_nothing(payload_quarto):
    with serving(payload_quarto) as address:
        seen = read_book(payload_quarto / "report", base_url=address)
    text = _flat(" ".join(page["text"] for page in seen["pages"].values()))
    for payload in [*PAYLOADS.values(), TITLE]:
        assert _flat(payload) in text, payload
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert all(u.startswith(address) for u in seen["requests"])  # nothing fetched from another host
    for name, page in seen["pages"].items():
        assert page["url"].split("#")[0] == address + name  # no navigation
        assert not [u for u in page["sources"] if u.strip().lower().startswith("javascript:")], name
        assert not [s for s in page["scripts"] if "alert(" in s["text"]], name
        assert not any("display:none" in style for style in page["styles"]), name


#: The event handlers Quarto's HTML book writes itself (its navigation), as "attribute=code".
QUARTO_HANDLERS = {
    "onclick=if (window.quartoToggleHeadroom) { window.quartoToggleHeadroom(); }",
    "onclick=window.quartoOpenSearch();",
}


@pytest.mark.quarto
@needs_quarto
def test_quarto_html_makes_no_element_from_the_inputs(payload_quarto):
    with serving(payload_quarto) as address:
        seen = read_book(payload_quarto / "report", base_url=address)
    for name, page in seen["pages"].items():
        # Quarto's own navigation scripts (sidebar toggle, search button), matched by their code, not only their tag
        assert [h for h in page["handlers"] if h.split(" ", 1)[1] not in QUARTO_HANDLERS] == [], name


@pytest.mark.quarto
@needs_quarto
def test_quarto_pdf_shows_every_payload_literally(payload_quarto):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    pdf = payload_quarto / "report" / "alliance-review-2026.pdf"
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    for payload in [*PAYLOADS.values(), TITLE]:
        assert re.sub(r"\s+", "", payload) in text, payload
    assert "quarto-file-metadata" not in text


def test_the_book_is_read_without_raw_html_raw_blocks_or_raw_tex():
    """The second line of defence: markup that escaped the escaping still cannot pass through."""
    import pypandoc

    from review.report.render import READER as reader
    raw = "<script>alert(1)</script> <b onclick=x>b</b> `<i>r</i>`{=html} \\input{x}\n\n```{=typst}\n#set page(width: 1cm)\n```\n"
    html = pypandoc.convert_text(raw, "html", format=reader)
    typ = pypandoc.convert_text(raw, "typst", format=reader)
    assert "<script" not in html and "<b " not in html and "<i>" not in html and "&lt;script&gt;" in html
    assert "`{=typst} #set page(width: 1cm)`" in typ and "\n#set" not in typ  # shown as code, never run
    assert "\\\\input{x}" in typ  # an escaped backslash: text
