"""The jupyter_client side of the build's kernels: what Papermill is given to start one.

Both kinds end with the process that starts them (review.engine.lifetime), so killing a build
leaves no kernel behind.
"""

from __future__ import annotations

import os
import sys

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

from review.engine.warm_kernel import SOCKET_ENV

#: How long the client waits for IOPub to fall quiet after the kernel's first reply
#: (jupyter_client waits 0.2 s, twice): idle time, not work, but paid by every notebook.
IOPUB_SETTLE_S = 0.02
#: How soon a client's socket tries again to reach a kernel that is not listening yet (ZeroMQ
#: waits 100 ms). The client connects as soon as the kernel is asked for, and a warm kernel
#: listens about 90 ms later, so the default kept every notebook waiting for the next retry.
RECONNECT_MS = 5
#: The longest wait between attempts, as they back off (unbounded by default: ZeroMQ would then
#: retry every 5 ms for as long as nothing listens, hundreds of refused connections a second).
RECONNECT_MAX_MS = 20
#: How often the manager checks whether a kernel asked to shut down has exited (jupyter_client: 0.1 s).
SHUTDOWN_POLL_S = 0.005


def _quick_reconnect(context: zmq.Context) -> zmq.Context:
    context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)  # defaults for the sockets it makes from now on
    context.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_MAX_MS)
    return context


class WarmKernelClient(AsyncKernelClient):
    def _context_default(self):
        return _quick_reconnect(super()._context_default())

    async def wait_for_ready(self, timeout=None):
        channel = self.iopub_channel
        get_msg = channel.get_msg

        async def settle(timeout=None):
            return await get_msg(timeout=IOPUB_SETTLE_S)

        channel.get_msg = settle
        try:
            await self._async_wait_for_ready(timeout)
        finally:
            channel.get_msg = get_msg


class WarmKernelManager(AsyncKernelManager):
    """Starts `python -m review.engine.warm_kernel attach`, which gets a kernel forked from the zygote in SOCKET_ENV."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_factory = WarmKernelClient

    def _context_default(self):
        return _quick_reconnect(super()._context_default())  # its control socket, which asks the kernel to shut down

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
        await super()._async_finish_shutdown(waittime, min(pollinterval, SHUTDOWN_POLL_S), restart)

    finish_shutdown = _async_finish_shutdown  # AsyncKernelManager binds the public name to the base function

    def format_kernel_cmd(self, extra_arguments=None):
        return [sys.executable, "-P", "-m", "review.engine.warm_kernel", "attach", os.environ[SOCKET_ENV], str(os.getpid()), "-f", self.connection_file]


class PlainKernelManager(AsyncKernelManager):
    """A fresh ipykernel kernel, as Papermill starts by default, that ends with this process (review.engine.lifetime)."""

    def format_kernel_cmd(self, extra_arguments=None):
        return [sys.executable, "-P", "-m", "review.engine.lifetime", str(os.getpid()), "-f", self.connection_file]
