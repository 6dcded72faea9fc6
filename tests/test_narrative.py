"""Generated sentences are true over everything they claim: each test plants the case that made an old sentence false."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from review.analysis import indicators as ind
from review.analysis import narrative
from review.inputs.validation import validate
from review.report import views
from tests.conftest import TINY


@pytest.fixture(scope="module")
def tiny_outcome():
    """The tiny cycle validated once for this module (validation imports Great Expectations: slow)."""
    return validate(TINY)


def dep_row(mineral, stage, year, value, status=""):
    return dict(indicator="single_supplier_dependency", mineral=mineral, stage=stage, scope="alliance", year=year, value=value, unit="share", status=status, detail="CHN")


def test_change_sentence_covers_every_stage_not_only_the_targeted_ones():
    table = pd.DataFrame(
        [
            # the targeted stage: 0.876 -> 0.856, -2.0 pp (the old sentence's "largest fall")
            dep_row("rare-earths", "refining", 2025, 0.876), dep_row("rare-earths", "refining", 2026, 0.856),
            # planted, untargeted: antimony mining 0.700 -> 0.671, -2.9 pp, a larger fall
            dep_row("antimony", "mining", 2025, 0.700), dep_row("antimony", "mining", 2026, 0.671),
            # cobalt refining +1.3 pp (targeted); nickel refining +3.2 pp (untargeted), a larger rise
            dep_row("cobalt", "refining", 2025, 0.755), dep_row("cobalt", "refining", 2026, 0.768),
            dep_row("nickel", "refining", 2025, 0.400), dep_row("nickel", "refining", 2026, 0.432),
            # only one year: not compared, not counted
            dep_row("gallium", "refining", 2026, 0.95),
            # a provisional figure: a fall of 10 pp that must not be reported
            dep_row("tungsten", "mining", 2025, 0.80), dep_row("tungsten", "mining", 2026, 0.70, ind.PROVISIONAL),
        ]
    )
    changes = narrative.dependency_changes(table, 2026, 2025)
    assert len(changes) == 5
    sentence = narrative.change_sentence(changes, {"antimony": "Antimony", "nickel": "Nickel"}.get)
    assert sentence == (
        "From 2025 to 2026 in this cycle's figures, across all 4 mineral stages with Alliance data in both years (1 provisional left out), "
        "dependency fell most in antimony mining (-2.9 pp) and rose most in nickel refining (+3.2 pp)."
    )


def test_change_sentence_when_nothing_rose():
    table = pd.DataFrame([dep_row("cobalt", "refining", 2025, 0.80), dep_row("cobalt", "refining", 2026, 0.75)])
    assert narrative.change_sentence(narrative.dependency_changes(table, 2026, 2025)) == (
        "From 2025 to 2026 in this cycle's figures, across the one mineral stage with Alliance data in both years, dependency fell most in cobalt refining (-5.0 pp) and rose in none."
    )
    # stages whose latest year differs (a lagged series): no one pair of years to name
    lagged = pd.DataFrame([dep_row("cobalt", "refining", 2025, 0.80), dep_row("cobalt", "refining", 2026, 0.75), dep_row("nickel", "refining", 2024, 0.5), dep_row("nickel", "refining", 2025, 0.6)])
    changes = narrative.dependency_changes(lagged, 2026, 2025)
    assert sorted(changes["year"]) == [2025, 2026]
    assert narrative.change_sentence(changes).startswith("Over each stage's latest year in this cycle's figures, across all 2 mineral stages")


def test_displayed_change_is_the_difference_of_the_displayed_values():
    # 59.64% and 57.36% display as 59.6% and 57.4%: +2.2 pp (the raw difference, 2.28, would print +2.3)
    assert views.displayed_change(0.5964, 0.5736, "share") == "+2.2 pp"
    # 59.4 days and 41.6 days display as 59 and 42: +17 days (raw +17.8), with the unit
    assert views.displayed_change(59.4, 41.6, "days") == "+17 days"
    assert views.displayed_change(float("nan"), 41.6, "days") == ""
    assert views.displayed_change(42.4, 43.2, "days") == "-1 day"


@pytest.mark.parametrize("hhi, band", [(1071, "unconcentrated"), (1499.9, "unconcentrated"), (1500, "moderately concentrated"), (2500, "moderately concentrated"), (2501, "highly concentrated")])
def test_hhi_bands(hhi, band):
    assert narrative.hhi_band(hhi) == band


def test_concentration_sentence_never_calls_copper_concentrated():
    latest = pd.DataFrame(
        [
            dict(indicator="hhi", stage="mining", year=2024, value=1071.0),
            dict(indicator="top3_share", stage="mining", year=2024, value=0.41),
            dict(indicator="hhi", stage="refining", year=2024, value=4900.0),
            dict(indicator="top3_share", stage="refining", year=2024, value=0.80),
        ]
    )
    assert narrative.concentration_sentence(latest) == (
        "World production: mining is unconcentrated (2024: top-3 share 41.0%, HHI 1,071); refining is highly concentrated (2024: top-3 share 80.0%, HHI 4,900)"
    )


def test_country_names_take_their_article_and_partners_are_not_called_partners():
    assert narrative.with_article("United States") == "the United States"
    assert narrative.with_article("European Union") == "the European Union"
    assert narrative.with_article("China") == "China"
    assert narrative.member_intro("United States", "G7", 2025) == "The United States is a G7 member of the Alliance (since 2025)."
    intro = narrative.member_intro("Australia", "partner", 2026)
    assert intro == "Australia is a member of the Alliance from outside the G7 (joined as a partner country in 2026)."
    assert "a partner of the Alliance" not in intro
    series = pd.Series({2025: 0.3, 2026: 0.2})
    assert narrative.dependency_sentence("Lithium, refining", series, "United States") == "Lithium, refining: dependency on the United States fell from 30.0% in 2025 to 20.0% in 2026."


def test_withheld_is_the_one_word_for_everything_held_back():
    assert narrative.status_word(ind.SUPPRESSED) == "withheld"
    assert narrative.status_word(ind.CONFIDENTIAL) == "withheld"
    assert narrative.status_word(ind.ON_TRACK) == ind.ON_TRACK


def _card(statuses_founding, statuses_other, ambitions=()):
    rows = [dict(mineral="rare-earths", stage=f"s{i}", indicator="single_supplier_dependency", kind="target", status=s, founding=True, illustrative=False) for i, s in enumerate(statuses_founding)]
    rows += [dict(mineral="rare-earths", stage=f"s{i}", indicator="single_supplier_dependency", kind="ambition", status=s, founding=True, illustrative=False) for i, s in enumerate(ambitions)]
    rows += [dict(mineral="cobalt", stage=f"s{i}", indicator="recycling_share", kind="target", status=s, founding=False, illustrative=True) for i, s in enumerate(statuses_other)]
    return pd.DataFrame(rows)


def test_founding_targets_are_counted_apart_from_the_others():
    card = _card(
        [ind.ON_TRACK, ind.AT_RISK, ind.OFF_TRACK],
        [ind.ON_TRACK, ind.AT_RISK, ind.PROVISIONAL, ind.SUPPRESSED],
        ambitions=[ind.ON_TRACK, ind.OFF_TRACK, ind.OFF_TRACK],
    )
    # the ambitions apart from the dated targets: one count of both said "3 off track" of which two were ambitions
    assert narrative.status_counts_sentence(card) == (
        "Founding targets: 1 of 3 on track, 1 at risk and 1 off track; founding ambitions: 1 of 3 on track, 0 at risk and 2 off track; "
        "other targets (illustrative): 1 of 4 on track, 1 at risk and 0 off track (not assessed: 1 provisional, 1 withheld in this edition)."
    )
    # nothing assessed: said so, not "0 of 2 on track, 0 at risk and 0 off track"
    assert narrative.status_counts_sentence(_card([ind.PROVISIONAL, ind.PROVISIONAL], [])) == "Founding targets: none of 2 assessed (2 provisional)."
    assert narrative.status_counts_sentence(_card([], [], ambitions=[ind.ON_TRACK])).startswith("Founding ambitions: 1 of 1 on track")


def test_target_origins_reads_the_source_and_the_illustrative_column(tiny_outcome):
    tables = tiny_outcome.tables
    targets = tables["targets"].copy()
    targets.loc[0, "source"] = "Alliance founding text: under 60% by 2030"
    card = narrative.target_origins(ind.scorecard(ind.compute_all(tables, tiny_outcome.config), targets), targets)
    assert list(card["founding"]) == [True, False, False, False, False]
    assert not card["illustrative"].any()  # the tiny targets.csv has no illustrative column
    shown = views.scorecard_table(card, SimpleNamespace(mineral=lambda m: m))
    # an illustrative target says so in its name, not in a column empty in most rows
    assert "Illustrative" not in shown.columns and not shown["Target"].str.contains("illustrative").any()
    marked = views.scorecard_table(card.assign(illustrative=[False, True, False, False, False]), SimpleNamespace(mineral=lambda m: m))
    assert marked["Target"].iloc[1].endswith(", illustrative)") and not marked["Target"].iloc[0].endswith(", illustrative)")
    assert "\u00a0" in shown["Change"].iloc[0] and " " not in shown["Change"].iloc[0]  # "−1.1 pp" never wraps between number and unit
    assert shown["Change"].iloc[0] != ""  # an assessed target with a previous value shows its change
    # a provisional value is not compared with a complete one: no change beside it
    planted = views.scorecard_table(card.assign(status=[ind.PROVISIONAL] + list(card["status"].iloc[1:])), SimpleNamespace(mineral=lambda m: m))
    assert planted["Change"].iloc[0] == "" and planted["Value"].iloc[0] == shown["Value"].iloc[0]


def test_the_ambition_is_stated_and_met_when_the_value_is_below_it():
    group = pd.DataFrame(
        [
            dict(kind="target", comparator="max", target=0.60, target_year=2030, value=0.497, status=ind.ON_TRACK),
            dict(kind="ambition", comparator="max", target=0.50, target_year=2030, value=0.497, status=ind.ON_TRACK),
        ]
    )
    assert narrative.target_status_sentence(group) == "Target 60.0% by 2030: on track, today's value already meets it; ambition 50.0% by 2030: on track, today's value already meets it."


def test_a_target_met_today_that_the_projection_misses_says_so():
    """Lithium refining read 'on track, today's value already meets it' beside a 2030 projection above the target."""
    group = pd.DataFrame([dict(kind="target", comparator="max", target=0.60, target_year=2030, value=0.45, status=ind.ON_TRACK)])
    assert narrative.target_status_sentence(group, 0.62) == "Target 60.0% by 2030: on track, today's value already meets it, but the on-time 2030 projection (62.0%) misses it."
    assert narrative.target_status_sentence(group, 0.58) == "Target 60.0% by 2030: on track, today's value already meets it."
    # exactly at a founding "under 60%" target the projection misses it too
    assert narrative.target_status_sentence(group.assign(founding=True), 0.60).endswith("but the on-time 2030 projection (60.0%) misses it.")
    # an off-track target needs no "but"
    assert "but" not in narrative.target_status_sentence(group.assign(status=ind.OFF_TRACK, value=0.7), 0.62)


def test_a_founding_ceiling_is_under_and_a_value_exactly_at_it_does_not_meet_it():
    # the founding text says "under 60%": 60.0% exactly is not met (the old sentence said "already met")
    group = pd.DataFrame([dict(kind="target", comparator="max", target=0.60, target_year=2030, value=0.60, status=ind.ON_TRACK, founding=True)])
    assert narrative.target_status_sentence(group) == "Target under 60.0% by 2030: on track."
    assert narrative.target_status_sentence(group.assign(value=0.599)) == "Target under 60.0% by 2030: on track, today's value already meets it."
    # a ceiling the founding text does not set is "at most": 60.0% meets it
    assert narrative.target_status_sentence(group.assign(founding=False)) == "Target 60.0% by 2030: on track, today's value already meets it."
    card = group.assign(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", year=2026, path=0.7, previous_value=None, previous_status="")
    label = views.scorecard_table(card, SimpleNamespace(mineral=lambda m: "Rare earths"))["Target"].iloc[0]
    assert label == "Rare earths refining: dependency under 60.0% by 2030 (target)"  # the caption says "single-supplier"


def test_the_founding_ambition_is_as_soon_as_possible_as_its_source_says_not_by_its_paths_year():
    """The scorecard said 'dependency ≤ 50.0% by 2030 (ambition)' while targets.csv's source (the
    founding text) says 'ambition of 50% as soon as possible (path drawn to 2030)'."""
    targets = pd.DataFrame([
        dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", comparator="max", value=0.60, year=2030, kind="target",
             source="Alliance founding text: under 60% by 2030", illustrative=False),
        dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", comparator="max", value=0.50, year=2030, kind="ambition",
             source="Alliance founding text: ambition of 50% as soon as possible (path drawn to 2030)", illustrative=False),
    ])
    card = pd.DataFrame([dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind=k, comparator="max", target=t, target_year=2030,
                              year=2026, value=0.48, path=0.55, status=ind.ON_TRACK, previous_value=None, previous_status="") for k, t in (("target", 0.6), ("ambition", 0.5))])
    card = narrative.target_origins(card, targets)
    assert card["asap"].tolist() == [False, True]
    assert [narrative.by_when(r) for r in card.itertuples()] == ["by 2030", "as soon as possible (path drawn to 2030)"]
    assert narrative.target_status_sentence(card) == (
        "Target under 60.0% by 2030: on track, today's value already meets it; ambition 50.0% as soon as possible (path drawn to 2030): on track, today's value already meets it.")
    labels = views.scorecard_table(card, SimpleNamespace(mineral=lambda m: "Rare earths"))["Target"].tolist()
    assert labels == ["Rare earths refining: dependency under 60.0% by 2030 (target)", "Rare earths refining: dependency ≤ 50.0% as soon as possible (ambition, path drawn to 2030)"]
    assert not any("50.0% by 2030" in label for label in labels)
    # a row without the flag (the since-last-review comparison) is looked up in targets.csv
    row = SimpleNamespace(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="ambition", target_year=2030)
    assert narrative.by_when(row, targets) == "as soon as possible (path drawn to 2030)"
    assert narrative.by_when(SimpleNamespace(**{**vars(row), "kind": "target"}), targets) == "by 2030"


def test_the_eu_beside_its_member_states_is_said_as_the_sums_treat_it():
    """The EU and France, Germany and Italy are all members and the Alliance's sums add every
    member's rows: the report said nothing of the overlap. It says the sums make no adjustment."""
    members = pd.DataFrame({"code": ["USA", "DEU", "FRA", "ITA", "EUU"], "name": ["United States", "Germany", "France", "Italy", "European Union"]})
    text = narrative.eu_overlap_sentence(members)
    assert text.startswith("The European Union and Germany, France and Italy, EU member states, are all members.")
    assert "no adjustment for this overlap" in text and "(Germany, France and Italy report for themselves)" in text
    assert "not check" in text  # never claimed to be removed
    one = narrative.eu_overlap_sentence(members[members["code"].isin(["EUU", "DEU"])])
    assert "Germany, an EU member state, are both members" in one and "(Germany reports for itself)" in one
    assert narrative.eu_overlap_sentence(members[members["code"] != "EUU"]) is None
    assert narrative.eu_overlap_sentence(members[~members["code"].isin(["DEU", "FRA", "ITA"])]) is None
    # At a glance says it too, where the headline figures are (a reader of the first pages did not learn it)
    assert narrative.eu_overlap_point(members) == (
        "Totals: the European Union and Germany, France and Italy, EU member states, are all members, and the Alliance's totals add every "
        "member's rows as reported; any supply the EU's rows also cover is counted twice, which the review does not check (Members compared)."
    )
    assert narrative.eu_overlap_point(members[members["code"] != "EUU"]) is None
    # the sums do add every member's rows: an EU row and Germany's both count in the Alliance's total
    from review.analysis.indicators.dependency import dependency

    sourcing = pd.DataFrame({"member": ["EUU", "DEU"], "mineral": ["re"] * 2, "stage": ["refining"] * 2, "year": [2026] * 2, "origin": ["CHN"] * 2, "quantity_t": [100.0, 40.0]})
    assert dependency(sourcing, frozenset({"EUU", "DEU"}), by_member=False)["total_t"].tolist() == [140.0]


def _tiny_ch(tables, config):
    names = {"CHN": "China", "USA": "United States"}
    return SimpleNamespace(config=config, tables=tables, country=lambda c: names.get(c, c), mineral=lambda m: {"rare-earths": "Rare earths", "lithium": "Lithium"}[m])


def test_key_messages_quote_the_expected_case_with_its_slip_and_best_cases_and_the_gap_in_tonnes(tiny_outcome):
    outcome = tiny_outcome
    table = ind.compute_all(outcome.tables, outcome.config)
    card = narrative.target_origins(ind.scorecard(table, outcome.tables["targets"]), outcome.tables["targets"])
    messages = narrative.key_messages(_tiny_ch(outcome.tables, outcome.config), card, table)
    ree = next(m for m in messages if m.startswith("Rare earths, refining"))
    # tiny: 2030 expected 67.0% (16 t weighted pipeline), slip case: T1 online 2028 + 1 still by 2030, so also 67.0%;
    # best case: T1's 20 t in full, (200 - 50 - 20) x 150/150 / 200 = 65.0%
    assert "2030: 67.0% on time (status-weighted; above the 60.0% target and the 50.0% ambition), 67.0% if every project slips a year, 65.0% in the best case" in ree
    # on track today, but the on-time projection (67.0%) misses the target: the status says so
    assert "Target 60.0% by 2030: on track, but the on-time 2030 projection (67.0%) misses it; ambition 50.0% by 2030: at risk." in ree
    # capacity_gap_t by hand in tests/test_coverage.py: 30 t (target), 50 t (ambition)
    assert "the target needs 30 t more aligned supply by 2030; the ambition needs 50 t more aligned supply by 2030, against 16 t in the probability-weighted pipeline" in ree
    assert not any("provisional" in m for m in messages)


def test_the_founding_targets_are_said_once_on_the_at_a_glance_page(tiny_outcome):
    # the planted case: the same rare-earth refining targets, marked founding; the old summary repeated the glance paragraph
    outcome = tiny_outcome
    table = ind.compute_all(outcome.tables, outcome.config)
    card = narrative.target_origins(ind.scorecard(table, outcome.tables["targets"]), outcome.tables["targets"])
    card["founding"] = (card["mineral"] == "rare-earths") & (card["indicator"] == "single_supplier_dependency")
    messages = narrative.key_messages(_tiny_ch(outcome.tables, outcome.config), card, table)
    assert not any(m.startswith("Rare earths, refining") for m in messages)
    assert "The founding rare earths targets are assessed on the At a glance page, before the contents." in messages
    assert any(m.startswith("Lithium, refining") for m in messages)  # other targets are still said here


def test_key_messages_skip_provisional_targets_and_say_how_many_and_why(tiny_outcome):
    outcome = tiny_outcome
    tables = dict(outcome.tables)
    dep = tables["dependency"]
    tables["dependency"] = dep[~((dep["member"] == "JPN") & (dep["year"] == 2026))].reset_index(drop=True)
    table = ind.compute_all(tables, outcome.config)
    card = narrative.target_origins(ind.scorecard(table, tables["targets"]), tables["targets"])
    messages = narrative.key_messages(_tiny_ch(tables, outcome.config), card, table)
    assert not any(m.startswith("Rare earths, refining") for m in messages)  # its figures are provisional
    assert messages[0] == (
        "2 targets are not assessed because their figures are provisional: rare earths refining (dependency, 2026). "
        "The members that reported held less than 90% of the Alliance's volume of the year before (as little as 50.0%); "
        "these figures will be assessed when the other members have reported (the data-quality annex lists who is missing)."
    )
    # the counts open the summary (the overview's first paragraph) and are not repeated as a key message
    assert "not assessed: 2 provisional" in narrative.status_counts_sentence(card)
    assert not any("not assessed: 2 provisional" in m for m in messages)


def test_withheld_stockpile_covers_are_one_message_naming_each_mineral(tiny_outcome):
    outcome = tiny_outcome
    table = ind.compute_all(outcome.tables, outcome.config)
    card = narrative.target_origins(ind.scorecard(table, outcome.tables["targets"]), outcome.tables["targets"])
    stock = card[card["indicator"] == "stockpile_cover_days"].head(1)
    assert len(stock) == 1
    planted = pd.concat([card[card["indicator"] != "stockpile_cover_days"], stock.assign(status=ind.SUPPRESSED), stock.assign(mineral="lithium", status=ind.SUPPRESSED)])
    messages = narrative.key_messages(_tiny_ch(outcome.tables, outcome.config), planted, table)
    withheld = [m for m in messages if "withheld in this edition" in m]
    assert withheld == [f"The Alliance stockpile cover for {stock['mineral'].iloc[0].replace('-', ' ')} and lithium is withheld in this edition: too few members contribute to publish them without revealing a confidential holding."]


def test_projection_clause_states_the_ambition_and_says_provisional():
    table = pd.DataFrame(
        [
            dict(indicator="projected_dependency", mineral="re", stage="mining", scope="alliance", year=2030, value=0.497, status=ind.MEETS),
            dict(indicator="projected_dependency_slip", mineral="re", stage="mining", scope="alliance", year=2030, value=0.521, status=ind.MEETS),
        ]
    )
    # 49.7% on time is below both the 60% target and the 50% ambition: the clause says both
    assert narrative.projection_clause(table, "re", "mining", 2030, {"target": 0.60, "ambition": 0.50}) == (
        "at the current pipeline, 2030: 49.7% on time (status-weighted; at or below the 60.0% target and the 50.0% ambition), 52.1% if every project slips a year"
    )
    # only full delivery of every listed project is the best case; the comparison stays beside the
    # on-time value it is about (at the end it read as the best case's: "62.4% in the best case (on
    # time, above the 65.0% target)" of a best case below the target)
    with_full = pd.concat([table, pd.DataFrame([dict(table.iloc[0], indicator="projected_dependency_full", value=0.62)])], ignore_index=True)
    with_full.loc[0, "value"] = 0.67
    assert narrative.projection_clause(with_full, "re", "mining", 2030, {"target": 0.65}) == (
        "at the current pipeline, 2030: 67.0% on time (status-weighted; above the 65.0% target), 52.1% if every project slips a year, 62.0% in the best case"
    )
    # 55% would meet the target but not the ambition
    table.loc[0, "value"] = 0.55
    assert "55.0% on time (status-weighted; at or below the 60.0% target, above the 50.0% ambition)" in narrative.projection_clause(table, "re", "mining", 2030, {"ambition": 0.50, "target": 0.60})
    table["status"] = ind.PROVISIONAL
    assert narrative.projection_clause(table, "re", "mining", 2030, {"target": 0.60}) == "the 2030 projection is not assessed: it starts from a provisional figure"


def test_a_trend_ending_on_a_provisional_value_says_so():
    table = pd.DataFrame([dep_row("re", "mining", 2026, 0.563), dep_row("re", "mining", 2027, 0.514, ind.PROVISIONAL)])
    assert narrative.is_provisional(table, "single_supplier_dependency", "re", "mining", 2027)
    assert not narrative.is_provisional(table, "single_supplier_dependency", "re", "mining", 2026)
    series = ind.alliance_series(table, "single_supplier_dependency", "re", "mining")
    assert narrative.dependency_sentence("Mining", series, "China", "the 2030 projection is not assessed: it starts from a provisional figure", provisional=True) == (
        "Mining: dependency on China fell from 56.3% in 2026 to 51.4% in 2027 (provisional: too few members have reported 2027); "
        "the 2030 projection is not assessed: it starts from a provisional figure."
    )


def test_a_price_that_fell_from_a_peak_says_so_beside_the_windows_change():
    # lithium carbonate 10,100 (2020) -> 71,100 (2022) -> 41,300 -> 14,000 (2024): +38.6% over the window hides the fall
    r = SimpleNamespace(product="lithium carbonate", year=2024, window="2020-2024", change=14000 / 10100 - 1, change_1y=14000 / 41300 - 1, change_from_peak=14000 / 71100 - 1, peak_year=2022)
    text = narrative.price_facts(r, "14,000 USD/t", "71,100 USD/t")
    assert text == ("lithium carbonate 14,000 USD/t in 2024 (the latest in the inputs): +38.6% over 2020\u20132024, \u221266.1% in the last year, "
                    "80.3% below its 2022 peak of 71,100 USD/t")
    # a fall of exactly 20% from the peak is not "larger than 20%": not said; an unknown change is left out
    flat = SimpleNamespace(product="p", year=2024, window="2020-2024", change=float("nan"), change_1y=0.05, change_from_peak=-0.2, peak_year=2022)
    assert narrative.price_facts(flat, "8 USD/kg", "10 USD/kg") == "p 8 USD/kg in 2024 (the latest in the inputs): +5.0% in the last year"


def test_the_scorecard_gives_the_chance_beside_a_status_that_looks_safe():
    """Lithium refining read 'on track' in the scorecard while the outlook gave it 16%."""
    from review.report import outlook

    card = pd.DataFrame([dict(mineral="lithium", stage="refining", indicator="single_supplier_dependency", kind="target", comparator="max", target=0.65,
                              target_year=2030, year=2026, value=0.615, path=0.649, status=ind.ON_TRACK, previous_value=0.631, previous_status=ind.ON_TRACK)])
    table = pd.DataFrame([
        dict(indicator="target_probability", mineral="lithium", stage="refining", scope=ind.ALLIANCE, year=2030, value=0.16, status="", detail="target:central"),
        dict(indicator="target_probability", mineral="lithium", stage="refining", scope=ind.ALLIANCE, year=2030, value=0.40, status="", detail="target:low"),
    ])
    shown = views.scorecard_table(card, SimpleNamespace(mineral=lambda m: "Lithium"), outlook.headline_chances(table, "central"))
    # named for what each measures: today's value against the path, the outlook's chance by the target year
    assert shown.loc[0, "Path status"] == "on track" and shown.loc[0, "Outlook chance"] == "16%"
    assert "Outlook chance" not in views.scorecard_table(card, SimpleNamespace(mineral=lambda m: "Lithium")).columns


def test_the_since_last_review_opening_says_a_status_worsened_while_the_value_came_closer():
    """'3 worsened, 6 closer to target' read as three targets getting worse, when all nine values
    came closer to the target and three statuses fell because the path tightened faster."""
    row = dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="target", comparator="max", target=0.6, target_year=2030)
    comparison = pd.DataFrame([
        row | dict(value_before=0.754, value_now=0.743, movement="worsened"),  # the value fell: closer
        row | dict(stage="magnets", value_before=0.85, value_now=0.87, movement="worsened"),  # the value rose: worse
        row | dict(stage="mining", value_before=0.55, value_now=0.54, movement="closer to target"),
    ])
    text = narrative.since_last_review(comparison, dict(cycle=2025, available=True, edition="public", manifest_sha256="0" * 64), 2026)
    assert text.startswith("Compared with the scorecard the 2025 review published, 1 worsened, "
                           "1 worsened in status though the value came closer to the target (the path tightened faster), 1 closer to target.")


def test_the_need_in_tonnes_names_the_plants_ramping_up_beside_the_pipeline():
    """The projections count plants still ramping up as certain supply: a need of 744 t set
    against a 1,000 t pipeline alone read as resting on it, while 2,750 t ramping up cover it."""
    def row(indicator, value, detail=""):
        return dict(indicator=indicator, mineral="cobalt", stage="refining", year=2030, scope=ind.ALLIANCE, value=value, status="", detail=detail)

    table = pd.DataFrame([row("capacity_gap_t", 744.0, "target"), row("pipeline_weighted_capacity_t", 1000.0), row("ramp_up_capacity_t", 2750.0)])
    assert narrative.gap_clause(table, "cobalt", "refining", 2030) == (
        "the target needs 744 t more aligned supply by 2030, against 1,000 t in the probability-weighted pipeline and 2,750 t of plants still ramping up (certain)"
    )
    none_ramping = table.assign(value=[744.0, 1000.0, 0.0])
    assert narrative.gap_clause(none_ramping, "cobalt", "refining", 2030) == "the target needs 744 t more aligned supply by 2030, against 1,000 t in the probability-weighted pipeline"


def test_signed_percentages_have_a_true_minus_and_no_negative_zero():
    # the price table's change columns and the price sentences printed "−0.0%" for a change of -0.04%
    assert narrative.signed_pct(-0.661) == "−66.1%" and narrative.signed_pct(0.386) == "+38.6%"
    assert narrative.signed_pct(-0.0004) == "+0.0%"



def test_a_dependency_that_moved_against_its_trend_in_the_last_year_says_so():
    """The ends alone said cobalt refining 'rose from 56.6% in 2020 to 57.5% in 2026' while it fell
    in the last year from 58.3%; a last year that moved with the trend adds nothing."""
    against = pd.Series({2020: 0.566, 2024: 0.57, 2025: 0.583, 2026: 0.575})
    assert narrative.dependency_sentence("Cobalt, refining", against, "China", prior_comparable=True) == (
        "Cobalt, refining: dependency on China rose from 56.6% in 2020 to 57.5% in 2026, down from 58.3% in 2025."
    )
    # not said when the year before is on another supplier or provisional (prior_comparable, below)
    assert narrative.dependency_sentence("Cobalt, refining", against, "China") == "Cobalt, refining: dependency on China rose from 56.6% in 2020 to 57.5% in 2026."
    # a provisional last year is said beside that year, before the move
    assert narrative.dependency_sentence("Cobalt, refining", against, "China", provisional=True, prior_comparable=True) == (
        "Cobalt, refining: dependency on China rose from 56.6% in 2020 to 57.5% in 2026 (provisional: too few members have reported 2026), down from 58.3% in 2025."
    )
    up_again = pd.Series({2020: 0.90, 2025: 0.80, 2026: 0.82})
    assert narrative.dependency_sentence("Magnets", up_again, "China", prior_comparable=True).endswith("fell from 90.0% in 2020 to 82.0% in 2026, up from 80.0% in 2025.")
    along = pd.Series({2020: 0.90, 2025: 0.85, 2026: 0.82})
    assert narrative.dependency_sentence("Magnets", along, "China", prior_comparable=True) == "Magnets: dependency on China fell from 90.0% in 2020 to 82.0% in 2026."
    printed_alike = pd.Series({2020: 0.50, 2025: 0.57549, 2026: 0.5749})  # 57.5% both: no "down from 57.5%"
    assert narrative.dependency_sentence("Magnets", printed_alike, "China", prior_comparable=True) == "Magnets: dependency on China rose from 50.0% in 2020 to 57.5% in 2026."
    two_years = pd.Series({2025: 0.30, 2026: 0.20})  # the previous year is the first: nothing to add
    assert narrative.dependency_sentence("Lithium", two_years, "China", prior_comparable=True) == "Lithium: dependency on China fell from 30.0% in 2025 to 20.0% in 2026."


def test_the_last_years_move_is_compared_only_on_the_same_supplier_and_a_full_figure():
    def rows(suppliers, statuses):
        return pd.DataFrame([dict(indicator="single_supplier_dependency", mineral="co", stage="refining", scope=ind.ALLIANCE, year=y, value=v, detail=d, status=st)
                             for (y, v), d, st in zip({2024: 0.57, 2025: 0.583, 2026: 0.575}.items(), suppliers, statuses)])
    series = pd.Series({2024: 0.57, 2025: 0.583, 2026: 0.575})
    assert narrative.prior_comparable(rows(["CHN"] * 3, [""] * 3), "co", "refining", series)
    assert not narrative.prior_comparable(rows(["CHN", "COD", "CHN"], [""] * 3), "co", "refining", series)  # 2025 was another supplier's share
    assert not narrative.prior_comparable(rows(["CHN"] * 3, ["", ind.PROVISIONAL, ""]), "co", "refining", series)  # 2025 from too few members
    assert not narrative.prior_comparable(rows(["CHN"] * 3, [""] * 3), "co", "refining", pd.Series({2024: 0.57}))  # no year before it