"""The optional tables (prices, price_floors, events, traceability): validation rules, each with a bad row that breaks it, and new-cycle.

The bad rows of one table are appended together and validated once (validation is the
slow part); each row breaks one rule, and the message must name file, row, column, rule and value.
"""

from __future__ import annotations

import pytest
from mandate_tables import mandate_inputs

from review.inputs.problems import report_lines
from review.inputs.validation import validate

# table -> (bad rows appended after the fixture's rows, and for each the substrings the report must contain)
CASES = {
    "prices": (
        15,  # the fixture has 13 rows after the header: the first appended row is row 15
        [
            ("2024,cobalt,refining,cobalt metal,17,USD/lb,x", ["column mineral", "must be a mineral id listed in minerals.csv", "'cobalt'"]),
            ("2023,lithium,mining,spodumene,900,USD/t,x", ["column stage", "stage must be one of the mineral's stages", "('lithium', 'mining')"]),
            ("2031,lithium,refining,lithium carbonate,9000,USD/t,x", ["column year", "must be a year from 1990 to 2026", "2031"]),
            ("2019,lithium,refining,lithium carbonate,0,USD/t,x", ["column price", "must be greater than 0", "0"]),
            ("2018,lithium,refining,lithium carbonate,12 USD,USD/t,x", ["column price", "must be a number", "'12 USD'"]),
            ("2017,lithium,refining,lithium carbonate,9000,EUR/t,x", ["column unit", "must be one of USD/kg, USD/t, USD/lb, USD/mtu WO3", "'EUR/t'"]),
            ("2016,lithium,refining,lithium carbonate,9000,USD/mtu WO3,x", ["column unit", "USD/mtu WO3 is a unit for tungsten only", "'USD/mtu WO3'"]),
            ("2024,lithium,refining,lithium hydroxide,15000,USD/t,x", ["(year, mineral, stage) must be unique"]),
        ],
    ),
    "price_floors": (
        6,
        [
            ("lithium,refining,lithium carbonate,12,USD/kg,2025,FRA,in force,x", ["column scope", "must be a member code listed in members.csv, or alliance", "'FRA'"]),
            ("lithium,refining,lithium carbonate,12,USD/kg,2025,USA,planned,x", ["column status", "must be in force or proposed", "'planned'"]),
            ("lithium,refining,lithium carbonate,-1,USD/kg,2025,JPN,in force,x", ["column floor", "must be greater than 0", "-1"]),
            ("lithium,refining,lithium carbonate,12,USD/oz,2025,AUS,in force,x", ["column unit", "must be one of USD/kg", "'USD/oz'"]),
            ("rare-earths,mining,concentrate,12,USD/mtu WO3,2025,USA,in force,x", ["column unit", "USD/mtu WO3 is a unit for tungsten only"]),
            ("rare-earths,refining,NdPr oxide,12,USD/kg,1800,JPN,in force,x", ["column since", "must be between 1990 and 2100", "1800"]),
            ("lithium,refining,lithium carbonate,16,USD/kg,2026,alliance,proposed,x", ["(mineral, stage, scope, status) must be unique"]),
        ],
    ),
    "events": (
        5,
        [
            ("2025-13-01,lithium,CHN,export control,a,x", ["column date", "must be a date written YYYY-MM-DD", "'2025-13-01'"]),
            ("04/04/2025,lithium,CHN,export control,b,x", ["column date", "must be a date written YYYY-MM-DD", "'04/04/2025'"]),
            ("2031-01-01,lithium,CHN,export control,c,x", ["column date", "must be a date from 1990 to the end of 2026", "'2031-01-01'"]),
            ("2025-01-01,lithium,ZZZ,export control,d,x", ["column country", "ISO 3166-1 alpha-3", "'ZZZ'"]),
            ("2025-01-02,lithium,CHN,Export Control,e,x", ["column kind", "must be a kind in lower-case words", "'Export Control'"]),
            ("2025-01-03,cobalt,CHN,export control,f,x", ["column mineral", "must be a mineral id listed in minerals.csv", "'cobalt'"]),
        ],
    ),
    "traceability": (
        5,
        [
            ("2026,FRA,rare-earths,refining,1,x", ["column member", "must be a member code listed in members.csv", "'FRA'"]),
            ("2025,USA,rare-earths,refining,-1,x", ["column verified_t", "must be at least 0", "-1"]),
            ("2026,JPN,lithium,mining,1,x", ["column stage", "stage must be one of the mineral's stages"]),
            ("2031,USA,rare-earths,refining,1,x", ["column year", "must be a year from 1990 to 2026", "2031"]),
            # USA sources 100 t of rare-earth refining in 2025 (dependency.csv): 101 verified is too many
            ("2025,JPN,rare-earths,refining,101,x", ["column verified_t", "verified tonnes must not exceed the member's sourcing in dependency.csv", "(100, 101)"]),
        ],
    ),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every table's bad rows appended at once, validated once: table -> report lines."""
    inputs = mandate_inputs(tmp_path_factory.mktemp("optional") / "inputs")
    for name, (_, bad) in CASES.items():
        path = inputs / f"{name}.csv"
        path.write_text(path.read_text() + "".join(line + "\n" for line, _ in bad))
    outcome = validate(inputs)
    return report_lines(outcome.problems)


@pytest.mark.parametrize(
    "name, row, line, expected",
    [(name, first + i, line, expected) for name, (first, bad) in CASES.items() for i, (line, expected) in enumerate(bad)],
    ids=[f"{name}-{i}" for name, (_, bad) in CASES.items() for i in range(len(bad))],
)
def test_bad_row_is_reported(reports, name, row, line, expected):
    mine = [text for text in reports if f"{name}.csv, row {row}" in text]
    assert mine, f"nothing reported for {name}.csv row {row} ({line}):\n" + "\n".join(reports)
    assert any(all(part in text for part in expected) for text in mine), f"{expected} not in:\n" + "\n".join(mine)


def test_a_cycle_without_the_optional_tables_is_valid_and_reads_them_empty(tiny):
    outcome = validate(tiny)
    assert outcome.ok
    for name in ("prices", "price_floors", "events", "traceability"):
        assert outcome.tables[name].empty and "mineral" in outcome.tables[name].columns


def test_a_part_without_its_main_file_is_still_an_error(tiny):
    # an optional table is absent only when none of its files is there
    (tiny / "prices-2026.csv").write_text("year,mineral,stage,product,price,unit,source\n")
    outcome = validate(tiny)
    assert any(p.file == "prices.csv" and "file must exist" in p.rule for p in outcome.problems)


def test_new_cycle_carries_the_optional_tables_forward(tmp_path):
    from review.inputs.new_cycle import new_cycle

    source = mandate_inputs(tmp_path / "inputs")
    dest = tmp_path / "inputs-2027"
    new_cycle(2027, source, dest)
    for name in ("prices", "price_floors", "events", "traceability"):
        assert (dest / f"{name}.csv").read_bytes() == (source / f"{name}.csv").read_bytes(), name
    for name in ("prices", "events", "traceability"):  # observations: a header-only part for the year's rows
        assert (dest / f"{name}-2027.csv").read_text().splitlines() == [(source / f"{name}.csv").read_text().splitlines()[0]]
    assert not (dest / "price_floors-2027.csv").exists()  # floors are a reference list, edited in place
    assert "prices-2027.csv" in (dest / "CHECKLIST.md").read_text()


def test_new_cycle_leaves_absent_optional_tables_absent(tiny, tmp_path):
    from review.inputs.new_cycle import new_cycle

    dest = tmp_path / "inputs-2027"
    new_cycle(2027, tiny, dest)
    assert not list(dest.glob("prices*")) and not list(dest.glob("traceability*")) and not list(dest.glob("events*"))
