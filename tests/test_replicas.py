"""Several replicas of the real app (HTTP mode) sharing one real PostgreSQL, against the local
Slack: nothing lost, nothing doubled.

* a burst of 100 drafts over three replicas, with duplicated deliveries sent to two replicas at
  once and Slack's retries sent to another replica than the first delivery;
* one replica stops dead midway (no job handed back, no lease released: what SIGKILL leaves);
  the others take its jobs over when the leases expire;
* ``chat.postMessage`` answers 503 after the post took effect, and 429, several times.

Afterwards every draft has exactly one reply, each draft version at most one alert per target,
and the history holds every review exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest_asyncio
from botkit import BAD, FakeReviewer, free_port, settings_for, wait_until
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401
from slack_sdk.errors import SlackApiError

from bot.storage.history import ReviewHistory


class Replica:
    def __init__(self, fake: Any, tmp: Path, url: str, name: str, delay_s: float) -> None:
        self.fake = fake
        self.name = name
        self.settings = settings_for(
            fake,
            tmp / f"{name}.sqlite3",
            BRANDBOT_MODE="http",
            BRANDBOT_DATABASE_URL=url,
            BRANDBOT_REPLICA_ID=name,
            BRANDBOT_JOB_LEASE="2",
            BRANDBOT_WORKERS="4",
        )
        self.reviewer = FakeReviewer(delay_s=delay_s)
        self.bot: Any = None
        self.web: Any = None
        self.url = ""

    async def start(self) -> Replica:
        from bot.app import build_bot
        from bot.runners import start_http

        self.bot = build_bot(self.settings, self.reviewer)
        await self.bot.start()
        port = free_port()
        self.web = await start_http(self.bot, "127.0.0.1", port)
        self.url = f"http://127.0.0.1:{port}/slack/events"
        return self

    async def kill(self) -> None:
        """Dead at once: the port closes, nothing is handed back."""
        self.bot.kill()
        await self.web.cleanup()
        self.web = None

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.cleanup()
            await self.bot.stop(grace_s=2.0)
        else:  # killed: close what the test process still holds
            await self.bot.ctx.service.aclose()
            await self.bot._close_session()
            self.bot.ctx.store.close()


@pytest_asyncio.fixture
async def replicas(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> AsyncIterator[list[Replica]]:
    reps = [
        Replica(fake_slack, tmp_path, postgres_url, "r0", 0.02),
        Replica(fake_slack, tmp_path, postgres_url, "r1", 0.02),
        Replica(fake_slack, tmp_path, postgres_url, "r2", 0.5),  # slow: holds jobs when killed
    ]
    for r in reps:
        await r.start()
    try:
        yield reps
    finally:
        for r in reps:
            await r.stop()


async def test_burst_over_three_replicas_with_a_kill_and_faults(replicas: list[Replica]) -> None:
    fake = replicas[0].fake
    fake.fail_after_effect("chat.postMessage", times=6)  # posted, then 503
    alive = list(replicas)
    drafts: list[dict[str, Any]] = []
    sends: list[Any] = []

    async def post(url: str, body: bytes, retry: int | None = None) -> None:
        result = await fake.http_post(
            url, body, "application/json", signing_secret=fake.signing_secret, retry_num=retry
        )
        assert result.status == 200, result

    for i in range(100):
        if i == 45:
            await asyncio.gather(*sends)  # what was sent to it was acknowledged ...
            sends = []
            victim = replicas[2]
            assert victim.bot.reviews._held, "the slow replica should hold jobs when it dies"
            await victim.kill()
            alive = replicas[:2]
        if i == 60:
            fake.rate_limit("chat.postMessage", times=4, retry_after=1)
        ev = fake.post_as_user(sc.DRAFTS, f"{BAD} Draft number {i} of the burst.")
        drafts.append(ev)
        body = json.dumps(
            payloads.event_callback(ev, team_id=fake.team_id, api_app_id=fake.api_app_id)
        ).encode()
        first, other = alive[i % len(alive)], alive[(i + 1) % len(alive)]
        if i % 10 == 0:  # a duplicated delivery, to two replicas at once
            sends.append(asyncio.gather(post(first.url, body), post(other.url, body)))
        elif i % 10 == 5:  # Slack's retry reaches another replica
            sends.append(post(first.url, body))
            sends.append(post(other.url, body, retry=1))
        else:
            sends.append(post(first.url, body))
        if len(sends) >= 8:
            await asyncio.gather(*sends)
            sends = []
    await asyncio.gather(*sends)

    def replied() -> int:
        return sum(1 for ev in drafts if fake.thread_replies(sc.DRAFTS, ev["ts"]))

    await wait_until(lambda: replied() == len(drafts), timeout=60)
    history = ReviewHistory(replicas[0].bot.ctx.store.db)
    await wait_until(lambda: history.count() == len(drafts), timeout=20)
    store = replicas[0].bot.ctx.store
    await wait_until(lambda: not store.unfinished_jobs(), timeout=30)  # alerts included
    await asyncio.sleep(0.5)  # anything still in flight would show up now

    # exactly one reply per draft
    counts = {ev["ts"]: len(fake.thread_replies(sc.DRAFTS, ev["ts"])) for ev in drafts}
    assert set(counts.values()) == {1}, {ts: n for ts, n in counts.items() if n != 1}
    # at most one alert per draft version and target (every draft here warrants one)
    alert_jobs = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("job")
        for ch, msgs in fake.messages.items()
        for m in msgs
        if m.get("bot_id") == fake.bot_id
        and (m.get("metadata") or {}).get("event_type") == "brandbot_alert"
    )
    assert alert_jobs and max(alert_jobs.values()) == 1, alert_jobs.most_common(3)
    channel_alerts = [k for k in alert_jobs if str(k).endswith(f":to:{sc.ALERTS}")]
    assert len(channel_alerts) == len(drafts)
    # the history holds every review once
    entries = list(history.iter())
    assert sorted(e.draft_ts for e in entries) == sorted(ev["ts"] for ev in drafts)
    assert all(e.reply_ts for e in entries)
    # the faults happened, and the dead replica's jobs were taken over by the others
    assert fake.counters["failed_after_effect"] == 6 and fake.counters["rate_limited"] == 4
    assert sum(r.bot.reviews.stats.taken_over for r in alive) >= 1


async def test_a_post_whose_replica_died_before_recording_it_is_found_not_repeated(
    fake_slack: Any,  # noqa: F811
    postgres_url: str,
) -> None:
    """Replica A records its intent, posts (Slack answers 503 after posting) and dies before it
    records the result; replica B runs the job again: it finds the open intent, finds the
    message by its metadata, and posts nothing."""
    from bot.clients import web_client
    from bot.posting import job_metadata, post_once
    from bot.store import Store

    fake = fake_slack
    client = web_client(fake.bot_token, fake.base_url)
    a = Store(postgres_url, owner="a")
    b = Store(a.db, owner="b")
    draft = fake.post_as_user(sc.DRAFTS, BAD)
    key = f"thread:{sc.DRAFTS}:{draft['ts']}::{draft['ts']}"
    try:
        a.record_post_intent(key, sc.DRAFTS, draft["ts"])
        fake.fail_after_effect("chat.postMessage", times=1)
        try:
            await client.chat_postMessage(
                channel=sc.DRAFTS,
                thread_ts=draft["ts"],
                text="review",
                metadata=job_metadata("brandbot_review", key, {}),
            )
        except SlackApiError as exc:  # the 503: A dies here, the result never recorded
            assert exc.response.status_code == 503
        else:
            raise AssertionError("the fault did not fire")
        [posted] = fake.thread_replies(sc.DRAFTS, draft["ts"])

        ts = await post_once(
            client,
            job_key=key,
            channel=sc.DRAFTS,
            thread_ts=draft["ts"],
            event_type="brandbot_review",
            intents=b,
            text="review",
        )
        assert ts == posted["ts"]
        assert len(fake.thread_replies(sc.DRAFTS, draft["ts"])) == 1
        intent = b.post_intent(key)
        assert intent is not None and (intent.state, intent.message_ts) == ("posted", ts)
        # and once recorded, nobody even looks again
        looked = len(fake.calls_to("conversations.replies"))
        again = await post_once(
            client,
            job_key=key,
            channel=sc.DRAFTS,
            thread_ts=draft["ts"],
            event_type="brandbot_review",
            intents=a,
            text="review",
        )
        assert again == ts and len(fake.calls_to("conversations.replies")) == looked
    finally:
        a.close()


async def test_a_replica_that_stops_hands_its_jobs_back_at_once(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    """Graceful stop (SIGTERM, a rolling upgrade): the jobs it holds go back to the journal at
    once, and the other replica runs them long before their 120 s lease would have expired."""
    fake = fake_slack
    slow = Replica(fake, tmp_path, postgres_url, "slow", 1.0)
    fast = Replica(fake, tmp_path, postgres_url, "fast", 0.0)
    for r in (slow, fast):
        r.settings = replace(r.settings, job_lease_s=120.0)
    await slow.start()
    await fast.start()
    try:
        drafts = []
        for i in range(6):
            ev = fake.post_as_user(sc.DRAFTS, f"{BAD} Handed back {i}.")
            drafts.append(ev)
            body = json.dumps(
                payloads.event_callback(ev, team_id=fake.team_id, api_app_id=fake.api_app_id)
            ).encode()
            r = await fake.http_post(
                slow.url, body, "application/json", signing_secret=fake.signing_secret
            )
            assert r.status == 200
        await wait_until(lambda: slow.bot.reviews._held, timeout=5)
        started = asyncio.get_running_loop().time()
        await slow.web.cleanup()
        slow.web = None
        await slow.bot.stop(grace_s=0.0)
        slow.bot = None
        await wait_until(
            lambda: all(fake.thread_replies(sc.DRAFTS, ev["ts"]) for ev in drafts), timeout=60
        )
        assert asyncio.get_running_loop().time() - started < 60  # not the 120 s lease
        for ev in drafts:
            assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1
    finally:
        await fast.stop()
        if slow.bot is not None:
            await slow.stop()
