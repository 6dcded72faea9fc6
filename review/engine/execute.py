"""Executing jobs with Papermill: one job, the cache of executed notebooks, and the executors.

Executors are kept behind a small registry (as Papermill keeps its engines):

- `local` (default): a pool of worker processes on this machine; kernels are forked
  from a warm process (review.engine.warm_kernel) so notebooks do not pay interpreter start
  and imports. `warm=False` gives plain Papermill kernels (the baseline and the check).
- `dask`: the same jobs sent to a Dask distributed scheduler. Workers need this package
  installed and must see the output folder at the same path (a shared file system): a
  job carries only its notebook name, parameters and that path. Kernels there are plain
  Papermill kernels.

One failing notebook does not stop the others. Its partial notebook is kept and the
failure names the notebook, the cell and the error.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from review.engine.jobs import Job
from review.engine.lifetime import die_with_parent, no_imports_from_working_folder
from review.inputs.fsutil import copy_file, damage, inside, write_hashes
from review.report.record import data_files, read_records

#: Kernel start failures of these kinds are retried once (a slow machine, a busy port).
KERNEL_START_ERRORS = ("Kernel didn't respond", "Kernel died before replying", "kernel_info", "timed out")


@dataclass
class JobResult:
    name: str
    notebook: str
    parameters: dict
    key: str
    ok: bool
    cached: bool = False
    duration_s: float = 0.0
    records: dict = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# --- one job ----------------------------------------------------------------------------------


def normalize(nb, job: Job) -> None:
    """Strip what differs between two runs of the same job: timings, absolute paths, random cell ids."""
    meta = nb.metadata.get("papermill", {})
    for k in ("start_time", "end_time", "duration"):
        meta.pop(k, None)
    meta["input_path"] = f"review/notebooks/{job.notebook}.ipynb"
    meta["output_path"] = job.output
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # Papermill gives the cell it adds a random id
        cell.metadata.pop("execution", None)
        pm = cell.metadata.get("papermill")
        if pm is not None:
            for k in ("start_time", "end_time", "duration"):
                pm.pop(k, None)


def _error_text(exc) -> str:
    cell = getattr(exc, "cell_index", None)
    count = getattr(exc, "exec_count", None)
    where = f"cell {cell}" + (f" (execution count {count})" if count is not None else "") if cell is not None else "kernel"
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return f"{where}: {ename}: {evalue}".strip()


def run_job(job: Job, out_dir: str, warm: bool = False) -> JobResult:
    """Execute one job with Papermill in `out_dir` (its working directory) and describe the result."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out = Path(out_dir)
    output = out / job.output
    output.parent.mkdir(parents=True, exist_ok=True)
    from review.engine.warm_client import PlainKernelManager, WarmKernelManager

    extra = {"kernel_manager_class": WarmKernelManager if warm else PlainKernelManager}  # both end with this process
    started = time.perf_counter()
    error = None
    for attempt in (1, 2):
        try:
            pm.execute_notebook(
                str(job.source),
                str(output),
                parameters=job.parameters,
                cwd=str(out),
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=False,
                record_timing=False,
                **extra,
            )
            error = None
            break
        except PapermillExecutionError as exc:
            error = _error_text(exc)
            break
        except Exception as exc:  # a kernel that did not start is retried once
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise  # the disk, not the notebook (whose output is cut short): the build stops and says so
            error = _error_text(exc)
            if attempt == 2 or not any(s in str(exc) for s in KERNEL_START_ERRORS):
                break
    duration = time.perf_counter() - started
    result = JobResult(job.name, job.notebook, job.parameters, job.key, ok=error is None, duration_s=round(duration, 3), error=error)
    if not output.exists():
        return result
    nb = nbformat.read(output, as_version=4)
    normalize(nb, job)
    nbformat.write(nb, output)
    if result.ok:
        result.records = read_records(nb)
        result.files = data_files(nb)
    return result


# --- the cache ----------------------------------------------------------------------------------


class JobCache:
    """Executed notebooks and the files they wrote, by job key (`OUTPUTS/.cache/jobs/<key>/`).

    Each entry records the SHA-256 of its files (`hashes.json`, review.inputs.fsutil.write_hashes).
    An entry whose files do not match (truncated by a crash, altered by hand, unreadable)
    is a miss: it is removed, the job runs again, and `note` says so (`--verbose`).
    """

    def __init__(self, root: Path, note: Callable[[str], None] | None = None):
        self.root = Path(root) / "jobs"
        self.note = note or (lambda message: None)

    def _entry(self, key: str) -> Path:
        return self.root / key

    def restore(self, job: Job, out_dir: Path) -> JobResult | None:
        """Copy a cached job's notebook and files into `out_dir`; None on a miss (a damaged entry is one)."""
        entry = self._entry(job.key)
        meta_file = entry / "result.json"
        if not entry.is_dir():
            return None
        started = time.perf_counter()
        problem = damage(entry)
        if problem is None:
            try:
                saved = json.loads(meta_file.read_text())
                targets = [(entry / "notebook.ipynb", inside(out_dir, job.output))]
                targets += [(entry / "files" / rel, inside(out_dir, rel)) for rel in saved["files"]]
                result = JobResult(**(saved | {"cached": True}))
            except (OSError, ValueError, TypeError, KeyError) as exc:
                problem = f"unreadable result.json ({exc})"
        if problem is not None:
            self.note(f"{job.name}: the cached copy is damaged ({problem}); running the notebook again")
            shutil.rmtree(entry, ignore_errors=True)
            return None
        for source, target in targets:
            copy_file(source, target)
        os.utime(meta_file)  # last use, for pruning
        result.duration_s = round(time.perf_counter() - started, 3)
        return result

    def store(self, job: Job, result: JobResult, out_dir: Path) -> None:
        """Keep a successful job's outputs and their hashes; written aside and renamed, so a half-written entry never exists."""
        if not result.ok:
            return
        entry = self._entry(job.key)
        if entry.exists():
            return
        tmp = entry.with_name(f".{job.key}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        copy_file(Path(out_dir) / job.output, tmp / "notebook.ipynb")
        for rel in result.files:
            copy_file(Path(out_dir) / rel, tmp / "files" / rel)
        (tmp / "result.json").write_text(json.dumps(result.as_dict() | {"cached": False}, indent=1, sort_keys=True))
        write_hashes(tmp)
        try:
            os.replace(tmp, entry)
        except OSError:  # another build stored it first
            shutil.rmtree(tmp, ignore_errors=True)

    def prune(self, keep: int = 2000) -> int:
        """Remove the least recently used entries beyond `keep`; returns how many went."""
        if not self.root.is_dir():
            return 0
        entries = sorted((p for p in self.root.iterdir() if (p / "result.json").is_file()), key=lambda p: (p / "result.json").stat().st_mtime, reverse=True)
        for entry in entries[keep:]:
            shutil.rmtree(entry, ignore_errors=True)
        return max(0, len(entries) - keep)


# --- executors ------------------------------------------------------------------------------------

Done = Callable[[JobResult], None]


def _worker_start(log_path: str, socket: str | None, build: int) -> None:
    """Worker start-up: it ends with the build; kernels' chatter goes to the build's log, not the terminal; Papermill is imported once."""
    die_with_parent(build)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    if socket:
        from review.engine.warm_kernel import SOCKET_ENV

        os.environ[SOCKET_ENV] = socket
    import papermill  # noqa: F401  (paid here, while the build is still validating)


class LocalExecutor:
    """Worker processes on this machine; warm kernels unless `warm=False`.

    `warm_up` starts the warm process and the workers ahead of time (the build calls it
    before validating, so their imports overlap with validation); `run` does it if nobody
    did; `close` stops them.
    """

    def __init__(self, workers: int | None = None, warm: bool = True, socket: str | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.warm = warm or socket is not None
        self.socket = socket  # a warm process that is already up (review.build.server); else one is started
        self.zygote = None
        self.pool = None

    def warm_up(self, log_path: Path) -> None:
        import multiprocessing

        from review.engine.warm_kernel import Zygote

        if self.pool is not None:
            return
        no_imports_from_working_folder()  # before the first worker starts (the pool starts them as they are needed)
        if self.warm and self.socket is None:
            self.zygote = Zygote(str(log_path))
            self.socket = self.zygote.socket
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_start, initargs=(str(log_path), self.socket, os.getpid()))
        for _ in range(self.workers):  # start every worker now
            self.pool.submit(int)

    def run(self, jobs: list[Job], out_dir: Path, log_path: Path, done: Done) -> list[JobResult]:
        if not jobs:
            return []
        self.warm_up(log_path)
        if self.zygote:
            self.zygote.wait_ready()
        results = []
        futures = {self.pool.submit(run_job, job, str(out_dir), self.warm): job for job in jobs}
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            done(result)
        return results

    def close(self, stop_running: bool = False) -> None:
        """Stop the workers and the warm process; with `stop_running`, kill notebooks still running instead of waiting.

        A build that fails (a full disk, Ctrl-C) stops its notebooks before its staging
        folder is removed, so that no kernel writes into it afterwards.
        """
        if self.pool is not None:
            if stop_running:
                for process in list(self.pool._processes.values()):  # ProcessPoolExecutor has no public way (before 3.14)
                    process.kill()  # its kernels end with it (review.engine.lifetime)
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None
            self.socket = None

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(stop_running=exc_type is not None)


class DaskExecutor:
    """A Dask distributed scheduler (`--scheduler tcp://host:port`); see the module docstring for what workers need."""

    def __init__(self, address):
        self.address = address

    def warm_up(self, log_path: Path) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, jobs: list[Job], out_dir: Path, log_path: Path, done: Done) -> list[JobResult]:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        if not jobs:
            return []
        results = []
        with Client(self.address) as client:
            futures = [client.submit(run_job, job, str(Path(out_dir).resolve()), False, pure=False, key=f"review-{job.name}-{job.key[:12]}") for job in jobs]
            for future in dask_completed(futures):
                result = future.result()
                results.append(result)
                done(result)
        return results


EXECUTORS = {"local": LocalExecutor, "dask": DaskExecutor}


def execute(jobs: list[Job], out_dir: Path, cache: JobCache, executor, log_path: Path, done: Done, force: bool = False) -> list[JobResult]:
    """Restore what the cache has (unless `force`), run the rest, store what succeeded."""
    results, to_run = [], []
    for job in jobs:
        hit = None if force else cache.restore(job, out_dir)
        if hit is None:
            to_run.append(job)
        else:
            results.append(hit)
            done(hit)

    def finished(result: JobResult) -> None:
        job = next(j for j in to_run if j.name == result.name)
        cache.store(job, result, out_dir)
        done(result)

    results += executor.run(to_run, out_dir, log_path, finished)
    order = {job.name: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.name])
