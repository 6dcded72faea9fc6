"""Make the sample's calibrated sourcing and its 2025 cycle, reproducibly.

Run from the repository root: `.venv/bin/python inputs/make_sample.py` (rewrites
`inputs/dependency.csv`, `inputs/traceability.csv` and the folder `inputs/2025/`), or with
`--check` to verify that the committed files are what this script makes (exit 1 naming the
files that differ). Every other CSV is edited by hand; run the script after editing them.

Two steps; the committed files are a fixed point (running the script again changes nothing):

1. **Sourcing** (`dependency.csv`, and `traceability.csv`, an illustrative share of it).
   Each member's volume by mineral, stage and year is kept (it is sized on the USGS world
   figures); only how it splits by origin is set here:
   - the member, mineral, stage and years for which a publication gives import shares
     (`PUBLISHED`) get exactly those shares, and their rows name the publication; where the
     publication gives only the leading supplier's share, the remainder is split over the
     illustrative origins listed with it, labelled illustrative;
   - the other years of those series continue from the nearest published year, the
     leading supplier's share moving by `TREND` a year (illustrative);
   - a member that mines the mineral (USGS, `production.csv`) sources its mining stage
     from its own mines (at most `DOMESTIC_USE` of their output and `DOMESTIC_CAP` of its
     supply), the rest keeping its illustrative mix: Australia does not source rare-earth
     ore from China;
   - a plant that came online (`NEW_PLANTS`) supplies a small share of some members;
   - the Alliance never sources more ore from a country than USGS says it mines.
2. **The 2025 cycle** (`inputs/2025/`): the inputs as they stood for the 2025 review,
   derived from the 2026 inputs: information up to `CUTOFF_2025` (events, projects as of
   2025, price floors in force by then), data years up to 2025 (stocks and recycling up to
   2024, reported a year later), production as published in USGS MCS 2025, and the members
   of 2025.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from pathlib import Path

from review.analysis.indicators import edition_year

HERE = Path(__file__).resolve().parent
ILLUSTRATIVE = "Illustrative sample data (not official statistics)"
ILLUSTRATIVE_REMAINDER = "Illustrative sample data (not official statistics): the part of a published total that the publication does not split by origin"
#: The leading supplier's share moves by this much a year away from the nearest published year (illustrative years).
TREND = -0.01
#: At most this share of a producing member's mining-stage supply comes from its own mines.
DOMESTIC_CAP = 0.85
#: At most this share of a member's mine output goes to its own supply (the rest is exported).
DOMESTIC_USE = 0.8
#: The 2025 review's information cut-off (events, price floors, project lists).
CUTOFF_2025 = "2025-06-30"

USGS_RE = "USGS Mineral Commodity Summaries 2025, Rare Earths: US import sources of rare-earth compounds and metals, 2020–23"
USGS_SB = "USGS Mineral Commodity Summaries 2025, Antimony: China's share of US imports of antimony metal and oxide, 2020–23"
USGS_CO = "USGS Minerals Yearbook, Cobalt, Table 4: US imports of cobalt by country, 2023 (tonnes of cobalt content)"
EUROSTAT_RE = "Eurostat, dataset ds-045409 (news release of 9 April 2025): EU imports of rare earths by partner, 2024 (share of weight)"
JOGMEC_RE = "JOGMEC, as reported by the Wall Street Journal (27 July 2025): China's share of Japan's rare-earth imports, 2024"
KITA_KR = "KITA (Korea International Trade Association), as reported by BusinessKorea (13 March 2024): Korea's imports of NdFeB magnets and lithium hydroxide by origin, 2022 and 2023"
KITA_CO = "KITA (Korea International Trade Association), as reported: China's share of Korea's imports of cobalt oxide and hydroxide, 2022"
MOTIE_KR = "MOTIE and KOMIR, report to the National Assembly (October 2025), as reported by Chosun Biz: China's share of Korea's imports of lithium, gallium and graphite, 2024"

#: (member, mineral, stage) -> {year: (shares by origin, source)} as published, and the
#: illustrative split of whatever the publication leaves unsplit (`None`: nothing left).
#: Shares are fractions of the member's sourcing at that stage; "XXX" is "other countries".
PUBLISHED: dict[tuple[str, str, str], dict] = {
    ("USA", "rare-earths", "refining"): {
        "years": {y: ({"CHN": 0.70, "MYS": 0.13, "JPN": 0.06, "EST": 0.05, "XXX": 0.06}, USGS_RE) for y in (2020, 2021, 2022, 2023)},
        "remainder": None,
    },
    ("USA", "antimony", "refining"): {
        "years": {y: ({"CHN": 0.63}, USGS_SB) for y in (2020, 2021, 2022, 2023)},
        "remainder": {"BEL": 0.35, "MEX": 0.25, "VNM": 0.15, "USA": 0.10, "XXX": 0.15},
    },
    ("USA", "cobalt", "refining"): {
        # tonnes of 11,800 t imported: Finland 3,110, Norway 2,380, Japan 1,670, Canada 1,660, Madagascar 925, other 2,055
        "years": {2023: ({"FIN": 3110 / 11800, "NOR": 2380 / 11800, "JPN": 1670 / 11800, "CAN": 1660 / 11800, "MDG": 925 / 11800, "XXX": 2055 / 11800}, USGS_CO)},
        "remainder": None,
        "totals": {2023: 11800},
    },
    ("EUU", "rare-earths", "refining"): {
        # China 6,000 t, Russia 3,700 t, Malaysia 2,600 t of 12,900 t: 46.3%, 28.4%, 19.9%, other 5.4%
        "years": {2024: ({"CHN": 0.463, "RUS": 0.284, "MYS": 0.199, "XXX": 0.054}, EUROSTAT_RE)},
        "remainder": None,
    },
    ("JPN", "rare-earths", "refining"): {
        "years": {2024: ({"CHN": 0.70}, JOGMEC_RE)},
        "remainder": {"MYS": 0.60, "VNM": 0.15, "EST": 0.10, "FRA": 0.05, "XXX": 0.10},
    },
    ("KOR", "rare-earths", "magnets"): {
        "years": {
            2022: ({"CHN": 0.875, "PHL": 0.110, "XXX": 0.015}, KITA_KR),
            2023: ({"CHN": 0.847, "PHL": 0.143, "XXX": 0.010}, KITA_KR),
        },
        "remainder": None,
    },
    ("KOR", "lithium", "refining"): {
        "years": {
            2022: ({"CHN": 0.879, "CHL": 0.107, "XXX": 0.014}, KITA_KR),
            2023: ({"CHN": 0.796, "CHL": 0.175, "XXX": 0.029}, KITA_KR),
            2024: ({"CHN": 0.65}, MOTIE_KR),
        },
        "remainder": {"CHL": 0.85, "ARG": 0.10, "XXX": 0.05},
    },
    ("KOR", "gallium", "refining"): {
        "years": {2024: ({"CHN": 0.98}, MOTIE_KR)},
        "remainder": {"JPN": 1.0},
    },
    ("KOR", "graphite", "refining"): {
        "years": {2024: ({"CHN": 0.97}, MOTIE_KR)},
        "remainder": {"JPN": 0.5, "XXX": 0.5},
    },
    ("KOR", "cobalt", "refining"): {
        "years": {2022: ({"CHN": 0.728}, KITA_CO)},
        "remainder": {"FIN": 0.45, "BEL": 0.25, "JPN": 0.15, "XXX": 0.15},
    },
}


#: Supply from a plant that came online, as a share of a member's sourcing taken from its largest
#: supplier (illustrative): Neo's Narva magnet plant opened in September 2025 (2,000 t a year).
NEW_PLANTS = {
    ("EUU", "rare-earths", "magnets", 2026): ("EST", 0.05, "CHN"),
    ("DEU", "rare-earths", "magnets", 2026): ("EST", 0.03, "CHN"),
}


# --- reading and writing ---------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8")))
    return list(reader.fieldnames or []), list(reader)


def csv_text(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")  # as the other sample CSVs (RFC 4180)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def number(value: float) -> str:
    """A quantity as the CSVs write it: an integer without '.0', else one decimal."""
    return str(int(round(value))) if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


# --- step 1: sourcing ------------------------------------------------------------------------------


def split(total: float, shares: dict[str, float]) -> dict[str, float]:
    """`total` split by `shares` (summing to 1), rounded so the parts add up to the total exactly.

    Largest-remainder rounding in whole tonnes, or tenths of a tonne for totals under
    100 t (gallium): the published shares are kept to well within a tenth of a point.
    """
    step = 0.1 if total < 100 else 1.0
    units = round(total / step)
    exact = {origin: units * share for origin, share in shares.items()}
    parts = {origin: int(value) for origin, value in exact.items()}
    short = units - sum(parts.values())
    for origin in sorted(exact, key=lambda o: (-(exact[o] - parts[o]), o))[:short]:
        parts[origin] += 1
    return {origin: round(count * step, 1) for origin, count in parts.items() if count > 0}


def series_mix(spec: dict, year: int) -> tuple[dict[str, float], dict[str, str]]:
    """A calibrated series' origin mix in `year` and each origin's source.

    A published year: the published shares (the remainder, if any, split illustratively).
    Another year: the nearest published year's shares with the leading supplier moved by
    TREND a year from it (the others scaled to fill the rest), all illustrative.
    """
    years = spec["years"]
    nearest = min(years, key=lambda y: (abs(y - year), -y))
    shares, source = years[nearest]
    remainder = 1 - sum(shares.values())
    mix = dict(shares)
    if remainder > 1e-9:
        for origin, part in spec["remainder"].items():
            mix[origin] = mix.get(origin, 0.0) + remainder * part
    if year == nearest:
        sources = {o: source for o in shares} | {o: ILLUSTRATIVE_REMAINDER for o in mix if o not in shares}
        return mix, sources
    lead = max(shares, key=shares.get)
    moved = min(max(mix[lead] + TREND * (year - nearest), 0.0), 1.0)
    others = 1 - mix[lead]
    mix = {o: (moved if o == lead else share * (1 - moved) / others) for o, share in mix.items()}
    return mix, {o: ILLUSTRATIVE for o in mix}


def domestic_mix(current: dict[str, float], member: str, output_t: float) -> dict[str, float]:
    """A producing member's mining-stage mix: its own mines up to DOMESTIC_CAP of its supply and
    DOMESTIC_USE of their output, the rest as before."""
    total = sum(current.values())
    own = min(DOMESTIC_CAP, DOMESTIC_USE * output_t / total)
    others = {o: q for o, q in current.items() if o != member}
    rest = sum(others.values())
    mix = {o: (1 - own) * q / rest for o, q in others.items()} if rest > 0 else {}
    mix[member] = own if rest > 0 else 1.0
    return mix


def mine_output(production: list[dict]) -> dict[tuple[str, str], dict[int, float]]:
    """Each country's mine output of a mineral by year (USGS, the latest edition of each figure)."""
    editions: dict[tuple, tuple[int, float]] = {}
    for r in production:
        if r["stage"] == "mining" and r["country"] != "XXX":
            key = (r["mineral"], r["country"], int(r["year"]))
            edition = edition_year(r["source"])
            if key not in editions or edition > editions[key][0]:
                editions[key] = (edition, float(r["quantity_t"]))
    out: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for (mineral, country, year), (_, quantity) in editions.items():
        out[(mineral, country)][year] = quantity
    return out


def output_in(output: dict, mineral: str, country: str, year: int) -> float:
    """A country's mine output in `year`, or in the nearest year USGS gives (0 for a country it does not list)."""
    years = output.get((mineral, country), {})
    return years[min(years, key=lambda y: (abs(y - year), -y))] if years else 0.0


def within_world_output(groups: dict[tuple, dict[str, float]], output: dict) -> None:
    """Mining-stage sourcing from a country never exceeds what it mines (USGS), in place.

    Members' own mines (domestic rows, already within their output) are left as they are;
    the other members' sourcing from a country beyond its remaining output (and a
    member's "own" supply where USGS lists no mine output for it) moves to the mineral's
    largest producer that year.
    """
    by_origin: dict[tuple, list[tuple]] = defaultdict(list)
    for key, mix in groups.items():
        year, member, mineral, stage = key
        if stage == "mining":
            for origin in mix:
                mines = output_in(output, mineral, origin, year) > 0
                if origin != "XXX" and not (origin == member and mines):
                    by_origin[(year, mineral, origin)].append(key)
    for (year, mineral, origin), keys in sorted(by_origin.items()):
        domestic = sum(m.get(origin, 0.0) for k, m in groups.items() if k[0] == year and k[1] == origin and k[2] == mineral and k[3] == "mining" and k not in keys)
        allowed = max(output_in(output, mineral, origin, year) - domestic, 0.0)
        sourced = sum(groups[k][origin] for k in keys)
        if sourced <= allowed + 1e-6:
            continue
        largest = max((c for (m, c) in output if m == mineral), key=lambda c: (output_in(output, mineral, c, year), c))
        for k in keys:
            excess = groups[k][origin] * (1 - allowed / sourced)
            groups[k][origin] -= excess
            groups[k][largest] = groups[k].get(largest, 0.0) + excess


def calibrated_sourcing(header: list[str], rows: list[dict], production: list[dict], order: dict) -> str:
    groups: dict[tuple, dict[str, float]] = defaultdict(dict)
    for r in rows:
        key = (int(r["year"]), r["member"], r["mineral"], r["stage"])
        groups[key][r["origin"]] = groups[key].get(r["origin"], 0.0) + float(r["quantity_t"])
    output = mine_output(production)
    sources: dict[tuple, dict[str, str]] = {}
    for key, current in groups.items():
        year, member, mineral, stage = key
        total = sum(current.values())
        spec = PUBLISHED.get((member, mineral, stage))
        if spec is not None:
            total = spec.get("totals", {}).get(year, total)
            mix, sources[key] = series_mix(spec, year)
        elif stage == "mining" and output_in(output, mineral, member, year) > 0:
            mix = domestic_mix(current, member, output_in(output, mineral, member, year))
        else:
            mix = {o: q / total for o, q in current.items()}
        if (member, mineral, stage, year) in NEW_PLANTS:
            plant, share, instead = NEW_PLANTS[(member, mineral, stage, year)]
            mix = dict(mix)
            mix[instead] -= share - mix.get(plant, 0.0)
            mix[plant] = share
        groups[key] = {o: share * total for o, share in mix.items()}
    within_world_output(groups, output)
    out = []
    for key, mix in groups.items():
        year, member, mineral, stage = key
        for origin, quantity in split(sum(mix.values()), {o: q / sum(mix.values()) for o, q in mix.items()}).items():
            source = sources.get(key, {}).get(origin, ILLUSTRATIVE)
            out.append({"year": str(year), "member": member, "mineral": mineral, "stage": stage, "origin": origin, "quantity_t": number(quantity), "source": source})
    out.sort(key=lambda r: (int(r["year"]), order["member"][r["member"]], order["mineral"][r["mineral"]], r["stage"], r["origin"]))
    return csv_text(header, out)


# --- traceability (illustrative) -------------------------------------------------------------------

#: Share of a member's sourcing with verified origin, by year: no public figure exists (illustrative).
TRACED = {
    ("USA", "rare-earths", "magnets"): {2023: 0.05, 2024: 0.08, 2025: 0.12, 2026: 0.18},
    ("JPN", "rare-earths", "refining"): {2023: 0.10, 2024: 0.14, 2025: 0.18, 2026: 0.22},
    ("EUU", "cobalt", "refining"): {2023: 0.20, 2024: 0.26, 2025: 0.33, 2026: 0.40},
    ("DEU", "cobalt", "refining"): {2024: 0.25, 2025: 0.30, 2026: 0.38},
    ("KOR", "lithium", "refining"): {2024: 0.10, 2025: 0.15, 2026: 0.20},
}


def traceability(sourcing: str) -> str:
    """traceability.csv: the TRACED share of each listed member's sourcing in dependency.csv."""
    totals: dict[tuple, float] = defaultdict(float)
    for r in csv.DictReader(io.StringIO(sourcing)):
        totals[(r["member"], r["mineral"], r["stage"], int(r["year"]))] += float(r["quantity_t"])
    rows = [
        {"year": str(year), "member": member, "mineral": mineral, "stage": stage, "verified_t": number(round(share * totals[(member, mineral, stage, year)])), "source": ILLUSTRATIVE}
        for (member, mineral, stage), years in TRACED.items()
        for year, share in years.items()
    ]
    rows.sort(key=lambda r: (r["year"], r["member"], r["mineral"], r["stage"]))
    return csv_text(["year", "member", "mineral", "stage", "verified_t", "source"], rows)


# --- step 2: the 2025 cycle ------------------------------------------------------------------------

CYCLE_2025 = 2025
#: The 2025 review's settings differ from the 2026 ones only in these lines.
SETTINGS_2025 = {"cycle:": "cycle: 2025", "previous_cycle:": "previous_cycle: 2024", "title:": "title: Critical Minerals Resilience and Production Alliance — Annual Review 2025"}


def cycle_2025(files: dict[str, str]) -> dict[str, str]:
    """The 2025 cycle's files from the 2026 cycle's (name -> text)."""
    def table(name: str) -> tuple[list[str], list[dict]]:
        reader = csv.DictReader(io.StringIO(files[name]))
        return list(reader.fieldnames or []), list(reader)

    header, members = table("members.csv")
    members = [r for r in members if int(r["joined"]) <= CYCLE_2025]
    codes = {r["code"] for r in members}
    out = {"members.csv": csv_text(header, members)}
    keep = {
        "partners.csv": lambda r: True,
        "minerals.csv": lambda r: True,
        "targets.csv": lambda r: True,
        "dependency.csv": lambda r: int(r["year"]) <= CYCLE_2025 and r["member"] in codes,
        "production.csv": lambda r: "MCS 2026" not in r["source"],
        "projects.csv": lambda r: int(r["as_of"]) <= CYCLE_2025,
        "stockpiles.csv": lambda r: int(r["year"]) < CYCLE_2025 and r["member"] in codes,
        "recycling.csv": lambda r: int(r["year"]) < CYCLE_2025 and r["member"] in codes,
        "prices.csv": lambda r: int(r["year"]) < CYCLE_2025,
        "price_floors.csv": lambda r: int(r["since"]) < CYCLE_2025 or (r["status"] == "proposed" and int(r["since"]) <= CYCLE_2025),
        "events.csv": lambda r: r["date"] <= CUTOFF_2025,
        "traceability.csv": lambda r: int(r["year"]) <= CYCLE_2025 and r["member"] in codes,
    }
    for name, wanted in keep.items():
        if name in files:
            header, rows = table(name)
            out[name] = csv_text(header, [r for r in rows if wanted(r)])
    lines = []
    for line in files["review.yml"].splitlines():
        for start, replacement in SETTINGS_2025.items():
            if line.startswith(start):
                line = replacement
        lines.append(line)
    out["review.yml"] = "\n".join(lines) + "\n"
    return out


# --- both steps ------------------------------------------------------------------------------------


def made(inputs: Path = HERE) -> dict[Path, str]:
    """Every file this script writes (path -> text), from the committed inputs (read and written byte for byte: CRLF rows stay CRLF)."""
    header, rows = read_csv(inputs / "dependency.csv")
    _, production = read_csv(inputs / "production.csv")
    _, members = read_csv(inputs / "members.csv")
    _, minerals = read_csv(inputs / "minerals.csv")
    order = {"member": {r["code"]: i for i, r in enumerate(members)}, "mineral": {r["id"]: i for i, r in enumerate(minerals)}}
    files = {p.name: p.read_bytes().decode("utf-8") for p in sorted(inputs.iterdir()) if p.suffix in (".csv", ".yml")}
    files["dependency.csv"] = calibrated_sourcing(header, rows, production, order)
    files["traceability.csv"] = traceability(files["dependency.csv"])
    out = {inputs / name: files[name] for name in ("dependency.csv", "traceability.csv")}
    out.update({inputs / "2025" / name: text for name, text in cycle_2025(files).items()})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed files are what this script makes")
    args = parser.parse_args(argv)
    files = made()
    differ = [path for path, text in files.items() if not path.is_file() or path.read_bytes().decode("utf-8") != text]
    if args.check:
        for path in differ:
            print(f"{path.relative_to(HERE.parent)} is not what inputs/make_sample.py makes", file=sys.stderr)
        return 1 if differ else 0
    for path in differ:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(files[path].encode("utf-8"))
    print(f"wrote {len(differ)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
