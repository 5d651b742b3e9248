"""The acknowledgement path's database budget: every store call a listener makes before Slack's
ack runs in a thread (never on the event loop) and within what is left of the delivery's budget.

A transport wraps each delivery in ``delivery()``; ``off_loop(fn, ...)`` runs ``fn`` through
``asyncio.to_thread`` and waits at most until the delivery's deadline (``ACK_BUDGET_S`` after it
arrived, so the answer goes out within Slack's 3 s). A call that misses the deadline, or fails
because the database is unavailable, marks the delivery ``unjournalled`` and raises
``JournalUnavailable``: the transport then does not acknowledge it (HTTP 503, no Socket Mode
ack) and Slack delivers it again. A journal insert that completes after its deadline leaves its
job in the journal; the redelivery then meets the job key and is acknowledged as a duplicate, so
nothing is lost and nothing is doubled.

``best_effort(wait_s, fn, ...)`` is the same for calls whose failure loses nothing (the event-id
mark after the job is journalled): bounded, logged, never raised.

Inside a delivery these calls run on a thread pool of their own (``ACK_THREADS``), never on
asyncio's default pool: jobs use that one for slow work (parsing an upload waits up to 20 s), and
an acknowledgement queued behind them missed its budget, so every delivery got a 503 while one
member's PDFs were being read (an independent hostile pass).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from bot.storage.database import is_database_outage

log = logging.getLogger(__name__)

ACK_BUDGET_S = 2.5  # Slack waits 3 s for an acknowledgement
MIN_WAIT_S = 0.05
ACK_THREADS = 8  # the acknowledgement path's own threads (store calls of a few ms each)
_ack_pool = ThreadPoolExecutor(max_workers=ACK_THREADS, thread_name_prefix="brandbot-ack")

P = ParamSpec("P")
T = TypeVar("T")


class JournalUnavailable(Exception):
    """A store call of the acknowledgement path did not complete within the delivery's budget
    (or the database is unavailable): the delivery is not acknowledged."""


@dataclass
class Delivery:
    """One delivery being answered: its deadline and whether something could not be stored."""

    deadline: float = field(default_factory=lambda: time.monotonic() + ACK_BUDGET_S)
    unjournalled: bool = False

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), MIN_WAIT_S)


_current: ContextVar[Delivery | None] = ContextVar("brandbot_delivery", default=None)


@contextlib.contextmanager
def delivery(budget_s: float = ACK_BUDGET_S) -> Iterator[Delivery]:
    """Mark the code inside as answering one delivery (the transports use it). The object is
    shared with any task bolt starts for it (a context copy holds the same reference)."""
    current = Delivery(deadline=time.monotonic() + budget_s)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def current_delivery() -> Delivery | None:
    return _current.get()


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a thread, bounded by the delivery's remaining budget (outside
    a delivery, e.g. in a job, just in a thread)."""
    current = _current.get()
    if current is None:
        return await asyncio.to_thread(fn, *args, **kwargs)
    wait_s = current.remaining()
    try:
        return await asyncio.wait_for(_on_ack_pool(fn, *args, **kwargs), wait_s)
    except TimeoutError:
        current.unjournalled = True
        name = getattr(fn, "__name__", "a store call")
        log.warning("the database did not answer %s within %.1fs; not acknowledged", name, wait_s)
        raise JournalUnavailable(f"{name} took longer than {wait_s:.1f}s") from None
    except Exception as exc:
        if is_database_outage(exc):
            current.unjournalled = True
            raise JournalUnavailable(type(exc).__name__) from exc
        raise


async def best_effort(
    wait_s: float, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """Like ``off_loop``, but waits at most ``wait_s`` (and the delivery's budget), and a
    failure or a timeout is logged and returns None (the delivery stays acknowledgeable)."""
    current = _current.get()
    if current is not None:
        wait_s = min(wait_s, current.remaining())
    call = _on_ack_pool if current is not None else asyncio.to_thread
    try:
        return await asyncio.wait_for(call(fn, *args, **kwargs), wait_s)
    except Exception as exc:
        log.warning("%s skipped: %s", getattr(fn, "__name__", "a store call"), type(exc).__name__)
        return None


async def _on_ack_pool(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``asyncio.to_thread`` on the acknowledgement path's own pool (the context is copied, as
    ``to_thread`` copies it)."""
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_ack_pool, call)
