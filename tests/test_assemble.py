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
