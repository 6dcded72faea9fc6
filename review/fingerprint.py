"""Content fingerprints that cache keys are made of: inputs, the package's code, package versions."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from review.fsutil import sha256_file

PACKAGE_DIR = Path(__file__).parent
CODE_SUFFIXES = (".py", ".ipynb", ".md", ".yml", ".lua", ".typ", ".css", ".html", ".j2")


def input_files(inputs: Path) -> dict[str, str]:
    """sha256 of every contract file present in an inputs folder (a table's parts included)."""
    from review.config import CONFIG_FILE
    from review.data import TABLES, table_files

    paths = [Path(inputs) / CONFIG_FILE] + [p for spec in TABLES.values() for p in table_files(inputs, spec)]
    return {p.name: sha256_file(p) for p in paths if p.is_file()}


@lru_cache(maxsize=1)
def code_hash() -> str:
    """One hash of the `review` package's source, notebooks and templates."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and "sample" not in path.relative_to(PACKAGE_DIR).parts[:1]:
            h.update(str(path.relative_to(PACKAGE_DIR)).encode())
            h.update(sha256_file(path).encode())
    return h.hexdigest()


def key(*parts) -> str:
    """A cache key: sha256 of the parts as canonical JSON."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def package_versions(names) -> dict[str, str]:
    """Installed versions of the named distributions ('not installed' when absent)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in sorted(names):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
