"""`review build`: inputs -> snapshot -> executed notebooks -> book -> report, with a manifest.

Every stage reads only what the stage before it wrote, and each one is skipped when its
inputs have not changed: the snapshot when the input files, edition and code are the
same as the previous build's; a notebook when its cache key is in the job cache; the
book and the report when the content they are made from is the same. Everything is
written to a staging folder beside OUT and moved into place only when complete, under
a lock, so an interrupted or failed build leaves the previous outputs as they were.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from review.audit import manifest as manifest_mod
from review.build.validated import finished_build, intact_part, make_snapshot, previous_review_dir
from review.engine.execute import EXECUTORS, JobCache, JobResult, execute
from review.engine.jobs import plan, selected
from review.inputs.fingerprint import code_hash, key
from review.inputs.fsutil import HASHES_FILE, Staging, copy_file, damage, sha256_file, write_hashes
from review.inputs.paths import cache_dir, out_dir

FAILED_SUFFIX = ".failed"


class Reporter(Protocol):
    """What the build tells whoever runs it (the CLI draws progress bars from it)."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def job_done(self, result: JobResult) -> None: ...

    def stage_done(self, name: str, detail: str) -> None: ...

    def note(self, message: str) -> None:
        """Something worth a line with --verbose (a damaged cache entry, rebuilt)."""


class Silent:
    def stage(self, name, total=None):
        pass

    def job_done(self, result):
        pass

    def stage_done(self, name, detail):
        pass

    def note(self, message):
        pass


@dataclass
class BuildRequest:
    inputs: Path
    outputs: Path = Path("outputs")
    edition: str | None = None
    workers: int | None = None
    scheduler: str | None = None
    only: dict | None = None
    force: bool = False
    renderer: str = "auto"
    formats: tuple[str, ...] = ("html", "pdf")
    warm: bool = True
    server: bool = False  # use, or start for next time, the warm server (review.build.server)
    previous: Path | None = None  # the previous review's OUT (review.build.validated.previous_review_dir)
    sign_key: Path | None = None  # an Ed25519 private key: OUT/manifest.sig (review.audit.signing)


@dataclass
class BuildOutcome:
    out: Path
    results: list[JobResult]
    report: list[Path]
    snapshot_reused: bool
    book_reused: bool
    render_reused: bool
    omitted: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


class BuildLocked(Exception):
    pass


class NotMadeByTheTool(Exception):
    """OUT holds something the tool did not write there; a build does not replace it."""


def _check_replaceable(final: Path) -> None:
    """A build replaces OUT only when the tool made it: a finished build (its manifest) or what
    `review validate` writes into a new build folder (validated/ alone). Anything else may be
    someone's work that happens to sit at that path: it is refused, and nothing is touched.
    """
    if not final.exists() or finished_build(final):
        return
    if final.is_dir() and [p.name for p in final.iterdir()] == ["validated"] and (final / "validated" / "snapshot.json").is_file():
        return
    raise NotMadeByTheTool(f"{final} exists but was not made by review build (it has no manifest.json), so it was left as it is; move what it holds, or build into another --outputs folder")


class JobsFailed(Exception):
    """Some notebooks raised; `failed` says which, where, and `kept` holds their partial notebooks."""

    def __init__(self, failed: list[JobResult], kept: Path):
        self.failed = failed
        self.kept = kept
        super().__init__(f"{len(failed)} notebook{'s' if len(failed) != 1 else ''} failed")


class _Lock:
    """One build per output folder at a time: a second one is refused with a clear message."""

    def __init__(self, outputs: Path, cycle: int, edition: str):
        folder = cache_dir(outputs) / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{cycle}-{edition}.lock"
        self.what = out_dir(outputs, cycle, edition)

    def __enter__(self) -> "_Lock":
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "unknown"
            self.handle.close()
            raise BuildLocked(f"another build of {self.what} is running (process {holder}); wait for it to finish, or build into another --outputs folder") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _remove_stale_staging(final: Path, ours: Path) -> None:
    """Staging folders of builds that were killed (we hold the lock, so none is running)."""
    for stale in final.parent.glob(f".{final.name}.tmp-*"):
        if stale != ours:
            shutil.rmtree(stale, ignore_errors=True)


def _snapshot_reusable(inputs: Path, edition: str, previous_snapshot: Path, previous_review: Path) -> bool:
    from review.build.validated import snapshot_key
    from review.inputs import snapshot

    try:
        return snapshot.read_meta(previous_snapshot).get("key") == snapshot_key(inputs, edition, previous_review)[0]
    except FileNotFoundError:
        return False


def _keep_failed(stage: Path, final: Path, failed: list[JobResult]) -> Path:
    kept = final.with_name(final.name + FAILED_SUFFIX)
    shutil.rmtree(kept, ignore_errors=True)
    for result in failed:
        source = stage / "notebooks" / f"{result.name}.ipynb"
        if source.is_file():
            copy_file(source, kept / "notebooks" / f"{result.name}.ipynb")
    (kept.mkdir(parents=True, exist_ok=True))
    (kept / "failures.json").write_text(json.dumps([r.as_dict() for r in failed], indent=1) + "\n")
    return kept


def _tree_hash(folder: Path) -> str:
    return key("tree", {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()})


def _render(book: Path, report: Path, request: BuildRequest, cycle: int, edition: str, outputs: Path, note) -> tuple[list[Path], bool]:
    """Render, or restore the same render from the cache (keyed on the book's content; a damaged entry is a miss)."""
    from review.report.render import RenderFailed, choose

    renderer = choose(request.renderer)
    render_key = key("render", _tree_hash(book), renderer.name, sorted(request.formats), code_hash())
    entry = cache_dir(outputs) / "render" / render_key
    if entry.is_dir():
        problem = damage(entry)
        if problem is None:
            shutil.copytree(entry, report, dirs_exist_ok=True, ignore=shutil.ignore_patterns(HASHES_FILE))
            return sorted(p for p in report.rglob("*") if p.is_file()), True
        note(f"the cached report is damaged ({problem}); rendering again")
        shutil.rmtree(entry, ignore_errors=True)
    try:
        written = renderer.render(book, report, request.formats, cycle, edition)
    except RenderFailed as failure:  # the staging folder goes: its log is kept beside OUT
        if failure.log is None:
            raise
        kept = out_dir(outputs, cycle, edition)
        kept = kept.with_name(kept.name + FAILED_SUFFIX) / "logs" / failure.log.name
        copy_file(failure.log, kept)
        raise RenderFailed(failure.summary, kept) from None
    tmp = entry.with_name(f".{render_key}.tmp-{os.getpid()}")
    shutil.copytree(report, tmp, dirs_exist_ok=True)
    write_hashes(tmp)
    try:
        os.replace(tmp, entry)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    return written, False


def build(request: BuildRequest, reporter: Reporter | None = None) -> BuildOutcome:
    """Run every stage; raise InvalidInputs, JobsFailed or BuildLocked instead of writing a bad OUT."""
    from review.inputs.config import load_config

    reporter = reporter or Silent()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = [started]

    def lap(stage_name: str) -> None:
        now = time.perf_counter()
        timings[stage_name] = round(now - clock[0], 3)
        clock[0] = now

    config = load_config(request.inputs)
    edition = request.edition or config.edition
    if request.sign_key is not None:
        from review.audit.signing import check_private_key

        check_private_key(request.sign_key)  # a key that cannot sign fails now, not after the build
    final = out_dir(request.outputs, config.cycle, edition)
    previous = previous_review_dir(request.inputs, request.outputs, config, edition, request.previous)
    cache = JobCache(cache_dir(request.outputs), reporter.note)
    server = None
    if request.server and not request.scheduler:
        from review.build.server import WarmServer

        server = WarmServer.running()
    if request.scheduler:
        executor = EXECUTORS["dask"](request.scheduler)
    else:
        executor = EXECUTORS["local"](request.workers, warm=request.warm, socket=server.socket if server else None)
    # the executor is left first: its notebooks are stopped before a failed build's staging folder is removed
    with _Lock(request.outputs, config.cycle, edition), Staging(final) as staging, executor:
        _check_replaceable(final)  # under the lock: no other build is writing it
        _remove_stale_staging(final, staging.path)
        stage = staging.path
        logs = stage / "logs"
        logs.mkdir()
        reporter.stage("validate")
        # the previous snapshot is reused only as its manifest recorded it (review validate's, in a new folder, has none to check)
        reuse = final / "validated" if intact_part(final, "validated") or not finished_build(final) else None
        if reuse is None or not _snapshot_reusable(request.inputs, edition, reuse, previous):
            executor.warm_up(logs / "kernels.log")  # its imports overlap with validation
        passed = cache_dir(request.outputs) / "validation"
        if server:
            snap = server.snapshot(request.inputs, stage / "validated", edition, reuse, previous, passed, stage / "data")
        else:
            snap = make_snapshot(request.inputs, stage / "validated", edition, reuse, previous, passed, stage / "data")
        reporter.stage_done("validate", "inputs unchanged: skipped" if snap.reused else f"{sum(snap.rows.values()):,} rows valid")
        lap("validate")

        every = plan(snap.meta)
        wanted = [j for j in every if request.only is None or selected(j, request.only)]
        reporter.stage("execute", len(every))
        results = execute(wanted, stage, cache, executor, logs / "kernels.log", reporter.job_done, force=request.force)
        omitted = []
        for job in every:  # with --only, the other chapters come from the cache or are left out
            if job in wanted:
                continue
            hit = cache.restore(job, stage)
            if hit is None:
                omitted.append(job.name)
            else:
                results.append(hit)
                reporter.job_done(hit)
        order = {j.name: i for i, j in enumerate(every)}
        results.sort(key=lambda r: order[r.name])
        failed = [r for r in results if not r.ok]
        if failed:
            raise JobsFailed(failed, _keep_failed(stage, final, failed))
        shutil.rmtree(final.with_name(final.name + FAILED_SUFFIX), ignore_errors=True)
        ran = sum(not r.cached for r in results)
        reporter.stage_done("execute", f"{ran} ran · {len(results) - ran} cached" + (f" · {len(omitted)} left out" if omitted else ""))
        lap("execute")

        draft = manifest_mod.draft(config.cycle, edition, snap.meta["inputs"], snap.meta, results, stage, omitted, config.outlook.model_dump(mode="json"))
        today = date.today().isoformat()
        book_key = key("book", draft["content_sha256"], today, code_hash(), omitted)
        reporter.stage("assemble")
        book_reused = _previous_manifest(final).get("book_key") == book_key and intact_part(final, "book")
        if book_reused:
            shutil.copytree(final / "book", stage / "book")
        else:
            from review.report.assemble import write_book

            identity = {
                "date": today,
                "commit": draft["tool"]["commit"],
                "manifest_hash": draft["content_sha256"],
                "environment": draft["environment"],
                "tool_version": draft["tool"]["version"],
                "inputs": draft["inputs"],
                "jobs": draft["jobs"],
                "out": f"{request.outputs.name}/{config.cycle}/{edition}",
            }
            write_book(stage / "book", stage, results, stage / "validated", identity)
        reporter.stage_done("assemble", "unchanged: book reused" if book_reused else f"{len(list((stage / 'book').glob('*.qmd')))} chapters")
        lap("assemble")

        reporter.stage("render")
        report, render_reused = _render(stage / "book", stage / "report", request, config.cycle, edition, request.outputs, reporter.note)
        reporter.stage_done("render", "unchanged: report reused" if render_reused else " and ".join(p.suffix[1:].upper() for p in report if p.parent.name == "report" and p.suffix in (".html", ".pdf")))
        lap("render")

        draft["book_key"] = book_key
        draft["render"] = manifest_mod.render_entry(request.renderer, request.formats)
        manifest_mod.write(stage, draft)
        if request.sign_key is not None:
            from review.audit.signing import sign

            sign(stage, request.sign_key)
        staging.commit()
        lap("manifest")
    cache.prune()
    if request.server and server is None and not request.scheduler:
        from review.build.server import WarmServer

        WarmServer.start_in_background()
    return BuildOutcome(
        out=final,
        results=results,
        report=[final / Path(p).resolve().relative_to(stage.resolve()) for p in report],
        snapshot_reused=snap.reused,
        book_reused=book_reused,
        render_reused=render_reused,
        omitted=omitted,
        seconds=time.perf_counter() - started,
        timings=timings,
    )


def _previous_manifest(final: Path) -> dict:
    try:
        return manifest_mod.read(final)
    except (FileNotFoundError, ValueError):
        return {}
