"""What the report shows of the outlook: the chance of meeting each dependency target, its fan,
what it would take, the projects that matter most, and the demand scenarios.

Every number comes from the outlook's indicator rows (review.analysis.indicators.outlook);
these functions only select and word them. Names from the inputs (projects, scenarios)
are returned as plain text: the chapter escapes them where they become Markdown.
"""

from __future__ import annotations

import pandas as pd

from review.analysis import indicators as ind
from review.analysis.narrative import joined, pct
from review.analysis.text import format_value

#: How many projects the At a glance page names as raising the chance most.
TOP_PROJECTS = 3


def chance(value) -> str:
    """A chance from the simulation in whole percent, never written as a certainty.

    10,000 draws estimate a chance to about half a point, and a model of assumed status
    weights cannot make an outcome certain: the ends read 'under 1%' and 'over 99%'."""
    if value <= 0.005:
        return "under 1%"
    if value >= 0.995:
        return "over 99%"
    return f"{value:.0%}"


def _alliance(table: pd.DataFrame, indicator: str, mineral: str) -> pd.DataFrame:
    return table[(table["indicator"] == indicator) & (table["mineral"] == mineral) & (table["scope"] == ind.ALLIANCE)]


def _in_order(frame: pd.DataFrame, stages: list[str] | None) -> pd.DataFrame:
    """Rows in the reading order of `stages` (minerals.csv), then by year; rows of other stages last."""
    if stages is None or frame.empty:
        return frame.reset_index(drop=True)
    rank = {s: i for i, s in enumerate(stages)}
    return frame.assign(_rank=frame["stage"].map(rank).fillna(len(rank))).sort_values(["_rank", "year"], kind="mergesort").drop(columns="_rank").reset_index(drop=True)


def _kind_and_scenario(rows: pd.DataFrame) -> pd.DataFrame:
    """`target_probability` rows with their detail ("target:central") split into kind and scenario."""
    kind_scenario = rows["detail"].str.split(":", n=1, expand=True).reindex(columns=[0, 1])
    return rows.assign(kind=kind_scenario[0], scenario=kind_scenario[1])


def chances(table: pd.DataFrame, mineral: str, stages: list[str] | None = None) -> pd.DataFrame:
    """`target_probability` of one mineral: stage, year, kind, scenario, value, status (stages in the order given)."""
    out = _kind_and_scenario(_alliance(table, "target_probability", mineral))
    return _in_order(out[["stage", "year", "kind", "scenario", "value", "status"]], stages)


def headline_chances(table: pd.DataFrame, headline: str) -> pd.DataFrame:
    """Every mineral's `target_probability` in the headline scenario, provisional ones left out
    (as the scorecard leaves them unassessed): mineral, stage, kind, value."""
    rows = table[(table["indicator"] == "target_probability") & (table["scope"] == ind.ALLIANCE) & (table["status"] != ind.PROVISIONAL)]
    rows = _kind_and_scenario(rows)
    return rows[rows["scenario"] == headline][["mineral", "stage", "kind", "value"]].reset_index(drop=True)


def fan(table: pd.DataFrame, mineral: str, scenario: str, stages: list[str] | None = None) -> pd.DataFrame:
    """The fan of one mineral in one scenario: stage, year, p10, p50, p90 (stages in the order given)."""
    parts = []
    for name in ("p10", "p50", "p90"):
        rows = _alliance(table, f"projected_dependency_{name}", mineral)
        parts.append(rows[rows["detail"] == scenario].set_index(["stage", "year"])["value"].rename(name))
    if not len(parts[0]):
        return pd.DataFrame(columns=["stage", "year", "p10", "p50", "p90"])
    return _in_order(pd.concat(parts, axis=1).reset_index(), stages)


def fan_points(table: pd.DataFrame, mineral: str, cycle: int) -> pd.DataFrame:
    """Today (the latest Alliance dependency up to the cycle), and the on-time and best-case
    projections at each target year, per stage: stage, case, year, value, status."""
    out = []
    for stage, rows in _alliance(table, "single_supplier_dependency", mineral).groupby("stage", sort=False):
        known = rows[rows["year"] <= cycle].dropna(subset=["value"]).sort_values("year")
        if len(known):
            out.append(dict(stage=stage, case="today", year=int(known["year"].iloc[-1]), value=float(known["value"].iloc[-1]), status=known["status"].iloc[-1]))
    for indicator, case in (("projected_dependency", "expected"), ("projected_dependency_full", "best case")):
        for r in _alliance(table, indicator, mineral).itertuples():
            out.append(dict(stage=r.stage, case=case, year=int(r.year), value=float(r.value), status=r.status))
    return pd.DataFrame(out, columns=["stage", "case", "year", "value", "status"])


def supply_beside(table: pd.DataFrame, mineral: str, stage: str, year: int) -> tuple[dict[str, float], bool]:
    """What a need in tonnes is set beside at `year`: the weighted pipeline (`pipeline_t`) and the
    plants still ramping up, which the projections count as certain (`ramp_up_t`); NaN where the
    build has no such row. And whether either is provisional."""
    found, provisional = {"pipeline_t": float("nan"), "ramp_up_t": float("nan")}, False
    for indicator, column in (("pipeline_weighted_capacity_t", "pipeline_t"), ("ramp_up_capacity_t", "ramp_up_t")):
        sel = _alliance(table, indicator, mineral)
        sel = sel[(sel["stage"] == stage) & (sel["year"] == year)]
        if len(sel):
            found[column] = float(sel["value"].iloc[0])
            provisional |= bool((sel["status"] == ind.PROVISIONAL).any())
    return found, provisional


def what_it_takes(table: pd.DataFrame, mineral: str, scenario: str, stages: list[str] | None = None) -> pd.DataFrame:
    """Per stage and target year: the extra aligned capacity for an 80% chance of the target and of
    the ambition, beside the weighted pipeline and the ramping capacity: stage, year, target_t, ambition_t, pipeline_t, ramp_up_t."""
    needed = _alliance(table, "capacity_needed_p80_t", mineral)
    out = []
    for (stage, year), group in needed.groupby(["stage", "year"], sort=False):
        row = dict(stage=stage, year=int(year), target_t=float("nan"), ambition_t=float("nan"), pipeline_t=float("nan"), ramp_up_t=float("nan"))
        for r in group.itertuples():
            kind, _, which = r.detail.partition(":")
            if which == scenario and kind in ("target", "ambition"):
                row[f"{kind}_t"] = float(r.value)
        row.update(supply_beside(table, mineral, stage, int(year))[0])
        out.append(row)
    return _in_order(pd.DataFrame(out, columns=["stage", "year", "target_t", "ambition_t", "pipeline_t", "ramp_up_t"]), stages)


def project_ranking(table: pd.DataFrame, projects: pd.DataFrame, mineral: str, cycle: int) -> pd.DataFrame:
    """Projects by `project_probability_effect`, largest first (ties by id): project_id, name, stage, status, capacity_t, expected_online, year, effect."""
    effects = _alliance(table, "project_probability_effect", mineral)
    current, _, _, _ = ind.project_snapshots(projects, cycle)
    listed = current.set_index("project_id")
    out = pd.DataFrame(
        dict(
            project_id=effects["detail"],
            name=[listed["name"].get(p, p) for p in effects["detail"]],
            stage=effects["stage"],
            status=[listed["status"].get(p, "") for p in effects["detail"]],
            capacity_t=[float(listed["capacity_t"].get(p, float("nan"))) for p in effects["detail"]],
            expected_online=[listed["expected_online"].get(p, pd.NA) for p in effects["detail"]],
            year=effects["year"].astype(int),
            effect=effects["value"].astype(float),
        )
    )
    return out.sort_values(["effect", "project_id"], ascending=[False, True], kind="mergesort", ignore_index=True)


def scenario_table(found: pd.DataFrame, headline: str) -> pd.DataFrame:
    """Chance per stage and scenario, target and ambition side by side, the headline scenario first:
    stage, year, scenario, target, ambition."""
    wide = found.pivot_table(index=["stage", "year", "scenario"], columns="kind", values="value", aggfunc="first").reset_index()
    for kind in ("target", "ambition"):
        if kind not in wide.columns:
            wide[kind] = float("nan")
    wide["first"] = wide["scenario"] != headline
    order = {s: i for i, s in enumerate(dict.fromkeys(found["stage"]))}
    wide = wide.assign(order=wide["stage"].map(order)).sort_values(["order", "year", "first", "scenario"], kind="mergesort")
    return wide[["stage", "year", "scenario", "target", "ambition"]].reset_index(drop=True)


def chance_columns(wide: pd.DataFrame, headline: str) -> pd.DataFrame:
    """The shown table of chances: a row per stage, a column per demand scenario for the target
    (the headline first) and one for the ambition under the headline scenario; chances as
    `chance` writes them. `wide` is scenario_table's (the CSV keeps every scenario's ambition)."""
    scenarios = list(dict.fromkeys([headline, *wide["scenario"]]))
    rows = []
    for (stage, year), part in wide.groupby(["stage", "year"], sort=False):
        by = part.set_index("scenario")
        row = {"Stage": stage, "Year": str(int(year))}
        for scenario in scenarios:
            value = by["target"].get(scenario, float("nan"))
            row[f"Target, {scenario} demand"] = chance(value) if value == value else "–"
        ambition = by["ambition"].get(headline, float("nan"))
        row[f"Ambition, {headline} demand"] = chance(ambition) if ambition == ambition else "–"
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out) and (out[f"Ambition, {headline} demand"] == "–").all():
        out = out.drop(columns=f"Ambition, {headline} demand")
    return out


#: The order demand scenarios are named in.
SCENARIO_ORDER = {"low": 0, "central": 1, "high": 2}


def chances_caption(shown: pd.DataFrame, mineral_name: str, headline: str, demand: pd.DataFrame, mineral: str, stages: list[str], demand_growth: float) -> str:
    """The caption of chance_columns' table, saying only what its columns hold: 'by demand
    scenario' when it has more than one target column, the ambition only when it has its column;
    and what demand each scenario assumes, as the model reads demand.csv for each of `stages`
    (ind.demand_rows_used: a stage's own row before the mineral's; a stage without rows at the
    review's own `demand_growth`, which no publication gives): each scenario's rate, the stages
    it covers when not all, and whether the rates come from one publication's range or from
    different publications, which may differ in what they cover and from when (the rare-earth
    scenarios of the sample are three publications': a spread of chances between them is partly
    a difference of sources). (A fixed caption promised scenarios and an ambition to lithium's
    table, which had one scenario and no ambition, and sources to a cycle without demand.csv.)"""
    several = len([c for c in shown.columns if c.startswith("Target, ")]) > 1
    ambition = f"Ambition, {headline} demand" in shown.columns
    if several:
        what = "each dependency target by demand scenario" + (f", and the ambition under {headline} demand" if ambition else "")
    else:
        what = "each dependency target" + (" and the ambition" if ambition else "") + f" under {headline} demand"
    own_setting = f"demand grows {format_value(demand_growth, 'share')} a year, the review's own setting (the inputs give no published scenario)"
    rows = used_demand_rows(demand, mineral, stages)
    with_rows = list(dict.fromkeys(rows["for_stage"]))
    if not with_rows:
        return f"{mineral_name}: chance of meeting {what}; {own_setting}."
    rows = rows.sort_values("scenario", key=lambda s: s.map(SCENARIO_ORDER).fillna(len(SCENARIO_ORDER)), kind="stable")
    parts = []
    for scenario, part in rows.groupby("scenario", sort=False):
        rates = part["growth_rate"].astype(float)
        rate = f"{pct(float(rates.iloc[0]))} a year" if rates.nunique() == 1 else f"{pct(float(rates.min()))} to {pct(float(rates.max()))} a year by stage"
        covered = list(dict.fromkeys(part["for_stage"]))
        where = "" if len(covered) == len(stages) else f", {joined(covered)} only"
        parts.append(f"{rate} ({scenario}{where})")
    origin = scenario_origin(rows)
    without = [stage for stage in stages if stage not in with_rows]
    setting = f"; {joined(without)} at the review's own {format_value(demand_growth, 'share')} a year" if without else ""
    return f"{mineral_name}: chance of meeting {what}; demand grows {joined(parts)}{'; ' + origin if origin else ''}{setting}; sources in the sources annex."


def scenario_origin(rows: pd.DataFrame) -> str:
    """Where a mineral's demand scenarios come from (`rows`: demand.csv's rows the model uses, with
    scenario and source): '' with one scenario, else one publication's range or different
    publications, which may differ in what they cover and from when: a spread of chances between
    such scenarios is partly a difference of sources, not only of demand."""
    if rows.empty or rows["scenario"].nunique() == 1:
        return ""
    if rows["source"].nunique() == 1:
        return "the scenarios are one publication's range"
    return "the scenarios come from different publications, which may differ in what they cover and from when"


def used_demand_rows(demand: pd.DataFrame, mineral: str, stages: list[str]) -> pd.DataFrame:
    """demand.csv's rows the model uses for `stages` of a mineral (ind.demand_rows_used), with the stage each is for."""
    used = [ind.demand_rows_used(demand, mineral, stage).assign(for_stage=stage) for stage in stages]
    used = [u for u in used if len(u)]
    return pd.concat(used) if used else pd.DataFrame(columns=["mineral", "stage", "scenario", "growth_rate", "source", "for_stage"])


def chance_sentence(found: pd.DataFrame, lines: pd.DataFrame, headline: str, stages: list[str]) -> str | None:
    """'Chance of meeting the 60.0% target by 2030: 11.6% in refining, 0.0% in magnets (central demand);
    of the 50.0% ambition: 0.0% and 0.0%.' None when the build has no chance, or when a kind of
    target has more than one level or year across the stages (the sentence names one of each:
    it would give refining's 2030 to magnets' 2035)."""
    head = found[found["scenario"] == headline]
    if head.empty or (len(lines) and lines.groupby("kind")[["value", "year"]].nunique().to_numpy().max() > 1):
        return None
    parts = []
    for kind in ("target", "ambition"):
        rows = head[head["kind"] == kind].set_index("stage").reindex([s for s in stages if s in set(head["stage"])]).dropna(subset=["value"])
        level = lines[lines["kind"] == kind]
        if rows.empty or level.empty:
            continue
        year = int(rows["year"].iloc[0])
        values = [f"{chance(r.value)} in {stage}" + (" (provisional)" if r.status == ind.PROVISIONAL else "") for stage, r in rows.iterrows()]
        parts.append((kind, f"{pct(float(level['value'].iloc[0]))} {kind} by {year}", values))
    if not parts:
        return None
    kind, goal, values = parts[0]
    text = f"Chance of meeting the {goal}: {joined(values)} ({headline} demand)"
    for kind, goal, values in parts[1:]:
        text += f"; of the {goal}: {joined(values)}"
    return text + "."


def scenario_sentence(found: pd.DataFrame, headline: str, stages: list[str], origin: str = "") -> str | None:
    """One line on the other demand scenarios, for the target: 'Under the high demand scenario the
    chance falls to 4.0% in refining; under the low, it is 14.1%.' None with one scenario.
    `origin` (scenario_origin) is said after it: At a glance gave the spread between three
    publications' figures as if it were one outlook's demand range."""
    target = found[found["kind"] == "target"]
    base = target[target["scenario"] == headline].set_index("stage")["value"]
    others = [s for s in dict.fromkeys(target["scenario"]) if s != headline]
    if not others or base.empty:
        return None
    clauses = []
    for scenario in sorted(others):
        rows = target[target["scenario"] == scenario].set_index("stage")["value"]
        moved = [(stage, rows[stage]) for stage in stages if stage in rows.index and stage in base.index]
        if not moved:
            continue
        changes = [value - base[stage] for stage, value in moved]
        verb = "rises to" if all(c > 0 for c in changes) else "falls to" if all(c < 0 for c in changes) else "is"
        clauses.append(f"under the {scenario} demand scenario the chance of the target {verb} " + joined([f"{chance(v)} in {stage}" for stage, v in moved]))
    if not clauses:
        return None
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + (f" ({origin})." if origin else ".")


def _beside(r) -> str:
    """What a stage's pipeline already gives, beside the capacity still needed: the weighted pipeline, and
    the plants ramping up (certain, so an 80% chance can need less than the expected gap minus the pipeline)."""
    ramp = f"; ramping up {format_value(r.ramp_up_t, 't')} t" if r.ramp_up_t > 0 else ""
    return f"weighted pipeline {format_value(r.pipeline_t, 't')} t{ramp}"


def takes_sentence(takes: pd.DataFrame, ranking: pd.DataFrame, target: float | None, headline: str) -> str | None:
    """What it would take: the capacity for an 80% chance beside the weighted pipeline, and the
    projects whose certain delivery raises the chance of the target most."""
    if takes.empty:
        return None
    goal = f"the {pct(target)} target" if target is not None else "the target"
    rows = takes.dropna(subset=["target_t"])
    need = rows[rows["target_t"] > 0]
    if rows.empty:
        text = ""
    elif need.empty:
        text = f"The listed pipeline already gives {goal} a chance of at least 80% in every stage ({headline} demand)."
    else:
        text = (
            f"For an 80% chance of {goal} ({headline} demand), aligned capacity certain by {int(need['year'].iloc[0])} would have to grow beyond the listed pipeline"
            + (" and the plants still ramping up" if (need["ramp_up_t"] > 0).any() else "") + " by "
            + joined([f"{format_value(r.target_t, 't')} t in {r.stage} ({_beside(r)})" for r in need.itertuples()])
            + "."
        )
    top = ranking[ranking["effect"] > 0].head(TOP_PROJECTS)
    if len(top):
        text += (" " if text else "") + "The projects that would raise the chance most if made certain on their expected dates: " + joined([f"{r.name} ({r.stage}, {format_value(r.effect, 'share_diff')} of chance)" for r in top.itertuples()]) + "."
    elif len(ranking):
        text += (" " if text else "") + "No single listed project, delivered for certain on time, changes the chance of the target."
    return text or None


def demand_rate_changes(previous_chances: pd.DataFrame, demand: pd.DataFrame | None, config, headline: str) -> pd.DataFrame:
    """The headline scenario's yearly demand growth for each mineral and stage the previous
    review gave a chance for: what it assumed (`before`, its DEMAND_RATE rows) and what this
    review assumes (`now`). Columns mineral, stage, before, now."""
    kept = previous_chances[(previous_chances["indicator"] == ind.DEMAND_RATE) & (previous_chances["detail"] == headline)]
    before = pd.DataFrame({"mineral": kept["mineral"], "stage": kept["stage"].fillna(""), "before": kept["value"].astype(float)})
    now = ind.demand_rates(demand, config, list(zip(before["mineral"], before["stage"])))
    now = now[now["scenario"] == headline].rename(columns={"rate": "now"})[["mineral", "stage", "now"]]
    return before.merge(now, on=["mineral", "stage"], how="left")


def since_sentence(changes: pd.DataFrame, headline: str, previous: dict, mineral_name, rates: pd.DataFrame | None = None) -> str | None:
    """The change in each chance of meeting a dependency target since the previous review, for
    "since the last review" (`changes` from review.audit.compare.compare_chances; headline
    scenario, kind target), each with its target year when a stage has several. None without a
    previous review.

    Where the demand growth assumed changed (`rates`, from demand_rate_changes), a second
    sentence says so, once per mineral when its stages moved alike: a chance that fell because
    this review assumes faster demand is not a fall in performance."""
    if not previous.get("available"):
        return None
    rows = changes[(changes["kind"] == "target") & (changes["scenario"] == headline)]
    if rows.empty:
        return None
    if rows["before"].isna().all():
        return f"The {previous['cycle']} review did not estimate the chance of meeting the dependency targets; this review is the first to (the outlook)."
    years = rows.groupby(["mineral", "stage"])["year"].transform("nunique")
    parts = []
    for r, several in zip(rows.itertuples(), years):
        where = f"{mineral_name(r.mineral).lower()} {r.stage}".strip() + (f" by {int(r.year)}" if several > 1 else "")
        if r.before != r.before:
            parts.append(f"{where} {chance(r.now)} (new)")
        elif r.now != r.now:
            parts.append(f"{where}: no longer estimated (was {chance(r.before)})")
        else:
            parts.append(f"{where} {chance(r.now)} ({format_value(r.change, 'share_diff')})")
    text = f"Chance of meeting each dependency target since the {previous['cycle']} review ({headline} demand): " + "; ".join(parts) + "."
    return text + _rates_moved(rows, rates, previous["cycle"], mineral_name)


def _rates_moved(rows: pd.DataFrame, rates: pd.DataFrame | None, cycle: int, mineral_name) -> str:
    """' The 2025 review assumed demand growth of 4.0% a year; this review assumes 16.2% for
    lithium refining and 6.4% for rare earths.' ('' when no rate of `rows`' stages changed);
    a mineral whose stages moved alike is named once."""
    if rates is None or rates.empty:
        return ""
    shown = set(zip(rows["mineral"], rows["stage"].fillna("")))
    moved = rates[[(m, s) in shown for m, s in zip(rates["mineral"], rates["stage"])]]
    moved = moved[moved["before"].notna() & moved["now"].notna() & ((moved["now"] - moved["before"]).abs() > ind.EPS)]
    if moved.empty:
        return ""
    every_stage = rates.groupby("mineral")["stage"].nunique()
    labels = []
    for mineral, part in moved.groupby("mineral", sort=False):
        alike = part[["before", "now"]].drop_duplicates()
        if len(part) == every_stage[mineral] and len(alike) == 1:
            labels.append((mineral_name(mineral).lower(), float(alike["before"].iloc[0]), float(alike["now"].iloc[0])))
        else:
            labels += [(f"{mineral_name(mineral).lower()} {r.stage}", float(r.before), float(r.now)) for r in part.itertuples()]
    if len({before for _, before, _ in labels}) == 1:
        return f" The {cycle} review assumed demand growth of {pct(labels[0][1])} a year; this review assumes " + joined([f"{pct(now)} for {label}" for label, _, now in labels]) + "."
    return " The demand growth assumed changed: " + "; ".join(f"{label} {pct(now)} a year, was {pct(before)}" for label, before, now in labels) + "."


def fan_data(fan: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """The data file of an outlook figure: the fan's percentiles and, per stage and year, each case
    drawn (today, on time, best case), the case named as the report names it (the points call the
    on-time projection "expected", a name the report no longer gives it)."""
    cases = points.pivot_table(index=["stage", "year"], columns="case", values="value", aggfunc="first").reset_index()
    return fan.merge(cases, on=["stage", "year"], how="outer").rename(columns={"expected": "on time"})


def outlook_paragraph(found: pd.DataFrame, lines: pd.DataFrame, headline: str, stages: list[str], delay: str, figure: str, chances_table: str, projects_table: str | None) -> str:
    """A mineral chapter's outlook section in words: the chance of meeting each target first (the
    section's message, where chance_sentence can word it), then what the figure and tables show
    and how the futures were drawn.

    `delay` is delay_phrase's: the paragraph said "a delay drawn from the projects' history"
    whatever the outlook drew. `projects_table` is the reference of the table of chances added, if any.
    """
    said = chance_sentence(found, lines, headline, stages)
    return (
        (said + " " if said else "")
        + f"{figure} shows the outlook under {headline} demand: simulated futures (methodology annex) in which each aligned project not yet operating comes online with the probability of its status and {delay}. "
        + f"{chances_table} gives the chance of meeting each target " + ("under every demand scenario" if found["scenario"].nunique() > 1 else f"under {headline} demand, the only demand scenario for this mineral")
        + (f", and {projects_table} how much making each project certain on its expected date would add to it." if projects_table else ".")
    )


def delay_phrase(table: pd.DataFrame, mineral: str, with_shares: bool = True) -> str:
    """How the outlook delayed projects, from `outlook_delay_share`: its source and (`with_shares`)
    the shares of projects on time and late, as a phrase; the mineral chapters leave the shares to
    At a glance, which gives them."""
    rows = _alliance(table, "outlook_delay_share", mineral)
    if rows.empty:
        return "no delay"
    source = rows["status"].iloc[0]
    if source == ind.outlook.TOO_FEW:
        return f"no delay, since the latest project list has fewer than {ind.outlook.MIN_HISTORY} projects, too few for a history of delays"
    shares = joined([f"{pct(r.value)} " + ("on time" if r.detail == "0" else "one year late" if r.detail == "1" else f"{r.detail} years late") for r in rows.itertuples()])
    where = "the history of the latest project list" if source == ind.outlook.HISTORY else "the distribution stated in review.yml"
    return f"a delay drawn from {where}" + (f" ({shares})" if with_shares else "")
