"""Jupyter kernels forked from a warm process, so a notebook does not pay interpreter start and imports.

Measured here, about 90% of a small notebook's time is kernel start (about 1 s) and
importing pandas and seaborn (about 2 s). A *zygote* process imports those once and then
forks one child per kernel; the child becomes an ordinary ipykernel kernel, so Papermill
and nbclient talk to it exactly as to a fresh one and each notebook still has its own
process and namespace (results are compared with plain Papermill in the tests).

How a kernel is born:

1. The build starts the zygote (`Zygote`), which listens on a Unix socket.
2. Papermill starts a kernel through `review.engine.warm_client.WarmKernelManager`, whose command is the tiny
   `python -m review.engine.warm_kernel attach SOCKET PARENT -f CONNECTION_FILE` (standard library only;
   it ends with PARENT, the worker that started it: review.engine.lifetime).
3. The attach process sends the connection file, its working directory, environment and
   standard streams (as file descriptors) to the zygote, which forks; the child takes
   them over and runs `ipykernel`.
4. The attach process stands in for the kernel towards jupyter_client: it forwards
   interrupt and terminate signals to the child and exits with the child's exit code. If
   it is killed, the child notices within a fraction of a second and exits too.

A build's zygote ends with the build (review.engine.lifetime); the warm server's does not (it
outlives builds on purpose), but every child it forks for a build watches that build's
process and exits when it is gone.

This module imports only the standard library at the top: the attach process must start fast.
"""

from __future__ import annotations

import array
import gc
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from review.engine.lifetime import die_with_parent, exit_when_gone

SOCKET_ENV = "REVIEW_WARM_KERNEL_SOCKET"
#: Imported once by the zygote; everything a notebook of this review imports, down to what
#: pandas, pyarrow and PIL import on first use (about 0.07 s a notebook when left to each kernel).
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "pyarrow.dataset",  # pandas.read_parquet reads through it
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "seaborn",
    "pandas.core.reshape.reshape",  # pivot_table, unstack
    "pandas.io.formats.csvs",  # every figure's and table's data
    "pandas.io.formats.html",  # every table's HTML twin
    "pandas.io.formats.string",
    "PIL.BmpImagePlugin",  # PIL.Image.preinit imports these four at a kernel's first savefig
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin",
    "pycountry",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",  # imported by every kernel at start; debugpy alone costs 0.3 s
    "review.report.chapter",
    "review.report.charts",
    "review.report.views",
    "review.report.monitoring",
    "review.report.glance",
    "review.report.annexes",
    "review.analysis.comparison",
    "review.analysis.narrative",
    "review.analysis.indicators",
    "review.report.record",
)
#: Imported by the warm server (review.build.server) besides PRELOAD: what its snapshot stage runs.
#: Named here, not imported from the server, because the engine never imports the build stage.
SERVER_PRELOAD = ("great_expectations", "review.inputs.validation", "review.build.validated", "review.analysis.disclosure", "review.audit.compare", "review.inputs.snapshot")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Functions a `call` request may run in a fork (review.build.server uses them; nothing else is callable).
CALLS = {"snapshot": "review.build.server:snapshot_in_fork"}
#: How long the warm process waits for a request once a client has connected. It serves one
#: request at a time, so a client that connects and sends nothing delays the next by this much at most.
REQUEST_TIMEOUT_S = 5.0
#: How long a client waits to connect, send its request and hear which process serves it.
ANSWER_TIMEOUT_S = 60.0


# --- who is at the other end of the socket --------------------------------------------------------


def peer_uid(conn: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (Linux: SO_PEERCRED).

    Elsewhere it is taken to be this user's: the socket's private folder alone then keeps
    other users out.
    """
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return os.getuid()
    _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return uid


def connect(path: str, timeout: float = ANSWER_TIMEOUT_S) -> socket.socket:
    """A connection to the warm process at `path`, refused (PermissionError) when another user listens there.

    The request that follows carries this process's environment (tokens included): it goes
    only to a process of the same user. Reads time out after `timeout`.
    """
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(path)
        uid = peer_uid(conn)
        if uid != os.getuid():
            raise PermissionError(f"{path}: the process listening there belongs to another user (uid {uid}); nothing was sent to it")
    except BaseException:
        conn.close()
        raise
    return conn


# --- the zygote ---------------------------------------------------------------------------


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """One request: a JSON line, with the client's standard streams as file descriptors for a kernel."""
    fds = array.array("i")
    data, ancdata, _, _ = conn.recvmsg(1 << 20, socket.CMSG_LEN(3 * fds.itemsize))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    while data and not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        data += more
    return json.loads(data.decode()), list(fds)


def _become_kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: take over the attach process's streams, directory and environment, then run ipykernel."""
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    client = request["client_pid"]
    exit_when_gone(client)  # the attach process was killed: nobody can stop us, so stop
    # parent_handle: as a fresh kernel started by jupyter_client would have it (also silences the banner);
    # hist_file: what nbclient passes to the kernels it starts, which the attach command leaves out, so that
    # each notebook's cells are not written to the ~/.ipython history database every kernel shares (its
    # opening was 0.15 s of a kernel's start)
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], f"--IPKernelApp.parent_handle={client}", "--HistoryManager.hist_file=:memory:"]
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


def _run_call(request: dict, conn: socket.socket) -> None:
    """In the forked child: run one of CALLS in the client's directory and environment, answer with its JSON."""
    import importlib
    import traceback

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    exit_when_gone(request["client_pid"])  # the build was killed: its snapshot is not wanted
    module, _, name = CALLS[request["call"]].partition(":")
    try:
        answer = {"result": getattr(importlib.import_module(module), name)(**request["kwargs"])}
    except Exception as exc:  # the client re-raises it
        answer = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    conn.sendall((json.dumps(answer) + "\n").encode())


def serve(path: str, preload: tuple[str, ...] = PRELOAD, idle_s: float | None = None, parent: int | None = None) -> None:
    """Import the heavy libraries once, then fork a child for every request.

    A request is a kernel (`attach`) or, for the warm server, a `call` of one of CALLS.
    With `idle_s`, the process exits after that long without requests or children.
    With `parent`, it ends when that process (the build) ends, stopping its kernels.
    The socket is bound only once everything is imported, so a client that can connect
    is served at once.
    """
    import importlib

    if parent is not None:
        die_with_parent(parent)  # its forked kernels watch their attach processes, which end with the build's workers
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # what ipykernel sets before matplotlib is imported
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's start-up warning about frozen modules
    for module in preload:
        importlib.import_module(module)
    # A fork's garbage collector would otherwise walk, and write to the header of, every object
    # imported above, copying each memory page it touches: a kernel's first full collection then
    # cost a notebook 0.1 to 0.2 s. The collector leaves frozen objects alone.
    gc.collect()
    gc.freeze()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)  # only this user may connect
    try:
        server.bind(path)
    finally:
        os.umask(old_mask)
    server.listen(128)
    print("ready", flush=True)
    waiting: dict[int, socket.socket] = {}
    exits: dict[int, int] = {}  # a child's pidfd (Linux), readable once it exits: its attach process hears at once, not at the next poll
    stop = False
    last_activity = time.monotonic()

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    while not stop:
        if idle_s is not None and not waiting and time.monotonic() - last_activity > idle_s:
            break
        readable, _, _ = select.select([server, *exits.values()], [], [], 0.05)
        if server in readable:
            last_activity = time.monotonic()
            conn, _ = server.accept()
            try:
                if peer_uid(conn) != os.getuid():  # the socket's folder is private; this is the second lock
                    raise PermissionError("another user's process")
                conn.settimeout(REQUEST_TIMEOUT_S)  # one that connects and says nothing must not hold up the next
                request, fds = _recv_request(conn)
                conn.settimeout(None)
            except (OSError, ValueError):  # a probe that only connects, a silent or garbled request, another user
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                server.close()
                for other in waiting.values():
                    other.close()
                for fd in exits.values():
                    os.close(fd)
                try:
                    if request.get("call"):
                        _run_call(request, conn)
                    else:
                        conn.close()
                        _become_kernel(request, fds)
                finally:
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            if not request.get("call"):
                try:
                    conn.sendall((json.dumps({"pid": pid}) + "\n").encode())
                except OSError:  # the attach process is gone; its kernel sees that and exits, and is reaped below
                    pass
            waiting[pid] = conn
            try:
                exits[pid] = os.pidfd_open(pid)
            except (AttributeError, OSError):  # not Linux, or a kernel or sandbox without pidfds: the 50 ms poll reaps it
                pass
        while waiting:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = waiting.pop(pid, None)
            if pid in exits:
                os.close(exits.pop(pid))
            last_activity = time.monotonic()
            if conn is not None:
                code = os.waitstatus_to_exitcode(status)
                try:
                    conn.sendall((json.dumps({"exit": code}) + "\n").encode())
                except OSError:
                    pass
                conn.close()
    for pid in waiting:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    server.close()
    try:
        os.unlink(path)
    except OSError:
        pass


class Zygote:
    """The warm process of one build; `socket` is what `WarmKernelManager` connects to."""

    def __init__(self, log_path: str | None = None, start_timeout: float = 120):
        self.dir = tempfile.mkdtemp(prefix="review-zygote-")
        self.socket = os.path.join(self.dir, "zygote.sock")
        self._log = open(log_path, "ab") if log_path else None
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "review.engine.warm_kernel", "serve", self.socket, str(os.getpid())],
            cwd=self.dir,  # -P and a private folder: nothing is imported from where the build was started
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self._start_timeout = start_timeout

    def wait_ready(self) -> None:
        ready, _, _ = select.select([self.process.stdout], [], [], self._start_timeout)
        line = self.process.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self.close()
            raise RuntimeError(f"the warm kernel process did not start (exit code {self.process.poll()})")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        try:
            os.unlink(self.socket)
        except OSError:
            pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass
        if self._log:
            self._log.close()

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- the attach process ---------------------------------------------------------------------


def attach(path: str, connection_file: str, parent: int) -> int:
    """Ask the zygote for a kernel; stand in for it until it exits, or until `parent` (the worker) ends."""
    exit_when_gone(parent)
    conn = connect(path)
    request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(), "env": dict(os.environ), "client_pid": os.getpid()}
    payload = (json.dumps(request) + "\n").encode()
    sent = socket.send_fds(conn, [payload], [0, 1, 2])
    conn.sendall(payload[sent:])
    reader = conn.makefile("r")
    child = json.loads(reader.readline())["pid"]
    conn.settimeout(None)  # then the kernel's whole life, until its exit code

    def forward(sig, _frame):
        try:
            os.kill(child, sig)
        except OSError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    line = reader.readline()
    return json.loads(line)["exit"] if line else 1


# --- the kernel manager Papermill uses ------------------------------------------------------


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"] and len(argv) == 3:  # a build's zygote: ends with the build
        serve(argv[1], parent=int(argv[2]))
        # Leave without the interpreter's teardown of everything PRELOAD imported (0.6 s of a
        # build's close, waited for by every build): the socket is gone, its children reaped
        # or killed, and it writes nothing but "ready" (flushed) and warnings to stderr.
        sys.stderr.flush()
        os._exit(0)
    if argv[:1] == ["server"] and len(argv) == 3:  # the warm server: review.build.server starts it
        serve(argv[1], PRELOAD + SERVER_PRELOAD, idle_s=float(argv[2]))
        return 0
    if argv[:1] == ["attach"] and len(argv) == 5 and argv[3] == "-f":
        return attach(argv[1], argv[4], int(argv[2]))
    print("usage: python -m review.engine.warm_kernel serve SOCKET PARENT | attach SOCKET PARENT -f CONNECTION_FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
