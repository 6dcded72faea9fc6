"""Content fingerprints that cache keys are made of: inputs, the package's code, package versions."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from review.inputs.fsutil import sha256_file
from review.inputs.paths import PACKAGE, shipped

CODE_SUFFIXES = (".py", ".ipynb", ".md", ".yml", ".lua", ".typ", ".css", ".html", ".j2")


def input_files(inputs: Path) -> dict[str, str]:
    """sha256 of every contract file present in an inputs folder (a table's parts included, and the
    members' submissions log, which the data-quality annex shows)."""
    from review.inputs.config import CONFIG_FILE
    from review.inputs.data import TABLES, table_files
    from review.inputs.ingest import SUBMISSIONS_FILE

    paths = [Path(inputs) / CONFIG_FILE] + [p for spec in TABLES.values() for p in table_files(inputs, spec)] + [Path(inputs) / SUBMISSIONS_FILE]
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


def local_secret() -> bytes:
    """A random key of this user's, made once and never published (`~/.cache/alliance-review/local-secret`).

    It keys hashes that a public output folder must carry but that are made from
    confidential inputs (the public snapshot's reuse key): without it, nobody can try
    guessed inputs against them. Losing it costs one validation, nothing else.
    """
    import os

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "alliance-review"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "local-secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
        path.unlink(missing_ok=True)  # a damaged one: replace it (the next validation runs once)
        return local_secret()
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    return path.read_bytes()


def keyed(secret: bytes, value: str) -> str:
    """HMAC-SHA256 of `value`: a hash that only the holder of `secret` can make or check."""
    import hmac

    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


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
