"""The scorecard: every target with its assessed value, path, status and the previous review's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis.indicators.common import NO_DATA
from review.analysis.indicators.targets import alliance_series

SCORECARD_COLUMNS = [
    "mineral", "stage", "indicator", "kind", "comparator", "target", "target_year",
    "year", "value", "path", "status", "previous_year", "previous_value", "previous_status", "change",
]


def scorecard(table: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Every target with its assessed value, path and status, and the same for the previous cycle.

    Built only from rows of `table` (and the targets themselves), so the scorecard and
    the indicators table can never disagree.
    """
    paths = table[table["indicator"] == "target_path"]
    out = []
    for t in targets.itertuples(index=False):
        stage = t.stage if isinstance(t.stage, str) else ""
        detail = f"{t.indicator}:{t.kind}"
        mine = paths[(paths["mineral"] == t.mineral) & (paths["stage"] == stage) & (paths["detail"] == detail)].sort_values("year")
        series = alliance_series(table, t.indicator, t.mineral, stage)
        row = dict(mineral=t.mineral, stage=stage, indicator=t.indicator, kind=t.kind, comparator=t.comparator, target=float(t.value), target_year=int(t.year))
        if mine.empty:
            out.append(row | dict(status=NO_DATA))
            continue
        current = mine.iloc[-1]
        previous = mine.iloc[0] if len(mine) > 1 else None
        value = series.get(current["year"], np.nan)
        row |= dict(year=int(current["year"]), value=value, path=current["value"], status=current["status"])
        if previous is not None:
            prev_value = series.get(previous["year"], np.nan)
            row |= dict(previous_year=int(previous["year"]), previous_value=prev_value, previous_status=previous["status"], change=value - prev_value)
        out.append(row)
    card = pd.DataFrame(out, columns=SCORECARD_COLUMNS)
    for col in ("year", "previous_year", "target_year"):
        card[col] = card[col].astype("Int64")
    card["previous_status"] = card["previous_status"].fillna("")
    return card
