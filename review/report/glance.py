"""At a glance: is the Alliance on track for its founding rare-earth and magnet targets?

The founding text sets one target for rare earths and permanent magnets: single-supplier
dependency under 60% by 2030, with an ambition of 50%. The first page answers it from
the indicators table alone: the chance of meeting each (the outlook, worded by
review.report.outlook) and its fan per stage; per stage the baseline, today, the on-time
(status-weighted) projection, the best case (every active aligned project delivered in full on its expected date) and the slip
case; the aligned supply still needed (`capacity_gap_t`) beside the weighted pipeline;
and, for the High-Level Group's attention, one line per pillar of the mandate
(`pillar_points`: diversification, projects, stockpiles, recycling, markets,
traceability, targets still to set), so the first pages say what there is to decide.
Rows a build does not have (the outlook's `target_probability`, `capacity_gap_t`,
`coverage`) are left out of the text, never guessed: every sentence states only what the
table holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.analysis import indicators as ind
from review.analysis.narrative import ASSESSED, by_when, eu_overlap_point, joined, marked_illustrative, pct, plural, years_listed
from review.analysis.text import format_value, is_missing
from review.report import outlook

#: The mineral of the founding target ("rare earths and permanent magnets": its mining, refining and magnet stages).
FOUNDING_MINERAL = "rare-earths"
DEPENDENCY = "single_supplier_dependency"
CASES = ("baseline", "today", "expected", "best case", "slip case")
#: Statuses that mean a figure is not assessed because too few members reported (honest, #12).
PROVISIONAL = "provisional"


def tonnes(value) -> str:
    return format_value(value, "t") + " t"


def founding_targets(targets: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """The founding dependency targets and ambitions (their source is the founding text, as
    narrative.is_founding reads it), stages in the order given (minerals.csv)."""
    from review.analysis.narrative import is_founding

    sel = targets[(targets["indicator"] == DEPENDENCY) & (targets["mineral"] == FOUNDING_MINERAL)]
    sel = sel[is_founding(sel["source"])]
    order = {s: i for i, s in enumerate(stages)}
    return sel.assign(order=sel["stage"].map(order)).dropna(subset=["order"]).sort_values(["order", "kind"]).drop(columns="order").reset_index(drop=True)


def _alliance(table: pd.DataFrame, indicator: str, stage: str) -> pd.DataFrame:
    return table[(table["indicator"] == indicator) & (table["mineral"] == FOUNDING_MINERAL) & (table["stage"] == stage) & (table["scope"] == ind.ALLIANCE)]


def founding_points(table: pd.DataFrame, founding: pd.DataFrame, cycle: int) -> pd.DataFrame:
    """Per stage: the baseline, today (the latest year up to the cycle), and at the target year
    the on-time (status-weighted) projection, the best case (every listed project delivered in
    full on time) and the slip case. Columns: stage, case, year, value, status."""
    out = []
    for stage, group in founding.groupby("stage", sort=False):
        baseline_year, target_year = int(group["baseline_year"].iloc[0]), int(group["year"].iloc[0])
        series = _alliance(table, DEPENDENCY, stage)
        series = series[series["year"] <= cycle].dropna(subset=["value"]).sort_values("year")
        base = series[series["year"] == baseline_year]
        if len(base):
            out.append(dict(stage=stage, case="baseline", year=baseline_year, value=float(base["value"].iloc[0]), status=base["status"].iloc[0]))
        if len(series):
            last = series.iloc[-1]
            out.append(dict(stage=stage, case="today", year=int(last["year"]), value=float(last["value"]), status=last["status"]))
        for indicator, case in (("projected_dependency", "expected"), ("projected_dependency_full", "best case"), ("projected_dependency_slip", "slip case")):
            point = _alliance(table, indicator, stage)
            point = point[point["year"] == target_year]
            if len(point):
                out.append(dict(stage=stage, case=case, year=target_year, value=float(point["value"].iloc[0]), status=point["status"].iloc[0]))
    frame = pd.DataFrame(out, columns=["stage", "case", "year", "value", "status"])
    frame["status"] = frame["status"].fillna("")
    return frame


def founding_lines(founding: pd.DataFrame) -> pd.DataFrame:
    """The target and ambition levels per stage. Columns: stage, kind, value, year."""
    return founding[["stage", "kind", "value", "year"]].reset_index(drop=True)


def capacity_gaps(table: pd.DataFrame, founding: pd.DataFrame) -> pd.DataFrame:
    """Per stage at the target year: the aligned supply to add for the target and for the
    ambition (NaN when the build has no `capacity_gap_t` rows), the weighted pipeline and the
    plants still ramping up (which the projections count as certain).
    Columns: stage, year, target_t, ambition_t, pipeline_t, ramp_up_t, provisional."""
    out = []
    for stage, group in founding.groupby("stage", sort=False):
        year = int(group["year"].iloc[0])
        row = dict(stage=stage, year=year, target_t=np.nan, ambition_t=np.nan, pipeline_t=np.nan, ramp_up_t=np.nan, provisional=False)
        for r in _alliance(table, "capacity_gap_t", stage).itertuples():
            if int(r.year) == year and r.detail in ("target", "ambition"):
                row[f"{r.detail}_t"] = float(r.value)
                row["provisional"] |= r.status == PROVISIONAL
        beside, provisional = outlook.supply_beside(table, FOUNDING_MINERAL, stage, year)
        row.update(beside)
        row["provisional"] |= provisional
        out.append(row)
    return pd.DataFrame(out, columns=["stage", "year", "target_t", "ambition_t", "pipeline_t", "ramp_up_t", "provisional"])


def _level(lines: pd.DataFrame, kind: str) -> float | None:
    sel = lines[lines["kind"] == kind]["value"]
    return float(sel.iloc[0]) if len(sel) and sel.nunique() == 1 else None


def outlook_medians(table: pd.DataFrame, founding: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """The outlook's median dependency (`projected_dependency_p50`, `scenario` demand) of each
    founding stage at its target year, in the founding stages' order: stage, value."""
    out = []
    for stage, group in founding.groupby("stage", sort=False):
        year = int(group["year"].iloc[0])
        sel = _alliance(table, "projected_dependency_p50", stage)
        sel = sel[(sel["year"] == year) & (sel["detail"] == scenario)]
        if len(sel):
            out.append(dict(stage=stage, value=float(sel["value"].iloc[0])))
    return pd.DataFrame(out, columns=["stage", "value"])


def sentences(points: pd.DataFrame, lines: pd.DataFrame, card: pd.DataFrame, gaps: pd.DataFrame, mineral: str, medians: pd.DataFrame | None = None, draws: str = "") -> list[str]:
    """Three sentences: where each stage is today and its status; where the pipeline takes
    it by the target year, on-time, slip and best cases, and the outlook's median (`medians`,
    outlook_medians) beside them; the aligned supply still needed.

    The on-time projection weighs each project by its status and has it on time; the
    outlook's draws bring each project online or not with the probability of its status, with
    a delay as `draws` says (review.report.outlook.delay_phrase: the project history, the
    distribution review.yml states, or none), so its median is said next to the on-time case
    (which sat near the draws' 25th percentile in the sample)."""
    if points.empty:
        return [f"No Alliance figure of {mineral.lower()} dependency is available in this build, so the founding target cannot be assessed."]
    target, ambition = _level(lines, "target"), _level(lines, "ambition")
    year = int(lines["year"].iloc[0])
    goal = f"under {pct(target)} by {year}" if target is not None else f"by {year}"
    if ambition is not None:
        goal += f" (ambition {pct(ambition)})"
    today = points[points["case"] == "today"]
    statuses = card[(card["mineral"] == FOUNDING_MINERAL) & (card["indicator"] == DEPENDENCY) & (card["kind"] == "target")].set_index("stage")["status"]
    by_status: dict[str, list[str]] = {}
    for r in today.itertuples():
        by_status.setdefault(statuses.get(r.stage, ind.NO_DATA) or ind.NO_DATA, []).append(r.stage)
    verdicts = "; ".join(f"{joined(stages)} {'is' if len(stages) == 1 else 'are'} {status}" for status, stages in by_status.items())
    years = sorted(set(today["year"]))
    first = (
        f"In {joined([str(y) for y in years])}, the Alliance's dependency on a single non-aligned supplier of {mineral.lower()} is "
        + joined([f"{pct(r.value)} in {r.stage}" + (f" ({r.year})" if len(years) > 1 else "") + (" (provisional)" if r.status == PROVISIONAL else "") for r in today.itertuples()])
        + f", against the founding target of {goal}: {verdicts}."
    )
    expected, best, slip = (points[points["case"] == case] for case in ("expected", "best case", "slip case"))
    if expected.empty:
        second = f"No pipeline projection to {year} is available in this build."
    else:
        second = (
            f"With the project pipeline weighted by status and every project on time (the on-time projection), {year} dependency would be "
            + joined([f"{pct(r.value)} in {r.stage}" for r in expected.itertuples()])
        )
        if len(slip):
            second += ", and " + joined([pct(v) for v in slip["value"]]) + " if projects slip a year"
        if len(best):
            second += "; if every active aligned project is delivered in full on its expected date (the best case), " + joined([pct(v) for v in best["value"]])
        if target is not None and len(best):
            missing = [r.stage for r in best.itertuples() if r.value > target + ind.EPS and r.status != PROVISIONAL]
            second += f": {joined(missing)} {'misses' if len(missing) == 1 else 'miss'} {pct(target)} even in the best case" if missing else f": every stage reaches {pct(target)} in the best case"
        second += "."
        if medians is not None and len(medians):
            second += (
                " With each project coming online with the probability of its status and "
                + draws
                + ", the outlook's median is "
                + joined([f"{pct(r.value)} in {r.stage}" for r in medians.itertuples()])
                + "."
            )
    known = gaps.dropna(subset=["target_t"])
    if len(known):
        needed = known[known["target_t"] > 0]
        if needed.empty:
            third = f"Today's aligned supply, growing with demand, already reaches {pct(target)} in every stage by {year} (no new aligned supply needed)."
        else:
            third = (
                f"Reaching {pct(target)} by {year} needs new aligned supply of "
                + joined([f"{tonnes(r.target_t)} in {r.stage}" for r in needed.itertuples()])
                + ", against a weighted pipeline of "
                + joined([tonnes(r.pipeline_t) if not is_missing(r.pipeline_t) else "no reported project" for r in needed.itertuples()])
                + (
                    ", besides plants still ramping up (counted as certain) of " + joined([f"{tonnes(r.ramp_up_t)} in {r.stage}" for r in needed[needed["ramp_up_t"] > 0].itertuples()])
                    if (needed["ramp_up_t"] > 0).any()
                    else ""
                )
                + "."
            )
    elif gaps["pipeline_t"].notna().any():
        third = (
            "The weighted pipeline adds " + joined([f"{tonnes(r.pipeline_t)} in {r.stage}" for r in gaps.dropna(subset=["pipeline_t"]).itertuples()])
            + f" of aligned capacity by {year}; this build does not compute the supply the target needs."
        )
    else:
        third = f"No project pipeline to {year} is reported for {mineral.lower()}."
    return [first, second, third]


# --- one line per pillar of the mandate ---------------------------------------------------------

#: The founding text asks for diversification targets for further minerals by the end of 2026.
TARGETS_DUE = 2026
WITHHELD_STATUSES = (ind.SUPPRESSED, ind.CONFIDENTIAL)


def _latest_alliance(table: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The Alliance rows of `indicator` in each mineral and stage's latest year with a value."""
    sel = table[(table["indicator"] == indicator) & (table["scope"] == ind.ALLIANCE)].dropna(subset=["value"])
    return sel[sel["year"] == sel.groupby(["mineral", "stage"])["year"].transform("max")]


def _statuses(card: pd.DataFrame, label) -> str:
    """'1 of 3 off track (cobalt refining), 2 on track': the assessed statuses of a group of targets, worst first."""
    parts = []
    for status in (ind.OFF_TRACK, ind.AT_RISK, ind.ON_TRACK):
        hit = card[card["status"] == status]
        if len(hit):
            named = f" ({joined([label(r) for r in hit.itertuples()])})" if status != ind.ON_TRACK else ""
            parts.append(f"{len(hit)} {status}{named}")
    return ", ".join(parts)


#: What an Alliance total of each kind of target would reveal (the disclosure rule withholds it):
#: cover is held stock over consumption, a recycling share recycled output over consumption.
CONFIDENTIAL_PART = {"stockpile": "confidential holdings", "recycling": "a confidential consumption"}


def _withheld_line(card: pd.DataFrame, what: str, mineral_name) -> str:
    """'3 stockpile targets (rare earths, gallium and antimony) are assessed only in the restricted edition, because ...'."""
    names = joined([mineral_name(m).lower() for m in card["mineral"]])
    verb = "is" if len(card) == 1 else "are"
    revealed = CONFIDENTIAL_PART.get(what, "confidential figures")
    return (f"{len(card)} {what} target{'s' if len(card) != 1 else ''} ({names}) {verb} assessed only in the restricted edition, "
            f"because the Alliance totals would reveal {revealed}")


def diversification_line(card: pd.DataFrame, table: pd.DataFrame, mineral_name) -> str | None:
    """The founding dependency target and ambition: where each is not on track, and the chance of meeting them.

    With the outlook's rows (`target_probability`, `capacity_needed_p80_t`, detail
    'target:central' / 'ambition:central') the line gives the chance of meeting each by the
    target year and the aligned capacity an 80% chance needs; without them, where even the
    best-case projection misses (a bound, not a chance). Every stage that is not on track
    is named with its status, so a target at risk is never hidden behind the ambition; the
    on-track stages are said in a word (the page's first paragraph gives every figure)."""
    dep = card[(card["indicator"] == DEPENDENCY) & card["founding"]]
    if dep.empty:
        return None
    mineral = mineral_name(dep["mineral"].iloc[0]).lower()
    parts = []
    for kind, group in dep.groupby("kind", sort=False):
        when = by_when(group.iloc[0]).replace(" (path", "; path").rstrip(")")  # said inside parentheses below
        goal = f"{'under ' if kind == 'target' else ''}{pct(group['target'].iloc[0])} {when}"
        by_status: dict[str, list[str]] = {}
        for r in group.itertuples():
            by_status.setdefault(narrative_status(r.status), []).append(r.stage)
        text = f"the {kind} ({goal}) is " + "; ".join(f"{status} in {joined(stages)}" for status, stages in by_status.items())
        detail = f"{kind}:central"
        chance = table[(table["indicator"] == "target_probability") & (table["detail"] == detail) & (table["mineral"] == group["mineral"].iloc[0])]
        if len(chance):
            year = int(chance["year"].max())
            chance = chance[chance["year"] == year]
            order = {stage: i for i, stage in enumerate(group["stage"])}  # the stages in the order the line names them
            chance = chance.sort_values("stage", key=lambda s: s.map(order))
            text += f"; chance of meeting it by {year}: " + ", ".join(f"{r.stage} {outlook.chance(r.value)}" for r in chance.itertuples())
            needed = table[(table["indicator"] == "capacity_needed_p80_t") & (table["detail"] == detail) & (table["mineral"] == group["mineral"].iloc[0]) & (table["year"] == year)]
            needed = needed[needed["value"] > 0].sort_values("stage", key=lambda s: s.map(order))
            if len(needed):
                # "needs 8,995 t more" beside a target needing 21,995 t read as needing less than the target: say more than what
                text += "; an 80% chance needs " + joined([f"{tonnes(r.value)} of aligned {r.stage} capacity" for r in needed.itertuples()]) + " certain by then beyond the listed pipeline and the plants ramping up"
        else:
            best = table[(table["indicator"] == "projected_dependency_full") & (table["scope"] == ind.ALLIANCE) & (table["mineral"] == group["mineral"].iloc[0])]  # full delivery: the best case
            best = best[(best["year"] == int(group["target_year"].iloc[0])) & (best["status"] != PROVISIONAL)]
            level = float(group["target"].iloc[0])
            misses = [f"{r.stage} ({pct(r.value)})" for r in best.itertuples() if r.value > level - (1e-12 if kind == "target" else -1e-12)]
            if misses:
                text += f", and even the best case misses it in {joined(misses)}"
        parts.append(text)
    line = f"Diversification, founding {mineral} targets: " + "; ".join(parts) + "."
    others = card[(card["indicator"] == DEPENDENCY) & ~card["founding"]]
    if len(others):
        label = "Other dependency targets" + (" (illustrative)" if others["illustrative"].all() else "")
        line += f" {label}: " + (_statuses(others, lambda r: f"{mineral_name(r.mineral).lower()} {r.stage}") or f"none of {len(others)} assessed")
        # a status is today's; the chance is the outlook's: a target on track today may well be missed
        central = outlook.headline_chances(table, "central").set_index(["mineral", "stage", "kind"])["value"]
        odds = [f"{mineral_name(r.mineral).lower()} {r.stage} {outlook.chance(float(central[(r.mineral, r.stage, 'target')]))}"
                for r in others[others["kind"] == "target"].itertuples() if (r.mineral, r.stage, "target") in central.index]
        line += (f"; chance of meeting each by its year: {joined(odds)}" if odds else "") + "."
    return line


def narrative_status(status: str) -> str:
    return "withheld" if status in WITHHELD_STATUSES else (status or ind.NO_DATA)


def projects_line(table: pd.DataFrame, projects: pd.DataFrame, mineral_name, founding: pd.DataFrame | None = None) -> str | None:
    """The projects that matter most, and how many slipped.

    One ranking, the outlook's, as in each mineral's chapter: the projects whose delivery on
    time would raise the chance of meeting a dependency target most (`project_probability_effect`).
    A build without the outlook ranks the priority projects by how much dependency they take off
    (`priority_project_effect`), and says that is what it ranks. With `founding` (the founding
    dependency targets' rows of the scorecard) only the projects of their mineral stages are
    ranked, as What it would take ranks them above: one list, not a second one that mixes the
    founding targets with the illustrative ones."""
    chances = table[(table["indicator"] == "project_probability_effect") & (table["value"] > ind.EPS)].dropna(subset=["value"])
    if founding is not None and len(founding):
        chances = chances.merge(founding[["mineral", "stage"]].drop_duplicates(), on=["mineral", "stage"])
    effects = table[table["indicator"] == "priority_project_effect"].dropna(subset=["value"])
    slipped = table[(table["indicator"] == "projects_slipped") & (table["detail"] == "all")]["value"].sum()
    names = projects.drop_duplicates("project_id", keep="last").set_index("project_id")["name"] if len(projects) else pd.Series(dtype=str)
    if chances.empty and effects.empty and not slipped:
        return None
    text = "Projects that matter most: "
    if len(chances):
        top = chances.sort_values(["value", "detail"], ascending=[False, True], kind="mergesort").head(outlook.TOP_PROJECTS)
        target = f"the founding {joined(sorted({mineral_name(m).lower() for m in founding['mineral']}))} target" if founding is not None and len(founding) else "a dependency target"
        text += (f"made certain on their expected dates, these would raise the chance of meeting {target} most: "
                 + joined([f"{names.get(r.detail, r.detail)} ({mineral_name(r.mineral).lower()} {r.stage}, {format_value(r.value, 'share_diff')} of chance)" for r in top.itertuples()]))
    elif len(effects):
        top = effects.sort_values(["value", "detail"], ascending=[False, True]).iloc[0]
        movers = int((effects.groupby("detail")["value"].max() > ind.EPS).sum())
        text += (f"{movers} of {effects['detail'].nunique()} priority projects move a dependency target; the largest, {names.get(top['detail'], top['detail'])}, takes "
                 f"{format_value(top['value'], 'share_diff').lstrip('+')} off {mineral_name(top['mineral']).lower()} {top['stage']} dependency by {int(top['year'])}")
    if slipped:
        text += ("; " if len(chances) or len(effects) else "") + f"{int(slipped)} projects are expected later than first reported"
    return text + "."


def held_line(card: pd.DataFrame, indicator: str, pillar: str, what: str, mineral_name) -> str | None:
    """A pillar of Alliance targets (stockpiles, recycling): the assessed statuses, and those withheld in one sentence."""
    mine = card[card["indicator"] == indicator]
    if mine.empty:
        return None
    withheld = mine[mine["status"].isin(WITHHELD_STATUSES)]
    assessed = mine[mine["status"].isin(ASSESSED)]
    parts = []
    if len(assessed):
        parts.append(f"{len(assessed)} of {len(mine)} {what} targets assessed: " + _statuses(assessed, lambda r: mineral_name(r.mineral).lower()))
    if len(withheld):
        parts.append(_withheld_line(withheld, what, mineral_name))
    rest = mine.drop(assessed.index.union(withheld.index))
    if len(rest):
        parts.append(f"{len(rest)} not assessed ({joined([f'{mineral_name(r.mineral).lower()}: {narrative_status(r.status)}' for r in rest.itertuples()])})")
    return f"{pillar}: " + "; ".join(parts) + "."


def markets_line(table: pd.DataFrame, floors: pd.DataFrame, country, mineral_name) -> str | None:
    """The yearly cost of the price-gap payments in force, or why it is not known."""
    if floors.empty:
        return None
    force = floors[floors["status"] == "in force"]
    if force.empty:
        return f"Markets: no price floor is in force; {plural(len(floors), 'floor')} proposed."
    costs = table[(table["indicator"] == "price_floor_cost_musd") & (table["detail"] == "in force")].set_index(["mineral", "stage", "scope"])
    known, unknown = [], []
    for f in force.itertuples():
        row = costs.loc[(f.mineral, f.stage, f.scope)] if (f.mineral, f.stage, f.scope) in costs.index else None
        who = f"the {'Alliance' if f.scope == ind.ALLIANCE else country(f.scope)} floor on {f.product}"
        if row is not None and not is_missing(row["value"]):
            known.append(float(row["value"]))
        elif row is not None and row["status"] == ind.NOT_COMPARED:
            unknown.append(f"{who} is not compared (no {f.product} price in the inputs)")
        elif row is not None and row["status"] == ind.NO_VOLUME:
            unknown.append(f"{who} has no published volume")
        else:
            unknown.append(f"{who} has no price")
    text = "Markets: "
    if known:
        text += f"price-gap payments at the {plural(len(known), 'floor')} in force would cost {sum(known):,.2f} million USD a year at the latest prices"
    else:
        text += "the yearly cost of the price-gap payments in force is not known"
    return text + ("; " + "; ".join(unknown) if unknown else "") + "."


def traceability_line(table: pd.DataFrame, mineral_name) -> str | None:
    """The lowest and highest share of Alliance sourcing with verified origin, latest year."""
    sel = _latest_alliance(table, "traceability_share")
    if sel.empty:
        return None
    low, high = sel.loc[sel["value"].idxmin()], sel.loc[sel["value"].idxmax()]

    def where(r) -> str:
        return f"{mineral_name(r['mineral']).lower()} {r['stage']}".strip()

    # over the stages with traceability data only, and said so: "of Alliance sourcing" claimed all of it
    dep = _latest_alliance(table, DEPENDENCY)
    stages = set(zip(dep["mineral"], dep["stage"])) | set(zip(sel["mineral"], sel["stage"]))
    of = f", in the {len(sel)} of {len(stages)} mineral stages that report it" if len(stages) > len(sel) else ""
    years = years_listed(sel["year"])
    if len(sel) == 1:
        return f"Traceability: {pct(low['value'])} of Alliance sourcing of {where(low)} has a verified origin{of} ({years})."
    return f"Traceability: from {pct(low['value'])} ({where(low)}) to {pct(high['value'])} ({where(high)}) of Alliance sourcing has a verified origin{of} ({years})."


def targets_to_set(table: pd.DataFrame, targets: pd.DataFrame, minerals: pd.DataFrame) -> pd.DataFrame:
    """Every mineral stage without an Alliance dependency target, with its dependency today
    (Alliance, latest year): a mineral with a refining target still needs one for its mining
    (cobalt mining at 65% was left out when only minerals without any target were listed), and
    a stage whose only target is one this review made up to draw a path (`illustrative` in
    targets.csv) has none the Alliance set (lithium, graphite and cobalt refining were left out).

    Columns: mineral, stage, year, value, illustrative (the stage has an illustrative target);
    the stages without any target first, then those with an illustrative one; minerals by their
    most dependent stage, most dependent first, and each mineral's stages likewise."""
    dep_targets = targets[targets["indicator"] == DEPENDENCY]
    made_up = marked_illustrative(dep_targets)
    set_by_alliance = set(zip(dep_targets[~made_up]["mineral"], dep_targets[~made_up]["stage"].fillna("")))
    illustrative = set(zip(dep_targets[made_up]["mineral"], dep_targets[made_up]["stage"].fillna("")))
    dep = _latest_alliance(table, DEPENDENCY)
    dep = dep[dep["mineral"].isin(minerals["id"])]
    dep = dep[[(m, st) not in set_by_alliance for m, st in zip(dep["mineral"], dep["stage"])]]
    dep = dep.assign(illustrative=[(m, st) in illustrative for m, st in zip(dep["mineral"], dep["stage"])])
    dep = dep.assign(top=dep.groupby(["illustrative", "mineral"])["value"].transform("max"))
    dep = dep.sort_values(["illustrative", "top", "mineral", "value", "stage"], ascending=[True, False, True, False, True], kind="mergesort")
    return dep[["mineral", "stage", "year", "value", "illustrative"]].reset_index(drop=True)


def targets_line(table: pd.DataFrame, targets: pd.DataFrame, minerals: pd.DataFrame, mineral_name) -> str | None:
    """The mineral stages the founding text still needs diversification targets for, with their
    current dependency in brackets after each, the kind of gap first ('no dependency target yet:
    gallium refining (95.6%); ...'): with the dependency straight after each stage and the verb
    after a dozen of them, the percentages read as proposed targets."""
    due = targets_to_set(table, targets, minerals)
    if due.empty:
        return None

    def stages(part: pd.DataFrame) -> str:
        return "; ".join(f"{mineral_name(m).lower()} " + joined([f"{r.stage} ({pct(r.value)})" for r in rows.itertuples()]) for m, rows in part.groupby("mineral", sort=False))

    said = []
    if (~due["illustrative"]).any():
        said.append(f"no dependency target yet: {stages(due[~due['illustrative']])}")
    if due["illustrative"].any():
        said.append(f"only an illustrative target, which this review uses to draw a path: {stages(due[due['illustrative']])}")
    return (f"Targets still to set (the founding text asks for further minerals' diversification targets by the end of {TARGETS_DUE}; "
            f"dependency in {years_listed(due['year'])} in brackets): " + "; and ".join(said) + ".")


def pillar_points(card: pd.DataFrame, table: pd.DataFrame, tables: dict, names, name_of) -> list[str]:
    """For the High-Level Group's attention: one line per pillar of the mandate, then what is provisional.

    `card` is `narrative.target_origins(scorecard, targets)`; `tables` holds targets,
    minerals, members, projects and price_floors; `names` has `.mineral(id)` and `.country(code)`;
    `name_of(card_row)` names a target. A pillar without rows in this build has no line."""
    lines = [
        diversification_line(card, table, names.mineral),
        projects_line(table, tables["projects"], names.mineral, card[(card["indicator"] == DEPENDENCY) & card["founding"].astype(bool)]),
        held_line(card, "stockpile_cover_days", "Stockpiles", "stockpile", names.mineral),
        held_line(card, "recycling_share", "Recycling", "recycling", names.mineral),
        markets_line(table, tables["price_floors"], names.country, names.mineral),
        traceability_line(table, names.mineral),
        targets_line(table, tables["targets"], tables["minerals"], names.mineral),
        eu_overlap_point(tables["members"]),
    ]
    provisional = card[card["status"] == PROVISIONAL]
    if len(provisional):
        lines.append("Provisional, not assessed (too few members reported): " + "; ".join(name_of(r) for r in provisional.itertuples()) + ".")
    return [line for line in lines if line]
