"""The package's layout by stage: the layer contract holds, and a planted upward import breaks it.

`make test` runs `lint-imports` itself; this test shows that the contract can fail, and
that its message names the offending module and line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"
STAGES = ("inputs", "analysis", "report", "engine", "audit", "build")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", "--config", str(tree / "pyproject.toml")], cwd=tree, capture_output=True, text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the package and its contract, to plant imports in."""
    tree = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "review", tree / "review", ignore=shutil.ignore_patterns("__pycache__", "sample", "shipped"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_package_keeps_its_layers(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_upward_import_fails_naming_its_line(tree):
    narrative = tree / "review" / "analysis" / "narrative.py"
    original = narrative.read_text()
    lines = original.splitlines()
    lines.insert(10, "from review.report import charts  # planted")
    narrative.write_text("\n".join(lines) + "\n")
    try:
        result = _lint(tree)
    finally:
        narrative.write_text(original)
    assert result.returncode != 0
    assert "review.analysis is not allowed to import review.report" in result.stdout
    assert "review.analysis.narrative -> review.report.charts (l.11)" in result.stdout


def test_analysis_draws_nothing(tree):
    disclosure = tree / "review" / "analysis" / "disclosure.py"
    original = disclosure.read_text()
    disclosure.write_text(original.replace("from __future__ import annotations\n", "from __future__ import annotations\n\nimport matplotlib  # planted\n", 1))
    try:
        result = _lint(tree)
    finally:
        disclosure.write_text(original)
    assert result.returncode != 0
    assert "review.analysis.disclosure -> matplotlib" in result.stdout


def test_each_stage_says_what_it_reads_and_writes():
    import importlib

    for stage in STAGES:
        doc = importlib.import_module(f"review.{stage}").__doc__
        assert doc and "Reads" in doc and "writes" in doc, stage


def test_a_notebook_of_the_flat_layout_still_imports():
    """`review.indicators` and `review.charts` are the moved modules themselves, with a warning naming the new path."""
    from review.analysis import indicators
    from review.report import charts

    for old, new in (("review.indicators", indicators), ("review.charts", charts)):
        sys.modules.pop(old, None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            moved = __import__(old, fromlist=["_"])
        assert moved is new
        assert any(new.__name__ in str(w.message) and issubclass(w.category, DeprecationWarning) for w in caught)
    sys.modules.pop("review.indicators.common", None)
    from review.indicators.common import ALLIANCE  # a submodule of a moved package

    assert ALLIANCE == indicators.ALLIANCE
