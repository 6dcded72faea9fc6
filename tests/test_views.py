"""Views: the display frames notebooks hand to charts and tables."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

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
    assert views.capacity_outside(ch, current) == " 1 project hosted outside the Alliance (4,000 t a year) is left out."
    assert views.capacity_outside(ch, current[current["host_country"] != "MYS"]) == ""


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
