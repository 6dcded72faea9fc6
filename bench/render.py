"""`make bench-render`: how long each renderer takes to render the sample book, as ratios to
the built-in renderer measured in the same run.

The book is the sample's `OUT/book` (built first with the built-in renderer if missing).
Each format of each renderer is rendered `--runs` times, alone and from a fresh output
folder, in this process (the renderers are the ones `review build` uses); the median is
reported. Quarto is measured only where `quarto` is on the PATH. Writes the section
"Rendering: Quarto and the built-in renderer" of docs/performance.md.

    python bench/render.py            # three runs of each
    python bench/render.py --runs 1   # a smoke test
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import REPORT, machine  # noqa: E402
from review.report.render import PandocRenderer, QuartoRenderer  # noqa: E402

BOOK = ROOT / "outputs" / "2026" / "public" / "book"
HEADING = "## Rendering: Quarto and the built-in renderer"


def sample_book() -> Path:
    """The sample's book, built with the built-in renderer when it is not there yet."""
    if not (BOOK / "_quarto.yml").exists():
        subprocess.run([sys.executable, "-m", "review.cli", "build", "--renderer", "pandoc", "--quiet"], cwd=ROOT, check=True)
    return BOOK


def seconds(renderer, book: Path, fmt: str) -> float:
    """One render of one format, into a fresh folder; the book is copied first (outside the timing)."""
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(book, copy)
        started = time.perf_counter()
        renderer.render(copy, Path(tmp) / "report", (fmt,), 2026, "public")
        return time.perf_counter() - started


def measure(runs: int) -> dict:
    book = sample_book()
    renderers = {"built-in": PandocRenderer()}
    if shutil.which("quarto"):
        renderers["quarto"] = QuartoRenderer()
    times = {name: {fmt: statistics.median(seconds(r, book, fmt) for _ in range(runs)) for fmt in ("html", "pdf")} for name, r in renderers.items()}
    versions = {name: getattr(r, "version", "") for name, r in renderers.items()}
    return {"times": times, "versions": versions, "runs": runs, "chapters": len(list(book.glob("*.qmd"))), "load": os.getloadavg()[0]}


def section(results: dict) -> str:
    times, base = results["times"], results["times"]["built-in"]
    lines = [
        HEADING,
        "",
        f"Written by `make bench-render` on {date.today().isoformat()} ({machine()}; load average {results['load']:.1f} at the end): "
        f"the sample book ({results['chapters']} chapters), each format rendered alone from a fresh output folder, "
        f"median of {results['runs']} run{'s' if results['runs'] != 1 else ''}, and its ratio to the built-in renderer in the same run.",
        "",
        "| renderer | HTML | PDF | HTML ratio | PDF ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, t in times.items():
        label = f"Quarto ({results['versions'][name]})" if name == "quarto" else "built-in (Pandoc chunked HTML + Pagefind; Pandoc + Typst)"
        lines.append(f"| {label} | {t['html']:.1f} s | {t['pdf']:.1f} s | {t['html'] / base['html']:.2f} | {t['pdf'] / base['pdf']:.2f} |")
    if "quarto" not in times:
        lines += ["", "`quarto` was not on the PATH: only the built-in renderer was measured."]
    lines += [
        "",
        "A build with the built-in renderer renders both formats at once (Pandoc writes the HTML while",
        "Typst compiles the PDF); Quarto renders one format after the other, so a Quarto build takes",
        "about the sum of its two columns. A rebuild with no change reuses the rendered report with",
        "either renderer (the render stage is keyed on the book's content: `unchanged: ... report`).",
        "Quarto does not re-render unchanged chapters of a book on its own (its `freeze` applies to",
        "code cells, which the book's chapters have none of), so a changed chapter means a render of",
        "the book in either renderer.",
        "",
    ]
    return "\n".join(lines)


def write(results: dict) -> None:
    """Replace the section (up to the next `## ` heading) in docs/performance.md, or add it."""
    text = REPORT.read_text()
    new = section(results)
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: new, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + new
    REPORT.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.runs)
    write(results)
    print(section(results))


if __name__ == "__main__":
    main()
