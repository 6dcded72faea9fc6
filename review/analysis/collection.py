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


def _table_coverage(table: str, frame: pd.DataFrame, reporters: set[str], year: int) -> pd.DataFrame:
    """One table's figures of `year`, counting only `reporters`' rows of that year."""
    by, volume, _ = COVERED[table]
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
    return cov[["table", "mineral", "stage", "year", "value", "missing"]].sort_values(["mineral", "stage"], kind="stable")


def coverage_left(tables: dict[str, pd.DataFrame], sent: dict[tuple[str, str], str], years: dict[str, int]) -> pd.DataFrame:
    """Coverage of each Alliance figure of the collection year, counting only the members that have sent the table.

    A figure nobody has sent yet has coverage 0 (the indicator itself has no row for a
    year with no rows). Columns: table, mineral, stage, year, value, missing.
    `sent` holds (member, table) for every table a member has sent; `years` the year each
    table collects.
    """
    parts = [_table_coverage(table, tables[table], {m for (m, name) in sent if name == table}, years[table]) for table in COVERED]
    return pd.concat(parts, ignore_index=True).sort_values(["table", "mineral", "stage"], kind="stable").reset_index(drop=True)


def returns_grid(members: list[str], tables: list[str], sent: dict[tuple[str, str], str]) -> pd.DataFrame:
    """One row per member, one column per table: the date its latest return of the table arrived, '' while missing."""
    return pd.DataFrame([{"member": m, **{t: sent.get((m, t), "")[:10] for t in tables}} for m in members], columns=["member", *tables])


def coverage_gains(tables: dict[str, pd.DataFrame], sent: dict[tuple[str, str], str], years: dict[str, int], members: list[str]) -> pd.DataFrame:
    """Whom to chase: for each member still missing a table, the most coverage its return would add to one of the table's figures.

    Worked out as `coverage_left` does, as if that member's return had arrived, so it is the
    same indicator (the previous year's volume share the member holds, figure by figure),
    whether or not the inputs already hold rows of the year for it.
    Columns: member, then one per table that Alliance figures sum (NaN where the member has
    sent the table); rows with the largest gain first.
    """
    out = []
    for member in members:
        row = {"member": member}
        for table in COVERED:
            if (member, table) in sent:
                row[table] = float("nan")
                continue
            frame, year = tables[table], years[table]
            reporters = {m for (m, name) in sent if name == table}
            # before it arrives a return has no rows: its member's latest earlier rows stand for it
            # (the indicator counts a member that has rows, whatever their values)
            earlier = frame[(frame["year"] < year) & (frame["member"] == member)]
            arrived = earlier[earlier["year"] == earlier["year"].max()].assign(year=year)
            now = _table_coverage(table, frame, reporters, year).set_index(["mineral", "stage"])["value"]
            after = _table_coverage(table, pd.concat([frame, arrived], ignore_index=True), reporters | {member}, year).set_index(["mineral", "stage"])["value"]
            gain = after - now.reindex(after.index)
            row[table] = float(gain.max()) if len(gain) else 0.0
        out.append(row)
    frame = pd.DataFrame(out, columns=["member", *COVERED])
    order = frame[list(COVERED)].max(axis=1, skipna=True).fillna(-1)
    return frame.loc[order.sort_values(ascending=False, kind="stable").index].reset_index(drop=True)
