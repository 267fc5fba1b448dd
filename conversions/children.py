"""Child processes: they never outlive the process that started them, and a call can be run in
one, isolated, with a memory limit and a timeout.

Speech runs in child processes (conversions/speech.py); so does PDF parsing
(`pdftext.extract_document_isolated`), so that a file which crashes, hangs or eats memory in
the parser costs the worker nothing but that one job.
"""

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies, however the parent dies.

    Called first thing in every child (speech, PDF parsing): a worker killed with SIGKILL runs
    no cleanup, and a child left behind would go on using a core for a job that is gone.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request took effect


class ChildFailed(Exception):
    """An isolated call gave no result: its child ran past its time (`timed_out`), died, ran out
    of memory, or raised an error that was not passed through. `detail` is for the log."""

    def __init__(self, detail: str, timed_out: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.timed_out = timed_out


def _child_main(
    conn,
    func: Callable[..., Any],
    args: tuple,
    kwargs: dict,
    memory_mb: int,
    parent_pid: int,
    passthrough: tuple[type[BaseException], ...],
    reports: bool = False,
) -> None:
    """Runs in the child: cap the address space, run `func`, send back ("ok", value),
    ("raised", error) for the `passthrough` errors, or ("failed", detail). With `reports`,
    `func` gets a `progress` keyword whose calls go to the parent as ("progress", args)."""
    die_with_parent(parent_pid)
    if reports:
        kwargs = {**kwargs, "progress": lambda *values: conn.send(("progress", values))}
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not on this platform: run unlimited
        logger.warning("could not limit memory: %r", exc)
    try:
        result = ("ok", func(*args, **kwargs))
    except passthrough as exc:
        result = ("raised", exc)
    except MemoryError:
        result = ("failed", f"out of memory (limit {memory_mb} MB)")
    except RecursionError as exc:
        result = ("failed", repr(exc))
    except Exception as exc:  # a bug met on a strange input: the input's problem for the user
        result = ("failed", f"unexpected {exc!r}")
    try:
        conn.send(result)
    except Exception as exc:  # the result itself would not pickle or fit in memory
        conn.send(("failed", f"cannot return result: {exc!r}"))
    finally:
        conn.close()


def run_isolated(
    func: Callable[..., Any],
    *args: Any,
    timeout: float = 300,
    memory_mb: int = 1024,
    passthrough: tuple[type[BaseException], ...] = (),
    name: str = "isolated",
    progress: Callable[..., None] | None = None,
    **kwargs: Any,
) -> Any:
    """Call `func(*args, **kwargs)` in a fresh child process and return its result.

    An error of one of the `passthrough` types raised there is raised here (it must pickle).
    A crash, a kill, running out of memory or any other error raises ChildFailed; running past
    `timeout` seconds kills the child and raises ChildFailed with `timed_out` set. The child
    is started with "spawn": forking a worker that holds threads and database connections is
    unsafe, and a fresh interpreter holds none.

    With `progress`, `func` is given a `progress` keyword of its own: each call there calls
    `progress` here with the same values, and restarts the `timeout` (a long job that keeps
    reporting is working, one that falls silent is stuck). An error raised by `progress`
    stops the child and goes to the caller.
    """
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child_main,
        args=(sender, func, args, kwargs, memory_mb, os.getpid(), passthrough, bool(progress)),
        name=name,
        # Not a daemon, so that it may start processes of its own (OCR); it is killed below
        # whatever happens, and dies with this process (die_with_parent).
        daemon=False,
    )
    child.start()
    sender.close()  # ours is the read end only: EOF when the child dies
    try:
        while True:
            try:
                ready = receiver.poll(timeout)
            except (EOFError, OSError):
                ready = True
            if not ready:
                raise ChildFailed(f"no result after {timeout} s", timed_out=True)
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                child.join(5)
                raise ChildFailed(f"{name} process died (exit code {child.exitcode})") from None
            if result[0] != "progress":
                break
            if progress is not None:
                progress(*result[1])
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if result[0] == "ok":
        return result[1]
    if result[0] == "raised":
        raise result[1]
    raise ChildFailed(result[1])
