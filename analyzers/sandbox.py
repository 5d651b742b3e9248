"""Run an untrusted-input parser in a child process that can be killed.

``run_sandboxed(fn, *args, wall_s=..., memory_bytes=...)`` calls ``fn(*args)`` in a child
process (``forkserver``: forked from a small server process that has imported only the parsers,
never from the bot's threads) with ``RLIMIT_AS`` set to its current address space plus
``memory_bytes`` and ``RLIMIT_CPU`` as a backstop. The parent waits at most ``wall_s`` and kills
the child after that. Problems come back as ``SandboxLimit`` (a ``ValueError``) with a message
for the person who sent the input; an exception of a type listed in ``passthrough`` raised by
``fn`` is re-raised in the parent with its message.

At most ``MAX_CHILDREN`` children run at once (callers wait for a slot before their clock
starts), so a burst of hostile uploads cannot fork the machine to death. Synchronous: call it
from a worker thread (``asyncio.to_thread``) in async code.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["MAX_CHILDREN", "SandboxLimit", "run_sandboxed"]

T = TypeVar("T")

MAX_CHILDREN = 2
_slots = threading.BoundedSemaphore(MAX_CHILDREN)
_context_lock = threading.Lock()
_context: Any = None


class SandboxLimit(ValueError):
    """The input needed more time or memory than allowed, or crashed the parser."""


def _mp_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            methods = multiprocessing.get_all_start_methods()
            if "forkserver" in methods:
                ctx: Any = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["analyzers.documents"])
            else:  # pragma: no cover - non-Unix
                ctx = multiprocessing.get_context("spawn")
            _context = ctx
        return _context


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _limit_child(memory_bytes: int, cpu_s: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - non-Unix
        return
    used = _address_space()
    if used is not None and memory_bytes > 0:
        limit = used + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_s > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))


def _child_main(
    conn: Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    memory_bytes: int,
    cpu_s: int,
    passthrough: tuple[type[BaseException], ...],
) -> None:
    try:
        _limit_child(memory_bytes, cpu_s)
        result: tuple[Any, ...] = ("ok", fn(*args))
    except MemoryError:
        result = ("memory",)
    except passthrough as exc:
        result = ("raise", type(exc).__name__, str(exc))
    except Exception as exc:  # a parser bug on hostile input: say so, briefly
        result = ("error", type(exc).__name__, str(exc)[:300])
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory",))
    finally:
        conn.close()


def run_sandboxed(
    fn: Callable[..., T],
    *args: Any,
    wall_s: float,
    memory_bytes: int,
    what: str = "the input",
    passthrough: tuple[type[BaseException], ...] = (),
) -> T:
    """``fn(*args)`` in a killable child process; raises ``SandboxLimit`` past the limits.

    ``fn`` and ``args`` must be picklable (a module-level function); ``what`` names the input in
    messages ("report.pdf").
    """
    ctx = _mp_context()
    with _slots:
        recv, send = ctx.Pipe(duplex=False)
        cpu_s = max(1, int(wall_s) + 1)
        proc = ctx.Process(
            target=_child_main,
            args=(send, fn, args, memory_bytes, cpu_s, passthrough),
            daemon=True,
        )
        proc.start()
        send.close()
        try:
            if not recv.poll(wall_s):
                raise SandboxLimit(
                    f"{what} took longer than {wall_s:g} s to read and was stopped; "
                    "send a smaller or simpler file"
                )
            try:
                result = recv.recv()
            except (EOFError, OSError):
                proc.join(1.0)
                raise SandboxLimit(_crash_message(what, proc.exitcode, memory_bytes)) from None
        finally:
            recv.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5.0)
            proc.close()
    kind = result[0]
    if kind == "ok":
        value: T = result[1]
        return value
    if kind == "memory":
        raise SandboxLimit(
            f"{what} needs more than {memory_bytes / 1e6:.0f} MB of memory to read; "
            "send a smaller or simpler file"
        )
    if kind == "raise":
        for exc_type in passthrough:
            if exc_type.__name__ == result[1]:
                raise exc_type(result[2])
    raise SandboxLimit(f"{what} could not be read ({result[1]}: {result[2]})")


def _crash_message(what: str, exitcode: int | None, memory_bytes: int) -> str:
    if exitcode is not None and exitcode < 0:
        return (
            f"{what} stopped the reader (signal {-exitcode}), probably by needing more than "
            f"{memory_bytes / 1e6:.0f} MB of memory or too much time; send a smaller file"
        )
    return f"{what} stopped the reader unexpectedly (exit {exitcode}); send a smaller file"
