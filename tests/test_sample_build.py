"""End to end: the whole shipped sample cycle, built as `make report` builds it."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from review import manifest as manifest_mod
from review.build import BuildRequest, build

from conftest import SAMPLE


@pytest.mark.slow
def test_the_sample_review_builds_end_to_end(tmp_path):
    outcome = build(BuildRequest(inputs=SAMPLE, outputs=tmp_path / "outputs", renderer="pandoc"))
    out = outcome.out
    members = pd.read_csv(SAMPLE / "members.csv")
    minerals = pd.read_csv(SAMPLE / "minerals.csv")
    assert len(outcome.results) == 1 + len(minerals) + len(members) + 3
    assert (out / "notebooks" / "mineral-rare-earths.ipynb").is_file() and (out / "notebooks" / "member-JPN.ipynb").is_file()
    manifest = manifest_mod.read(out)
    records = {j["name"]: j["records"] for j in manifest["jobs"]}
    assert records["mineral-rare-earths"]["dependency_refining_2026"] == pytest.approx(0.743, abs=0.001)  # calibrated to published import shares (inputs/README.md)
    assert records["projects"]["projects"] >= 40
    text = subprocess.run(["pdftotext", str(out / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for name in list(minerals["name"]) + list(members["name"]):
        assert name in text, name
    assert "Scorecard" in text and "Annex" in text
    html = (out / "report" / "index.html").read_text()
    assert html.count("<img") >= 60
