"""The acknowledgement path never blocks the event loop on the database (hardening of issue 12).

A second connection holds the database's write lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
``LOCK TABLE jobs``), so the journal insert of a draft's delivery blocks. Meanwhile another
request (``/brandcheck help``) must still be acknowledged at once; the blocked delivery is not
acknowledged (it was not journalled in time), and Slack's retry after the lock is released gets
the draft's one reply.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
from botkit import BAD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401
from sqlalchemy import create_engine, text


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    conn = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextmanager
def postgres_jobs_lock(url: str) -> Iterator[None]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(text("LOCK TABLE jobs IN EXCLUSIVE MODE"))
    try:
        yield
    finally:
        trans.rollback()
        conn.close()
        engine.dispose()


@pytest.mark.parametrize(
    ("mode", "backend"), [("http", "sqlite"), ("socket", "sqlite"), ("http", "postgresql")]
)
async def test_a_blocked_journal_never_delays_another_ack(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    request: pytest.FixtureRequest,
    mode: str,
    backend: str,
) -> None:
    fake = fake_slack
    extra: dict[str, str] = {}
    lock: Callable[[], Any]
    if backend == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
        extra["BRANDBOT_DATABASE_URL"] = url

        def lock() -> Any:
            return postgres_jobs_lock(url)
    else:

        def lock() -> Any:
            return sqlite_write_lock(tmp_path / "brandbot.sqlite3")

    async with running(fake, tmp_path, mode, FakeReviewer(), **extra) as h:
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        with lock():
            started = time.monotonic()
            blocked = asyncio.ensure_future(fake.send_event(ev))
            await asyncio.sleep(0.3)  # the draft's journal insert is now waiting on the lock
            d = await fake.send_command("help")
            await sc.acked(d)
            # the event loop answered the command while the draft's insert was blocked
            assert d.ack_latency is not None and d.ack_latency < 1.0, d.ack_latency
            first = await blocked
            if mode == "http":
                # not journalled in time: a 503 (not acknowledged) within Slack's 3 s
                await first.wait_done(timeout=6)
                assert time.monotonic() - started < 3.2
                assert first.status == 503
            else:
                await asyncio.sleep(3.5)  # Socket Mode: no ack at all
            assert not first.acked
        retry = await fake.redeliver(first)
        await sc.acked(retry)
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=10)
        await h.idle()
        await asyncio.sleep(0.2)
        assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1


async def test_the_channel_policy_read_never_blocks_the_loop(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The 5-second policy snapshot is refreshed in a thread: a read that hangs leaves the
    listeners on the last snapshot, and other requests are answered meanwhile."""
    fake = fake_slack
    async with running(fake, tmp_path, "http", FakeReviewer()) as h:
        ctx = h.bot.ctx
        release = asyncio.Event()
        loop = asyncio.get_running_loop()
        real_all = ctx.policy.all

        def slow_all() -> Any:
            asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)
            return real_all()

        ctx.policy.all = slow_all
        ctx.forget_policy()
        try:
            ev = fake.post_as_user(sc.DRAFTS, BAD)
            d = await fake.send_event(ev)
            await sc.acked(d)
            assert d.ack_latency is not None and d.ack_latency < 2.0
            c = await sc.acked(await fake.send_command("help"))
            assert c.ack_latency is not None and c.ack_latency < 1.0
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=10)
        finally:
            release.set()
            ctx.policy.all = real_all


async def test_the_ack_path_does_not_wait_behind_the_default_thread_pool() -> None:
    """Uploads parse on threads (up to 20 s each); when they shared asyncio's default pool with
    the acknowledgement path's store calls, those calls missed their budget and every delivery
    got a 503 (an independent hostile pass). The ack path has threads of its own now."""
    import threading

    from bot.ack_budget import best_effort, delivery, off_loop

    release = threading.Event()
    busy = [
        asyncio.ensure_future(asyncio.to_thread(release.wait, 10))
        for _ in range(64)  # more than any default pool has threads
    ]
    try:
        await asyncio.sleep(0.05)
        with delivery() as outcome:
            assert await off_loop(lambda: "journalled") == "journalled"
            assert await best_effort(1.0, lambda: "marked") == "marked"
        assert not outcome.unjournalled
    finally:
        release.set()
        await asyncio.gather(*busy)


async def test_uploads_parse_on_threads_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from bot import files

    seen: list[str] = []

    def read(data: bytes, name: str, **kw: Any) -> Any:
        seen.append(threading.current_thread().name)
        from analyzers import Draft

        return Draft(data.decode())

    async def download(self: Any, file: Any) -> bytes:
        return b"Our draft."

    monkeypatch.setattr(files, "read_document", read)
    monkeypatch.setattr(files.FileFetcher, "download", download)
    draft = await files.FileFetcher("xoxb-test").fetch_draft({"name": "draft.txt"})
    assert draft.text == "Our draft." and seen[0].startswith("brandbot-parse")
