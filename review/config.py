"""The cycle's settings (`review.yml`), validated with pydantic.

Every key but `cycle` has a default, so a new cycle's file can be two lines long.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class DisclosureRule(BaseModel):
    """When an aggregate that includes confidential values may be published (see docs/methodology.md)."""

    model_config = ConfigDict(extra="forbid")
    min_contributors: int = Field(3, ge=1)
    max_share: float = Field(0.8, gt=0, le=1)


class ReviewConfig(BaseModel):
    """One review cycle's settings."""

    model_config = ConfigDict(extra="forbid")

    cycle: int = Field(ge=2000, le=2100)
    previous_cycle: int | None = Field(None, ge=2000, le=2100)
    title: str | None = None
    edition: Literal["public", "restricted"] = "public"
    status_weights: dict[Status, float] = Field(default_factory=lambda: dict(DEFAULT_STATUS_WEIGHTS))
    demand_growth: float = Field(0.03, ge=-0.5, le=1.0)
    at_risk_margin: float = Field(0.05, ge=0, le=1)
    #: An Alliance figure whose members held less than this share of the previous year's volume is provisional.
    coverage_threshold: float = Field(0.9, ge=0, le=1)
    disclosure: DisclosureRule = Field(default_factory=DisclosureRule)
    #: The stress test's share of the largest non-aligned supplier's volume that stops (1.0: all of it).
    disruption_severity: float = Field(1.0, gt=0, le=1)

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
        return self


class ConfigError(Exception):
    """`review.yml` is missing, unreadable or invalid; `problems` are (line, key, message)."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = problems
        super().__init__("; ".join(f"{key}: {msg}" for _, key, msg in problems))


def _key_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of each top-level key, so errors can point into the file."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value}


def load_config(inputs: Path) -> ReviewConfig:
    """Read and validate `inputs/review.yml`; raise ConfigError naming the line and key."""
    import yaml

    path = Path(inputs) / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(path, [(None, "(file)", "file is missing")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [(None, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(path, [(line, "(file)", f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
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
            shown = "" if isinstance(value, dict) or err["type"] == "missing" else f" (got {value!r})"
            problems.append((lines.get(top), key, err["msg"] + shown))
        raise ConfigError(path, problems) from None
