"""State the replicas share through the database: alert pacing (a token bucket in a row), the
channel-name cache, and what /readyz reports (database, remote hosts)."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import aiohttp
from botkit import real_reviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

from bot.channels import ChannelDirectory
from bot.clients import web_client
from bot.jobs import SharedTokenBucket
from bot.readiness import Readiness
from bot.settings import Settings
from bot.store import Store


def test_one_token_bucket_for_every_replica(db_url: str) -> None:
    a = Store(db_url, owner="a")
    b = Store(a.db, owner="b")
    now = 1_000.0
    # burst 3 shared: a takes two, b one, then both must wait
    assert a.take_token("alerts", 2.0, 3, now=now) == 0
    assert b.take_token("alerts", 2.0, 3, now=now) == 0
    assert a.take_token("alerts", 2.0, 3, now=now) == 0
    assert b.take_token("alerts", 2.0, 3, now=now) == 0.5  # 1 token at 2/s
    assert a.take_token("alerts", 2.0, 3, now=now + 0.5) == 0  # refilled for whoever asks
    assert b.take_token("alerts", 2.0, 3, now=now + 0.5) > 0
    a.close()


async def test_shared_bucket_paces_replicas_together(db_url: str) -> None:
    store = Store(db_url)
    buckets = [SharedTokenBucket(Store(store.db, owner=f"r{i}"), "pace", 20.0, 2) for i in range(3)]
    started = time.monotonic()
    await asyncio.gather(*(b.acquire() for b in buckets for _ in range(4)))  # 12 tokens
    elapsed = time.monotonic() - started
    # 2 at once, then 10 more at 20/s: at least 0.45 s whichever replica asks
    assert elapsed >= 0.45, elapsed
    store.close()


async def test_channel_names_are_learnt_once_for_all_replicas(
    fake_slack: Any,  # noqa: F811
    db_url: str,
) -> None:
    fake = fake_slack
    fake.add_channel("C0LAUNCH", "Launches")
    store = Store(db_url)
    client = web_client(fake.bot_token, fake.base_url)
    one = ChannelDirectory(client, store=store)
    two = ChannelDirectory(client, store=Store(store.db, owner="two"))
    assert await one.name_of("C0LAUNCH") == "launches"
    assert await two.name_of("C0LAUNCH") == "launches"
    assert two.cached_name("C0LAUNCH") == "launches"
    assert len(fake.calls_to("conversations.info")) == 1  # the second replica asked the database
    # a failed lookup is shared too, briefly (no call per event per replica)
    fake.add_channel("C0SECRET", "secret", bot_member=False)
    fake.rate_limit("conversations.info", times=20, retry_after=0)
    await one.name_of("C0GONE", wait_s=5)
    calls = len(fake.calls_to("conversations.info"))
    assert await two.name_of("C0GONE", wait_s=5) is None
    assert len(fake.calls_to("conversations.info")) == calls
    store.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_readiness_reports_database_and_remote_hosts(tmp_path: Path) -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    open_port = server.sockets[0].getsockname()[1]
    closed = _closed_port()
    settings = Settings.from_env(
        {
            "BRANDBOT_SENTIMENT_MODEL": f"tei+http://127.0.0.1:{open_port}",
            "BRANDBOT_TONE_MODEL": f"http://127.0.0.1:{closed}/tone",
            "HF_TOKEN": "hf_" + "x" * 30,
        },
        dotenv_path=None,
        require_tokens=False,
    )
    store = Store(tmp_path / "db.sqlite3")
    try:
        report = await Readiness(settings, store).check()
        assert report["database"]["ok"] is True and report["database"]["backend"] == "sqlite"
        remote = report["remote"]
        assert remote[f"127.0.0.1:{open_port}"]["reachable"] is True
        assert remote[f"127.0.0.1:{closed}"] == {
            "reachable": False,
            "error": "ConnectionRefusedError",
            "fallback": "embedded models",
        }
        # a database that cannot be reached
        down = Store.__new__(Store)
        from bot.storage import Database

        down.db = Database(f"postgresql://brandbot:pw@127.0.0.1:{closed}/brandbot")
        report = await Readiness(settings, down).check()
        assert report["database"]["ok"] is False and report["database"]["backend"] == "postgresql"
        assert "pw" not in str(report)
        down.db.close()
    finally:
        store.close()
        server.close()


async def test_readyz_over_http(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    async with running(fake_slack, tmp_path, "http", real_reviewer()) as h:
        async with aiohttp.ClientSession() as s, s.get(h.url + "/readyz") as r:
            body = await r.json()
        assert r.status == 200 and body["ready"] is True
        assert body["database"]["ok"] is True and body["database"]["backend"] == "sqlite"
        assert "remote" not in body  # no hosted inference configured
