"""The database's cost per job, SQLite vs PostgreSQL, and the claim rate with three replicas.

    python bench/store.py                    # both backends (PostgreSQL from pgserver)
    python bench/store.py --jobs 500 --replicas 3
    BRANDBOT_BENCH_DATABASE_URL=postgresql://… python bench/store.py   # an existing server

**Cost per job**: every statement one review job makes against the store, in the order the bot
makes them, timed as one unit per job: the delivery id (``claim``), the journal insert
(``add_job``), the lease (``claim_job``), the two reviews-table reads, the post intent before
``chat.postMessage`` and its result after, the per-draft review (``save_review``), the history
entry (scores + findings, one transaction), the alert check, ``finish_job``. Median and p95 in
ms, one process, one job at a time.

**Claim rate**: ``--jobs`` queued jobs, then ``--replicas`` processes (each its own engine, as
replicas are) claim one job at a time (``claim_jobs(lane, 1)``: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a ``BEGIN IMMEDIATE`` transaction on SQLite) and finish it, until none is left. Jobs
per second over all replicas; a check that no job was taken twice.

The PostgreSQL server is local (unix socket): a networked server adds its round-trip time to each
of the ~13 statements of a job.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine_info, percentile

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def one_job(store: object, history: object, i: int, review: object) -> None:
    from bot.storage.history import entry_from_review, review_key
    from bot.store import Store

    assert isinstance(store, Store)
    channel, ts = "C0BENCH", f"{1_700_000_000 + i}.000100"
    key = review_key("thread", channel, ts, "", ts)
    store.claim(f"event:Ev{i:08d}")
    job = store.add_job(key, "review", "thread", {"channel": channel, "ts": ts, "text": "x" * 400})
    assert job is not None
    assert store.claim_job(job.id, lease_s=60) is not None
    store.is_deleted(channel, ts)
    store.get_review(channel, ts, "")
    store.record_post_intent(key, channel, ts)
    store.record_posted(key, f"{1_700_000_000 + i}.000200")
    store.save_review(channel, ts, "", version=ts, reply_ts="1.2", review={"a": 1}, verdict="fail")
    history.record(  # type: ignore[attr-defined]
        entry_from_review(
            review,  # type: ignore[arg-type]
            review_key=key,
            kind="thread",
            channel=channel,
            draft_ts=ts,
            version=ts,
            reply_ts="1.2",
        )
    )
    store.alert_sent(channel, ts, "", ts)
    store.finish_job(job.id)


def sample_review() -> object:
    from analyzers import Draft, Finding, Review, Severity, Span, Verdict

    findings = tuple(
        Finding(f"Brand.R{k}", "terminology", Severity.WARNING, "Use X.", Span(k, k + 4), "word")
        for k in range(5)
    )
    return Review(
        draft=Draft("We leverage synergy " * 20),
        findings=findings,
        category_scores={"terminology": 70.0, "tone": 90.0, "clarity": 85.0},
        score=78.0,
        verdict=Verdict.NEEDS_WORK,
        word_count=60,
    )


def cost_per_job(url: str, jobs: int) -> dict[str, float]:
    from bot.storage.history import ReviewHistory
    from bot.store import Store

    store = Store(url, owner="bench")
    history = ReviewHistory(store.db)
    review = sample_review()
    for i in range(20):  # warm the pool and the statement caches
        one_job(store, history, 10_000_000 + i, review)
    times = []
    for i in range(jobs):
        t = time.perf_counter()
        one_job(store, history, i, review)
        times.append(time.perf_counter() - t)
    store.close()
    return {
        "median_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * percentile(times, 95),
        "jobs": jobs,
    }


def _claimer(url: str, name: str, ready: object, go: object, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from bot.store import Store

    store = Store(url, owner=name)
    store.job_counts()  # connected
    ready.release()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    taken: list[str] = []
    while True:
        got = store.claim_jobs("review", 1, lease_s=60)
        if not got:
            break
        store.finish_job(got[0].id)
        taken.append(got[0].key)
    store.close()
    out.put((name, taken))


def claim_rate(url: str, jobs: int, replicas: int) -> dict[str, float]:
    from bot.store import Store

    store = Store(url, owner="loader")
    for i in range(jobs):
        store.add_job(f"claim:{i}", "review", "thread", {"i": i})
    store.close()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [
        ctx.Process(target=_claimer, args=(url, f"r{k}", ready, go, out)) for k in range(replicas)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # every replica started and connected: time only the claiming
        ready.acquire(timeout=300)
    started = time.perf_counter()
    go.set()
    results = [out.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - started
    for p in procs:
        p.join()
    every = [k for _, taken in results for k in taken]
    assert len(every) == len(set(every)) == jobs, "a job was claimed twice or lost"
    return {
        "jobs_per_s": jobs / elapsed,
        "seconds": elapsed,
        "per_replica": [len(t) for _, t in sorted(results)],  # type: ignore[dict-item]
    }


@contextmanager
def postgres() -> Iterator[str]:
    url = os.environ.get("BRANDBOT_BENCH_DATABASE_URL")
    if url:
        yield url
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from pgkit import fresh_database, postgres_server

    folder = Path(tempfile.mkdtemp(prefix="brandbot-bench-pg-"))
    folder.chmod(0o755)
    try:
        with postgres_server(folder) as server:
            url, drop = fresh_database(server)
            try:
                yield url
            finally:
                drop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=300, help="jobs for the cost per job")
    ap.add_argument("--claims", type=int, default=1000, help="jobs for the claim rate")
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    print(machine_info())
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="brandbot-bench-"))
            try:
                cost = cost_per_job(str(folder / "cost.sqlite3"), args.jobs)
                rate = claim_rate(str(folder / "claim.sqlite3"), args.claims, args.replicas)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            with postgres() as url:
                cost = cost_per_job(url, args.jobs)
            with postgres() as url:
                rate = claim_rate(url, args.claims, args.replicas)
        print(
            f"{backend:10s} cost per job: median {cost['median_ms']:.2f} ms, "
            f"p95 {cost['p95_ms']:.2f} ms ({cost['jobs']} jobs, 11 store calls each) | "
            f"claim+finish with {args.replicas} replicas: {rate['jobs_per_s']:.0f} jobs/s "
            f"({args.claims} jobs in {rate['seconds']:.2f} s; per replica {rate['per_replica']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
