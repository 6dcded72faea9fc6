"""Sentences generated from the numbers: key messages, chapter summaries, captions' alt text.

Every number in a sentence is formatted from a value of the indicators table, so the
text can never disagree with the tables and figures beside it.
"""

from __future__ import annotations

import pandas as pd

from review.analysis import indicators as ind
from review.analysis.text import as_printed, format_value, is_missing


def pct(value) -> str:
    return format_value(value, "share")


def trend(first: float, last: float, tolerance: float = 0.0005) -> str:
    if last < first - tolerance:
        return "fell"
    if last > first + tolerance:
        return "rose"
    return "was unchanged"


def dependency_sentence(subject: str, series: pd.Series, supplier: str, projection: str | None = None, provisional: bool = False, prior_comparable: bool = False) -> str:
    """'Rare earths, refining: dependency on China fell from 91.4% in 2020 to 85.6% in 2026; ...'.

    With `prior_comparable` (prior_comparable: the year before the last is on the same supplier
    and not provisional), a last year that moved against the whole period is said ('rose from
    56.6% in 2020 to 57.5% in 2026, down from 58.3% in 2025').
    `projection` is a clause from `projection_clause` (None to leave the projection out).
    `provisional`: the latest value is provisional, and the sentence says so beside it.
    """
    known = series.dropna()
    if known.empty:
        return f"{subject}: no sourcing data."
    first_year, last_year = int(known.index.min()), int(known.index.max())
    first, last = float(known.iloc[0]), float(known.iloc[-1])
    supplier = with_article(supplier)
    if first_year == last_year:
        text = f"{subject}: dependency on {supplier} was {pct(last)} in {last_year}"
    elif trend(first, last) == "was unchanged":
        text = f"{subject}: dependency on {supplier} was unchanged at {pct(last)} from {first_year} to {last_year}"
    else:
        text = f"{subject}: dependency on {supplier} {trend(first, last)} from {pct(first)} in {first_year} to {pct(last)} in {last_year}"
    if provisional:
        text += f" (provisional: too few members have reported {last_year})"
    prior = known.get(last_year - 1)
    # the ends alone said "rose" of a share that fell in the last year (cobalt refining: 56.6% in 2020, 58.3% in 2025, 57.5% in 2026)
    if (prior_comparable and prior is not None and last_year - 1 > first_year and trend(first, last) != "was unchanged"
            and trend(float(prior), last) not in (trend(first, last), "was unchanged") and pct(float(prior)) != pct(last)):
        text += f", {'down' if last < prior else 'up'} from {pct(float(prior))} in {last_year - 1}"
    if projection:
        text += f"; {projection}"
    return text + "."


def prior_comparable(table: pd.DataFrame, mineral: str, stage: str, series: pd.Series) -> bool:
    """Whether the Alliance's dependency in the year before the series' last is on the same
    largest supplier and not provisional: only then is the last year's move said beside the trend
    (a move between two suppliers' shares, or from a figure of too few members, is no move)."""
    known = series.dropna()
    if known.empty:
        return False
    last = int(known.index.max())
    rows = table[(table["indicator"] == "single_supplier_dependency") & (table["mineral"] == mineral) & (table["stage"] == (stage or "")) & (table["scope"] == ind.ALLIANCE)].set_index("year")
    if last - 1 not in rows.index or last not in rows.index:
        return False
    before, now = rows.loc[last - 1], rows.loc[last]
    return before["status"] != ind.PROVISIONAL and before["detail"] == now["detail"]


def is_provisional(table: pd.DataFrame, indicator: str, mineral: str, stage: str, year) -> bool:
    """Whether the Alliance value of `indicator` for that mineral, stage and year is provisional."""
    sel = table[(table["indicator"] == indicator) & (table["mineral"] == mineral) & (table["stage"] == (stage or "")) & (table["scope"] == ind.ALLIANCE) & (table["year"] == year)]
    return bool((sel["status"] == ind.PROVISIONAL).any())


def projection_clause(table: pd.DataFrame, mineral: str, stage: str, target_year: int, goals: dict[str, float]) -> str | None:
    """The projection to a target year as the report quotes it: the on-time case with its slip and best cases.

    'at the current pipeline, 2030: 73.3% on time (status-weighted; above the 60.0% target and
    the 50.0% ambition), 79.0% if every project slips a year, 61.0% in the best case'. The
    comparison with the goals sits beside the on-time value it is about: at the end of the
    clause it read as the best case's ("62.4% in the best case (on time, above the 65.0%
    target)" of a best case below it). `goals` maps each kind (target, ambition) to its value. The on-time projection weights each project by the probability of its status and
    has it online on its expected date: it was called "expected", but the outlook, which lets
    projects slip as they have, is centred above it (the cold read of issue 26's session); only
    the full delivery of every listed project is called the best case (issue 21). A
    projection from provisional data is said to be provisional, not compared with the target.
    """
    def value(indicator: str):
        sel = table[(table["indicator"] == indicator) & (table["mineral"] == mineral) & (table["stage"] == stage) & (table["year"] == target_year) & (table["scope"] == ind.ALLIANCE)]
        return sel.iloc[0] if len(sel) else None

    best, slip = value("projected_dependency"), value("projected_dependency_slip")
    if best is None or is_missing(best["value"]):
        return None
    if best["status"] == ind.PROVISIONAL:
        return f"the {target_year} projection is not assessed: it starts from a provisional figure"
    full = value("projected_dependency_full")
    sides = [("above" if best["value"] > value + 1e-12 else "at or below", f"the {pct(value)} {kind}") for kind, value in sorted(goals.items(), key=lambda kv: kv[0] != "target")]
    if len(sides) == 2 and sides[0][0] == sides[1][0]:
        against = f"{sides[0][0]} {sides[0][1]} and {sides[1][1]}"
    else:
        against = ", ".join(f"{side} {goal}" for side, goal in sides)
    text = f"at the current pipeline, {target_year}: {pct(best['value'])} on time (status-weighted" + (f"; {against})" if against else ")")
    if slip is not None and not is_missing(slip["value"]):
        text += f", {pct(slip['value'])} if every project slips a year"
    if full is not None and not is_missing(full["value"]):
        text += f", {pct(full['value'])} in the best case"  # defined once, in About this review
    return text


def gap_clause(table: pd.DataFrame, mineral: str, stage: str, target_year: int) -> str | None:
    """'the target needs 12,000 t more aligned supply by 2030; the ambition needs 15,000 t more
    aligned supply by 2030, against 6,000 t in the probability-weighted pipeline and 4,000 t of
    plants still ramping up (certain)'.

    The plants ramping up are named beside the pipeline because the projections count them as
    certain supply: a need set against the pipeline alone looked larger than the projections
    take it to be (a need covered by the ramp-up alone read as resting on the pipeline)."""
    sel = table[(table["mineral"] == mineral) & (table["stage"] == stage) & (table["year"] == target_year) & (table["scope"] == ind.ALLIANCE)]
    gaps = sel[sel["indicator"] == "capacity_gap_t"].set_index("detail")["value"]
    pipeline = sel[sel["indicator"] == "pipeline_weighted_capacity_t"]["value"]
    ramp = sel[sel["indicator"] == "ramp_up_capacity_t"]["value"]
    if "target" not in gaps or sel[sel["indicator"] == "capacity_gap_t"]["status"].eq(ind.PROVISIONAL).any():
        return None
    needs = [
        f"the {kind} needs {format_value(gaps[kind], 't')} t more aligned supply by {target_year}" if gaps[kind] > 0 else f"today's aligned supply already suffices for the {kind}"
        for kind in ("target", "ambition")
        if kind in gaps
    ]
    text = "; ".join(needs)
    if len(pipeline) and (gaps > 0).any():
        text += f", against {format_value(pipeline.iloc[0], 't')} t in the probability-weighted pipeline"
        if len(ramp) and ramp.iloc[0] > 0:
            text += f" and {format_value(ramp.iloc[0], 't')} t of plants still ramping up (certain)"
    return text


ASSESSED = (ind.ON_TRACK, ind.AT_RISK, ind.OFF_TRACK)
#: How the Alliance's founding text is named in targets.csv's `source` (its own targets, not illustrative ones).
FOUNDING_SOURCE = "alliance founding text"


def _counts(card: pd.DataFrame) -> str:
    """'2 of 6 on track, 1 at risk and 3 off track (not assessed: 1 provisional)': statuses without a
    rank said apart, in parentheses, as the groups of status_counts_sentence are parted by semicolons."""
    counts = card["status"].value_counts()
    assessed = sum(counts.get(s, 0) for s in ASSESSED)
    text = f"{counts.get(ind.ON_TRACK, 0)} of {len(card)} on track, {counts.get(ind.AT_RISK, 0)} at risk and {counts.get(ind.OFF_TRACK, 0)} off track" if assessed else f"none of {len(card)} assessed"
    rest = [
        f"{counts.get(status, 0)} {label}"
        for status, label in (
            (ind.PROVISIONAL, "provisional"),
            (ind.SUPPRESSED, "withheld in this edition"),
            (ind.BASELINE, "at its baseline year"),
            (ind.NO_DATA, "without data"),
            (ind.NO_BASELINE, "without baseline data"),
        )
        if counts.get(status, 0)
    ]
    return text + ((" (not assessed: " if assessed else " (") + ", ".join(rest) + ")" if rest else "")


def is_founding(sources: pd.Series) -> pd.Series:
    """Targets whose source is the Alliance's founding text."""
    return sources.fillna("").str.strip().str.lower().str.startswith(FOUNDING_SOURCE)


def status_counts_sentence(card: pd.DataFrame) -> str:
    """'Founding targets: 1 of 3 on track, ...; founding ambitions: 1 of 3 ...; other targets (illustrative): 4 of 10 on track, ...'.

    `card` is `target_origins(scorecard, targets)`: the founding targets and ambitions are
    the Alliance's own commitments, so they are counted apart from the others; an ambition
    (the founding text's "as soon as possible", given a year in targets.csv) is counted apart
    from the dated targets, which one count of both had its misses swell.
    """
    founding, other = card[card["founding"]], card[~card["founding"]]
    parts = []
    targets, ambitions = founding[founding["kind"] != "ambition"], founding[founding["kind"] == "ambition"]
    if len(targets):
        parts.append(f"Founding targets: {_counts(targets)}")
    if len(ambitions):
        parts.append(f"{'founding ambitions' if parts else 'Founding ambitions'}: {_counts(ambitions)}")
    if len(other):
        label = "other targets (illustrative)" if other["illustrative"].all() else "other targets"
        parts.append(f"{label if parts else label.capitalize()}: {_counts(other)}")
    return "; ".join(parts) + "." if parts else "No targets are set."


def marked_illustrative(frame: pd.DataFrame) -> pd.Series:
    """The rows an input marks illustrative (its optional `illustrative` column; empty or
    absent is not illustrative), as booleans aligned with `frame`."""
    if "illustrative" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["illustrative"].fillna(False).astype(bool)


def target_origins(card: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with `founding` (source is the founding text), `illustrative` (targets.csv)
    and `asap` (the source sets no date: no_deadline) columns."""
    keys = ["mineral", "stage", "indicator", "kind"]
    flags = targets.assign(stage=targets["stage"].fillna(""), founding=is_founding(targets["source"]) if "source" in targets else False,
                           asap=no_deadline(targets["source"]) if "source" in targets else False)
    flags["illustrative"] = marked_illustrative(flags)
    return card.merge(flags[keys + ["founding", "illustrative", "asap"]].drop_duplicates(keys), on=keys, how="left").fillna({"founding": False, "illustrative": False, "asap": False})


#: How the founding text words a goal it gives no date: targets.csv gives such a goal a year only
#: to draw its path (the ambition: "50% as soon as possible (path drawn to 2030)").
NO_DEADLINE = "as soon as possible"


def no_deadline(sources: pd.Series) -> pd.Series:
    """Targets whose source says they are to be met as soon as possible, not by their year."""
    return sources.fillna("").str.lower().str.contains(NO_DEADLINE, regex=False)


def by_when(target, targets: pd.DataFrame | None = None) -> str:
    """When a goal is to be met, as its source says: 'by 2030', or 'as soon as possible (path
    drawn to 2030)' for a goal the founding text sets without a date (`asap`, from
    target_origins, or looked up in `targets` by mineral, stage, indicator and kind). The
    scorecard said '≤ 50% by 2030' where the founding text says 'as soon as possible'."""
    year = int(target.target_year)
    asap = getattr(target, "asap", None)
    if asap is None and targets is not None and "source" in targets:
        match = targets[(targets["mineral"] == target.mineral) & (targets["stage"].fillna("") == (target.stage or "")) & (targets["indicator"] == target.indicator) & (targets["kind"] == target.kind)]
        asap = bool(no_deadline(match["source"]).any())
    return f"{NO_DEADLINE} (path drawn to {year})" if asap else f"by {year}"


def dependency_changes(table: pd.DataFrame, cycle: int, previous_cycle: int) -> pd.DataFrame:
    """Alliance dependency change since the previous review for every mineral and stage with data in both years.

    Each series is compared at its assessed year (the latest up to the cycle) and the year
    the previous review assessed. Changes are of the values as displayed (rounded to 0.1
    percentage point), so a sentence agrees with the tables. Provisional figures are left
    out (`provisional` counts them). Columns: mineral, stage, year, previous_year, value,
    previous_value, change, provisional.
    """
    dep = table[(table["indicator"] == "single_supplier_dependency") & (table["scope"] == ind.ALLIANCE) & (table["year"] <= cycle)]
    out = []
    for (mineral, stage), part in dep.groupby(["mineral", "stage"], sort=True):
        part = part.set_index("year")
        year = int(part.index.max())
        before = year - (cycle - previous_cycle)
        if before not in part.index or is_missing(part.at[year, "value"]) or is_missing(part.at[before, "value"]):
            continue
        provisional = ind.PROVISIONAL in (part.at[year, "status"], part.at[before, "status"])
        now, then = round(float(part.at[year, "value"]), 3), round(float(part.at[before, "value"]), 3)
        out.append(dict(mineral=mineral, stage=stage, year=year, previous_year=before, value=now, previous_value=then, change=round(now - then, 3), provisional=provisional))
    return pd.DataFrame(out, columns=["mineral", "stage", "year", "previous_year", "value", "previous_value", "change", "provisional"])


def change_sentence(changes: pd.DataFrame, name=lambda mineral: mineral) -> str | None:
    """The largest fall and the largest rise in dependency over every mineral and stage compared (and how many).

    `changes` is `dependency_changes(...)`; `name` gives a mineral's display name. The years are
    this cycle's figures for both (revisions included), said as such: "Since the previous review"
    read as a comparison with what that review published.
    """
    compared = changes[~changes["provisional"]]
    left_out = int(changes["provisional"].sum())
    if compared.empty:
        return None

    def where(r) -> str:
        return f"{name(r['mineral']).lower()} {r['stage']}"

    falls, rises = compared[compared["change"] < 0], compared[compared["change"] > 0]
    across = f"all {len(compared)} mineral stages" if len(compared) > 1 else "the one mineral stage"
    pairs = sorted(set(zip(compared["previous_year"].astype(int), compared["year"].astype(int))))
    when = f"From {pairs[0][0]} to {pairs[0][1]} in this cycle's figures" if len(pairs) == 1 else "Over each stage's latest year in this cycle's figures"
    text = f"{when}, across {across} with Alliance data in both years"
    if left_out:
        text += f" ({left_out} provisional left out)"
    if len(falls):
        best = falls.sort_values(["change", "mineral", "stage"]).iloc[0]
        text += f", dependency fell most in {where(best)} ({format_value(best['change'], 'share_diff')})"
    else:
        text += ", dependency fell in none"
    if len(rises):
        worst = rises.sort_values(["change", "mineral", "stage"], ascending=[False, True, True]).iloc[0]
        text += f" and rose most in {where(worst)} ({format_value(worst['change'], 'share_diff')})"
    else:
        text += " and rose in none"
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
        f"{total('projects_cancelled')} cancelled, {total('projects_delayed')} expected later than the previous list said, "
        f"and {total('projects_slipped')} expected later than first reported."
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def joined(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def years_listed(years) -> str:
    """'2025', or '2024 and 2025': the distinct years of a column, in order."""
    return joined([str(int(y)) for y in sorted({int(y) for y in years})])



#: A fall from the window's peak larger than this is said beside the window's change (the change alone would hide it).
PEAK_FALL = 0.20


def signed_pct(value: float) -> str:
    """'+38.6%', '−66.1%' (a true minus sign; no negative zero)."""
    return f"{as_printed(value * 100, 1):+.1f}%".replace("-", "−")


def price_facts(r, price: str, peak: str) -> str:
    """One price as the report quotes it: the window's change, the last year's and, when larger than 20%, the fall from the peak.

    'lithium carbonate 14,000 USD/t in 2024 (the latest in the inputs): +38.6% over 2020-2024,
    −66.1% in the last year, 80.3% below its 2022 peak of 71,100 USD/t'. `r` is a row of
    monitoring.price_table's data (product, year, window, change, change_1y,
    change_from_peak, peak_year); `price` and `peak` are the latest and the peak price
    formatted with their unit. A change that is not known is left out, never guessed.
    """
    text = f"{r.product} {price} in {int(r.year)} (the latest in the inputs)"
    changes = []
    if not is_missing(r.change):
        changes.append(f"{signed_pct(r.change)} over {r.window.replace('-', '–')}")
    if not is_missing(r.change_1y):
        changes.append(f"{signed_pct(r.change_1y)} in the last year")
    if not is_missing(r.change_from_peak) and r.change_from_peak < -PEAK_FALL:
        changes.append(f"{-r.change_from_peak:.1%} below its {int(r.peak_year)} peak of {peak}")
    return text + (": " + ", ".join(changes) if changes else "")


def key_messages(ch, card: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """The executive summary's key messages, most important first.

    `card` is `target_origins(scorecard, targets)`. Targets whose status is provisional
    are left out of the messages about targets; one message says how many and why. The
    founding dependency targets are the At a glance page's, so one message points there
    instead of saying them a second time (the rare-earth paragraph was said three times). The
    counts of targets by status open the summary (status_counts_sentence), so they are not
    repeated here.
    """
    messages = []
    provisional = provisional_sentence(card, table, ch.config.coverage_threshold, ch.mineral)
    if provisional:
        messages.append(provisional)
    dep = card[(card["indicator"] == "single_supplier_dependency") & (card["status"] != ind.PROVISIONAL)]
    founding = dep[dep["founding"].astype(bool)] if "founding" in dep else dep.iloc[0:0]
    if len(founding):  # the At a glance page answers the founding question: said once, there
        messages.append(f"The founding {ch.mineral(founding['mineral'].iloc[0]).lower()} targets are assessed on the At a glance page, before the contents.")
    for (mineral, stage), group in dep.drop(founding.index).groupby(["mineral", "stage"], sort=False):
        series = ind.alliance_series(table, "single_supplier_dependency", mineral, stage)
        series = series[series.index <= ch.config.cycle]
        year = int(group["year"].dropna().iloc[0]) if group["year"].notna().any() else None
        supplier_rows = table[(table["indicator"] == "single_supplier_dependency") & (table["mineral"] == mineral) & (table["stage"] == stage) & (table["scope"] == ind.ALLIANCE) & (table["year"] == year)]
        supplier = ch.country(supplier_rows["detail"].iloc[0]) if len(supplier_rows) else "its largest supplier"
        target = group[group["kind"] == "target"]
        headline = target.iloc[0] if len(target) else group.iloc[0]
        goals = {r.kind: float(r.target) for r in group.itertuples() if int(r.target_year) == int(headline["target_year"])}
        clause = projection_clause(table, mineral, stage, int(headline["target_year"]), goals)
        text = dependency_sentence(f"{ch.mineral(mineral)}, {stage}", series, supplier, clause, prior_comparable=prior_comparable(table, mineral, stage, series))
        expected = table[(table["indicator"] == "projected_dependency") & (table["mineral"] == mineral) & (table["stage"] == stage) & (table["year"] == int(headline["target_year"])) & (table["scope"] == ind.ALLIANCE) & (table["status"] != ind.PROVISIONAL)]["value"]
        text += " " + target_status_sentence(group, float(expected.iloc[0]) if len(expected) else None)
        gap = gap_clause(table, mineral, stage, int(headline["target_year"]))
        if gap:
            text += f" At the assumed demand, {gap}."
        messages.append(text)
    change = change_sentence(dependency_changes(table, ch.config.cycle, ch.config.previous_cycle), ch.mineral)
    for sentence in (change, projects_sentence(table, ch.config.cycle)):
        if sentence:
            messages.append(sentence)
    stock = card[(card["indicator"] == "stockpile_cover_days")]
    for t in stock.itertuples():
        if t.status in ASSESSED:
            messages.append(f"Alliance stockpiles of {ch.mineral(t.mineral).lower()} covered {format_value(t.value, 'days')} days of consumption at the end of {t.year}, against a target of {format_value(t.target, 'days')} days by {t.target_year} ({t.status}).")
    withheld = [ch.mineral(m).lower() for m in stock[stock["status"] == ind.SUPPRESSED]["mineral"]]
    if withheld:
        messages.append(f"The Alliance stockpile cover for {joined(withheld)} is withheld in this edition: too few members contribute to publish {'it' if len(withheld) == 1 else 'them'} without revealing a confidential holding.")
    return messages


def is_under(target) -> bool:
    """Whether a ceiling is strict: the founding text sets dependency "under 60%", so 60.0% does not meet it.

    `target` is a scorecard row with `founding` (target_origins); the founding ambition ("50%
    as soon as possible") and other ceilings (comparator max) are "at most"."""
    return target.comparator == "max" and target.kind == "target" and bool(getattr(target, "founding", False))


def comparator_word(target) -> str:
    """The comparator as the target's text writes it: 'under' (founding ceilings), 'at most', 'at least'."""
    return "under" if is_under(target) else ("at most" if target.comparator == "max" else "at least")


def meets(value, target: float, comparator: str, strict: bool = False) -> bool:
    """Whether a value meets a target: at most (or under, `strict`) a ceiling, at least a floor; never when missing."""
    if is_missing(value):
        return False
    if comparator == "max":
        return value < target - 1e-12 if strict else value <= target + 1e-12
    return value + 1e-12 >= target


def target_status_sentence(group: pd.DataFrame, expected: float | None = None) -> str:
    """The status of a stage's target and of its ambition: 'Target 60.0% by 2030: on track, today's value already meets it; ambition 50.0%: at risk.'

    The ambition is stated as well as the target: a value that already meets the
    ambition is news the target's status alone would hide. `expected` is the on-time
    (status-weighted) projection to the target year: a target on track or met today that the
    projection misses says so ('on track, today's value already meets it, but the on-time 2030 projection misses
    it'), so the status never reads as the outlook's verdict.
    """
    parts = []
    for r in group.sort_values("kind", key=lambda k: k.map({"target": 0, "ambition": 1}).fillna(2)).itertuples():
        met = meets(r.value, r.target, r.comparator, strict=is_under(r))
        status = status_word(r.status) + (", today's value already meets it" if met and r.status in ASSESSED else "")
        if expected is not None and not is_missing(expected) and r.status == ind.ON_TRACK and not meets(expected, r.target, r.comparator, strict=is_under(r)):
            status += f", but the on-time {r.target_year} projection ({format_value(expected, 'share')}) misses it"
        parts.append(f"{r.kind} {'under ' if is_under(r) else ''}{format_value(r.target, 'share')} {by_when(r)}: {status}")
    return sentence_start("; ".join(parts)) + "."


def provisional_sentence(card: pd.DataFrame, table: pd.DataFrame, threshold: float, name=lambda mineral: mineral) -> str | None:
    """How many targets rest on provisional figures, which, and why (the coverage behind them)."""
    held = card[card["status"] == ind.PROVISIONAL]
    if held.empty:
        return None
    labels = sorted({f"{name(r.mineral).lower()} {r.stage}".strip() + f" ({INDICATOR_WORDS.get(r.indicator, r.indicator)}, {int(r.year)})" for r in held.itertuples()})
    cov = table[(table["indicator"] == "coverage") & (table["value"] < threshold - 1e-12)]
    lowest = f" (as little as {pct(cov['value'].min())})" if len(cov) else ""
    return (
        f"{plural(len(held), 'target')} {'is' if len(held) == 1 else 'are'} not assessed because {'its figure is' if len(held) == 1 else 'their figures are'} provisional: "
        + "; ".join(labels)
        + f". The members that reported held less than {threshold:.0%} of the Alliance's volume of the year before{lowest}; "
        "these figures will be assessed when the other members have reported (the data-quality annex lists who is missing)."
    )


INDICATOR_WORDS = {"single_supplier_dependency": "dependency", "recycling_share": "recycling", "stockpile_cover_days": "stockpiles"}


def status_word(status: str) -> str:
    """A status as the reader sees it: everything held back in the public edition is 'withheld'."""
    return "withheld" if status in (ind.SUPPRESSED, ind.CONFIDENTIAL) else status


#: Country names that take "the" in running text.
NAMES_WITH_ARTICLE = frozenset(
    {
        "United States", "United Kingdom", "European Union", "Netherlands", "Philippines", "Republic of Korea", "Czech Republic",
        "Dominican Republic", "Central African Republic", "United Arab Emirates", "Russian Federation", "Bahamas", "Gambia",
        "Maldives", "Marshall Islands", "Solomon Islands", "Comoros", "Seychelles", "Democratic Republic of the Congo",
    }
)


def with_article(name: str) -> str:
    """'the United States', 'the European Union', 'China': a country's name as running text needs it."""
    return f"the {name}" if name in NAMES_WITH_ARTICLE else name


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def member_intro(name: str, group: str, joined: int) -> str:
    """'The United States is a G7 member of the Alliance (since 2025).' or, for a member outside the G7,
    'Australia is a member of the Alliance from outside the G7 (joined as a partner country in 2025).'"""
    who = sentence_start(with_article(name))
    if group == "G7":
        return f"{who} is a G7 member of the Alliance (since {joined})."
    return f"{who} is a member of the Alliance from outside the G7 (joined as a partner country in {joined})."


#: The EU's 27 member states: a member that is one of them reports beside the EU's own rows.
EU_MEMBER_STATES = frozenset(
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE".split()
)
EU = "EUU"


def _eu_states_too(members: pd.DataFrame) -> list[str]:
    """The names of the EU member states that are members beside the EU itself ([] unless both are)."""
    states = members[members["code"].isin(EU_MEMBER_STATES)]
    return list(states["name"]) if (members["code"] == EU).any() else []


def _eu_members_said(states: list[str]) -> str:
    """'the European Union and Germany, France and Italy, EU member states, are all members'."""
    return f"the European Union and {joined(states)}, {'an EU member state, are both' if len(states) == 1 else 'EU member states, are all'} members"


def eu_overlap_sentence(members: pd.DataFrame) -> str | None:
    """How the Alliance's sums treat the EU beside its member states that are members too, as
    the code does it: every member's rows are added as they are (indicators.dependency sums
    over members), with no adjustment. None when the EU and its member states are not both members.

    'The European Union and Germany, France and Italy, EU member states, are all members. The
    Alliance's totals add every member's rows with no adjustment for this overlap: ...'"""
    states = _eu_states_too(members)
    if not states:
        return None
    both, one = joined(states), len(states) == 1
    return (
        sentence_start(_eu_members_said(states)) + ". "
        "The Alliance's totals add every member's rows as they are, with no adjustment for this overlap: the EU's rows must cover "
        f"only the EU member states that are not members in their own right ({both} {'reports for itself' if one else 'report for themselves'}), "
        f"or {'its' if one else 'their'} supply is counted twice. The review does not check this; where an EU row rests on a statistic of the whole EU "
        f"(such as EU imports by partner), that statistic includes {both} too."
    )


def eu_overlap_point(members: pd.DataFrame) -> str | None:
    """The same caveat as one line for At a glance, where the headline figures are: a reader of
    the first pages did not learn that they may count some supply twice (Members compared said so).
    None when the EU and its member states are not both members."""
    states = _eu_states_too(members)
    if not states:
        return None
    return (f"Totals: {_eu_members_said(states)}, and the Alliance's "
            "totals add every member's rows as reported; any supply the EU's rows also cover is counted twice, which the review does not check "
            "(Members compared).")


#: HHI bands (see the methodology annex): below 1,500, 1,500 to 2,500, above 2,500.
HHI_BANDS = ((1500, "unconcentrated"), (2500, "moderately concentrated"))


def hhi_band(hhi: float) -> str:
    """'unconcentrated' below 1,500; 'moderately concentrated' from 1,500 to 2,500; 'highly concentrated' above."""
    if hhi < HHI_BANDS[0][0]:
        return HHI_BANDS[0][1]
    if hhi <= HHI_BANDS[1][0]:
        return HHI_BANDS[1][1]
    return "highly concentrated"


def concentration_sentence(latest: pd.DataFrame) -> str:
    """'World production: mining is highly concentrated (2024: top-3 share 85.0%, HHI 4,812); refining is ...'.

    `latest` holds the world `top3_share` and `hhi` rows of each stage's latest year; the
    word for each stage follows its HHI band, so an unconcentrated stage is never called concentrated.
    """
    parts = []
    for stage, part in latest.groupby("stage", sort=True):
        hhi = float(part[part["indicator"] == "hhi"]["value"].iloc[0])
        top3 = part[part["indicator"] == "top3_share"]["value"]
        facts = (f"top-3 share {pct(top3.iloc[0])}, " if len(top3) else "") + f"HHI {hhi:,.0f}"
        parts.append(f"{stage} is {hhi_band(hhi)} ({int(part['year'].iloc[0])}: {facts})")
    return "World production: " + "; ".join(parts) if parts else ""


def movement_words(r) -> str:
    """A target's movement between two reviews as a reader takes it: a status that worsened
    while the value came closer to the target (the path tightened faster) says both, not
    "worsened" alone (and a status that improved while the value moved away likewise)."""
    movement = r.movement
    comparator = getattr(r, "comparator", None)
    if movement in ("improved", "worsened") and comparator in ("max", "min") and not (pd.isna(r.value_before) or pd.isna(r.value_now)) and r.value_now != r.value_before:
        closer = (r.value_now < r.value_before) == (comparator == "max")
        if closer and movement == "worsened":
            return "status worsened; value closer to target"
        if not closer and movement == "improved":
            return "status improved; value further from target"
    return movement


#: How the opening sentence counts each movement (movement_words), in this order.
MOVEMENT_COUNTED = {
    "improved": "improved",
    "status improved; value further from target": "improved in status though the value moved further from the target",
    "worsened": "worsened",
    "status worsened; value closer to target": "worsened in status though the value came closer to the target (the path tightened faster)",
    "closer to target": "closer to target",
    "further from target": "further from target",
    "unchanged": "unchanged",
    "no new data": "no new data",
}


def since_last_review(comparison: pd.DataFrame, previous_review: dict, cycle: int) -> str:
    """The opening of the 'since the last review' section, from review.audit.compare.compare_scorecards."""
    prev = previous_review["cycle"]
    if not previous_review["available"]:
        return (
            f"The published outputs of the {prev} review are not available to this build, so this section cannot say "
            f"what that review reported. The scorecard's 'Previous' columns restate {prev} from this cycle's data instead."
        )
    counts = comparison["movement"].value_counts()
    said = pd.Series([movement_words(r) for r in comparison.itertuples(index=False)], dtype=object).value_counts()
    parts = [f"{said.get(m, 0)} {words}" for m, words in MOVEMENT_COUNTED.items() if said.get(m, 0)]
    if counts.get("withheld", 0):
        parts.append(f"{counts['withheld']} withheld in both editions (not compared)")
    text = f"Compared with the scorecard the {prev} review published, " + (", ".join(parts) if parts else "no target was assessed in both reviews")
    extra = [plural(int(counts.get(m, 0)), label) for m, label in (("new target", "new target"), ("retired", "retired target")) if counts.get(m, 0)]
    if extra:
        text += "; " + " and ".join(extra)
    changed = int(counts.get("changed", 0))
    if changed:
        text += f"; {changed} moved to or from a status without a rank (baseline, provisional, no data or withheld), counted neither improved nor worsened"
    return text + ". " + compared_with(previous_review)


def compared_with(previous_review: dict) -> str:
    """Which previous review the section compares with: cycle, edition and manifest hash (as `review verify` checks it)."""
    return (
        f"The previous review compared with is the {previous_review['cycle']} {previous_review['edition']} edition, "
        f"manifest content hash {previous_review['manifest_sha256'][:16]}."
    )
