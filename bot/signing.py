"""Slack request signatures, checked strictly and without ever raising.

``verify_request`` is the gate in front of the bolt app in HTTP mode: a request whose headers are
missing, duplicated, malformed (a non-numeric, empty, huge, negative or fractional timestamp; a
signature that is not ``v0=`` and 64 hex digits), outside the 5-minute window or signed with
another secret is answered 401 before any middleware, listener or error handler sees its body.
slack_sdk's verifier calls ``int(timestamp)`` and raises on such headers, and bolt then hands the
unverified body to the app's error handler; this module never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping, Sequence

__all__ = ["MAX_AGE_S", "SignatureCheck", "sign", "verify_request"]

MAX_AGE_S = 300
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}\Z")
_SIGNATURE_RE = re.compile(r"v0=[0-9a-f]{64}\Z")

Headers = Mapping[str, Sequence[str]]


class SignatureCheck:
    """Why a request was accepted or refused (``ok``, ``reason``), for the log."""

    __slots__ = ("ok", "reason")

    def __init__(self, ok: bool, reason: str) -> None:
        self.ok = ok
        self.reason = reason

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"SignatureCheck(ok={self.ok}, reason={self.reason!r})"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def _one(headers: Headers, name: str) -> str | None:
    values = [v for k, vs in headers.items() if k.lower() == name for v in vs]
    return values[0] if len(values) == 1 else None


def verify_request(
    secret: str | None,
    headers: Headers,
    body: bytes,
    *,
    now: Callable[[], float] = time.time,
) -> SignatureCheck:
    """Check ``X-Slack-Request-Timestamp`` / ``X-Slack-Signature`` over the raw ``body``.

    ``headers`` maps each header name to *all* its values (so duplicates are seen).
    """
    if not secret:
        return SignatureCheck(False, "no signing secret is configured")
    timestamp = _one(headers, "x-slack-request-timestamp")
    signature = _one(headers, "x-slack-signature")
    if timestamp is None or signature is None:
        return SignatureCheck(False, "missing or repeated signature headers")
    if not _TIMESTAMP_RE.match(timestamp):
        return SignatureCheck(False, "the timestamp is not a whole number of seconds")
    if not _SIGNATURE_RE.match(signature):
        return SignatureCheck(False, "the signature is not v0= and 64 hex digits")
    if abs(now() - int(timestamp)) > MAX_AGE_S:
        return SignatureCheck(False, "the timestamp is outside the 5-minute window")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return SignatureCheck(False, "the signature does not match")
    return SignatureCheck(True, "verified")
