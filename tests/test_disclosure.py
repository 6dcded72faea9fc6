"""The public edition leaks no confidential value: planted numbers are searched in every byte of every output."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from review.build import BuildRequest, build
from review.config import DisclosureRule
from review.disclosure import disclosure_reason

# Distinctive confidential values planted in the tiny cycle (holdings, consumption, target days).
STOCKPILES = """year,member,mineral,holdings_t,annual_consumption_t,target_days,confidential
2024,USA,rare-earths,10,100,90,false
2025,USA,rare-earths,12,100,90,false
2024,JPN,rare-earths,15,100,60,true
2025,JPN,rare-earths,123457.0,765431.0,1234.5,true
2025,AUS,rare-earths,2,50,60,false
2025,USA,lithium,234568.0,876542.0,60,true
2025,JPN,lithium,345679.0,987653.0,60,true
2025,AUS,lithium,100000,500000,60,false
"""
PLANTED = [123457.0, 765431.0, 1234.5, 234568.0, 876542.0, 345679.0, 987653.0]
# what one could derive from a single confidential row: its cover in days
DERIVED = [123457.0 / 765431.0 * 365, 234568.0 / 876542.0 * 365, 345679.0 / 987653.0 * 365]


def spellings(value: float) -> set[str]:
    """The ways a number can be written: plain, grouped (comma, space, thin space, dot), scientific, rounded."""
    out = set()
    whole = int(round(value))
    if value >= 10000:  # whole-number spellings are distinctive only for large numbers
        grouped = f"{whole:,}"
        out |= {str(whole), grouped, grouped.replace(",", " "), grouped.replace(",", "\u202f"), grouped.replace(",", "\u00a0"), grouped.replace(",", ".")}
    if value >= 1000:
        out |= {f"{value:.6e}", f"{value:e}", f"{value:g}", repr(value)}
    if value != whole:
        for text in (f"{value:.1f}", f"{value:,.1f}"):
            out |= {text, text.replace(",", " "), text.replace(".", "#").replace(",", ".").replace("#", ",")}
    if value < 1000:  # a derived cover in days: only precise spellings are distinctive
        out |= {f"{value:.2f}", f"{value:.3f}", f"{value:.4f}", repr(value)[:7]}
    return out


HEX = re.compile(rb"[0-9a-f]{12,}")
DATA_URI = re.compile(rb"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")


def searchable_text(path: Path) -> str:
    """A file's bytes as text, with hashes, base64 images and embedded image data taken out."""
    raw = path.read_bytes()
    if path.suffix == ".pdf":  # the text a reader sees, and the document's metadata (streams are compressed)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return text + subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return frame.to_csv(index=False) + frame.to_string() + json.dumps(frame.to_dict(orient="records"), default=str)
    if path.suffix == ".ipynb":
        nb = json.loads(raw)
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                output.get("data", {}).pop("image/png", None)
        raw = json.dumps(nb).encode()
    if path.suffix == ".png":
        return ""  # pixels; what a chart shows comes from its data CSV, which is searched
    raw = DATA_URI.sub(b"", raw)
    return HEX.sub(b"", raw).decode("utf-8", errors="replace")


def parquet_numbers(path: Path) -> list[float]:
    frame = pd.read_parquet(path)
    return [float(v) for col in frame.columns if pd.api.types.is_numeric_dtype(frame[col]) for v in frame[col].dropna()]


def leaks(out: Path) -> list[str]:
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = searchable_text(path)
        for value in PLANTED + DERIVED:
            for spelled in spellings(value):
                if spelled in text:
                    found.append(f"{path.relative_to(out)}: {spelled!r} ({value})")
        if path.suffix == ".parquet":
            for number in parquet_numbers(path):
                for value in PLANTED + DERIVED:
                    if abs(number - value) <= 1e-6 * max(1.0, abs(value)):
                        found.append(f"{path.relative_to(out)}: number {number}")
    return found


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from conftest import TINY
    import shutil

    root = tmp_path_factory.mktemp("disclosure")
    inputs = root / "inputs"
    shutil.copytree(TINY, inputs)
    (inputs / "stockpiles.csv").write_text(STOCKPILES)
    outputs = root / "outputs"
    public = build(BuildRequest(inputs=inputs, outputs=outputs, edition="public", renderer="pandoc")).out
    restricted = build(BuildRequest(inputs=inputs, outputs=outputs, edition="restricted", renderer="pandoc")).out
    return public, restricted


def test_public_edition_contains_no_confidential_value(planted):
    public, _ = planted
    assert public.name == "public"
    assert leaks(public) == []


def test_the_search_finds_them_in_the_restricted_edition(planted):
    """The same search on the restricted edition finds the planted values: the test can fail."""
    _, restricted = planted
    found = "\n".join(leaks(restricted))
    for marker in ("123457", "1234.5", "234568", "345679"):
        assert marker in found


def test_public_edition_marks_withheld_values_and_shows_safe_totals(planted):
    public, _ = planted
    table = pd.read_csv(public / "data" / "indicators.csv")
    jpn = table[(table["indicator"] == "stockpile_cover_days") & (table["scope"] == "JPN") & (table["year"] == 2025)]
    assert jpn["value"].isna().all() and set(jpn["status"]) == {"confidential"}
    alliance = table[(table["indicator"] == "stockpile_cover_days") & (table["scope"] == "alliance") & (table["year"] == 2025)].set_index("mineral")
    # rare earths: three holders but one confidential -> withheld (it could be derived by subtraction)
    assert pd.isna(alliance.loc["rare-earths", "value"]) and alliance.loc["rare-earths", "status"] == "suppressed"
    # lithium: three holders, two confidential, largest 51% -> published
    assert alliance.loc["lithium", "value"] == pytest.approx((234568 + 345679 + 100000) / (876542 + 987653 + 500000) * 365)
    text = subprocess.run(["pdftotext", str(public / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "confidential" in text and "Public edition" in text
    restricted_text = subprocess.run(["pdftotext", str(planted[1] / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Restricted edition" in restricted_text and "not for publication" in restricted_text


def test_each_edition_has_its_own_folder(planted):
    public, restricted = planted
    assert public.parent == restricted.parent and {public.name, restricted.name} == {"public", "restricted"}


RULE = DisclosureRule()


@pytest.mark.parametrize(
    "contributors, confidential, largest, published",
    [
        (2, 0, 0.9, True),  # public values only: always shown
        (2, 2, 0.5, False),  # fewer than three members
        (3, 2, 0.81, False),  # one member above 80%
        (3, 1, 0.4, False),  # a single confidential value could be derived
        (3, 2, 0.8, True),  # at the limits
        (5, 3, 0.3, True),
    ],
)
def test_disclosure_rule(contributors, confidential, largest, published):
    assert (disclosure_reason(contributors, confidential, largest, RULE) == "") is published
