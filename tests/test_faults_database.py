"""Fault injection on the database (issue 12): each test injects one fault from the failure table
in docs/deploy.md for real, against the real app, a real PostgreSQL (or SQLite file) and the local
Slack, and checks the promise the table makes.

* PostgreSQL goes away (every backend terminated, connections refused) while drafts are in
  flight, then comes back: one reply per draft, no job left ``running``, the pool recovers
  without a restart, ``/readyz`` 503 then 200.
* another client holds ``LOCK TABLE jobs`` for 6 s: answers within 3 s (503 while a delivery
  cannot be journalled), Slack's retries succeed, one reply per draft.
* a replica's lease heartbeat stalls past the lease: two replicas run the job, one reply, one
  alert per target, one history entry.
* single-process SQLite: the file write-locked by another process (while serving, and at start
  past the busy timeout), the journal's folder read-only at start: a clear line, exit 2, the
  file and its acknowledged jobs kept; a file that is not a database is still moved aside.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest
from botkit import BAD, FakeReviewer, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _admin(url: str) -> Any:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _allow(url: str, allowed: bool) -> None:
    """Refuse (and cut) or allow again every connection to the test's database."""
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
        if not allowed:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": name},
            )
    admin.dispose()


async def _ready(h: Any) -> int:
    async with aiohttp.ClientSession() as s, s.get(h.url + "/readyz") as r:
        return r.status


async def test_postgres_cut_off_with_drafts_in_flight_then_back(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    fake = fake_slack
    reviewer = FakeReviewer(delay_s=0.4)
    async with running(
        fake,
        tmp_path,
        "http",
        reviewer,
        BRANDBOT_DATABASE_URL=postgres_url,
        BRANDBOT_JOB_LEASE="2",
        BRANDBOT_WORKERS="2",
    ) as h:
        drafts = [fake.post_as_user(sc.DRAFTS, f"{BAD} In flight number {i}.") for i in range(6)]
        for ev in drafts:
            await sc.acked(await fake.send_event(ev))
        await wait_until(lambda: len(reviewer.calls) >= 1, timeout=5)
        _allow(postgres_url, False)  # every pooled connection dies, new ones are refused
        try:
            assert await _ready(h) == 503
            await asyncio.sleep(1.5)  # the running jobs meet the outage at their database step
        finally:
            _allow(postgres_url, True)
        await wait_until_async(lambda: _ready(h), 200, timeout=10)
        for ev in drafts:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=30)
        store = h.bot.ctx.store
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            counts = await asyncio.to_thread(store.job_counts)
            if not counts.get("running") and not counts.get("queued"):
                break
            await asyncio.sleep(0.2)
        assert not counts.get("running") and not counts.get("queued"), counts
        await asyncio.sleep(2.5)  # a lease that might still run something would expire now
        for ev in drafts:
            assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1, ev["text"]
        # the same app, not restarted, journals and answers a new draft
        late = fake.post_as_user(sc.DRAFTS, f"{BAD} After the outage.")
        await sc.acked(await fake.send_event(late))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=late["ts"], timeout=10)


async def wait_until_async(probe: Any, want: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = await probe()
        if got == want:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"wanted {want!r}, last saw {got!r}")


async def test_a_long_lock_on_the_jobs_table(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    """Another client holds the jobs table for 6 s: every delivery is answered within Slack's
    3 s (acknowledged, or 503 so that Slack retries), Slack's retries succeed once the lock is
    gone, and every draft gets exactly one reply."""
    import threading

    fake = fake_slack
    async with running(
        fake, tmp_path, "http", FakeReviewer(), BRANDBOT_DATABASE_URL=postgres_url
    ) as h:
        locked, release = threading.Event(), threading.Event()

        def hold() -> None:
            engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
            with engine.begin() as conn:
                conn.execute(text("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE"))
                locked.set()
                release.wait(20)
            engine.dispose()

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert locked.wait(10)
            drafts = [fake.post_as_user(sc.DRAFTS, f"{BAD} Behind the lock {i}.") for i in range(6)]

            async def deliver(ev: dict[str, Any]) -> tuple[Any, float]:
                began = time.monotonic()
                d = await fake.send_event(ev)
                await d.wait_done(timeout=10)
                return d, time.monotonic() - began

            started = time.monotonic()
            answers = await asyncio.gather(*(deliver(ev) for ev in drafts))
            await asyncio.sleep(max(0.0, 6 - (time.monotonic() - started)))
        finally:
            release.set()
            await asyncio.to_thread(holder.join, 20)
        for d, took in answers:
            assert took < 3.0, (d.status, took)
            assert d.status in (200, 503), d.status
        for d, _ in answers:  # Slack retries what it did not get a 200 for (and, here, all)
            await sc.acked(await fake.redeliver(d))
        for ev in drafts:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=20)
        await h.idle(20)
        await asyncio.sleep(0.5)
        for ev in drafts:
            assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1, ev["text"]
        counts = await asyncio.to_thread(h.bot.ctx.store.job_counts)
        assert counts.get("running", 0) == 0 and counts.get("queued", 0) == 0, counts


async def test_a_stalled_lease_renewal_runs_the_job_twice_but_replies_once(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    """Replica r0's heartbeat blocks for longer than the lease while its review is slow; r1 takes
    the expired lease over and runs the same job. Both finish: one reply, one history entry."""
    import json

    from fakeslack import payloads
    from test_replicas import Replica

    from bot.storage.history import ReviewHistory

    fake = fake_slack
    r0 = Replica(fake, tmp_path, postgres_url, "r0", 4.0)  # slow review: outlives its lease
    r1 = Replica(fake, tmp_path, postgres_url, "r1", 0.02)
    for r in (r0, r1):
        await r.start()
    try:
        store0 = r0.bot.ctx.store
        stalled = asyncio.Event()

        def renew_stalled(job_ids: list[int], *, lease_s: float = 0.0) -> int:
            stalled.set()
            time.sleep(5.0)  # the heartbeat's database call hangs past the 2 s lease
            return 0

        store0.renew_leases = renew_stalled
        ev = fake.post_as_user(sc.DRAFTS, f"{BAD} A draft whose lease stalls.")
        body = json.dumps(
            payloads.event_callback(ev, team_id=fake.team_id, api_app_id=fake.api_app_id)
        ).encode()
        result = await fake.http_post(
            r0.url, body, "application/json", signing_secret=fake.signing_secret
        )
        assert result.status == 200, result
        await wait_until(lambda: r1.reviewer.calls, timeout=15)  # r1 took the expired lease
        await wait_until(lambda: r0.reviewer.calls, timeout=1)  # ... while r0 still runs it
        assert stalled.is_set()
        assert r1.bot.reviews.stats.taken_over == 1
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=10)
        await r0.bot.idle(20)
        await r1.bot.idle(20)
        await asyncio.sleep(6)  # r0's stalled heartbeat and slow review are both over now
        assert r0.bot.reviews.stats.done == 1 and r1.bot.reviews.stats.done == 1  # ran twice
        assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1
        alerts = [
            m
            for msgs in fake.messages.values()
            for m in msgs
            if (m.get("metadata") or {}).get("event_type") == "brandbot_alert"
        ]
        jobs = [m["metadata"]["event_payload"].get("job") for m in alerts]
        assert len(jobs) == len(set(jobs)), jobs  # at most one alert per target
        entries = list(ReviewHistory(store0.db).iter())
        assert [e.draft_ts for e in entries] == [ev["ts"]]
        counts = await asyncio.to_thread(r1.bot.ctx.store.job_counts)
        assert counts.get("running", 0) == 0 and counts.get("queued", 0) == 0, counts
    finally:
        for r in (r0, r1):
            await r.stop()


async def test_sqlite_file_locked_by_another_process(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Single-process mode: another process holds the SQLite file's write lock for 6 s. The bot
    does not crash; a delivery is answered within 3 s (503 while it cannot be journalled, so
    Slack retries it); a draft acknowledged before the lock gets its reply; the retries get
    theirs once the lock is gone, each exactly once."""
    import subprocess
    import sys

    fake = fake_slack
    reviewer = FakeReviewer(delay_s=1.0)
    async with running(fake, tmp_path, "http", reviewer) as h:
        before = fake.post_as_user(sc.DRAFTS, f"{BAD} Acknowledged before the lock.")
        await sc.acked(await fake.send_event(before))
        await wait_until(lambda: reviewer.calls, timeout=5)
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys, time\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                "c.execute('BEGIN EXCLUSIVE')\n"
                "print('locked', flush=True)\n"
                "time.sleep(6)\n"
                "c.execute('COMMIT')\n",
                str(h.db),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert await asyncio.to_thread(holder.stdout.readline) == "locked\n"
            during = [
                fake.post_as_user(sc.DRAFTS, f"{BAD} Sent during the lock {i}.") for i in (1, 2)
            ]
            answers = []
            for ev in during:
                began = time.monotonic()
                d = await fake.send_event(ev)
                await d.wait_done(timeout=10)
                answers.append((d, time.monotonic() - began))
            for d, took in answers:
                assert took < 3.0 and d.status in (200, 503), (d.status, took)
            assert h.bot is not None  # still serving
        finally:
            assert await asyncio.to_thread(holder.wait, 20) == 0
        for d, _ in answers:
            if d.status != 200:
                await sc.acked(await fake.redeliver(d))
        for ev in [before, *during]:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=30)
        await h.idle(20)
        await asyncio.sleep(0.5)
        for ev in [before, *during]:
            assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1, ev["text"]
        assert await _ready(h) == 200


_HOLD_LOCK = (
    "import sqlite3, sys, time\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "c.execute('COMMIT')\n"
)


async def test_serve_on_a_sqlite_file_locked_past_the_busy_timeout_keeps_the_journal(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """``serve`` starts while another process holds the journal's write lock for longer than
    SQLite's 10 s busy timeout: one clear line and exit 2 (no traceback), and the journal with an
    acknowledged, unfinished job stays where it is (it used to be taken for a damaged file,
    moved aside and replaced by an empty one, losing the job)."""
    import subprocess
    import sys

    from test_bot_serve import ServeProcess, serve_env

    from bot.store import Store

    db = tmp_path / "brandbot.sqlite3"
    store = Store(db)
    assert store.add_job("acked-before", "review", "message", {"a": 1}) is not None
    store.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(db), "14"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.to_thread(holder.stdout.readline) == "locked\n"
        env = serve_env(fake_slack, tmp_path, "http", BRANDBOT_DB_PATH=str(db))
        proc = await ServeProcess(tmp_path, env, "serve").start()
        code = await proc.wait(60)
    finally:
        assert await asyncio.to_thread(holder.wait, 30) == 0
    assert code == 2, proc.stderr
    assert f"cannot open the database {db}: database is locked" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "moved aside" not in proc.stderr
    assert not list(tmp_path.glob("brandbot.sqlite3.damaged-*"))
    store = Store(db)
    try:
        assert [j.key for j in store.unfinished_jobs()] == ["acked-before"]
    finally:
        store.close()


def test_a_file_that_is_not_a_database_is_still_moved_aside(tmp_path: Path) -> None:
    from bot.store import Store

    db = tmp_path / "brandbot.sqlite3"
    db.write_text("these are not the pages you are looking for\n" * 200)
    store = Store(db)
    try:
        assert store.add_job("k", "review", "message", {"a": 1}) is not None
    finally:
        store.close()
    assert len(list(tmp_path.glob("brandbot.sqlite3.damaged-*"))) == 1


async def test_serve_on_a_read_only_journal_folder_exits_2_and_keeps_the_file(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The journal's folder is read-only (a read-only bind mount when the tests run as root,
    whom file modes do not stop; mode 0555 otherwise): one line, exit 2, the file untouched."""
    import shutil
    import subprocess
    import sys

    from test_bot_serve import serve_env

    from bot.store import Store

    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "brandbot.sqlite3"
    store = Store(db)
    assert store.add_job("acked-before", "review", "message", {"a": 1}) is not None
    store.close()
    before = sorted(p.name for p in folder.iterdir())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRANDBOT_"))}
    env.update(serve_env(fake_slack, tmp_path, "http", BRANDBOT_DB_PATH=str(db)))
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    serve = [sys.executable, "-m", "bot.cli", "serve"]
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("running as root without unshare: cannot make a folder read-only")
        script = (
            f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" '
            '&& exec "$@"'
        )
        cmd = ["unshare", "-m", "sh", "-c", script, "sh", *serve]
    else:
        folder.chmod(0o555)
        cmd = serve
    try:
        done = await asyncio.to_thread(
            subprocess.run, cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    finally:
        folder.chmod(0o755)
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"no read-only bind mount here: {done.stderr.strip()[:200]}")
    assert done.returncode == 2, done.stderr
    assert f"cannot open the database {db}: unable to open database file" in done.stderr
    assert "Traceback" not in done.stderr and "moved aside" not in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == before
    store = Store(db)
    try:
        assert [j.key for j in store.unfinished_jobs()] == ["acked-before"]
    finally:
        store.close()
