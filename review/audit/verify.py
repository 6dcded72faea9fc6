"""`review verify`: every file of an output folder against its manifest (nothing altered).

An auditor needs only the package installed and the folder; with the publisher's public
key, the manifest's signature must hold too (review.audit.signing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from review.audit import manifest as manifest_mod
from review.inputs.fsutil import sha256_file


@dataclass
class Verification:
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    checked: int = 0
    manifest_consistent: bool = True
    content_sha256: str = ""  # recomputed from the manifest's entries; the report prints it
    manifest_sha256: str = ""  # of manifest.json itself: covers every file of the folder
    signed: bool = False  # OUT/manifest.sig exists
    signature_problem: str | None = None  # with a public key: why the signature does not hold
    signature_checked: bool = False

    @property
    def intact(self) -> bool:
        return not (self.missing or self.altered or self.added) and self.manifest_consistent and self.signature_problem is None


def verify(out: Path, public_key: Path | None = None) -> Verification:
    """Every file the manifest lists, against its SHA-256; files it does not list are 'added'.

    With `public_key`, the manifest's signature must also hold (review.audit.signing): the one
    check a consistent rewrite of the manifest cannot pass. Without it, the hashes to
    compare with ones published elsewhere are in the result.
    """
    from review.audit import signing
    out = Path(out)
    manifest = manifest_mod.read(out)
    listed = manifest["files"]
    found = manifest_mod.listed_files(out)
    result = Verification(checked=len(listed))
    result.missing = sorted(set(listed) - set(found))
    result.added = sorted(set(found) - set(listed))
    result.altered = sorted(f for f in set(listed) & set(found) if listed[f] != found[f])
    jobs_match = all(listed.get(j["output"]) == j["sha256"] and all(listed.get(f) == h for f, h in j["files"].items()) for j in manifest["jobs"])
    result.content_sha256 = manifest_mod.content_hash(manifest)
    result.manifest_consistent = jobs_match and result.content_sha256 == manifest["content_sha256"]
    result.manifest_sha256 = sha256_file(out / manifest_mod.MANIFEST)
    result.signed = (out / manifest_mod.SIGNATURE).is_file()
    if public_key is not None:
        result.signature_checked = True
        result.signature_problem = signing.check(out, public_key)
    return result


