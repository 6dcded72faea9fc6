"""The warm kernels' start and shutdown: what keeps each notebook's fixed cost small."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
import zmq
from jupyter_client.manager import AsyncKernelManager

from review.engine.warm_client import RECONNECT_MAX_MS, RECONNECT_MS, SHUTDOWN_POLL_S, WarmKernelClient, WarmKernelManager
from review.engine.warm_kernel import SOCKET_ENV, Zygote, connect


def test_warm_clients_retry_a_kernel_that_is_not_listening_yet_within_milliseconds():
    """ZeroMQ's default is 100 ms between attempts; a warm kernel listens about 90 ms after it is asked for."""
    for owner in (WarmKernelClient(), WarmKernelManager(kernel_name="python3")):
        sock = owner.context.socket(zmq.DEALER)
        try:
            assert sock.getsockopt(zmq.RECONNECT_IVL) == RECONNECT_MS
            assert sock.getsockopt(zmq.RECONNECT_IVL_MAX) == RECONNECT_MAX_MS  # backing off while nothing listens
        finally:
            sock.close(0)


def test_a_warm_kernel_shutting_down_is_checked_on_every_few_milliseconds(monkeypatch):
    seen = {}

    async def finish(self, waittime=None, pollinterval=0.1, restart=False):
        seen["poll"] = pollinterval

    monkeypatch.setattr(AsyncKernelManager, "_async_finish_shutdown", finish)
    km = WarmKernelManager(kernel_name="python3")
    for wait in (km._async_finish_shutdown, km.finish_shutdown):  # shutdown_kernel calls the first; the public name too
        seen.clear()
        asyncio.run(wait())
        assert seen["poll"] == SHUTDOWN_POLL_S


def test_a_warm_kernel_starts_with_the_imported_libraries_frozen_and_its_exit_is_reported(monkeypatch, tmp_path):
    """The zygote freezes what it imported before forking (a kernel's garbage collector never walks,
    and so never copies, those objects); the kernel's exit code reaches its manager."""
    monkeypatch.chdir(tmp_path)

    async def life(socket_path):
        monkeypatch.setenv(SOCKET_ENV, socket_path)
        km = WarmKernelManager(kernel_name="python3")
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            outputs = []
            reply = await kc.execute_interactive("import gc; print(gc.get_freeze_count())", timeout=60, output_hook=outputs.append)
            assert reply["content"]["status"] == "ok"
            printed = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
        finally:
            kc.stop_channels()
            attach = km.provisioner.process  # the attach process, which exits with the code the zygote reports
            await km.shutdown_kernel()
        return int(printed), attach.returncode

    with Zygote() as zygote:
        zygote.wait_ready()
        frozen, attach_exit = asyncio.run(life(zygote.socket))
    assert frozen > 50_000  # pandas, matplotlib, seaborn and IPython: about 184,000 objects here; none without the freeze
    assert attach_exit == 0  # the kernel's own exit, as the zygote reported it (not a signal from the manager)


def _serve(path, tmp_path, without_pidfds: bool) -> subprocess.Popen:
    refuse = "import errno, os\ndef refuse(pid):\n    raise OSError(errno.ENOSYS, 'pidfd_open')\nos.pidfd_open = refuse\n" if without_pidfds else ""
    return subprocess.Popen([sys.executable, "-P", "-c", refuse + f"from review.engine.warm_kernel import serve; serve({str(path)!r}, (), idle_s=60)"], stdout=subprocess.PIPE, text=True, cwd=tmp_path)


@pytest.mark.parametrize("without_pidfds", [False, True], ids=["pidfds", "no pidfds"])
def test_the_warm_process_serves_on_and_keeps_nothing_of_the_children_it_reaped(tmp_path, without_pidfds):
    """Each request's child is reaped and its exit reported; the warm process then holds the same
    descriptors as before (no pidfd left open). Where pidfds cannot be opened (a kernel before
    Linux 5.3, some sandboxes) it polls instead, and serves the next request all the same."""
    path = tmp_path / "s.sock"
    server = _serve(path, tmp_path, without_pidfds)
    try:
        assert server.stdout.readline().strip() == "ready"
        held = sorted(os.listdir(f"/proc/{server.pid}/fd"))
        for _ in range(3):
            conn = connect(str(path), timeout=30)
            # a call that fails in the child (no arguments): it answers with the error, then exits
            conn.sendall((json.dumps({"call": "snapshot", "kwargs": {}, "cwd": str(tmp_path), "env": dict(os.environ), "client_pid": os.getpid()}) + "\n").encode())
            reader = conn.makefile("r")
            answer, ended, rest = json.loads(reader.readline()), json.loads(reader.readline()), reader.read()
            conn.close()
            assert "error" in answer and ended == {"exit": 0} and rest == ""  # the server closed its end
        assert server.poll() is None
        assert sorted(os.listdir(f"/proc/{server.pid}/fd")) == held
    finally:
        server.kill()
        server.wait()
