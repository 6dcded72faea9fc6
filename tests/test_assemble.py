"""Executed notebooks become clean chapter sources: no code, no parameters, no recorded values."""

from __future__ import annotations

import base64
import json

from review.report.assemble import chapter_source
from review.report.markdown import markdown_table, pipe_table, status_span
from review.report.record import RECORD_MIME

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def output(kind: str, bundle: dict, **meta) -> dict:
    return {"output_type": "display_data", "data": bundle, "metadata": {"review": {"kind": kind, **meta}}}


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": "# A notebook for analysts\n\nNot for the report."},
        {"cell_type": "code", "source": "mineral = 'x'", "metadata": {"tags": ["injected-parameters"]}, "outputs": []},
        {
            "cell_type": "code",
            "source": "ch.heading('Lithium')",
            "outputs": [
                output("heading", {"text/markdown": "# Lithium {#sec-mineral-lithium}"}, level=1),
                output("text", {"text/markdown": ["Dependency ", "fell."]}),
                {"output_type": "stream", "name": "stderr", "text": "a warning\n"},
                output("figure", {"image/png": PNG, "text/plain": "Figure"}, id="fig-mineral-lithium-sourcing", caption='Supply [by] origin "now".', alt='A chart; China "78%".', data="data/mineral-lithium/fig-mineral-lithium-sourcing.csv"),
                output("table", {"text/markdown": "| a |\n|:---|\n| 1 |", "text/html": "<table></table>"}, id="tbl-mineral-lithium-dependency", caption="Dependency.", data="data/mineral-lithium/tbl-mineral-lithium-dependency.csv"),
                {"output_type": "display_data", "data": {RECORD_MIME: {"name": "x", "value": 1}, "text/plain": "x = 1"}, "metadata": {}},
            ],
        },
    ]
}


def test_chapter_source_keeps_only_what_the_report_shows(tmp_path):
    text = chapter_source(json.loads(json.dumps(NOTEBOOK)), "mineral-lithium", tmp_path)
    assert text.startswith("# Lithium {#sec-mineral-lithium}\n\nDependency fell.")
    assert "analysts" not in text and "mineral = 'x'" not in text and "a warning" not in text and "x = 1" not in text
    # caption and alt text are plain text, escaped (they read 'Supply [by] origin "now".' in the report)
    assert '![Supply \\[by\\] origin \\"now\\"\\.](figures/fig-mineral-lithium-sourcing.png){#fig-mineral-lithium-sourcing fig-alt="A chart; China \\"78\\%\\"\\." width="100%"}' in text
    assert "| a |\n|:---|\n| 1 |\n\n: Dependency\\. {#tbl-mineral-lithium-dependency}" in text
    assert (tmp_path / "figures" / "fig-mineral-lithium-sourcing.png").read_bytes() == base64.b64decode(PNG)
    assert "[`notebooks/mineral-lithium.ipynb`](notebooks/mineral-lithium.ipynb)" in text
    # under the figure, in the HTML only: a link to the CSV it was drawn from
    assert 'width="100%"}\n\n::: {.content-visible when-format="html"}\n[*Data:* `fig-mineral-lithium-sourcing.csv`](data/mineral-lithium/fig-mineral-lithium-sourcing.csv){.data-link}\n:::' in text


def test_pipe_tables_mark_status_words_and_size_columns():
    table = pipe_table(["Target", "Status"], [["Rare earths refining ≤ 60% by 2030", "on track"], ["a|b", None]], right=("Status",))
    lines = table.splitlines()
    assert lines[2] == "| Rare earths refining ≤ 60\\% by 2030 | [on track]{.status .status-on-track} |"
    assert lines[3] == "| a\\|b |  |"
    assert lines[1].startswith("|:" + "-" * 33 + "|") and lines[1].endswith(":|")
    assert status_span("suppressed") == "[suppressed]{.status .status-suppressed}" and status_span("lithium") == "lithium"
    assert "confidential" in pipe_table(["Column"], [["confidential"]], mark=False).splitlines()[2]
    assert "{.status" not in pipe_table(["Column"], [["confidential"]], mark=False)


def test_one_long_cell_does_not_widen_its_column():
    # 20 rows: Tables is "events.csv" (10 characters) but once 45; Source is always 70 long.
    rows = [["s" * 70, "events.csv"] for _ in range(19)] + [["s" * 70, "dependency.csv, projects.csv, stockpiles.csv"]]
    rule = pipe_table(["Source", "Tables"], rows).splitlines()[1]
    # the 90th percentile of Tables' lengths (the 18th of 20 sorted) is 10; Source is capped at 60
    assert rule == "|:" + "-" * 59 + "|:" + "-" * 9 + "|"


def test_markdown_table_from_a_frame():
    import pandas as pd

    assert markdown_table(pd.DataFrame({"A": ["x"], "B": ["at risk"]})).splitlines()[2] == "| x | [at risk]{.status .status-at-risk} |"


def _about(**extra) -> str:
    from review.analysis.text import Markdown
    from review.report.annexes import render_template

    values = dict(title="Review", cycle=2026, previous_cycle=2025, edition="public", edition_label="public edition", date="2026-12-05",
                  illustrative="", first_mineral=Markdown("sec-mineral-x"), first_member=Markdown("sec-members"))
    return render_template("about.md.j2", **(values | extra))


def test_the_terms_paragraph_defines_priority_project_and_illustrative_target():
    """'priority project' and 'illustrative target' were used throughout without definition."""
    terms = next(p for p in _about().split("\n\n") if p.startswith("Terms used throughout"))
    for term in ("**priority project**", "**illustrative target**", "**pp**", "**HHI**", "(N-1)", "**on-time**", "**best case**", "**path**", "**on track**"):
        assert term in terms


def test_what_the_html_version_adds_is_said_once_in_about_this_review_not_in_every_chapter():
    """'the HTML version draws them here' and '(every holder's figures in the HTML version)' were
    repeated in every mineral chapter; About this review says it once."""
    from pathlib import Path

    import review

    assert _about().count("the HTML version draws the full figures and tables") == 1
    notebooks = Path(review.__file__).parent / "notebooks"
    sources = {nb.name: "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"]) for nb in notebooks.glob("*.ipynb")}
    for phrase in ("HTML version draws them", "figures in the HTML version", "the HTML version also lists them"):
        assert not [name for name, text in sources.items() if phrase in text], phrase


def test_the_methodology_prints_this_reviews_members_partners_and_status_weights_from_the_inputs():
    """The annex referred to the status weights and the partner countries without printing them."""
    import pandas as pd

    from review.inputs.config import ReviewConfig
    from review.report.annexes import WEIGHTS_AT, review_settings

    config = ReviewConfig(cycle=2026, status_weights={"permitting": 0.37})
    members = pd.DataFrame({"code": ["USA", "DEU", "EUU", "AUS"], "name": ["United States", "Germany", "European Union", "Australia"], "group": ["G7", "G7", "G7", "partner"]})
    partners = pd.DataFrame({"code": ["NOR", "AUT"], "name": ["Norway", "Austria"], "basis": ["aligned non-member", "EU member state"]})
    said = review_settings(config, members, partners)
    assert said["Who counts as aligned"] == (
        "**In this review**, members: United States, Germany and European Union (G7); Australia (joined as a partner country). "
        "Partners, aligned but not members: Norway (aligned non\\-member); Austria (EU member state).")  # the hyphen escaped: text from the inputs
    weights = said[WEIGHTS_AT]
    assert "permitting 0.37" in weights and "announced 0.10" in weights and "operating 1.00" in weights  # from the settings, defaults filled
    # names from the inputs are data: markup in a name is escaped
    odd = members.assign(name=["*Bold*", "Germany", "European Union", "Australia"])
    assert "\\*Bold\\*" in review_settings(config, odd, partners)["Who counts as aligned"]


def test_the_methodology_annex_closes_each_section_with_its_settings(tmp_path, monkeypatch):
    from review.report import annexes

    monkeypatch.setattr(annexes, "review_settings", lambda *a: {"Who counts as aligned": "MEMBERS HERE", annexes.WEIGHTS_AT: "WEIGHTS HERE"})
    from review.inputs import snapshot as snap

    monkeypatch.setattr(snap, "read_config", lambda d: None)
    monkeypatch.setattr(snap, "read_table", lambda d, name: None)
    text = annexes.methodology(tmp_path)
    members_at, next_section = text.index("MEMBERS HERE"), text.index("## Single-supplier dependency")
    assert text.index("## Who counts as aligned") < members_at < next_section
    weights_at = text.index("WEIGHTS HERE")  # where the text refers to the weights, in the on-time projection's definition
    assert text.index("the **on-time** projection") < weights_at < text.index("the **best case**")
    assert "MEMBERS HERE" not in annexes.methodology()  # without a snapshot: the document as written
