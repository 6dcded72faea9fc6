"""The build engine on the tiny cycle: jobs, cache, failures, atomicity, locking, subsets, Dask."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import run_review, tree_state

from review.audit import manifest as manifest_mod
from review.build.pipeline import BuildLocked, BuildRequest, JobsFailed, build
from review.engine.execute import JobCache, LocalExecutor, execute, run_job
from review.engine.jobs import Job, parse_only

OUT = Path("2026") / "public"
EXPECTED_JOBS = [
    "glance", "overview", "mineral-rare-earths", "mineral-lithium", "members", "member-USA", "member-JPN", "member-AUS",
    "projects", "stockpiles", "recycling", "markets",
]


def set_cell(path: Path, match: dict, column: str, value: str) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    hits = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, hits
    hits[0][column] = value
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())


def test_cold_build_runs_every_notebook(tiny_build):
    _, outputs, outcome = tiny_build
    out = outputs / OUT
    assert [r.name for r in outcome.results] == EXPECTED_JOBS
    assert not any(r.cached for r in outcome.results)
    for name in EXPECTED_JOBS:
        assert (out / "notebooks" / f"{name}.ipynb").is_file()
    manifest = manifest_mod.read(out)
    assert manifest["cycle"] == 2026 and manifest["edition"] == "public"
    assert set(manifest["inputs"]) >= {"config.json", "dependency", "stockpiles"}  # public: the published tables' hashes
    job = next(j for j in manifest["jobs"] if j["name"] == "mineral-rare-earths")
    assert job["parameters"] == {"cycle": 2026, "snapshot": "validated", "mineral": "rare-earths"}
    assert job["records"]["dependency_refining_2026"] == pytest.approx(0.75)
    assert job["cached"] is False and len(job["key"]) == 64 and len(job["sha256"]) == 64
    assert any(f.endswith("fig-mineral-rare-earths-sourcing.csv") for f in job["files"])
    assert (out / "data" / "indicators.csv").is_file() and (out / "data" / "indicators.parquet").is_file()
    assert (out / "report" / "index.html").is_file() and (out / "report" / "alliance-review-2026.pdf").is_file()


def test_executed_notebooks_carry_no_timestamps(tiny_build):
    _, outputs, _ = tiny_build
    text = (outputs / OUT / "notebooks" / "overview.ipynb").read_text()
    for stamp in ("start_time", "end_time", '"duration"', "iopub.execute_input", str(outputs)):
        assert stamp not in text


def test_second_build_reuses_everything_with_identical_hashes(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    before = manifest_mod.read(outputs / OUT)
    outcome = build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"))
    assert all(r.cached for r in outcome.results)
    assert outcome.snapshot_reused and outcome.render_reused
    after = manifest_mod.read(outputs / OUT)
    assert after["content_sha256"] == before["content_sha256"]
    for a, b in zip(before["jobs"], after["jobs"]):
        assert (a["sha256"], a["records"], a["files"], a["key"]) == (b["sha256"], b["records"], b["files"], b["key"])
    stable = {k: v for k, v in before["files"].items() if k.split("/")[0] in ("validated", "notebooks", "data")}
    assert stable and all(after["files"][k] == v for k, v in stable.items())


def test_changing_one_stockpile_row_reruns_only_the_jobs_that_read_it(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    # USA's 2025 rare-earth stockpile is public. It is read by the rare-earths chapter (member
    # cover), USA's chapter, the stockpiles theme, the members' chapter (each member's table
    # carries its cover) and At a glance (a line per pillar: it reads every indicator). The
    # Alliance total it belongs to is withheld in the public edition (one confidential
    # member), so the overview's scorecard does not change and neither do lithium, the other
    # members' profiles, projects or recycling.
    set_cell(inputs / "stockpiles.csv", {"year": "2025", "member": "USA"}, "holdings_t", "14")
    outcome = build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"))
    ran = {r.name for r in outcome.results if not r.cached}
    assert ran == {"mineral-rare-earths", "member-USA", "stockpiles", "members", "glance"}
    assert not outcome.snapshot_reused


def test_force_runs_everything(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    outcome = build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc", force=True, formats=("html",)))
    assert not any(r.cached for r in outcome.results)


def failing_notebook(tmp_path: Path) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell('cycle = 2026\nsnapshot = "validated"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('planted failure')"),
    ]
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    return str(path)


def test_a_failing_notebook_does_not_stop_the_others(tiny_build, tmp_path):
    _, outputs, _ = tiny_build
    out = tmp_path / "out"
    shutil.copytree(outputs / OUT / "validated", out / "validated")
    good = Job("recycling", {"cycle": 2026, "snapshot": "validated"}, "k-good", str(Path(__file__).parent.parent / "review" / "notebooks" / "recycling.ipynb"))
    bad = Job("projects", {"cycle": 2026, "snapshot": "validated"}, "k-bad", failing_notebook(tmp_path))
    seen = []
    results = execute([bad, good], out, JobCache(tmp_path / "cache"), LocalExecutor(2), tmp_path / "kernels.log", seen.append)
    by_name = {r.name: r for r in results}
    assert by_name["recycling"].ok
    failure = by_name["projects"]
    assert not failure.ok and "cell 3" in failure.error and "ValueError: planted failure" in failure.error
    partial = nbformat.read(out / "notebooks" / "projects.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in partial.cells for o in c.get("outputs", []))
    assert not (tmp_path / "cache" / "jobs" / "k-bad").exists() and (tmp_path / "cache" / "jobs" / "k-good").is_dir()
    assert len(seen) == 2


def test_build_with_a_failing_notebook_exits_1_and_keeps_the_previous_outputs(tiny_built_copy, tmp_path, monkeypatch):
    import review.build.pipeline as build_mod

    inputs, outputs = tiny_built_copy
    before = tree_state(outputs / OUT)
    real_plan = build_mod.plan
    broken = failing_notebook(tmp_path)

    def plan_with_a_broken_notebook(meta, only=None):
        jobs = real_plan(meta, only)
        return [Job(j.notebook, j.parameters, "broken-" + j.key, broken) if j.name == "projects" else j for j in jobs]

    monkeypatch.setattr(build_mod, "plan", plan_with_a_broken_notebook)
    with pytest.raises(JobsFailed) as caught:
        build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"))
    assert [r.name for r in caught.value.failed] == ["projects"]
    assert (caught.value.kept / "notebooks" / "projects.ipynb").is_file()
    assert tree_state(outputs / OUT) == before
    assert not list((outputs / "2026").glob(".public.tmp-*"))


def test_interrupted_build_leaves_previous_outputs(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    before = tree_state(outputs / OUT)
    set_cell(inputs / "recycling.csv", {"year": "2025", "member": "USA"}, "recycled_output_t", "4.5")

    class Interrupt:
        def stage(self, name, total=None):
            if name == "assemble":
                raise KeyboardInterrupt

        def job_done(self, result):
            pass

        def stage_done(self, name, detail):
            pass

        def note(self, message):
            pass

    with pytest.raises(KeyboardInterrupt):
        build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"), Interrupt())
    assert tree_state(outputs / OUT) == before
    assert not list((outputs / "2026").glob(".public.tmp-*"))


def test_a_second_build_of_the_same_outputs_is_refused(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    lock = outputs / ".cache" / "locks" / "2026-public.lock"
    with open(lock, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BuildLocked, match="another build of .* is running"):
            build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"))


def test_only_runs_a_subset_and_marks_the_build_partial(tiny, tmp_path):
    outputs = tmp_path / "outputs"
    outcome = build(BuildRequest(inputs=tiny, outputs=outputs, renderer="pandoc", formats=("html",), only=parse_only("mineral=lithium,overview")))
    assert sorted(r.name for r in outcome.results) == ["mineral-lithium", "overview"]
    manifest = manifest_mod.read(outputs / OUT)
    assert manifest["partial"] is True and "member-JPN" in manifest["omitted"]


def test_parse_only():
    assert parse_only("mineral=rare-earths,member=JPN,overview") == {"mineral": {"rare-earths"}, "member": {"JPN"}, "overview": set()}
    with pytest.raises(ValueError, match="unknown notebook"):
        parse_only("minerals=lithium")


def test_warm_kernels_give_the_same_results_as_plain_papermill(tiny_build, tmp_path):
    """The same notebook through a forked warm kernel and through a fresh Papermill kernel."""
    from review.engine.warm_kernel import SOCKET_ENV, Zygote

    _, outputs, outcome = tiny_build
    job = next(j for j in __import__("review.engine.jobs", fromlist=["plan"]).plan(json.loads((outputs / OUT / "validated" / "snapshot.json").read_text())) if j.name == "mineral-rare-earths")
    results = {}
    for mode in ("plain", "warm"):
        out = tmp_path / mode
        shutil.copytree(outputs / OUT / "validated", out / "validated")
        if mode == "warm":
            with Zygote() as zygote:
                zygote.wait_ready()
                import os

                os.environ[SOCKET_ENV] = zygote.socket
                results[mode] = run_job(job, str(out), warm=True)
        else:
            results[mode] = run_job(job, str(out), warm=False)
    plain, warm = results["plain"], results["warm"]
    assert plain.ok and warm.ok
    assert plain.records == warm.records
    assert plain.files == warm.files
    for rel in plain.files:
        assert (tmp_path / "plain" / rel).read_bytes() == (tmp_path / "warm" / rel).read_bytes(), rel
    assert (tmp_path / "plain" / job.output).read_bytes() == (tmp_path / "warm" / job.output).read_bytes()


def test_dask_path_gives_the_same_outputs(tiny_build, tmp_path):
    """One notebook of each kind on a Dask cluster (plain kernels, about 5 s each here, so not
    all twelve): each gives the same records, files and hashes as the local build's."""
    from dask.distributed import LocalCluster

    inputs, outputs, _ = tiny_build
    local = {j["name"]: j for j in manifest_mod.read(outputs / OUT)["jobs"]}
    only = parse_only("overview,mineral=rare-earths,member=JPN")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcome = build(BuildRequest(inputs=inputs, outputs=tmp_path / "dask", renderer="pandoc", formats=("html",), scheduler=cluster.scheduler_address, only=only))
    assert sorted(r.name for r in outcome.results) == ["member-JPN", "mineral-rare-earths", "overview"] and not any(r.cached for r in outcome.results)
    for b in manifest_mod.read(tmp_path / "dask" / OUT)["jobs"]:
        a = local[b["name"]]
        assert (a["records"], a["files"], a["sha256"]) == (b["records"], b["files"], b["sha256"])


def test_cli_build_invalid_inputs_exit_2_and_outputs_untouched(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    before = tree_state(outputs / OUT)
    set_cell(inputs / "projects.csv", {"as_of": "2026", "project_id": "T3"}, "status", "dreaming")
    proc = run_review("build", "--inputs", inputs, "--outputs", outputs, "--renderer", "pandoc", "--quiet")
    assert proc.returncode == 2
    assert "projects.csv, row 6, column status" in proc.stderr
    assert tree_state(outputs / OUT) == before


def test_cli_build_prints_the_report_paths(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    proc = run_review("build", "--inputs", inputs, "--outputs", outputs, "--renderer", "pandoc")
    assert proc.returncode == 0, proc.stderr
    assert f"{len(EXPECTED_JOBS)} reused from the cache" in proc.stderr
    printed = proc.stdout.split()
    assert str(outputs / OUT / "report" / "index.html") in printed
    assert str(outputs / OUT / "report" / "alliance-review-2026.pdf") in printed


# --- a damaged cache, a killed build, a full disk ------------------------------------------------


def test_a_damaged_cache_entry_is_rebuilt_and_the_right_data_is_published(tiny_built_copy):
    """A truncated cached notebook, an altered cached figure CSV and an altered cached report are misses."""
    from review.audit.verify import verify

    inputs, outputs = tiny_built_copy
    manifest = manifest_mod.read(outputs / OUT)
    keys = {j["name"]: j["key"] for j in manifest["jobs"]}
    jobs_cache = outputs / ".cache" / "jobs"
    notebook = jobs_cache / keys["overview"] / "notebook.ipynb"
    notebook.write_bytes(notebook.read_bytes()[:200])  # as a crash mid-copy leaves it
    rel = "data/mineral-rare-earths/fig-mineral-rare-earths-sourcing.csv"
    published = (outputs / OUT / rel).read_text()
    cached_csv = jobs_cache / keys["mineral-rare-earths"] / "files" / rel
    lines = cached_csv.read_text().splitlines()
    fields = lines[1].split(",")
    fields[-1] = str(float(fields[-1]) + 0.01)
    cached_csv.write_text("\n".join(lines[:1] + [",".join(fields)] + lines[2:]) + "\n")
    (cached_report,) = (outputs / ".cache" / "render").glob("*/index.html")
    cached_report.write_text(cached_report.read_text().replace("</body>", "<p>planted in the cache</p></body>"))

    proc = run_review("build", "--inputs", inputs, "--outputs", outputs, "--renderer", "pandoc", "--verbose")
    assert proc.returncode == 0, proc.stderr
    assert f"notebooks: 2 executed, {len(keys) - 2} reused from the cache" in " ".join(proc.stderr.split())  # overview and rare-earths
    assert "overview: the cached copy is damaged (notebook.ipynb does not match its recorded hash)" in proc.stderr
    assert f"mineral-rare-earths: the cached copy is damaged ({'files/' + rel} does not match" in proc.stderr
    assert "the cached report is damaged (index.html does not match its recorded hash)" in proc.stderr
    assert (outputs / OUT / rel).read_text() == published
    assert "planted in the cache" not in (outputs / OUT / "report" / "index.html").read_text()
    assert verify(outputs / OUT).intact
    rebuilt = manifest_mod.read(outputs / OUT)
    assert rebuilt["content_sha256"] == manifest["content_sha256"]
    again = build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"))  # the entries were stored afresh
    assert all(r.cached for r in again.results) and again.render_reused


def test_an_unreadable_cache_entry_is_a_miss(tiny_build, tmp_path):
    _, outputs, _ = tiny_build
    out = tmp_path / "out"
    shutil.copytree(outputs / OUT / "validated", out / "validated")
    job = Job("recycling", {"cycle": 2026, "snapshot": "validated"}, "k-recycling", str(Path(__file__).parent.parent / "review" / "notebooks" / "recycling.ipynb"))
    notes = []
    cache = JobCache(tmp_path / "cache", notes.append)
    (first,) = execute([job], out, cache, LocalExecutor(1, warm=False), tmp_path / "kernels.log", lambda r: None)
    assert first.ok and not first.cached
    assert cache.restore(job, tmp_path / "again") is not None  # intact: a hit
    (tmp_path / "cache" / "jobs" / "k-recycling" / "result.json").write_text('{"name": "recyc')
    assert cache.restore(job, tmp_path / "again") is None
    assert notes == ["recycling: the cached copy is damaged (result.json does not match its recorded hash); running the notebook again"]
    assert not (tmp_path / "cache" / "jobs" / "k-recycling").exists()  # removed, so that the re-run is stored


def _descendants(pid: int) -> dict[int, str]:
    """Every process below `pid` (from /proc), with its command line."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_a_build_killed_with_sigkill_leaves_no_process_behind(tiny, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    build_proc = subprocess.Popen(
        [sys.executable, "-m", "review.cli", "build", "--inputs", str(tiny), "--outputs", str(tmp_path / "outputs"), "--renderer", "pandoc", "--no-server", "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # until a notebook's kernel runs
            below = _descendants(build_proc.pid)
            if any("warm_kernel attach" in cmd for cmd in below.values()):
                break
            assert build_proc.poll() is None, "the build ended before any kernel started"
            time.sleep(0.1)
        else:
            pytest.fail("no kernel started within 240 s")
        time.sleep(0.5)
        below = _descendants(build_proc.pid)
        kinds = " ".join(below.values())
        assert "multiprocessing" in kinds and "warm_kernel serve" in kinds and "warm_kernel attach" in kinds
        os.kill(build_proc.pid, signal.SIGKILL)
        build_proc.wait()
        deadline = time.monotonic() + 15  # each process notices its parent's death within a second or two, later on a loaded machine
        while (left := {pid: cmd for pid, cmd in below.items() if _running(pid)}) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, left
    finally:
        if build_proc.poll() is None:
            build_proc.kill()
            build_proc.wait()


def test_a_full_disk_during_the_build_removes_the_staging_folder(tiny_built_copy, monkeypatch):
    import errno

    inputs, outputs = tiny_built_copy
    before = tree_state(outputs / OUT)

    def disk_full(self, job, result, out_dir):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(JobCache, "store", disk_full)
    with pytest.raises(OSError, match="No space left"):  # the first notebook to finish; the others are still running
        build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc", force=True, workers=2))
    assert not list((outputs / "2026").glob(".public.tmp-*"))
    assert tree_state(outputs / OUT) == before


def test_a_no_change_rebuild_reuses_the_published_indicators_only_when_they_are_intact(tiny_built_copy):
    inputs, outputs = tiny_built_copy
    published = outputs / OUT / "data" / "indicators.csv"
    original = published.read_bytes()
    build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc", formats=("html",)))
    assert published.read_bytes() == original  # copied from the previous build (its manifest's hash matched)
    published.write_bytes(original + b"planted,row\n")  # the previous build's file altered after it was published
    build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc", formats=("html",)))
    assert published.read_bytes() == original  # written again from the snapshot, not copied


def test_executed_notebooks_write_nothing_to_stderr(tiny_build):
    """A warning is printed once per process: a notebook that warns differs between a fresh kernel
    and the warm server's (which had already warned), so the two builds' hashes differ."""
    _, outputs, _ = tiny_build
    for notebook in sorted((outputs / OUT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        stderr = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        assert stderr == [], (notebook.name, stderr)


def test_a_pdf_that_fails_stops_the_search_index_started_beside_it(tiny_build, tmp_path, monkeypatch):
    """Pagefind indexes the HTML while Typst compiles the PDF; when the PDF fails, the render
    fails with its error and leaves no indexer running into a report that will be removed."""
    import review.report.render as render

    _, outputs, _ = tiny_build
    started = []

    def start(site):
        started.append(real_start(site))
        return started[-1]

    def failing_typst(*_):
        raise render.RenderFailed("typst failed: planted")

    real_start = render.start_search_index
    monkeypatch.setattr(render, "start_search_index", start)
    monkeypatch.setattr(render, "compile_typst", failing_typst)
    book = tmp_path / "book"
    shutil.copytree(outputs / OUT / "book", book)
    with pytest.raises(render.RenderFailed, match="planted"):
        render.PandocRenderer().render(book, tmp_path / "report", ("html", "pdf"), 2026, "public")
    assert len(started) == 1 and started[0].returncode is not None
    # and when it succeeds the index is there, HTML alone as with the PDF
    monkeypatch.undo()
    written = render.PandocRenderer().render(book, tmp_path / "html-only", ("html",), 2026, "public")
    assert written == [tmp_path / "html-only" / "index.html"] and (tmp_path / "html-only" / "pagefind" / "pagefind-ui.js").is_file()
