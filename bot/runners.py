"""Transports: Socket Mode (default) and HTTP (signed requests, health endpoints, replicas).

``SocketModeRunner`` acknowledges *every* envelope that has an ``envelope_id``, whatever happens
in the app: bolt's own handler leaves an envelope un-acked when no listener matched or the
payload is malformed, slack_sdk drops envelopes without ``type`` or with a ``payload`` that is
not an object before any request listener runs, and Slack then retries them. Duplicate
envelopes (same ``envelope_id``) are acked and dropped.

``http_app`` serves ``POST /slack/events`` (events, commands, interactivity; ``bot.signing``
verifies ``X-Slack-Signature`` over the raw body with a 5-minute window *before* bolt sees the
request, so an unsigned or malformed request is a plain 401 and nothing acts on it),
``GET /healthz`` (process up) and ``GET /readyz`` (200 only once the bot is started, the
models are warm and the database answers; the report names the database backend and, with
hosted inference, whether each remote host is reachable: ``bot/readiness.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.ack_budget import JournalUnavailable, best_effort, delivery
from bot.app import BrandBot
from bot.readiness import Readiness
from bot.samples import record
from bot.signing import verify_request
from bot.storage.database import is_database_outage

log = logging.getLogger(__name__)


class SocketModeRunner:
    def __init__(self, bot: BrandBot, app_token: str, **client_kw: Any) -> None:
        self.bot = bot
        self.client = SocketModeClient(
            app_token=app_token,
            web_client=bot.ctx.client,
            logger=logging.getLogger("bot.socket_mode"),
            **client_kw,
        )
        self.client.message_listeners.append(self._on_malformed)
        self.client.socket_mode_request_listeners.append(self._on_request)
        self.ack_latencies: list[float] = []

    async def connect(self, retry_s: float = 300.0) -> None:
        """Open the websocket; while Slack cannot be reached, retry with backoff (one log line
        per attempt) for up to ``retry_s`` seconds, then RuntimeError with the reason."""
        deadline = time.monotonic() + retry_s
        delay, attempt = 1.0, 1
        while True:
            try:
                await self.client.connect()  # type: ignore[no-untyped-call]
                return
            except SlackApiError as exc:
                if getattr(exc.response, "status_code", 200) < 500:
                    raise RuntimeError(
                        "Slack refused the Socket Mode connection (apps.connections.open: "
                        f"{exc.response.get('error')}); check SLACK_APP_TOKEN"
                    ) from None
                reason = f"HTTP {exc.response.status_code}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                reason = " ".join(str(exc).split())[:160] or type(exc).__name__
            if time.monotonic() + delay > deadline:
                raise RuntimeError(
                    f"Socket Mode: Slack is unreachable ({reason}); gave up after {attempt} "
                    "attempts"
                )
            log.warning(
                "Socket Mode: Slack unreachable (%s); retrying in %.0fs (attempt %d)",
                reason,
                delay,
                attempt,
            )
            await asyncio.sleep(delay)
            delay, attempt = min(delay * 2, 30.0), attempt + 1

    async def close(self, timeout_s: float = 1.0) -> None:
        """Close the websocket at once: Slack gets ``timeout_s`` to answer the close frame
        (aiohttp would wait 10 s), then the connection is dropped."""
        c = self.client
        try:
            await asyncio.wait_for(c.close(), timeout_s)  # type: ignore[no-untyped-call]
            return
        except TimeoutError:
            log.info("Slack did not answer the websocket close in %.1fs; dropping it", timeout_s)
        c.closed = True
        c.auto_reconnect_enabled = False
        for task in (c.message_processor, c.current_session_monitor, c.message_receiver):
            if task is not None:
                task.cancel()
        if c.aiohttp_client_session is not None:
            await c.aiohttp_client_session.close()

    async def _on_malformed(
        self, client: AsyncBaseSocketModeClient, message: Any, _raw: str | None = None
    ) -> None:
        """Ack envelopes slack_sdk would drop before ``_on_request`` sees them: no ``type`` or
        ``payload`` key, or a payload that is not an object or a string (null, a list, a number).
        Unacked, Slack would redeliver them again and again."""
        if not isinstance(message, dict):
            return
        envelope_id = message.get("envelope_id")
        if not isinstance(envelope_id, str) or not envelope_id:
            return  # hello, disconnect: nothing to acknowledge
        payload = message.get("payload")
        well_formed = all(k in message for k in ("type", "payload")) and isinstance(
            payload, dict | str
        )
        if well_formed:
            return  # _on_request handles it
        log.warning(
            "malformed envelope %s (type %r, payload %s) acknowledged and ignored",
            envelope_id,
            message.get("type"),
            type(payload).__name__ if "payload" in message else "missing",
        )
        try:
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
        except Exception:
            log.exception("could not acknowledge envelope %s", envelope_id)

    async def _on_request(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.perf_counter()
        payload: dict[str, Any] | None = None
        ack = True
        try:
            with self.bot.ctx.gate.request(), delivery() as outcome:
                envelope_id = req.envelope_id
                # the envelope id is a second line of defence (event ids and job keys
                # deduplicate too): a write that cannot be made within 0.5 s is skipped, so a
                # locked database never holds up a command's or a click's answer
                if envelope_id and (
                    await best_effort(0.5, self.bot.ctx.store.claim, f"envelope:{envelope_id}")
                    is False
                ):
                    log.debug("duplicate envelope %s acknowledged and dropped", envelope_id)
                else:
                    payload, failed = await self._dispatch(req)
                    if failed and (outcome.unjournalled or await database_down(self.bot)):
                        raise DatabaseDown
        except Exception as exc:
            if isinstance(exc, DatabaseDown | JournalUnavailable) or (
                is_database_outage(exc) and await database_down(self.bot)
            ):
                # not journalled: no ack, so Slack delivers it again once the database is back
                log.warning("database unavailable: envelope %s not acknowledged", req.envelope_id)
                ack = False
            else:
                log.exception(
                    "socket mode request %s failed; acknowledging anyway", req.envelope_id
                )
        finally:
            if ack:
                try:
                    await client.send_socket_mode_response(
                        SocketModeResponse(envelope_id=req.envelope_id, payload=payload)
                    )
                except Exception:
                    log.exception("could not acknowledge envelope %s", req.envelope_id)
            record(self.ack_latencies, time.perf_counter() - started)

    async def _dispatch(self, req: SocketModeRequest) -> tuple[dict[str, Any] | None, bool]:
        """(the ack's payload, whether the app failed on it)."""
        if not isinstance(req.payload, dict):
            log.warning("envelope %s has no JSON object payload; ignored", req.envelope_id)
            return None, False
        bolt_req = AsyncBoltRequest(
            mode="socket_mode", body=req.payload, headers=build_headers(req)
        )
        resp = await self.bot.app.async_dispatch(bolt_req)
        return _ack_payload(resp), resp.status >= 500


class DatabaseDown(Exception):
    """The database did not answer while a delivery was being handled."""


async def database_down(bot: BrandBot, timeout_s: float = 2.0) -> bool:
    """Whether the database fails a ``SELECT 1`` (asked only after a delivery failed)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(bot.ctx.store.db.ping), timeout_s)
    except Exception:
        return True
    return False


def _ack_payload(resp: BoltResponse) -> dict[str, Any] | None:
    if resp.status != 200 or not resp.body:
        return None
    content_type = (resp.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        try:
            data = json.loads(resp.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    return {"text": resp.body}


def http_app(bot: BrandBot, *, slack_path: str | None = "/slack/events") -> web.Application:
    """``slack_path=None`` serves only the health endpoints (Socket Mode)."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024)

    async def slack_events(request: web.Request) -> web.Response:
        # the body is read and verified before the request counts as a delivery: an unsigned
        # client trickling a body must not hold the background work back (the gate)
        try:
            body = await asyncio.wait_for(request.read(), BODY_READ_S)
        except TimeoutError:
            log.warning("request to %s: body not received within %gs", request.path, BODY_READ_S)
            return web.Response(status=408, text="")
        except (ConnectionError, aiohttp.ClientPayloadError) as exc:
            log.info("request to %s: client went away (%s)", request.path, type(exc).__name__)
            return web.Response(status=400, text="")
        headers = {k.lower(): request.headers.getall(k) for k in request.headers}
        check = verify_request(bot.ctx.settings.signing_secret, headers, body)
        if not check:
            # nothing of an unverified request reaches bolt: no middleware, no listener, no
            # error handler (which would otherwise answer the body's response_url)
            log.warning("unverified request to %s refused: %s", request.path, check.reason)
            return web.json_response({"error": "invalid request"}, status=401)
        with bot.ctx.gate.request():
            return await _answer(request)

    async def _answer(request: web.Request) -> web.Response:
        try:
            bolt_req = form_fixed(await to_bolt_request(request))
            with delivery() as outcome:
                bolt_resp = await bot.app.async_dispatch(bolt_req)
            if bolt_resp.status in (401, 403):
                return await to_aiohttp_response(bolt_resp)  # bad signature: rejected
            if bolt_resp.status >= 500 and (outcome.unjournalled or await database_down(bot)):
                # the delivery could not be journalled: no ack, so Slack retries it (to this
                # replica or another one) once the database is back. Nothing is lost.
                log.warning("database unavailable: delivery not acknowledged, Slack will retry")
                return web.Response(status=503, text="")
            if bolt_resp.status >= 400:
                # 404: no listener matched (an unknown payload type); 500: a listener failed on
                # this payload and the error handler logged it with a reference id. Either way a
                # retry would fail the same way: acknowledge so Slack does not redeliver.
                return web.Response(status=200, text="")
            return await to_aiohttp_response(bolt_resp)
        except web.HTTPException:
            raise  # e.g. 413 for a body over client_max_size: never acknowledged as handled
        except Exception:
            log.exception("request could not be handled; acknowledged anyway")
            return web.Response(status=200, text="")

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    readiness = Readiness(bot.ctx.settings, bot.ctx.store)

    async def readyz(_: web.Request) -> web.Response:
        report = await readiness.check()
        ready = bot.ready and bool(report["database"].get("ok"))
        body = {"ready": ready, "models": bot.ctx.reviewer_status, **report}
        return web.json_response(body, status=200 if ready else 503)

    if slack_path:
        web_app.router.add_post(slack_path, slack_events)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    return web_app


BODY_READ_S = 10.0  # a request body that takes longer to arrive is refused (408)


def form_fixed(req: AsyncBoltRequest) -> AsyncBoltRequest:
    """``req`` with a form body parsed right: slack_bolt reads any form body that merely
    contains the word "payload" as an interactivity payload, finds no ``payload=`` field and
    gives ``{}``, so "/brandcheck … payload capacity …" (or a command from #payload-team) was
    dropped without a word in HTTP mode. JSON bodies and real ``payload=`` forms are untouched."""
    raw = req.raw_body
    if req.body or not raw or raw.startswith("{") or req.content_type == "application/json":
        return req
    params = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in params:
        return req  # bolt read it as it should (an empty payload stays empty)
    req.body = params
    req.context = build_async_context(AsyncBoltContext(dict(req.context)), params)
    return req


async def start_http(
    bot: BrandBot, host: str, port: int, *, slack_path: str | None = "/slack/events"
) -> web.AppRunner:
    runner = web.AppRunner(http_app(bot, slack_path=slack_path), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner
