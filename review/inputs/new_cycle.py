"""`review new-cycle`: next year's inputs, rolled forward from this year's.

`new_cycle` rolls an inputs folder forward: reference tables and history carried over,
`review.yml` moved to the new year, every project carried forward as a row of the new
`as_of` with its last status, header-only parts for the year's new rows
(`dependency-<year>.csv`, ...; a table's parts are read as one table) and a CHECKLIST.md.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

#: Tables whose rows are observations by year: a new cycle gets a header-only part for its rows.
NEW_ROWS = ("dependency", "production", "stockpiles", "recycling", "prices", "events", "traceability")


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


@contextmanager
def _claimed(dest: Path, exists: str):
    """A staging folder that becomes `dest`, which is claimed first and never replaced.

    `dest` is made (empty) at once, so the check that it did not exist and its creation
    are one step: a folder another process makes there meanwhile is refused, not merged
    or replaced. The finished folder is then renamed onto the empty claim, which the
    system refuses if anyone has written into it since; on any failure the staging folder
    goes and the claim is removed if it is still empty.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(dest)
    except FileExistsError:
        raise FileExistsError(exists) from None
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    committed = False
    try:
        yield staging
        try:
            os.rename(staging, dest)  # onto the empty claim only
        except OSError:
            raise FileExistsError(f"{dest} was written to by another process while new-cycle ran; it was left as it is and nothing was written") from None
        committed = True
    finally:
        if not committed:
            shutil.rmtree(staging, ignore_errors=True)
            try:
                os.rmdir(dest)  # the claim, if nobody has written into it
            except OSError:
                pass


def new_cycle(year: int, source: Path, dest: Path, outputs: Path = Path("outputs")) -> dict:
    """Write the inputs folder of cycle `year` from `source`; refuses to overwrite `dest`.

    `outputs` is where the builds go: the checklist's commands name the real folders.
    Returns what it wrote: {'projects': n carried forward, 'overdue': [project ids whose
    expected_online is already past], 'templates': [file names]}.
    """
    from review.inputs.config import CONFIG_FILE, load_config
    from review.inputs.data import TABLES, table_files

    source, dest = Path(source), Path(dest)
    exists = f"{dest} already exists; new-cycle never overwrites a folder: choose another --to or remove it"
    if dest.exists():
        raise FileExistsError(exists)
    config = load_config(source)
    if year <= config.cycle:
        raise ValueError(f"the new cycle ({year}) must come after the source cycle ({config.cycle})")
    with _claimed(dest, exists) as out:
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
        overdue = overdue_projects(carried, year)
        (out / "CHECKLIST.md").write_text(checklist(year, config.cycle, len(carried), overdue, dest, Path(outputs)))
    return {"projects": len(carried), "overdue": [r["project_id"] for r in overdue], "templates": templates}


#: Statuses whose expected_online date no longer needs an update.
SETTLED = ("operating", "cancelled")


def overdue_projects(carried: list[dict], year: int) -> list[dict]:
    """Carried-forward projects expected online before `year` that are not operating (nor cancelled)."""
    return [r for r in carried if r["status"] not in SETTLED and r["expected_online"].strip() and int(float(r["expected_online"])) < year]


def _code(text: str) -> str:
    """Text from an input file as a Markdown code span, so it reads as typed and never as markup."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def checklist(year: int, previous: int, projects: int, overdue: list[dict], inputs: Path, outputs: Path) -> str:
    late = "".join(
        f"\n      - {_code(r['project_id'])} {_code(r['name'])}: expected online {r['expected_online']}, status {_code(r['status'])}" for r in overdue
    )
    late_item = (
        f"\n- [ ] Projects expected online before {year} that are not operating ({len(overdue)}): update their `status`\n"
        f"      and `expected_online` (keep `first_reported_online`: slippage is measured from it).{late}"
        if overdue
        else ""
    )
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
      status: update `status` and `expected_online`, add new projects, keep `first_reported_online`.{late_item}

## Build

```sh
review validate --inputs {inputs}
review build --inputs {inputs} --outputs {outputs} --edition restricted
review build --inputs {inputs} --outputs {outputs}         # the public edition
review compare {outputs / str(previous) / "public"} {outputs / str(year) / "public"}
```

If the {previous} review was built into another folder, add `--previous` and its folder (e.g.
`--previous archive/{previous}/public`) to both builds, and compare with that folder.
"""
