"""Shared fixtures: the tiny cycle every fast test builds on, and the shipped sample."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["REVIEW_SERVER"] = "off"  # no test leaves a warm server behind unless it starts one itself
TINY = ROOT / "tests" / "fixtures" / "tiny"
SAMPLE = ROOT / "inputs"


#: Test files whose fixtures build whole cycles, slowest first: `make test` runs files in
#: parallel (pytest-xdist, --dist loadfile), and starting the longest first leaves no
#: worker idle at the end while another finishes a long file.
SLOW_FILES = ("test_sample_build.py", "test_cli.py", "test_cycles.py", "test_audit.py", "test_build.py", "test_draft_cycle.py", "test_disclosure.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the order within a file is kept


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A writable copy of the tiny cycle."""
    dest = tmp_path / "inputs"
    shutil.copytree(TINY, dest)
    return dest


def run_review(*args, cwd=None, check=False, env=None) -> subprocess.CompletedProcess:
    """Run the `review` command as a user would (a fresh process, real exit code); `env` adds variables."""
    proc = subprocess.run(
        [sys.executable, "-m", "review.cli", *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"review {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def tree_state(path: Path) -> dict[str, bytes]:
    """Every file under `path` with its bytes (and every folder), to prove a run changed nothing."""
    state = {}
    for p in sorted(Path(path).rglob("*")):
        state[str(p.relative_to(path))] = p.read_bytes() if p.is_file() else b"<dir>"
    return state


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory):
    """The tiny cycle built once (public edition, built-in renderer): (inputs, outputs, outcome)."""
    from review.build.pipeline import BuildRequest, build

    root = tmp_path_factory.mktemp("tiny-build")
    inputs = root / "inputs"
    shutil.copytree(TINY, inputs)
    outcome = build(BuildRequest(inputs=inputs, outputs=root / "outputs", renderer="pandoc"))
    return inputs, root / "outputs", outcome


@pytest.fixture
def tiny_built_copy(tiny_build, tmp_path):
    """A private copy of the tiny build (inputs, outputs with its cache) that a test may change."""
    inputs, outputs, _ = tiny_build
    shutil.copytree(inputs, tmp_path / "inputs")
    shutil.copytree(outputs, tmp_path / "outputs")
    return tmp_path / "inputs", tmp_path / "outputs"
