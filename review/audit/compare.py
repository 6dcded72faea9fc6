"""Comparing two reviews: what changed between them, read from their output folders.

`compare_scorecards` and `compare_indicators` say what changed between two reviews; the
`review compare` command prints them and the executive summary's "since the last review"
section is built from the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from review.analysis import indicators as ind

STATUS_RANK = {ind.ON_TRACK: 0, ind.AT_RISK: 1, ind.OFF_TRACK: 2}
TARGET_KEY = ["mineral", "stage", "indicator", "kind"]
WITHHELD = (ind.SUPPRESSED, ind.CONFIDENTIAL)
#: Indicators whose `detail` describes the value (a supplier, countries) rather than naming the row.
DESCRIPTIVE_DETAIL = ("single_supplier_dependency", "top3_share", "hhi", "stockpile_cover_days", "projected_dependency", "projected_dependency_slip", "projected_dependency_full", "pipeline_weighted_capacity_t", "ramp_up_capacity_t", "aligned_share", "supply_t", "recycling_share", "stockpile_holdings_t", "disruption_lost_share", "disruption_cover_days", "price_change", "price_volatility")


#: Movements that are not a change: the value did not move (`no new data`: nor did the assessed year).
UNMOVED = ("unchanged", "no new data", "withheld")


def _status_move(before: str, after: str) -> str:
    if before == after:
        return "unchanged"
    if before in STATUS_RANK and after in STATUS_RANK:
        return "improved" if STATUS_RANK[after] < STATUS_RANK[before] else "worsened"
    return "changed"


def _movement(r: dict, tolerance: float) -> str:
    """How one target moved: its status first; in the same status, its value against the comparator.

    "no new data" when the assessed year and the value are those of the previous review,
    so a reader can tell a figure that was not updated from one that was and held still;
    "withheld" when the edition withholds the figure in both reviews.
    """
    if r["status_before"] in WITHHELD and r["status_now"] in WITHHELD:
        return "withheld"  # withheld in both editions compared: neither value is known, so nothing is said to hold still
    status = _status_move(r["status_before"], r["status_now"])
    if status != "unchanged":
        return status
    before, now = r.get("value_before"), r.get("value_now")
    if pd.isna(before) and pd.isna(now) or pd.notna(before) and pd.notna(now) and abs(now - before) <= tolerance:
        return "no new data" if r.get("year_before") == r.get("year_now") else "unchanged"
    if pd.isna(before) or pd.isna(now):
        return "changed"
    lower_is_better = r["comparator"] == "max"
    return "closer to target" if (now < before) == lower_is_better else "further from target"


def compare_scorecards(previous: pd.DataFrame, current: pd.DataFrame, tolerance: float = 1e-12) -> pd.DataFrame:
    """Each target in either review: its assessed year, value and status then and now, and how it moved.

    `movement` is improved or worsened (status), closer to target or further from target
    (same status, the value moved), unchanged (same value, a later year), no new data
    (same year and value), changed (to or from a status without a rank, such as
    suppressed), new target or retired.
    """
    merged = previous.merge(current, on=TARGET_KEY, how="outer", suffixes=("_before", "_now"), indicator=True)
    rows = []
    for r in merged.to_dict("records"):
        row = {
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
        }
        if r["_merge"] == "right_only":
            row["movement"] = "new target"
        elif r["_merge"] == "left_only":
            row["movement"] = "retired"
        else:
            row["movement"] = _movement(row, tolerance)
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("year_before", "year_now", "target_year"):
        if col in out:
            out[col] = out[col].astype("Int64")
    return out.sort_values(TARGET_KEY, key=lambda c: c.fillna(""), ignore_index=True)


@dataclass
class IndicatorChanges:
    """Indicator values of two reviews: those in both (with `changed`), and those only in one."""

    both: pd.DataFrame
    added: pd.DataFrame
    removed: pd.DataFrame

    @property
    def changed(self) -> pd.DataFrame:
        return self.both[self.both["changed"]].reset_index(drop=True)


INDICATOR_KEY = ["indicator", "mineral", "stage", "scope", "year"]


def compare_indicators(previous: pd.DataFrame, current: pd.DataFrame, tolerance: float = 1e-12) -> IndicatorChanges:
    """Match indicator values of two reviews on indicator, mineral, stage, scope and year.

    A value in both is `changed` when its value, status or detail differs; `added` and
    `removed` are the values of one review only (new or dropped years, minerals, members).
    """

    def keyed(table: pd.DataFrame) -> pd.DataFrame:
        frame = table.copy()
        frame["detail"] = frame["detail"].fillna("").astype(str)
        frame["stage"] = frame["stage"].fillna("").astype(str)
        frame["status"] = frame["status"].fillna("").astype(str)
        frame["key_detail"] = frame["detail"].where(~frame["indicator"].isin(DESCRIPTIVE_DETAIL), "")
        # coverage's detail names its table, then describes the value ("dependency; missing JPN")
        coverage = frame["indicator"] == "coverage"
        frame.loc[coverage, "key_detail"] = frame.loc[coverage, "detail"].str.split(";").str[0]
        return frame

    a, b = keyed(previous), keyed(current)
    key = INDICATOR_KEY + ["key_detail"]
    merged = a.merge(b, on=key, how="outer", suffixes=("_before", "_now"), indicator=True)
    both = merged[merged["_merge"] == "both"].copy()
    both["change"] = both["value_now"] - both["value_before"]
    value_changed = ~(both["change"].abs() <= tolerance) & ~(both["value_now"].isna() & both["value_before"].isna())
    both["changed"] = value_changed | (both["status_now"] != both["status_before"]) | (both["detail_now"] != both["detail_before"])
    columns = INDICATOR_KEY + ["unit_now", "value_before", "value_now", "change", "status_before", "status_now", "detail_before", "detail_now", "changed"]
    both = both[columns].rename(columns={"unit_now": "unit"}).sort_values(INDICATOR_KEY, ignore_index=True)

    def only(side: str, which: str) -> pd.DataFrame:
        part = merged[merged["_merge"] == which]
        frame = part[INDICATOR_KEY + [f"{c}_{side}" for c in ("value", "unit", "status", "detail")]]
        return frame.rename(columns=lambda c: c.removesuffix(f"_{side}")).sort_values(INDICATOR_KEY, ignore_index=True)

    return IndicatorChanges(both, only("now", "right_only"), only("before", "left_only"))


CHANCE_KEY = ["mineral", "stage", "year", "kind", "scenario"]


def compare_chances(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The chance of meeting each dependency target (`target_probability`) in two reviews, and its change.

    One row per mineral, stage, target year, kind (target or ambition) and demand scenario
    in either review: before, now and change (missing where one review has no such chance,
    as a review built before the outlook existed).
    """

    def chances(table: pd.DataFrame) -> pd.DataFrame:
        rows = table[(table["indicator"] == "target_probability") & (table["scope"] == ind.ALLIANCE)]
        parts = rows["detail"].astype(str).str.split(":", n=1)
        kind, scenario = parts.str[0], parts.str[1]
        return pd.DataFrame({"mineral": rows["mineral"], "stage": rows["stage"].fillna(""), "year": rows["year"].astype("Int64"), "kind": kind, "scenario": scenario, "value": rows["value"]})

    merged = chances(previous).merge(chances(current), on=CHANCE_KEY, how="outer", suffixes=("_before", "_now"))
    merged = merged.rename(columns={"value_before": "before", "value_now": "now"})
    merged["change"] = merged["now"] - merged["before"]
    return merged[CHANCE_KEY + ["before", "now", "change"]].sort_values(CHANCE_KEY, ignore_index=True)


@dataclass
class Names:
    """Display names of a review's minerals, members and scopes, read from its snapshot."""

    minerals: dict[str, str]
    scopes: dict[str, str]

    @classmethod
    def from_tables(cls, *tables: dict) -> "Names":
        """Names from each set of validated tables; later ones win."""
        minerals, scopes = {}, {ind.ALLIANCE: "Alliance", ind.WORLD: "World"}
        for t in tables:
            minerals.update(t["minerals"].set_index("id")["name"].to_dict())
            scopes.update(t["members"].set_index("code")["name"].to_dict())
        return cls(minerals, scopes)

    @classmethod
    def of(cls, *outs: Path) -> "Names":
        """Names from each review's snapshot; a later review's names win."""
        from review.inputs import snapshot
        return cls.from_tables(*({name: snapshot.read_table(Path(out) / "validated", name) for name in ("minerals", "members")} for out in outs))

    def mineral(self, mineral_id: str) -> str:
        return self.minerals.get(mineral_id, mineral_id)

    def scope(self, code: str) -> str:
        return self.scopes.get(code, code)


def review_tables(out: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A build's manifest, indicators table and targets, read from its output folder."""
    from review.audit import manifest as manifest_mod
    from review.inputs import snapshot
    manifest = manifest_mod.read(out)
    table = pd.read_parquet(Path(out) / "data" / "indicators.parquet")
    return manifest, table, snapshot.read_table(Path(out) / "validated", "targets")


def previous_chances(out: Path | None) -> pd.DataFrame:
    """The chances of meeting each dependency target (`target_probability` rows) of a previous
    review, and the yearly demand growth each scenario assumed for them (`DEMAND_RATE` rows,
    detail the scenario, worked out from that review's recorded settings and demand.csv, so a
    review built before the rates were kept has them too); empty without one.

    A review built before the outlook existed has no chance: the comparison then says so. The
    rates let the next review say when a chance moved because the assumption did (the 2025
    review assumed 4% a year for every mineral; the 2026 one, from published outlooks, 16.2%
    for lithium: its chance fell 77 points with lithium dependency falling).
    """
    if out is None:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "Int64" if c == "year" else "object") for c in ind.COLUMNS})
    import json
    from types import SimpleNamespace

    from review.inputs import snapshot
    from review.inputs.config import ReviewConfig

    _, table, _ = review_tables(out)
    chances = table[(table["indicator"] == "target_probability") & (table["scope"] == ind.ALLIANCE)]
    validated = Path(out) / "validated"
    # only the two settings the rates depend on, read as that review recorded them: a review
    # made by older code may record settings this code no longer knows
    recorded = json.loads((validated / snapshot.CONFIG_JSON).read_text())
    defaults = ReviewConfig.model_fields
    settings = SimpleNamespace(**{name: recorded.get(name, defaults[name].default) for name in ("headline_scenario", "demand_growth")})
    demand = snapshot.read_table(validated, "demand") if "demand" in snapshot.read_meta(validated)["tables"] else None
    rates = ind.demand_rates(demand, settings, sorted(set(zip(chances["mineral"], chances["stage"].fillna("")))))
    kept = pd.DataFrame({
        "indicator": ind.DEMAND_RATE, "mineral": rates["mineral"], "stage": rates["stage"], "scope": ind.ALLIANCE,
        "year": pd.array([recorded.get("cycle")] * len(rates), dtype="Int64"), "value": rates["rate"].astype(float), "unit": ind.SHARE, "status": "", "detail": rates["scenario"],
    })
    return pd.concat([chances[ind.COLUMNS], kept[ind.COLUMNS]], ignore_index=True)


def previous_scorecard(out: Path) -> pd.DataFrame:
    """The scorecard of a previous review, from its output folder."""
    _, table, targets = review_tables(out)
    return ind.scorecard(table, targets)
