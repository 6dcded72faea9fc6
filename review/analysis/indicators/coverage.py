"""Coverage of Alliance figures: how much of the Alliance reported, and which figures are provisional.

An Alliance figure sums the members that reported. While data are arriving, a year
with two of twelve members would otherwise be read as the Alliance's: coverage says how
much of the Alliance is in it, as the share of the previous year's Alliance volume held
by the members that reported this year. Below `coverage_threshold` (review.yml) the
figure's status is `provisional`: it is still computed, but never assessed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, PROVISIONAL, SHARE, SUPPRESSED, rows

#: Which table each Alliance figure sums, its grouping, and the volume coverage is weighted by.
#: Stockpiles and recycling are weighted by consumption (the denominator of cover and share).
COVERED = {
    "dependency": (("mineral", "stage"), "quantity_t", ("single_supplier_dependency", "aligned_share", "supply_t", "disruption_lost_share", "traceability_share")),
    "stockpiles": (("mineral",), "annual_consumption_t", ("stockpile_cover_days", "stockpile_holdings_t")),
    "recycling": (("mineral",), "consumption_t", ("recycling_share",)),
}


def coverage(frame: pd.DataFrame, by: tuple[str, ...], volume: str) -> pd.DataFrame:
    """Coverage per group and year: the previous year's volume share of the members that reported.

    "Previous year" is the latest earlier year with rows for the group; the first year
    of a series has no coverage row (nothing to compare with). A member reported when it
    has a row for the group and year, whatever its values. When a previous-year volume is
    withheld (a confidential stockpile in the public edition), coverage counts members
    instead of weighting them, so it cannot reveal the withheld volume.
    Columns: *by, year, value, reported, expected, missing (codes joined by ';'), basis.
    """
    columns = [*by, "year", "value", "reported", "expected", "missing", "basis"]
    out = []
    for key, group in frame.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        per_year = {int(y): part.groupby("member", observed=True)[volume].sum(min_count=1) for y, part in group.groupby("year", observed=True)}
        years = sorted(per_year)
        for before, year in zip(years, years[1:]):
            previous, reporters = per_year[before], set(per_year[year].index)
            missing = sorted(set(previous.index) - reporters)
            if previous.isna().any() or previous.sum() <= 0:
                value, basis = (len(previous) - len(missing)) / len(previous), "members"
            else:
                value, basis = float(previous[previous.index.isin(reporters)].sum() / previous.sum()), f"{volume} {before}"
            out.append(dict(zip(by, key)) | dict(year=year, value=value, reported=len(reporters), expected=len(previous), missing=";".join(missing), basis=basis))
    return pd.DataFrame(out, columns=columns)


def coverage_rows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The `coverage` indicator rows: scope alliance, `detail` names the table and the members missing.

    `detail` reads "dependency; missing DEU;FRA" (or "dependency; all reported"), so the
    CLI's warning and the data-quality annex can name who is missing without another lookup.
    """
    parts = []
    for table, (by, volume, _) in COVERED.items():
        cov = coverage(tables[table], by, volume)
        cov["detail"] = table + "; " + np.where(cov["missing"] == "", "all reported", "missing " + cov["missing"])
        parts.append(rows(cov, indicator="coverage", scope=ALLIANCE, unit=SHARE))
    return pd.concat(parts, ignore_index=True)


def provisional_keys(cov_rows: pd.DataFrame, threshold: float) -> set[tuple[str, str, str, int]]:
    """(table, mineral, stage, year) of every Alliance figure below the coverage threshold."""
    low = cov_rows[cov_rows["value"] < threshold - 1e-12]
    return {(d.split(";")[0], m, s, int(y)) for d, m, s, y in zip(low["detail"], low["mineral"], low["stage"], low["year"])}


def mark_provisional(observed: pd.DataFrame, cov_rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The observed rows with the status of every Alliance figure below the threshold set to provisional.

    Withheld figures stay withheld: what may not be published is not shown either way.
    """
    keys = provisional_keys(cov_rows, threshold)
    out = observed.copy()
    family = {indicator: table for table, (_, _, indicators) in COVERED.items() for indicator in indicators}
    table_of = out["indicator"].map(family)
    hit = [
        scope == ALLIANCE and isinstance(t, str) and (t, m, s, int(y)) in keys and status != SUPPRESSED
        for t, m, s, y, scope, status in zip(table_of, out["mineral"], out["stage"], out["year"], out["scope"], out["status"])
    ]
    out.loc[hit, "status"] = PROVISIONAL
    return out


def provisional_summary(table: pd.DataFrame) -> list[str]:
    """One line per provisional Alliance figure and the members it is missing, for the CLI's warning.

    Pure over the indicators table (the provisional statuses and the coverage rows), so
    `review validate`, `review indicators` and `review build` print the same lines.
    """
    cov = table[table["indicator"] == "coverage"]
    marked = table[(table["scope"] == ALLIANCE) & (table["status"] == PROVISIONAL)]
    provisional = {(i, m, s, int(y)) for i, m, s, y in zip(marked["indicator"], marked["mineral"], marked["stage"], marked["year"]) if isinstance(m, str) and isinstance(s, str)}
    lines = []
    for r in cov.sort_values(["detail", "mineral", "stage", "year"]).itertuples(index=False):
        source, _, who = r.detail.partition("; ")
        if not any((indicator, r.mineral, r.stage, int(r.year)) in provisional for indicator in COVERED[source][2]):
            continue
        where = " ".join(p for p in (r.mineral, r.stage) if p)
        lines.append(f"{where} {int(r.year)} ({source}): coverage {r.value * 100:.1f}%, {who}")
    return lines


def reporting_members(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Which members reported to each table that Alliance figures sum, year by year (the data-quality annex).

    Columns: table, year, reported (members with at least one row), members (the cycle's
    members), missing (the members without a row, joined by ';'). A member that joined
    later is listed as missing before it joined: the table states who is in the figures.
    """
    members = sorted(tables["members"]["code"])
    out = []
    for table in COVERED:
        frame = tables[table]
        for year, part in frame.groupby("year", sort=True, observed=True):
            present = set(part["member"])
            out.append(dict(table=table, year=int(year), reported=len(present & set(members)), members=len(members), missing=";".join(m for m in members if m not in present)))
    return pd.DataFrame(out, columns=["table", "year", "reported", "members", "missing"])
