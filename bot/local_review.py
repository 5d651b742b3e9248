"""The local review endpoint of ``brandbot serve`` (design: ``analyzers/local_review.py``).

A unix domain socket only (no TCP port): folder 0700, socket 0600, and every connection's peer
uid (``SO_PEERCRED``) must be this process's uid. It reviews with the running service (the
warm models), so ``brandbot review`` on the same machine skips loading them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import stat
import struct
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from analyzers import (
    MAX_DRAFTS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    Draft,
    Review,
    SourceFormat,
    guide_fingerprint,
)
from bot.errors import new_reference

log = logging.getLogger(__name__)

ReviewFn = Callable[[Sequence[Draft], str | None], Awaitable[list[Review]]]


def peer_uid(request: web.Request) -> int | None:
    """The uid of the process at the other end of a unix socket (Linux ``SO_PEERCRED``)."""
    sock = request.transport.get_extra_info("socket") if request.transport else None
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def local_review_app(
    review: ReviewFn,
    *,
    guide_path: Path | None,
    models: str,
    models_loaded: bool,
    profiles: Sequence[str],
) -> web.Application:
    fingerprint = guide_fingerprint(guide_path)

    @web.middleware
    async def same_user_only(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if peer_uid(request) != os.getuid():
            log.warning("local review endpoint: refused a connection from another user")
            return _error(403, "this endpoint serves only the user running brandbot serve")
        return await handler(request)

    async def status(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "guide": fingerprint[0] if fingerprint else None,
                "guide_sha256": fingerprint[1] if fingerprint else None,
                "models": models,
                "models_loaded": models_loaded,
                "profiles": list(profiles),
            }
        )

    async def review_route(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "the body is not JSON")
        drafts, problem = _drafts(body)
        if problem:
            return _error(400, problem)
        profile = body.get("profile")
        if profile is not None and (not isinstance(profile, str) or profile not in profiles):
            return _error(400, "unknown profile")
        try:
            reviews = await review(drafts, profile)
        except Exception:
            ref = new_reference()
            log.exception("local review failed (reference %s)", ref)
            return _error(500, f"the review failed (reference {ref})")
        return web.json_response({"reviews": [r.to_dict() for r in reviews]})

    app = web.Application(middlewares=[same_user_only], client_max_size=MAX_REQUEST_BYTES)
    app.router.add_get("/v1/status", status)
    app.router.add_post("/v1/review", review_route)
    return app


def _drafts(body: Any) -> tuple[list[Draft], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("drafts"), list):
        return [], "expected {'drafts': [...], 'profile': name or null}"
    rows = body["drafts"]
    if not rows or len(rows) > MAX_DRAFTS_PER_REQUEST:
        return [], f"send 1 to {MAX_DRAFTS_PER_REQUEST} drafts per request"
    drafts: list[Draft] = []
    formats = {f.value for f in SourceFormat}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            return [], f"draft {i}: expected an object with a text"
        fmt = row.get("format") or SourceFormat.PLAIN.value
        if fmt not in formats:
            return [], f"draft {i}: unknown format"
        draft_id = row.get("id")
        drafts.append(
            Draft(row["text"], draft_id if isinstance(draft_id, str) else None, SourceFormat(fmt))
        )
    return drafts, None


def _prepare_folder(path: Path) -> bool:
    """A private folder for the socket: created 0700; an existing one must be ours and not
    writable by others. False (with a warning) when it is not safe to use."""
    folder = path.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError as exc:
        log.warning("local review endpoint off: cannot create %s (%s)", folder, exc.strerror)
        return False
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("local review endpoint off: %s is not a private folder of this user", folder)
        return False
    return True


def _in_use(path: Path) -> bool:
    """Whether another live server answers on ``path`` (a stale file is removed)."""
    if not path.exists() and not path.is_symlink():
        return False
    if not stat.S_ISSOCK(path.lstat().st_mode):
        return True  # not ours to delete
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(0.5)
        probe.connect(str(path))
        return True
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    finally:
        probe.close()


async def start_local_review(app: web.Application, path: Path) -> web.AppRunner | None:
    """Serve ``app`` on the unix socket ``path`` (0600); None when it cannot be done safely."""
    if not _prepare_folder(path):
        return None
    if _in_use(path):
        log.warning("local review endpoint off: %s is in use (another brandbot serve?)", path)
        return None
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    old_umask = os.umask(0o177)  # the socket is created 0600, never briefly wider
    try:
        await web.UnixSite(runner, str(path)).start()
    except OSError as exc:
        await runner.cleanup()
        log.warning("local review endpoint off: %s (%s)", path, exc.strerror)
        return None
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    log.info("local review endpoint on %s (this user only): brandbot review uses it", path)
    return runner


async def stop_local_review(runner: web.AppRunner | None, path: Path | None) -> None:
    if runner is None:
        return
    await runner.cleanup()
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
