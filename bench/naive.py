"""The naive baseline: the same inputs, notebooks and renderer as `review build`, done the plain way.

Validate and write the snapshot (the same code), then a plain sequential loop of
`papermill.execute_notebook` over the same jobs (a fresh kernel each, no cache, no
parallelism, no warm kernels), then assemble and render the book (the same code).

    python bench/naive.py --inputs inputs --outputs /tmp/naive
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import papermill

from review.audit import manifest
from review.build.validated import make_snapshot
from review.engine.execute import JobResult, normalize
from review.engine.jobs import plan
from review.inputs.config import load_config
from review.inputs.paths import out_dir
from review.report.assemble import write_book
from review.report.record import data_files, read_records
from review.report.render import PandocRenderer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, required=True)
    parser.add_argument("--outputs", type=Path, required=True)
    args = parser.parse_args()
    import nbformat

    started = time.perf_counter()
    config = load_config(args.inputs)
    out = out_dir(args.outputs, config.cycle, config.edition)
    out.mkdir(parents=True)
    snap = make_snapshot(args.inputs, out / "validated", config.edition)
    results = []
    for job in plan(snap.meta):
        output = out / job.output
        output.parent.mkdir(exist_ok=True)
        begun = time.perf_counter()
        papermill.execute_notebook(job.source, str(output), parameters=job.parameters, cwd=str(out), kernel_name="python3", progress_bar=False)
        nb = nbformat.read(output, as_version=4)
        normalize(nb, job)
        nbformat.write(nb, output)
        files = data_files(nb)
        results.append(JobResult(job.name, job.notebook, job.parameters, job.key, True, False, time.perf_counter() - begun, read_records(nb), files))
    draft = manifest.draft(config.cycle, config.edition, snap.meta["inputs"], snap.meta, results, out, [])
    identity = {
        "date": "today", "commit": draft["tool"]["commit"], "manifest_hash": draft["content_sha256"], "environment": draft["environment"],
        "tool_version": draft["tool"]["version"], "inputs": draft["inputs"], "jobs": draft["jobs"], "out": str(out),
    }
    write_book(out / "book", out, results, out / "validated", identity)
    PandocRenderer().render(out / "book", out / "report", ("html", "pdf"), config.cycle, config.edition)
    print(f"naive: {len(results)} notebooks in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
