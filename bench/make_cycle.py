"""Write a synthetic review cycle of any size, valid in the input contract.

    python bench/make_cycle.py --minerals 40 --members 40 --years 7 --seed 1 --out /tmp/cycle
    python bench/make_cycle.py --minerals 40 --members 40 --years 25 --origins 25 --out /tmp/big   # 1,000,000 sourcing rows

Members take real ISO 3166-1 alpha-3 codes (so validation passes); origins mix a fixed set
of non-aligned producers, the member itself and `XXX`. Every number is random but
plausible and reproducible from the seed. The figures are synthetic and say so.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pycountry

SOURCE = "Synthetic benchmark data"
NON_ALIGNED = ["CHN", "IDN", "COD", "MYS", "VNM", "RUS", "MMR", "ZAF", "BRA", "ARG", "PER", "PHL", "KAZ", "TUR", "MAR", "ZWE", "GIN", "GAB", "LAO", "TJK", "BOL", "NGA", "MOZ", "MDG", "UZB", "IRN", "EGY", "SAU", "ARE", "THA"]
STATUSES = ["announced", "feasibility", "permitting", "financing", "construction", "commissioning", "operating", "suspended", "cancelled"]


def write(path: Path, header: list[str], rows) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def make_cycle(out: Path, minerals: int, members: int, years: int, seed: int, origins: int = 6, cycle: int = 2026) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    taken = set(NON_ALIGNED) | {"XXX"}
    codes = [c.alpha_3 for c in sorted(pycountry.countries, key=lambda c: c.alpha_3) if c.alpha_3 not in taken][: members + 3]
    member_codes, partner_codes = codes[:members], codes[members : members + 3]
    mineral_ids = [f"mineral-{i:02d}" for i in range(1, minerals + 1)]
    stages = {m: (["mining", "refining", "magnets"] if i % 5 == 0 else ["mining", "refining"]) for i, m in enumerate(mineral_ids)}
    first_year = cycle - years + 1
    counts = {}
    (out / "review.yml").write_text(f"cycle: {cycle}\nprevious_cycle: {cycle - 1}\ntitle: Synthetic benchmark cycle ({minerals} minerals, {members} members)\ndemand_growth: 0.03\n")
    counts["members"] = write(out / "members.csv", ["code", "name", "group", "joined"], ([c, pycountry.countries.get(alpha_3=c).name, "G7" if i < 7 else "partner", cycle - 1] for i, c in enumerate(member_codes)))
    counts["partners"] = write(out / "partners.csv", ["code", "name"], ([c, pycountry.countries.get(alpha_3=c).name] for c in partner_codes))
    counts["minerals"] = write(out / "minerals.csv", ["id", "name", "stages", "priority"], ([m, f"Mineral {m[-2:]}", ";".join(stages[m]), "high" if i % 3 == 0 else "medium"] for i, m in enumerate(mineral_ids)))

    def targets():
        for i, m in enumerate(mineral_ids):
            yield [m, "refining", "single_supplier_dependency", "max", 0.6, 2030, "target", cycle - 2, SOURCE]
            if i % 4 == 0:
                yield [m, "", "recycling_share", "min", 0.1, 2030, "target", cycle - 2, SOURCE]
            if i % 6 == 0:
                yield [m, "", "stockpile_cover_days", "min", 60, 2027, "target", cycle - 2, SOURCE]

    counts["targets"] = write(out / "targets.csv", ["mineral", "stage", "indicator", "comparator", "value", "year", "kind", "baseline_year", "source"], targets())

    def dependency():
        for m in mineral_ids:
            for stage in stages[m]:
                base = rng.dirichlet(np.ones(origins - 2)) * 0.85
                foreign = list(rng.choice(NON_ALIGNED, size=origins - 2, replace=False))
                for member in member_codes:
                    volume = rng.uniform(100, 10000)
                    for y in range(first_year, cycle + 1):
                        drift = 1 - 0.01 * (y - first_year)
                        shares = np.append(base * drift, [0.1 + (1 - drift) * 0.85, 0.05])
                        for origin, share in zip(foreign + [member, "XXX"], shares):
                            yield [y, member, m, stage, origin, round(volume * share * rng.uniform(0.9, 1.1), 1), SOURCE]

    counts["dependency"] = write(out / "dependency.csv", ["year", "member", "mineral", "stage", "origin", "quantity_t", "source"], dependency())

    def production():
        for m in mineral_ids:
            producers = list(rng.choice(NON_ALIGNED, size=5, replace=False)) + member_codes[:2] + ["XXX"]
            for y in (cycle - 2, cycle - 1):
                for country in producers:
                    yield [y, m, "mining", country, round(rng.uniform(100, 100000)), f"Synthetic edition {cycle - 1}"]

    counts["production"] = write(out / "production.csv", ["year", "mineral", "stage", "country", "quantity_t", "source"], production())

    def projects():
        n = 0
        for m in mineral_ids:
            for stage in stages[m][:2]:
                n += 1
                host = member_codes[n % len(member_codes)] if n % 4 else NON_ALIGNED[n % len(NON_ALIGNED)]
                first = cycle + 1 + n % 3
                before = STATUSES[n % 6]
                now = STATUSES[min(n % 6 + (n % 3 == 0), 6)] if n % 11 else "cancelled"
                for as_of, status, expected in ((cycle - 1, before, first), (cycle, now, first + (n % 5 == 0))):
                    capex = round(rng.uniform(50, 2000))
                    yield [as_of, f"S{n:04d}", f"Synthetic project {n}", m, stage, host, member_codes[n % len(member_codes)], status, round(rng.uniform(100, 50000)), capex, round(capex * 0.3), expected, first, "true" if n % 7 == 0 else "false"]

    counts["projects"] = write(out / "projects.csv", ["as_of", "project_id", "name", "mineral", "stage", "host_country", "sponsors", "status", "capacity_t", "capex_musd", "public_finance_musd", "expected_online", "first_reported_online", "priority"], projects())

    def stockpiles():
        for i, member in enumerate(member_codes):
            for j, m in enumerate(mineral_ids):
                if (i + j) % 3:
                    continue
                consumption = rng.uniform(1000, 50000)
                for y in (cycle - 2, cycle - 1):
                    yield [y, member, m, round(consumption * rng.uniform(10, 90) / 365, 1), round(consumption, 1), 60, "true" if (i + j) % 2 else "false"]

    counts["stockpiles"] = write(out / "stockpiles.csv", ["year", "member", "mineral", "holdings_t", "annual_consumption_t", "target_days", "confidential"], stockpiles())

    def recycling():
        for member in member_codes:
            for m in mineral_ids:
                consumption = rng.uniform(1000, 50000)
                for y in range(max(first_year, cycle - 5), cycle):
                    output = consumption * rng.uniform(0.01, 0.3)
                    yield [y, member, m, round(output, 1), round(output * 1.3, 1), round(consumption, 1)]

    counts["recycling"] = write(out / "recycling.csv", ["year", "member", "mineral", "recycled_output_t", "capacity_t", "consumption_t"], recycling())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minerals", type=int, default=40)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--origins", type=int, default=6, help="origins per member, mineral and stage (at least 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    counts = make_cycle(args.out, args.minerals, args.members, args.years, args.seed, max(3, args.origins))
    print(", ".join(f"{k} {v:,}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
