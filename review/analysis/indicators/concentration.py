"""World concentration of production: top-3 share and the Herfindahl-Hirschman index, by source edition."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from review.analysis.indicators.common import EPS, HHI_UNIT, SHARE, UNATTRIBUTED, WORLD, rows

_EDITION = re.compile(r"\b((?:19|20)\d\d)\b")


def edition_year(source: str) -> int:
    """The publication year a `source` names ('USGS MCS 2025' -> 2025); the last year wins."""
    found = _EDITION.findall(source or "")
    if not found:
        raise ValueError(f"source {source!r} names no edition year")
    return int(found[-1])


def latest_production(production: pd.DataFrame) -> pd.DataFrame:
    """Each figure (year, mineral, stage, country) from the latest source edition that gives it."""
    frame = production.assign(edition=production["source"].map(edition_year))
    key = ["year", "mineral", "stage", "country"]
    newest = frame.groupby(key, observed=True)["edition"].transform("max")
    latest = frame[frame["edition"] == newest]
    return latest.groupby(key + ["edition"], as_index=False, observed=True).agg(
        quantity_t=("quantity_t", "sum"), source=("source", "first")
    )


def production_revisions(production: pd.DataFrame) -> pd.DataFrame:
    """Figures given differently by two source editions: year, mineral, stage, country, old, new, editions."""
    frame = production.assign(edition=production["source"].map(edition_year))
    key = ["year", "mineral", "stage", "country"]
    by_edition = frame.groupby(key + ["edition"], as_index=False, observed=True)["quantity_t"].sum()
    by_edition = by_edition.sort_values(key + ["edition"])
    by_edition["previous_t"] = by_edition.groupby(key, observed=True)["quantity_t"].shift()
    by_edition["previous_edition"] = by_edition.groupby(key, observed=True)["edition"].shift()
    changed = by_edition.dropna(subset=["previous_t"])
    changed = changed[(changed["quantity_t"] - changed["previous_t"]).abs() > EPS]
    out = changed.rename(columns={"quantity_t": "revised_t", "edition": "revised_edition"})
    out["previous_edition"] = out["previous_edition"].astype(int)
    return out[key + ["previous_edition", "previous_t", "revised_edition", "revised_t"]].reset_index(drop=True)


def concentration(production: pd.DataFrame) -> pd.DataFrame:
    """Top-3 share and HHI of world production per mineral, stage and year.

    Shares are of the sum of all country figures (XXX included in the total); XXX is a
    residual of many producers, so it is never one of the top three and adds nothing to
    the HHI. Returns columns mineral, stage, year, top3, hhi, top3_countries, sources.
    """
    latest = latest_production(production)
    out = []
    for (mineral, stage, year), group in latest.groupby(["mineral", "stage", "year"], observed=True, sort=True):
        total = group["quantity_t"].sum()
        named = group[group["country"] != UNATTRIBUTED].sort_values(["quantity_t", "country"], ascending=[False, True])
        if total <= 0:
            top3 = hhi = np.nan
        else:
            shares = named["quantity_t"] / total
            top3 = float(shares.head(3).sum())
            hhi = float(((shares * 100) ** 2).sum())
        editions = sorted(set(group["edition"]))
        out.append(
            dict(
                mineral=mineral,
                stage=stage,
                year=year,
                top3=top3,
                hhi=hhi,
                top3_countries=";".join(named["country"].head(3)),
                editions=";".join(map(str, editions)),
            )
        )
    return pd.DataFrame(out, columns=["mineral", "stage", "year", "top3", "hhi", "top3_countries", "editions"])


def concentration_rows(conc: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [
            rows(conc.assign(value=conc["top3"], detail=conc["top3_countries"]), indicator="top3_share", scope=WORLD, unit=SHARE),
            rows(conc.assign(value=conc["hhi"], detail="editions " + conc["editions"]), indicator="hhi", scope=WORLD, unit=HHI_UNIT),
        ],
        ignore_index=True,
    )
