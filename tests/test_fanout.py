"""``bot.fanout.to_each``: one refusing target never keeps a message from the others."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.fanout import NoTargetReached, to_each


def _error(code: str, status: int = 200) -> SlackApiError:
    resp = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=status,
    )
    return SlackApiError(code, resp)


def run(targets: list[str], fail: dict[str, SlackApiError]) -> tuple[list[str], list[str]]:
    sent: list[str] = []

    async def send(t: str) -> None:
        if t in fail:
            raise fail[t]
        sent.append(t)

    reached = asyncio.run(to_each(targets, send, "test"))
    return reached, sent


def test_a_refusing_target_is_skipped() -> None:
    reached, sent = run(["U1", "U2", "C3"], {"U1": _error("user_disabled")})
    assert reached == sent == ["U2", "C3"]


def test_a_transient_failure_is_raised_after_the_others_were_sent() -> None:
    sent: list[str] = []

    async def send(t: str) -> None:
        if t == "U1":
            raise _error("ratelimited", 429)
        sent.append(t)

    with pytest.raises(SlackApiError):
        asyncio.run(to_each(["U1", "U2", "C3"], send, "test"))
    assert sent == ["U2", "C3"]


def test_every_target_refusing_is_an_error() -> None:
    with pytest.raises(NoTargetReached, match="U1, C2"):
        run(["U1", "C2"], {"U1": _error("user_disabled"), "C2": _error("channel_not_found")})
    assert run([], {}) == ([], [])
