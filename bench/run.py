"""`make bench`: how fast `review build` is, as ratios to baselines measured in the same run.

Every timing is a fresh process (as a user runs it), repeated `--runs` times; the
median is reported, with the peak memory of the whole process tree (build, workers,
kernels). Writes the table to docs/performance.md.

    python bench/run.py               # the full suite (about an hour on 2 cores)
    python bench/run.py --largest 10  # medians as above, synthetic cycles up to 10 x 10 (about 30 minutes)
    python bench/run.py --quick       # one run of each, smaller synthetic cycles (a smoke test)
    python bench/run.py --sample-only # the sample's cold build against the naive loop, and its rebuilds (about 15 minutes)

`--sample-only` writes its own section of docs/performance.md and leaves the rest as it
was; a full run rewrites the rest and keeps that section and bench/render.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REVIEW = [PYTHON, "-m", "review.cli"]
SAMPLE = ROOT / "inputs"
REPORT = ROOT / "docs" / "performance.md"


def run(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Seconds and peak resident memory (MB, summed over the process tree) of one command."""
    peak = 0.0
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                procs = [proc] + proc.children(recursive=True)
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            done.wait(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, errors = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{errors[-3000:]}")
    return seconds, peak


def build(inputs: Path, outputs: Path, *extra: str, server: bool = False) -> tuple[float, float]:
    """`review build` as an analyst runs it; without the warm server unless asked (a cold build has none)."""
    return run([*REVIEW, "build", "--inputs", str(inputs), "--outputs", str(outputs), "--renderer", "pandoc", "--quiet", "--server" if server else "--no-server", *extra])


def warm_server_up() -> None:
    """Start the warm server and wait until it serves (what happens while an analyst edits the inputs)."""
    subprocess.run([PYTHON, "-c", "from review.build.server import WarmServer; WarmServer.start_in_background()"], cwd=ROOT, check=True)
    deadline = time.monotonic() + 180
    while subprocess.run([PYTHON, "-c", "import sys; from review.build.server import WarmServer; sys.exit(WarmServer.running() is None)"], cwd=ROOT).returncode:
        if time.monotonic() > deadline:
            raise RuntimeError("the warm server did not start")
        time.sleep(1)


def warm_server_down() -> None:
    subprocess.run([*REVIEW, "server", "stop"], cwd=ROOT, capture_output=True)


def naive(inputs: Path, outputs: Path) -> tuple[float, float]:
    return run([PYTHON, str(ROOT / "bench" / "naive.py"), "--inputs", str(inputs), "--outputs", str(outputs)])


def median(values: list[float]) -> float:
    return statistics.median(values)


def same_notebooks(a: Path, b: Path) -> bool:
    """The executed notebooks of two output folders are byte-identical."""
    names = sorted(p.name for p in (a / "notebooks").glob("*.ipynb"))
    return names == sorted(p.name for p in (b / "notebooks").glob("*.ipynb")) and all((a / "notebooks" / n).read_bytes() == (b / "notebooks" / n).read_bytes() for n in names)


def out_of(outputs: Path) -> Path:
    return next(outputs.glob("*/public"))


def cold_against_naive(inputs: Path, runs: int, work: Path, label: str) -> dict:
    """Alternating naive and cold builds on the same inputs, each from an empty outputs folder."""
    naive_s, build_s, naive_mb, build_mb, identical = [], [], [], [], True
    for i in range(runs):
        a, b = work / f"{label}-naive-{i}", work / f"{label}-build-{i}"
        s, mb = naive(inputs, a)
        naive_s.append(s), naive_mb.append(mb)
        s, mb = build(inputs, b)
        build_s.append(s), build_mb.append(mb)
        identical &= same_notebooks(out_of(a), out_of(b))
        shutil.rmtree(a)
        if i < runs - 1:
            shutil.rmtree(b)
    notebooks = len(list(out_of(b).glob("notebooks/*.ipynb")))
    return {
        "label": label, "notebooks": notebooks, "naive_s": naive_s, "build_s": build_s,
        "naive": median(naive_s), "build": median(build_s), "ratio": median(build_s) / median(naive_s),
        "naive_mb": max(naive_mb), "build_mb": max(build_mb), "identical": identical, "last_outputs": str(b),
    }


def _change_one_stockpile_row(inputs: Path, step: float) -> None:
    lines = (inputs / "stockpiles.csv").read_text().splitlines()
    fields = lines[1].split(",")  # the first row: a public row of one member
    fields[3] = str(float(fields[3]) + step)
    lines[1] = ",".join(fields)
    (inputs / "stockpiles.csv").write_text("\n".join(lines) + "\n")


def rebuilds(inputs: Path, runs: int, work: Path) -> dict:
    """No-change and one-stockpile-row rebuilds, as ratios to the cold build of the same round.

    The cold build has no warm server; the rebuilds are measured as drafting goes: with the
    server the cold build started (waited for here, as it is up while the analyst edits), and
    the one-row rebuild also without it.
    """
    cold, same, row, row_alone, reran = [], [], [], [], set()
    for i in range(runs):
        warm_server_down()
        outputs = work / f"rebuild-{i}"
        changed = work / f"rebuild-inputs-{i}"
        shutil.copytree(inputs, changed)
        cold.append(build(changed, outputs)[0])
        warm_server_up()
        same.append(build(changed, outputs, server=True)[0])
        _change_one_stockpile_row(changed, 1)
        row.append(build(changed, outputs, server=True)[0])
        manifest = json.loads((out_of(outputs) / "manifest.json").read_text())
        reran |= {j["name"] for j in manifest["jobs"] if not j["cached"]}
        _change_one_stockpile_row(changed, 1)
        row_alone.append(build(changed, outputs, server=False)[0])
        shutil.rmtree(outputs)
        shutil.rmtree(changed)
    warm_server_down()
    return {
        "cold": median(cold), "no_change": median(same), "no_change_ratio": median([s / c for s, c in zip(same, cold)]),
        "one_row": median(row), "one_row_ratio": median([r / c for r, c in zip(row, cold)]),
        "one_row_alone": median(row_alone), "one_row_alone_ratio": median([r / c for r, c in zip(row_alone, cold)]),
        "reran": sorted(reran), "all": {"cold": cold, "no_change": same, "one_row": row, "one_row_no_server": row_alone},
    }


def scaling(sizes: list[int], runs: int, work: Path, known: dict[int, list[float]]) -> list[dict]:
    from make_cycle import make_cycle

    rows = []
    for n in sizes:
        inputs = work / f"scale-{n}"
        make_cycle(inputs, n, n, 7, seed=n)
        times = list(known.get(n, []))
        while len(times) < runs:
            outputs = work / f"scale-{n}-out-{len(times)}"
            times.append(build(inputs, outputs)[0])
            shutil.rmtree(outputs)
        rows.append({"size": n, "notebooks": 2 * n + 4, "build": median(times), "per_notebook": median(times) / (2 * n + 4)})
    return rows


def validation_1m(work: Path, runs: int) -> dict:
    from make_cycle import make_cycle

    inputs = work / "million"
    counts = make_cycle(inputs, 40, 40, 25, seed=7, origins=12)
    read = [run([PYTHON, "-c", f"import pandas as pd; pd.read_csv({str(inputs / 'dependency.csv')!r}, dtype=str)"])[0] for _ in range(runs)]
    validate = []
    peak = 0.0
    for i in range(runs):
        s, mb = run([*REVIEW, "validate", "--inputs", str(inputs), "--outputs", str(work / f"million-out-{i}")])
        validate.append(s)
        peak = max(peak, mb)
    return {"rows": counts["dependency"], "read_csv": median(read), "validate": median(validate), "ratio": median(validate) / median(read), "peak_mb": peak}


def dask_same_outputs(inputs: Path, local_outputs: Path, work: Path) -> dict:
    """The synthetic cycle on a LocalCluster of two workers: the same manifest content hash as the local build."""
    script = f"""
import json, sys
from pathlib import Path
from dask.distributed import LocalCluster
sys.path.insert(0, {str(ROOT)!r})
from review.build.pipeline import BuildRequest, build
with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
    outcome = build(BuildRequest(inputs=Path({str(inputs)!r}), outputs=Path({str(work / 'dask')!r}), renderer="pandoc", scheduler=cluster.scheduler_address))
print(json.dumps(json.loads((outcome.out / "manifest.json").read_text())["content_sha256"]))
"""
    seconds, _ = run([PYTHON, "-c", script])
    remote = json.loads((out_of(work / "dask") / "manifest.json").read_text())["content_sha256"]
    local = json.loads((out_of(local_outputs) / "manifest.json").read_text())["content_sha256"]
    return {"seconds": seconds, "same": remote == local}


def profile(inputs: Path, work: Path) -> dict:
    """Where a cold build's time goes: stages, notebooks, and a kernel's start-up, warm and plain."""
    script = f"""
import asyncio, json, os, sys, time
from pathlib import Path
from review.build.pipeline import BuildRequest, build
outcome = build(BuildRequest(inputs=Path({str(inputs)!r}), outputs=Path({str(work / 'profile')!r}), renderer="pandoc"))
from jupyter_client.manager import AsyncKernelManager
from review.engine.warm_client import WarmKernelManager
from review.engine.warm_kernel import SOCKET_ENV, Zygote
async def cycle(cls):
    t = time.perf_counter()
    km = cls(kernel_name="python3")
    await km.start_kernel()
    kc = km.client(); kc.start_channels(); await kc.wait_for_ready(timeout=60)
    kc.execute("import pandas, seaborn"); await kc.get_shell_msg(timeout=60)
    kc.stop_channels(); await km.shutdown_kernel(now=False)
    return time.perf_counter() - t
with Zygote() as z:
    z.wait_ready(); os.environ[SOCKET_ENV] = z.socket
    warm = sorted(asyncio.run(cycle(WarmKernelManager)) for _ in range(5))[2]
plain = sorted(asyncio.run(cycle(AsyncKernelManager)) for _ in range(3))[1]
print(json.dumps({{"stages": outcome.timings, "notebook_seconds": [r.duration_s for r in outcome.results], "warm_kernel": warm, "plain_kernel": plain}}))
"""
    proc = subprocess.run([PYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def write_report(results: dict, quick: bool) -> None:
    s, syn, rb, v, sc, dk, pr = (results[k] for k in ("sample", "synthetic", "rebuilds", "validation", "scaling", "dask", "profile"))

    def ok(condition: bool) -> str:
        return "met" if condition else "**not met**"

    stages = ", ".join(f"{k} {v:.1f} s" for k, v in pr["stages"].items())
    per_nb = pr["notebook_seconds"]
    command = "bench/run.py" + (" --quick" if quick else f" --largest {syn['size']}" if syn["size"] != 40 else "")
    growth = sc[-1]["per_notebook"] / sc[0]["per_notebook"]
    lines = [
        "# Performance",
        "",
        f"Measured by `python {command}` (`make bench` runs the full suite) on {date.today().isoformat()}, on {machine()}.",
        f"Every figure is the median of {results['runs']} runs, each a fresh process as a user runs it; ratios compare measurements of the same run.",
        "Peak memory is the resident memory of the whole process tree (the build, its workers and kernels).",
        "",
        "The **naive baseline** (`bench/naive.py`) does the same work with the same code the plain way: validation and the snapshot, then a sequential loop of `papermill.execute_notebook` (a fresh kernel per notebook), then assembly and rendering with the built-in renderer. Its executed notebooks are compared byte for byte with `review build`'s.",
        "",
        "| measurement | naive | `review build` | ratio | target | |",
        "|---|---:|---:|---:|---:|---|",
        f"| cold build, sample ({s['notebooks']} notebooks) | {s['naive']:.1f} s, {s['naive_mb']:,.0f} MB | {s['build']:.1f} s, {s['build_mb']:,.0f} MB | {s['ratio']:.2f} | ≤ 0.25 | {ok(s['ratio'] <= 0.25)} |",
        f"| cold build, synthetic {syn['size']}×{syn['size']} ({syn['notebooks']} notebooks) | {syn['naive']:.1f} s, {syn['naive_mb']:,.0f} MB | {syn['build']:.1f} s, {syn['build_mb']:,.0f} MB | {syn['ratio']:.2f} | | |",
        f"| no-change rebuild, sample | (cold {rb['cold']:.1f} s) | {rb['no_change']:.2f} s | {rb['no_change_ratio']:.3f} | < 2 s | {ok(rb['no_change'] < 2)} |",
        f"| one member's stockpile row changed, sample | (cold {rb['cold']:.1f} s) | {rb['one_row']:.1f} s | {rb['one_row_ratio']:.2f} | ≤ 0.3 | {ok(rb['one_row_ratio'] <= 0.3)} |",
        f"| the same, without the warm server (`--no-server`) | (cold {rb['cold']:.1f} s) | {rb['one_row_alone']:.1f} s | {rb['one_row_alone_ratio']:.2f} | | |",
        f"| validation of {v['rows']:,} sourcing rows | `read_csv` {v['read_csv']:.1f} s | `review validate` {v['validate']:.1f} s, {v['peak_mb']:,.0f} MB | {v['ratio']:.1f} | | |",
        "",
        f"Executed notebooks identical to the naive baseline's: sample {'yes' if s['identical'] else '**no**'}, synthetic {'yes' if syn['identical'] else '**no**'}.",
        f"The one-row rebuild re-ran: {', '.join(rb['reran'])}.",
        "",
        "## Growth with the number of notebooks",
        "",
        "| synthetic cycle | notebooks | cold build | per notebook |",
        "|---|---:|---:|---:|",
        *[f"| {r['size']} minerals × {r['size']} members | {r['notebooks']} | {r['build']:.1f} s | {r['per_notebook']:.2f} s |" for r in sc],
        "",
        f"Time per notebook at the largest size is {growth:.2f} of the smallest's: the build grows {'no faster than linearly' if growth <= 1.05 else 'faster than linearly'} with the number of notebooks (fixed costs, validation and start-up, are spread over more notebooks).",
        f"The Dask path (`--scheduler`, a LocalCluster of 2 workers, plain kernels) built the {syn['size']}×{syn['size']} cycle in {dk['seconds']:.0f} s with {'the same' if dk['same'] else '**a different**'} manifest content hash as the local build.",
        "",
        "## Where the time goes",
        "",
        f"A cold build of the sample: {stages}. The {len(per_nb)} notebooks took {sum(per_nb):.1f} s of worker time ({median(per_nb):.2f} s median each) on {os.cpu_count()} workers.",
        f"A kernel's whole life (start, ready, `import pandas, seaborn`, shut down) costs {pr['plain_kernel']:.2f} s fresh and {pr['warm_kernel']:.2f} s forked from the warm process: that difference, paid by every notebook, is what the warm pool removes. What remains per notebook is its own work (reading its slice, drawing and saving its figures, about a second for a mineral chapter) and about 0.35 s of kernel start-up and shut-down.",
        "",
    ]
    lines += [
        "### The one-row rebuild",
        "",
        f"Without the warm server it takes {rb['one_row_alone']:.1f} s: any change to an input file re-runs validation, and validation starts with `import great_expectations` "
        "(about 6 s here, mostly its own import chain: scipy.stats, altair); the re-run notebooks then need a warm process for their kernels. "
        f"The warm server (`review/build/server.py`), which the cold build starts in the background, keeps those imports loaded between builds: validation runs in a fork of it and only re-checks the table that changed, and the kernels are forks of it too, so the rebuild takes {rb['one_row']:.1f} s, of which rendering the whole book again is about 2 s.",
        "",
    ]
    # the sections other runs write (--sample-only, bench/render.py) are kept as they were written
    kept = [_section(title) for title in (SAMPLE_SECTION, RENDER_SECTION)]
    REPORT.write_text("\n".join(lines) + "".join("\n" + k for k in kept if k))


SAMPLE_SECTION = "The sample's cold build and one-row rebuild (`bench/run.py --sample-only`)"
RENDER_SECTION = "Rendering: Quarto and the built-in renderer"


def _section(title: str) -> str | None:
    """The `## title` section of docs/performance.md as it stands (None if it has none)."""
    found = re.search(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", REPORT.read_text(), re.S | re.M) if REPORT.exists() else None
    return found.group(0) if found else None


def write_sample_section(results: dict) -> None:
    """The --sample-only section: cold build against the naive loop, and the rebuilds, in place of the last one."""
    s, rb = results["sample"], results["rebuilds"]
    body = "\n".join([
        f"## {SAMPLE_SECTION}",
        "",
        f"Measured on {date.today().isoformat()}, on {machine()}; load average {os.getloadavg()[0]:.1f} at the end. Medians of {results['runs']} runs; each ratio is of two measurements of the same run.",
        "",
        "| measurement | seconds (each run) | median | ratio | target |",
        "|---|---|---:|---:|---:|",
        f"| naive loop (`bench/naive.py`), sample | {', '.join(f'{x:.1f}' for x in s['naive_s'])} | {s['naive']:.1f} s | | |",
        f"| cold `review build --no-server` | {', '.join(f'{x:.1f}' for x in s['build_s'])} | {s['build']:.1f} s | {s['ratio']:.3f} of the naive loop | ≤ 0.15 |",
        f"| no-change rebuild (warm server up) | {', '.join(f'{x:.2f}' for x in rb['all']['no_change'])} | {rb['no_change']:.2f} s | | < 2 s |",
        f"| one stockpile row changed, warm server up | {', '.join(f'{x:.1f}' for x in rb['all']['one_row'])} | {rb['one_row']:.1f} s | {rb['one_row_ratio']:.2f} of the cold build | ≤ 0.30 |",
        f"| one stockpile row changed, `--no-server` | {', '.join(f'{x:.1f}' for x in rb['all']['one_row_no_server'])} | {rb['one_row_alone']:.1f} s | {rb['one_row_alone_ratio']:.2f} of the cold build | ≤ 0.30 |",
        "",
        f"Executed notebooks identical to the naive loop's: {'yes' if s['identical'] else '**no**'}. The one-row rebuild re-ran: {', '.join(rb['reran'])}.",
        "",
    ])
    text = REPORT.read_text()
    old = _section(SAMPLE_SECTION)
    if old:
        text = text.replace(old, body + "\n")
    else:
        render = _section(RENDER_SECTION)
        text = text.replace(render, body + "\n" + render) if render else text.rstrip("\n") + "\n\n" + body
    REPORT.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run each and smaller synthetic cycles")
    parser.add_argument("--largest", type=int, choices=(10, 20, 40), default=40, help="the largest synthetic cycle (minerals = members)")
    parser.add_argument("--sample-only", action="store_true", help="only the sample's cold build and rebuilds, into their own section")
    args = parser.parse_args()
    runs = 1 if args.quick else max(3, args.runs)
    if args.sample_only:
        with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
            work = Path(tmp)
            print("sample: naive against review build ...", flush=True)
            results = {"runs": runs, "sample": cold_against_naive(SAMPLE, runs, work, "sample")}
            print("sample: rebuilds ...", flush=True)
            results["rebuilds"] = rebuilds(SAMPLE, runs, work)
        write_sample_section(results)
        print(_section(SAMPLE_SECTION))
        return
    size = 10 if args.quick else args.largest
    sizes = [s for s in (5, 10, 20, 40) if s <= size]
    sys.path.insert(0, str(ROOT / "bench"))
    from make_cycle import make_cycle

    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        work = Path(tmp)
        results = {"runs": runs}
        print("sample: naive against review build ...", flush=True)
        results["sample"] = cold_against_naive(SAMPLE, runs, work, "sample")
        print("sample: rebuilds ...", flush=True)
        results["rebuilds"] = rebuilds(SAMPLE, runs, work)
        synthetic = work / f"synthetic-{size}"
        make_cycle(synthetic, size, size, 7, seed=size)
        print(f"synthetic {size}x{size}: naive against review build ...", flush=True)
        results["synthetic"] = cold_against_naive(synthetic, runs, work, "synthetic") | {"size": size}
        print("dask ...", flush=True)
        results["dask"] = dask_same_outputs(synthetic, Path(results["synthetic"]["last_outputs"]), work)
        print("scaling ...", flush=True)
        results["scaling"] = scaling(sizes, runs, work, {size: results["synthetic"]["build_s"]})
        print("validation of a million rows ...", flush=True)
        results["validation"] = validation_1m(work, runs)
        print("profile ...", flush=True)
        results["profile"] = profile(SAMPLE, work)
    write_report(results, args.quick)
    print(REPORT.read_text())
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "latest.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
