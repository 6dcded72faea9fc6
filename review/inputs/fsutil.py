"""Small file-system helpers: content hashes and replacing a folder in one step."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: In a cache entry: the SHA-256 of every other file of the entry, checked before the entry is used.
HASHES_FILE = "hashes.json"


def write_hashes(folder: Path) -> None:
    """Record the hash of every file in `folder`, so that a later reader can tell a damaged copy."""
    folder = Path(folder)
    hashes = {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file() and p.name != HASHES_FILE}
    (folder / HASHES_FILE).write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")


def damage(folder: Path) -> str | None:
    """Why `folder`'s files do not match its recorded hashes (missing, altered, unreadable, added), or None when they do."""
    folder = Path(folder)
    try:
        recorded = json.loads((folder / HASHES_FILE).read_text())
        if not isinstance(recorded, dict):
            return f"{HASHES_FILE} is not a table of hashes"
        found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != HASHES_FILE}
        for rel in sorted(set(recorded) | found):
            if rel not in found:
                return f"{rel} is missing"
            if rel not in recorded:
                return f"{rel} is not recorded"
            if sha256_file(folder / rel) != recorded[rel]:
                return f"{rel} does not match its recorded hash"
    except (OSError, ValueError) as exc:
        return f"unreadable ({exc})"
    return None


class NotPrivate(PermissionError):
    """A folder or file that other users could have made, changed or read; nothing is taken from it."""


def check_private(path: Path, st: os.stat_result, kind: str) -> None:
    """Refuse `path` (whose lstat/fstat is `st`) unless it is this user's and no other user can use it.

    A shared cache or runtime folder (a common XDG_RUNTIME_DIR, /tmp) lets another user
    make the folder or file first: a socket there could be theirs, a secret there known to
    them. Like ssh with its keys, the tool then stops and says why instead of using it.
    """
    if stat.S_ISLNK(st.st_mode):
        raise NotPrivate(f"{path} is a symbolic link; the tool keeps its {kind} only in a real folder of this user's")
    if st.st_uid != os.getuid():
        raise NotPrivate(f"{path} belongs to another user (uid {st.st_uid}); the tool keeps its {kind} only where no other user can: remove it, or point XDG_RUNTIME_DIR / XDG_CACHE_HOME at a folder of your own")
    if st.st_mode & 0o077:
        raise NotPrivate(f"{path} can be used by other users (mode {stat.S_IMODE(st.st_mode):04o}); the tool keeps its {kind} only where no other user can: `chmod go= {path}` after checking what is in it, or remove it")


def private_folder(path: Path, kind: str) -> Path:
    """`path` as a folder only this user can use: made with mode 0700, or checked (check_private) when it exists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    check_private(path, os.lstat(path), kind)
    return path


def inside(base: Path, rel: str) -> Path:
    """`base / rel`, refused when `rel` is absolute or leads out of `base` (names read from a file are data)."""
    base = Path(base).resolve()
    if not isinstance(rel, str) or not rel or Path(rel).is_absolute():
        raise ValueError(f"{rel!r} is not a relative path")
    path = (base / rel).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"{rel!r} leads outside {base}")
    return path


def replace_dir(new: Path, final: Path) -> None:
    """Move a completed folder into place; the previous one stays until the new one is there."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def copy_file(src: Path, dst: Path) -> None:
    """Copy, never link: an output altered later must not alter the cache it came from."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


class Staging:
    """A temporary folder beside `final` that becomes `final` only on `commit()`.

    On failure (or without a commit) the temporary folder and any parent folders it had
    to create are removed, so a failed run leaves the outputs tree exactly as it was.
    """

    def __init__(self, final: Path):
        self.final = Path(final)
        self.created: list[Path] = []
        parent = self.final.parent
        while not parent.exists():
            self.created.append(parent)
            parent = parent.parent
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.final.with_name(f".{self.final.name}.tmp-{os.getpid()}")
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir()
        self.committed = False

    def commit(self) -> None:
        replace_dir(self.path, self.final)
        self.committed = True

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if not self.committed:
            for folder in self.created:  # innermost first
                try:
                    folder.rmdir()
                except OSError:
                    break

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc) -> None:
        if not self.committed:
            self.discard()
