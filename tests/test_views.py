"""Views: the display frames notebooks hand to charts and tables."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from review.analysis import indicators as ind
from review.report import views


def test_origin_shares_stack_named_origins_first_and_list_every_stage_named_before_the_groups():
    ch = SimpleNamespace(
        tables={"members": pd.DataFrame({"code": ["USA"]}), "partners": pd.DataFrame({"code": ["CHL"]})},
        country=lambda code: {"CHN": "China", "MYS": "Malaysia"}[code],
    )
    sourcing = pd.DataFrame(
        [
            ("mining", 2026, "CHN", 60.0),
            ("mining", 2026, "USA", 40.0),
            ("refining", 2026, "CHN", 80.0),
            ("refining", 2026, "MYS", 10.0),
            ("refining", 2026, "XXX", 5.0),
            ("refining", 2026, "CHL", 5.0),
        ],
        columns=["stage", "year", "origin", "quantity_t"],
    )
    shares = views.origin_shares(ch, sourcing, ["mining", "refining"])
    # Each stage stacks its named origins, largest first, then unattributed, then aligned supply.
    assert list(shares[shares["stage"] == "refining"]["origin"]) == ["CHN", "MYS", "XXX", "aligned"]
    assert list(shares[shares["stage"] == "mining"]["origin"]) == ["CHN", "aligned"]
    # Malaysia, named only in refining, is still listed before every group, and the groups in stacking order.
    assert list(dict.fromkeys(shares["label"])) == ["China", "Malaysia", "Unattributed", "Members and partners"]
    # Shares of each stage and year: mining 60/100 and 40/100; refining 80/100, 10/100, 5/100, 5/100.
    assert list(shares["share"]) == [0.6, 0.8, 0.1, 0.05, 0.4, 0.05]


def test_capacity_charts_stack_only_projects_hosted_by_members_and_partners():
    """A refinery in Malaysia was stacked with the members' own: it does not diversify supply."""
    ch = SimpleNamespace(
        tables={
            "members": pd.DataFrame({"code": ["USA"]}), "partners": pd.DataFrame({"code": ["AUS"]}),
            "minerals": pd.DataFrame({"id": ["rare-earths"], "stages": ["mining;refining"]}),
        },
        mineral=lambda m: "Rare earths",
    )
    current = pd.DataFrame(
        [
            ("P1", "rare-earths", "refining", "USA", "construction", 1000.0),
            ("P2", "rare-earths", "refining", "MYS", "operating", 4000.0),
            ("P3", "rare-earths", "mining", "AUS", "financing", 500.0),
            ("P4", "rare-earths", "mining", "BRA", "cancelled", 900.0),
        ],
        columns=["project_id", "mineral", "stage", "host_country", "status", "capacity_t"],
    )
    capacity = views.capacity_panels(ch, current)
    assert list(zip(capacity["stage"], capacity["capacity_t"])) == [("mining", 500.0), ("refining", 1000.0)]
    # the cancelled Brazilian project is neither charted nor counted as left out
    assert views.capacity_outside(ch, current) == " 1 project hosted outside the Alliance is left out (rare earths refining 4,000 t a year)."
    assert views.capacity_outside(ch, current[current["host_country"] != "MYS"]) == ""


def test_capacity_is_never_summed_across_products():
    """Projects outside the Alliance were said as one total: ore concentrate, oxide and magnets
    (and another mineral's metal) added into one number of tonnes. Each mineral and stage is said apart."""
    ch = SimpleNamespace(
        tables={
            "members": pd.DataFrame({"code": ["USA"]}), "partners": pd.DataFrame({"code": ["AUS"]}),
            "minerals": pd.DataFrame({"id": ["rare-earths", "copper"], "stages": ["mining;refining;magnets", "mining;refining"]}),
        },
        mineral=lambda m: {"rare-earths": "Rare earths", "copper": "Copper"}[m],
    )
    current = pd.DataFrame(
        [
            ("P1", "copper", "refining", "ZMB", "construction", 300000.0),
            ("P2", "rare-earths", "magnets", "CHN", "operating", 1000.0),
            ("P3", "rare-earths", "mining", "MWI", "financing", 6000.0),
            ("P4", "rare-earths", "mining", "BRA", "suspended", 3000.0),
            ("P5", "rare-earths", "refining", "MYS", "operating", 5000.0),
            ("P6", "rare-earths", "magnets", "USA", "construction", 2000.0),
        ],
        columns=["project_id", "mineral", "stage", "host_country", "status", "capacity_t"],
    )
    text = views.capacity_outside(ch, current)
    # the old caption said '5 projects ... (315,000 t a year)': copper cathode, rare-earth ore, oxide and magnets in one sum
    assert "315,000" not in text and "15,000" not in text
    assert text == (" 5 projects hosted outside the Alliance are left out (rare earths mining 9,000 t, rare earths refining 5,000 t, "
                    "rare earths magnets 1,000 t, copper refining 300,000 t a year).")
    # one mineral's chapter names the stage alone, still one figure per stage
    one = current[current["mineral"] == "rare-earths"]
    assert views.capacity_outside(ch, one, with_mineral=False) == " 4 projects hosted outside the Alliance are left out (mining 9,000 t, refining 5,000 t, magnets 1,000 t a year)."
    # the chart's alt text, from the aligned capacity: per mineral and stage, never one sum per mineral
    capacity = views.capacity_panels(ch, current)
    assert views.capacity_by_product(ch, capacity) == "rare earths magnets 2,000 t"


def test_the_projects_table_carries_each_projects_chance_added_once():
    """One table per mineral: the outlook's effect beside each project, '–' where it has none."""
    ch = SimpleNamespace(mineral=lambda m: "Rare earths", country=lambda c: {"USA": "United States", "MYS": "Malaysia"}[c])
    changes = pd.DataFrame(
        [
            ("P1", "Refinery", "rare-earths", "refining", "USA", "construction", "advanced", 1000.0, 2028, 1),
            ("P2", "Kuantan", "rare-earths", "refining", "MYS", "operating", "unchanged", 4000.0, 2020, 0),
        ],
        columns=["project_id", "name", "mineral", "stage", "host_country", "status", "change", "capacity_t", "expected_online", "slippage_years"],
    )
    shown = views.project_table(ch, changes, with_mineral=False, effects=pd.Series({"P1": 0.123}))
    assert list(shown["Chance added"]) == ["+12.3 pp", "–"]
    assert "Chance added" not in views.project_table(ch, changes, with_mineral=False).columns


def test_the_largest_producers_are_said_in_words_and_all_others_is_not_a_producer():
    world = pd.DataFrame(
        [
            ("mining", 2025, "CHN", "China", 0.692), ("mining", 2025, "MMR", "Myanmar", 0.11), ("mining", 2025, "XXX", "All others", 0.15),
            ("mining", 2025, "AUS", "Australia", 0.061), ("mining", 2025, "USA", "United States", 0.04), ("refining", 2024, "CHN", "China", 0.9),
        ],
        columns=["stage", "year", "country", "label", "share"],
    )
    assert views.largest_producers(world) == "Largest producers: mining, China 69.2%, Myanmar 11.0% and Australia 6.1%; refining, China 90.0%."
    assert views.largest_producers(world.iloc[0:0]) == ""


def test_a_status_that_worsened_while_the_value_improved_says_both():
    """Rare-earth magnets read 'worsened' though dependency fell 2 points: the path tightened faster."""
    row = dict(mineral="rare-earths", stage="magnets", indicator="single_supplier_dependency", kind="target", comparator="max", target=0.6, target_year=2030,
               value_before=0.872, status_before="at risk", value_now=0.852, status_now="off track", movement="worsened")
    ch = SimpleNamespace(mineral=lambda m: "Rare earths")
    shown = views.since_last_review_table(ch, pd.DataFrame([row, dict(row, value_now=0.88, stage="refining")]))
    assert list(shown["Movement"]) == ["status worsened; value closer to target", "worsened"]


def test_the_since_last_review_table_names_targets_as_the_scorecard_does():
    """Table 1.2 read "dependency ≤ 60.0% by 2030 (target)" for the founding "under 60%" target
    (60.0% exactly does not meet it) and left cobalt's illustrative target unmarked."""
    row = dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="target", comparator="max", target=0.6, target_year=2030,
               value_before=0.80, status_before="at risk", value_now=0.75, status_now="at risk", movement="closer to target")
    targets = pd.DataFrame([
        dict(mineral="rare-earths", stage="refining", indicator="single_supplier_dependency", kind="target", source="Alliance founding text (2024)", illustrative=False),
        dict(mineral="cobalt", stage="refining", indicator="single_supplier_dependency", kind="target", source="Illustrative", illustrative=True),
    ])
    ch = SimpleNamespace(mineral=lambda m: {"rare-earths": "Rare earths", "cobalt": "Cobalt"}[m], tables={"targets": targets})
    shown = views.since_last_review_table(ch, pd.DataFrame([row, dict(row, mineral="cobalt", target=0.65)]))
    assert list(shown["Target"]) == ["Rare earths refining: dependency under 60.0% by 2030 (target)", "Cobalt refining: dependency ≤ 65.0% by 2030 (target, illustrative)"]


def test_a_members_recycling_is_compared_in_one_named_year_never_an_older_published_one():
    """Table 11.3 set Japan's 2023 rare-earth share (its 2024 and 2025 shares are withheld) beside
    its 2025 copper share in one column, with no year: a withheld latest year is not replaced
    by an older one, and the year compared is said."""
    from review.analysis import indicators as ind

    ch = SimpleNamespace(mineral=lambda m: {"rare-earths": "Rare earths", "copper": "Copper"}[m])

    def row(scope, mineral, year, value, status=""):
        return dict(indicator="recycling_share", mineral=mineral, stage="", scope=scope, year=year, value=value, unit="share", status=status, detail="")

    table = pd.DataFrame([
        row("JPN", "rare-earths", 2023, 0.018), row("JPN", "rare-earths", 2025, float("nan"), ind.CONFIDENTIAL),
        row(ind.ALLIANCE, "rare-earths", 2023, 0.012), row(ind.ALLIANCE, "rare-earths", 2025, float("nan"), ind.SUPPRESSED),
        row("JPN", "copper", 2025, 0.251), row(ind.ALLIANCE, "copper", 2025, 0.236),
    ])
    text = views.recycling_against_alliance(ch, table, "JPN")
    assert text == "2025: above the Alliance's share in 1 of 1 mineral with both figures: copper 25.1% against 23.6%"
    assert "rare earths" not in text and "1.8%" not in text  # the 2023 share is not set among the 2025 ones
    # minerals whose latest years differ are said year by year, each with its year
    older = table[~((table["scope"] == "JPN") & (table["mineral"] == "copper"))]
    older = pd.concat([older, pd.DataFrame([row("JPN", "copper", 2024, 0.20), row(ind.ALLIANCE, "copper", 2024, 0.22)])])
    assert views.recycling_against_alliance(ch, older, "JPN") == "2024: above the Alliance's share in 0 of 1 mineral with both figures"
    both = pd.concat([table, pd.DataFrame([row("JPN", "nickel", 2024, 0.3), row(ind.ALLIANCE, "nickel", 2024, 0.2)])])
    ch.mineral = lambda m: m.capitalize()
    assert views.recycling_against_alliance(ch, both, "JPN") == (
        "2025: above the Alliance's share in 1 of 1 mineral with both figures: copper 25.1% against 23.6%; "
        "2024: above the Alliance's share in 1 of 1 mineral with both figures: nickel 30.0% against 20.0%")
    # only withheld figures: the year is said, and why nothing is compared
    hidden = table[table["mineral"] == "rare-earths"]
    assert views.recycling_against_alliance(ch, hidden, "JPN").startswith("reported (2025), but no figure")
    assert views.recycling_against_alliance(ch, table, "USA") == "none reported"


def test_targets_withheld_now_and_before_are_named_in_a_sentence_not_a_row_each():
    """Seven scorecard rows read 'withheld' in every column (three lines each): they are named once."""
    base = dict(stage="", kind="target", comparator="min", year=2025, value=np.nan, path=np.nan, previous_value=np.nan, target=0.1, target_year=2030)
    card = pd.DataFrame([
        base | dict(indicator="recycling_share", mineral="rare-earths", status=ind.SUPPRESSED, previous_status=ind.SUPPRESSED),
        base | dict(indicator="recycling_share", mineral="lithium", status=ind.SUPPRESSED, previous_status=ind.SUPPRESSED),
        base | dict(indicator="stockpile_cover_days", mineral="gallium", status=ind.SUPPRESSED, previous_status=ind.SUPPRESSED),
        base | dict(indicator="recycling_share", mineral="cobalt", status=ind.SUPPRESSED, previous_status="on track", previous_value=0.2),  # shown before: a row
    ])
    ch = SimpleNamespace(mineral=lambda m: {"rare-earths": "Rare earths", "lithium": "Lithium", "gallium": "Gallium", "cobalt": "Cobalt"}[m])
    assert views.withheld_in_full(card).tolist() == [True, True, True, False]
    assert views.withheld_sentence(card, ch) == (
        "The 3 other targets (recycling share: rare earths and lithium; stockpile cover: gallium) are withheld in this edition, in both years assessed: "
        "the Alliance totals would reveal confidential figures. The restricted edition assesses them; the table's data file lists them.")
    assert views.withheld_sentence(card.iloc[3:], ch) is None


def test_the_drawn_path_of_a_ceiling_the_baseline_meets_is_the_ceiling_not_a_rising_line():
    """Rare-earth mining: 50% in 2024 under a 60% ceiling drew a path rising to 60%; the 50%
    ambition, which the baseline misses, keeps its line down from the baseline."""
    table = ind.rows(pd.DataFrame({"year": [2024, 2025], "value": [0.50, 0.49]}), indicator="single_supplier_dependency", mineral="re", stage="mining", scope=ind.ALLIANCE, unit="share")
    targets = pd.DataFrame(
        [("re", "mining", "single_supplier_dependency", "max", 0.60, 2030, "target", 2024), ("re", "mining", "single_supplier_dependency", "max", 0.45, 2030, "ambition", 2024)],
        columns=["mineral", "stage", "indicator", "comparator", "value", "year", "kind", "baseline_year"],
    )
    points = views.target_path_points(table, targets, "re")
    target = points[points["kind"] == "target"]
    assert list(target["year"]) == list(range(2024, 2031)) and set(target["value"]) == {0.60}
    ambition = points[points["kind"] == "ambition"].set_index("year")["value"]
    assert ambition[2024] == 0.50 and abs(ambition[2027] - 0.475) < 1e-9 and ambition[2030] == 0.45
