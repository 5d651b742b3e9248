"""Plain records of what the fake saw: calls, violations, deliveries, acks, posts, downloads."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    http_verb: str
    headers: dict[str, str]
    time: float
    status: int = 200
    response: JSON | None = None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))


@dataclass
class Violation:
    kind: str
    method: str
    detail: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.kind}] {self.method}: {self.detail}"


@dataclass
class Ack:
    envelope_id: str | None
    transport: str  # "socket" | "http"
    payload: Any
    received_at: float
    latency: float
    delivery: Delivery | None = None
    status: int = 200


@dataclass
class Delivery:
    kind: str  # events_api | slash_commands | interactive
    payload: JSON
    transport: str  # "socket" | "http"
    envelope_id: str | None = None
    event_id: str | None = None
    retry_attempt: int = 0
    retry_reason: str = ""
    accepts_response_payload: bool = False
    sent_at: float = 0.0
    response_url: str | None = None
    ack: Ack | None = None
    status: int | None = None  # HTTP status (HTTP mode), 200 once acked over the socket
    response_body: str | None = None
    error: BaseException | None = None
    duplicate_of: Delivery | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def acked(self) -> bool:
        return self.ack is not None and 200 <= (self.status or 0) < 300

    @property
    def ack_latency(self) -> float | None:
        return None if self.ack is None else self.ack.latency

    async def wait_done(self, timeout: float = 5.0) -> Delivery:
        """Until the socket ack or the HTTP answer (any status) or a transport error arrived."""
        try:
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no ack for {self.kind} {self.envelope_id or self.event_id} after {timeout}s"
            ) from None
        return self

    async def wait_acked(self, timeout: float = 5.0) -> Ack:
        """The ack; raises ``TimeoutError`` without one, ``AssertionError`` on a non-2xx answer."""
        await self.wait_done(timeout)
        if self.error is not None:
            raise AssertionError(f"delivery failed: {self.error!r}")
        if not self.acked or self.ack is None:
            raise AssertionError(f"not acked: HTTP {self.status} {self.response_body!r}")
        return self.ack


@dataclass
class ResponsePost:
    url: str
    body: JSON
    time: float
    status: int
    channel: str | None = None

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def replace_original(self) -> bool:
        return bool(self.body.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        return bool(self.body.get("delete_original"))


@dataclass
class Download:
    file_id: str
    path: str
    host: str
    headers: dict[str, str]
    authorized: bool
    status: int
    time: float = field(default_factory=time.monotonic)
    redirected: bool = False


@dataclass
class HttpResult:
    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
