"""The validated snapshot: Parquet per table, the settings, and content hashes.

A snapshot is what every notebook reads and what travels with the outputs to an
auditor. `snapshot.json` keeps each table's content hash and the hash of each slice a
notebook can read (by mineral, by member, by sponsor), so a job's cache key can be made
without pandas and a change to one member's rows re-runs only the jobs that read them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SNAPSHOT_FILE = "snapshot.json"
CONFIG_JSON = "config.json"
VALIDATION_FILE = "validation.json"
#: Columns a notebook can read a slice of (see review.report.catalog); `sponsors` is a ';'-separated list of members.
PARTITION_COLUMNS = ("mineral", "member", "sponsors", "scope", "indicator")


def _digest(parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()


def table_hashes(frame) -> tuple[str, dict[str, dict[str, str]]]:
    """The content hash of a table and of each slice by the partition columns it has."""
    import pandas as pd

    row_hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    header = ",".join(f"{c}:{frame[c].dtype}" for c in frame.columns).encode()
    content = _digest([header, row_hashes.tobytes()])
    partitions: dict[str, dict[str, str]] = {}
    for col in PARTITION_COLUMNS:
        if col not in frame.columns:
            continue
        keys = frame[col].fillna("").astype(str)
        if col == "sponsors":
            keys = keys.str.split(";")
            exploded = pd.DataFrame({"key": keys, "pos": range(len(frame))}).explode("key")
        else:
            exploded = pd.DataFrame({"key": keys, "pos": range(len(frame))})
        partitions[col] = {
            key: _digest([header, row_hashes[group["pos"].to_numpy()].tobytes()])
            for key, group in exploded.groupby("key", sort=True)
        }
    return content, partitions


#: What `inputs` in snapshot.json and the manifest hold, by edition (`input_hashes` says which).
RAW_INPUT_HASHES = "SHA-256 of each input file"
PUBLISHED_INPUT_HASHES = (
    "content hash of each input table as published in this snapshot (confidential values withheld) and of config.json; "
    "the raw input files are not hashed in the public edition, so that their confidential values cannot be tried against a hash"
)


def write(dest: Path, tables: dict, config, edition: str, inputs: dict[str, str] | None, results: list, key: str, previous_review: dict | None = None) -> dict:
    """Write a snapshot folder; returns the content of snapshot.json.

    `key` identifies what the snapshot was made from (inputs, edition, code), so a later
    build can tell it need not validate again. `inputs` are the raw input files' hashes;
    None (the public edition) records the published tables' content hashes instead.
    """
    from dataclasses import asdict

    from review.inputs.data import TABLES

    dest.mkdir(parents=True, exist_ok=True)
    meta = {
        "cycle": config.cycle,
        "edition": edition,
        "key": key,
        "inputs": inputs,
        "members": list(tables["members"]["code"]),
        "minerals": list(tables["minerals"]["id"]),
        "previous_review": previous_review or {"cycle": config.previous_cycle, "available": False},
        "tables": {},
    }
    for name in sorted(tables):
        frame = tables[name].reset_index(drop=True)
        frame.to_parquet(dest / f"{name}.parquet", index=False)
        content, partitions = table_hashes(frame)
        meta["tables"][name] = {"file": f"{name}.parquet", "rows": len(frame), "sha256": content, "partitions": partitions}
    settings = config.model_dump(mode="json") | {"edition": edition}
    (dest / CONFIG_JSON).write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    meta["config_sha256"] = hashlib.sha256((dest / CONFIG_JSON).read_bytes()).hexdigest()
    if inputs is None:
        meta["inputs"] = {name: meta["tables"][name]["sha256"] for name in TABLES if name in meta["tables"]} | {CONFIG_JSON: meta["config_sha256"]}
    meta["input_hashes"] = RAW_INPUT_HASHES if inputs is not None else PUBLISHED_INPUT_HASHES
    (dest / VALIDATION_FILE).write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    (dest / SNAPSHOT_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def read_meta(snapshot: Path) -> dict:
    return json.loads((Path(snapshot) / SNAPSHOT_FILE).read_text())


def read_config(snapshot: Path):
    """The cycle's settings as the snapshot recorded them."""
    from review.inputs.config import ReviewConfig

    settings = json.loads((Path(snapshot) / CONFIG_JSON).read_text())
    settings.pop("edition", None)
    return ReviewConfig.model_validate(settings)


def edition(snapshot: Path) -> str:
    return read_meta(snapshot)["edition"]


def read_table(snapshot: Path, name: str, by: str | None = None, keys=()):
    """One table of a snapshot, or its slice where column `by` is one of `keys` (for sponsors: lists one)."""
    import pandas as pd

    frame = pd.read_parquet(Path(snapshot) / f"{name}.parquet")
    if by is None:
        return frame
    keys = set(keys)
    if by == "sponsors":
        return frame[frame["sponsors"].fillna("").str.split(";").map(lambda codes: bool(keys & set(codes)))].reset_index(drop=True)
    return frame[frame[by].isin(keys)].reset_index(drop=True)


def slice_hashes(meta: dict, name: str, by: str | None = None, keys=()) -> list[str]:
    """The hashes a job's cache key takes from one read: the whole table's, or each slice's."""
    table = meta["tables"][name]
    if by is None:
        return [table["sha256"]]
    parts = table["partitions"].get(by, {})
    return [parts.get(key, "empty") for key in sorted(keys)]
