"""Working across cycles: start next year's inputs, and compare two reviews.

`new_cycle` rolls an inputs folder forward: reference tables and history carried over,
`review.yml` moved to the new year, every project carried forward as a row of the new
`as_of` with its last status, header-only parts for the year's new rows
(`dependency-<year>.csv`, ...; a table's parts are read as one table) and a CHECKLIST.md.

`compare_scorecards` and `compare_indicators` say what changed between two reviews; the
`review compare` command prints them and the executive summary's "since the last review"
section is built from the first.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pandas as pd

from review import indicators as ind

#: Tables whose rows are observations by year: a new cycle gets a header-only part for its rows.
NEW_ROWS = ("dependency", "production", "stockpiles", "recycling", "prices", "events", "traceability")
STATUS_RANK = {ind.ON_TRACK: 0, ind.AT_RISK: 1, ind.OFF_TRACK: 2}
TARGET_KEY = ["mineral", "stage", "indicator", "kind"]
#: Indicators whose `detail` describes the value (a supplier, countries) rather than naming the row.
DESCRIPTIVE_DETAIL = ("single_supplier_dependency", "top3_share", "hhi", "stockpile_cover_days", "projected_dependency", "projected_dependency_slip", "pipeline_weighted_capacity_t", "aligned_share", "supply_t", "recycling_share", "stockpile_holdings_t", "disruption_lost_share", "disruption_cover_days", "price_change", "price_volatility")


# --- new cycle ---------------------------------------------------------------------------------


def _csv_rows(path: Path) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _roll_settings(text: str, year: int, previous: int) -> str:
    """review.yml with the new cycle and previous cycle, comments kept; a title naming the old year names the new one."""
    lines, seen = [], set()
    for line in text.splitlines():
        if re.match(r"^cycle\s*:", line):
            line, _ = re.subn(r"^(cycle\s*:\s*)\d+", rf"\g<1>{year}", line)
            seen.add("cycle")
        elif re.match(r"^previous_cycle\s*:", line):
            line, _ = re.subn(r"^(previous_cycle\s*:\s*)\d+", rf"\g<1>{previous}", line)
            seen.add("previous_cycle")
        elif re.match(r"^title\s*:", line):
            line = line.replace(str(previous), str(year))
        lines.append(line)
    if "previous_cycle" not in seen:
        index = next(i for i, line in enumerate(lines) if re.match(r"^cycle\s*:", line))
        lines.insert(index + 1, f"previous_cycle: {previous}")
    return "\n".join(lines) + "\n"


def new_cycle(year: int, source: Path, dest: Path) -> dict:
    """Write the inputs folder of cycle `year` from `source`; refuses to overwrite `dest`.

    Returns what it wrote: {'projects': n carried forward, 'templates': [file names]}.
    """
    from review.config import CONFIG_FILE, load_config
    from review.data import TABLES, table_files
    from review.fsutil import Staging

    source, dest = Path(source), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; new-cycle never overwrites a folder: choose another --to or remove it")
    config = load_config(source)
    if year <= config.cycle:
        raise ValueError(f"the new cycle ({year}) must come after the source cycle ({config.cycle})")
    with Staging(dest) as staging:
        out = staging.path
        for spec in TABLES.values():
            for path in table_files(source, spec):
                if path.is_file():
                    shutil.copyfile(path, out / path.name)
        header, rows = _csv_rows(source / TABLES["projects"].file)
        reported = [int(r["as_of"]) for r in rows if int(r["as_of"]) <= config.cycle]
        carried = [dict(r, as_of=str(year)) for r in rows if reported and int(r["as_of"]) == max(reported)]
        _write_csv(out / TABLES["projects"].file, header, rows + carried)
        templates = []
        for name in NEW_ROWS:
            if TABLES[name].optional and not (source / TABLES[name].file).is_file():
                continue  # an optional table the cycle does without stays out of the next one too
            part = out / f"{name}-{year}.csv"
            columns, _ = _csv_rows(source / TABLES[name].file)
            _write_csv(part, columns, [])
            templates.append(part.name)
        (out / CONFIG_FILE).write_text(_roll_settings((source / CONFIG_FILE).read_text(), year, config.cycle))
        (out / "CHECKLIST.md").write_text(checklist(year, config.cycle, len(carried)))
        staging.commit()
    return {"projects": len(carried), "templates": templates}


def checklist(year: int, previous: int, projects: int) -> str:
    return f"""# Checklist for the {year} review

Made by `review new-cycle {year}` from the {previous} inputs. Tick each item, then validate and build.

## Settings and reference tables

- [ ] `review.yml`: `cycle: {year}` and `previous_cycle: {previous}` are set; check the title, the status
      weights and the demand growth assumption.
- [ ] `members.csv`: add members that joined (with `joined: {year}`); a new member has no history before it joined.
- [ ] `partners.csv`: add or remove aligned non-members.
- [ ] `minerals.csv`: add minerals or stages now in scope (each gets its own chapter).
- [ ] `targets.csv`: add new targets; to retire a target, delete its row (the report lists retired targets
      when the {previous} outputs are present).

## The year's data (header-only files to fill; a table's parts are read as one table)

- [ ] `dependency-{year}.csv`: each member's sourcing by mineral, stage and origin for {year}
      (revise earlier years in `dependency.csv` if the data were revised).
- [ ] `production-{year}.csv`: the new edition of world production (e.g. `source` "USGS MCS {year}"),
      including revised earlier years: the latest edition is used and revisions are listed in the report.
- [ ] `stockpiles-{year}.csv`: year-end stocks for {year - 1}; mark `confidential: true` where a member
      does not publish its holdings.
- [ ] `recycling-{year}.csv`: recycled output, capacity and consumption for {year - 1}.
- [ ] `prices-{year}.csv`, `events-{year}.csv`, `traceability-{year}.csv` (where the cycle has these optional
      tables): the year's annual average prices, market and policy events, and verified-origin tonnes; check
      `price_floors.csv` for floors set, changed or proposed.
- [ ] `projects.csv`: {projects} projects were carried forward as `as_of: {year}` rows with their last
      status: update `status` and `expected_online`, add new projects, keep `first_reported_online`.

## Build

```sh
review validate --inputs <this folder>
review build --inputs <this folder> --edition restricted
review build --inputs <this folder>               # the public edition
review compare outputs/{previous}/public outputs/{year}/public
```
"""


# --- comparing reviews ----------------------------------------------------------------------------


def _status_move(before: str, after: str) -> str:
    if before == after:
        return "unchanged"
    if before in STATUS_RANK and after in STATUS_RANK:
        return "improved" if STATUS_RANK[after] < STATUS_RANK[before] else "worsened"
    return "changed"


def compare_scorecards(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each target in either review: its assessed value and status then and now, and how it moved.

    `movement` is improved, worsened, unchanged, changed (to or from a status without a
    rank, such as suppressed), new target or retired.
    """
    merged = previous.merge(current, on=TARGET_KEY, how="outer", suffixes=("_before", "_now"), indicator=True)
    rows = []
    for r in merged.to_dict("records"):
        if r["_merge"] == "right_only":
            movement = "new target"
        elif r["_merge"] == "left_only":
            movement = "retired"
        else:
            movement = _status_move(r["status_before"], r["status_now"])
        rows.append(
            {
                **{k: r[k] for k in TARGET_KEY},
                "comparator": r["comparator_now"] if isinstance(r.get("comparator_now"), str) else r["comparator_before"],
                "target": r["target_now"] if pd.notna(r.get("target_now")) else r["target_before"],
                "target_year": r["target_year_now"] if pd.notna(r.get("target_year_now")) else r["target_year_before"],
                "year_before": r.get("year_before"),
                "value_before": r.get("value_before"),
                "status_before": r.get("status_before") if isinstance(r.get("status_before"), str) else "",
                "year_now": r.get("year_now"),
                "value_now": r.get("value_now"),
                "status_now": r.get("status_now") if isinstance(r.get("status_now"), str) else "",
                "change": (r["value_now"] - r["value_before"]) if pd.notna(r.get("value_now")) and pd.notna(r.get("value_before")) else float("nan"),
                "movement": movement,
            }
        )
    out = pd.DataFrame(rows)
    for col in ("year_before", "year_now", "target_year"):
        if col in out:
            out[col] = out[col].astype("Int64")
    return out.sort_values(TARGET_KEY, key=lambda c: c.fillna(""), ignore_index=True)


def compare_indicators(previous: pd.DataFrame, current: pd.DataFrame, tolerance: float = 1e-12) -> tuple[pd.DataFrame, int, int]:
    """Indicator values present in both tables that differ (value or status); and counts of rows added and removed."""

    def keyed(table: pd.DataFrame) -> pd.DataFrame:
        frame = table.copy()
        frame["detail"] = frame["detail"].fillna("").astype(str)
        frame["stage"] = frame["stage"].fillna("").astype(str)
        frame["status"] = frame["status"].fillna("").astype(str)
        frame["key_detail"] = frame["detail"].where(~frame["indicator"].isin(DESCRIPTIVE_DETAIL), "")
        return frame

    a, b = keyed(previous), keyed(current)
    key = ["indicator", "mineral", "stage", "scope", "year", "key_detail"]
    merged = a.merge(b, on=key, how="outer", suffixes=("_before", "_now"), indicator=True)
    both = merged[merged["_merge"] == "both"].copy()
    both["change"] = both["value_now"] - both["value_before"]
    value_changed = ~((both["value_now"] - both["value_before"]).abs() <= tolerance) & ~(both["value_now"].isna() & both["value_before"].isna())
    changed = both[value_changed | (both["status_now"] != both["status_before"]) | (both["detail_now"] != both["detail_before"])]
    columns = ["indicator", "mineral", "stage", "scope", "year", "unit_now", "value_before", "value_now", "change", "status_before", "status_now", "detail_before", "detail_now"]
    out = changed[columns].rename(columns={"unit_now": "unit"}).sort_values(["indicator", "mineral", "stage", "scope", "year"], ignore_index=True)
    return out, int((merged["_merge"] == "right_only").sum()), int((merged["_merge"] == "left_only").sum())


def review_tables(out: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A build's manifest, indicators table and targets, read from its output folder."""
    from review import manifest as manifest_mod
    from review import snapshot

    manifest = manifest_mod.read(out)
    table = pd.read_parquet(Path(out) / "data" / "indicators.parquet")
    return manifest, table, snapshot.read_table(Path(out) / "validated", "targets")


def previous_scorecard(out: Path) -> pd.DataFrame:
    """The scorecard of a previous review, from its output folder."""
    _, table, targets = review_tables(out)
    return ind.scorecard(table, targets)
