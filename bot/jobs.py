"""The work queue between the listeners (which must answer Slack within 3 seconds) and the reviews.

* ``JobQueue``: a bounded queue with bounded concurrency. ``submit`` journals the job in SQLite
  *before* it is queued, so an acknowledged draft survives a restart or a crash; ``start`` resumes
  every unfinished job of its lane. When the queue is full ``submit`` says so and journals nothing:
  the caller tells the user to retry. Transient failures (rate limits, connection errors) are
  retried with bounded exponential backoff; permanent ones go to the error reporter.
* ``ReviewService``: the one seam between the bot and inference. ``ExecutorReviewService`` runs the
  synchronous ``Reviewer`` in a thread pool (never on the event loop) and batches whatever is
  waiting when the worker frees up (no fixed wait). A faster engine (issue 5) implements the same
  three members and is passed to ``create_app`` instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import enum
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from analyzers import Draft, Review, is_long_draft
from bot.ack_budget import off_loop
from bot.samples import record
from bot.store import Job, Store

log = logging.getLogger(__name__)


# -- the inference seam ----------------------------------------------------------------------------


class ReviewerLike(Protocol):
    """What the bot needs from ``analyzers.Reviewer`` (a fake in unit tests)."""

    guide: Any
    models_status: str

    def review(self, drafts: Sequence[Draft], *, profile: str | None = None) -> list[Review]: ...


class ReviewService(Protocol):
    """Async reviews for the bot. Implementations must never block the event loop."""

    @property
    def ready(self) -> bool:
        """True once models are loaded and warm (``/readyz``)."""
        ...

    async def review(self, drafts: Sequence[Draft], profile: str | None = None) -> list[Review]: ...

    async def aclose(self) -> None: ...


LONG_DRAFT_WORDS = 1_000  # drafts over this are reviewed in their own lane


@dataclass
class _Pending:
    draft: Draft
    profile: str | None
    future: asyncio.Future[Review]


class ExecutorReviewService:
    """Runs ``reviewer.review`` in a thread pool with opportunistic batching.

    One runner task per executor thread takes everything queued for the same profile (up to
    ``max_batch`` drafts) as soon as it is free, so a lone draft is never delayed and a burst is
    reviewed in batches. Drafts over ``long_words`` words go to a lane of their own (one more
    thread, one draft at a time), so a long or slow draft never holds up the others; the
    reviewer caps each draft's size and rule time.
    """

    def __init__(
        self,
        reviewer: ReviewerLike,
        *,
        threads: int = 1,
        max_batch: int = 16,
        executor: concurrent.futures.Executor | None = None,
        long_words: int = LONG_DRAFT_WORDS,
    ) -> None:
        self.reviewer = reviewer
        self.threads = max(1, threads)
        self.max_batch = max(1, max_batch)
        self.long_words = long_words
        self._own_executor = executor is None
        self._executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=self.threads + 1, thread_name_prefix="brandbot-review"
        )
        self._pending: deque[_Pending] = deque()
        self._long: deque[_Pending] = deque()
        self._long_wakeup: asyncio.Event | None = None
        self._wakeup: asyncio.Event | None = None
        self._runners: list[asyncio.Task[None]] = []
        self._ready = True
        self.batches: list[int] = []  # sizes of the batches run (for tests and metrics)

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def status(self) -> str:
        return str(getattr(self.reviewer, "models_status", ""))

    def _ensure_runners(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
            self._long_wakeup = asyncio.Event()
        self._runners = [t for t in self._runners if not t.done()]
        if not any(t.get_name() == "brandbot-review-long" for t in self._runners):
            self._runners.append(asyncio.create_task(self._run_long(), name="brandbot-review-long"))
        while len(self._runners) < self.threads + 1:
            self._runners.append(asyncio.create_task(self._run(), name="brandbot-review-runner"))
        return self._wakeup

    def _is_long(self, draft: Draft) -> bool:
        return is_long_draft(draft.text, self.long_words)

    async def review(self, drafts: Sequence[Draft], profile: str | None = None) -> list[Review]:
        if not drafts:
            return []
        wakeup = self._ensure_runners()
        loop = asyncio.get_running_loop()
        items = [_Pending(d, profile, loop.create_future()) for d in drafts]
        for item in items:
            (self._long if self._is_long(item.draft) else self._pending).append(item)
        wakeup.set()
        assert self._long_wakeup is not None
        if self._long:
            self._long_wakeup.set()
        return list(await asyncio.gather(*(i.future for i in items)))

    async def _run_long(self) -> None:
        assert self._long_wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._long:
                self._long_wakeup.clear()
                await self._long_wakeup.wait()
                continue
            item = self._long.popleft()
            if item.future.done():
                continue
            record(self.batches, 1)
            try:
                [review] = await loop.run_in_executor(
                    self._executor, _review_call, self.reviewer, [item.draft], item.profile
                )
            except Exception as exc:
                if not item.future.done():
                    item.future.set_exception(exc)
                continue
            if not item.future.done():
                item.future.set_result(review)

    def _take_batch(self) -> list[_Pending]:
        first = self._pending.popleft()
        batch = [first]
        keep: deque[_Pending] = deque()
        while self._pending and len(batch) < self.max_batch:
            item = self._pending.popleft()
            (batch if item.profile == first.profile else keep).append(item)
        keep.extend(self._pending)
        self._pending = keep
        return batch

    async def _run(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = [p for p in self._take_batch() if not p.future.done()]
            if not batch:
                continue
            drafts = [p.draft for p in batch]
            record(self.batches, len(batch))
            try:
                reviews = await loop.run_in_executor(
                    self._executor, _review_call, self.reviewer, drafts, batch[0].profile
                )
            except Exception as exc:
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            for p, r in zip(batch, reviews, strict=True):
                if not p.future.done():
                    p.future.set_result(r)

    async def aclose(self) -> None:
        for t in self._runners:
            t.cancel()
        for t in self._runners:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._runners = []
        for p in [*self._pending, *self._long]:
            if not p.future.done():
                p.future.cancel()
        self._pending.clear()
        self._long.clear()
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _review_call(reviewer: ReviewerLike, drafts: list[Draft], profile: str | None) -> list[Review]:
    reviews = reviewer.review(drafts, profile=profile)
    if len(reviews) != len(drafts):
        raise RuntimeError(f"reviewer returned {len(reviews)} reviews for {len(drafts)} drafts")
    return reviews


# -- the job queue ---------------------------------------------------------------------------------


class Submit(enum.Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    FULL = "full"


class RetryableError(Exception):
    """A job failed for a reason that may pass (rate limit, network): try again later."""


Handler = Callable[[Job], Awaitable[None]]
FailureHook = Callable[[Job, BaseException], Awaitable[None]]


@dataclass
class QueueStats:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    done: int = 0
    failed: int = 0
    retried: int = 0
    resumed: int = 0
    skipped: int = 0  # queued here but run by another replica
    taken_over: int = 0  # claimed after another replica's lease expired
    latencies: list[float] = field(default_factory=list)  # submit -> done, seconds


class JobQueue:
    """A journalled, bounded, concurrent job queue for one lane (``review`` or ``alert``).

    Several replicas may share the journal (PostgreSQL): a job runs only on the replica that
    holds its lease (``Store.claim_job`` / ``claim_jobs``). The replica that journalled a job
    queues it locally and claims it when a worker is free; a poller (every ``poll_s``) claims
    jobs nobody holds — handed back at a shutdown, due after a backoff, or left by a replica that
    died, once its lease has expired — and a heartbeat renews the leases this replica holds.
    ``stop`` hands back every job this replica holds.
    """

    def __init__(
        self,
        store: Store,
        handler: Handler,
        *,
        lane: str = "review",
        workers: int = 4,
        capacity: int = 200,
        max_attempts: int = 5,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        on_failure: FailureHook | None = None,
        is_retryable: Callable[[BaseException], bool] | None = None,
        gate: AckGate | None = None,
        lease_s: float = 60.0,
        poll_s: float = 1.0,
        slow_kinds: frozenset[str] = frozenset(),
    ) -> None:
        self.gate = gate
        # jobs that may wait long on something else (an upload being parsed): at most
        # workers - 1 of them run at once, so one worker always serves the other jobs
        self.slow_kinds = slow_kinds
        self.slow_limit = max(1, workers - 1)
        self._slow_running = 0
        self._slow_freed = asyncio.Event()
        self.store = store
        self.handler = handler
        self.lane = lane
        self.workers = max(1, workers)
        self.capacity = max(1, capacity)
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.on_failure = on_failure
        self.is_retryable = is_retryable or (lambda e: isinstance(e, RetryableError))
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.stats = QueueStats()
        self._queue: asyncio.Queue[tuple[Job, float]] = asyncio.Queue()
        self._fast_queued = 0  # queued jobs not of a slow kind (so a worker knows to go on)
        self._tasks: list[asyncio.Task[None]] = []
        self._delayed: set[asyncio.Task[None]] = set()
        self._local: set[int] = set()  # job ids queued, running or waiting to retry here
        self._held: set[int] = set()  # job ids this replica holds a lease on
        self._running = 0
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._accepting = False
        self._abandoned = False

    # -- producer side ---------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Jobs waiting for a worker (not counting the ones being worked on)."""
        return self._queue.qsize()

    def has_room(self) -> bool:
        return self._queue.qsize() < self.capacity

    def submit(self, key: str, kind: str, payload: Mapping[str, Any]) -> Submit:
        """Journal and queue a job. Synchronous and fast (one insert, on the event loop):
        listeners call it before they acknowledge Slack. The job key is unique in the journal,
        so the same delivery reaching another replica (a retry, a duplicate) is a DUPLICATE
        there."""
        if not self.has_room():
            if self.store.job_exists(key):  # a duplicate is a duplicate, even when full
                self.stats.duplicates += 1
                return Submit.DUPLICATE
            self.stats.rejected += 1
            log.warning("%s queue full (%d waiting): rejected %s", self.lane, self.pending, key)
            return Submit.FULL
        job = self.store.add_job(key, self.lane, kind, payload)
        if job is None:
            self.stats.duplicates += 1
            return Submit.DUPLICATE
        self.stats.accepted += 1
        self._enqueue(job)
        return Submit.ACCEPTED

    async def asubmit(self, key: str, kind: str, payload: Mapping[str, Any]) -> Submit:
        """``submit`` for the acknowledgement path: the journal insert (and the duplicate check
        of a full queue) run in a thread within the delivery's budget (``bot.ack_budget``), so
        a slow database never blocks the event loop. Raises ``JournalUnavailable`` when the
        insert did not complete in time: the delivery is then not acknowledged."""
        if not self.has_room():
            if await off_loop(self.store.job_exists, key):
                self.stats.duplicates += 1
                return Submit.DUPLICATE
            self.stats.rejected += 1
            log.warning("%s queue full (%d waiting): rejected %s", self.lane, self.pending, key)
            return Submit.FULL
        job = await off_loop(self.store.add_job, key, self.lane, kind, payload)
        if job is None:
            self.stats.duplicates += 1
            return Submit.DUPLICATE
        self.stats.accepted += 1
        self._enqueue(job)
        return Submit.ACCEPTED

    def _enqueue(self, job: Job) -> None:
        self._unfinished += 1
        self._local.add(job.id)
        self._idle.clear()
        self._put(job, time.monotonic())

    def _put(self, job: Job, queued_at: float) -> None:
        self._fast_queued += job.kind not in self.slow_kinds
        self._queue.put_nowait((job, queued_at))

    async def _take(self) -> tuple[Job, float]:
        job, queued_at = await self._queue.get()
        self._fast_queued -= job.kind not in self.slow_kinds
        return job, queued_at

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> int:
        """Take over this lane's unfinished jobs that nobody holds, then start the workers, the
        poller and the heartbeat. Returns how many jobs were resumed. Resumed jobs are never
        rejected for capacity.

        SQLite has one process per file: jobs it finds running were left by a crash and are
        resumed at once, all of them. On PostgreSQL another replica may be running them: only
        this replica's own (same ``BRANDBOT_REPLICA_ID``) are handed back at once; the others
        are taken over when their lease expires (the poller)."""
        store = self.store
        if store.db.is_postgres:
            await asyncio.to_thread(store.release_jobs)
            limit = self.workers * 2
        else:
            await asyncio.to_thread(store.recover_running, self.lane)
            limit = 1_000_000
        jobs = await asyncio.to_thread(store.claim_jobs, self.lane, limit, lease_s=self.lease_s)
        for job in jobs:
            self._held.add(job.id)
            self._enqueue(job)
        resumed = len(jobs)
        self.stats.resumed += resumed
        if resumed:
            log.info("resumed %d unfinished %s job(s) from the journal", resumed, self.lane)
        self._accepting = True
        self._tasks = [
            asyncio.create_task(self._worker(i), name=f"brandbot-{self.lane}-{i}")
            for i in range(self.workers)
        ]
        self._tasks.append(asyncio.create_task(self._poll(), name=f"brandbot-{self.lane}-poll"))
        self._tasks.append(
            asyncio.create_task(self._heartbeat(), name=f"brandbot-{self.lane}-lease")
        )
        return resumed

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop taking jobs; let the ones in progress finish (up to ``grace_s``). Every job this
        replica still holds goes back to the journal (queued) for the next start or another
        replica."""
        self._accepting = False
        for t in self._delayed:
            t.cancel()
        deadline = time.monotonic() + grace_s
        while self._running and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for t in self._tasks:
            t.cancel()
        for t in [*self._tasks, *self._delayed]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        self._delayed.clear()
        self._hand_back()

    def abandon(self) -> None:
        """Stop at once without handing anything back, as a process killed with SIGKILL does
        (tests): the leases expire and another replica takes the jobs over."""
        self._accepting = False
        self._abandoned = True
        for t in [*self._tasks, *self._delayed]:
            t.cancel()
        self._tasks = []
        self._delayed.clear()
        self._held.clear()

    def _hand_back(self) -> None:
        if self._held:
            try:
                n = self.store.release_jobs(sorted(self._held), "handed back at shutdown")
            except Exception:
                log.exception("could not hand %d %s job(s) back", len(self._held), self.lane)
            else:
                if n:
                    log.info("handed %d %s job(s) back to the journal", n, self.lane)
            self._held.clear()

    async def join(self, timeout: float | None = None) -> None:
        """Wait until every accepted job is done or failed (tests, graceful shutdown)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    # -- leases ----------------------------------------------------------------------------

    async def _poll(self) -> None:
        """Claim jobs nobody holds (handed back, due after a backoff, expired leases)."""
        while True:
            await asyncio.sleep(self.poll_s)
            room = self.workers - self._running - self._queue.qsize()
            if room <= 0 or not self._accepting:
                continue
            try:
                jobs = await asyncio.to_thread(
                    self.store.claim_jobs,
                    self.lane,
                    room,
                    lease_s=self.lease_s,
                    exclude=frozenset(self._local),
                )
            except Exception as exc:
                log.warning("%s: could not poll the journal: %s", self.lane, exc)
                continue
            for job in jobs:
                if job.attempts > 1:
                    log.info("%s job %s taken over (attempt %d)", self.lane, job.key, job.attempts)
                    self.stats.taken_over += 1
                self._held.add(job.id)
                self._enqueue(job)

    async def _heartbeat(self) -> None:
        """Renew this replica's leases every third of the lease."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            held = sorted(self._held)
            if not held:
                continue
            try:
                kept = await asyncio.to_thread(self.store.renew_leases, held, lease_s=self.lease_s)
            except Exception as exc:
                log.warning("%s: could not renew %d lease(s): %s", self.lane, len(held), exc)
                continue
            if kept < len(held):
                lost = len(held) - kept
                log.warning("%s: %d lease(s) lost (expired, taken over)", self.lane, lost)

    # -- workers ---------------------------------------------------------------------------

    async def _worker(self, index: int) -> None:
        while True:
            job, queued_at = await self._take()
            if not self._accepting:
                # shutting down: leave it journalled as queued for the next start
                self._queue.task_done()
                continue
            slow = job.kind in self.slow_kinds
            if slow and self._slow_running >= self.slow_limit:
                # enough slow jobs run already: to the back of the queue; this worker takes
                # the next job, or waits for a slot when only slow jobs are queued
                self._put(job, queued_at)
                self._queue.task_done()
                if not self._fast_queued:
                    self._slow_freed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._slow_freed.wait(), 1.0)
                continue
            self._running += 1
            self._slow_running += slow
            try:
                await self._run_one(job, queued_at)
            except Exception as exc:
                # the journal itself failed (database unreachable): the job stays as the
                # database has it (queued, or running until its lease expires) and is claimed
                # again once the database answers; this worker keeps going
                log.warning("%s job %s: journal unavailable (%s)", self.lane, job.key, exc)
                self._held.discard(job.id)
                self._local.discard(job.id)
                self._done()
            finally:
                self._running -= 1
                if slow:
                    self._slow_running -= 1
                    self._slow_freed.set()
                self._queue.task_done()

    async def _run_one(self, job: Job, queued_at: float) -> None:
        if self.gate is not None:
            await self.gate.quiet()
        if job.id not in self._held:
            claimed = await asyncio.to_thread(self.store.claim_job, job.id, lease_s=self.lease_s)
            if claimed is None:
                # another replica holds it (or finished it): not ours to run
                self.stats.skipped += 1
                self._local.discard(job.id)
                self._done()
                return
            self._held.add(job.id)
            job = claimed
        attempts = job.attempts  # this attempt's number (the claim counted it)
        # the handler sees how many attempts came before (0 the first time), as it always did
        job = Job(job.id, job.key, job.lane, job.kind, job.payload, "running", attempts - 1)
        try:
            await self.handler(job)
        except asyncio.CancelledError:
            # shutdown: the job goes back to the journal; the next start runs it again (a
            # reply it may have posted is found by its metadata, never posted twice)
            self._release(job.id)
            if not self._abandoned:
                self.store.requeue_job(job.id, "interrupted by shutdown")
            raise
        except BaseException as exc:
            if self.is_retryable(exc) and attempts < self.max_attempts:
                delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempts - 1))
                delay *= 0.5 + random.random() / 2
                log.warning(
                    "%s job %s failed (attempt %d/%d), retrying in %.1fs: %s",
                    self.lane,
                    job.key,
                    attempts,
                    self.max_attempts,
                    delay,
                    exc,
                )
                self._release(job.id)
                await asyncio.to_thread(
                    self.store.requeue_job, job.id, f"{type(exc).__name__}: {exc}", delay_s=delay
                )
                self.stats.retried += 1
                retry = Job(job.id, job.key, job.lane, job.kind, job.payload, "queued", attempts)
                self._schedule_retry(retry, queued_at, delay)
                return
            self._release(job.id)
            await asyncio.to_thread(
                self.store.finish_job, job.id, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            self.stats.failed += 1
            self._local.discard(job.id)
            self._done()
            if self.on_failure is not None:
                try:
                    await self.on_failure(job, exc)
                except Exception:
                    log.exception("the failure hook for job %s failed", job.key)
            return
        self._release(job.id)
        await asyncio.to_thread(self.store.finish_job, job.id)
        self.stats.done += 1
        record(self.stats.latencies, time.monotonic() - queued_at)
        self._local.discard(job.id)
        self._done()

    def _release(self, job_id: int) -> None:
        self._held.discard(job_id)

    def _schedule_retry(self, job: Job, queued_at: float, delay: float) -> None:
        async def later() -> None:
            await asyncio.sleep(delay)
            self._put(job, queued_at)

        task = asyncio.create_task(later())
        self._delayed.add(task)
        task.add_done_callback(self._delayed.discard)

    def _done(self) -> None:
        self._unfinished -= 1
        if self._unfinished <= 0:
            self._unfinished = 0
            self._idle.set()


class AckGate:
    """Acknowledgements first: background work waits while Slack requests are being answered.

    The transports wrap every delivery in ``request()``; workers call ``await quiet()`` before
    their CPU-heavy steps (rendering Block Kit, serialising a review) and their Web API calls.
    Under a burst of deliveries the loop then answers them all before it goes back to the
    reviews, so the burst's acks are not interleaved with, and delayed by, the reviews' work.
    ``max_wait_s`` bounds each wait, so sustained traffic slows reviews but never starves them.
    """

    def __init__(self, max_wait_s: float = 0.25) -> None:
        self.max_wait_s = max_wait_s
        self._in_flight = 0
        self._quiet: asyncio.Event | None = None
        self.waits = 0  # how often a worker gave way (metrics, tests)

    def _event(self) -> asyncio.Event:
        if self._quiet is None:
            self._quiet = asyncio.Event()
            if not self._in_flight:
                self._quiet.set()
        return self._quiet

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        self._in_flight += 1
        self._event().clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight <= 0:
                self._in_flight = 0
                self._event().set()

    async def quiet(self) -> None:
        """Return at once when no delivery is being answered; else wait (bounded) until none is."""
        if not self._in_flight:
            return
        self.waits += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event().wait(), self.max_wait_s)


class TokenBucket:
    """Paces a burst: ``rate`` tokens per second, up to ``burst`` saved. ``acquire`` waits."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.rate = max(rate, 1e-6)
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Take a token, waiting as needed; returns the seconds waited."""
        async with self._lock:
            waited = 0.0
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return waited
                delay = (1.0 - self._tokens) / self.rate
                waited += delay
                await asyncio.sleep(delay)


class SharedTokenBucket:
    """:class:`TokenBucket` kept in the database (``Store.take_token``), so replicas share one
    pace: N replicas together send at ``rate``, not N times it."""

    def __init__(self, store: Store, name: str, rate: float, burst: int = 1) -> None:
        self.store = store
        self.name = name
        self.rate = max(rate, 1e-6)
        self.burst = max(1, burst)

    async def acquire(self) -> float:
        """Take a token, waiting as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            wait = await asyncio.to_thread(self.store.take_token, self.name, self.rate, self.burst)
            if wait <= 0:
                return waited
            wait = min(wait, 5.0)
            waited += wait
            await asyncio.sleep(wait)
