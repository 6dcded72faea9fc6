"""Named values a notebook records, left as outputs the build reads back.

`record("dependency_2026", 0.856)` displays one output of MIME type `RECORD_MIME` whose
JSON is `{"name": ..., "value": ...}`. The build collects them into the manifest and
`review reproduce` compares them; the assembler leaves them out of the book. Values must
be JSON: numbers, strings, booleans, None, or lists and dicts of those.
"""

from __future__ import annotations

import json
import math

RECORD_MIME = "application/vnd.alliance-review.report.record+json"
#: The key of an output's metadata that says what a published output is (see review.report.chapter).
REVIEW_KEY = "review"


def _plain(value):
    """Numpy and pandas scalars to plain JSON values; NaN to None."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(name: str, value) -> None:
    """Record a named value in the executed notebook."""
    from IPython.display import display

    value = _plain(value)
    json.dumps(value)  # fail in the notebook, not in the build, if it is not JSON
    display({RECORD_MIME: {"name": name, "value": value}, "text/plain": f"{name} = {value!r}"}, raw=True)


def read_records(nb) -> dict:
    """Every recorded value of an executed notebook (nbformat node or dict), by name, in order."""
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RECORD_MIME in data:
                item = data[RECORD_MIME]
                if isinstance(item, str):
                    item = json.loads(item)
                values[item["name"]] = item["value"]
    return values


def published_outputs(nb):
    """(review metadata, output) of every output a notebook published through review.report.chapter
    (headings, text, figures, tables), in order; recorded values and stray prints are not."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get(REVIEW_KEY)
            if meta:
                yield meta, output


def data_files(nb) -> list[str]:
    """The data CSVs of a notebook's figures and tables, relative to OUT."""
    return sorted({meta["data"] for meta, _ in published_outputs(nb) if meta.get("data")})
