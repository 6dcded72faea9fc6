"""Validating a cycle's inputs with Great Expectations (ephemeral context, offline, quiet).

Rules run in two passes. The raw pass checks the strings the analyst typed: required
columns, empty cells, and types (as regular expressions, so a bad number is reported
with its text). The typed pass checks values: ranges, sets, keys, and rules across
tables (codes exist, stages belong to their mineral). Each expectation carries the
human wording of its rule, which is what the error report and the data-quality annex
print.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from review.inputs.config import CONFIG_FILE, STATUSES, ConfigError, ReviewConfig, load_config
from review.inputs.data import BOOL, FLOAT, INT, STR, TABLES, RawTable, read_raw, table_files, typed
from review.inputs.problems import Problem, show_value

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

INDICATORS_WITH_STAGE = ("single_supplier_dependency",)
INDICATORS_WITHOUT_STAGE = ("recycling_share", "stockpile_cover_days")
SHARE_INDICATORS = ("single_supplier_dependency", "recycling_share")
UNATTRIBUTED = "XXX"
EU = "EUU"
FIRST_YEAR = 1990
TYPE_PATTERNS = {
    # digits are bounded so that every number that passes is finite (1e309 would be infinity)
    INT: (r"^\s*[+-]?\d{1,9}\s*$", "must be a whole number (at most 9 digits)"),
    FLOAT: (r"^\s*[+-]?(\d{1,15}(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?\s*$", "must be a number (such as 1250, 0.35 or 1.2e6; at most 15 digits before the point and a 2-digit exponent)"),
    BOOL: (r"^(?i:true|false)$", "must be true or false"),
}
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: The largest plausible value of a number column, by how its name ends: tonnes (a trillion;
#: world production of any mineral is far below), million USD (ten trillion dollars) and days (a century).
UPPER_BOUNDS = {"_t": (1e12, "1,000,000,000,000 t"), "_musd": (1e7, "USD 10,000,000 million"), "_days": (36_500, "36,500 days (a century)")}
#: Any other number column (prices, target values) lies within plus or minus this.
ANY_NUMBER = (1e12, "1,000,000,000,000")
#: Longest text of a free-text or identifier column (columns checked against a list of codes need none):
#: identifiers become file names, anchors and table keys; names and sources are printed in tables.
TEXT_CHARS = {"id": 40, "project_id": 40, "scenario": 40, "stages": 200, "name": 200, "basis": 200, "unit_basis": 200, "product": 200, "source": 500, "description": 1000}
#: Price units, and the one only tungsten is priced in (1 mtu WO3 = 10 kg WO3 = 7.93 kg W).
PRICE_UNITS = ("USD/kg", "USD/t", "USD/lb", "USD/mtu WO3")
TUNGSTEN_UNIT, TUNGSTEN = "USD/mtu WO3", "tungsten"
FLOOR_STATUSES = ("in force", "proposed")
#: A column added to traceability.csv for validation only: the member's sourcing of that
#: year, mineral and stage in dependency.csv, so verified tonnes can be checked against it.
SOURCED_T = "_sourced_t"


@dataclass
class RuleResult:
    """One rule as checked, for the data-quality annex."""

    file: str
    column: str | None
    rule: str
    checked: int
    failed: int


@dataclass
class Validation:
    """What validating a cycle found: its settings, typed tables, problems and per-rule results."""

    config: ReviewConfig | None
    tables: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    results: list[RuleResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Rule:
    rule: str
    column: str | None
    expectation: object
    show: object = None  # turns an unexpected value into what the analyst typed (see MINERAL_STAGE)
    suggest: object = None  # the closest valid value to an unexpected one, for "did you mean" (see closest)


#: A column added to a typed frame for validation only: "<mineral>\x1f<stage>". GE checks
#: pairs of columns row by row in Python (minutes on a million rows); one column of pairs
#: is checked with a vectorised set lookup.
MINERAL_STAGE = "_mineral_stage"
PAIR_SEPARATOR = "\x1f"


def iso3_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes, from pycountry's maintained list."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.countries)


def _defer_scipy_stats() -> None:
    """Load scipy.stats when it is first used, not when Great Expectations imports it.

    Great Expectations imports scipy.stats for expectations this review never asks for
    (Kullback-Leibler divergence, Kolmogorov-Smirnov tests): about 0.8 s of the 2.6 s its
    import costs, paid again by every build that re-checks a changed table without the warm
    server. A lazy module in its place loads the real one on first attribute access.
    """
    if "scipy.stats" in sys.modules:
        return
    spec = importlib.util.find_spec("scipy.stats")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["scipy.stats"] = module
    sys.modules["scipy"].stats = module  # as an import of the submodule would
    loader.exec_module(module)


def _context():
    _defer_scipy_stats()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    return context, context.data_sources.add_pandas("inputs")


#: Country names and codes people type that ISO 3166-1 alpha-3 spells otherwise.
COUNTRY_ALIASES = {"UK": "GBR", "EU": "EUU"}


def closest(value, choices) -> str | None:
    """The valid value an unknown one most likely meant ('UK' -> GBR, 'rare earths' -> rare-earths), or None.

    Tried in turn: the same text in another case or with hyphens for spaces; for country
    codes, a known alias or the country's alpha-2 code or name (pycountry); then the
    closest spelling (difflib).
    """
    import difflib

    choices = {str(c) for c in choices}
    if not isinstance(value, str) or not choices or value in choices:
        return None
    text = value.strip()
    for candidate in (text, text.upper(), text.lower(), "-".join(text.lower().replace("_", " ").split())):
        if candidate in choices and candidate != value:
            return candidate
    if all(re.fullmatch(r"[A-Z]{3}", c) for c in choices):  # country codes
        import pycountry

        alias = COUNTRY_ALIASES.get(text.upper())
        try:
            alias = alias or pycountry.countries.lookup(text).alpha_3
        except LookupError:
            pass
        if alias in choices:
            return alias
    match = difflib.get_close_matches(text, sorted(choices), n=1, cutoff=0.6) or difflib.get_close_matches(text.lower(), sorted(choices), n=1, cutoff=0.6)
    return match[0] if match else None


def _in_set(column: str, values, rule: str) -> _Rule:
    import great_expectations as gx

    return _Rule(rule, column, gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=sorted(values)), suggest=lambda value: closest(value, values))


def _between(column: str, low=None, high=None, rule: str | None = None, strict_low=False) -> _Rule:
    import great_expectations as gx

    if rule is None:
        if high is None:
            rule = f"must be {'greater than' if strict_low else 'at least'} {low}"
        else:
            rule = f"must be between {low} and {high}"
    exp = gx.expectations.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high, strict_min=strict_low
    )
    return _Rule(rule, column, exp)


def _regex(column: str, pattern: str, rule: str) -> _Rule:
    import great_expectations as gx

    return _Rule(rule, column, gx.expectations.ExpectColumnValuesToMatchRegex(column=column, regex=pattern))


def _a_at_least_b(a: str, b: str, rule: str, strict=False) -> _Rule:
    import great_expectations as gx

    exp = gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=a, column_B=b, or_equal=not strict, ignore_row_if="either_value_is_missing"
    )
    return _Rule(rule, b, exp)


def _raw_rules(raw: RawTable) -> list[_Rule]:
    import great_expectations as gx

    rules = []
    present = set(raw.frame.columns)
    for col in raw.spec.columns:
        if col.name not in present:
            if col.required:
                rules.append(_Rule("required column must be in the header", col.name, gx.expectations.ExpectColumnToExist(column=col.name)))
            continue
        if not col.nullable:
            rules.append(_Rule("must not be empty", col.name, gx.expectations.ExpectColumnValuesToNotBeNull(column=col.name)))
        if col.kind in TYPE_PATTERNS:
            pattern, wording = TYPE_PATTERNS[col.kind]
            rules.append(_regex(col.name, pattern, wording))
    return rules


@dataclass
class _Reference:
    """Code lists other tables are checked against (empty when the reference table is unusable)."""

    members: frozenset = frozenset()
    partners: frozenset = frozenset()
    minerals: frozenset = frozenset()
    pairs: frozenset = frozenset()
    stages: frozenset = frozenset()
    #: The scenarios demand.csv gives each mineral.
    demand_scenarios: dict = field(default_factory=dict)
    #: Sourcing in tonnes by (year, member, mineral, stage), from dependency.csv.
    sourced: dict = field(default_factory=dict)
    ok: set = field(default_factory=set)


def _reference(tables: dict) -> _Reference:
    ref = _Reference()
    if "members" in tables:
        ref.members = frozenset(tables["members"]["code"].dropna())
        ref.ok.add("members")
    if "partners" in tables:
        ref.partners = frozenset(tables["partners"]["code"].dropna())
        ref.ok.add("partners")
    if "minerals" in tables:
        frame = tables["minerals"].dropna(subset=["id", "stages"])
        ref.minerals = frozenset(frame["id"])
        ref.pairs = frozenset((m, s) for m, stages in zip(frame["id"], frame["stages"]) for s in stages.split(";"))
        ref.stages = frozenset(s for _, s in ref.pairs)
        ref.ok.add("minerals")
    if "demand" in tables:
        frame = tables["demand"].dropna(subset=["mineral", "scenario"])
        ref.demand_scenarios = frame.groupby("mineral")["scenario"].agg(frozenset).to_dict()
    if "dependency" in tables:
        frame = tables["dependency"].dropna(subset=["year", "member", "mineral", "stage", "quantity_t"])
        ref.sourced = frame.groupby(["year", "member", "mineral", "stage"])["quantity_t"].sum().to_dict()
        ref.ok.add("dependency")
    return ref


def _with_sourcing(name: str, frame, ref: _Reference):
    """traceability.csv with SOURCED_T added (0 where dependency.csv has no such sourcing)."""
    if name != "traceability" or "dependency" not in ref.ok:
        return frame
    keys = zip(frame["year"], frame["member"], frame["mineral"], frame["stage"])
    return frame.assign(**{SOURCED_T: [float(ref.sourced.get(k, 0.0)) for k in keys]})


def _member_rule(column: str, ref: _Reference) -> list[_Rule]:
    return [_in_set(column, ref.members, "must be a member code listed in members.csv")] if "members" in ref.ok else []


def _mineral_rules(ref: _Reference, with_stage: bool = True) -> list[_Rule]:
    import great_expectations as gx

    if "minerals" not in ref.ok:
        return []
    rules = [_in_set("mineral", ref.minerals, "must be a mineral id listed in minerals.csv")]
    if with_stage:
        rules.append(
            _Rule(
                "stage must be one of the mineral's stages in minerals.csv",
                "stage",
                gx.expectations.ExpectColumnValuesToBeInSet(column=MINERAL_STAGE, value_set=sorted(f"{m}{PAIR_SEPARATOR}{s}" for m, s in ref.pairs)),
                show=lambda value: tuple(value.split(PAIR_SEPARATOR, 1)),
                suggest=lambda value: closest(value.split(PAIR_SEPARATOR, 1)[1], {s for m, s in ref.pairs if m == value.split(PAIR_SEPARATOR, 1)[0]}),
            )
        )
    return rules


def _with_pairs(frame, ref: _Reference):
    """The typed frame with MINERAL_STAGE added where a table has both columns.

    Rows missing either are left out, and so are rows whose mineral is unknown: the
    mineral rule reports them, once.
    """
    if "mineral" not in frame.columns or "stage" not in frame.columns:
        return frame
    both = frame["mineral"].notna() & frame["stage"].notna() & frame["mineral"].isin(ref.minerals)
    pairs = (frame["mineral"].astype(str) + PAIR_SEPARATOR + frame["stage"].astype(str)).where(both)
    return frame.assign(**{MINERAL_STAGE: pairs})


def _plausible_rules(spec) -> list[_Rule]:
    """Bounds that hold for every table: numbers within a plausible magnitude, texts within a length.

    Every number that reaches here is finite (the type patterns bound its digits), so
    neither a value nor a sum of a few million of them can overflow to infinity.
    """
    import great_expectations as gx

    rules = []
    for col in spec.columns:
        if col.kind == FLOAT:
            bound = next((bound for end, bound in UPPER_BOUNDS.items() if col.name.endswith(end)), None)
            if bound is None:
                high, words = ANY_NUMBER
                rules.append(_between(col.name, -high, high, f"must be between -{words} and {words}"))
            else:
                high, words = bound
                rules.append(_Rule(f"must be at most {words}", col.name, gx.expectations.ExpectColumnValuesToBeBetween(column=col.name, max_value=high)))
        elif col.kind == STR and col.name in TEXT_CHARS:
            most = TEXT_CHARS[col.name]
            rules.append(_Rule(f"must be at most {most} characters", col.name, gx.expectations.ExpectColumnValueLengthsToBeBetween(column=col.name, max_value=most)))
            # bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) would make the
            # text display in another order than it is stored ("Trojan Source")
            rules.append(_regex(col.name, r"^[^\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]*$", "must be one line of text (no tabs, line breaks, other control characters or bidirectional overrides)"))
    if spec.name == "targets":
        from great_expectations.expectations.row_conditions import Column as Where

        high, words = UPPER_BOUNDS["_days"]
        rules.append(
            _Rule(
                f"a stockpile cover target must be at most {words}",
                "value",
                gx.expectations.ExpectColumnValuesToBeBetween(column="value", max_value=high, row_condition=Where("indicator").is_in(("stockpile_cover_days",))),
            )
        )
    return rules


def _price_unit_rules() -> list[_Rule]:
    """A price or a floor is in one of the price units; USD/mtu WO3 only for tungsten."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column as Where

    return [
        _in_set("unit", PRICE_UNITS, "must be one of " + ", ".join(PRICE_UNITS)),
        _Rule(
            f"{TUNGSTEN_UNIT} is a unit for tungsten only",
            "unit",
            gx.expectations.ExpectColumnValuesToNotBeInSet(column="unit", value_set=[TUNGSTEN_UNIT], row_condition=Where("mineral").is_not_in([TUNGSTEN])),
        ),
    ]


def _typed_rules(name: str, config: ReviewConfig | None, ref: _Reference, iso3: frozenset) -> list[_Rule]:
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column as Where

    E = gx.expectations
    last_year = config.cycle if config else 2100
    years = f"must be a year from {FIRST_YEAR} to {last_year} (the cycle)"
    countries = "must be an ISO 3166-1 alpha-3 country code, or XXX for other countries"
    spec = TABLES[name]
    rules: list[_Rule] = [
        _Rule(
            f"({', '.join(spec.key)}) must be unique",
            spec.key[0],
            E.ExpectCompoundColumnsToBeUnique(column_list=list(spec.key)) if len(spec.key) > 1 else E.ExpectColumnValuesToBeUnique(column=spec.key[0]),
        )
    ]
    rules += _plausible_rules(spec)
    if name == "members":
        rules += [
            _in_set("code", iso3 | {EU}, "must be an ISO 3166-1 alpha-3 country code, or EUU for the European Union"),
            _in_set("group", ("G7", "partner"), "must be G7 or partner"),
            _between("joined", FIRST_YEAR, last_year, years),
        ]
    elif name == "partners":
        rules.append(_in_set("code", iso3, "must be an ISO 3166-1 alpha-3 country code"))
        if "members" in ref.ok:
            rules.append(
                _Rule(
                    "must not also be listed in members.csv (a member is aligned already)",
                    "code",
                    E.ExpectColumnValuesToNotBeInSet(column="code", value_set=sorted(ref.members)),
                )
            )
    elif name == "minerals":
        rules += [
            _regex("id", SLUG, "must be a lower-case slug such as rare-earths"),
            _regex("stages", r"^[a-z][a-z0-9-]*(;[a-z][a-z0-9-]*)*$", "must be stage names separated by ';' such as mining;refining"),
            _in_set("priority", ("high", "medium", "low"), "must be high, medium or low"),
        ]
    elif name == "targets":
        rules += _mineral_rules(ref)
        rules += [
            _in_set("indicator", SHARE_INDICATORS + ("stockpile_cover_days",), "must be single_supplier_dependency, recycling_share or stockpile_cover_days"),
            _in_set("comparator", ("max", "min"), "must be max or min"),
            _in_set("kind", ("target", "ambition"), "must be target or ambition"),
            _Rule(
                "stage must be given for single_supplier_dependency",
                "stage",
                E.ExpectColumnValuesToNotBeNull(column="stage", row_condition=Where("indicator").is_in(INDICATORS_WITH_STAGE)),
            ),
            _Rule(
                "stage must be empty for recycling_share and stockpile_cover_days",
                "stage",
                E.ExpectColumnValuesToBeNull(column="stage", row_condition=Where("indicator").is_in(INDICATORS_WITHOUT_STAGE)),
            ),
            _Rule(
                "a share target must be between 0 and 1",
                "value",
                E.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=1, row_condition=Where("indicator").is_in(SHARE_INDICATORS)),
            ),
            _between("value", 0),
            _between("baseline_year", FIRST_YEAR, last_year, years),
            _between("year", FIRST_YEAR, 2100),
            _a_at_least_b("year", "baseline_year", "baseline_year must be before the target year", strict=True),
        ]
    elif name == "dependency":
        rules += _member_rule("member", ref) + _mineral_rules(ref)
        rules += [
            _between("year", FIRST_YEAR, last_year, years),
            _in_set("origin", iso3 | {UNATTRIBUTED}, countries),
            _between("quantity_t", 0),
        ]
    elif name == "production":
        rules += _mineral_rules(ref)
        rules += [
            _between("year", FIRST_YEAR, last_year, years),
            _in_set("country", iso3 | {UNATTRIBUTED}, countries),
            _between("quantity_t", 0),
            _regex("source", r"\b(19|20)\d\d\b", "must name its edition year, such as 'USGS MCS 2025'"),
        ]
    elif name == "projects":
        rules += _mineral_rules(ref)
        if "members" in ref.ok:
            codes = "|".join(sorted(map(re.escape, ref.members))) or "(?!)"
            rules.append(_regex("sponsors", rf"^({codes})(;({codes}))*$", "must be member codes from members.csv separated by ';'"))
        rules += [
            _between("as_of", FIRST_YEAR, last_year, years),
            _in_set("host_country", iso3 | {UNATTRIBUTED}, countries),
            _in_set("status", STATUSES, "must be one of " + ", ".join(STATUSES)),
            _between("capacity_t", 0),
            _between("capex_musd", 0),
            _between("public_finance_musd", 0),
            _a_at_least_b("capex_musd", "public_finance_musd", "public finance must not exceed capex"),
            _between("expected_online", FIRST_YEAR, 2100),
            _between("first_reported_online", FIRST_YEAR, 2100),
            _between("output_t", 0),
            _a_at_least_b("capacity_t", "output_t", "output must not exceed the project's capacity"),
        ]
    elif name == "stockpiles":
        rules += _member_rule("member", ref) + _mineral_rules(ref, with_stage=False)
        rules += [
            _between("year", FIRST_YEAR, last_year, years),
            _between("holdings_t", 0),
            _between("annual_consumption_t", 0, strict_low=True),
            _between("target_days", 0, strict_low=True),
        ]
    elif name == "prices":
        rules += _mineral_rules(ref)
        rules += [
            _between("year", FIRST_YEAR, last_year, years),
            _between("price", 0, strict_low=True),
            *_price_unit_rules(),
        ]
    elif name == "price_floors":
        rules += _mineral_rules(ref)
        if "members" in ref.ok:
            rules.append(_in_set("scope", ref.members | {"alliance"}, "must be a member code listed in members.csv, or alliance"))
        rules += [
            _between("floor", 0, strict_low=True),
            _between("volume_t", 0, strict_low=True),
            *_price_unit_rules(),
            _between("since", FIRST_YEAR, 2100),
            _in_set("status", FLOOR_STATUSES, "must be in force or proposed"),
        ]
    elif name == "events":
        rules += _mineral_rules(ref, with_stage=False)
        rules += [
            _Rule("must be a date written YYYY-MM-DD", "date", E.ExpectColumnValuesToMatchStrftimeFormat(column="date", strftime_format="%Y-%m-%d")),
            _regex("date", rf"^(?!\d{{4}}-)|^({'|'.join(str(y) for y in range(FIRST_YEAR, last_year + 1))})-", f"must be a date from {FIRST_YEAR} to the end of {last_year} (the cycle)"),
            _in_set("country", iso3 | {EU, UNATTRIBUTED}, "must be an ISO 3166-1 alpha-3 country code, EUU for the European Union, or XXX"),
            _regex("kind", r"^[a-z][a-z0-9 -]*$", "must be a kind in lower-case words, such as export control"),
        ]
    elif name == "demand":
        rules += _mineral_rules(ref)
        rules += [
            _regex("scenario", SLUG, "must be a lower-case slug such as central or high"),
            _between("growth_rate", -0.5, 1, "must be a yearly growth rate between -0.5 and 1 (0.04 is 4% a year)"),
        ]
        if config is not None:
            headline = config.headline_scenario
            with_headline = sorted(m for m, scenarios in ref.demand_scenarios.items() if headline in scenarios)
            rule = f"every mineral in demand.csv needs a row for the headline scenario '{headline}' (review.yml headline_scenario)"
            rules.append(_Rule(rule, "mineral", E.ExpectColumnValuesToBeInSet(column="mineral", value_set=with_headline)))
    elif name == "traceability":
        rules += _member_rule("member", ref) + _mineral_rules(ref)
        rules += [
            _between("year", FIRST_YEAR, last_year, years),
            _between("verified_t", 0),
        ]
        if "dependency" in ref.ok:
            rules.append(_a_at_least_b(SOURCED_T, "verified_t", "verified tonnes must not exceed the member's sourcing in dependency.csv (same year, mineral and stage)"))
    elif name == "recycling":
        rules += _member_rule("member", ref) + _mineral_rules(ref, with_stage=False)
        rules += [
            _between("year", FIRST_YEAR, last_year, years),
            _between("recycled_output_t", 0),
            _between("capacity_t", 0),
            _between("consumption_t", 0, strict_low=True),
            _a_at_least_b("consumption_t", "recycled_output_t", "recycled output must not exceed consumption (share at most 1)"),
            _a_at_least_b("capacity_t", "recycled_output_t", "recycled output must not exceed recycling capacity"),
        ]
    return rules


def _run(source, name: str, frame, rules: list[_Rule], origins: list[tuple[str, int]]) -> tuple[list[Problem], list[RuleResult]]:
    """Run rules on one frame through GE; map unexpected rows back to their file, row and value."""
    import great_expectations as gx

    file = TABLES[name].file
    if not rules:
        return [], []
    asset = source.add_dataframe_asset(name=f"{name}-{len(source.assets)}")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=asset.name)
    for number, rule in enumerate(rules):
        rule.expectation.meta = {"rule": number}
        suite.add_expectation(rule.expectation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    problems, results = [], []
    for res in sorted(outcome.results, key=lambda r: r.expectation_config.meta["rule"]):
        rule = rules[res.expectation_config.meta["rule"]]
        info = res.exception_info or {}
        if info.get("raised_exception"):
            raise RuntimeError(f"validation rule '{rule.rule}' on {file} could not run: {info.get('exception_message')}")
        result = res.result or {}
        rows = result.get("unexpected_index_list") or []
        values = result.get("unexpected_list") or []
        if not res.success and not rows:  # table-level rule, e.g. a missing column
            problems.append(Problem(file, 1, rule.column, rule.rule, "(missing)"))
        for position, value in zip(rows, values):
            if isinstance(value, dict):
                value = tuple(value.values())
            elif isinstance(value, list):
                value = tuple(value)
            where, row = origins[int(position)]
            hint = rule.suggest(value) if rule.suggest else None
            problems.append(Problem(where, row, rule.column, rule.rule, show_value(rule.show(value) if rule.show else value), hint or ""))
        results.append(RuleResult(file, rule.column, rule.rule, int(result.get("element_count") or len(frame)), len(rows) or (0 if res.success else 1)))
    return problems, results


def _run_all(source, tasks: list[tuple]) -> list[tuple[list[Problem], list[RuleResult]]]:
    """`_run` of each task (table, frame, rules, origins), results in the tasks' order.

    The rule sets are independent of each other, so on a machine with more than one core a
    forked copy of this process runs part of them (balanced by their number of rules) while this
    process runs the rest: a cold validation of the sample's 18 rule sets takes about
    half the time, on the core that would otherwise wait for it. The copy sends its
    results back pickled and leaves with `os._exit` (no clean-up of this process's files).
    """
    import pickle

    if len(tasks) < 2 or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return [_run(source, *task) for task in tasks]
    # an expectation costs about 10 ms whatever the table's size (the sample's 10,440 sourcing rows add a few)
    weight = [len(rules) + len(frame) / 5000 for _, frame, rules, _ in tasks]
    mine, theirs, load = [], [], [0.0, 0.0]
    for i in sorted(range(len(tasks)), key=lambda i: -weight[i]):
        side = 0 if load[0] <= load[1] else 1
        (mine, theirs)[side].append(i)
        load[side] += weight[i]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: run its share, send it, leave
        os.close(read_end)
        try:
            payload = pickle.dumps((None, {i: _run(source, *tasks[i]) for i in theirs}))
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            payload = pickle.dumps((f"{type(exc).__name__}: {exc}", {}))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    try:
        done = {i: _run(source, *tasks[i]) for i in mine}
    finally:
        with os.fdopen(read_end, "rb") as back:
            payload = back.read()
        os.waitpid(pid, 0)
    error, theirs_done = pickle.loads(payload) if payload else ("the validation copy ended without a result", {})
    if error:
        raise RuntimeError(error)
    done.update(theirs_done)
    return [done[i] for i in range(len(tasks))]


def _table_keys(inputs: Path, config: ReviewConfig | None) -> dict[str, str]:
    """What a table's validation depends on: its files, the reference tables, the settings and the code."""
    from review.inputs.fingerprint import code_hash, key
    from review.inputs.fsutil import sha256_file

    files = {name: [sha256_file(p) for p in table_files(inputs, spec) if p.is_file()] for name, spec in TABLES.items()}
    reference = [files["members"], files["partners"], files["minerals"]]
    settings = config.model_dump_json() if config else None
    # traceability is checked against the sourcing in dependency.csv too
    extra = {"traceability": files["dependency"]}
    return {name: key("validated-table", name, files[name], reference, extra.get(name), settings, code_hash()) for name in TABLES}


def validate(inputs: Path, passed: Path | None = None) -> Validation:
    """Load and validate every table of a cycle; never raises for bad data (see `Validation.problems`).

    `passed` is a folder that remembers, by content, tables that passed every rule: a table
    whose files, reference tables, settings and code are unchanged is not checked again
    (its rule results are reused), so a change to one table re-validates that table only.
    """
    import json

    inputs = Path(inputs)
    try:
        config = load_config(inputs)
        outcome = Validation(config)
    except ConfigError as exc:
        outcome = Validation(None)
        outcome.problems += [Problem(CONFIG_FILE, line, key, msg) for line, key, msg in exc.problems]
    raws = {name: read_raw(inputs, spec) for name, spec in TABLES.items()}
    for raw in raws.values():
        outcome.problems += raw.problems
    keys = _table_keys(inputs, outcome.config) if passed is not None else {}
    remembered = {}
    for name, k in keys.items():
        if (passed / f"{k}.json").is_file() and raws[name].frame is not None:
            try:
                remembered[name] = json.loads((passed / f"{k}.json").read_text())
            except ValueError:  # a truncated or garbled entry is forgotten: the table is validated again
                pass
    absent = {name for name, raw in raws.items() if raw.absent}  # optional tables the cycle leaves out: no rule to check
    source = _context()[1] if len(remembered) + len(absent) < len(TABLES) else None
    usable, origins, raw_results, typed_results, failed = {}, {}, {}, {}, set()
    tasks = []  # (pass's results, table, frame, rules, origins): every rule set to run, run together below
    for name, raw in raws.items():
        if raw.frame is None:
            continue
        if raw.absent:
            usable[name], origins[name] = typed(raw), []
            continue
        if name in remembered:
            raw_results[name] = [RuleResult(**r) for r in remembered[name]["raw"]]
        else:
            raw_results[name] = None  # keeps the table's place in the results' order
            tasks.append((raw_results, name, raw.frame, _raw_rules(raw), raw.origins))
        missing = [c.name for c in raw.spec.columns if c.required and c.name not in raw.frame.columns]
        if not missing:
            usable[name] = typed(raw)
            origins[name] = raw.origins
    ref = _reference(usable)
    iso3 = iso3_codes()
    for name, frame in usable.items():
        if name in absent:
            continue
        if name in remembered:
            typed_results[name] = [RuleResult(**r) for r in remembered[name]["typed"]]
            continue
        typed_results[name] = None
        tasks.append((typed_results, name, _with_sourcing(name, _with_pairs(frame, ref), ref), _typed_rules(name, outcome.config, ref, iso3), origins[name]))
    for (results, name, *_), (problems, found) in zip(tasks, _run_all(source, [task[1:] for task in tasks])):
        results[name] = found
        outcome.problems += problems
        failed |= {name} if problems else set()
    if passed is not None and not outcome.problems:
        passed.mkdir(parents=True, exist_ok=True)
        for name in usable:
            if name not in remembered and name not in failed and name not in absent:
                record = {"raw": [asdict(r) for r in raw_results[name]], "typed": [asdict(r) for r in typed_results[name]]}
                (passed / f"{keys[name]}.json").write_text(json.dumps(record))
    outcome.results = [r for name in raw_results for r in raw_results[name]] + [r for name in typed_results for r in typed_results[name]]
    order = {path.name: i for i, spec in enumerate(TABLES.values()) for path in table_files(inputs, spec)}
    outcome.problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))
    outcome.tables = {name: frame.reset_index(drop=True) for name, frame in usable.items()}
    return outcome


# --- warnings: suspicious but valid inputs (drafts must still build) ----------------------------


PIPELINE_STATUSES = STATUSES[:6]  # announced .. commissioning: not yet operating, not ended


def project_warnings(tables: dict, cycle: int) -> list[str]:
    """Projects of the cycle's list that look carried forward without an update, as sentences.

    - a project still in the pipeline whose `expected_online` is before its `as_of` year
      (its date has passed: it is operating, late, or ended);
    - a project `operating` in an aligned country while no sourcing of its mineral and
      stage comes from that country in the latest year of sourcing data: the projection
      assumes operating capacity is already in the sourcing data.
    Cancelled and suspended projects are not warned about: they are not expected online.
    """
    projects = tables["projects"]
    current = projects[projects["as_of"] == cycle]
    out = []
    for r in current[current["status"].isin(PIPELINE_STATUSES) & (current["expected_online"] < current["as_of"])].sort_values("project_id").itertuples():
        out.append(
            f"projects.csv: project {r.project_id} ({r.name}) is '{r.status}' as of {int(r.as_of)} but was expected online in {int(r.expected_online)}: "
            "update its status or expected_online"
        )
    aligned = frozenset(tables["members"]["code"]) | frozenset(tables["partners"]["code"])
    sourcing = tables["dependency"]
    for r in current[(current["status"] == "operating") & current["host_country"].isin(aligned)].sort_values("project_id").itertuples():
        part = sourcing[(sourcing["mineral"] == r.mineral) & (sourcing["stage"] == r.stage)]
        latest = part[part["year"] == part["year"].max()] if len(part) else part
        if latest[latest["origin"] == r.host_country]["quantity_t"].sum() <= 0:
            year = f" in {int(latest['year'].iloc[0])}" if len(latest) else ""
            out.append(
                f"projects.csv: project {r.project_id} ({r.name}) is operating in {r.host_country}, but no {r.mineral} {r.stage} sourcing from {r.host_country}"
                f" is reported{year}: its capacity is assumed to be in the sourcing data"
            )
    return out
