"""Run an untrusted-input parser in a child process that can be killed.

``run_sandboxed(fn, *args, wall_s=..., memory_bytes=...)`` calls ``fn(*args)`` in a fresh
``python -m analyzers.sandbox`` process (a plain subprocess: no fork of the bot's threads, no
re-import of the caller's ``__main__``). The child first sets ``RLIMIT_AS`` to its current
address space plus ``memory_bytes`` and ``RLIMIT_CPU`` as a backstop, then reads the call
(pickled, from the trusted parent) on stdin and writes the result as JSON on stdout, so a
child subverted by a hostile file cannot hand the parent a malicious pickle. The parent waits
at most ``wall_s`` and kills the child after that.

Problems come back as ``SandboxLimit`` (a ``ValueError``) with a message for the person who sent
the input; an exception of a type listed in ``passthrough`` raised by ``fn`` is re-raised in the
parent with its message. ``fn`` must return JSON-serialisable values. At most ``MAX_CHILDREN``
children run at once (callers wait for a slot before their clock starts), so a burst of hostile
uploads cannot fork the machine to death. Synchronous: async code calls it through
``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["MAX_CHILDREN", "SandboxLimit", "run_sandboxed"]

MAX_CHILDREN = 2
_slots = threading.BoundedSemaphore(MAX_CHILDREN)


class SandboxLimit(ValueError):
    """The input needed more time or memory than allowed, or crashed the parser."""


def run_sandboxed(
    fn: Callable[..., Any],
    *args: Any,
    wall_s: float,
    memory_bytes: int,
    what: str = "the input",
    passthrough: tuple[type[BaseException], ...] = (),
) -> Any:
    """``fn(*args)`` in a killable child process; raises ``SandboxLimit`` past the limits.

    ``fn`` must be importable (a module-level function or a builtin); ``what`` names the input
    in messages ("report.pdf").
    """
    names = tuple(t.__name__ for t in passthrough)
    call = pickle.dumps((fn, args, names), protocol=pickle.HIGHEST_PROTOCOL)
    cpu_s = max(1, int(wall_s) + 1)
    cmd = [sys.executable, "-m", "analyzers.sandbox", str(int(memory_bytes)), str(cpu_s)]
    with _slots:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        try:
            out, _ = proc.communicate(call, timeout=wall_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise SandboxLimit(
                f"{what} took longer than {wall_s:g} s to read and was stopped; "
                "send a smaller or simpler file"
            ) from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    try:
        result = json.loads(out) if out else None
    except ValueError:
        result = None
    if not isinstance(result, list) or not result:
        raise SandboxLimit(_crash_message(what, proc.returncode, memory_bytes))
    kind = result[0]
    if kind == "ok" and len(result) == 2:
        return result[1]
    if kind == "memory":
        raise SandboxLimit(
            f"{what} needs more than {memory_bytes / 1e6:.0f} MB of memory to read; "
            "send a smaller or simpler file"
        )
    if kind == "raise" and len(result) == 3:
        for exc_type in passthrough:
            if exc_type.__name__ == result[1]:
                raise exc_type(str(result[2]))
    detail = f" ({result[1]}: {result[2]})" if len(result) == 3 else ""
    raise SandboxLimit(f"{what} could not be read{detail}")


def _crash_message(what: str, code: int | None, memory_bytes: int) -> str:
    if code is not None and code < 0:
        return (
            f"{what} stopped the reader (signal {-code}), probably by needing more than "
            f"{memory_bytes / 1e6:.0f} MB of memory or too much time; send a smaller file"
        )
    return f"{what} stopped the reader unexpectedly (exit {code}); send a smaller file"


# -- the child ---------------------------------------------------------------------------------


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _limit_self(memory_bytes: int, cpu_s: int) -> None:
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


def _child(argv: list[str]) -> int:
    memory_bytes, cpu_s = int(argv[0]), int(argv[1])
    call = sys.stdin.buffer.read()  # before the limit: the call itself is the parent's
    _limit_self(memory_bytes, cpu_s)
    result: list[Any]
    passthrough: tuple[str, ...] = ()
    try:
        fn, args, passthrough = pickle.loads(call)
        del call
        result = ["ok", fn(*args)]
        text = json.dumps(result)
    except MemoryError:
        text = '["memory"]'
    except BaseException as exc:  # a parser bug on hostile input: say so, briefly
        kind = "raise" if type(exc).__name__ in passthrough else "error"
        text = json.dumps([kind, type(exc).__name__, str(exc)[:300]])
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
