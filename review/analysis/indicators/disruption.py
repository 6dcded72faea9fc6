"""The supply-disruption stress test (N-1): what is lost if the Alliance's largest non-aligned supplier stops.

For each mineral, stage and year the supplier is the one `dependency` names for the
Alliance as a whole; every scope (the Alliance and each member) loses what it sources
from that supplier, times the severity (`review.yml`, `disruption_severity`). The days of
that loss a stockpile bridges reuse the stockpile family's rows and disclosure: a value the
edition withholds stays withheld, an aggregate the rule suppresses stays suppressed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import ALLIANCE, CONFIDENTIAL, DAYS, EPS, NO_DATA, SHARE, SUPPRESSED, rows
from review.analysis.indicators.stockpiles import cover_days

#: A scope that sources nothing from the supplier loses nothing: its cover is unlimited.
NOT_EXPOSED = "not exposed"


def lost_share(sourcing: pd.DataFrame, alliance_dep: pd.DataFrame, severity: float) -> pd.DataFrame:
    """Share of each scope's supply lost if the Alliance's largest non-aligned supplier stopped.

    `alliance_dep` is `dependency(..., by_member=False)`: it names the supplier for each
    mineral, stage and year. Scopes are the Alliance and every member with sourcing that
    year. Returns columns mineral, stage, scope, year, supplier, lost_t, total_t, value.
    """
    supplier = alliance_dep[alliance_dep["supplier"] != ""][["mineral", "stage", "year", "supplier"]]
    keys = ["mineral", "stage", "year"]
    frame = sourcing.merge(supplier, on=keys, how="inner")
    frame["lost_t"] = frame["quantity_t"].where(frame["origin"] == frame["supplier"], 0.0)
    per_member = frame.assign(scope=frame["member"])
    alliance = frame.assign(scope=ALLIANCE)
    both = pd.concat([alliance, per_member], ignore_index=True)
    out = both.groupby(keys + ["scope", "supplier"], as_index=False, observed=True).agg(lost_t=("lost_t", "sum"), total_t=("quantity_t", "sum"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["total_t"] > 0, out["lost_t"] / out["total_t"].where(out["total_t"] > 0) * severity, np.nan)
    return out[["mineral", "stage", "scope", "year", "supplier", "lost_t", "total_t", "value"]].sort_values(["mineral", "stage", "scope", "year"], ignore_index=True)


def most_exposed(lost: pd.DataFrame) -> pd.DataFrame:
    """Each scope's most exposed stage per mineral and year (the largest lost share; ties to the first stage by name).

    Stockpiles are held per mineral, sourcing is per stage: a stock is tested against the
    stage whose loss is largest, the case a crisis plan has to meet.
    """
    ranked = lost.dropna(subset=["value"]).sort_values(["mineral", "scope", "year", "value", "stage"], ascending=[True, True, True, False, True])
    return ranked.groupby(["mineral", "scope", "year"], as_index=False).head(1).reset_index(drop=True)


def stress_cover(stockpiles: pd.DataFrame, totals: pd.DataFrame, lost: pd.DataFrame) -> pd.DataFrame:
    """Days of the lost supply each stockpile bridges: holdings / (lost share * annual consumption) * 365.

    Members' rows come from `stockpiles` (holdings withheld in a public edition stay
    missing: status "confidential"), the Alliance's from `totals` with its `disclosed`
    flag (status "suppressed" when not). The lost share is the scope's most exposed
    stage's; a scope with no sourcing that year has "no data", one that loses nothing
    "not exposed". The result is never given a target status: stockpile targets are set in
    days of consumption (`stockpile_cover_days`), and days of a smaller lost supply are a
    different, larger number (a US stock of 70 days of consumption bridges 115 days of a
    loss of 61% of its supply), so comparing them with the target would call a short stock met.
    Returns columns mineral, stage, scope, year, lost_share, value, status, detail.
    """
    exposed = most_exposed(lost).set_index(["mineral", "scope", "year"])
    members = stockpiles.rename(columns={"member": "scope"}).assign(withheld=lambda f: f["holdings_t"].isna(), disclosed=True)
    alliance = totals.assign(scope=ALLIANCE, withheld=False)
    if "disclosed" not in alliance:
        alliance["disclosed"] = True
    out = []
    for r in pd.concat([members, alliance], ignore_index=True).itertuples(index=False):
        key = (r.mineral, r.scope, int(r.year))
        row = dict(mineral=r.mineral, scope=r.scope, year=int(r.year), stage="", lost_share=np.nan, value=np.nan, detail="")
        if key not in exposed.index:
            out.append(row | dict(status=NO_DATA))
            continue
        e = exposed.loc[key]
        row |= dict(stage=e["stage"], lost_share=float(e["value"]), detail=f"{e['supplier']} stops")
        if r.withheld:
            out.append(row | dict(status=CONFIDENTIAL))
        elif not r.disclosed:
            out.append(row | dict(status=SUPPRESSED))
        elif e["value"] <= EPS:
            out.append(row | dict(status=NOT_EXPOSED))
        else:
            days = cover_days(float(r.holdings_t), e["value"] * float(r.annual_consumption_t))
            out.append(row | dict(value=days, status=""))
    return pd.DataFrame(out, columns=["mineral", "stage", "scope", "year", "lost_share", "value", "status", "detail"])


def disruption_rows(lost: pd.DataFrame, cover: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [
            rows(lost.assign(detail=lost["supplier"]), indicator="disruption_lost_share", unit=SHARE),
            rows(cover, indicator="disruption_cover_days", unit=DAYS),
        ],
        ignore_index=True,
    )
