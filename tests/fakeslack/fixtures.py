"""pytest fixtures for the fake Slack: import them into a test module or list this module in
``pytest_plugins``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from .server import FakeSlack


@pytest_asyncio.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A started FakeSlack; fails the test at teardown when Slack rules were broken."""
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    if fake.check_violations_on_exit and fake.violations:
        lines = "\n  ".join(str(v) for v in fake.violations)
        raise AssertionError(f"fake Slack recorded violations:\n  {lines}")


@pytest_asyncio.fixture
async def slack_web_client(fake_slack: FakeSlack) -> AsyncIterator[Any]:
    """An AsyncWebClient with the bot token, pointed at ``fake_slack``."""
    yield fake_slack.web_client()
