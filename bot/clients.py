"""Slack clients with bounded retries: 429 with ``Retry-After``, connection errors, 5xx."""

from __future__ import annotations

import asyncio
import random
from typing import Any

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


class IdempotentConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """Connection errors are retried only for calls that cannot act twice: a dropped
    ``chat.postMessage`` may have been posted (see :mod:`bot.posting`)."""

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
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class IdempotentServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """5xx answers are retried only for calls that cannot act twice."""

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
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


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


def webhook(url: str, *, max_wait_s: float = 30.0) -> AsyncWebhookClient:
    return AsyncWebhookClient(url, retry_handlers=retry_handlers(max_wait_s), timeout=30)
