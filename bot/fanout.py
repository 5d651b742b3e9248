"""Sending one message to several people or channels (alerts, digests): one target Slack
refuses for good (a deactivated manager: ``user_disabled``; a channel the bot left) is logged
and skipped, and never keeps the message from the others."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from slack_sdk.errors import SlackApiError

from bot.posting import api_error
from bot.retry import is_retryable

log = logging.getLogger(__name__)


class NoTargetReached(Exception):
    """Every target refused the message for good."""


async def to_each(
    targets: Sequence[str], send: Callable[[str], Awaitable[None]], what: str
) -> list[str]:
    """``send(target)`` for every target; returns the targets that got it. A transient failure
    (rate limit, Slack down) is raised after the others were tried, so the job's retry sends to
    the ones that are left (``send`` must skip a target it already reached). Raises
    ``NoTargetReached`` when there were targets and every one refused for good."""
    reached: list[str] = []
    refused: list[str] = []
    later: BaseException | None = None
    for target in targets:
        try:
            await send(target)
        except SlackApiError as exc:
            if is_retryable(exc):
                later = later or exc
                continue
            refused.append(target)
            log.warning("%s not delivered to %s: %s (skipped)", what, target, api_error(exc))
            continue
        except Exception as exc:
            if is_retryable(exc):
                later = later or exc
                continue
            raise
        reached.append(target)
    if later is not None:
        raise later
    if refused and not reached:
        raise NoTargetReached(f"{what}: every target refused it ({', '.join(refused)})")
    return reached
