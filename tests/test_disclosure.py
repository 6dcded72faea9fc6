"""The public edition leaks no confidential value: planted numbers are searched in every byte of every output."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from review.analysis.disclosure import edition_tables, sensitivity
from review.build.pipeline import BuildRequest, build
from review.inputs.config import DisclosureRule

# Distinctive confidential values planted in the tiny cycle (holdings, consumption, target days).
# Lithium 2025 is the two-confidential-member case: USA and JPN confidential, AUS public.
# Lithium 2024 has three confidential members of similar size: its total may be published.
STOCKPILES = """year,member,mineral,holdings_t,annual_consumption_t,target_days,confidential
2024,USA,rare-earths,10,100,90,false
2025,USA,rare-earths,12,100,90,false
2024,JPN,rare-earths,15,100,60,true
2025,JPN,rare-earths,123457.0,765431.0,1234.5,true
2025,AUS,rare-earths,2,50,60,false
2025,USA,lithium,234568.0,876542.0,60,true
2025,JPN,lithium,345679.0,987653.0,60,true
2025,AUS,lithium,100000,500000,60,false
2024,USA,lithium,300011,600013,60,true
2024,JPN,lithium,410021,510027,60,true
2024,AUS,lithium,220031,820041,60,true
"""
# The same consumption again in the recycling table (the cross-table attack of issue 18): USA's
# lithium consumption in 2025, JPN's rare-earth consumption in 2025 and 2024.
RECYCLING = """year,member,mineral,recycled_output_t,capacity_t,consumption_t
2024,USA,rare-earths,2,4,100
2025,USA,rare-earths,4,5,100
2024,JPN,rare-earths,1,2,100
2025,JPN,rare-earths,2,3,765431.0
2025,USA,lithium,1000,2000,876542.0
2025,AUS,lithium,500,600,500000
"""
PLANTED = [123457.0, 765431.0, 1234.5, 234568.0, 876542.0, 345679.0, 987653.0, 300011.0, 600013.0, 410021.0, 510027.0, 220031.0, 820041.0]
# what one could derive from a single confidential row: its cover in days
DERIVED = [123457.0 / 765431.0 * 365, 234568.0 / 876542.0 * 365, 345679.0 / 987653.0 * 365, 300011 / 600013 * 365, 410021 / 510027 * 365, 220031 / 820041 * 365]


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
    import shutil

    from conftest import TINY

    root = tmp_path_factory.mktemp("disclosure")
    inputs = root / "inputs"
    shutil.copytree(TINY, inputs)
    (inputs / "stockpiles.csv").write_text(STOCKPILES)
    (inputs / "recycling.csv").write_text(RECYCLING)
    outputs = root / "outputs"
    public = build(BuildRequest(inputs=inputs, outputs=outputs, edition="public", renderer="pandoc")).out
    restricted = build(BuildRequest(inputs=inputs, outputs=outputs, edition="restricted", renderer="pandoc")).out
    return public, restricted


def test_public_edition_contains_no_confidential_value(planted):
    public, _ = planted
    assert public.name == "public"
    assert leaks(public) == [], "\n".join(leaks(public))


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
    cover = table[(table["indicator"] == "stockpile_cover_days") & (table["scope"] == "alliance")].set_index(["mineral", "year"])
    # rare earths 2025: one confidential member -> withheld (subtracting USA and AUS would give it)
    assert pd.isna(cover.loc[("rare-earths", 2025), "value"]) and cover.loc[("rare-earths", 2025), "status"] == "suppressed"
    # lithium 2025: two confidential members -> withheld (each would recover the other by subtraction)
    assert pd.isna(cover.loc[("lithium", 2025), "value"]) and cover.loc[("lithium", 2025), "status"] == "suppressed"
    # lithium 2024: three confidential members; beyond the two largest, holdings 220031 >= 10% of 410021
    # and consumption 510027 >= 10% of 820041 -> published: 930063 / 1930081 * 365 = 175.9 days
    assert cover.loc[("lithium", 2024), "value"] == pytest.approx((300011 + 410021 + 220031) / (600013 + 510027 + 820041) * 365)
    # recycling: JPN's rare-earth consumption is withheld (it is its confidential stockpile consumption), and with it its share
    shares = table[table["indicator"] == "recycling_share"].set_index(["mineral", "scope", "year"])
    assert pd.isna(shares.loc[("rare-earths", "JPN", 2025), "value"]) and shares.loc[("rare-earths", "JPN", 2025), "status"] == "confidential"
    assert shares.loc[("rare-earths", "USA", 2025), "value"] == pytest.approx(0.04)
    # the Alliance share would give the sum of consumption (outputs are public): one withheld member -> suppressed
    assert pd.isna(shares.loc[("rare-earths", "alliance", 2025), "value"]) and shares.loc[("rare-earths", "alliance", 2025), "status"] == "suppressed"
    assert shares.loc[("rare-earths", "alliance", 2024), "status"] == "suppressed"
    text = subprocess.run(["pdftotext", str(public / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "confidential" in text and "Public edition" in text
    restricted_text = subprocess.run(["pdftotext", str(planted[1] / "report" / "alliance-review-2026.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Restricted edition" in restricted_text and "not for publication" in restricted_text


def test_each_edition_has_its_own_folder(planted):
    public, restricted = planted
    assert public.parent == restricted.parent and {public.name, restricted.name} == {"public", "restricted"}




# --- the arithmetic an intruder does with the public figures -----------------------------------

STOCK_KEY = ["mineral", "year"]


def secrets_of(stockpiles: pd.DataFrame) -> dict[tuple, float]:
    """Every confidential value, by (member, mineral, year, column): what must not be recovered."""
    secret = stockpiles[stockpiles["confidential"].astype(bool)]
    return {(r.member, r.mineral, int(r.year), col): float(getattr(r, col)) for r in secret.itertuples() for col in ("holdings_t", "annual_consumption_t")}


def recovered(published: dict[str, pd.DataFrame], secrets: dict[tuple, float]) -> list[str]:
    """Confidential values an intruder works out from what an edition publishes.

    The intruder is anyone reading the edition, or a confidential member who also knows its
    own values. It subtracts every published member value from each published Alliance
    total, then its own values, then the same member's consumption in the recycling table
    (the attack of issue 18), and reads the consumption total behind a published Alliance
    recycling share (outputs are public). Any result equal to a confidential value of
    another member is a disclosure.
    """
    stock, totals, recycling, rec_totals = (published[n] for n in ("stockpiles", "stockpile_totals", "recycling", "recycling_totals"))
    found = []

    def check(value: float, cell: tuple, attacker: str | None, how: str) -> None:
        mineral, year = cell
        for (member, m, y, col), secret in secrets.items():
            if (m, y) == cell and member != attacker and pd.notna(value) and abs(value - secret) <= 1e-6 * max(1.0, secret):
                found.append(f"{member} {mineral} {year} {col} = {secret} from {how}")

    for (mineral, year), part in stock.groupby(STOCK_KEY):
        cell = (mineral, int(year))
        total = totals[(totals["mineral"] == mineral) & (totals["year"] == year)].iloc[0]
        rec = recycling[(recycling["mineral"] == mineral) & (recycling["year"] == year)]
        for col in ("holdings_t", "annual_consumption_t"):
            rest = total[col] - part[col].sum(min_count=0)  # NaN (withheld) members are what remains
            check(rest, cell, None, f"total {col} - published members")
            for member in part["member"]:
                own = secrets.get((member, mineral, int(year), col))
                if own is not None:
                    check(rest - own, cell, member, f"total {col} - published members - {member}'s own value")
            if col == "annual_consumption_t":
                for r in rec.itertuples():
                    if pd.notna(r.consumption_t) and pd.isna(part.loc[part["member"] == r.member, col]).any():
                        check(rest - r.consumption_t, cell, None, f"total consumption - published members - {r.member}'s recycling consumption_t")
                shown = rec_totals[(rec_totals["mineral"] == mineral) & (rec_totals["year"] == year)]
                if len(shown) and pd.notna(shown.iloc[0]["value"]) and shown.iloc[0]["value"] > 0:
                    behind = rec["recycled_output_t"].sum() / shown.iloc[0]["value"] - rec["consumption_t"].sum()
                    check(behind, cell, None, "recycling share -> consumption total - published members")
                    check(rest - behind, cell, None, "stockpile consumption total - recycling consumption total")
    return found


def snapshot_tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / "validated" / f"{name}.parquet") for name in ("stockpiles", "stockpile_totals", "recycling", "recycling_totals")}


def test_public_figures_give_no_confidential_value_by_arithmetic(planted):
    """The two-confidential-member case and the cross-table attack of issue 18 recover nothing."""
    public, _ = planted
    secrets = secrets_of(pd.read_csv(pd.io.common.StringIO(STOCKPILES)))
    assert recovered(snapshot_tables(public), secrets) == []


def test_the_arithmetic_recovers_values_from_totals_the_old_rule_published(planted):
    """The same intruder, given the totals and recycling table as main published them, recovers the values: the test can fail."""
    public, restricted = planted
    secrets = secrets_of(pd.read_csv(pd.io.common.StringIO(STOCKPILES)))
    leaky = snapshot_tables(public) | {name: snapshot_tables(restricted)[name] for name in ("stockpile_totals", "recycling")}
    found = "\n".join(recovered(leaky, secrets))
    # lithium 2025: total - AUS - USA's own value = JPN's; total - AUS - USA's recycling consumption_t = JPN's
    assert "JPN lithium 2025 annual_consumption_t = 987653.0 from total annual_consumption_t - published members - USA's own value" in found
    assert "JPN lithium 2025 annual_consumption_t = 987653.0 from total consumption - published members - USA's recycling consumption_t" in found
    assert "USA lithium 2025 holdings_t = 234568.0 from total holdings_t - published members - JPN's own value" in found


# --- the rule, on tables without a build ----------------------------------------------------------

RULE = DisclosureRule()


@pytest.mark.parametrize(
    "withheld, reason",
    [
        ([], ""),  # public values only: always shown
        ([50.0], "fewer than 3 confidential values"),
        ([50.0, 50.0], "fewer than 3 confidential values"),  # each of the two would recover the other
        ([10.0, 9.0, 1.0], ""),  # 1 >= 10% of 10: at the limit, published
        ([10.0, 9.0, 0.9], "p% rule"),  # 0.9 < 10% of 10 = 1
        ([100.0, 1.0, 5.0, 4.0], "p% rule"),  # beyond the two largest (100, 5): 4 + 1 = 5 < 10% of 100 = 10
        ([100.0, 60.0, 6.0, 5.0], ""),  # 6 + 5 = 11 >= 10
        ([0.0, 0.0, 0.0], "every confidential value is zero"),
        ([30.0, 30.0, 30.0, 30.0], ""),
    ],
)
def test_sensitivity(withheld, reason):
    got = sensitivity(withheld, RULE, "holdings_t")
    assert (reason in got and got != "") if reason else got == ""


def test_the_rule_follows_its_settings():
    assert sensitivity([10.0, 9.0, 4.0], DisclosureRule(p=50), "holdings_t") != ""  # 4 < 50% of 10 = 5
    assert sensitivity([10.0, 9.0, 5.0], DisclosureRule(p=50), "holdings_t") == ""
    assert "fewer than 5" in sensitivity([30.0] * 4, DisclosureRule(min_contributors=5), "holdings_t")


def stock_rows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "member", "mineral", "holdings_t", "annual_consumption_t", "target_days", "confidential"])


def recycling_rows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "member", "mineral", "recycled_output_t", "capacity_t", "consumption_t"])


# four confidential members of similar size: the stockpile totals may be published
FOUR = stock_rows(*[(2025, code, "li", 100.0 + i, 1000.0 + 10 * i, 60.0, True) for i, code in enumerate(("AAA", "BBB", "CCC", "DDD"))])


def test_a_second_total_of_the_same_quantity_must_not_isolate_a_member():
    """Stockpile consumption over four confidential members is published; recycling consumption over
    three of them would give the fourth by subtraction (1000+1010+1020+1030 - (1000+1010+1020) = 1030)."""
    three = recycling_rows(*[(2025, code, "li", 10.0, 20.0, c) for code, c in (("AAA", 1000.0), ("BBB", 1010.0), ("CCC", 1020.0))])
    out = edition_tables({"stockpiles": FOUR, "recycling": three}, "public", RULE)
    totals, recycled = out["stockpile_totals"].iloc[0], out["recycling_totals"].iloc[0]
    assert totals["disclosed"] and totals["annual_consumption_t"] == 4060.0
    assert not recycled["disclosed"] and pd.isna(recycled["consumption_t"]) and pd.isna(recycled["value"])
    assert "would reveal the confidential consumption of 1 member" in recycled["withheld_because"]
    assert out["recycling"]["consumption_t"].isna().all()  # each is a confidential stockpile consumption
    assert list(out["recycling"]["recycled_output_t"]) == [10.0, 10.0, 10.0]  # outputs are not confidential
    four = recycling_rows(*[(2025, code, "li", 10.0, 20.0, 1000.0 + 10 * i) for i, code in enumerate(("AAA", "BBB", "CCC", "DDD"))])
    same = edition_tables({"stockpiles": FOUR, "recycling": four}, "public", RULE)["recycling_totals"].iloc[0]
    assert same["disclosed"] and same["value"] == pytest.approx(40 / 4060)  # the same members: nothing new to subtract


def test_secondary_suppression_is_by_member_mineral_and_year():
    stock = stock_rows((2025, "AAA", "li", 5.0, 50.0, 60.0, True), (2025, "BBB", "li", 5.0, 50.0, 60.0, False))
    recycled = recycling_rows(
        (2025, "AAA", "li", 1.0, 2.0, 50.0),  # the confidential row: withheld
        (2024, "AAA", "li", 1.0, 2.0, 40.0),  # another year: shown
        (2025, "AAA", "co", 1.0, 2.0, 30.0),  # another mineral: shown
        (2025, "BBB", "li", 1.0, 2.0, 50.0),  # another member: shown
    )
    public = edition_tables({"stockpiles": stock, "recycling": recycled}, "public", RULE)["recycling"]
    assert public["consumption_t"].isna().tolist() == [True, False, False, False]
    restricted = edition_tables({"stockpiles": stock, "recycling": recycled}, "restricted", RULE)
    assert restricted["recycling"]["consumption_t"].notna().all() and restricted["recycling_totals"]["disclosed"].all()
