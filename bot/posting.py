"""Posting a message exactly once, over a network that can fail after the post took effect.

``chat.postMessage`` is not idempotent: a 5xx, a timeout or a dropped connection does not say
whether Slack posted. The client's retry handlers therefore never re-send a non-idempotent call
(:func:`is_idempotent`, used by :mod:`bot.clients`); :func:`post_once` does it instead:

1. the job key goes into the message's metadata (``event_payload.job``) — the intent is already
   recorded in the journal, so a crash between posting and saving is covered too;
2. the post is sent; on an uncertain failure (5xx, timeout, dropped connection) the bot looks
   for its own message by that metadata (``conversations.replies`` in a thread,
   ``conversations.history`` elsewhere, ``include_all_metadata=true``) before any retry;
3. found → that message is the result; not found → the post is sent again (bounded).

A clear "no" from Slack (``channel_not_found``, ``invalid_blocks``...) is raised at once.

With ``intents`` (the shared :class:`bot.store.Store`) the intent is recorded in the database
*before* the first call, and the message's ts after it: a post already recorded is not made
again, and whoever runs the job next — the same replica after a retry, another one after a
takeover — finds the open intent and looks for the message (from the intent's time on) before
it posts anything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

# Web API methods whose retry after an unknown outcome could act twice
NON_IDEMPOTENT = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.completeUploadExternal",
        "files.upload",
    }
)
ATTEMPTS = 3
LOOKBACK_S = 120.0  # how far back conversations.history looks for the bot's own post


def method_of(url: str) -> str:
    """``https://slack.com/api/chat.postMessage?x=1`` → ``chat.postMessage``."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def is_idempotent(url: str) -> bool:
    return method_of(url) not in NON_IDEMPOTENT


def api_error(exc: SlackApiError) -> str | None:
    """The ``error`` of a Web API failure; None when the body is not a JSON object (a 5xx
    from a proxy or Slack's edge answers in text or HTML)."""
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error is not None else None


def outcome_unknown(exc: BaseException) -> bool:
    """A failure after which the call may or may not have taken effect."""
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return True
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return bool(status >= 500)
    return False


def job_metadata(event_type: str, job_key: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {**payload, "job": job_key}}


async def find_own_message(
    client: AsyncWebClient,
    channel: str,
    job_key: str,
    *,
    thread_ts: str | None = None,
    oldest: float | None = None,
) -> str | None:
    """The ts of the message this bot posted for ``job_key`` (by its metadata), or None."""
    if thread_ts:
        try:
            resp = await client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        except SlackApiError as exc:
            if api_error(exc) in ("thread_not_found", "message_not_found"):
                return None  # the draft was deleted meanwhile: nothing of ours to find there
            raise
    else:
        kwargs: dict[str, Any] = {"oldest": f"{oldest:.6f}"} if oldest else {}
        resp = await client.conversations_history(
            channel=channel, include_all_metadata=True, limit=100, **kwargs
        )
    for m in resp.get("messages") or []:
        meta = m.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if payload.get("job") == job_key:
            return str(m["ts"])
    return None


async def post_once(
    client: AsyncWebClient,
    *,
    job_key: str,
    channel: str,
    event_type: str,
    payload: Mapping[str, Any] | None = None,
    thread_ts: str | None = None,
    attempts: int = ATTEMPTS,
    backoff_s: float = 0.5,
    intents: Store | None = None,
    **message: Any,
) -> str:
    """Post ``message`` in ``channel`` (a thread reply when ``thread_ts``) at most once for
    ``job_key``; returns the message's ts. See the module docstring."""
    metadata = job_metadata(event_type, job_key, payload or {})
    since = time.time() - LOOKBACK_S
    if intents is not None:
        prior = await asyncio.to_thread(intents.post_intent, job_key)
        if prior is not None and prior.state == "posted" and prior.message_ts:
            return prior.message_ts
        if prior is not None:
            # an earlier attempt (here or on a replica that died) may have posted: look first
            since = min(since, prior.created_at - 5.0)
            found = await find_own_message(
                client, channel, job_key, thread_ts=thread_ts, oldest=since
            )
            if found is not None:
                log.info("post for %s was made by an earlier attempt (%s)", job_key, found)
                await asyncio.to_thread(intents.record_posted, job_key, found)
                return found
        await asyncio.to_thread(intents.record_post_intent, job_key, channel, thread_ts)
        ts = await _post_once(
            client, metadata, job_key, channel, thread_ts, attempts, backoff_s, since, message
        )
        await asyncio.to_thread(intents.record_posted, job_key, ts)
        return ts
    return await _post_once(
        client, metadata, job_key, channel, thread_ts, attempts, backoff_s, since, message
    )


async def _post_once(
    client: AsyncWebClient,
    metadata: dict[str, Any],
    job_key: str,
    channel: str,
    thread_ts: str | None,
    attempts: int,
    backoff_s: float,
    since: float,
    message: Mapping[str, Any],
) -> str:
    last: BaseException | None = None
    for attempt in range(max(1, attempts)):
        if attempt:
            found = await find_own_message(
                client, channel, job_key, thread_ts=thread_ts, oldest=since
            )
            if found is not None:
                log.info("post for %s had gone through (found %s); not re-sending", job_key, found)
                return found
            await asyncio.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
            resp = await client.chat_postMessage(
                channel=channel, metadata=metadata, **kwargs, **message
            )
            return str(resp.get("ts") or "")  # Slack always answers a ts; fakes may not
        except Exception as exc:
            if not outcome_unknown(exc):
                raise
            last = exc
            log.warning(
                "chat.postMessage for %s: outcome unknown (%s); checking before any retry",
                job_key,
                type(exc).__name__,
            )
    found = await find_own_message(client, channel, job_key, thread_ts=thread_ts, oldest=since)
    if found is not None:
        return found
    assert last is not None
    raise last


# Slack's answers for a message it will not take as built (its own limits on blocks and size)
REFUSED_MESSAGE = frozenset({"invalid_blocks", "msg_too_long", "invalid_blocks_format"})
PLAIN_LIMIT = 3_000  # characters of the plain-text fallback (Slack takes up to 40,000)


def plain_text(text: str) -> str:
    if len(text) <= PLAIN_LIMIT:
        return text
    return text[: PLAIN_LIMIT - 1] + "…"


async def post_once_or_plain(
    client: AsyncWebClient, *, text: str, blocks: list[Any], **kwargs: Any
) -> str:
    """``post_once`` the message; when Slack refuses it as built (``invalid_blocks``,
    ``msg_too_long``: limits of its own), its plain-text fallback instead, under the same key:
    a review or an alert is never lost to its formatting."""
    try:
        return await post_once(client, text=text, blocks=blocks, **kwargs)
    except SlackApiError as exc:
        if api_error(exc) not in REFUSED_MESSAGE:
            raise
        log.warning(
            "Slack refused the message for %s (%s); posting it as plain text",
            kwargs.get("job_key"),
            api_error(exc),
        )
        return await post_once(client, text=plain_text(text), blocks=[], **kwargs)
