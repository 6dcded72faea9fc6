"""The cycle's settings (`review.yml`), validated with pydantic.

Every key but `cycle` has a default, so a new cycle's file can be two lines long.
"""

from __future__ import annotations

import reprlib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONFIG_FILE = "review.yml"

#: Project statuses in pipeline order; the last two end a project.
STATUSES = (
    "announced",
    "feasibility",
    "permitting",
    "financing",
    "construction",
    "commissioning",
    "operating",
    "suspended",
    "cancelled",
)

DEFAULT_STATUS_WEIGHTS = {
    "announced": 0.10,
    "feasibility": 0.20,
    "permitting": 0.35,
    "financing": 0.50,
    "construction": 0.80,
    "commissioning": 0.95,
    "operating": 1.00,
    "suspended": 0.00,
    "cancelled": 0.00,
}

Status = Literal[STATUSES]
#: The review's title is one line on the cover and in every running head.
TITLE_CHARS = 200


class DisclosureRule(BaseModel):
    """When an Alliance total that includes confidential values may be published (see review.analysis.disclosure).

    The p% rule with the two largest confidential values as the coalition, and a minimum
    number of confidential values (the methodology annex states it with a worked example).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    p: float = Field(10.0, gt=0, le=100)
    min_contributors: int = Field(3, ge=1, le=100)

    def statement(self) -> str:
        """The rule in one sentence, as the data-quality annex prints it."""
        return (
            f"An Alliance total that includes confidential values is shown only where at least {self.min_contributors} of them go into it "
            f"and the confidential values other than the two largest add up to at least {self.p:g}% of the largest (the p% rule), "
            f"so that no member can work out another member's confidential value from the published figures to within {self.p:g}%."
        )


#: Monte Carlo draws of the outlook (review.analysis.indicators.outlook): fewer than 1,000 gives a chance
#: too rough to print to the point; more than a million costs seconds per target for no visible gain.
MIN_DRAWS, MAX_DRAWS = 1_000, 1_000_000
#: A stated delay distribution may reach this many years late (a project later than that is not in a 2030 outlook).
MAX_DELAY_YEARS = 30


class OutlookSettings(BaseModel):
    """The outlook's Monte Carlo: how many draws, the seed, and the distribution of delays.

    `delays` is `history` (the empirical delays of the latest project list) or a mapping of
    years late to probability, e.g. {0: 0.5, 1: 0.5}. The seed defaults to the cycle and is
    recorded in the manifest, so `review reproduce` draws the same numbers.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    draws: int = Field(10_000, ge=MIN_DRAWS, le=MAX_DRAWS, strict=True)
    seed: int | None = Field(None, ge=0, le=2**32 - 1, strict=True)
    delays: Literal["history"] | dict[int, float] = "history"

    @field_validator("delays")
    @classmethod
    def _distribution(cls, delays):
        if isinstance(delays, str):
            return delays
        if not delays:
            raise ValueError("a delay distribution needs at least one entry, e.g. {0: 1.0}")
        for years, share in delays.items():
            if isinstance(years, bool) or not 0 <= years <= MAX_DELAY_YEARS:
                raise ValueError(f"years late must be whole numbers from 0 to {MAX_DELAY_YEARS} (got {years})")
            if not 0 <= share <= 1:
                raise ValueError(f"the probability of {years} years late must be between 0 and 1 (got {share})")
        total = sum(delays.values())
        if abs(total - 1) > 1e-9:
            raise ValueError(f"the probabilities must add up to 1 (they add up to {total:g})")
        return {int(k): float(v) for k, v in sorted(delays.items())}


class Collection(BaseModel):
    """The members' data round (`review collect`): the deadline the workbooks' instructions give."""

    model_config = ConfigDict(extra="forbid")
    deadline: date | None = None


class ReviewConfig(BaseModel):
    """One review cycle's settings."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    cycle: int = Field(ge=2000, le=2100)
    previous_cycle: int | None = Field(None, ge=2000, le=2100)
    previous_outputs: str | None = None  # the previous review's output folder, relative to the inputs folder (review.build.validated.previous_review_dir)
    title: str | None = Field(None, min_length=1, max_length=TITLE_CHARS)
    edition: Literal["public", "restricted"] = "public"
    status_weights: dict[Status, float] = Field(default_factory=lambda: dict(DEFAULT_STATUS_WEIGHTS))
    demand_growth: float = Field(0.03, ge=-0.5, le=1.0)
    at_risk_margin: float = Field(0.05, ge=0, le=1)
    #: An Alliance figure whose members held less than this share of the previous year's volume is provisional.
    coverage_threshold: float = Field(0.9, ge=0, le=1)
    disclosure: DisclosureRule = Field(default_factory=DisclosureRule)
    #: The stress test's share of the largest non-aligned supplier's volume that stops (1.0: all of it).
    disruption_severity: float = Field(1.0, gt=0, le=1)
    #: The demand scenario (demand.csv) the report leads with; a mineral without demand rows has this one only, at demand_growth.
    headline_scenario: str = Field("central", pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)
    #: Years a newly operating plant takes to reach capacity in the sourcing data (the ramp-up rule of the projection).
    ramp_up_years: int = Field(2, ge=1, le=20, strict=True)
    outlook: OutlookSettings = Field(default_factory=OutlookSettings)
    #: The members' data round (review collect); optional.
    collection: Collection | None = None

    @field_validator("title")
    @classmethod
    def _one_line(cls, title: str | None) -> str | None:
        if title is not None and not title.isprintable():
            raise ValueError("the title must be one line of printable text (no line breaks or control characters)")
        return title

    @model_validator(mode="after")
    def _fill_defaults(self) -> "ReviewConfig":
        if self.previous_cycle is None:
            self.previous_cycle = self.cycle - 1
        if self.previous_cycle >= self.cycle:
            raise ValueError(f"previous_cycle ({self.previous_cycle}) must be before cycle ({self.cycle})")
        if self.title is None:
            self.title = f"Critical Minerals Resilience and Production Alliance — Annual Review {self.cycle}"
        weights = dict(DEFAULT_STATUS_WEIGHTS)
        weights.update(self.status_weights)
        for status, weight in weights.items():
            if not 0 <= weight <= 1:
                raise ValueError(f"status_weights.{status} must be between 0 and 1 (got {weight})")
        self.status_weights = weights
        if self.outlook.seed is None:
            self.outlook.seed = self.cycle
        return self


class ConfigError(Exception):
    """`review.yml` is missing, unreadable or invalid; `problems` are (line, key, message)."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = problems
        super().__init__("; ".join(f"{key}: {msg}" for _, key, msg in problems))


#: review.yml holds a few dozen settings; a file far larger is a mistake (or an attack on the build).
MAX_CONFIG_BYTES = 64 * 1024
#: Scalars, mappings and lists in review.yml, counted before any is built (the settings need about 40).
MAX_CONFIG_NODES = 1000
#: Mappings and lists nested in review.yml (the settings nest two deep; the YAML composer recurses).
MAX_CONFIG_DEPTH = 10
#: A value quoted in a message is cut to this many characters.
SHOWN = reprlib.Repr()
SHOWN.maxstring = SHOWN.maxother = 60
SHOWN.maxlist = SHOWN.maxdict = SHOWN.maxset = 5
SHOWN.maxlevel = 2


def _cut(text: str, most: int = 60) -> str:
    """A name from the file, as a message shows it: at most `most` characters."""
    return text if len(text) <= most else text[: most - 3] + "..."


def _yaml_problems(text: str) -> list[tuple[int | None, str, str]]:
    """What makes review.yml unsafe to load, found from the parser's events before anything is built.

    Anchors and aliases are refused (an alias bomb expands a small file into gigabytes, and
    settings have no need to repeat themselves), so is a file of more than
    MAX_CONFIG_NODES values or more than MAX_CONFIG_DEPTH levels. Duplicate keys are refused at any depth: YAML lets the last
    one win silently.
    """
    import yaml

    nodes, problems = 0, []
    # the open mappings and lists: kind, key path, keys seen (line of each), children done, last key
    stack: list[dict] = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return [(line, "(file)", "must not use YAML anchors (&) or aliases (*): write each setting out")]
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            if stack:
                stack[-1]["done"] += 1
            continue
        if not isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            continue
        nodes += 1
        if nodes > MAX_CONFIG_NODES:
            return [(line, "(file)", f"has more than {MAX_CONFIG_NODES:,} values; review.yml holds a few dozen settings")]
        parent = stack[-1] if stack else None
        path = parent["path"] if parent else ""
        if parent and parent["kind"] == "map" and parent["done"] % 2 == 0:  # a key
            if not isinstance(event, yaml.ScalarEvent):
                problems.append((line, path or "(file)", "keys must be plain names"))
            elif event.value in parent["seen"]:
                where = f"{path}.{event.value}" if path else event.value
                problems.append((line, _cut(where), f"duplicate key: first given on line {parent['seen'][event.value]} (YAML would silently keep the last)"))
            else:
                parent["seen"][event.value] = line
            parent["key"] = getattr(event, "value", "?")
        elif parent and parent["kind"] == "map":  # a value
            path = f"{path}.{parent['key']}" if path else parent["key"]
        if isinstance(event, yaml.ScalarEvent):
            if parent:
                parent["done"] += 1
        else:
            stack.append({"kind": "map" if isinstance(event, yaml.MappingStartEvent) else "list", "path": path, "seen": {}, "done": 0, "key": ""})
            if len(stack) > MAX_CONFIG_DEPTH:
                return [(line, "(file)", f"nests more than {MAX_CONFIG_DEPTH} levels deep; settings nest at most two")]
    return problems


def _key_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of each top-level key, so errors can point into the file."""
    import yaml

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value}


def load_config(inputs: Path) -> ReviewConfig:
    """Read and validate `inputs/review.yml`; raise ConfigError naming the line and key.

    The file is checked before it is loaded (size, anchors and aliases, number of values,
    duplicate keys: see `_yaml_problems`), and values quoted in messages are shortened, so
    neither a huge nor a hostile file can make the build slow or large.
    """
    import yaml

    path = Path(inputs) / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(path, [(None, "(file)", "file is missing")])
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(path, [(None, "(file)", f"is {size:,} bytes; review.yml may be at most {MAX_CONFIG_BYTES:,} bytes (it holds a few dozen settings)")])
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_CONFIG_BYTES + 1).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [(None, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    if len(text) > MAX_CONFIG_BYTES:  # it grew since it was measured
        raise ConfigError(path, [(None, "(file)", f"may be at most {MAX_CONFIG_BYTES:,} bytes")])
    try:
        problems = _yaml_problems(text)
        if problems:
            raise ConfigError(path, problems)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(path, [(line, "(file)", f"not valid YAML: {_cut(str(getattr(exc, 'problem', None) or exc))}")]) from None
    except ValueError as exc:  # a value YAML cannot build, such as an integer of more than 4,300 digits
        raise ConfigError(path, [(None, "(file)", f"has a value that cannot be read: {_cut(str(exc))}")]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, [(None, "(file)", "must be a mapping of settings, e.g. 'cycle: 2026'")])
    lines = _key_lines(text)
    try:
        return ReviewConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(file)"
            top = str(err["loc"][0]) if err["loc"] else ""
            value = err.get("input")
            shown = "" if isinstance(value, dict) or err["type"] == "missing" else f" (got {SHOWN.repr(value)})"
            problems.append((lines.get(top), _cut(key), err["msg"] + shown))
        raise ConfigError(path, problems) from None
