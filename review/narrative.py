"""Sentences generated from the numbers: key messages, chapter summaries, captions' alt text.

Every number in a sentence is formatted from a value of the indicators table, so the
text can never disagree with the tables and figures beside it.
"""

from __future__ import annotations

import pandas as pd

from review import indicators as ind
from review.text import format_value, is_missing


def pct(value) -> str:
    return format_value(value, "share")


def trend(first: float, last: float, tolerance: float = 0.0005) -> str:
    if last < first - tolerance:
        return "fell"
    if last > first + tolerance:
        return "rose"
    return "was unchanged"


def dependency_sentence(subject: str, series: pd.Series, supplier: str, projection: float | None = None, target: float | None = None, target_year: int | None = None) -> str:
    """'Rare earths, refining: dependency on China fell from 91.4% in 2020 to 85.6% in 2026; ...'."""
    known = series.dropna()
    if known.empty:
        return f"{subject}: no sourcing data."
    first_year, last_year = int(known.index.min()), int(known.index.max())
    first, last = float(known.iloc[0]), float(known.iloc[-1])
    if first_year == last_year:
        text = f"{subject}: dependency on {supplier} was {pct(last)} in {last_year}"
    elif trend(first, last) == "was unchanged":
        text = f"{subject}: dependency on {supplier} was unchanged at {pct(last)} from {first_year} to {last_year}"
    else:
        text = f"{subject}: dependency on {supplier} {trend(first, last)} from {pct(first)} in {first_year} to {pct(last)} in {last_year}"
    if projection is not None and not is_missing(projection) and target is not None:
        side = "above" if projection > target + 1e-12 else "at or below"
        text += f"; at the current pipeline the {target_year} projection is {pct(projection)}, {side} the {pct(target)} target"
    return text + "."


def status_counts_sentence(card: pd.DataFrame) -> str:
    """'Of 16 targets and ambitions, 5 are on track, 4 at risk and 6 off track; 1 cannot be assessed.'"""
    counts = card["status"].value_counts()
    parts = [f"{counts.get(s, 0)} {'are ' if i == 0 else ''}{s}" for i, s in enumerate((ind.ON_TRACK, ind.AT_RISK, ind.OFF_TRACK))]
    text = f"Of {len(card)} targets and ambitions, {parts[0]}, {parts[1]} and {parts[2]}"
    rest = len(card) - sum(counts.get(s, 0) for s in (ind.ON_TRACK, ind.AT_RISK, ind.OFF_TRACK))
    if rest:
        text += f"; {rest} cannot be assessed (no data or withheld in this edition)"
    return text + "."


def change_sentence(card: pd.DataFrame) -> str | None:
    """The dependency target that improved most and the one that worsened most since the previous review."""
    dep = card[(card["indicator"] == "single_supplier_dependency") & (card["kind"] == "target")].dropna(subset=["change"])
    if dep.empty:
        return None
    best = dep.loc[dep["change"].idxmin()]
    worst = dep.loc[dep["change"].idxmax()]
    text = f"Since the previous review, the largest fall in dependency was in {best['mineral']} {best['stage']} ({format_value(best['change'], 'share_diff')})"
    if worst["change"] > 0:
        text += f"; dependency rose most in {worst['mineral']} {worst['stage']} ({format_value(worst['change'], 'share_diff')})"
    return text + "."


def projects_sentence(table: pd.DataFrame, cycle: int) -> str | None:
    def total(indicator: str) -> int:
        sel = table[(table["indicator"] == indicator) & (table["detail"] == "all")]
        return int(sel["value"].sum()) if len(sel) else 0

    count = total("projects_count")
    if count == 0:
        return None
    return (
        f"The {cycle} project list holds {count} projects: {total('projects_new')} new since the previous review, "
        f"{total('projects_cancelled')} cancelled, and {total('projects_slipped')} expected later than first reported."
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"



def key_messages(ch, card: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """The executive summary's key messages, most important first."""
    messages = [status_counts_sentence(card)]
    dep = card[(card["indicator"] == "single_supplier_dependency") & (card["kind"] == "target")]
    for t in dep.itertuples():
        series = ind.alliance_series(table, t.indicator, t.mineral, t.stage)
        series = series[series.index <= ch.config.cycle]
        supplier_rows = table[(table["indicator"] == t.indicator) & (table["mineral"] == t.mineral) & (table["stage"] == t.stage) & (table["scope"] == ind.ALLIANCE) & (table["year"] == t.year)]
        supplier = ch.country(supplier_rows["detail"].iloc[0]) if len(supplier_rows) else "its largest supplier"
        proj = table[(table["indicator"] == "projected_dependency") & (table["mineral"] == t.mineral) & (table["stage"] == t.stage) & (table["year"] == t.target_year)]
        projection = float(proj["value"].iloc[0]) if len(proj) else None
        messages.append(dependency_sentence(f"{ch.mineral(t.mineral)}, {t.stage}", series, supplier, projection, t.target, t.target_year))
    for sentence in (change_sentence(card), projects_sentence(table, ch.config.cycle)):
        if sentence:
            messages.append(sentence)
    stock = card[(card["indicator"] == "stockpile_cover_days")]
    for t in stock.itertuples():
        if t.status in (ind.ON_TRACK, ind.AT_RISK, ind.OFF_TRACK):
            messages.append(f"Alliance stockpiles of {ch.mineral(t.mineral).lower()} covered {format_value(t.value, 'days')} days of consumption at the end of {t.year}, against a target of {format_value(t.target, 'days')} days by {t.target_year} ({t.status}).")
        elif t.status == ind.SUPPRESSED:
            messages.append(f"The Alliance stockpile cover for {ch.mineral(t.mineral).lower()} is withheld in this edition: too few members contribute to publish it without revealing a confidential holding.")
    return messages


def since_last_review(comparison: pd.DataFrame, previous_review: dict, cycle: int) -> str:
    """The opening of the 'since the last review' section, from review.cycles.compare_scorecards."""
    prev = previous_review["cycle"]
    if not previous_review["available"]:
        return (
            f"The published outputs of the {prev} review are not available to this build, so this section cannot say "
            f"what that review reported. The scorecard's 'Previous' columns restate {prev} from this cycle's data instead."
        )
    counts = comparison["movement"].value_counts()
    parts = [f"{counts.get(m, 0)} {m}" for m in ("improved", "worsened", "closer to target", "further from target", "unchanged", "no new data") if counts.get(m, 0)]
    text = f"Compared with the scorecard the {prev} review published, " + (", ".join(parts) if parts else "no target was assessed in both reviews")
    extra = [plural(int(counts.get(m, 0)), label) for m, label in (("new target", "new target"), ("retired", "retired target")) if counts.get(m, 0)]
    if extra:
        text += "; " + " and ".join(extra)
    changed = int(counts.get("changed", 0))
    if changed:
        text += f"; {changed} moved to or from a status without a rank (no data or withheld)"
    return text + ". " + compared_with(previous_review)


def compared_with(previous_review: dict) -> str:
    """Which previous review the section compares with: cycle, edition and manifest hash (as `review verify` checks it)."""
    return (
        f"The previous review compared with is the {previous_review['cycle']} {previous_review['edition']} edition, "
        f"manifest content hash {previous_review['manifest_sha256'][:16]}."
    )
