"""``FakeSlack``: the Web API, Socket Mode, response_urls and file hosting on 127.0.0.1."""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import dataclasses
import hashlib
import json
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from . import payloads
from .blockkit import MAX_BLOCKS_VIEW, check_message
from .records import (
    JSON,
    Ack,
    ApiCall,
    Delivery,
    Download,
    HttpResult,
    ResponsePost,
    Violation,
)
from .signing import signed_headers
from .spec import WebApiSpec

T = TypeVar("T")

RESPONSE_URL_USES = 5
RESPONSE_URL_WINDOW_S = 30 * 60

LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack</title></head><body>"
    "<h1>Sign in to fake</h1><form action='/signin'></form></body></html>"
)


class SlackApiError(Exception):
    """Raised by a handler to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def default_spec_path() -> Path:
    from analyzers.paths import shared_dir

    return shared_dir() / "specs" / "slack" / "web-api" / "slack_web_openapi_v2.json"


_AFTER_EFFECT = frozenset({"after_status", "after_drop"})


class _Fault:
    def __init__(self, kind: str, times: int | None, **opts: Any) -> None:
        self.kind = kind
        self.times = times
        self.opts = opts


@dataclasses.dataclass
class _Refusal:
    method: str
    error: str
    when: Callable[[dict[str, Any]], bool]
    times: int | None


class FakeSlack:
    """A local Slack for end-to-end tests. See ``tests/fakeslack/README.md``."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str = "xapp-1-fake-app-token",
        signing_secret: str = "fake-signing-secret",
        team_id: str = "T0FAKETEAM",
        team_domain: str = "fake",
        bot_user_id: str = "U0FAKEBOT",
        bot_id: str = "B0FAKEBOT",
        api_app_id: str = "A0FAKEAPP",
        spec_path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.api_app_id = api_app_id
        self.host = host
        path = spec_path or default_spec_path()
        self.spec: WebApiSpec | None = WebApiSpec.load(path) if path.is_file() else None
        self.check_violations_on_exit = True

        # recorded state
        self.calls: list[ApiCall] = []
        self.violations: list[Violation] = []
        self.messages: dict[str, list[JSON]] = {}
        self.deleted: list[JSON] = []
        self.updates: list[JSON] = []
        self.ephemerals: list[JSON] = []
        self.views: list[JSON] = []
        self.deliveries: list[Delivery] = []
        self.acks: list[Ack] = []
        self.response_posts: list[ResponsePost] = []
        self.downloads: list[Download] = []
        self.counters: collections.Counter[str] = collections.Counter()
        self.users: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        self.files: dict[str, JSON] = {}
        self.uploads: list[JSON] = []  # completed files_upload_v2 uploads (bytes included)
        self._pending_uploads: dict[str, JSON] = {}

        self._file_content: dict[str, bytes] = {}
        self._file_mode: dict[str, str] = {}
        self._response_urls: dict[str, JSON] = {}
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_requests: dict[int, web.Request] = {}
        self._send_lock = asyncio.Lock()
        self._pending: dict[str, Delivery] = {}
        self._faults: dict[str, list[_Fault]] = collections.defaultdict(list)
        self._refusals: list[_Refusal] = []
        self._duplicates_next = 0
        self.ignore_socket_close = False  # True: a Slack that never answers a websocket close
        self._stopping = asyncio.Event()
        self._transport = "socket"
        self._http_url: str | None = None
        self._http_secret: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._wanted_port = port  # 0: any free port (tests); fixed for `python -m tests.fakeslack`
        self._other_port = 0

        self.add_user(bot_user_id, "brandbot", is_bot=True)
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[JSON]]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.info": self._conv_info,
            "conversations.list": self._conv_list,
            "conversations.open": self._conv_open,
            "conversations.join": self._conv_join,
            "users.info": self._users_info,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "conversations.members": self._conv_members,
            "views.open": self._views,
            "views.publish": self._views,
            "views.update": self._views,
        }

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def other_host_url(self) -> str:
        return f"http://{self.host}:{self._other_port}"

    @property
    def spec_loaded(self) -> bool:
        return self.spec is not None

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link/", self._socket)
        app.router.add_route("*", "/response/{rid}", self._response_url)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        app.router.add_get("/files-pri/{team_file}/{name}", self._download)
        app.router.add_get("/redirected/{file_id}/{name}", self._redirected)
        app.router.add_post("/upload/v1/{file_id}", self._upload_bytes)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._wanted_port)
        await site.start()
        self._port = _site_port(site)
        other = web.TCPSite(self._runner, self.host, 0)
        await other.start()
        self._other_port = _site_port(other)
        return self

    async def stop(self) -> None:
        self._stopping.set()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def web_client(self, **kwargs: Any) -> Any:
        """An ``AsyncWebClient`` with the bot token pointed at the fake."""
        from slack_sdk.web.async_client import AsyncWebClient

        kwargs.setdefault("token", self.bot_token)
        return AsyncWebClient(base_url=self.base_url, **kwargs)

    def socket_mode_client(self, **kwargs: Any) -> Any:
        """slack_sdk's aiohttp ``SocketModeClient`` using the app token and the fake's Web API."""
        from slack_sdk.socket_mode.aiohttp import SocketModeClient

        kwargs.setdefault("app_token", self.app_token)
        kwargs.setdefault("web_client", self.web_client())
        kwargs.setdefault("ping_interval", 1)
        return SocketModeClient(**kwargs)

    # ------------------------------------------------------------------ recording helpers
    def _violate(self, kind: str, method: str, detail: str, params: dict[str, Any]) -> None:
        self.violations.append(Violation(kind, method, detail, dict(params)))

    def _track(self, coro: Awaitable[T]) -> asyncio.Task[T]:
        task: asyncio.Task[T] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ faults
    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        self._faults[method].append(_Fault("rate_limit", times, retry_after=retry_after))

    def slow(self, method: str, seconds: float, times: int | None = None) -> None:
        self._faults[method].append(_Fault("slow", times, seconds=seconds))

    def fail_connections(self, method: str, times: int = 1) -> None:
        self._faults[method].append(_Fault("drop", times))

    def fail_after_effect(self, method: str, times: int = 1, status: int = 503) -> None:
        """The next ``times`` calls of ``method`` take effect (a post is stored) and then answer
        HTTP ``status`` anyway, as Slack sometimes does under load."""
        self._faults[method].append(_Fault("after_status", times, status=status))

    def drop_after_effect(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` take effect, then the connection is closed
        without an answer (the client cannot tell whether the call happened)."""
        self._faults[method].append(_Fault("after_drop", times))

    def refuse(
        self,
        method: str,
        error: str,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
        times: int | None = None,
    ) -> None:
        """Calls of ``method`` whose parameters satisfy ``when`` answer ``{"ok": false,
        "error": error}`` (``user_disabled`` for a deactivated user, ``message_not_found``...),
        the next ``times`` of them or all."""
        self._refusals.append(_Refusal(method, error, when, times))

    def duplicate_next_envelope(self, n: int = 1) -> None:
        self._duplicates_next += n

    def clear_faults(self) -> None:
        self._faults.clear()
        self._refusals.clear()
        self._duplicates_next = 0

    def _take_faults(self, key: str) -> list[_Fault]:
        taken: list[_Fault] = []
        names = (key,) if key in ("response_url", "files.download") else (key, "*")
        for name in names:
            keep: list[_Fault] = []
            for fault in self._faults.get(name, []):
                if fault.times is None or fault.times > 0:
                    taken.append(fault)
                    if fault.times is not None:
                        fault.times -= 1
                if fault.times is None or fault.times > 0:
                    keep.append(fault)
            if name in self._faults:
                self._faults[name] = keep
        return taken

    async def _apply_faults(
        self, key: str, request: web.Request, faults: list[_Fault] | None = None
    ) -> web.StreamResponse | None:
        """Answer for a fault, or ``None`` to go on. Slowness is applied before the others."""
        faults = self._take_faults(key) if faults is None else faults
        for fault in faults:
            if fault.kind == "slow":
                self.counters["slowed"] += 1
                await asyncio.sleep(float(fault.opts["seconds"]))
        for fault in faults:
            if fault.kind == "drop":
                self.counters["dropped"] += 1
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError  # aiohttp ends the handler; no answer is written
            if fault.kind == "rate_limit":
                self.counters["rate_limited"] += 1
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(fault.opts["retry_after"])},
                )
        return None

    # ------------------------------------------------------------------ Web API
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        json_body = False
        raw = await request.read()
        if request.content_type == "application/json" and raw:
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                body = None
            if isinstance(body, dict):
                params.update(body)
                json_body = True
        elif request.content_type == "multipart/form-data":
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        elif raw:
            params.update(dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"))))
        call = ApiCall(method, params, request.method, dict(request.headers), time.monotonic())
        self.calls.append(call)

        faults = self._take_faults(method)
        after = [f for f in faults if f.kind in _AFTER_EFFECT]
        fault_answer = await self._apply_faults(
            method, request, [f for f in faults if f.kind not in _AFTER_EFFECT]
        )
        if fault_answer is not None:
            call.status = 429
            call.response = {"ok": False, "error": "ratelimited"}
            return fault_answer

        result = await self._answer(method, request, params, json_body)
        call.response = result
        for fault in after:  # the call took effect; the client never learns it
            if fault.kind == "after_drop":
                self.counters["dropped_after_effect"] += 1
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            self.counters["failed_after_effect"] += 1
            call.status = int(fault.opts["status"])
            return web.Response(status=call.status, text="upstream error")
        return web.json_response(result)

    async def _answer(
        self, method: str, request: web.Request, params: dict[str, Any], json_body: bool
    ) -> JSON:
        token = None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :].strip()
        elif isinstance(params.get("token"), str):
            token = params["token"]
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        safe = {k: v for k, v in params.items() if k != "token"}
        if not token:
            self._violate("auth", method, "no token (Authorization header or token field)", safe)
            return {"ok": False, "error": "not_authed"}
        if token != wanted:
            other = self.bot_token if wanted == self.app_token else self.app_token
            code = "not_allowed_token_type" if token == other else "invalid_auth"
            self._violate("auth", method, f"{code}: wrong token for {method}", safe)
            return {"ok": False, "error": code}

        if self.spec is not None:
            problems = self.spec.check(method, request.method, params, json_body=json_body)
            for p in problems:
                self._violate(p.kind, method, p.detail, safe)
            if problems:
                return {
                    "ok": False,
                    "error": problems[0].error,
                    "response_metadata": {"messages": [p.detail for p in problems]},
                }
        for refusal in self._refusals:
            if refusal.method == method and refusal.times != 0 and refusal.when(params):
                if refusal.times is not None:
                    refusal.times -= 1
                return {"ok": False, "error": refusal.error}
        handler = self._handlers.get(method)
        if handler is None:
            self._violate("unimplemented", method, "the fake does not implement this method", safe)
            return {"ok": False, "error": "fake_not_implemented"}
        try:
            return await handler(params)
        except SlackApiError as err:
            return {"ok": False, "error": err.code, **err.extra}

    def _check_blocks(
        self, method: str, params: dict[str, Any], *, max_blocks: int = 50
    ) -> tuple[list[Any] | None, list[str]]:
        errors, warnings, blocks = check_message(params, max_blocks=max_blocks)
        for detail in errors + warnings:
            self._violate("block_kit", method, detail, params)
        if errors:
            raise SlackApiError("invalid_blocks", response_metadata={"messages": errors})
        return blocks, warnings

    # -- workspace objects
    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        is_bot: bool = False,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "UTC",
    ) -> JSON:
        name = name or user_id.lower()
        user: JSON = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name or name.title(),
            "deleted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "tz": tz,
            "profile": {
                "real_name": real_name or name.title(),
                "display_name": name,
                "email": email or f"{name}@example.com",
                "image_72": "https://example.com/avatar.png",
            },
        }
        if is_bot and user_id == self.bot_user_id:
            user["profile"]["bot_id"] = self.bot_id
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_im: bool = False,
        bot_member: bool = True,
        user: str | None = None,
        members: list[str] | None = None,
    ) -> JSON:
        name = name or channel_id.lower()
        channel: JSON = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not (is_private or is_im),
            "is_group": is_private,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": is_private or is_im,
            "is_member": bot_member,
            "is_archived": False,
            "created": int(time.time()),
        }
        if is_im:
            channel["user"] = user
        if members is not None:
            channel["members"] = list(members)  # conversations.members (plus anyone who posted)
        self.channels[channel_id] = channel
        self.messages.setdefault(channel_id, [])
        return channel

    def _channel(self, channel: Any, *, create: bool = True) -> JSON:
        if not isinstance(channel, str) or not channel:
            raise SlackApiError("channel_not_found")
        if channel.startswith("#"):
            for ch in self.channels.values():
                if ch["name"] == channel[1:]:
                    return ch
            raise SlackApiError("channel_not_found")
        if channel in self.channels:
            return self.channels[channel]
        if channel[0] in "UW" and channel.isalnum():
            return self._dm_with(channel)
        if create and channel[0] in "CGD" and channel.isalnum() and channel.upper() == channel:
            return self.add_channel(channel, is_private=channel[0] == "G", is_im=channel[0] == "D")
        raise SlackApiError("channel_not_found")

    def _dm_with(self, user: str) -> JSON:
        dm_id = "D" + hashlib.sha1(user.encode()).hexdigest()[:9].upper()
        if dm_id not in self.channels:
            self.add_channel(dm_id, f"dm-{user.lower()}", is_im=True, user=user)
        return self.channels[dm_id]

    def _user(self, user: Any) -> JSON:
        if not isinstance(user, str) or not user:
            raise SlackApiError("user_not_found")
        if user not in self.users:
            if user[0] in "UW" and user.isalnum():
                self.add_user(user)
            else:
                raise SlackApiError("user_not_found")
        return self.users[user]

    # -- message store
    def _store(self, channel: str, msg: JSON) -> None:
        msgs = self.messages.setdefault(channel, [])
        keys = [ts_key(m["ts"]) for m in msgs]
        msgs.insert(bisect.bisect_right(keys, ts_key(msg["ts"])), msg)
        thread_ts = msg.get("thread_ts")
        if thread_ts and thread_ts != msg["ts"]:
            parent = self.get_message(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                author = msg.get("user") or msg.get("bot_id")
                if author not in users:
                    users.append(author)
                parent["latest_reply"] = msg["ts"]

    def _find(self, channel: str, ts: Any) -> JSON:
        msg = self.get_message(channel, ts) if isinstance(ts, str) else None
        if msg is None:
            raise SlackApiError("message_not_found")
        return msg

    def _thread_parent_ts(self, channel: str, thread_ts: Any) -> str | None:
        if not thread_ts:
            return None
        wanted = str(thread_ts)
        target = self.get_message(channel, wanted)
        if target is not None and target.get("thread_ts"):
            return str(target["thread_ts"])
        return wanted

    def _bot_message(self, channel: str, params: dict[str, Any], blocks: Any) -> JSON:
        ts = payloads.new_ts()
        msg: JSON = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.api_app_id,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
            "channel": channel,
            "bot_profile": {"id": self.bot_id, "app_id": self.api_app_id, "name": "brandbot"},
        }
        if blocks is not None:
            msg["blocks"] = blocks
        parent = self._thread_parent_ts(channel, params.get("thread_ts"))
        if parent:
            msg["thread_ts"] = parent
            if str(params.get("reply_broadcast", "")).lower() in ("1", "true"):
                msg["subtype"] = "thread_broadcast"
        if params.get("metadata"):
            msg["metadata"] = params["metadata"]
        return msg

    # -- handlers
    async def _auth_test(self, params: dict[str, Any]) -> JSON:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain,
            "user": "brandbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    async def _connections_open(self, params: dict[str, Any]) -> JSON:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        self.counters["connections_open"] += 1
        host = self.host
        return {
            "ok": True,
            "url": f"ws://{host}:{self._port}/link/?ticket={ticket}&app_id={self.api_app_id}",
        }

    async def _post_message(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"))
        if not channel["is_member"]:
            raise SlackApiError("not_in_channel")
        blocks, warnings = self._check_blocks("chat.postMessage", params)
        if not params.get("text") and blocks is None and not params.get("attachments"):
            raise SlackApiError("no_text")
        msg = self._bot_message(channel["id"], params, blocks)
        self._store(channel["id"], msg)
        out: JSON = {"ok": True, "channel": channel["id"], "ts": msg["ts"], "message": msg}
        if warnings:
            out["warning"] = "missing_text_in_blocks"
        return out

    async def _post_ephemeral(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"))
        self._user(params.get("user"))
        blocks, _warnings = self._check_blocks("chat.postEphemeral", params)
        if not params.get("text") and blocks is None and not params.get("attachments"):
            raise SlackApiError("no_text")
        ts = payloads.new_ts()
        self.ephemerals.append(
            {
                "channel": channel["id"],
                "user": params.get("user"),
                "text": params.get("text") or "",
                "blocks": blocks,
                "thread_ts": params.get("thread_ts"),
                "ts": ts,
            }
        )
        return {"ok": True, "message_ts": ts}

    async def _update(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        msg = self._find(channel["id"], params.get("ts"))
        if msg.get("bot_id") != self.bot_id:
            raise SlackApiError("cant_update_message")
        blocks, _warnings = self._check_blocks("chat.update", params)
        if "text" in params:
            msg["text"] = params.get("text") or ""
        if blocks is not None:
            msg["blocks"] = blocks
        elif "blocks" in params:
            msg.pop("blocks", None)
        msg["edited"] = {"user": self.bot_user_id, "ts": payloads.new_ts()}
        self.updates.append(
            {
                "channel": channel["id"],
                "ts": msg["ts"],
                "text": msg.get("text"),
                "blocks": msg.get("blocks"),
                "time": time.monotonic(),
            }
        )
        return {
            "ok": True,
            "channel": channel["id"],
            "ts": msg["ts"],
            "text": msg["text"],
            "message": msg,
        }

    async def _delete(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        msg = self._find(channel["id"], params.get("ts"))
        if msg.get("bot_id") != self.bot_id:
            raise SlackApiError("cant_delete_message")
        self._remove(channel["id"], msg)
        return {"ok": True, "channel": channel["id"], "ts": msg["ts"]}

    def _remove(self, channel: str, msg: JSON) -> None:
        self.messages[channel].remove(msg)
        self.deleted.append(msg)
        parent_ts = msg.get("thread_ts")
        if parent_ts and parent_ts != msg["ts"]:
            parent = self.get_message(channel, parent_ts)
            if parent is not None and parent.get("reply_count"):
                parent["reply_count"] -= 1

    async def _permalink(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        msg = self._find(channel["id"], params.get("message_ts"))
        link = (
            f"https://{self.team_domain}.slack.com/archives/{channel['id']}/"
            f"p{msg['ts'].replace('.', '')}"
        )
        if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
            link += f"?thread_ts={msg['thread_ts']}&cid={channel['id']}"
        return {"ok": True, "channel": channel["id"], "permalink": link}

    def _reaction_target(self, params: dict[str, Any]) -> tuple[JSON, str]:
        channel = self._channel(params.get("channel"), create=False)
        msg = self._find(channel["id"], params.get("timestamp"))
        name = str(params.get("name") or "")
        if not name or ":" in name or " " in name:
            raise SlackApiError("invalid_name")
        return msg, name

    async def _reactions_add(self, params: dict[str, Any]) -> JSON:
        msg, name = self._reaction_target(params)
        self._add_reaction(msg, name, self.bot_user_id, strict=True)
        return {"ok": True}

    def _add_reaction(self, msg: JSON, name: str, user: str, *, strict: bool) -> None:
        reactions = msg.setdefault("reactions", [])
        for r in reactions:
            if r["name"] == name:
                if user in r["users"]:
                    if strict:
                        raise SlackApiError("already_reacted")
                    return
                r["users"].append(user)
                r["count"] += 1
                return
        reactions.append({"name": name, "users": [user], "count": 1})

    def _remove_reaction(self, msg: JSON, name: str, user: str) -> None:
        for r in msg.get("reactions", []):
            if r["name"] == name and user in r["users"]:
                r["users"].remove(user)
                r["count"] -= 1
                if not r["users"]:
                    msg["reactions"].remove(r)
                if not msg["reactions"]:
                    del msg["reactions"]
                return
        raise SlackApiError("no_reaction")

    async def _reactions_remove(self, params: dict[str, Any]) -> JSON:
        msg, name = self._reaction_target(params)
        self._remove_reaction(msg, name, self.bot_user_id)
        return {"ok": True}

    async def _reactions_get(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        msg = self._find(channel["id"], params.get("timestamp"))
        return {"ok": True, "type": "message", "channel": channel["id"], "message": msg}

    async def _history(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        msgs = [
            m
            for m in self.top_level(channel["id"])
            if _in_range(m["ts"], params.get("oldest"), params.get("latest"), params)
        ]
        msgs.sort(key=lambda m: ts_key(m["ts"]), reverse=True)
        return _page(_metadata_if_asked(msgs, params), params, "messages")

    async def _replies(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        parent = self.get_message(channel["id"], str(params.get("ts")))
        if parent is None:
            raise SlackApiError("thread_not_found")
        if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
            return {"ok": True, "messages": [parent], "has_more": False}
        msgs = [parent, *self.thread_replies(channel["id"], parent["ts"])]
        msgs = [
            m
            for m in msgs
            if _in_range(m["ts"], params.get("oldest"), params.get("latest"), params)
        ]
        return _page(_metadata_if_asked(msgs, params), params, "messages")

    async def _conv_info(self, params: dict[str, Any]) -> JSON:
        return {"ok": True, "channel": self._channel(params.get("channel"), create=False)}

    async def _conv_list(self, params: dict[str, Any]) -> JSON:
        """Public channels, and the private ones the bot is in (as Slack lists them)."""
        types = set(str(params.get("types") or "public_channel").split(","))
        archived = str(params.get("exclude_archived") or "").lower() in ("1", "true")
        found = [
            ch
            for ch in self.channels.values()
            if not ch.get("is_im")
            and not (archived and ch.get("is_archived"))
            and (
                ("public_channel" in types and ch.get("is_channel"))
                or ("private_channel" in types and ch.get("is_group") and ch.get("is_member"))
            )
        ]
        return _page(found, params, "channels")

    async def _conv_open(self, params: dict[str, Any]) -> JSON:
        if params.get("channel"):
            return {"ok": True, "channel": self._channel(params["channel"], create=False)}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            raise SlackApiError("users_list_not_supplied")
        for u in users:
            self._user(u)
        return {"ok": True, "channel": {"id": self._dm_with(",".join(users))["id"]}}

    async def _conv_join(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"))
        channel["is_member"] = True
        return {"ok": True, "channel": channel}

    async def _users_info(self, params: dict[str, Any]) -> JSON:
        return {"ok": True, "user": self._user(params.get("user"))}

    async def _files_info(self, params: dict[str, Any]) -> JSON:
        file = self.files.get(str(params.get("file")))
        if file is None:
            raise SlackApiError("file_not_found")
        return {"ok": True, "file": file, "comments": [], "response_metadata": {"next_cursor": ""}}

    # -- files_upload_v2: getUploadURLExternal -> POST the bytes -> completeUploadExternal
    async def _upload_url(self, params: dict[str, Any]) -> JSON:
        try:
            length = int(params.get("length") or -1)
        except (TypeError, ValueError):
            length = -1
        filename = str(params.get("filename") or "")
        if length < 1 or not filename:
            raise SlackApiError("invalid_arguments")
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        self._pending_uploads[file_id] = {
            "filename": filename,
            "length": length,
            "alt_txt": params.get("alt_txt"),
            "content": None,
        }
        return {"ok": True, "upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}

    async def _upload_bytes(self, request: web.Request) -> web.StreamResponse:
        pending = self._pending_uploads.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="unknown upload")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            field = next(iter(form.values()), None)
            data = field.file.read() if hasattr(field, "file") else str(field or "").encode()
        else:
            data = await request.read()
        if len(data) != pending["length"]:
            self._violate(
                "upload",
                "files.upload",
                f"{len(data)} bytes uploaded, {pending['length']} announced",
                {},
            )
            return web.Response(status=400, text="length mismatch")
        pending["content"] = data
        return web.Response(status=200, text="OK - " + str(len(data)))

    async def _complete_upload(self, params: dict[str, Any]) -> JSON:
        raw = params.get("files")
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as err:
            raise SlackApiError("invalid_arguments") from err
        if not isinstance(items, list) or not items:
            raise SlackApiError("invalid_arguments")
        channel_id = params.get("channel_id")
        channel = self._channel(channel_id, create=False) if channel_id else None
        if channel is not None and not channel["is_member"]:
            raise SlackApiError("not_in_channel")
        done: list[JSON] = []
        for item in items:
            file_id = str(item.get("id") or "") if isinstance(item, dict) else ""
            pending = self._pending_uploads.pop(file_id, None)
            if pending is None or pending["content"] is None:
                raise SlackApiError("file_not_found")
            file: JSON = {
                "id": file_id,
                "name": pending["filename"],
                "title": item.get("title") or pending["filename"],
                "size": len(pending["content"]),
                "alt_txt": pending["alt_txt"],
                "user": self.bot_user_id,
                "created": int(time.time()),
            }
            if channel is not None:  # where Slack's file object says it is shared
                file[_channel_type(channel) + "s"] = [channel["id"]]
            self.files[file_id] = file
            self._file_content[file_id] = pending["content"]
            self._file_mode[file_id] = "ok"
            done.append(file)
            self.uploads.append(
                {
                    **file,
                    "content": pending["content"],
                    "channel": channel["id"] if channel else None,
                    "thread_ts": params.get("thread_ts"),
                    "initial_comment": params.get("initial_comment"),
                }
            )
        if channel is not None:
            msg = self._bot_message(
                channel["id"], {"text": params.get("initial_comment") or ""}, None
            )
            msg["files"] = done
            msg["subtype"] = "file_share"
            self._store(channel["id"], msg)
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in done]}

    async def _conv_members(self, params: dict[str, Any]) -> JSON:
        channel = self._channel(params.get("channel"), create=False)
        members = list(channel.get("members") or [])
        for m in self.messages.get(channel["id"], []):
            user = m.get("user")
            if user and not m.get("bot_id") and user not in members:
                members.append(user)
        return _page(members, params, "members")

    async def _views(self, params: dict[str, Any]) -> JSON:
        view = params.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except json.JSONDecodeError as err:
                raise SlackApiError("invalid_arguments") from err
        if not isinstance(view, dict):
            raise SlackApiError("invalid_arguments")
        errors, _, _ = check_message(
            {"blocks": view.get("blocks", []), "text": "view"}, max_blocks=MAX_BLOCKS_VIEW
        )
        for detail in errors:
            self._violate("block_kit", "views", detail, params)
        if errors:
            raise SlackApiError("invalid_blocks", response_metadata={"messages": errors})
        stored = {**view, "id": f"V{uuid.uuid4().hex[:10].upper()}", "team_id": self.team_id}
        self.views.append({"params": {k: v for k, v in params.items() if k != "token"}, **stored})
        return {"ok": True, "view": stored}

    # ------------------------------------------------------------------ read helpers
    def channel_messages(self, channel: str) -> list[JSON]:
        return list(self.messages.get(channel, []))

    def get_message(self, channel: str, ts: str) -> JSON | None:
        for m in self.messages.get(channel, []):
            if m["ts"] == ts:
                return m
        return None

    def top_level(self, channel: str) -> list[JSON]:
        return [
            m
            for m in self.messages.get(channel, [])
            if not m.get("thread_ts")
            or m["thread_ts"] == m["ts"]
            or m.get("subtype") == "thread_broadcast"
        ]

    def thread_replies(self, channel: str, ts: str) -> list[JSON]:
        return [
            m for m in self.messages.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts
        ]

    def bot_messages(self, channel: str | None = None, thread_ts: str | None = None) -> list[JSON]:
        channels = [channel] if channel else list(self.messages)
        out: list[JSON] = []
        for ch in channels:
            msgs = (
                self.thread_replies(ch, thread_ts) if thread_ts is not None else self.top_level(ch)
            )
            out.extend(m for m in msgs if m.get("bot_id") == self.bot_id)
        return out

    def reactions_on(self, channel: str, ts: str) -> dict[str, list[str]]:
        msg = self.get_message(channel, ts)
        if msg is None:
            return {}
        return {r["name"]: list(r["users"]) for r in msg.get("reactions", [])}

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def responses_for(self, response_url: str) -> list[ResponsePost]:
        return [p for p in self.response_posts if p.url == response_url]

    # ------------------------------------------------------------------ seeding as users
    def post_as_user(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U0AUTHOR",
        thread_ts: str | None = None,
        blocks: list[JSON] | None = None,
        files: list[JSON] | None = None,
        subtype: str | None = None,
        ts: str | None = None,
    ) -> JSON:
        ch = self._channel(channel)
        self._user(user)
        parent = self._thread_parent_ts(ch["id"], thread_ts)
        parent_msg = self.get_message(ch["id"], parent) if parent else None
        ev = payloads.message(
            ch["id"],
            text,
            user=user,
            ts=ts,
            thread_ts=parent,
            parent_user_id=parent_msg.get("user") if parent_msg else None,
            blocks=blocks,
            files=files,
            subtype=subtype,
            channel_type=_channel_type(ch),
            team=self.team_id,
        )
        self._store(ch["id"], _as_stored(ev))
        return ev

    def post_as_bot(
        self,
        channel: str,
        text: str,
        *,
        bot_id: str = "B0OTHERBOT",
        username: str = "otherbot",
        thread_ts: str | None = None,
    ) -> JSON:
        ch = self._channel(channel)
        ev = payloads.bot_message(
            ch["id"],
            text,
            bot_id=bot_id,
            username=username,
            thread_ts=self._thread_parent_ts(ch["id"], thread_ts),
            channel_type=_channel_type(ch),
        )
        self._store(ch["id"], _as_stored(ev))
        return ev

    def edit_as_user(self, channel: str, ts: str, new_text: str) -> JSON:
        ch = self._channel(channel, create=False)
        msg = self._find(ch["id"], ts)
        previous = json.loads(json.dumps(msg))
        msg["text"] = new_text
        msg.pop("blocks", None)
        msg["edited"] = {"user": msg.get("user"), "ts": payloads.new_ts()}
        new = json.loads(json.dumps(msg))
        new.pop("channel", None)
        previous.pop("channel", None)
        return payloads.message_changed(ch["id"], new, previous, channel_type=_channel_type(ch))

    def delete_as_user(self, channel: str, ts: str) -> JSON:
        ch = self._channel(channel, create=False)
        msg = self._find(ch["id"], ts)
        self._remove(ch["id"], msg)
        previous = {k: v for k, v in msg.items() if k != "channel"}
        return payloads.message_deleted(ch["id"], ts, previous, channel_type=_channel_type(ch))

    def react_as_user(self, channel: str, ts: str, name: str, *, user: str = "U0REACTOR") -> JSON:
        ch = self._channel(channel, create=False)
        msg = self._find(ch["id"], ts)
        self._user(user)
        self._add_reaction(msg, name, user, strict=False)
        return payloads.reaction_added(
            ch["id"], ts, name, user=user, item_user=msg.get("user") or msg.get("bot_id")
        )

    def unreact_as_user(self, channel: str, ts: str, name: str, *, user: str = "U0REACTOR") -> JSON:
        ch = self._channel(channel, create=False)
        msg = self._find(ch["id"], ts)
        self._remove_reaction(msg, name, user)
        return payloads.reaction_removed(
            ch["id"], ts, name, user=user, item_user=msg.get("user") or msg.get("bot_id")
        )

    def app_mention_for(self, message_event: JSON) -> JSON:
        ev = payloads.app_mention(
            message_event["channel"],
            message_event.get("text", ""),
            user=message_event.get("user", "U0AUTHOR"),
            ts=message_event["ts"],
            thread_ts=message_event.get("thread_ts"),
            team=self.team_id,
        )
        if message_event.get("files"):  # Slack's app_mention carries the message's files
            ev["files"] = message_event["files"]
            ev["upload"] = True
        return ev

    def add_file(
        self,
        name: str,
        content: bytes,
        *,
        filetype: str | None = None,
        mimetype: str | None = None,
        user: str = "U0AUTHOR",
        title: str | None = None,
        download: str = "ok",
    ) -> JSON:
        if download not in ("ok", "login_page", "redirect"):
            raise ValueError(f"download must be ok, login_page or redirect, not {download!r}")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "text"
        filetype = filetype or {"txt": "text", "md": "markdown"}.get(ext, ext)
        mimetype = mimetype or _MIME.get(ext, "application/octet-stream")
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        quoted = urllib.parse.quote(name)
        now = int(time.time())
        file: JSON = {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": title or name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{self.url}/files-pri/{self.team_id}-{file_id}/{quoted}",
            "url_private_download": (
                f"{self.url}/files-pri/{self.team_id}-{file_id}/download/{quoted}"
            ),
            "permalink": f"https://{self.team_domain}.slack.com/files/{user}/{file_id}/{quoted}",
            "channels": [],
            "groups": [],
            "ims": [],
        }
        self.files[file_id] = file
        self._file_content[file_id] = content
        self._file_mode[file_id] = download
        return file

    def upload_as_user(
        self,
        channel: str,
        name: str,
        content: bytes,
        *,
        text: str = "",
        user: str = "U0AUTHOR",
        thread_ts: str | None = None,
        **file_kw: Any,
    ) -> JSON:
        file = self.add_file(name, content, user=user, **file_kw)
        ch = self._channel(channel)
        file["channels"].append(ch["id"])
        return self.post_as_user(
            ch["id"], text, user=user, thread_ts=thread_ts, files=[file], subtype="file_share"
        )

    def new_response_url(self, channel: str | None = None) -> str:
        rid = uuid.uuid4().hex
        self._response_urls[rid] = {"channel": channel, "uses": []}
        return f"{self.url}/response/{rid}"

    # ------------------------------------------------------------------ response_url, files
    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        rid = request.match_info["rid"]
        url = f"{self.url}/response/{rid}"
        fault_answer = await self._apply_faults("response_url", request)
        if fault_answer is not None:
            return fault_answer
        raw = await request.read()
        info = self._response_urls.get(rid)
        body: Any
        try:
            if request.content_type == "application/x-www-form-urlencoded":
                form = dict(urllib.parse.parse_qsl(raw.decode()))
                body = json.loads(form.get("payload", "{}"))
            else:
                body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        now = time.monotonic()
        if not isinstance(body, dict):
            self._violate("response_url", url, "body is not a JSON object", {})
            self.response_posts.append(ResponsePost(url, {"raw": raw.decode()}, now, 400))
            return web.Response(status=400, text="invalid_payload")
        if request.method != "POST" or info is None:
            self._violate("response_url", url, f"{request.method} to an unknown url", body)
            self.response_posts.append(ResponsePost(url, body, now, 404))
            return web.Response(status=404, text="invalid_url")
        uses = [t for t in info["uses"] if now - t < RESPONSE_URL_WINDOW_S]
        if len(uses) >= RESPONSE_URL_USES:
            self._violate("response_url", url, "more than 5 uses in 30 minutes", body)
            self.response_posts.append(ResponsePost(url, body, now, 404, info["channel"]))
            return web.Response(status=404, text="used_url")
        info["uses"] = [*uses, now]
        status, answer = 200, "ok"
        if not body.get("delete_original"):
            errors, warnings, blocks = check_message(body)
            for detail in errors + warnings:
                self._violate("block_kit", "response_url", detail, body)
            if errors:
                status, answer = 400, "invalid_blocks"
            elif not body.get("text") and blocks is None and not body.get("attachments"):
                self._violate("response_url", url, "no text, blocks or attachments", body)
                status, answer = 400, "no_text"
            elif body.get("response_type") == "in_channel" and info["channel"]:
                channel = self._channel(info["channel"])["id"]
                msg = self._bot_message(channel, body, blocks)
                self._store(channel, msg)
        self.response_posts.append(ResponsePost(url, body, now, status, info["channel"]))
        return web.Response(status=status, text=answer)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        team_file = request.match_info["team_file"]
        file_id = team_file.split("-", 1)[-1]
        fault_answer = await self._apply_faults("files.download", request)
        if fault_answer is not None:
            return fault_answer
        auth = request.headers.get("Authorization", "")
        authorized = auth == f"Bearer {self.bot_token}"
        record = Download(
            file_id, request.path, _local_host(request), dict(request.headers), authorized, 200
        )
        self.downloads.append(record)
        if file_id not in self.files:
            record.status = 404
            return web.Response(status=404, text="file not found")
        mode = self._file_mode[file_id]
        if not authorized or mode == "login_page":
            return web.Response(status=200, text=LOGIN_PAGE, content_type="text/html")
        if mode == "redirect":
            record.status = 302
            name = request.match_info["name"]
            raise web.HTTPFound(f"{self.other_host_url}/redirected/{file_id}/{name}")
        return web.Response(
            body=self._file_content[file_id],
            content_type=self.files[file_id]["mimetype"],
            headers={"Content-Disposition": f'attachment; filename="{request.match_info["name"]}"'},
        )

    async def _redirected(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        auth = request.headers.get("Authorization")
        record = Download(
            file_id,
            request.path,
            _local_host(request),
            dict(request.headers),
            bool(auth),
            200,
            redirected=True,
        )
        self.downloads.append(record)
        if auth:
            self._violate(
                "token_forwarded",
                "files.download",
                f"Authorization header sent to another host ({record.host})",
                {},
            )
        if file_id not in self._file_content:
            record.status = 404
            return web.Response(status=404)
        return web.Response(
            body=self._file_content[file_id], content_type=self.files[file_id]["mimetype"]
        )

    # ------------------------------------------------------------------ Socket Mode
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            self._violate("auth", "socket", "websocket opened without a valid ticket", {})
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True, autoclose=not self.ignore_socket_close)
        await ws.prepare(request)
        self._sockets.append(ws)
        self._socket_requests[id(ws)] = request
        self.counters["socket_connections"] += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._live_sockets()),
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.api_app_id},
                }
            )
        )
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self._on_socket_text(msg.data)
            if self.ignore_socket_close:  # never answer the client's close frame
                self.counters["socket_close_ignored"] += 1
                await self._stopping.wait()
        finally:
            with contextlib.suppress(ValueError):
                self._sockets.remove(ws)
            self._socket_requests.pop(id(ws), None)
        return ws

    def _on_socket_text(self, data: str) -> None:
        now = time.monotonic()
        try:
            msg = json.loads(data)
        except json.JSONDecodeError:
            self._violate("socket", "socket", f"non-JSON message: {data[:200]!r}", {})
            return
        if not isinstance(msg, dict) or "envelope_id" not in msg:
            self._violate("socket", "socket", f"message without envelope_id: {data[:200]!r}", {})
            return
        envelope_id = str(msg["envelope_id"])
        delivery = self._pending.get(envelope_id)
        latency = now - delivery.sent_at if delivery else 0.0
        payload = msg.get("payload")
        ack = Ack(envelope_id, "socket", payload, now, latency, delivery)
        self.acks.append(ack)
        if delivery is None:
            self._violate("socket", "socket", f"ack for unknown envelope {envelope_id}", {})
            return
        self._check_ack_payload(payload)
        if delivery.ack is None:
            delivery.ack = ack
            delivery.status = 200
            delivery.done.set()

    def _check_ack_payload(self, payload: Any) -> None:
        if isinstance(payload, dict) and "blocks" in payload:
            errors, warnings, _ = check_message(payload)
            for detail in errors + warnings:
                self._violate("block_kit", "ack", detail, payload)

    def _live_sockets(self) -> list[web.WebSocketResponse]:
        return [ws for ws in self._sockets if not ws.closed]

    @property
    def connected(self) -> bool:
        return bool(self._live_sockets())

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        await self.wait_for(self._live_sockets, timeout=timeout, what="a Socket Mode connection")

    async def disconnect_socket(self, refresh: bool = True) -> None:
        """``refresh``: ask the client to reconnect (``disconnect`` message); else drop TCP."""
        live = self._live_sockets()
        if not live:
            raise RuntimeError("no Socket Mode connection to disconnect")
        ws = live[-1]
        self.counters["disconnects"] += 1
        if refresh:
            await ws.send_str(
                json.dumps(
                    {
                        "type": "disconnect",
                        "reason": "refresh_requested",
                        "debug_info": {"host": "applink-fake"},
                    }
                )
            )
        else:
            self.counters["ws_closed_abruptly"] += 1
            request = self._socket_requests.get(id(ws))
            if request is not None and request.transport is not None:
                request.transport.abort()
            with contextlib.suppress(ValueError):
                self._sockets.remove(ws)

    # ------------------------------------------------------------------ delivering to the app
    def use_http(self, url: str, signing_secret: str | None = None) -> None:
        self._transport = "http"
        self._http_url = url
        self._http_secret = signing_secret or self.signing_secret

    def use_socket(self) -> None:
        self._transport = "socket"

    @property
    def transport(self) -> str:
        return self._transport

    async def send_envelope(
        self,
        kind: str,
        payload: JSON,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        response_url: str | None = None,
    ) -> Delivery:
        if kind not in ("events_api", "slash_commands", "interactive"):
            raise ValueError(f"unknown envelope kind {kind!r}")
        if accepts_response_payload is None:
            accepts_response_payload = kind != "events_api"
        event_id = payload.get("event_id") if kind == "events_api" else None
        copies = 1 + self._duplicates_next
        self._duplicates_next = 0
        first: Delivery | None = None
        envelope_id = str(uuid.uuid4())
        for i in range(copies):
            d = Delivery(
                kind,
                payload,
                self._transport,
                envelope_id=envelope_id if self._transport == "socket" else None,
                event_id=event_id,
                retry_attempt=retry_attempt,
                retry_reason=retry_reason,
                accepts_response_payload=accepts_response_payload,
                response_url=response_url,
                duplicate_of=first,
            )
            if i:
                self.counters["duplicates"] += 1
            self.deliveries.append(d)
            if self._transport == "socket":
                await self._send_socket(d)
            else:
                d.sent_at = time.monotonic()
                self._track(self._send_http(d))
            first = first or d
        assert first is not None
        return first

    async def send_raw_envelope(self, envelope: Any) -> Delivery:
        """Socket Mode only: send ``envelope`` exactly as given (malformed ones included: no
        ``type``, a ``payload`` that is null, a list or a number...). When it carries a string
        ``envelope_id`` the returned delivery waits for the ack like any other."""
        if self._transport != "socket":
            raise ValueError("send_raw_envelope is for Socket Mode")
        await self.wait_for_socket()
        envelope_id = envelope.get("envelope_id") if isinstance(envelope, dict) else None
        kind = envelope.get("type") if isinstance(envelope, dict) else None
        payload = envelope.get("payload") if isinstance(envelope, dict) else envelope
        d = Delivery(
            str(kind or "raw"),
            payload,
            "socket",
            envelope_id=envelope_id if isinstance(envelope_id, str) else None,
        )
        self.deliveries.append(d)
        if d.envelope_id is not None:
            self._pending[d.envelope_id] = d
        async with self._send_lock:
            ws = self._live_sockets()[-1]
            d.sent_at = time.monotonic()
            await ws.send_str(json.dumps(envelope))
        return d

    async def _send_socket(self, d: Delivery) -> None:
        await self.wait_for_socket()
        envelope = {
            "envelope_id": d.envelope_id,
            "payload": d.payload,
            "type": d.kind,
            "accepts_response_payload": d.accepts_response_payload,
            "retry_attempt": d.retry_attempt,
            "retry_reason": d.retry_reason,
        }
        assert d.envelope_id is not None
        if d.duplicate_of is None:
            self._pending[d.envelope_id] = d
        async with self._send_lock:
            ws = self._live_sockets()[-1]
            d.sent_at = time.monotonic()
            await ws.send_str(json.dumps(envelope))
        if d.duplicate_of is not None:
            # identical envelope: acks land on the first delivery; mark the copy done with it
            self._track(self._mirror(d.duplicate_of, d))

    async def _mirror(self, original: Delivery, copy: Delivery) -> None:
        await original.done.wait()
        copy.ack, copy.status = original.ack, original.status
        copy.done.set()

    def _http_body(self, d: Delivery) -> tuple[bytes, str]:
        if d.kind == "events_api":
            return json.dumps(d.payload).encode(), "application/json"
        if d.kind == "slash_commands":
            return urllib.parse.urlencode(d.payload).encode(), "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode({"payload": json.dumps(d.payload)}).encode()
        return body, "application/x-www-form-urlencoded"

    async def _send_http(self, d: Delivery) -> None:
        assert self._http_url is not None and self._http_secret is not None
        body, ctype = self._http_body(d)
        try:
            result = await self.http_post(
                self._http_url,
                body,
                ctype,
                signing_secret=self._http_secret,
                retry_num=d.retry_attempt or None,
                retry_reason=d.retry_reason or None,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            d.error = exc
            d.done.set()
            return
        now = time.monotonic()
        d.status, d.response_body = result.status, result.body
        payload: Any = None
        if result.body:
            try:
                payload = json.loads(result.body)
            except json.JSONDecodeError:
                payload = result.body
        ack = Ack(None, "http", payload, now, now - d.sent_at, d, result.status)
        self.acks.append(ack)
        d.ack = ack
        if 200 <= result.status < 300:
            self._check_ack_payload(payload)
        d.done.set()

    async def http_post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 10.0,
    ) -> HttpResult:
        """One POST signed as Slack signs it. ``stale``: a timestamp 10 minutes old."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        ts = timestamp if timestamp is not None else int(time.time()) - (600 if stale else 0)
        headers = signed_headers(
            signing_secret or self._http_secret or self.signing_secret,
            body,
            timestamp=ts,
            retry_num=retry_num,
            retry_reason=retry_reason,
            content_type=content_type,
            bad_signature=bad_signature,
        )
        start = time.monotonic()
        async with self._session.post(
            url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            text = await resp.text()
            return HttpResult(resp.status, text, dict(resp.headers), time.monotonic() - start)

    async def send_event(
        self,
        event: JSON,
        *,
        event_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        event_time: int | None = None,
    ) -> Delivery:
        """Deliver an inner event wrapped in ``event_callback`` (or a ready wrapper as is)."""
        if event.get("type") == "event_callback":
            wrapper = event
        else:
            wrapper = payloads.event_callback(
                event,
                team_id=self.team_id,
                api_app_id=self.api_app_id,
                bot_user_id=self.bot_user_id,
                event_id=event_id,
                event_time=event_time,
            )
        return await self.send_envelope(
            "events_api", wrapper, retry_attempt=retry_attempt, retry_reason=retry_reason
        )

    async def send_command(
        self,
        text: str,
        *,
        command: str = "/brandcheck",
        user: str = "U0AUTHOR",
        channel: str = "C0GENERAL",
        response_url: str | None = None,
    ) -> Delivery:
        ch = self._channel(channel)
        response_url = response_url or self.new_response_url(ch["id"])
        payload = payloads.slash_command(
            text,
            command=command,
            user=user,
            user_name=self._user(user)["name"],
            channel=ch["id"],
            channel_name=ch["name"],
            response_url=response_url,
            team_id=self.team_id,
            team_domain=self.team_domain,
            api_app_id=self.api_app_id,
        )
        return await self.send_envelope("slash_commands", payload, response_url=response_url)

    async def send_shortcut(
        self,
        message_ts: str,
        channel: str,
        *,
        callback_id: str = "check_brand_voice",
        user: str = "U0AUTHOR",
    ) -> Delivery:
        ch = self._channel(channel, create=False)
        msg = self.get_message(ch["id"], message_ts)
        if msg is None:
            raise KeyError(f"no message {message_ts} in {channel}; post it first (post_as_user)")
        response_url = self.new_response_url(ch["id"])
        payload = payloads.message_shortcut(
            {k: v for k, v in msg.items() if k != "channel"},
            ch["id"],
            callback_id=callback_id,
            user=user,
            channel_name=ch["name"],
            response_url=response_url,
            team_id=self.team_id,
            team_domain=self.team_domain,
        )
        return await self.send_envelope("interactive", payload, response_url=response_url)

    async def send_block_actions(
        self,
        action_id: str,
        *,
        value: str = "",
        block_id: str = "b",
        user: str = "U0AUTHOR",
        channel: str | None = None,
        message_ts: str | None = None,
    ) -> Delivery:
        msg = None
        response_url = None
        if channel is not None:
            ch = self._channel(channel, create=False)
            channel = ch["id"]
            if message_ts is not None:
                msg = self._find(channel, message_ts)
            response_url = self.new_response_url(channel)
        payload = payloads.block_actions(
            action_id,
            value=value,
            block_id=block_id,
            user=user,
            channel=channel,
            message_obj=msg,
            response_url=response_url,
            team_id=self.team_id,
            team_domain=self.team_domain,
            api_app_id=self.api_app_id,
        )
        return await self.send_envelope("interactive", payload, response_url=response_url)

    async def redeliver(self, delivery: Delivery, *, retry_reason: str = "timeout") -> Delivery:
        """Slack's retry of the same payload: ``retry_attempt + 1`` (and a new envelope_id)."""
        self.counters["redeliveries"] += 1
        return await self.send_envelope(
            delivery.kind,
            delivery.payload,
            retry_attempt=delivery.retry_attempt + 1,
            retry_reason=retry_reason,
            accepts_response_payload=delivery.accepts_response_payload,
            response_url=delivery.response_url,
        )

    def unacked(self) -> list[Delivery]:
        """Deliveries still waiting for their ack (or HTTP answer); duplicates excluded."""
        return [d for d in self.deliveries if d.duplicate_of is None and not d.done.is_set()]

    async def redeliver_unacked(self, *, retry_reason: str = "timeout") -> list[Delivery]:
        """What Slack does when acks do not come: send every unacked delivery again."""
        pending = self.unacked()
        return [await self.redeliver(d, retry_reason=retry_reason) for d in pending]

    async def wait_all_acked(self, timeout: float = 5.0) -> list[Delivery]:
        """Until every delivery so far was answered; raises if one was not acked (2xx)."""
        await self.wait_for(lambda: not self.unacked(), timeout, what="every delivery answered")
        failed = [d for d in self.deliveries if not d.acked]
        if failed:
            detail = ", ".join(f"{d.kind} {d.event_id or ''} -> {d.status}" for d in failed[:5])
            raise AssertionError(f"{len(failed)} deliveries not acked: {detail}")
        return list(self.deliveries)

    # ------------------------------------------------------------------ waiting
    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str | None = None
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what or predicate!r}; "
                    f"{self.summary()}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_messages(
        self,
        channel: str,
        n: int,
        thread_ts: str | None = None,
        timeout: float = 5.0,
        *,
        from_bot: bool = True,
    ) -> list[JSON]:
        def found() -> list[JSON]:
            if from_bot:
                msgs = self.bot_messages(channel, thread_ts)
            elif thread_ts is not None:
                msgs = self.thread_replies(channel, thread_ts)
            else:
                msgs = self.top_level(channel)
            return msgs if len(msgs) >= n else []

        where = f"{channel} thread {thread_ts}" if thread_ts else channel
        return await self.wait_for(found, timeout, what=f"{n} message(s) in {where}")

    async def wait_for_response_posts(self, n: int, timeout: float = 5.0) -> list[ResponsePost]:
        return await self.wait_for(
            lambda: self.response_posts if len(self.response_posts) >= n else [],
            timeout,
            what=f"{n} response_url post(s)",
        )

    async def wait_for_calls(self, method: str, n: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        def found() -> list[ApiCall]:
            calls = self.calls_to(method)
            return calls if len(calls) >= n else []

        return await self.wait_for(found, timeout, what=f"{n} call(s) to {method}")

    def summary(self) -> str:
        methods = collections.Counter(c.method for c in self.calls)
        msgs = {ch: len(m) for ch, m in self.messages.items() if m}
        return (
            f"calls={dict(methods)} messages={msgs} deliveries={len(self.deliveries)} "
            f"acks={len(self.acks)} response_posts={len(self.response_posts)} "
            f"violations={[str(v) for v in self.violations]}"
            + ("" if self.spec_loaded else " spec=MISSING (Web API calls not checked against it)")
        )


_MIME = {
    "txt": "text/plain",
    "md": "text/markdown",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "html": "text/html",
}


def _site_port(site: web.TCPSite) -> int:
    server = site._server
    assert server is not None
    sockets = getattr(server, "sockets", None)
    assert sockets
    return int(sockets[0].getsockname()[1])


def _local_host(request: web.Request) -> str:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if sockname:
        return f"{sockname[0]}:{sockname[1]}"
    return request.host


def _channel_type(channel: JSON) -> str:
    if channel.get("is_im"):
        return "im"
    if channel.get("is_private"):
        return "group"
    return "channel"


def _as_stored(event: JSON) -> JSON:
    """A message as conversations.history returns it (no event-only keys)."""
    return {k: v for k, v in event.items() if k not in ("event_ts", "channel_type")}


def _metadata_if_asked(msgs: list[JSON], params: dict[str, Any]) -> list[JSON]:
    """Slack returns message metadata only with ``include_all_metadata=true``."""
    if str(params.get("include_all_metadata", "")).lower() in ("1", "true"):
        return msgs
    return [{k: v for k, v in m.items() if k != "metadata"} for m in msgs]


def ts_key(ts: Any) -> tuple[int, int]:
    """Exact ordering key of a Slack ts ("1700000000.000100"); floats lose microseconds."""
    text = str(ts)
    whole, _, frac = text.partition(".")
    try:
        return int(whole or 0), int((frac + "000000")[:6])
    except ValueError:
        raise SlackApiError("invalid_ts_latest" if "." in text else "invalid_arguments") from None


def _in_range(ts: str, oldest: Any, latest: Any, params: dict[str, Any]) -> bool:
    inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
    t = ts_key(ts)
    if oldest not in (None, ""):
        o = ts_key(oldest)
        if t < o or (t == o and not inclusive):
            return False
    if latest not in (None, ""):
        lt = ts_key(latest)
        if t > lt or (t == lt and not inclusive):
            return False
    return True


def _page(items: list[JSON], params: dict[str, Any], key: str) -> JSON:
    try:
        limit = int(params.get("limit") or 100)
    except (TypeError, ValueError):
        limit = 100
    limit = max(1, min(limit, 1000))
    cursor = str(params.get("cursor") or "")
    start = int(cursor[4:]) if cursor.startswith("off:") and cursor[4:].isdigit() else 0
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return {
        "ok": True,
        key: chunk,
        "has_more": more,
        "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
    }
