"""Auditing: verify and reproduce work from the output folder alone and catch altered numbers."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path

import pytest
from conftest import run_review

from review.audit import manifest as manifest_mod
from review.audit.reproduce import FLOAT_TOLERANCE, NotIntact, reproduce, same_value, write_report
from review.audit.verify import verify
from review.build.pipeline import BuildRequest, build
from review.inputs.fsutil import sha256_file

OUT = Path("2026") / "public"


@pytest.fixture
def copied_out(tiny_build, tmp_path):
    """The tiny build's output folder alone, copied somewhere without the inputs or the cache."""
    _, outputs, _ = tiny_build
    target = tmp_path / "elsewhere" / "public"
    shutil.copytree(outputs / OUT, target)
    return target


def test_a_copied_output_folder_verifies_and_reproduces(copied_out, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no inputs/ here
    assert verify(copied_out).intact
    result = reproduce(copied_out)
    failures = [c for c in result.checks if not c.ok]
    assert result.ok, failures
    names = {c.notebook for c in result.checks}
    assert names == {j["name"] for j in manifest_mod.read(copied_out)["jobs"]}
    assert any(c.item.startswith("record ") for c in result.checks) and any(c.item.endswith(".csv") for c in result.checks)
    json_path, html_path = write_report(copied_out, result)
    assert json_path.is_file() and "Everything reproduced." in html_path.read_text()
    assert verify(copied_out).intact  # the audit folder is not part of the build


def rewrite_consistently(out: Path) -> None:
    """What someone who alters an output folder does next: every hash in the manifest made to match again."""
    manifest = json.loads((out / "manifest.json").read_text())
    for job in manifest["jobs"]:
        if (out / job["output"]).is_file():
            job["sha256"] = sha256_file(out / job["output"])
        job["files"] = {rel: sha256_file(out / rel) if (out / rel).is_file() else digest for rel, digest in job["files"].items()}
    manifest["files"] = manifest_mod.listed_files(out)
    manifest["content_sha256"] = manifest_mod.content_hash(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def test_altered_figure_data_fails_verify_and_reproduce_naming_it(copied_out):
    rel = "data/mineral-rare-earths/fig-mineral-rare-earths-sourcing.csv"
    lines = (copied_out / rel).read_text().splitlines()
    fields = lines[1].split(",")
    fields[-1] = str(float(fields[-1]) + 0.01)
    lines[1] = ",".join(fields)
    (copied_out / rel).write_text("\n".join(lines) + "\n")
    checked = verify(copied_out)
    assert checked.altered == [rel] and not checked.intact
    proc = run_review("verify", copied_out)
    assert proc.returncode == 1 and f"altered: {rel}" in proc.stderr
    with pytest.raises(NotIntact, match=f"altered {rel}.*nothing from it was executed"):
        reproduce(copied_out, ["mineral-rare-earths"])
    rewrite_consistently(copied_out)  # verify is satisfied; reproduce still catches the data
    assert verify(copied_out).intact
    result = reproduce(copied_out, ["mineral-rare-earths"])
    assert not result.ok
    bad = [c for c in result.checks if not c.ok]
    assert [c.item for c in bad] == [rel]
    assert "recorded row 2" in bad[0].detail and "reproduced row 2" in bad[0].detail


def test_a_falsified_recorded_value_fails_reproduce_even_after_a_consistent_rewrite(copied_out):
    path = copied_out / "notebooks" / "mineral-lithium.ipynb"
    text = path.read_text()
    assert '"name": "dependency_refining_2026"' in text
    path.write_text(text.replace('"value": 0.25', '"value": 0.26', 1))
    manifest = json.loads((copied_out / "manifest.json").read_text())
    (job,) = [j for j in manifest["jobs"] if j["name"] == "mineral-lithium"]
    job["records"]["dependency_refining_2026"] = 0.26
    (copied_out / "manifest.json").write_text(json.dumps(manifest))
    rewrite_consistently(copied_out)
    assert verify(copied_out).intact  # no signature: only the published hashes would tell
    result = reproduce(copied_out, ["mineral-lithium"])
    bad = [c for c in result.checks if not c.ok]
    assert [c.item for c in bad] == ["record dependency_refining_2026"]
    assert "manifest 0.26, notebook 0.26, reproduced 0.25" in bad[0].detail


def _plant_code(out: Path, marker: Path) -> None:
    import nbformat

    path = out / "notebooks" / "mineral-lithium.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')"))
    nbformat.write(nb, path)


def test_code_added_to_an_executed_notebook_never_runs(copied_out, tmp_path):
    marker = tmp_path / "injected-code-ran"
    _plant_code(copied_out, marker)
    with pytest.raises(NotIntact, match="altered notebooks/mineral-lithium.ipynb"):
        reproduce(copied_out, ["mineral-lithium"])
    assert not marker.exists()
    proc = run_review("reproduce", copied_out, "--notebook", "mineral-lithium")
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 1 and "is not intact (altered notebooks/mineral-lithium.ipynb); nothing from it was executed" in said
    assert not marker.exists()

    rewrite_consistently(copied_out)  # now verify says intact: the package's notebook runs, not the folder's
    assert verify(copied_out).intact
    result = reproduce(copied_out, ["mineral-lithium"])
    assert not marker.exists()
    bad = [c for c in result.checks if not c.ok]
    assert [c.item for c in bad] == ["notebook code"]
    assert "the folder's notebook has code the package's does not" in bad[0].detail and "injected-code-ran" in bad[0].detail
    assert all(c.ok for c in result.checks if c.item.startswith("record ") or c.item.endswith(".csv"))


@pytest.mark.parametrize(
    "field, value, why",
    [
        ("name", "../../../x", "must be the catalog's chapter id 'mineral-lithium'"),
        ("notebook", "../../../x", "is not one of this package's"),
        ("parameters", {"cycle": 2026, "snapshot": "validated", "mineral": "../../../x"}, "mineral '../../../x' is not in the snapshot"),
        ("parameters", {"cycle": 2026, "snapshot": "/etc", "mineral": "lithium"}, "its snapshot must be 'validated'"),
        ("parameters", {"cycle": 2026, "snapshot": "validated", "mineral": "lithium", "log_output": True}, "its parameters must be exactly"),
    ],
)
def test_names_and_paths_from_the_manifest_are_checked_before_anything_runs(copied_out, field, value, why):
    manifest = json.loads((copied_out / "manifest.json").read_text())
    (job,) = [j for j in manifest["jobs"] if j["name"] == "mineral-lithium"]
    job[field] = value
    (copied_out / "manifest.json").write_text(json.dumps(manifest))
    rewrite_consistently(copied_out)
    assert verify(copied_out).intact
    with pytest.raises(NotIntact, match=re.escape(why)):
        reproduce(copied_out)
    assert not (copied_out.parent.parent.parent / "x.ipynb").exists() and not (copied_out / "audit").exists()


@pytest.mark.parametrize("rel, why", [("../../../escaped.csv", "leads outside"), ("/tmp/absolute.csv", "is not a relative path")])
def test_a_file_path_outside_the_folder_is_refused(copied_out, tmp_path, rel, why):
    from review.audit.reproduce import trusted_job
    from review.inputs import snapshot

    manifest = manifest_mod.read(copied_out)
    (job,) = [j for j in manifest["jobs"] if j["name"] == "mineral-lithium"]
    job["files"][rel] = "0" * 64
    (copied_out / "manifest.json").write_text(json.dumps(manifest))
    rewrite_consistently(copied_out)
    assert not verify(copied_out).manifest_consistent  # a file the folder does not list: verify refuses it first
    with pytest.raises(NotIntact, match=re.escape(why)):  # and so does the job check, on its own
        trusted_job(job, manifest, snapshot.read_meta(copied_out / "validated"), copied_out, tmp_path / "scratch")


def test_verify_lists_missing_and_added_files(copied_out):
    (copied_out / "report" / "index.html").unlink()
    (copied_out / "data" / "extra.csv").write_text("a\n1\n")
    result = verify(copied_out)
    assert result.missing == ["report/index.html"] and result.added == ["data/extra.csv"]
    proc = run_review("verify", copied_out)
    assert proc.returncode == 1 and "missing: report/index.html" in proc.stderr and "added: data/extra.csv" in proc.stderr


def test_verify_catches_an_edited_manifest(copied_out):
    import json

    manifest = manifest_mod.read(copied_out)
    manifest["jobs"][0]["records"]["targets"] = 99
    (copied_out / "manifest.json").write_text(json.dumps(manifest))
    assert not verify(copied_out).manifest_consistent


def test_cli_reproduce_one_notebook(copied_out):
    proc = run_review("reproduce", copied_out, "--notebook", "projects")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Reproduced:" in proc.stdout and (copied_out / "audit" / "audit.html").is_file()
    unknown = run_review("reproduce", copied_out, "--notebook", "mineral-gold")
    assert unknown.returncode == 1 and "no notebook named mineral-gold" in unknown.stderr


@pytest.mark.parametrize(
    "a, b, same",
    [
        (0.1 + 0.2, 0.3, True),  # the last bits of float arithmetic
        (0.75, 0.75 * (1 + 10 * FLOAT_TOLERANCE), False),
        (3, 3, True),
        (3, 3.0, True),
        ("CHN", "CHN", True),
        ("CHN", "MYS", False),
        (True, 1, False),
        (None, None, True),
        (None, 0, False),
        ([1.0, "a"], [1.0, "a"], True),
    ],
)
def test_same_value(a, b, same):
    assert same_value(a, b) is same


def test_rebuilding_from_scratch_gives_identical_hashes(tiny_build, tmp_path):
    inputs, outputs, _ = tiny_build
    first = manifest_mod.read(outputs / OUT)
    build(BuildRequest(inputs=inputs, outputs=tmp_path / "again", renderer="pandoc", formats=("html",)))
    second = manifest_mod.read(tmp_path / "again" / OUT)
    assert second["content_sha256"] == first["content_sha256"]
    assert [(j["sha256"], j["files"], j["records"]) for j in second["jobs"]] == [(j["sha256"], j["files"], j["records"]) for j in first["jobs"]]
    for rel, digest in first["files"].items():
        if rel.startswith(("validated/", "data/", "notebooks/")):
            assert second["files"][rel] == digest, rel


def png_chunks(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        chunks.append(data[pos + 4 : pos + 8] + data[pos + 8 : pos + 8 + min(length, 200)])
        pos += 12 + length
    return chunks


def test_figures_carry_no_time_stamp(tiny_build):
    _, outputs, _ = tiny_build
    figures = list((outputs / OUT / "book" / "figures").glob("*.png"))
    assert figures
    for figure in figures:
        for chunk in png_chunks(figure):
            assert chunk[:4] != b"tIME"
            assert b"Creation Time" not in chunk and b"Software" not in chunk


def test_an_installed_wheel_has_the_code_hash_of_the_checkout(tmp_path):
    """An auditor who `pip install`s the package must not be told its code differs from the build's."""
    import subprocess
    import sys
    import zipfile

    from review.inputs.fingerprint import code_hash, package_code_hash
    from review.inputs.paths import PACKAGE

    uv = Path(sys.executable).parent / "uv"
    subprocess.run([str(uv), "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(PACKAGE.parent)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    installed = tmp_path / "site" / "review"
    assert (installed / "shipped" / "docs" / "methodology.md").is_file()  # the wheel carries the report's files
    assert package_code_hash(installed) == code_hash()
    (installed / "shipped" / "docs" / "methodology.md").write_text("an edited methodology")
    assert package_code_hash(installed) != code_hash()


# --- signing --------------------------------------------------------------------------------------


def test_keygen_makes_a_private_key_for_its_owner_and_never_overwrites(tmp_path):
    proc = run_review("keygen", tmp_path / "review-key")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "review-key").stat().st_mode & 0o777 == 0o600
    assert b"BEGIN PUBLIC KEY" in (tmp_path / "review-key.pub").read_bytes()
    assert "fingerprint" in proc.stdout
    again = run_review("keygen", tmp_path / "review-key")
    assert again.returncode == 1 and "never overwritten" in again.stderr


def test_a_signed_build_verifies_and_a_consistent_rewrite_does_not(tiny_built_copy, tmp_path):
    inputs, outputs = tiny_built_copy
    run_review("keygen", tmp_path / "key", check=True)
    run_review("keygen", tmp_path / "other", check=True)
    run_review("build", "--inputs", inputs, "--outputs", outputs, "--renderer", "pandoc", "--quiet", "--sign-key", tmp_path / "key", check=True)
    out = outputs / OUT
    assert (out / "manifest.sig").is_file()
    signed = run_review("verify", out, "--public-key", tmp_path / "key.pub")
    assert signed.returncode == 0, signed.stderr
    assert "Signature: valid" in signed.stdout and "Intact" in signed.stdout
    wrong_key = run_review("verify", out, "--public-key", tmp_path / "other.pub")
    assert wrong_key.returncode == 1 and "signature does not match" in wrong_key.stderr

    manifest = manifest_mod.read(out)
    unsigned = run_review("verify", out)  # without the key: the hashes to compare with the published ones
    assert unsigned.returncode == 0
    assert f"Content hash (the report prints it): {manifest['content_sha256']}" in unsigned.stdout
    assert f"manifest.json SHA-256 (covers every file): {sha256_file(out / 'manifest.json')}" in unsigned.stdout
    assert "Signature: present (manifest.sig); check it with --public-key." in unsigned.stdout

    path = out / "notebooks" / "mineral-lithium.ipynb"
    path.write_text(path.read_text().replace('"value": 0.25', '"value": 0.26', 1))
    rewrite_consistently(out)
    assert verify(out).intact  # the rewrite is consistent ...
    rewritten = run_review("verify", out, "--public-key", tmp_path / "key.pub")
    assert rewritten.returncode == 1 and "signature does not match manifest.json" in rewritten.stderr  # ... but not signed
    with pytest.raises(NotIntact, match="signature does not match"):
        reproduce(out, ["mineral-lithium"], public_key=tmp_path / "key.pub")
    assert manifest["content_sha256"] not in run_review("verify", out).stdout  # nor does the hash published with the report match


def test_a_build_with_an_unusable_signing_key_fails_before_building(tiny, tmp_path):
    (tmp_path / "not-a-key").write_text("hello")
    proc = run_review("build", "--inputs", tiny, "--outputs", tmp_path / "outputs", "--renderer", "pandoc", "--quiet", "--sign-key", tmp_path / "not-a-key")
    assert proc.returncode == 1 and "is not an unencrypted PEM private key" in proc.stderr
    assert not (tmp_path / "outputs" / "2026").exists()


# --- the public manifest holds no hash of a confidential input -------------------------------------


def test_no_published_hash_gives_away_a_confidential_input(tiny_build):
    """JPN's 2025 rare-earth holdings (18 t) are confidential. Trying holdings in 0.01 t steps
    against every hash in the public output folder (as a reader of it can) must find nothing;
    the same search finds the raw file's hash, so it would have found it had it been published."""
    import hashlib

    from review.inputs.fingerprint import code_hash, input_files, key

    inputs, outputs, _ = tiny_build
    out = outputs / OUT
    published = set()
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".ipynb", ".csv", ".md", ".html", ".qmd", ".yml"):
            published |= set(re.findall(r"\b[0-9a-f]{64}\b", path.read_text(errors="replace")))
    assert len(published) > 20  # the manifest's and the snapshot's hashes are there
    raw = (inputs / "stockpiles.csv").read_text()
    row = "2025,JPN,rare-earths,18,100,60,true"
    assert row in raw
    others = {name: digest for name, digest in input_files(inputs).items() if name != "stockpiles.csv"}
    file_hashes, snapshot_keys = set(), set()
    for cents in range(0, 5001):  # 0 to 50 t
        candidate = raw.replace(row, f"2025,JPN,rare-earths,{cents / 100:g},100,60,true")
        digest = hashlib.sha256(candidate.encode()).hexdigest()
        file_hashes.add(digest)
        for previous in ("none", "absent"):  # the snapshot's reuse key, as the code before this version made it
            snapshot_keys.add(key("validated", others | {"stockpiles.csv": digest}, "public", code_hash(), previous))
    assert hashlib.sha256(raw.encode()).hexdigest() in file_hashes  # the search covers the true value
    assert not (file_hashes | snapshot_keys) & published
    manifest = manifest_mod.read(out)
    assert "stockpiles" in manifest["inputs"] and "stockpiles.csv" not in manifest["inputs"]
    assert manifest["input_hashes"].startswith("content hash of each input table as published")
    assert manifest["inputs"]["stockpiles"] == manifest["snapshot"]["tables"]["stockpiles"]["sha256"]


def test_the_audit_report_is_not_written_through_a_link(copied_out, tmp_path):
    from review.audit.reproduce import Reproduction

    target = tmp_path / "outside"
    target.mkdir()
    (copied_out / "audit").symlink_to(target)
    with pytest.raises(ValueError, match="leads outside"):
        write_report(copied_out, Reproduction())
    assert not list(target.iterdir())
