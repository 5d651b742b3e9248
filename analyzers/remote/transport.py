"""One HTTP request to a hosted model, within a deadline: budget, concurrency, retries.

:meth:`Transport.request` runs one attempt function under the concurrency limit and the request
budget, with a per-request timeout bounded by the deadline. It retries

* 429 after its ``Retry-After`` (seconds or an HTTP date),
* 503 after the body's ``estimated_time`` (a model loading on the serverless API),
* other 5xx and dropped connections with a short exponential backoff,

as long as the wait ends before the deadline, and otherwise raises :class:`RemoteUnavailable`
with a short reason for the review ("timeout", "rate limited (429)", "model loading (503)",
"HTTP 400: …"). Reasons never contain the token: every message goes through :func:`scrub`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from analyzers.remote.budget import BudgetSpent, RequestBudget

T = TypeVar("T")
_TOKEN_RE = re.compile(r"hf_[A-Za-z0-9]{8,}")


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without any token: configured secrets and anything shaped like ``hf_…``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "hf_***")
    return _TOKEN_RE.sub("hf_***", text)


class RemoteUnavailable(RuntimeError):
    """A remote analysis could not run; ``reason`` is short and safe to show."""

    def __init__(self, reason: str, *, budget: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.budget = budget


class HttpStatusError(RuntimeError):
    """A non-2xx answer from a server called without huggingface_hub."""

    def __init__(self, status: int, headers: Mapping[str, str], body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers
        self.body = body


def _status_of(exc: BaseException) -> tuple[int, Mapping[str, str], str] | None:
    """(status, headers, body) of an HTTP error from either client; ``None`` otherwise."""
    if isinstance(exc, HttpStatusError):
        return exc.status, exc.headers, exc.body
    response = getattr(exc, "response", None)  # huggingface_hub's HfHubHTTPError
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        try:
            body = str(response.text)  # type: ignore[union-attr]
        except Exception:
            body = ""
        headers = getattr(response, "headers", {}) or {}
        return status, {str(k).lower(): str(v) for k, v in dict(headers).items()}, body
    return None


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    raw = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)


def estimated_time(body: str) -> float | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get("estimated_time") if isinstance(data, dict) else None
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def _short(body: str) -> str:
    try:
        data = json.loads(body)
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            body = data["error"]
    except ValueError:
        pass
    body = " ".join(body.split())
    return body[:120] + ("…" if len(body) > 120 else "")


class Transport:
    """Shared by every remote analysis of a suite: one budget, one concurrency limit."""

    def __init__(
        self,
        *,
        timeout_s: float,
        concurrency: int,
        budget: RequestBudget,
        secrets: tuple[str, ...] = (),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_s = timeout_s
        self.concurrency = concurrency
        self.budget = budget
        self.secrets = secrets
        self.sleep = sleep
        self.clock = clock
        self.requests = 0  # attempts sent
        self.retries = 0
        self._sem: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrency)
        return self._sem

    async def request(self, attempt: Callable[[], Awaitable[T]], deadline: float) -> T:
        backoff = 0.5
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise RemoteUnavailable("timeout")
            try:
                wait = self.budget.acquire()
            except BudgetSpent as exc:
                raise RemoteUnavailable(str(exc), budget=True) from None
            if wait > 0:
                if wait >= remaining:
                    raise RemoteUnavailable(
                        f"per-minute rate of {self.budget.per_minute} requests reached"
                    )
                await self.sleep(wait)
                continue
            async with self._semaphore():
                self.requests += 1
                try:
                    return await asyncio.wait_for(
                        attempt(), timeout=min(self.timeout_s, max(remaining, 0.001))
                    )
                except RemoteUnavailable:
                    raise
                except TimeoutError:
                    raise RemoteUnavailable("timeout") from None
                except Exception as exc:
                    failure = exc
            plan, reason = self._retry_plan(failure, backoff)
            if plan is None or plan >= deadline - self.clock():
                raise RemoteUnavailable(reason) from None
            self.retries += 1
            backoff = min(backoff * 2, 8.0)
            await self.sleep(plan)

    def _retry_plan(self, exc: BaseException, backoff: float) -> tuple[float | None, str]:
        """(seconds to wait before retrying or ``None`` to give up, reason if giving up)."""
        if type(exc).__name__ == "InferenceTimeoutError":
            return None, "timeout"
        info = _status_of(exc)
        if info is None:
            name = type(exc).__name__
            if isinstance(exc, OSError) or "Connect" in name or "Transport" in name:
                return backoff, "connection failed"
            return None, scrub(f"{name}: {exc}", self.secrets)[:200]
        status, headers, body = info
        if status == 429:
            after = retry_after(headers)
            return (after if after is not None else backoff), "rate limited (429)"
        if status == 503:
            eta = estimated_time(body)
            if eta is not None:
                return eta, f"model loading (503, estimated {eta:.0f}s)"
            return backoff, "service unavailable (503)"
        if status >= 500:
            return backoff, f"HTTP {status}"
        if status in (401, 403):
            return None, f"HTTP {status}: the token was refused (run brandbot doctor)"
        return None, scrub(f"HTTP {status}: {_short(body)}", self.secrets)


def as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise RemoteUnavailable(f"malformed response: {what} is not a list")
    return value
