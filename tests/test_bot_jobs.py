"""bot.jobs: journalled queue (full -> told to retry, resume after restart), executor review
service (off the event loop, batching), token bucket; bot.errors masking."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest
from botkit import FakeReviewer

from analyzers import Draft
from bot.errors import ErrorReporter, SecretMasker, install_log_masking
from bot.jobs import ExecutorReviewService, JobQueue, RetryableError, Submit, TokenBucket
from bot.store import Job, Store


async def test_queue_full_is_reported_and_not_journalled(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.sqlite3")
    gate = asyncio.Event()
    seen: list[str] = []

    async def handler(job: Job) -> None:
        await gate.wait()
        seen.append(job.key)

    q = JobQueue(store, handler, workers=1, capacity=2)
    await q.start()
    assert q.submit("a", "k", {}) is Submit.ACCEPTED
    await asyncio.sleep(0.01)  # the worker takes "a" and blocks
    assert q.submit("b", "k", {}) is Submit.ACCEPTED
    assert q.submit("c", "k", {}) is Submit.ACCEPTED
    assert q.submit("d", "k", {}) is Submit.FULL
    assert q.submit("b", "k", {}) is Submit.DUPLICATE
    assert not store.job_exists("d")
    gate.set()
    await q.join(5)
    assert seen == ["a", "b", "c"]
    await q.stop()


async def test_restart_resumes_unfinished_jobs(tmp_path: Path) -> None:
    db = tmp_path / "q.sqlite3"
    store = Store(db)
    done: list[str] = []
    started = asyncio.Event()

    async def slow(job: Job) -> None:
        started.set()
        await asyncio.sleep(0.05)
        done.append(job.key)

    q = JobQueue(store, slow, workers=1, capacity=100)
    await q.start()
    for i in range(10):
        q.submit(f"j{i}", "k", {"i": i})
    await started.wait()
    await q.stop(grace_s=1.0)  # the running job finishes; the rest stay journalled
    store.close()
    first = list(done)
    assert 1 <= len(first) < 10

    store2 = Store(db)
    q2 = JobQueue(store2, slow, workers=2, capacity=1)  # resumed jobs ignore capacity
    assert await q2.start() == 10 - len(first)
    await q2.join(5)
    assert sorted(done) == sorted(f"j{i}" for i in range(10))  # none lost, none doubled
    assert store2.unfinished_jobs() == []
    await q2.stop()


async def test_transient_failures_retry_then_permanent_failure_is_reported(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "q.sqlite3")
    attempts: dict[str, int] = {}
    failures: list[tuple[str, str]] = []

    async def flaky(job: Job) -> None:
        attempts[job.key] = attempts.get(job.key, 0) + 1
        if job.key == "flaky" and attempts[job.key] < 3:
            raise RetryableError("429")
        if job.key == "broken":
            raise ValueError("bad payload")

    async def on_failure(job: Job, exc: BaseException) -> None:
        failures.append((job.key, type(exc).__name__))

    q = JobQueue(store, flaky, backoff_base_s=0.01, on_failure=on_failure)
    await q.start()
    q.submit("flaky", "k", {})
    q.submit("broken", "k", {})
    await q.join(5)
    assert attempts == {"flaky": 3, "broken": 1}
    assert failures == [("broken", "ValueError")]
    assert store.job_counts() == {"done": 1, "failed": 1}
    await q.stop()


async def test_review_service_runs_off_the_loop_and_batches() -> None:
    reviewer = FakeReviewer(delay_s=0.02)
    service = ExecutorReviewService(reviewer, max_batch=8)
    loop_thread = threading.current_thread().name
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    t = asyncio.create_task(ticker())
    results = await asyncio.gather(
        *(service.review([Draft(f"We leverage draft {i}")]) for i in range(12))
    )
    t.cancel()
    assert [r[0].draft.text for r in results] == [f"We leverage draft {i}" for i in range(12)]
    assert all(name != loop_thread for _, _, name in reviewer.calls)
    assert max(service.batches) > 1 and sum(service.batches) == 12  # batched, nothing lost
    assert ticks >= 10  # the loop kept running while reviews ran
    await service.aclose()


async def test_review_service_propagates_errors() -> None:
    class Broken(FakeReviewer):
        def review(self, drafts, *, profile=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("model crashed")

    service = ExecutorReviewService(Broken())
    with pytest.raises(RuntimeError, match="model crashed"):
        await service.review([Draft("x")])
    await service.aclose()


async def test_token_bucket_paces_without_dropping() -> None:
    bucket = TokenBucket(rate=50.0, burst=2)
    t0 = time.monotonic()
    for _ in range(7):
        await bucket.acquire()
    elapsed = time.monotonic() - t0
    assert 0.08 <= elapsed < 0.5  # 2 immediately, 5 more at 50/s


async def test_secrets_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking(["sig-secret-123"])
    log = logging.getLogger("bot.test")
    with caplog.at_level(logging.INFO):
        log.info("token %s and %s", "xoxb-123-456-abcdef", "xapp-1-A1-2-ffff")
        log.info("header Authorization: Bearer xoxb-999 and secret sig-secret-123")
        try:
            raise RuntimeError("failed with xoxb-777-888")
        except RuntimeError:
            log.exception("boom")
        ref = await ErrorReporter().report(ValueError("xapp-1-leak"), where="test")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    for secret in ("123-456-abcdef", "A1-2-ffff", "xoxb-999", "sig-secret-123", "777-888", "leak"):
        assert secret not in text, secret
    assert "xoxb-***" in text and ref in text
    assert SecretMasker(["abcd"]).mask("x abcd y") == "x *** y"
    # a known secret that is the start of another token masks no less of that token
    assert SecretMasker(["xapp-1"]).mask("t xapp-1-A1-2-ffff") == "t xapp-***"


async def test_ack_gate_holds_workers_while_deliveries_are_answered() -> None:
    import asyncio

    from bot.jobs import AckGate

    gate = AckGate(max_wait_s=5.0)
    await gate.quiet()  # nothing in flight: no wait
    assert gate.waits == 0
    order: list[str] = []

    async def worker() -> None:
        await gate.quiet()
        order.append("work")

    with gate.request():
        task = asyncio.create_task(worker())
        await asyncio.sleep(0.05)
        order.append("ack")
    await task
    assert order == ["ack", "work"] and gate.waits == 1
    # bounded: sustained deliveries slow the work down but never starve it
    gate.max_wait_s = 0.05
    with gate.request():
        await asyncio.wait_for(gate.quiet(), 1.0)
    assert gate.in_flight == 0


async def test_slow_jobs_never_take_every_worker(tmp_path: Path) -> None:
    """Ten uploads that each wait 20 s for a parse held every review worker, so other people's
    drafts waited 19–80 s (an independent hostile pass): slow kinds get workers - 1 at most."""
    store = Store(tmp_path / "q.sqlite3")
    release = asyncio.Event()
    running: list[str] = []
    peak = 0

    async def handler(job: Job) -> None:
        nonlocal peak
        if job.kind == "file":
            running.append(job.key)
            peak = max(peak, len(running))
            await release.wait()
            running.remove(job.key)

    q = JobQueue(store, handler, workers=3, capacity=50, slow_kinds=frozenset({"file"}))
    await q.start()
    try:
        for i in range(6):
            q.submit(f"file{i}", "file", {})
        q.submit("draft", "thread", {})
        await asyncio.wait_for(_until_done(store, "draft"), 5)  # not behind the uploads
        assert peak == 2 and len(running) == 2
        release.set()
        await q.join(10)
        assert peak == 2 and store.unfinished_jobs() == []
    finally:
        release.set()
        await q.stop()


async def _until_done(store: Store, key: str) -> None:
    while store.job_exists(key) and any(j.key == key for j in store.unfinished_jobs()):
        await asyncio.sleep(0.01)
