"""The warm server: builds through it give the same results, and it validates in a fork."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from review.audit import manifest as manifest_mod
from review.build import server as warm_server
from review.build.pipeline import BuildRequest, build
from review.build.validated import InvalidInputs

OUT = Path("2026") / "public"


@pytest.fixture
def run_dir(monkeypatch):
    """A private folder for the server's socket (short: a Unix socket path has at most 107 bytes)."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="rv-")
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running_server(run_dir):
    """A warm server of its own, stopped afterwards."""
    warm_server.WarmServer.start_in_background()
    deadline = time.monotonic() + 120
    while warm_server.WarmServer.running() is None:
        assert time.monotonic() < deadline, "the warm server did not start"
        time.sleep(0.5)
    yield warm_server.WarmServer.running()
    assert warm_server.stop()


def test_a_build_through_the_server_matches_one_without(running_server, tiny_build, tmp_path):
    inputs, outputs, _ = tiny_build
    outcome = build(BuildRequest(inputs=inputs, outputs=tmp_path / "served", renderer="pandoc", formats=("html",), server=True))
    assert not any(r.cached for r in outcome.results)
    served = manifest_mod.read(tmp_path / "served" / OUT)
    local = manifest_mod.read(outputs / OUT)
    assert served["content_sha256"] == local["content_sha256"]
    assert "running" in warm_server.status()


def test_the_server_reports_invalid_inputs(running_server, tiny, tmp_path):
    text = (tiny / "members.csv").read_text().replace("partner", "friend", 1)
    (tiny / "members.csv").write_text(text)
    with pytest.raises(InvalidInputs) as caught:
        running_server.snapshot(tiny, tmp_path / "v", None, None, None, None, None)
    assert [p.line() for p in caught.value.problems] == ["members.csv, row 4, column group: must be G7 or partner: value 'friend'"]


def test_a_probe_does_not_disturb_the_server(running_server):
    import socket

    for _ in range(3):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.connect(running_server.socket)
        probe.close()
    time.sleep(0.2)
    assert warm_server.WarmServer.running() is not None
    assert oct(os.stat(running_server.socket).st_mode & 0o777) == "0o600"


def test_a_build_starts_a_server_for_the_next_one(tmp_path, run_dir, tiny):
    assert warm_server.WarmServer.running() is None
    build(BuildRequest(inputs=tiny, outputs=tmp_path / "out", renderer="pandoc", formats=("html",), server=True, only={"projects": set()}))
    try:
        assert warm_server.socket_path().with_suffix(".pid").is_file()
    finally:
        deadline = time.monotonic() + 120
        while warm_server.WarmServer.running() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert warm_server.stop()
