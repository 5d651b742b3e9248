"""The real app in HTTP mode (signed requests over aiohttp) against the local Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest
import pytest_asyncio
from botkit import BAD, FakeReviewer, Harness, real_reviewer
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401

MODE = "http"


@pytest_asyncio.fixture
async def harness(fake_slack: Any, tmp_path: Path) -> AsyncIterator[Harness]:  # noqa: F811
    h = Harness(fake_slack, tmp_path, MODE, real_reviewer())
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


@pytest.mark.parametrize("scenario", sc.COMMON, ids=lambda f: f.__name__)
async def test_scenario(harness: Harness, scenario: sc.Scenario) -> None:
    await scenario(harness)


async def test_rate_limit_storm(harness: Harness) -> None:
    await sc.rate_limit_storm(harness)


async def test_restart_mid_burst(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    h = Harness(fake_slack, tmp_path, MODE, FakeReviewer(delay_s=0.05), BRANDBOT_WORKERS="2")
    await h.start()
    try:
        await sc.restart_mid_burst(h)
    finally:
        await h.stop()


async def test_ack_latency_under_burst(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    h = Harness(fake_slack, tmp_path, MODE, FakeReviewer(delay_s=0.03, busy=True))
    await h.start()
    try:
        stats = await sc.ack_latency_burst(h)
    finally:
        await h.stop()
    assert stats["p99_ms"] < 1000


async def test_invalid_signatures_rejected(harness: Harness) -> None:
    fake = harness.fake
    ev = fake.post_as_user(sc.DRAFTS, BAD)
    body = json.dumps(
        payloads.event_callback(ev, team_id=fake.team_id, api_app_id=fake.api_app_id)
    ).encode()
    url = f"{harness.url}/slack/events"
    bad = await fake.http_post(url, body, "application/json", bad_signature=True)
    stale = await fake.http_post(url, body, "application/json", stale=True)
    wrong = await fake.http_post(url, body, "application/json", signing_secret="not-the-secret")
    async with aiohttp.ClientSession() as s, s.post(url, data=body) as unsigned:
        unsigned_status = unsigned.status
    assert {bad.status, stale.status, wrong.status, unsigned_status} == {401}
    await harness.idle()
    assert sc.ours(harness) == []
    # the same body, correctly signed, is accepted and reviewed once
    ok = await fake.http_post(url, body, "application/json", signing_secret=fake.signing_secret)
    assert ok.status == 200
    await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])


async def test_health_and_readiness(harness: Harness) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{harness.url}/healthz") as r:
            assert r.status == 200 and (await r.json())["ok"] is True
        async with s.get(f"{harness.url}/readyz") as r:
            assert r.status == 200 and (await r.json())["ready"] is True
        await harness.bot.stop(close_store=False)
        async with s.get(f"{harness.url}/readyz") as r:
            assert r.status == 503


async def test_url_verification(harness: Harness) -> None:
    fake = harness.fake
    body = json.dumps(payloads.url_verification("chal-123")).encode()
    r = await fake.http_post(
        f"{harness.url}/slack/events", body, "application/json", signing_secret=fake.signing_secret
    )
    assert r.status == 200 and "chal-123" in r.body
