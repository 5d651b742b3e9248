"""The local review endpoint of a running ``brandbot serve``, as the CLI sees it.

Design (also in ARCHITECTURE.md): ``brandbot serve`` listens on a **unix domain socket**, never
on a network port, at :func:`socket_path` (``$BRANDBOT_LOCAL_SOCKET``, else
``$XDG_RUNTIME_DIR/brandbot/review.sock``, else ``~/.cache/brandbot/review.sock``; ``off``
disables it). Only the same user can use it: the folder is 0700, the socket 0600, and the server
checks the peer's uid with ``SO_PEERCRED`` on every connection (the kernel vouches for it, so
no token is needed). ``brandbot review`` asks ``GET /v1/status`` first and uses the endpoint
only when the server runs the very same guide file (same path and sha256) with models; else it
loads the models itself. Protocol (JSON):

- ``GET /v1/status`` → ``{"guide": path, "guide_sha256": hex, "models": status,
  "profiles": [...]}``
- ``POST /v1/review`` ``{"drafts": [{"text", "id", "format"}], "profile": name | null}`` →
  ``{"reviews": [Review.to_dict()...]}``; 400 with ``{"error"}`` for a bad request, 500 with a
  reference id (never exception text) when the review failed.

This module is the client side and the shared constants; the server is ``bot/local_review.py``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzers.types import Draft, Review

SOCKET_ENV = "BRANDBOT_LOCAL_SOCKET"
MAX_DRAFTS_PER_REQUEST = 64
MAX_REQUEST_BYTES = 64 * 1024 * 1024
_OFF = {"off", "none", "no", "0", "false", "disabled"}


class LocalReviewError(Exception):
    """The endpoint could not review (gone, refused, a bad answer); the CLI falls back."""


def socket_path(value: str | None = None) -> Path | None:
    """Where the endpoint lives (None = disabled). ``value`` overrides the environment."""
    raw = (os.environ.get(SOCKET_ENV, "") if value is None else value).strip()
    if raw.lower() in _OFF:
        return None
    if raw:
        return Path(raw).expanduser()
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    base = Path(runtime) if runtime else Path.home() / ".cache"
    return base / "brandbot" / "review.sock"


def guide_fingerprint(path: Path | str | None) -> tuple[str, str] | None:
    """(resolved path, sha256 of its bytes) of a guide file; None when it cannot be read."""
    if path is None:
        return None
    try:
        p = Path(path).resolve()
        return str(p), hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:
        return None


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self._path))
        except OSError:
            sock.close()
            raise
        self.sock = sock


class LocalReviewClient:
    """A client for one socket; every call raises :class:`LocalReviewError` on any problem."""

    def __init__(self, path: Path, *, timeout: float = 600.0) -> None:
        self.path = path
        self.timeout = timeout

    def _call(self, method: str, route: str, body: Any = None, timeout: float | None = None) -> Any:
        conn = _UnixHTTPConnection(self.path, self.timeout if timeout is None else timeout)
        try:
            data = None if body is None else json.dumps(body).encode("utf-8")
            headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, route, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise LocalReviewError(f"{self.path}: {exc.__class__.__name__}") from None
        finally:
            conn.close()
        try:
            payload = json.loads(raw)
        except ValueError:
            raise LocalReviewError(f"{self.path}: answer is not JSON") from None
        if resp.status != 200:
            error = payload.get("error") if isinstance(payload, dict) else None
            raise LocalReviewError(f"{self.path}: {resp.status} {error or ''}".strip())
        return payload

    def status(self) -> dict[str, Any]:
        data = self._call("GET", "/v1/status", timeout=2.0)
        if not isinstance(data, dict):
            raise LocalReviewError(f"{self.path}: unexpected status answer")
        return data

    def review(self, drafts: Sequence[Draft], profile: str | None) -> list[Review]:
        body = {
            "drafts": [{"text": d.text, "id": d.id, "format": d.format.value} for d in drafts],
            "profile": profile,
        }
        data = self._call("POST", "/v1/review", body)
        rows = data.get("reviews") if isinstance(data, dict) else None
        if not isinstance(rows, list) or len(rows) != len(drafts):
            raise LocalReviewError(f"{self.path}: unexpected review answer")
        try:
            return [Review.from_dict(r) for r in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise LocalReviewError(f"{self.path}: bad review ({type(exc).__name__})") from None


def find_server(guide_source: Path | str | None, profile: str | None) -> LocalReviewClient | None:
    """A running ``brandbot serve`` that reviews with the same guide file (and has models and
    the profile), else None. Never raises; costs one stat when nothing runs."""
    path = socket_path()
    if path is None or not path.exists():
        return None
    mine = guide_fingerprint(guide_source)
    if mine is None:
        return None
    client = LocalReviewClient(path)
    try:
        status = client.status()
    except LocalReviewError:
        return None
    theirs = (status.get("guide"), status.get("guide_sha256"))
    if theirs != mine or not status.get("models_loaded"):
        return None
    if profile and profile not in (status.get("profiles") or []):
        return None
    return client
