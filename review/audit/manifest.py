"""The manifest: what went into a build and what came out, with hashes (OUT/manifest.json).

`content_sha256` hashes everything that determines the report's numbers (inputs,
environment, code, snapshot tables, each executed notebook and its recorded values and figure
data), and nothing that merely varies between runs (time stamps, durations, whether a
notebook came from the cache). Two builds of the same inputs with the same code and
environment have the same content hash; the front page prints it.

`inputs` holds, in the restricted edition, the SHA-256 of each raw input file; in the
public edition, the content hash of each input table as published (`input_hashes` says
which): a hash of a raw file holding confidential values would let anyone try guessed
values against it.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from review import __version__
from review.inputs.fingerprint import code_hash, key, package_versions
from review.inputs.fsutil import sha256_file
from review.inputs.paths import REPOSITORY, shipped
from review.report.catalog import NOTEBOOK_PACKAGES

MANIFEST = "manifest.json"
#: The detached signature of manifest.json (review.audit.signing), written after it.
SIGNATURE = "manifest.sig"
#: Written after a build by `review reproduce`; not part of what the manifest vouches for.
AFTER_BUILD = ("audit",)
ENVIRONMENT_PACKAGES = NOTEBOOK_PACKAGES + ("alliance-review", "great-expectations", "pydantic", "pypandoc-binary", "typst", "dask", "distributed", "jinja2", "pycountry", "nbclient", "jupyter-client")


def git_commit() -> str:
    """The commit of the repository the package runs from, '+ changes' when the tree differs; 'not a git checkout' otherwise."""
    try:
        top = subprocess.run(["git", "-C", str(REPOSITORY), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=5)
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != REPOSITORY.resolve():
            return "not a git checkout"
        head = subprocess.run(["git", "-C", str(REPOSITORY), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return "no commit yet"
        dirty = subprocess.run(["git", "-C", str(REPOSITORY), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"


def environment() -> dict:
    lock = shipped("uv.lock")
    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(terse=True),
        "packages": package_versions(ENVIRONMENT_PACKAGES),
        "lock_sha256": sha256_file(lock) if lock.is_file() else None,
    }


def job_entry(result, out: Path) -> dict:
    output = f"notebooks/{result.name}.ipynb"
    return {
        "name": result.name,
        "notebook": result.notebook,
        "parameters": result.parameters,
        "key": result.key,
        "output": output,
        "sha256": sha256_file(out / output),
        "records": result.records,
        "files": {rel: sha256_file(out / rel) for rel in result.files},
        "duration_s": result.duration_s,
        "cached": result.cached,
    }


def content_hash(manifest: dict) -> str:
    jobs = [{k: j[k] for k in ("name", "notebook", "parameters", "key", "sha256", "records", "files")} for j in manifest["jobs"]]
    env = {k: manifest["environment"][k] for k in ("python", "packages", "lock_sha256")}
    # the snapshot's reuse key is left out: in the public edition it is keyed with a local secret (review.build.validated)
    return key("manifest", manifest["tool"]["version"], manifest["tool"]["code_sha256"], manifest["cycle"], manifest["edition"], env, manifest["inputs"], manifest["snapshot"]["tables"], jobs)


def draft(cycle: int, edition: str, inputs: dict, snapshot_meta: dict, results, out: Path, omitted: list[str], outlook: dict | None = None) -> dict:
    """Everything but the list of files: what the book's front page and annexes need.

    `outlook` is the outlook's Monte Carlo settings as used (draws, seed, delays): the seed
    defaults to the cycle, so it is written out here for an auditor to see which draws the
    chances rest on (review.yml, hashed among the inputs, is what makes a rebuild draw the same).
    """
    manifest = {
        "manifest_version": 1,
        "tool": {"name": "alliance-review", "version": __version__, "commit": git_commit(), "code_sha256": code_hash()},
        "cycle": cycle,
        "edition": edition,
        "built_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "environment": environment(),
        "inputs": inputs,
        "input_hashes": snapshot_meta["input_hashes"],
        "snapshot": {"key": snapshot_meta["key"], "tables": {n: {"rows": t["rows"], "sha256": t["sha256"]} for n, t in snapshot_meta["tables"].items()}},
        "jobs": [job_entry(r, out) for r in results],
        "partial": bool(omitted),
        "omitted": omitted,
        "outlook": outlook,
    }
    manifest["content_sha256"] = content_hash(manifest)
    return manifest


def listed_files(out: Path) -> dict[str, str]:
    """sha256 of every file a build wrote in OUT (the manifest itself, its signature and later audit output aside)."""
    files = {}
    for path in sorted(Path(out).rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel not in (MANIFEST, SIGNATURE) and rel.split("/")[0] not in AFTER_BUILD:
            files[rel] = sha256_file(path)
    return files


def write(out: Path, manifest: dict) -> None:
    manifest = dict(manifest, files=listed_files(out))
    (Path(out) / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def read(out: Path) -> dict:
    path = Path(out) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{out} has no {MANIFEST}: it is not the output folder of a build")
    return json.loads(path.read_text())


def render_entry(requested: str, formats) -> dict:
    """Which renderer made the report, and its version: `auto` resolved to the one it chose."""
    from review.report.render import choose

    renderer = choose(requested)
    return {"renderer": renderer.name, "requested": requested, "version": renderer.version, "formats": list(formats)}
