"""The real app in Socket Mode against the local Slack (tests/fakeslack)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest_asyncio
from botkit import BAD, Harness, real_reviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

MODE = "socket"


@pytest_asyncio.fixture
async def harness(fake_slack: Any, tmp_path: Path) -> AsyncIterator[Harness]:  # noqa: F811
    async with running(fake_slack, tmp_path, MODE, real_reviewer()) as h:
        yield h


async def test_duplicate_envelopes_and_reconnect(harness: Harness) -> None:
    fake = harness.fake
    ev = fake.post_as_user(sc.DRAFTS, BAD)
    fake.duplicate_next_envelope(2)
    d = await sc.acked(await fake.send_event(ev))
    await fake.disconnect_socket(refresh=True)
    await fake.wait_for_socket(timeout=10)
    await sc.acked(await fake.redeliver(d, retry_reason="timeout"))
    await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
    await harness.idle()
    assert len(fake.thread_replies(sc.DRAFTS, ev["ts"])) == 1
    assert fake.counters["duplicates"] >= 2
    assert not fake.unacked()
