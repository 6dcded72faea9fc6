"""Where a cycle's inputs and outputs live."""

from __future__ import annotations

from pathlib import Path

SAMPLE_IN_PACKAGE = Path(__file__).parent / "sample"


def default_inputs() -> Path:
    """`inputs/` in the working directory, else the sample cycle shipped inside the package."""
    local = Path("inputs")
    if local.is_dir() or not SAMPLE_IN_PACKAGE.is_dir():
        return local
    return SAMPLE_IN_PACKAGE


def out_dir(outputs: Path, cycle: int, edition: str) -> Path:
    """OUT: everything one build of one cycle and edition writes."""
    return Path(outputs) / str(cycle) / edition


def cache_dir(outputs: Path) -> Path:
    return Path(outputs) / ".cache"
