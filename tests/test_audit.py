"""Auditing: verify and reproduce work from the output folder alone and catch altered numbers."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from review import manifest as manifest_mod
from review.audit import FLOAT_TOLERANCE, reproduce, same_value, verify, write_report
from review.build import BuildRequest, build

from conftest import run_review

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
    assert len(names) == 11  # at a glance, overview, 2 minerals, members compared, 3 members, 3 themes
    assert any(c.item.startswith("record ") for c in result.checks) and any(c.item.endswith(".csv") for c in result.checks)
    json_path, html_path = write_report(copied_out, result)
    assert json_path.is_file() and "Everything reproduced." in html_path.read_text()
    assert verify(copied_out).intact  # the audit folder is not part of the build


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
    result = reproduce(copied_out, ["mineral-rare-earths"])
    assert not result.ok
    bad = [c for c in result.checks if not c.ok]
    assert [c.item for c in bad] == [rel]
    assert "recorded row 2" in bad[0].detail and "reproduced row 2" in bad[0].detail


def test_an_altered_recorded_value_fails_reproduce(copied_out):
    path = copied_out / "notebooks" / "mineral-lithium.ipynb"
    text = path.read_text()
    assert '"name": "dependency_refining_2026"' in text
    path.write_text(text.replace('"value": 0.25', '"value": 0.26', 1))
    result = reproduce(copied_out, ["mineral-lithium"])
    bad = [c for c in result.checks if not c.ok]
    assert [c.item for c in bad] == ["record dependency_refining_2026"]
    assert "notebook 0.26" in bad[0].detail


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

    from review.fingerprint import code_hash, package_code_hash
    from review.paths import PACKAGE

    uv = Path(sys.executable).parent / "uv"
    subprocess.run([str(uv), "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(PACKAGE.parent)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    installed = tmp_path / "site" / "review"
    assert (installed / "shipped" / "docs" / "methodology.md").is_file()  # the wheel carries the report's files
    assert package_code_hash(installed) == code_hash()
    (installed / "shipped" / "docs" / "methodology.md").write_text("an edited methodology")
    assert package_code_hash(installed) != code_hash()
