"""The real app in Socket Mode against the local Slack (tests/fakeslack)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
import pytest_asyncio
from botkit import BAD, FakeReviewer, Harness, real_reviewer
from fakeslack.fixtures import fake_slack  # noqa: F401

MODE = "socket"


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
    # a reviewer that burns 30 ms of GIL-holding CPU per draft (off the event loop, but competing
    # with it for the interpreter), the worst case for acknowledgements
    h = Harness(fake_slack, tmp_path, MODE, FakeReviewer(delay_s=0.03, busy=True))
    await h.start()
    try:
        stats = await sc.ack_latency_burst(h)
    finally:
        await h.stop()
    assert stats["p99_ms"] < 1000


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
