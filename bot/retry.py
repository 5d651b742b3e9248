"""Which failures are worth another attempt: a job that raised one of these is retried with
backoff (``JobQueue``); anything else fails the job for good."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.jobs import RetryableError
from bot.storage.database import is_database_outage

# Slack's answers that say "later", not "never"
TRANSIENT_SLACK_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, RetryableError | aiohttp.ClientError | asyncio.TimeoutError):
        return True
    if is_database_outage(exc):
        return True
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        data = getattr(exc.response, "data", None)
        # a 5xx from a proxy or Slack's edge has a text body, not a JSON object
        error = data.get("error") if isinstance(data, dict) else None
        return status == 429 or status >= 500 or error in TRANSIENT_SLACK_ERRORS
    return isinstance(exc, ConnectionError)
