"""The real app in HTTP mode (signed requests over aiohttp) against the local Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest_asyncio
from botkit import BAD, Harness, real_reviewer, running
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401

MODE = "http"


@pytest_asyncio.fixture
async def harness(fake_slack: Any, tmp_path: Path) -> AsyncIterator[Harness]:  # noqa: F811
    async with running(fake_slack, tmp_path, MODE, real_reviewer()) as h:
        yield h


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
