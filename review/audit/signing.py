"""Signing the manifest, so that a consistent rewrite of an output folder is detectable.

`review verify` checks every file against `manifest.json`, and the manifest against its
own content hash; someone who alters a file *and* rewrites the manifest to match passes
both. A detached Ed25519 signature of `manifest.json` (OUT/manifest.sig, 64 raw bytes)
closes that: without the private key nobody can make a signature that the publisher's
public key accepts. Keys are PEM files (PKCS#8 private, SubjectPublicKeyInfo public), as
`openssl genpkey -algorithm ed25519` writes them, so the signature can also be checked
with `openssl pkeyutl -verify -rawin` (docs/auditing.md).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from review.audit.manifest import MANIFEST, SIGNATURE


def _private_key(path: Path):
    """The signing key at `path`, refused when other users can read it (as ssh refuses such a key):
    a key that others could have copied no longer says who signed."""
    import stat

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    with open(path, "rb") as f:
        mode = stat.S_IMODE(os.fstat(f.fileno()).st_mode)
        pem = f.read()
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path} is not an unencrypted PEM private key ({exc}); make one with `review keygen`") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key; manifests are signed with Ed25519 keys (`review keygen`)")
    if mode & 0o077:
        raise PermissionError(f"{path} can be read or written by other users (mode {mode:04o}); a signing key must be its owner's only: `chmod 600 {path}`, or make a new one with `review keygen` if others may have copied it")
    return key


def load_public_key(path: Path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(Path(path).read_bytes())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path} is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def fingerprint(public_key) -> str:
    """SHA-256 of the raw public key, to name a key in messages (first 16 hex digits)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def check_private_key(path: Path) -> str:
    """Load the signing key before a build starts (a bad key fails at once); its fingerprint."""
    return fingerprint(_private_key(path).public_key())


def keygen(private_path: Path) -> tuple[Path, Path]:
    """A new Ed25519 key pair: PRIVATE (readable by its owner only) and PRIVATE.pub; never overwrites."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    private_path = Path(private_path)
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if os.path.lexists(path):  # a dangling symbolic link too: writing through it would put the key elsewhere
            raise FileExistsError(f"{path} exists; keys are never overwritten (choose another name)")
    key = Ed25519PrivateKey.generate()
    _create(private_path, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()), 0o600)
    try:
        _create(public_path, key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo), 0o644)
    except OSError:
        private_path.unlink()  # half a pair is no use
        raise
    return private_path, public_path


def _create(path: Path, data: bytes, mode: int) -> None:
    """Write a new file: never through a symbolic link, never over anything (O_EXCL refuses both)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    except FileExistsError:
        raise FileExistsError(f"{path} exists (or is a symbolic link); keys are never overwritten (choose another name)") from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def sign(out: Path, private_key: Path) -> Path:
    """Write OUT/manifest.sig: the Ed25519 signature of OUT/manifest.json's bytes."""
    out = Path(out)
    signature = _private_key(private_key).sign((out / MANIFEST).read_bytes())
    (out / SIGNATURE).write_bytes(signature)
    return out / SIGNATURE


def check(out: Path, public_key: Path) -> str | None:
    """None when OUT/manifest.sig is a valid signature of OUT/manifest.json by `public_key`; otherwise why not."""
    from cryptography.exceptions import InvalidSignature

    out = Path(out)
    key = load_public_key(public_key)
    if not (out / SIGNATURE).is_file():
        return f"no signature: {SIGNATURE} is missing (the build was not signed, or the file was removed)"
    try:
        key.verify((out / SIGNATURE).read_bytes(), (out / MANIFEST).read_bytes())
    except InvalidSignature:
        return f"the signature does not match manifest.json and the key {fingerprint(key)}: the manifest was altered, or signed with another key"
    return None
