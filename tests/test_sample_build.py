"""End to end: the shipped sample cycles, built as `make report` builds them (2025, then 2026)."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from review import manifest as manifest_mod
from review.build import BuildRequest, build

from conftest import SAMPLE


@pytest.mark.slow
def test_the_sample_review_builds_end_to_end(tmp_path):
    previous = build(BuildRequest(inputs=SAMPLE / "2025", outputs=tmp_path / "outputs", renderer="pandoc", formats=("html",)))
    assert (previous.out / "report" / "index.html").is_file()
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
    # "since the last review" compares with the 2025 review built just before, and finds changes
    overview = records["overview"]
    assert overview["since_last_review_available"] is True
    assert sum(v for k, v in overview.items() if k.startswith("since_last_review_") and k not in ("since_last_review_available", "since_last_review_unchanged")) > 0
    text = subprocess.run(["pdftotext", str(out / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for name in list(minerals["name"]) + list(members["name"]):
        assert name in text, name
    assert "Scorecard" in text and "Annex" in text
    html = (out / "report" / "index.html").read_text()
    assert html.count("<img") >= 60
