"""Content fingerprints that cache keys are made of: inputs, the package's code, package versions."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from review.fsutil import sha256_file
from review.paths import PACKAGE, shipped

CODE_SUFFIXES = (".py", ".ipynb", ".md", ".yml", ".lua", ".typ", ".css", ".html", ".j2")


def input_files(inputs: Path) -> dict[str, str]:
    """sha256 of every contract file present in an inputs folder (a table's parts included)."""
    from review.config import CONFIG_FILE
    from review.data import TABLES, table_files

    paths = [Path(inputs) / CONFIG_FILE] + [p for spec in TABLES.values() for p in table_files(inputs, spec)]
    return {p.name: sha256_file(p) for p in paths if p.is_file()}


# Repository files that shape the report; a wheel carries them under review/shipped/.
SHIPPED_CODE = ("_quarto.yml", "docs/methodology.md")


@lru_cache(maxsize=1)
def code_hash() -> str:
    """One hash of the `review` package's source, notebooks and templates."""
    return package_code_hash(PACKAGE)


def package_code_hash(package: Path) -> str:
    """The code hash of the package at `package`, the same for a checkout and an installed wheel.

    Auditors compare it with the manifest's to know they re-run the build's code, so it
    covers what shapes the results and nothing that depends on how the package was
    installed: the sample cycle (hashed as inputs) and the lock file (recorded on its
    own) are left out, and the shipped report files are hashed under their repository names.
    """
    files = {
        path.relative_to(package).as_posix(): path
        for path in package.rglob("*")
        if path.is_file() and path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts
        and path.relative_to(package).parts[0] not in ("sample", "shipped")
    }
    files.update({relative: shipped(relative, package) for relative in SHIPPED_CODE})
    h = hashlib.sha256()
    for relative in sorted(files):
        h.update(relative.encode())
        h.update(sha256_file(files[relative]).encode())
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
