"""Planning the build's jobs (one per notebook and parameter value) and their cache keys.

A job's key hashes what determines its output, and nothing else: the notebook's source,
its parameters, the content of exactly the snapshot slices it reads (review.report.catalog),
the cycle's settings and edition, the `review` package's code, and the versions of the
packages notebooks import. Same key: the executed notebook is reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from review.inputs import snapshot
from review.inputs.fingerprint import code_hash, key, package_versions
from review.inputs.fsutil import sha256_file
from review.inputs.paths import PACKAGE
from review.report.catalog import NOTEBOOK_PACKAGES, NOTEBOOKS, NotebookSpec

NOTEBOOK_DIR = PACKAGE / "notebooks"
SNAPSHOT_PARAMETER = "validated"  # notebooks run in OUT, so the snapshot is always at this relative path


@dataclass(frozen=True)
class Job:
    notebook: str
    parameters: dict = field(hash=False)
    key: str = ""
    source: str = ""  # the notebook file to execute (plan() takes it from review/notebooks/)

    @property
    def spec(self) -> NotebookSpec:
        return NOTEBOOKS[self.notebook]

    @property
    def name(self) -> str:
        """The chapter id, also the executed notebook's name: 'mineral-rare-earths'."""
        return self.spec.chapter_id(self.parameters.get(self.spec.parameter) if self.spec.parameter else None)

    @property
    def output(self) -> str:
        return f"notebooks/{self.name}.ipynb"


def parameter_values(meta: dict, spec: NotebookSpec) -> list[str | None]:
    """The values a notebook runs for, from the cycle's own members and minerals."""
    if spec.parameter is None:
        return [None]
    return list(meta["members" if spec.parameter == "member" else "minerals"])


def job_key(spec: NotebookSpec, parameters: dict, meta: dict, versions: dict) -> str:
    value = parameters.get(spec.parameter) if spec.parameter else None
    reads = []
    for read in spec.reads:
        reads.append([read.table, read.by, snapshot.slice_hashes(meta, read.table, read.by, read.slice_keys(value))])
    return key(
        "job",
        sha256_file(NOTEBOOK_DIR / f"{spec.name}.ipynb"),
        parameters,
        reads,
        meta["config_sha256"],
        meta["edition"],
        code_hash(),
        versions,
    )


def plan(meta: dict, only: dict[str, set[str]] | None = None) -> list[Job]:
    """Every job of the cycle, in report order, with its cache key.

    `only` ({'mineral': {'rare-earths'}, 'member': {'JPN'}, 'overview': {''}}) keeps a subset.
    """
    versions = package_versions(NOTEBOOK_PACKAGES)
    jobs = []
    for spec in NOTEBOOKS.values():
        for value in parameter_values(meta, spec):
            parameters = {"cycle": meta["cycle"], "snapshot": SNAPSHOT_PARAMETER}
            if spec.parameter:
                parameters[spec.parameter] = value
            job = Job(spec.name, parameters, job_key(spec, parameters, meta, versions), str(NOTEBOOK_DIR / f"{spec.name}.ipynb"))
            jobs.append(job)
    return jobs if only is None else [j for j in jobs if selected(j, only)]


def selected(job: Job, only: dict[str, set[str]]) -> bool:
    if job.notebook not in only:
        return False
    wanted = only[job.notebook]
    return not wanted or job.parameters.get(job.spec.parameter) in wanted


def parse_only(text: str) -> dict[str, set[str]]:
    """'mineral=rare-earths,member=JPN,overview' -> {'mineral': {'rare-earths'}, 'member': {'JPN'}, 'overview': set()}."""
    only: dict[str, set[str]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in NOTEBOOKS:
            raise ValueError(f"--only: unknown notebook {name!r}; known: {', '.join(NOTEBOOKS)}")
        only.setdefault(name, set())
        if value:
            only[name].add(value)
    return only
