"""What the real app must do in both transports, Socket Mode and HTTP, against the local Slack:
every scenario of ``bot_scenarios.COMMON``, a 429 storm, a restart mid-burst and acknowledgements
under a burst. Transport-specific behaviour is in test_e2e_socket.py and test_e2e_http.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
import pytest_asyncio
from botkit import FakeReviewer, Harness, real_reviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

MODES = ("socket", "http")


@pytest_asyncio.fixture(params=MODES)
async def harness(
    request: pytest.FixtureRequest,
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    async with running(fake_slack, tmp_path, request.param, real_reviewer()) as h:
        yield h


@pytest.mark.parametrize("scenario", sc.COMMON, ids=lambda f: f.__name__)
async def test_scenario(harness: Harness, scenario: sc.Scenario) -> None:
    await scenario(harness)


async def test_rate_limit_storm(harness: Harness) -> None:
    await sc.rate_limit_storm(harness)


@pytest.mark.parametrize("mode", MODES)
async def test_restart_mid_burst(fake_slack: Any, tmp_path: Path, mode: str) -> None:  # noqa: F811
    reviewer = FakeReviewer(delay_s=0.05)
    async with running(fake_slack, tmp_path, mode, reviewer, BRANDBOT_WORKERS="2") as h:
        await sc.restart_mid_burst(h)


@pytest.mark.parametrize("mode", MODES)
async def test_ack_latency_under_burst(fake_slack: Any, tmp_path: Path, mode: str) -> None:  # noqa: F811
    # a reviewer that burns 30 ms of GIL-holding CPU per draft (off the event loop, but competing
    # with it for the interpreter), the worst case for acknowledgements; the numbers are printed
    # (run with -s) and benchmarked in bench/ack.py, only a sanity bound is asserted here
    reviewer = FakeReviewer(delay_s=0.03, busy=True)
    async with running(fake_slack, tmp_path, mode, reviewer) as h:
        stats = await sc.ack_latency_burst(h)
    assert stats["p99_ms"] < 1000
