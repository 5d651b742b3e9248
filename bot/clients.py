"""Slack clients with bounded retries: 429 with ``Retry-After``, connection errors, 5xx.

``webhook`` only ever posts to Slack's own webhook hosts over https (``SLACK_WEBHOOK_HOSTS``) or
to hosts the operator configured (``trusted_hosts(settings.slack_api_url)``: the local Slack of
the tests, a proxy): never to a host a request body names.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.posting import is_idempotent


class BoundedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Retries 429s after ``Retry-After`` (plus a little jitter), capped at ``max_wait_s`` per
    wait so a bogus header never stalls a worker for long."""

    def __init__(self, max_retry_count: int = 8, max_wait_s: float = 30.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        value: Any = None
        for k, v in response.headers.items():
            if k.lower() == "retry-after":
                value = v[0] if isinstance(v, list) and v else v
        try:
            wait = float(value) if value is not None else 1.0
        except (TypeError, ValueError):
            wait = 1.0
        wait = min(max(wait, 0.0), self.max_wait_s)
        await asyncio.sleep(wait + random.random() * min(0.25, wait / 4 + 0.05))
        state.increment_current_attempt()


class _IdempotentOnly:
    """Retries only calls that cannot act twice: a dropped or failed ``chat.postMessage`` may
    have been posted (see :mod:`bot.posting`). Mixed in before a slack_sdk retry handler."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not is_idempotent(request.url):
            return False
        can: bool = await super()._can_retry_async(  # type: ignore[misc]
            state=state, request=request, response=response, error=error
        )
        return can


class IdempotentConnectionErrorRetryHandler(_IdempotentOnly, AsyncConnectionErrorRetryHandler):
    """Connection errors, retried only for idempotent calls."""


class IdempotentServerErrorRetryHandler(_IdempotentOnly, AsyncServerErrorRetryHandler):
    """5xx answers, retried only for idempotent calls."""


def retry_handlers(max_wait_s: float = 30.0) -> list[AsyncRetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.3)
    return [
        BoundedRateLimitRetryHandler(max_retry_count=8, max_wait_s=max_wait_s),
        IdempotentConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        IdempotentServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
    ]


def web_client(token: str | None, base_url: str, *, max_wait_s: float = 30.0) -> AsyncWebClient:
    return AsyncWebClient(
        token=token, base_url=base_url, retry_handlers=retry_handlers(max_wait_s), timeout=30
    )


SLACK_WEBHOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


class UntrustedURL(ValueError):
    """A response_url that does not point at Slack (or a host the operator configured)."""


def trusted_hosts(api_url: str | None) -> frozenset[str]:
    """The ``host:port`` of a configured API URL (settings only, never a request body)."""
    if not api_url:
        return frozenset()
    parts = urlsplit(api_url)
    return frozenset({parts.netloc.lower()}) if parts.hostname else frozenset()


def is_slack_url(url: object, extra_hosts: Iterable[str] = ()) -> bool:
    if not isinstance(url, str) or not url or len(url) > 2048:
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None:
        return False
    if parts.netloc.lower() in {h.lower() for h in extra_hosts}:
        return parts.scheme in ("http", "https")
    return parts.scheme == "https" and host in SLACK_WEBHOOK_HOSTS and parts.port in (None, 443)


def webhook(
    url: str, *, extra_hosts: Iterable[str] = (), max_wait_s: float = 30.0
) -> AsyncWebhookClient:
    """A client for a Slack ``response_url``; raises ``UntrustedURL`` for any other host."""
    if not is_slack_url(url, extra_hosts):
        raise UntrustedURL("refusing to post to a response_url that is not a Slack webhook host")
    return AsyncWebhookClient(url, retry_handlers=retry_handlers(max_wait_s), timeout=30)
