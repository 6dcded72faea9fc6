"""Small file-system helpers: content hashes and replacing a folder in one step."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()



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
