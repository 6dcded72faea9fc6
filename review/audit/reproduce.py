"""`review reproduce`: every figure of an output folder re-made and compared (review.audit.verify checks nothing was altered).

Both work on an output folder alone (OUT: the validated snapshot, the executed notebooks
and the figure data travel with it), so an auditor needs only the package installed.

`reproduce` runs only trusted code: it first verifies the folder and refuses one that is
not intact, checks every name and path the manifest gives (notebooks and chapter ids from
the catalog, parameter values from the snapshot, files inside the folder and the scratch
space), then re-executes *this package's* notebook (`review/notebooks/<notebook>.ipynb`)
for each recorded job, through plain Papermill with a fresh kernel, with the recorded
parameters, in a scratch copy of the snapshot. The folder's executed notebooks are only
read, never run: a difference between their code and the package's is a finding. Then
it compares:

- recorded values: integers, strings and booleans exactly; floats within a relative
  tolerance of `FLOAT_TOLERANCE` (1e-9), far below any printed precision, which only
  absorbs the last bits of floating-point arithmetic;
- figure and table data CSVs: by SHA-256, and on a mismatch, the rows that differ;
- optionally the figure images (PNG bytes), with `--images`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from review import __version__
from review.audit import manifest as manifest_mod
from review.audit.verify import Verification, verify
from review.inputs.fingerprint import code_hash
from review.inputs.fsutil import inside, sha256_file

FLOAT_TOLERANCE = 1e-9
AUDIT_DIR = "audit"


class NotIntact(Exception):
    """`reproduce` refused a folder: it does not verify, or its manifest names something it must not."""


def _describe(checked: Verification) -> str:
    parts = [f"{label} {', '.join(files[:3])}{' and more' if len(files) > 3 else ''}" for label, files in (("missing", checked.missing), ("altered", checked.altered), ("added", checked.added)) if files]
    if not checked.manifest_consistent:
        parts.append("the manifest's job hashes or content hash do not match its own entries")
    if checked.signature_problem:
        parts.append(checked.signature_problem)
    return "; ".join(parts)


def trusted_job(entry: dict, manifest: dict, snapshot_meta: dict, out: Path, scratch: Path):
    """The job a manifest entry describes, as this package would plan it; NotIntact when anything does not fit.

    Everything in the entry is data from the folder: the notebook must be one of the
    catalog's, the parameters exactly its parameters (the snapshot at its fixed place, the
    build's cycle, a member or mineral of the snapshot), the name and output the chapter id
    the catalog makes of them, and every file inside both the folder and the scratch space.
    """
    from review.engine.jobs import NOTEBOOK_DIR, SNAPSHOT_PARAMETER, Job
    from review.report.catalog import NOTEBOOKS

    def refuse(why: str) -> NotIntact:
        return NotIntact(f"the manifest's job {str(entry.get('name'))[:80]!r} is refused: {why}; nothing was executed")

    spec = NOTEBOOKS.get(entry.get("notebook"))
    if spec is None:
        raise refuse(f"notebook {str(entry.get('notebook'))[:80]!r} is not one of this package's ({', '.join(NOTEBOOKS)})")
    parameters = entry.get("parameters")
    expected = {"cycle", "snapshot"} | ({spec.parameter} if spec.parameter else set())
    if not isinstance(parameters, dict) or set(parameters) != expected:
        raise refuse(f"its parameters must be exactly {', '.join(sorted(expected))}")
    if parameters["snapshot"] != SNAPSHOT_PARAMETER or parameters["cycle"] != manifest["cycle"] or type(parameters["cycle"]) is not int:
        raise refuse(f"its snapshot must be {SNAPSHOT_PARAMETER!r} and its cycle the build's ({manifest['cycle']})")
    if spec.parameter:
        allowed = snapshot_meta["members" if spec.parameter == "member" else "minerals"]
        if parameters[spec.parameter] not in allowed:
            raise refuse(f"{spec.parameter} {str(parameters[spec.parameter])[:80]!r} is not in the snapshot")
    job = Job(spec.name, parameters, str(entry.get("key", "")), str(NOTEBOOK_DIR / f"{spec.name}.ipynb"))
    if entry.get("name") != job.name or entry.get("output") != job.output:
        raise refuse(f"its name and output must be the catalog's chapter id {job.name!r} and {job.output!r}")
    files = entry.get("files")
    if not isinstance(files, dict) or not isinstance(entry.get("records"), dict):
        raise refuse("its files and records must be tables")
    for rel in [job.output, *files]:
        try:
            inside(out, rel)
            inside(scratch, rel)
        except ValueError as exc:
            raise refuse(str(exc)) from None
    return job


def code_difference(recorded: Path, package: Path) -> str:
    """How the code cells of an executed notebook differ from the package notebook's ('' when they do not).

    Papermill's injected-parameters cell is not code of the notebook and is left out.
    """
    import difflib

    import nbformat

    def code(path: Path) -> list[str]:
        nb = nbformat.read(path, as_version=4)
        return [c.source for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]

    mine, theirs = code(package), code(recorded)
    if mine == theirs:
        return ""
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for source in theirs[j1:j2]:
            changes.append(f"the folder's notebook has code the package's does not: {source[:120]!r}")
        for source in mine[i1:i2]:
            changes.append(f"the package's notebook has code the folder's does not: {source[:120]!r}")
    return "; ".join(changes) + " (the package's code was run)"


# --- reproduce ------------------------------------------------------------------------------


@dataclass
class Check:
    notebook: str
    item: str  # 'record <name>', a data file path, or 'image <figure id>'
    ok: bool
    detail: str = ""


@dataclass
class Reproduction:
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and bool(self.checks)


def same_value(a, b) -> bool:
    """Recorded values compared: floats within FLOAT_TOLERANCE (relative), everything else exactly."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b and type(a) is type(b)
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return False
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=0.0) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


def differing_rows(original: Path, reproduced: Path, limit: int = 10) -> str:
    """The rows of two CSV files that are not in both (by content), for the audit report."""
    def rows(path: Path) -> list[tuple]:
        return [tuple(r) for r in csv.reader(io.StringIO(path.read_text()))]

    a, b = rows(original), rows(reproduced)
    if a[:1] != b[:1]:
        return f"columns differ: {a[:1]} vs {b[:1]}"
    in_a, in_b = set(a[1:]), set(b[1:])
    only_a = [r for r in a[1:] if r not in in_b]
    only_b = [r for r in b[1:] if r not in in_a]
    parts = []
    for label, extra, offset in (("recorded", only_a, a), ("reproduced", only_b, b)):
        for r in extra[:limit]:
            parts.append(f"{label} row {offset.index(r) + 1}: {', '.join(r)}")
    rest = len(only_a) + len(only_b) - len(parts)
    return "; ".join(parts) + (f"; and {rest} more" if rest > 0 else "")


def _figure_images(path: Path) -> dict[str, str]:
    import nbformat

    from review.report.record import published_outputs

    nb = nbformat.read(path, as_version=4)
    return {meta["id"]: output["data"]["image/png"] for meta, output in published_outputs(nb) if meta["kind"] == "figure"}


def reproduce(out: Path, notebooks: list[str] | None = None, images: bool = False, progress=None, workers: int | None = None, public_key: Path | None = None) -> Reproduction:
    """Verify the folder, then re-run this package's notebooks with the recorded parameters in a scratch folder and compare.

    Raises NotIntact, before anything runs, for a folder that does not verify (with
    `public_key`: whose signature does not hold) or whose manifest names anything the
    catalog does not. The notebooks run in parallel on local worker processes, each with a
    fresh kernel (no warm kernels, no cache): the same path a plain `papermill` call takes.
    """
    import nbformat

    from review.engine.execute import LocalExecutor
    from review.inputs import snapshot
    from review.report.record import read_records

    out = Path(out)
    checked = verify(out, public_key)
    if not checked.intact:
        raise NotIntact(f"{out} is not intact ({_describe(checked)}); nothing from it was executed. Run `review verify` for the full list")
    manifest = manifest_mod.read(out)
    result = Reproduction()
    if manifest["tool"]["version"] != __version__ or manifest["tool"]["code_sha256"] != code_hash():
        result.warnings.append(
            f"this package (version {__version__}, code {code_hash()[:12]}) differs from the build's "
            f"({manifest['tool']['version']}, code {manifest['tool']['code_sha256'][:12]}); this package's notebooks are re-run"
        )
    entries = manifest["jobs"]
    if notebooks:
        unknown = sorted(set(notebooks) - {j["name"] for j in entries})
        if unknown:
            raise ValueError(f"no notebook named {', '.join(unknown)} in this build; it has {', '.join(j['name'] for j in entries)}")
        entries = [j for j in entries if j["name"] in notebooks]
    with tempfile.TemporaryDirectory(prefix="review-reproduce-") as tmp:
        scratch = Path(tmp)
        snapshot_meta = snapshot.read_meta(out / "validated")
        jobs = [trusted_job(entry, manifest, snapshot_meta, out, scratch) for entry in entries]
        shutil.copytree(out / "validated", scratch / "validated")
        with LocalExecutor(workers, warm=False) as executor:
            reruns = {r.name: r for r in executor.run(jobs, scratch, scratch / "kernels.log", lambda r: progress and progress(r.name))}
        for entry, job in zip(entries, jobs):
            rerun = reruns[job.name]
            difference = code_difference(out / job.output, Path(job.source))
            result.checks.append(Check(job.name, "notebook code", not difference, difference))
            if not rerun.ok:
                result.checks.append(Check(job.name, "execution", False, rerun.error or "failed"))
                continue
            published = read_records(nbformat.read(out / job.output, as_version=4))
            for name in sorted(set(entry["records"]) | set(published) | set(rerun.records)):
                got = rerun.records.get(name, "(not reproduced)")
                in_manifest, in_notebook = entry["records"].get(name, "(not in the manifest)"), published.get(name, "(not in the notebook)")
                ok = same_value(in_manifest, got) and same_value(in_notebook, got)
                detail = "" if ok else f"manifest {in_manifest!r}, notebook {in_notebook!r}, reproduced {got!r}"
                result.checks.append(Check(job.name, f"record {name}", ok, detail))
            for rel, digest in entry["files"].items():
                made, original = scratch / rel, out / rel
                if not made.is_file():
                    result.checks.append(Check(job.name, rel, False, "not written by the re-run"))
                elif not original.is_file():
                    result.checks.append(Check(job.name, rel, False, "missing from the output folder"))
                elif sha256_file(made) == digest == sha256_file(original):
                    result.checks.append(Check(job.name, rel, True))
                else:
                    detail = differing_rows(original, made) or "the manifest's hash differs from the re-run's"
                    result.checks.append(Check(job.name, rel, False, detail))
            for rel in sorted(set(rerun.files) - set(entry["files"])):
                result.checks.append(Check(job.name, rel, False, "written by the re-run but not recorded in the manifest"))
            if images:
                before, after = _figure_images(out / job.output), _figure_images(scratch / job.output)
                for ident in sorted(set(before) | set(after)):
                    same = before.get(ident) == after.get(ident)
                    result.checks.append(Check(job.name, f"image {ident}", same, "" if same else "PNG bytes differ"))
    return result


def write_report(out: Path, reproduction: Reproduction) -> tuple[Path, Path]:
    """OUT/audit/audit.json and a self-contained audit.html (refused where a link would lead them out of OUT)."""
    folder = Path(out) / AUDIT_DIR
    folder.mkdir(exist_ok=True)
    for name in ("audit.json", "audit.html"):
        inside(out, f"{AUDIT_DIR}/{name}")
    payload = {
        "tool_version": __version__,
        "float_tolerance": FLOAT_TOLERANCE,
        "reproduced": reproduction.ok,
        "warnings": reproduction.warnings,
        "checks": [asdict(c) for c in reproduction.checks],
    }
    (folder / "audit.json").write_text(json.dumps(payload, indent=1) + "\n")
    failed = [c for c in reproduction.checks if not c.ok]
    rows = "\n".join(
        f"<tr class='{'ok' if c.ok else 'bad'}'><td>{html.escape(c.notebook)}</td><td>{html.escape(c.item)}</td><td>{'match' if c.ok else 'DIFFERS'}</td><td>{html.escape(c.detail)}</td></tr>"
        for c in sorted(reproduction.checks, key=lambda c: (c.ok, c.notebook, c.item))
    )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reproduction audit</title>
<style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;}} table{{border-collapse:collapse;width:100%;font-size:.85rem}}
td,th{{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}} tr.bad td{{background:#f8ddd0}} .verdict{{font-size:1.3rem;font-weight:bold}}</style></head>
<body><h1>Reproduction audit</h1>
<p class="verdict">{'Everything reproduced.' if reproduction.ok else f'{len(failed)} of {len(reproduction.checks)} checks differ.'}</p>
<p>{len(reproduction.checks)} checks: recorded values (floats within a relative tolerance of {FLOAT_TOLERANCE:g}), figure and table data (SHA-256).</p>
{''.join(f'<p><strong>Warning:</strong> {html.escape(w)}</p>' for w in reproduction.warnings)}
<table><thead><tr><th>Notebook</th><th>Item</th><th>Result</th><th>Detail</th></tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""
    (folder / "audit.html").write_text(page)
    return folder / "audit.json", folder / "audit.html"
