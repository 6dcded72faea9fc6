"""The tiny cycle with its optional tables (tests/fixtures/mandate), validated and run through compute_all once per edition."""

from __future__ import annotations

import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from review.analysis.disclosure import edition_tables
from review.analysis.indicators import compute_all
from review.inputs.validation import validate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def mandate_inputs(dest: Path) -> Path:
    """A copy of the tiny cycle with the four optional tables added."""
    shutil.copytree(FIXTURES / "tiny", dest)
    for path in (FIXTURES / "mandate").glob("*.csv"):
        shutil.copyfile(path, dest / path.name)
    return dest


@lru_cache(maxsize=None)
def validated(with_optional: bool = True):
    inputs = mandate_inputs(Path(tempfile.mkdtemp()) / "inputs") if with_optional else FIXTURES / "tiny"
    outcome = validate(inputs)
    assert outcome.ok, outcome.problems
    return outcome


def indicators_of(edition: str = "restricted", with_optional: bool = True, **settings):
    """compute_all on the edition's tables; `settings` override review.yml (e.g. disruption_severity=0.5)."""
    outcome = validated(with_optional)
    config = outcome.config.model_copy(update=settings)
    return compute_all(edition_tables(outcome.tables, edition, config.disclosure), config)


def one(table, indicator: str, **where):
    sel = table[table["indicator"] == indicator]
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} {indicator} rows for {where}"
    return sel.iloc[0]
