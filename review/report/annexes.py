"""The report's annexes: methodology, data quality, reproducibility and sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

from review.analysis.text import Markdown, markdown_code, markdown_text
from review.inputs.paths import PACKAGE, shipped
from review.report.markdown import pipe_table

ILLUSTRATIVE_MARK = "illustrative"


def render_template(template: str, **values) -> str:
    """A book template with every value escaped as plain text (review.analysis.text.markdown_text) but
    the Markdown this package made (tables, cross-references: `Markdown` values); `| code`
    makes an inline code span."""
    import jinja2

    # "{#" opens Pandoc attributes ({#sec-id}), so Jinja comments use other delimiters
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE / "templates" / "book"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        comment_start_string="<#--",
        comment_end_string="--#>",
        finalize=markdown_text,
    )
    env.filters["code"] = markdown_code
    return env.get_template(template).render(**values)


def methodology(snapshot_dir: Path | None = None) -> str:
    """docs/methodology.md, with the heading ids and annex class the book needs, and, from a
    snapshot, this review's own settings printed where the text refers to them
    (review_settings): who the members and partners are, and the status weights. They are
    read from the inputs, never typed into the text."""
    text = shipped("docs/methodology.md").read_text()
    inserts = {}
    if snapshot_dir is not None:
        from review.inputs import snapshot as snap

        inserts = review_settings(snap.read_config(snapshot_dir), snap.read_table(snapshot_dir, "members"), snap.read_table(snapshot_dir, "partners"))
    weights = inserts.pop(WEIGHTS_AT, None)
    if weights is not None:
        text = text.replace(WEIGHTS_AT, weights, 1)
    lines = text.splitlines()
    out = []
    section = None
    for line in lines:
        if line.startswith("## ") and section in inserts:  # a section's own settings close its last paragraph
            while out and not out[-1].strip():
                out.pop()
            out += [inserts.pop(section), ""]
        if line.startswith("# "):
            line = f"{line} {{#sec-methodology .appendix}}"
        elif line.startswith("## "):
            section = line[3:]
            line = f"{line} {{#sec-methodology-{re.sub(r'[^a-z0-9]+', '-', section.lower()).strip('-')}}}"
        out.append(line)
    if section in inserts:
        out += ["", inserts.pop(section)]
    return "\n".join(out) + "\n"


#: Where the methodology refers to the status weights: this review's are printed there.
WEIGHTS_AT = "(`status_weights` in `review.yml`)"


def review_settings(config, members, partners) -> dict[str, str]:
    """The settings the methodology refers to, as this review's inputs give them (Markdown;
    names from the inputs escaped): keyed by the methodology section they close ('Who counts
    as aligned': the members by group, the partners by basis), or by the text they replace
    (WEIGHTS_AT: the status weights of review.yml). The annex named neither: the reader could
    not check which countries are aligned or what weight a project in permitting gets."""
    from review.analysis.narrative import joined

    def names(frame) -> str:
        return joined([str(markdown_text(n)) for n in frame["name"]])

    # members.csv's group "partner" is a member that joined as a partner country: "(partner)" beside
    # "Partners:" (partners.csv, aligned countries that are not members) named two groups alike
    members_said = "; ".join(f"{names(part)} ({('joined as a partner country' if len(part) == 1 else 'joined as partner countries') if group == 'partner' else markdown_text(group)})" for group, part in members.groupby("group", sort=False))
    if "basis" in partners and len(partners):
        partners_said = "; ".join(f"{names(part)} ({markdown_text(basis)})" for basis, part in partners.fillna({"basis": "aligned"}).groupby("basis", sort=False))
    else:
        partners_said = names(partners) or "none"
    weights = ", ".join(f"{markdown_text(status)} {weight:.2f}" for status, weight in config.status_weights.items())
    return {
        "Who counts as aligned": f"**In this review**, members: {members_said}. Partners, aligned but not members: {partners_said}.",
        WEIGHTS_AT: f"(`status_weights` in `review.yml`; in this review {weights})",
    }


ANNEX_FILE = "annex.json"


def annex_facts(tables: dict, submissions: list[dict] = ()) -> dict:
    """What the data-quality and sources annexes report, taken from the edition's tables when the
    snapshot is written (so assembling the book needs no data library): revisions between source
    editions, totals withheld and why, confidential figures, every source with its tables, and the
    members' returns from the cycle's submissions log (review.inputs.ingest.read_log; without the
    SHA-256 of the returned files, which the public edition never records)."""
    from review.analysis.indicators import production_revisions, reporting_members
    from review.analysis.narrative import marked_illustrative
    from review.inputs.data import TABLES

    revisions = production_revisions(tables["production"])
    totals = tables["stockpile_totals"]
    withheld = [
        {"total": what, "mineral": r.mineral, "year": int(r.year), "contributors": int(r.contributors), "reason": r.withheld_because}
        for what, name in (("stockpile cover", "stockpile_totals"), ("recycling share", "recycling_totals"))
        for r in tables[name][~tables[name]["disclosed"].astype(bool)].itertuples()
    ]
    targets = tables["targets"]
    illustrative_targets = set(targets.loc[marked_illustrative(targets), "source"])
    found: dict[str, dict] = {}
    for name in TABLES:  # every input table that names its sources (demand.csv's scenario rates too)
        frame = tables[name]
        if "source" not in frame.columns:
            continue
        for source, count in frame["source"].fillna("(not given)").value_counts().sort_index().items():
            entry = found.setdefault(source, {"source": source, "tables": [], "rows": 0})
            entry["tables"].append(f"{name}.csv")
            entry["rows"] += int(count)
    for entry in found.values():
        entry["illustrative"] = ILLUSTRATIVE_MARK in entry["source"].lower() or entry["source"] in illustrative_targets
    return {
        "revisions": [
            {k: (int(v) if k in ("year", "previous_edition", "revised_edition") else float(v) if k.endswith("_t") else v) for k, v in r.items()}
            for r in revisions.to_dict("records")
        ],
        "withheld": withheld,
        "confidential_figures": int(totals["confidential_contributors"].sum()),
        "sources": [found[s] for s in sorted(found)],
        "coverage": reporting_members(tables).to_dict("records"),
        "provisional": _provisional_facts(tables["indicators"]),
        "submissions": [{k: entry.get(k, "") for k in ("received", "member", "file", "rows", "replaced")} for entry in submissions],
    }


def _provisional_facts(indicators) -> list[dict]:
    """The coverage behind each provisional Alliance figure: table, mineral, stage, year, coverage, members missing."""
    from review.analysis.indicators import ALLIANCE, COVERED, PROVISIONAL

    flagged = indicators[(indicators["status"] == PROVISIONAL) & (indicators["scope"] == ALLIANCE)]
    out = []
    for r in indicators[indicators["indicator"] == "coverage"].itertuples(index=False):
        table, _, who = r.detail.partition("; ")
        hit = flagged[flagged["indicator"].isin(COVERED[table][2]) & (flagged["mineral"] == r.mineral) & (flagged["stage"] == r.stage) & (flagged["year"] == r.year)]
        if len(hit):
            out.append({"table": table, "mineral": r.mineral, "stage": r.stage, "year": int(r.year), "coverage": float(r.value), "missing": who.removeprefix("missing ")})
    return out


def _facts(snapshot_dir: Path) -> dict:
    return json.loads((Path(snapshot_dir) / ANNEX_FILE).read_text())


def year_runs(coverage: list[dict]) -> list[tuple[dict, str]]:
    """Consecutive years of one table with the same members reporting as one row: (first row, '2020-2026').

    Seven identical rows of "12 of 12, none" say one thing; the rows that differ stay apart."""
    runs: list[list[dict]] = []
    for c in coverage:
        last = runs[-1][-1] if runs else None
        same = last is not None and (last["table"], last["reported"], last["members"], last["missing"]) == (c["table"], c["reported"], c["members"], c["missing"]) and c["year"] == last["year"] + 1
        if same:
            runs[-1].append(c)
        else:
            runs.append([c])
    return [(run[0], str(run[0]["year"]) if len(run) == 1 else f"{run[0]['year']}\u2013{run[-1]['year']}") for run in runs]


def data_quality(snapshot_dir: Path) -> str:
    from review.inputs import snapshot as snap
    results = json.loads((Path(snapshot_dir) / snap.VALIDATION_FILE).read_text())
    meta = snap.read_meta(snapshot_dir)
    facts = _facts(snapshot_dir)
    by_file: dict[str, dict] = {}
    for r in results:
        f = by_file.setdefault(r["file"], {"rules": 0, "failed": 0})
        f["rules"] += 1
        f["failed"] += r["failed"]
    rows_of = {f"{name}.csv": t["rows"] for name, t in meta["tables"].items()}
    files = pipe_table(["File", "Rows", "Rules", "Failures"], [[f, f"{rows_of.get(f, 0):,}", v["rules"], v["failed"]] for f, v in by_file.items()], ("Rows", "Rules", "Failures"))
    rules = pipe_table(
        ["File", "Column", "Rule", "Rows checked", "Failures"],
        [[r["file"], r["column"] or "", r["rule"], f"{r['checked']:,}", r["failed"]] for r in results],
        ("Rows checked", "Failures"),
        mark=False,
    )
    revisions = facts["revisions"]
    # names, never codes ("rare-earths", "NGA"), as in the chapters
    from review.report.chapter import country_names

    names = country_names({t: snap.read_table(snapshot_dir, t) for t in ("members", "partners")})
    mineral_table = snap.read_table(snapshot_dir, "minerals")
    minerals = dict(zip(mineral_table["id"], mineral_table["name"]))
    rev_table = pipe_table(
        ["Year", "Mineral", "Stage", "Country", "Edition", "Figure, t", "Revised in", "Revised, t"],
        [[r["year"], minerals.get(r["mineral"], r["mineral"]), r["stage"], names.get(r["country"], r["country"]), r["previous_edition"], f"{r['previous_t']:,.0f}", r["revised_edition"], f"{r['revised_t']:,.0f}"] for r in revisions],
        ("Figure, t", "Revised, t"),
    )
    withheld = facts["withheld"]
    if meta["edition"] == "restricted":
        intro = "This is the restricted edition: every value is shown, including those reported as confidential."
    else:
        intro = (
            f"This public edition withholds every value of the stockpile rows reported as confidential ({facts['confidential_figures']} member-year figures across minerals), "
            "and the same consumption wherever another table shows it (with the recycling share made from it). "
            + snap.read_config(snapshot_dir).disclosure.statement()
        )
        if withheld:
            intro += f" {len(withheld)} totals are withheld:"
    coverage_rows = pipe_table(
        ["Table", "Years", "Members reporting", "Not reporting"],
        [[f"{c['table']}.csv", years, f"{c['reported']} of {c['members']}", ", ".join(names.get(m, m) for m in c["missing"].split(";") if m) or "none"] for c, years in year_runs(facts.get("coverage", []))],
        ("Years", "Members reporting"),
    )
    provisional = facts.get("provisional", [])
    provisional_rows = pipe_table(
        ["Table", "Mineral", "Stage", "Year", "Coverage", "Missing"],
        [[f"{p['table']}.csv", minerals.get(p["mineral"], p["mineral"]), p["stage"], p["year"], f"{p['coverage'] * 100:.1f}%", ", ".join(names.get(c, c) for c in p["missing"].split(";") if c)] for p in provisional],
        ("Year", "Coverage"),
    )
    submissions = facts.get("submissions", [])
    submission_rows = pipe_table(
        ["Received", "Member", "File", "Rows", "Replaced or removed"],
        [[e["received"].replace("T", " ").replace("Z", " UTC"), e["member"], e["file"], _counts(e["rows"]), _counts(e["replaced"], skip_zero=True) or "none"] for e in submissions],
    )
    withheld_rows = pipe_table(["Total", "Mineral", "Year", "Members", "Reason"], [[w["total"], minerals.get(w["mineral"], w["mineral"]), w["year"], w["contributors"], w["reason"]] for w in withheld]) if withheld else ""
    return render_template(
        "data-quality.md.j2",
        rules=len(results),
        checks=f"{sum(r['checked'] for r in results):,}",
        by_file=files,
        revisions=rev_table if revisions else "",
        revisions_count=len(revisions),
        coverage=coverage_rows,
        provisional=provisional_rows if provisional else "",
        coverage_threshold=f"{snap.read_config(snapshot_dir).coverage_threshold:.0%}",
        withheld=withheld_rows,
        submissions=submission_rows if submissions else "",
        withheld_intro=intro,
        rule_table=rules,
    )


def _counts(text: str, skip_zero: bool = False) -> str:
    """A log's `dependency=133;stockpiles=5` as words, 'dependency 133, stockpiles 5' (tables with none left out when asked)."""
    parts = [part.partition("=") for part in text.split(";") if part]
    return ", ".join(f"{table} {n}" for table, _, n in parts if not (skip_zero and n == "0"))


def _grouped(digest: str) -> str:
    """A SHA-256 in groups of 16 hex digits, so that it wraps inside the page's margins."""
    return " ".join(digest[i : i + 16] for i in range(0, len(digest), 16))


def reproducibility(identity: dict, cycle: int, edition_label: str) -> str:
    env = identity["environment"]
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    environment = pipe_table(
        ["", ""],
        [
            ["Alliance Review", identity["tool_version"]],
            ["Code version", identity["commit"]],
            ["Python", env["python"]],
            ["Lock file (uv.lock) SHA-256", _grouped(env["lock_sha256"]) if env["lock_sha256"] else "not available"],
            ["Packages", packages],
        ],
    )
    inputs = pipe_table(["Input", "Hash"], [[name, digest[:16]] for name, digest in sorted(identity["inputs"].items())])
    jobs = pipe_table(
        ["Notebook", "Parameters", "Cache key", "Output SHA-256", "Reused"],
        [[j["output"], ", ".join(f"{k}={v}" for k, v in j["parameters"].items() if k not in ("cycle", "snapshot")) or "(none)", j["key"][:12], j["sha256"][:12], "yes" if j["cached"] else "no"] for j in identity["jobs"]],
    )
    return render_template(
        "reproducibility.md.j2",
        cycle=cycle,
        edition_label=edition_label,
        date=identity["date"],
        commit=identity["commit"],
        manifest_hash_lines=_grouped(identity["manifest_hash"]),
        environment=environment,
        inputs=inputs,
        jobs=jobs,
    )


def sources(snapshot_dir: Path) -> tuple[str, str]:
    """The sources annex, and the sample-data notice for the front page ('' when all data are official)."""
    facts = _facts(snapshot_dir)
    found = facts["sources"]
    rows = [[e["source"], ", ".join(e["tables"]), f"{e['rows']:,}", "illustrative" if e["illustrative"] else "published"] for e in found]
    illustrative = any(e["illustrative"] for e in found)
    revised = "; where it revised a figure, the data-quality annex gives both editions." if facts["revisions"] else "."
    statement = (
        "Figures marked illustrative are sample data made for this build (consistent with the published market sizes, but not official statistics); world production figures are the U.S. Geological Survey's, the rest of the world derived as its world total less the countries it lists"
        + revised
        if illustrative
        else "All figures come from the published sources listed."
    )
    notice = Markdown(
        "Member sourcing, projects, stockpiles and recycling in this build are illustrative sample data, not official statistics, except where the sources annex names a publication; world production figures are published USGS data. See @sec-sources."
        if illustrative
        else ""
    )
    return render_template("sources.md.j2", statement=statement, sources=pipe_table(["Source", "Tables", "Rows", "Kind"], rows, ("Rows",))), notice


def annex_sources(snapshot_dir: Path, identity: dict) -> tuple[dict[str, str], str]:
    """Each annex's Markdown by file name, in order, and the front page's sample-data notice."""
    from review.inputs import snapshot as snap
    sources_text, notice = sources(snapshot_dir)
    edition = snap.edition(snapshot_dir)
    return (
        {
            "methodology": methodology(snapshot_dir),
            "data-quality": data_quality(snapshot_dir),
            "reproducibility": reproducibility(identity, snap.read_config(snapshot_dir).cycle, f"{edition} edition"),
            "sources": sources_text,
        },
        notice,
    )
