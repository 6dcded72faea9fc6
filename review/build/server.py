"""The warm server: a background process that keeps the heavy libraries imported between builds.

Analysts rebuild the review dozens of times while drafting. A cold build starts a warm
process for its kernels (review.engine.warm_kernel) and imports Great Expectations to validate:
about 10 s of imports before any work. With the server, one process per version of the
code and environment keeps all of that imported; a build asks it to fork a child that
validates and writes the snapshot, and to fork each notebook's kernel. Each request gets
a fresh forked process, so nothing carries over from one build or notebook to the next,
and the results are the same as without it (the tests compare them).

A build that finds no server works as before and then starts one in the background for
the next build. The server exits after `IDLE_S` without requests. It trusts no other user
(docs/threat-model.md): its folder is made with mode 0700 and refused when another user
owns it or can use it; both ends check that the other is a process of the same user
(SO_PEERCRED) before a byte is sent; reads time out on both sides; and `review server
stop` stops only a process that is this user's server on this socket, not whatever now
has its old process id. It is started with `-P` in its own folder, so it never imports
from the folder the build that started it ran in. `review build --no-server` (or
REVIEW_SERVER=off) builds without it; `review server status|stop` shows or stops it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

IDLE_S = 1800
#: How long a build waits for the server's answer to a call (validating the sample takes seconds).
CALL_TIMEOUT_S = 600.0


def _folder() -> Path:
    from review.inputs.fsutil import NotPrivate, private_folder

    try:
        return private_folder(Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".cache") / "alliance-review", "warm server")
    except NotPrivate as exc:
        raise NotPrivate(f"{exc} (or build with --no-server)") from None


def socket_path() -> Path:
    """One server per version of the code, the interpreter and the packages it imports."""
    from review.inputs.fingerprint import code_hash, key, package_versions
    from review.report.catalog import NOTEBOOK_PACKAGES

    ident = key("server", code_hash(), sys.executable, package_versions(NOTEBOOK_PACKAGES + ("great-expectations", "pandas")))[:16]
    return _folder() / f"server-{ident}.sock"


class WarmServer:
    def __init__(self, path: Path):
        self.socket = str(path)

    @classmethod
    def running(cls) -> "WarmServer | None":
        """The server of this code and environment, if one is up and ready."""
        from review.engine.warm_kernel import connect

        path = socket_path()
        try:
            connect(str(path)).close()
        except PermissionError:
            raise
        except OSError:
            return None
        return cls(path)

    @staticmethod
    def start_in_background() -> None:
        """Start the server for the next build; returns at once (the imports take a few seconds)."""
        path = socket_path()
        if _server_pid(path) is not None:
            return  # starting (its socket appears once its imports are done) or running
        if path.exists():
            try:
                path.unlink()  # a stale socket: nobody answered on it
            except OSError:
                return
        with open(path.with_suffix(".log"), "ab") as log:
            process = subprocess.Popen(  # -P and its own folder: nothing imported from where this build runs
                [sys.executable, "-P", "-m", "review.engine.warm_kernel", "server", str(path), str(IDLE_S)],
                cwd=path.parent, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            )
        path.with_suffix(".pid").write_text(str(process.pid))

    def call(self, name: str, **kwargs):
        """Run one of warm_kernel.CALLS in a fork of the server, in this directory and environment."""
        from review.engine.warm_kernel import connect

        conn = connect(self.socket)  # refused unless the listener is this user's
        request = {"call": name, "kwargs": kwargs, "cwd": os.getcwd(), "env": dict(os.environ), "client_pid": os.getpid()}
        try:
            conn.sendall((json.dumps(request) + "\n").encode())
            conn.settimeout(CALL_TIMEOUT_S)
            line = conn.makefile("r").readline()
        except TimeoutError:
            raise RuntimeError(f"the warm server did not answer its {name} within {CALL_TIMEOUT_S:.0f} s; stop it (review server stop) or build with --no-server") from None
        finally:
            conn.close()
        if not line:
            raise RuntimeError(f"the warm server's {name} stopped without an answer")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{answer['error']} (in the warm server; run with --no-server to see it here)")
        return answer["result"]

    def snapshot(self, inputs: Path, dest: Path, edition: str | None, reuse_from: Path | None, previous: Path | None, passed: Path | None, publish: Path | None):
        """review.build.validated.make_snapshot, run in a fork of the server."""
        from review.build.validated import InvalidInputs, SnapshotResult
        from review.inputs.problems import Problem

        def absolute(path):
            return str(Path(path).resolve()) if path is not None else None

        result = self.call(
            "snapshot", inputs=absolute(inputs), dest=absolute(dest), edition=edition, reuse_from=absolute(reuse_from),
            previous=absolute(previous), passed=absolute(passed), publish=absolute(publish),
        )
        if "problems" in result:
            raise InvalidInputs([Problem(**p) for p in result["problems"]])
        return SnapshotResult(Path(dest), result["meta"], result["reused"], result["rows"])


def _server_pid(path: Path) -> int | None:
    """The process id in the server's pid file, if that process is still this user's server on `path`.

    A process id is reused once its process ends: the pid file is believed only when the
    process it names is this user's and runs the warm server on this socket (its command line).
    """
    try:
        pid = int(path.with_suffix(".pid").read_text())
        proc = Path(f"/proc/{pid}")
        command = (proc / "cmdline").read_bytes().split(b"\0")
        if proc.stat().st_uid != os.getuid():
            return None
    except (OSError, ValueError):
        return None
    return pid if b"review.engine.warm_kernel" in command and os.fsencode(str(path)) in command else None


def snapshot_in_fork(inputs, dest, edition, reuse_from, previous, passed, publish) -> dict:
    """What the server's child runs for a build: validate and write the snapshot; problems as data."""
    from review.build.validated import InvalidInputs, make_snapshot

    def path(text):
        return Path(text) if text else None

    try:
        result = make_snapshot(Path(inputs), Path(dest), edition, path(reuse_from), path(previous), path(passed), path(publish))
    except InvalidInputs as exc:
        return {"problems": [p.as_dict() for p in exc.problems]}
    return {"meta": result.meta, "reused": result.reused, "rows": result.rows}


def status() -> str:
    path = socket_path()
    if WarmServer.running():
        pid = _server_pid(path) or "?"
        return f"running (process {pid}, socket {path}); it exits after {IDLE_S // 60} minutes without builds"
    return "not running; the next build starts it"


def stop() -> bool:
    """Stop this code's server; True if one was running."""
    path = socket_path()
    pid = _server_pid(path)
    path.with_suffix(".pid").unlink(missing_ok=True)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return False
    return True
