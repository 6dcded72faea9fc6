"""The warm kernels' start and shutdown: what keeps each notebook's fixed cost small."""

from __future__ import annotations

import asyncio

import zmq
from jupyter_client.manager import AsyncKernelManager

from review.engine.warm_client import RECONNECT_MS, SHUTDOWN_POLL_S, WarmKernelClient, WarmKernelManager
from review.engine.warm_kernel import SOCKET_ENV, Zygote


def test_warm_clients_retry_a_kernel_that_is_not_listening_yet_within_milliseconds():
    """ZeroMQ's default is 100 ms between attempts; a warm kernel listens about 90 ms after it is asked for."""
    for owner in (WarmKernelClient(), WarmKernelManager(kernel_name="python3")):
        sock = owner.context.socket(zmq.DEALER)
        try:
            assert sock.getsockopt(zmq.RECONNECT_IVL) == RECONNECT_MS
        finally:
            sock.close(0)


def test_a_warm_kernel_shutting_down_is_checked_on_every_few_milliseconds(monkeypatch):
    seen = {}

    async def finish(self, waittime=None, pollinterval=0.1, restart=False):
        seen["poll"] = pollinterval

    monkeypatch.setattr(AsyncKernelManager, "_async_finish_shutdown", finish)
    asyncio.run(WarmKernelManager(kernel_name="python3")._async_finish_shutdown())
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
            await km.shutdown_kernel()
        return int(printed), await km.is_alive()

    with Zygote() as zygote:
        zygote.wait_ready()
        frozen, alive = asyncio.run(life(zygote.socket))
    assert frozen > 50_000  # pandas, matplotlib, seaborn and IPython: about 184,000 objects here; none without the freeze
    assert not alive
