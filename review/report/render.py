"""Rendering the book in OUT/book/ to OUT/report/: the HTML entry point and alliance-review-<cycle>.pdf.

Two renderers behind one small registry:

- `quarto`: `quarto render` of the book project; a multi-page HTML book with navigation
  and search, and a PDF through Typst. Used when `quarto` is on the PATH (`auto`).
- `pandoc` (built in): Pandoc (the pypandoc-binary wheel) and Typst (the typst wheel)
  render the same sources, in the order `_quarto.yml` gives, to one self-contained HTML
  page with a table of contents and to the same PDF structure. Quarto's numbering and
  cross-references are done by filters/crossref.lua; the status colours by
  filters/status.lua, which Quarto uses too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from review.inputs.paths import PACKAGE

TEMPLATES = PACKAGE / "templates"
#: How the built-in renderer reads the book: Pandoc Markdown without raw HTML, raw blocks or
#: raw TeX, so that markup that got past the escaping of input text shows as text. Quarto
#: reads the book as its own Markdown (it inserts raw blocks of its own); there the escaping
#: alone keeps input text data, as tests/test_injection.py checks through both renderers.
READER = "markdown-raw_html-raw_attribute-raw_tex"
#: Colour and cursor codes in a tool's output (Quarto colours its log), left out of the logs.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: The running banner of a sample build's HTML, written into the book by the assembler.
BANNER_HTML = "banner.html"
#: The book's HTML-only chapters (the member profiles), as a Quarto profile: see assemble.html_profile.
HTML_PROFILE = "_quarto-html.yml"


def pdf_name(cycle: int) -> str:
    return f"alliance-review-{cycle}.pdf"


class RenderFailed(RuntimeError):
    """A renderer failed: the message shows what went wrong first; `log` is its whole output."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message + (f"\nFull log: {log}" if log else ""))
        self.summary, self.log = message, log


#: A line of a renderer's output that details the error above it: Typst's source location
#: ("  ┌─ lib.typ:584:48") and the source line ("584 │ #text(...)"), or an indented hint.
_DETAIL = re.compile(r"^\s+\S|^\s*\d+\s*│|[┌│└]─?")


def failure_summary(output: str, tail: int = 10) -> str:
    """The lines that carry ERROR, each with the lines after it that say where (file, line and
    source), then the last lines of the output: what a user needs, before the progress lines."""
    lines = output.splitlines()
    shown: list[str] = []
    i = 0
    while i < len(lines):
        if "ERROR" not in lines[i]:
            i += 1
            continue
        shown.append(lines[i])
        i += 1
        while i < len(lines) and "ERROR" not in lines[i] and _DETAIL.search(lines[i]):
            shown.append(lines[i])
            i += 1
    rest = [line for line in lines[-tail:] if line not in shown and line.strip()]
    parts = shown or ["(no line marked ERROR)"]
    if rest:
        parts += ["Last lines of the output:", *rest]
    return "\n".join(parts)


def book_settings(book: Path) -> dict:
    """The book's settings as Quarto reads them for its HTML: `_quarto.yml` with the default
    (`html`) profile's chapters appended. The built-in renderer makes both formats from these
    chapters; filters/layout.lua keeps the HTML-only ones out of its PDF."""
    import yaml

    settings = yaml.safe_load((book / "_quarto.yml").read_text())
    profile = book / HTML_PROFILE
    extra = yaml.safe_load(profile.read_text()) if profile.exists() else None
    settings["book"]["chapters"] += (extra or {}).get("book", {}).get("chapters", [])
    return settings


def reading_order(settings: dict) -> list[tuple[str | None, str]]:
    """(part title or None, file) for every chapter, as `_quarto.yml` lists them; annexes last."""
    order: list[tuple[str | None, str]] = []
    for entry in settings["book"]["chapters"]:
        if isinstance(entry, dict):
            order += [(entry["part"], f) for f in entry["chapters"]]
        else:
            order.append((None, entry))
    order += [("Annexes", f) for f in settings["book"].get("appendices", [])]
    return order


def publish_resources(book: Path, report: Path, settings: dict) -> None:
    """Copy the files the chapters link to (the book's `project: resources`, the executed
    notebooks and figure data) beside the report, as Quarto does for its own output."""
    for pattern in settings["project"].get("resources", []):
        for path in sorted(book.glob(pattern)):
            if path.is_file():
                target = report / path.relative_to(book)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)


def combined_markdown(book: Path, settings: dict) -> str:
    """All chapters in one document, each part opened by an unnumbered part heading."""
    blocks, current = [], None
    for part, name in reading_order(settings):
        if part != current and part is not None:
            blocks.append(f"# {part} {{.unnumbered .part #part-{part.lower()}}}")
        current = part
        blocks.append((book / name).read_text())
    return "\n\n".join(blocks)


class PandocRenderer:
    """Pandoc + Typst, both shipped as Python wheels: works wherever the package installs."""

    name = "pandoc"

    def __init__(self):
        import pypandoc

        self.pandoc = pypandoc.get_pandoc_path()
        self.version = f"pandoc {pypandoc.get_pandoc_version()}"

    def _start(self, args: list[str], source: Path, cwd: Path, reader: str) -> subprocess.Popen:
        filters = ["--lua-filter", str(TEMPLATES / "filters" / "layout.lua"), "--lua-filter", str(TEMPLATES / "filters" / "crossref.lua"), "--lua-filter", str(TEMPLATES / "filters" / "status.lua")]
        return subprocess.Popen(
            [self.pandoc, str(source), "--from", reader, "--wrap=none", *filters, *args],
            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    @staticmethod
    def _finish(proc: subprocess.Popen) -> None:
        _, errors = proc.communicate()
        if proc.returncode != 0:
            raise RenderFailed(f"pandoc failed: {errors.strip()}")

    def render(self, book: Path, report: Path, formats: tuple[str, ...], cycle: int, edition: str) -> list[Path]:
        """HTML and PDF side by side: Pandoc writes the HTML pages while it writes the Typst
        source, then Pagefind indexes the pages while Typst compiles the PDF."""
        import tempfile

        import yaml

        book, report = Path(book).resolve(), Path(report).resolve()  # pandoc runs in the book folder
        settings = book_settings(book)
        meta = settings["book"]
        reader = READER
        report.mkdir(parents=True, exist_ok=True)
        banner = ["--metadata", f"banner={settings['banner']}"] if settings.get("banner") else []  # sample builds say so on every page
        written = []
        with tempfile.TemporaryDirectory(prefix="review-render-") as tmp:
            source = Path(tmp) / "book.md"
            source.write_text(combined_markdown(book, settings))
            # The book's metadata as Quarto reads it: Markdown (escaped where it comes from the inputs)
            metadata = Path(tmp) / "metadata.yml"
            metadata.write_text(yaml.safe_dump({k: str(meta[k]) for k in ("title", "subtitle", "date", "author")}, allow_unicode=True))
            common = ["--metadata-file", str(metadata)]
            html, search = None, None
            pages = Path(tmp) / "html"  # a folder: pandoc writes one page per chapter, and the figures
            if "html" in formats:
                html = self._start(
                    [
                        "--to", "chunkedhtml", "--split-level=1", "--chunk-template=%i.html", "--toc", "--toc-depth=2",
                        "--template", str(TEMPLATES / "pandoc" / "book.html"), "--resource-path", str(book),
                        "--metadata", "lang=en-GB", "--output", str(pages), *common,
                        *(["--include-before-body", str(book / BANNER_HTML)] if banner else []),
                    ],
                    source,
                    book,
                    reader,
                )
            try:
                if "pdf" in formats:
                    typ = book / ".report.typ"  # in the book folder so figure paths resolve; removed after
                    edition_title = "Public edition" if edition == "public" else "Restricted edition — not for publication"
                    edition_note = (
                        "Values reported as confidential are replaced by a mark; totals that could reveal one are withheld."
                        if edition == "public"
                        else "Contains values reported as confidential. Do not publish or forward."
                    )
                    try:
                        self._finish(
                            self._start(
                                [
                                    "--to", "typst", "--standalone", "--template", str(TEMPLATES / "pandoc" / "report.typ"),
                                    "--variable", f"cycle={cycle}", "--variable", f"edition={edition}",
                                    "--variable", f"edition-title={edition_title}", "--variable", f"edition-note={edition_note}",
                                    "--output", str(typ), *common, *banner,
                                ],
                                source,
                                book,
                                reader,
                            )
                        )
                        search = self._html_and_search(html, pages, report, book, settings, written)
                        target = report / pdf_name(cycle)
                        compile_typst(typ, target, book, report.parent / "logs")  # while Pagefind indexes the HTML
                        written.append(target)
                    finally:
                        typ.unlink(missing_ok=True)
                else:
                    search = self._html_and_search(html, pages, report, book, settings, written)
                if search is not None:
                    finish_search_index(search, report)
            finally:
                if search is not None and search.poll() is None:  # the PDF failed: no index is wanted
                    search.kill()
                    search.wait()
        return written

    @classmethod
    def _html_and_search(cls, html, pages, report, book, settings, written) -> subprocess.Popen | None:
        """Finish the HTML pages, publish the book's resources, and start indexing the pages."""
        if html is not None:
            cls._finish(html)
            written.insert(0, html_book(pages, report, book))
        publish_resources(book, report, settings)
        return start_search_index(report) if html is not None else None


def html_book(pages: Path, report: Path, book: Path) -> Path:
    """Move pandoc's chunked HTML into the report, its first chapter (At a glance) as index.html.

    Pandoc's own top page holds only the title and the contents, which every page's sidebar
    already shows; the book opens on its first chapter instead, as Quarto's does. Page names
    are `<heading id>.html` (ids keep only a-z0-9-), so links to the first page are renamed
    by replacing its file name where it starts a link.
    """
    import json

    first = json.loads((pages / "sitemap.json").read_text())["subsections"][0]["section"]["path"].split("#")[0]
    (pages / "sitemap.json").unlink()  # pandoc's list of pages, for tools; nothing reads it here
    (pages / first).replace(pages / "index.html")
    for page in pages.glob("*.html"):
        text = page.read_text().replace(f'"{first}', '"index.html')
        if page.name == "index.html":  # the first page has nothing before it
            text = re.sub(r'<a class="page-previous" href="index.html"[^>]*>.*?</a>\n?', "", text)
        page.write_text(text)
    shutil.copytree(pages, report, dirs_exist_ok=True)
    (report / "styles").mkdir(exist_ok=True)
    shutil.copyfile(book / "styles" / "report.css", report / "styles" / "report.css")
    return report / "index.html"


def start_search_index(site: Path) -> subprocess.Popen:
    """Start Pagefind's offline search index of the HTML pages, in `site/pagefind/` (its script,
    styles and index files; only the pages' <main> is indexed, see templates/pandoc/book.html)."""
    import sys

    # its output is not read until Typst is done: --silent and no stdout keep it from filling a pipe
    return subprocess.Popen([sys.executable, "-m", "pagefind", "--site", str(site), "--silent"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish_search_index(proc: subprocess.Popen, site: Path) -> None:
    """Wait for start_search_index's Pagefind; a failure, or no index written, is a RenderFailed with its errors."""
    _, errors = proc.communicate()
    if proc.returncode != 0 or not (site / "pagefind" / "pagefind-ui.js").is_file():
        raise RenderFailed(f"pagefind failed (exit code {proc.returncode}): {(errors or '').strip()}")


def font_paths() -> list[str]:
    """Fonts Typst may use besides its own: the DejaVu family that matplotlib ships (the charts' font)."""
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def compile_typst(source: Path, target: Path, root: Path, logs: Path) -> None:
    """Compile the PDF; on an error, say where (Typst's diagnostic quotes the source line, and
    so the text that caused it) and keep the Typst source in `logs` to look at."""
    import typst

    try:
        typst.compile(str(source), output=str(target), root=str(root), font_paths=font_paths())
    except typst.TypstError as exc:
        logs.mkdir(parents=True, exist_ok=True)
        kept = logs / "report.typ"
        shutil.copyfile(source, kept)
        where = (getattr(exc, "diagnostic", "") or str(exc)).strip().replace(source.name, kept.name)
        raise RenderFailed(f"typst failed: {where}", kept) from None


class QuartoRenderer:
    """`quarto render` of the book project (see _quarto.yml; Quarto's Typst format makes the PDF)."""

    name = "quarto"

    def __init__(self):
        self.quarto = shutil.which("quarto")
        if not self.quarto:
            raise RuntimeError("--renderer quarto: the quarto command is not on the PATH; use --renderer pandoc")
        found = subprocess.run([self.quarto, "--version"], capture_output=True, text=True)
        self.version = f"quarto {found.stdout.strip()}"

    def render(self, book: Path, report: Path, formats: tuple[str, ...], cycle: int, edition: str) -> list[Path]:
        """Each format in turn, from a copy of the book; Quarto's whole output goes to
        OUT/logs/quarto-<format>.log (without its colour codes).

        Quarto writes into the project it renders (`.quarto/`, intermediate files): the copy
        keeps OUT/book exactly as assembled, so that a rebuild with no change finds the same
        book and reuses this render (build/pipeline.py keys its cache on the book's content).
        """
        import tempfile

        report = Path(report).resolve()
        logs = report.parent / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="review-quarto-") as tmp:
            project = Path(tmp) / "book"
            shutil.copytree(book, project)
            for fmt in formats:
                to = "typst" if fmt == "pdf" else "html"
                # the PDF is rendered with a profile other than the default html one: no HTML-only chapters
                profile = ["--profile", "pdf"] if fmt == "pdf" else []
                # "." from inside the copy: Quarto reads a path it is given as a glob ("drafts [1]" matched nothing)
                proc = subprocess.run([self.quarto, "render", ".", "--to", to, *profile], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                log = logs / f"quarto-{to}.log"
                log.write_text(ANSI.sub("", proc.stdout))
                if proc.returncode != 0:
                    raise RenderFailed(f"quarto render --to {to} failed (exit code {proc.returncode}):\n{failure_summary(log.read_text())}", log)
            produced = Path(tmp) / "report"  # _quarto.yml sets output-dir: ../report
            shutil.copytree(produced, report, dirs_exist_ok=True)
        written = []
        if "html" in formats:
            written.append(report / "index.html")
        if "pdf" in formats:
            pdfs = sorted(p for p in report.glob("*.pdf") if p.name != pdf_name(cycle))
            if pdfs:
                pdfs[0].replace(report / pdf_name(cycle))
            written.append(report / pdf_name(cycle))
        return written


RENDERERS = {"pandoc": PandocRenderer, "quarto": QuartoRenderer}


def choose(name: str):
    """A renderer by name; `auto` is Quarto when `quarto` is on the PATH, else the built-in one."""
    if name == "auto":
        name = "quarto" if shutil.which("quarto") else "pandoc"
    if name not in RENDERERS:
        raise ValueError(f"unknown renderer {name!r}; choose auto, quarto or pandoc")
    return RENDERERS[name]()
