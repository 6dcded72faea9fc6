"""The build's helper processes end with it, even when the build is killed with SIGKILL.

A build starts worker processes, a warm process (review.engine.warm_kernel) and, through
jupyter_client, one kernel per notebook. A process killed with SIGKILL cannot stop its
children, so each child stops itself when its parent ends:

- the workers and the warm process, which the build starts from its main thread, ask the
  operating system for a signal when the build ends (Linux: `prctl(PR_SET_PDEATHSIG)`,
  which acts at once, even on a busy process; elsewhere a polling thread);
- kernels (and the attach process of a warm kernel, whose forked kernel watches it) poll
  their parent every POLL_S seconds: jupyter_client may start them from any thread (on a
  Dask worker, from a pool thread), and a parent-death signal follows the thread that
  started a process, not the process.

Killed with SIGKILL, a build leaves no process of its own behind after about half a
second. The warm server (review.build.server) is deliberately long-lived and is not a child of
any build: it is not tied to one.

`python -P -m review.engine.lifetime PARENT -f CONNECTION_FILE` runs a plain ipykernel kernel
that ends with PARENT: what `review.engine.warm_client.PlainKernelManager` starts instead of
`python -m ipykernel_launcher` (the same kernel; `-P` keeps the working directory, the
output folder, off the import path, as ipykernel_launcher does).

This module imports only the standard library at the top: kernels start through it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
POLL_S = 0.2


def exit_when_gone(pid: int) -> None:
    """A daemon thread that ends this process (exit code 1) once process `pid` no longer exists."""
    if not _exists(pid):
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(POLL_S)
            if not _exists(pid):
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name=f"exit-when-{pid}-gone").start()


def _exists(pid: int) -> bool:
    """Whether `pid` is a running process; a zombie (ended, not yet reaped by its parent) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        pass
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):  # it just went, or there is no /proc (not Linux: kill() said it exists)
        return not sys.platform.startswith("linux")


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Have this process receive `sig` when its parent `parent` ends; exit now if it already has.

    Call it only in a process started from its parent's main thread (see above). On Linux
    the kernel delivers the signal (it is cleared in forked children, so a warm process's
    kernels are not affected); elsewhere a polling thread exits instead.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        exit_when_gone(parent)
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


def no_imports_from_working_folder() -> None:
    """Have every Python process started from here on leave its working folder off `sys.path`.

    `python -c ...` and `python -m ...` put the folder they start in first on `sys.path`,
    so a `json.py` left there (in the folder a build is started from, or in a received
    outputs folder being audited) would run in them. The commands this package builds say
    `-P` themselves; multiprocessing's workers are started with `-c` and copy only the
    interpreter's flags, so the environment variable (PYTHONSAFEPATH, Python 3.11) is set
    for them, and everything they start inherits it.
    """
    os.environ["PYTHONSAFEPATH"] = "1"


def run_kernel(parent: int, connection_file: str) -> None:
    """A plain ipykernel kernel that ends with `parent`; as `python -m ipykernel_launcher -f FILE` otherwise."""
    exit_when_gone(parent)
    sys.argv = ["ipykernel_launcher", "-f", connection_file]
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] != "-f":
        print("usage: python -m review.engine.lifetime PARENT_PID -f CONNECTION_FILE", file=sys.stderr)
        sys.exit(2)
    run_kernel(int(sys.argv[1]), sys.argv[3])
