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


# --- issue 24: the warm server trusts no other user ----------------------------------------------

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # another user may not be able to run this environment's interpreter


def as_root():
    if os.getuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip("needs root (to act as another user) and /usr/bin/python3")


@pytest.fixture
def shared_dir():
    """A folder every user can write, as a shared runtime or cache folder is (outside pytest's private tree)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rv-shared-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _listen(path: Path):
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(8)
    return listener


def test_a_runtime_folder_other_users_can_write_is_refused(run_dir, tiny, tmp_path):
    from review.inputs.fsutil import NotPrivate

    folder = Path(run_dir) / "alliance-review"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    with pytest.raises(NotPrivate, match="can be used by other users"):
        warm_server.socket_path()
    with pytest.raises(NotPrivate):
        build(BuildRequest(inputs=tiny, outputs=tmp_path / "out", renderer="pandoc", formats=("html",), server=True))
    assert not (tmp_path / "out").exists()


def test_a_runtime_folder_of_another_user_is_refused(run_dir):
    from review.inputs.fsutil import NotPrivate

    as_root()
    folder = Path(run_dir) / "alliance-review"
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)
    with pytest.raises(NotPrivate, match="belongs to another user"):
        warm_server.status()


def test_nothing_is_sent_to_another_users_listener(shared_dir):
    """A listener of another user (a shared folder) gets no request, so none of this build's environment."""
    import subprocess

    as_root()
    folder = shared_dir
    path, received = folder / "server.sock", folder / "received"
    listener = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", (
            "import socket, sys, time\n"
            "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)\n"
            "import os; os.chmod(sys.argv[1], 0o777); open(sys.argv[2], 'w').close()\n"
            "c, _ = s.accept(); c.settimeout(5); data = b''\n"
            "try:\n    while chunk := c.recv(65536): data += chunk\nexcept OSError: pass\n"
            "open(sys.argv[2], 'wb').write(data)\n"
        ), str(path), str(received)],
        user=NOBODY, cwd=folder,
    )
    try:
        deadline = time.monotonic() + 30
        while not received.exists():
            assert time.monotonic() < deadline and listener.poll() is None, "the other user's listener did not start"
            time.sleep(0.1)
        with pytest.raises(PermissionError, match="belongs to another user"):
            warm_server.WarmServer(path).call("snapshot", inputs="x")
        listener.wait(30)
        assert received.read_bytes() == b""
    finally:
        listener.kill()


def test_the_server_answers_no_other_user(shared_dir):
    """Were the socket reachable (its folder made open by mistake), another user's request gets no answer."""
    import subprocess
    import sys

    as_root()
    folder = shared_dir
    path = folder / "s.sock"
    server = subprocess.Popen([sys.executable, "-P", "-c", f"from review.engine.warm_kernel import serve; serve({str(path)!r}, (), idle_s=60)"], stdout=subprocess.PIPE, text=True, cwd=folder)
    try:
        assert server.stdout.readline().strip() == "ready"
        path.chmod(0o777)
        client = subprocess.run(
            [SYSTEM_PYTHON, "-c", (
                "import json, os, socket, sys\n"
                "c = socket.socket(socket.AF_UNIX); c.settimeout(20); c.connect(sys.argv[1])\n"
                "try:\n"
                "    c.sendall((json.dumps({'call': 'snapshot', 'kwargs': {}, 'cwd': '/', 'env': {}, 'client_pid': os.getpid()}) + '\\n').encode())\n"
                "    print(repr(c.recv(65536)))\n"
                "except OSError:  # closed at once\n"
                "    print(repr(b''))\n"
            ), str(path)],
            user=NOBODY, cwd=folder, capture_output=True, text=True, timeout=60,
        )
        assert client.returncode == 0, client.stderr
        assert client.stdout.strip() == "b''"
    finally:
        server.kill()


def test_a_silent_client_does_not_hold_up_later_builds(running_server, tiny, tmp_path):
    import socket
    import threading

    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(running_server.socket)
    (tiny / "members.csv").write_text((tiny / "members.csv").read_text().replace("partner", "friend", 1))
    outcome = []

    def validate():
        try:
            running_server.snapshot(tiny, tmp_path / "v", None, None, None, None, None)
        except InvalidInputs as exc:
            outcome.append(exc)

    worker = threading.Thread(target=validate, daemon=True)
    worker.start()
    worker.join(120)
    silent.close()
    assert outcome, "the next request was not served while a client stayed silent"


def test_a_build_does_not_wait_for_ever_on_a_silent_server(run_dir, monkeypatch):
    import threading

    monkeypatch.setattr(warm_server, "CALL_TIMEOUT_S", 1.0)
    listener = _listen(Path(run_dir) / "mute.sock")
    outcome = []

    def call():
        try:
            warm_server.WarmServer(Path(run_dir) / "mute.sock").call("snapshot", inputs="x")
        except RuntimeError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(30)
    listener.close()
    assert outcome and "did not answer" in outcome[0]


def test_server_stop_kills_only_the_server(run_dir):
    """A pid file that outlived its server names a process that is someone else's now."""
    import subprocess

    unrelated = subprocess.Popen(["sleep", "60"])
    try:
        warm_server.socket_path().with_suffix(".pid").write_text(str(unrelated.pid))
        assert warm_server.stop() is False
        time.sleep(0.2)
        assert unrelated.poll() is None, "review server stop killed an unrelated process"
    finally:
        unrelated.kill()


def test_a_server_started_from_a_planted_folder_imports_nothing_from_it(run_dir, tiny, tmp_path, monkeypatch):
    """A build in a folder holding json.py and keyword.py starts the server; nothing there runs in it, then or later."""
    from tests.test_hardening import plant

    work, marker = tmp_path / "work", tmp_path / "planted-ran.txt"
    work.mkdir()
    plant(work, marker)
    monkeypatch.chdir(work)
    warm_server.WarmServer.start_in_background()
    deadline = time.monotonic() + 120
    while warm_server.WarmServer.running() is None:
        assert time.monotonic() < deadline, "the warm server did not start"
        time.sleep(0.5)
    try:
        result = warm_server.WarmServer.running().snapshot(tiny, tmp_path / "v", None, None, None, None, None)
        assert result.rows
    finally:
        assert warm_server.stop()
    assert not marker.exists(), f"planted modules ran in the warm server:\n{marker.read_text()}"
