"""The first build stage: validated inputs -> the edition's snapshot, skipped when nothing changed.

The snapshot holds the validated tables (masked for a public edition, see
review.analysis.disclosure) and the indicators computed from them, so that notebooks, and an
auditor re-running them, read every number from one place.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from review.analysis.text import spreadsheet_safe
from review.inputs import snapshot
from review.inputs.fingerprint import code_hash, input_files, key, keyed, local_secret
from review.inputs.problems import Problem


class InvalidInputs(Exception):
    """The inputs broke validation rules; `problems` says where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problems in the inputs")


@dataclass
class SnapshotResult:
    path: Path
    meta: dict
    reused: bool
    rows: dict[str, int]


def _previous_fingerprint(previous: Path | None) -> str:
    """What the previous review's outputs contribute to the snapshot: its manifest's content hash."""
    from review.audit import manifest
    try:
        return manifest.read(previous)["content_sha256"] if previous else "none"
    except (FileNotFoundError, ValueError, KeyError):
        return "absent"


def snapshot_key(inputs: Path, edition: str, previous: Path | None) -> tuple[str, dict[str, str]]:
    """What the snapshot is made from, to tell that it need not be made again; and the input files' hashes.

    The public edition publishes the key (validated/snapshot.json), so there it is keyed
    with this user's local secret: a plain hash of the raw inputs would let a reader try
    guessed confidential values against it.
    """
    hashes = input_files(inputs)
    k = key("validated", hashes, edition, code_hash(), _previous_fingerprint(previous))
    return (keyed(local_secret(), k) if edition == "public" else k), hashes


def previous_review_dir(inputs: Path, outputs: Path, config, edition: str, given: Path | None = None) -> Path:
    """The previous review's output folder: `--previous`, else `previous_outputs` in review.yml
    (relative to the inputs folder), else OUTPUTS/<previous_cycle>/<edition>.

    Analysts draft a new cycle into a new folder, so the previous review need not sit
    beside the new one; naming it keeps "since the last review" from silently going empty.
    """
    from review.inputs.paths import out_dir

    if given is not None:
        chosen = Path(given)
    elif config.previous_outputs:
        chosen = Path(inputs) / config.previous_outputs
    else:
        return out_dir(outputs, config.previous_cycle, edition)
    how = "--previous" if given is not None else f"previous_outputs in {Path(inputs) / 'review.yml'}"
    if not (chosen / "manifest.json").is_file():
        raise FileNotFoundError(f"{how}: {chosen} is not the output folder of a review (it has no manifest.json)")
    _same_edition(chosen, edition, how)
    return chosen


def _same_edition(previous: Path, edition: str, how: str) -> None:
    """A public build compares only with a public review: a restricted one carries values the
    public edition withholds, and its scorecard would go into the public snapshot."""
    from review.audit import manifest

    found = manifest.read(previous).get("edition")
    if edition == "public" and found != "public":
        raise ValueError(f"{how}: {previous} is the {found} edition; a public build compares only with a public review (give the previous public edition's folder)")


def finished_build(out: Path) -> bool:
    """Whether `out` holds a build's outputs: a manifest.json that the tool wrote (it lists the folder's files)."""
    from review.audit import manifest

    try:
        found = manifest.read(out)
    except (OSError, ValueError):
        return False
    return isinstance(found, dict) and isinstance(found.get("files"), dict) and "content_sha256" in found


def intact_part(out: Path, part: str) -> bool:
    """Whether OUT/<part>/ holds exactly the files a build's manifest lists there, each with its recorded hash.

    What a build reuses from the previous one's folder (its snapshot, its book) is checked
    like a cache entry: a paragraph added to a chapter, or a value changed in the snapshot,
    after that build must not be carried into the next one, whose manifest would then
    vouch for it.
    """
    from review.audit import manifest
    from review.inputs.fsutil import sha256_file

    folder = Path(out) / part
    try:
        listed = {rel: digest for rel, digest in manifest.read(out)["files"].items() if rel.startswith(f"{part}/")}
        found = {p.relative_to(out).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
        return bool(listed) and found == set(listed) and all(sha256_file(Path(out) / rel) == digest for rel, digest in listed.items())
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return False


def _published_stockpiles(previous: Path | None, edition: str):
    """What the previous public review published of the stockpiles (review.analysis.disclosure, step 4), or None."""
    if edition != "public" or previous is None or _previous_fingerprint(previous) in ("none", "absent"):
        return None
    from review.analysis.disclosure import Published
    from review.audit import manifest

    cycle = int(manifest.read(previous)["cycle"])
    folder = Path(previous) / "validated"
    return Published(cycle, snapshot.read_table(folder, "stockpiles"), snapshot.read_table(folder, "stockpile_totals"))


def _previous_review(previous: Path | None, cycle: int, current_cycle: int, edition: str):
    """The previous review's published scorecard (empty when its outputs are not there) and which review it is.

    The review is named by its cycle, edition and manifest content hash, so a reader can
    tell which outputs the report compared with.
    """
    import pandas as pd

    from review.analysis.indicators import SCORECARD_COLUMNS
    from review.audit import manifest

    # where the outputs live is left out on purpose: the same inputs must give the same notebooks wherever they are built
    if previous is not None and _previous_fingerprint(previous) not in ("none", "absent"):
        from review.audit.compare import previous_scorecard

        found = manifest.read(previous)
        _same_edition(previous, edition, "the previous review")
        if int(found["cycle"]) >= current_cycle:
            raise ValueError(f"{previous} is the {found['cycle']} review; the previous review must be of a cycle before {current_cycle}")
        identity = {"cycle": int(found["cycle"]), "edition": found["edition"], "manifest_sha256": found["content_sha256"]}
        return previous_scorecard(previous), {**identity, "available": True}
    return pd.DataFrame(columns=SCORECARD_COLUMNS), {"cycle": cycle, "available": False}


def make_snapshot(
    inputs: Path,
    dest: Path,
    edition: str | None,
    reuse_from: Path | None = None,
    previous: Path | None = None,
    passed: Path | None = None,
    publish: Path | None = None,
) -> SnapshotResult:
    """Validate `inputs` and write the snapshot of `edition` (None: the one review.yml names) to `dest`.

    `previous` is the previous review's output folder of the same edition: its published
    scorecard goes into the snapshot (table `previous_scorecard`), and its chances of meeting
    each dependency target (table `previous_chances`), for the executive summary's "since
    the last review" section. When `reuse_from` holds a snapshot made
    from the same inputs, edition, code and previous review, it is copied instead:
    validation (and importing Great Expectations) is skipped. `passed` remembers tables that
    passed validation (review.inputs.validation.validate); `publish` is a folder that receives the
    indicators table as CSV and Parquet (OUT/data/).
    """
    if edition is not None:
        k, hashes = snapshot_key(inputs, edition, previous)
        if reuse_from is not None and (reuse_from / snapshot.SNAPSHOT_FILE).is_file():
            meta = snapshot.read_meta(reuse_from)
            if meta.get("key") == k:
                if Path(reuse_from).resolve() != Path(dest).resolve():
                    shutil.copytree(reuse_from, dest, dirs_exist_ok=True)
                if publish is not None and not _copy_published_indicators(Path(reuse_from).parent, dest, publish):
                    publish_indicators(dest, publish)
                return SnapshotResult(dest, meta, True, {n: t["rows"] for n, t in meta["tables"].items()})
    from review.analysis.disclosure import edition_tables
    from review.analysis.indicators import compute_all
    from review.inputs.ingest import read_log
    from review.inputs.validation import validate
    from review.report.annexes import ANNEX_FILE, annex_facts

    outcome = validate(inputs, passed)
    if not outcome.ok:
        raise InvalidInputs(outcome.problems)
    edition = edition or outcome.config.edition
    k, hashes = snapshot_key(inputs, edition, previous)
    tables = edition_tables(outcome.tables, edition, outcome.config.disclosure, _published_stockpiles(previous, edition))
    tables["indicators"] = compute_all(tables, outcome.config)
    tables["previous_scorecard"], review_meta = _previous_review(previous, outcome.config.previous_cycle, outcome.config.cycle, edition)
    from review.audit.compare import previous_chances

    # the previous review's chance of meeting each dependency target, for "since the last review" (issue 21)
    tables["previous_chances"] = previous_chances(previous if review_meta["available"] else None)
    # the public edition records what it publishes, never a hash of the raw (confidential) files
    recorded_inputs = None if edition == "public" else hashes
    meta = snapshot.write(dest, tables, outcome.config, edition, recorded_inputs, outcome.results, k, previous_review=review_meta)
    (dest / ANNEX_FILE).write_text(json.dumps(annex_facts(tables, read_log(inputs)), indent=1, sort_keys=True) + "\n")
    (dest / WARNINGS_FILE).write_text(json.dumps(snapshot_warnings(tables, outcome.config), indent=1) + "\n")
    if publish is not None:
        publish_indicators(dest, publish)
    return SnapshotResult(dest, meta, False, {n: t["rows"] for n, t in meta["tables"].items()})


#: The warnings a build prints about valid but doubtful inputs, worked out once when the
#: snapshot is made (a build that reuses the snapshot prints them without reading its tables).
WARNINGS_FILE = "warnings.json"


def snapshot_warnings(tables: dict, config) -> dict[str, list[str]]:
    """The provisional Alliance figures and the members they miss (review.analysis.indicators.coverage),
    and projects that look carried forward without an update (review.inputs.validation)."""
    from review.analysis.indicators import provisional_summary
    from review.inputs.validation import project_warnings

    return {"provisional": provisional_summary(tables["indicators"]), "projects": project_warnings(tables, config.cycle)}


def _copy_published_indicators(previous_out: Path, snapshot_dir: Path, publish: Path) -> bool:
    """When the snapshot is reused, the previous build's OUT/data/indicators.csv and .parquet
    are copied if they are what it published (the manifest's hashes) and its Parquet is the
    snapshot's: writing the CSV again would import pandas, a second of a no-change rebuild.
    False when they cannot be reused (then publish_indicators writes them)."""
    from review.audit import manifest
    from review.inputs.fsutil import sha256_file

    csv, parquet = previous_out / "data" / "indicators.csv", previous_out / "data" / "indicators.parquet"
    try:
        files = manifest.read(previous_out)["files"]
        same = sha256_file(parquet) == sha256_file(snapshot_dir / "indicators.parquet") == files.get("data/indicators.parquet") and sha256_file(csv) == files.get("data/indicators.csv")
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if same:
        publish.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(csv, publish / "indicators.csv")
        shutil.copyfile(parquet, publish / "indicators.parquet")
    return same


def publish_indicators(snapshot_dir: Path, publish: Path) -> None:
    """OUT/data/indicators.csv and .parquet, from the snapshot's indicators table.

    Always from the snapshot, whether it was just made or reused (`review validate` writes
    a snapshot but no OUT/data/, and a build after it reuses that snapshot), so the
    published table is the same bytes either way.
    """
    from review.inputs.snapshot import read_table

    publish.mkdir(parents=True, exist_ok=True)
    spreadsheet_safe(read_table(snapshot_dir, "indicators")).to_csv(publish / "indicators.csv", index=False, lineterminator="\n", float_format="%.10g")
    shutil.copyfile(snapshot_dir / "indicators.parquet", publish / "indicators.parquet")


def write_snapshot_in_place(inputs: Path, final: Path, edition: str | None, previous: Path | None = None, passed: Path | None = None) -> SnapshotResult:
    """`review validate`: make the snapshot in a staging folder and move it to `final` only if valid."""
    from review.inputs.fsutil import Staging

    with Staging(final) as staging:
        result = make_snapshot(inputs, staging.path, edition, previous=previous, passed=passed)
        staging.commit()
    result.path = final
    return result
