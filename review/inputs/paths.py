"""Where a cycle's inputs and outputs live."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parent.parent  # the `review` package: review/inputs/paths.py is one level down
SAMPLE_IN_PACKAGE = PACKAGE / "sample"
REPOSITORY = PACKAGE.parent


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


def shipped(relative: str, package: Path = PACKAGE) -> Path:
    """A repository file the wheel carries inside the package (`_quarto.yml`, `docs/methodology.md`, `uv.lock`).

    In a checkout it is read where it lives, so there is one copy to edit; an installed
    wheel has it under `review/shipped/`.
    """
    packaged = package / "shipped" / relative
    return packaged if packaged.exists() else package.parent / relative
