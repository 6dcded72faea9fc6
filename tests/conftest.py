"""Shared fixtures: the tiny cycle every fast test builds on, and the shipped sample."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["REVIEW_SERVER"] = "off"  # no test leaves a warm server behind unless it starts one itself
# The built-in renderer for every build that does not name one (`review build`'s default is
# auto, which picks Quarto wherever it is on the PATH): the suite renders the same way on every
# machine, and the Quarto tests (marker `quarto`) name Quarto themselves.
os.environ.setdefault("REVIEW_RENDERER", "pandoc")
TINY = ROOT / "tests" / "fixtures" / "tiny"
SAMPLE = ROOT / "inputs"


#: Test files whose fixtures build whole cycles, slowest first: `make test` runs files in
#: parallel (pytest-xdist, --dist loadfile), and starting the longest first leaves no
#: worker idle at the end while another finishes a long file.
SLOW_FILES = ("test_sample_build.py", "test_cli.py", "test_cycles.py", "test_audit.py", "test_build.py", "test_draft_cycle.py", "test_disclosure.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the order within a file is kept


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A writable copy of the tiny cycle."""
    dest = tmp_path / "inputs"
    shutil.copytree(TINY, dest)
    return dest


def run_review(*args, cwd=None, check=False, env=None) -> subprocess.CompletedProcess:
    """Run the `review` command as a user would (a fresh process, real exit code); `env` adds variables."""
    proc = subprocess.run(
        [sys.executable, "-m", "review.cli", *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"review {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def tree_state(path: Path) -> dict[str, bytes]:
    """Every file under `path` with its bytes (and every folder), to prove a run changed nothing."""
    state = {}
    for p in sorted(Path(path).rglob("*")):
        state[str(p.relative_to(path))] = p.read_bytes() if p.is_file() else b"<dir>"
    return state


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory):
    """The tiny cycle built once (public edition, built-in renderer): (inputs, outputs, outcome)."""
    from review.build.pipeline import BuildRequest, build

    root = tmp_path_factory.mktemp("tiny-build")
    inputs = root / "inputs"
    shutil.copytree(TINY, inputs)
    outcome = build(BuildRequest(inputs=inputs, outputs=root / "outputs", renderer="pandoc"))
    return inputs, root / "outputs", outcome


@pytest.fixture
def tiny_built_copy(tiny_build, tmp_path):
    """A private copy of the tiny build (inputs, outputs with its cache) that a test may change."""
    inputs, outputs, _ = tiny_build
    shutil.copytree(inputs, tmp_path / "inputs")
    shutil.copytree(outputs, tmp_path / "outputs")
    return tmp_path / "inputs", tmp_path / "outputs"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: What a reader meets on one page of an HTML book, gathered in Chromium (see read_book).
PAGE_FACTS = """() => ({
  title: document.title,
  text: document.body.innerText,
  main: (document.querySelector('main') || document.body).innerText,
  images: [...document.querySelectorAll('main img')].map(e => ({ok: e.complete && e.naturalWidth > 0, alt: e.alt, src: e.getAttribute('src')})),
  links: [...document.querySelectorAll('a[href]')].map(e => [e.getAttribute('href'), e.textContent, !!e.closest('main') && !e.closest('.page-navigation')]),
  toc: [...document.querySelectorAll('nav#TOC a[href]')].map(e => e.getAttribute('href')),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  statuses: [...document.querySelectorAll('span.status')].map(e => [e.textContent.replace(/\\s+/g, ' '), getComputedStyle(e).backgroundColor]),
  scripts: [...document.scripts].map(s => ({src: s.getAttribute('src'), text: s.src ? '' : s.textContent})),
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name + '=' + a.value)),
  sources: [...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') || e.getAttribute('src')),
  styles: [...document.querySelectorAll('style')].map(s => s.textContent),
  displayed: getComputedStyle(document.body).display,
})"""


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"])


def read_book(report: Path, base_url: str | None = None, width: int = 1400) -> dict:
    """Open every page of an HTML book in Chromium, from disk (file://) or, with `base_url`,
    as served: {"pages": {name: PAGE_FACTS}, "errors", "failed", "requests", "dialogs"}.

    Playwright is started and stopped here, so no test holds it open while another starts it.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    seen = {"pages": {}, "errors": [], "failed": [], "requests": [], "dialogs": []}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        tab = browser.new_page(viewport={"width": width, "height": 900})
        tab.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: seen["errors"].append(str(e)))
        # a request the browser cancels because the test moves to the next page (a favicon
        # still loading) is no failure a reader meets; every other failure is kept
        tab.on("requestfailed", lambda r: seen["failed"].append(r.url) if "ERR_ABORTED" not in (r.failure or "") else None)
        tab.on("request", lambda r: seen["requests"].append(r.url))
        tab.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        for page in sorted(Path(report).glob("*.html")):
            url = f"{base_url}{page.name}" if base_url else page.as_uri()
            tab.goto(url, wait_until="load")
            tab.wait_for_load_state("networkidle")
            seen["pages"][page.name] = tab.evaluate(PAGE_FACTS) | {"url": tab.url}
        browser.close()
    return seen


@contextmanager
def serving(out: Path):
    """`review serve OUT` on a free port, as a reader starts it: yields the address it prints."""
    import re

    proc = subprocess.Popen([sys.executable, "-m", "review.cli", "serve", str(out), "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert address, (line, proc.stderr.read() if proc.poll() is not None else "")
        yield address.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
