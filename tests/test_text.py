"""How the report writes numbers: the formats every table and key message share."""

from __future__ import annotations

import math

import pytest

from review.analysis.text import format_value


@pytest.mark.parametrize(
    "value, unit, signed, written",
    [
        (0.8561, "share", False, "85.6%"),
        (-0.0102, "share", True, "-1.0 pp"),  # a change of a share reads in percentage points
        (0.02, "share", True, "+2.0 pp"),
        (-0.0102, "share_diff", False, "-1.0 pp"),  # a share difference is signed even unasked
        (2712.5, "index", False, "2,712"),  # HHI: whole points (banker's rounding of .5 aside, 2712.5 -> 2,712)
        (-150.0, "index", True, "-150"),
        (123.4, "days", False, "123"),
        (12.25, "days", True, "+12.2"),
        (1234567.0, "t", False, "1,234,567"),
        (math.nan, "share", False, ""),
        (None, "days", True, ""),
        (-0.0004, "share_diff", False, "+0.0 pp"),  # no negative zero: Japan's change printed "-0.0 pp"
        (-0.0004, "share", True, "+0.0 pp"),
        (-0.04, "days", True, "+0.0"),
        (-0.3, "index", True, "+0"),
        (-0.0004, "share", False, "0.0%"),
        (-0.4, "days", False, "0"),
    ],
)
def test_format_value(value, unit, signed, written):
    assert format_value(value, unit, signed=signed) == written


def test_a_signed_share_and_a_share_difference_read_the_same():
    for change in (-0.0102, 0.0, 0.3333):
        assert format_value(change, "share", signed=True) == format_value(change, "share_diff")


def test_angle_brackets_and_ampersands_are_entities_that_read_as_the_text():
    """Quarto copies a heading's Markdown source into its HTML sidebar unparsed: no '<' may reach it."""
    import pypandoc

    from review.analysis.text import markdown_text

    text = "Japan<img src=x onerror=alert(1)> R&D \\& &amp;"
    escaped = markdown_text(text)
    assert "<" not in escaped and "&amp;amp;" in escaped  # an entity typed in the input stays text
    assert pypandoc.convert_text(escaped, "plain", format="markdown").strip() == text


def test_a_table_keeps_a_number_and_its_unit_together():
    from review.report.markdown import pipe_table

    table = pipe_table(["Change", "Cover"], [["+34.4 pp", "70 days"], ["in 2030 the plan", "5 t"]])
    assert "34\\.4\u00a0pp" in table and "70\u00a0days" in table and "5\u00a0t" in table
    assert "2030 the" in table  # only a unit after a number, not any word
    chances = pipe_table(["Chance"], [["over 99%"], ["under 1%"], ["moreover 5 things"]])
    assert "over\u00a099" in chances and "under\u00a01" in chances and "moreover 5" in chances


def test_a_name_column_is_never_broken_and_stays_escaped():
    """'United States' wrapped onto two lines in the members table of the PDF: a `whole` column's
    cells get no-break spaces, after escaping, so input text stays data."""
    from review.report.markdown import pipe_table

    table = pipe_table(["Member", "Finding"], [["United States", "above the Alliance"], ["*Bold* Land", "x"]], whole=("Member",))
    assert "United\u00a0States" in table and "above the Alliance" in table
    assert "\\*Bold\\*\u00a0Land" in table
