"""Where the members' data round stands: who has sent which table, and the coverage the gaps leave.

Pure over the cycle's tables and what its submissions log says arrived (the CLI reads the
log with review.inputs.ingest.received and composes the two), so that `review status`
words what the report would say if it were built now: coverage is the report's own
indicator (review.analysis.indicators.coverage), computed as if the members that have not
yet sent a table had no rows for its collection year.
"""

from __future__ import annotations

import pandas as pd

from review.analysis.indicators.coverage import COVERED, coverage


def coverage_left(tables: dict[str, pd.DataFrame], sent: dict[tuple[str, str], str], years: dict[str, int]) -> pd.DataFrame:
    """Coverage of each Alliance figure of the collection year, counting only the members that have sent the table.

    A figure nobody has sent yet has coverage 0 (the indicator itself has no row for a
    year with no rows). Columns: table, mineral, stage, year, value, missing.
    `sent` holds (member, table) for every table a member has sent; `years` the year each
    table collects.
    """
    out = []
    for table, (by, volume, _) in COVERED.items():
        year = years[table]
        frame = tables[table]
        reporters = {member for (member, name) in sent if name == table}
        kept = frame[(frame["year"] != year) | frame["member"].isin(reporters)]
        cov = coverage(kept, by, volume)
        cov = cov[cov["year"] == year]
        found = {tuple(r) for r in cov[list(by)].itertuples(index=False)}
        earlier = frame[frame["year"] < year]
        if len(earlier):
            last = earlier[earlier["year"] == earlier["year"].max()]
            for key, group in last.groupby(list(by), sort=True):
                key = key if isinstance(key, tuple) else (key,)
                if key not in found:
                    cov = pd.concat([cov, pd.DataFrame([dict(zip(by, key)) | {"year": year, "value": 0.0, "missing": ";".join(sorted(set(group["member"])))}])], ignore_index=True)
        cov = cov.assign(table=table, stage=cov["stage"] if "stage" in cov else "")
        out.append(cov[["table", "mineral", "stage", "year", "value", "missing"]])
    return pd.concat(out, ignore_index=True).sort_values(["table", "mineral", "stage"], kind="stable").reset_index(drop=True)


def returns_grid(members: list[str], tables: list[str], sent: dict[tuple[str, str], str]) -> pd.DataFrame:
    """One row per member, one column per table: the date its latest return of the table arrived, '' while missing."""
    return pd.DataFrame([{"member": m, **{t: sent.get((m, t), "")[:10] for t in tables}} for m in members], columns=["member", *tables])
