"""Events: drafts in watched channels, edits, deletions, files, mentions, the review reaction.

Every event type and message subtype is acknowledged (catch-all listeners), so Socket Mode never
leaves an envelope un-acked and Slack never retries for want of a listener.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from slack_bolt.async_app import AsyncApp

from analyzers import word_count
from bot.ack_budget import ACK_BUDGET_S, best_effort, off_loop
from bot.context import BotContext
from bot.files import file_name, is_supported_name
from bot.jobs import Submit
from bot.workflows import strip_mentions

log = logging.getLogger(__name__)

# subtypes that carry a human draft; everything else is acknowledged and ignored
_DRAFT_SUBTYPES = (None, "", "thread_broadcast", "file_share", "me_message")


_TS_RE = re.compile(r"^\d{1,12}\.\d{1,9}$")
_ID_RE = re.compile(r"^[A-Z0-9]{2,40}$")


def is_ts(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_TS_RE.match(value))


def is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_ID_RE.match(value))


def register(app: AsyncApp, ctx: BotContext) -> None:
    async def on_message(event: Any, body: dict[str, Any]) -> None:
        if isinstance(event, dict):
            channel = event.get("channel")
            await ctx.refresh_policy()
            if is_id(channel) and ctx.watch_needs_name(channel):
                # watched channels named in settings (#launches): learn this channel's name
                # (cached; bounded wait so the ack stays fast)
                await ctx.learn_channel(channel)
            await handle_message(event, ctx)
        await ctx_mark(body, ctx)

    async def on_mention(event: Any, body: dict[str, Any]) -> None:
        if isinstance(event, dict):
            await handle_mention(event, ctx)
        await ctx_mark(body, ctx)

    async def on_reaction(event: Any, body: dict[str, Any]) -> None:
        if isinstance(event, dict):
            await handle_reaction(event, ctx)
        await ctx_mark(body, ctx)

    async def on_home_opened(event: Any, body: dict[str, Any]) -> None:
        if isinstance(event, dict):
            await handle_home_opened(event, ctx)
        await ctx_mark(body, ctx)

    async def on_anything_else(body: dict[str, Any]) -> None:
        await ctx_mark(body, ctx)

    app.event("message")(on_message)
    app.event("app_mention")(on_mention)
    app.event("reaction_added")(on_reaction)
    app.event("app_home_opened")(on_home_opened)
    # file_shared, reaction_removed, channel events, ...: acknowledged only
    # (an upload in a watched channel arrives as a message with subtype file_share)
    app.event(re.compile(r".*"))(on_anything_else)


async def ctx_mark(body: Mapping[str, Any], ctx: BotContext) -> None:
    """Remember the delivery so a retry or a duplicate is dropped by the dedupe middleware.
    Off the loop and best effort: the job is journalled already, and its unique key drops a
    redelivery the event id missed."""
    event_id = body.get("event_id")
    if isinstance(event_id, str) and 0 < len(event_id) <= 100:
        await best_effort(ACK_BUDGET_S, ctx.store.claim, f"event:{event_id}")


def _busy(ctx: BotContext, channel: str, thread_ts: str) -> None:
    ctx.spawn(ctx.notify_busy_in_thread(channel, thread_ts))


async def handle_message(event: Mapping[str, Any], ctx: BotContext) -> None:
    subtype = event.get("subtype")
    channel = event.get("channel")
    if not is_id(channel):
        return
    if subtype == "message_changed":
        await _handle_edit(event, ctx)
        return
    if subtype == "message_deleted":
        previous = event.get("previous_message")
        ts = event.get("deleted_ts") or (previous.get("ts") if isinstance(previous, dict) else None)
        if is_ts(ts):
            await _handle_delete(channel, ts, ctx)
        return
    if subtype not in _DRAFT_SUBTYPES or ctx.is_bot_author(event):
        return
    if not ctx.is_watched(channel):
        return
    ts = event.get("ts")
    if not is_ts(ts):
        return
    thread_ts = event.get("thread_ts") if is_ts(event.get("thread_ts")) else None
    # files the bot reads are the draft; with none of those (a screenshot), the text is
    files = _readable_files(event)
    if files:
        for f in files:
            payload = {
                "channel": channel,
                "ts": ts,
                "thread_ts": thread_ts or ts,
                "file": dict(f),
                "user": event.get("user"),
            }
            if (
                await ctx.submit_review(f"file:{channel}:{ts}:{f.get('id')}", "file", payload)
                is Submit.FULL
            ):
                _busy(ctx, channel, thread_ts or ts)
        return
    if thread_ts and thread_ts != ts and subtype != "thread_broadcast":
        return  # replies in threads are conversation, not drafts
    text = str(event.get("text") or "")
    if word_count(strip_mentions(text)) < ctx.settings.min_words:
        return
    # a reply also sent to the channel is answered in its thread: Slack asks for the parent ts
    await _submit_thread(ctx, channel, ts, thread_ts or ts, text, event.get("user"), version=ts)


async def _submit_thread(
    ctx: BotContext,
    channel: str,
    ts: str,
    thread_ts: str,
    text: str,
    user: Any,
    *,
    version: str,
) -> Submit:
    payload = {
        "channel": channel,
        "ts": ts,
        "thread_ts": thread_ts,
        "text": text,
        "user": user if is_id(user) else None,
        "version": version,
    }
    result = await ctx.submit_review(f"thread:{channel}:{ts}::{version}", "thread", payload)
    if result is Submit.FULL:
        _busy(ctx, channel, thread_ts)
    elif result is Submit.ACCEPTED:
        ctx.newest.note(channel, ts, "", version)
    return result


def _readable_files(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = message.get("files")
    files = [f for f in raw if isinstance(f, Mapping)] if isinstance(raw, list) else []
    return [f for f in files if is_supported_name(file_name(f))]


async def _handle_edit(event: Mapping[str, Any], ctx: BotContext) -> None:
    channel = str(event["channel"])
    message = event.get("message")
    previous = event.get("previous_message")
    if not isinstance(previous, Mapping):
        previous = {}
    if not isinstance(message, Mapping):
        return
    ts = message.get("ts")
    if not is_ts(ts):
        return
    if message.get("subtype") == "tombstone" or (message.get("hidden") and not message.get("text")):
        await _handle_delete(channel, ts, ctx)
        return
    if ctx.is_bot_author(message):
        return
    text = str(message.get("text") or "")
    if previous and text == str(previous.get("text") or ""):
        return  # a thread reply count or an unfurl changed, not the words
    reviewed = await off_loop(ctx.store.get_review, channel, ts, "") is not None
    thread_ts = message.get("thread_ts") if is_ts(message.get("thread_ts")) else None
    # a reply also sent to the channel is a draft, as when it was posted
    top_level = not thread_ts or thread_ts == ts or message.get("subtype") == "thread_broadcast"
    if not reviewed:
        if not (ctx.is_watched(channel) and top_level):
            return
        if _readable_files(message):
            return  # its files were the draft: the caption is not a draft of its own
        if word_count(strip_mentions(text)) < ctx.settings.min_words:
            return
    edited = message.get("edited")
    version = edited.get("ts") if isinstance(edited, Mapping) else None
    if not is_ts(version):
        version = event.get("event_ts") if is_ts(event.get("event_ts")) else ts
    await _submit_thread(
        ctx, channel, ts, str(thread_ts or ts), text, message.get("user"), version=str(version)
    )


async def _handle_delete(channel: str, ts: str, ctx: BotContext) -> None:
    reviewed = await off_loop(ctx.store.reviews_for_message, channel, ts)
    if not reviewed and not _maybe_pending(ctx, channel, ts):
        return
    # in-flight reviews of this draft now skip posting
    await off_loop(ctx.store.mark_deleted, channel, ts)
    await ctx.submit_review(f"delete:{channel}:{ts}", "delete", {"channel": channel, "ts": ts})


def _maybe_pending(ctx: BotContext, channel: str, ts: str) -> bool:
    return ctx.is_watched(channel) or ctx.newest.knows(channel, ts)


async def _submit_fetch(
    ctx: BotContext, key: str, payload: Mapping[str, Any], channel: str, ts: str
) -> None:
    """A mention or the review reaction asks about message ``ts``: one ``fetch`` job."""
    result = await ctx.submit_review(key, "fetch", payload)
    if result is Submit.FULL:
        _busy(ctx, channel, ts)
    elif result is Submit.ACCEPTED:
        ctx.newest.note(channel, ts, "", "0")


async def handle_mention(event: Mapping[str, Any], ctx: BotContext) -> None:
    channel, ts = event.get("channel"), event.get("ts")
    if not is_id(channel) or not is_ts(ts) or ctx.is_bot_author(event):
        return
    thread_ts = event.get("thread_ts")
    if is_ts(thread_ts) and thread_ts != ts:
        # mentioned in a thread: review the thread's parent
        payload = {
            "channel": channel,
            "ts": thread_ts,
            "trigger": "mention",
            "by": event.get("user"),
        }
        await _submit_fetch(ctx, f"fetch:{channel}:{thread_ts}:{ts}", payload, channel, thread_ts)
        return
    text = str(event.get("text") or "")
    if event.get("files"):
        payload = {"channel": channel, "ts": ts, "trigger": "mention", "by": event.get("user")}
        await _submit_fetch(ctx, f"fetch:{channel}:{ts}:{ts}", payload, channel, ts)
        return
    if not strip_mentions(text):
        return
    edited = event.get("edited")
    version = edited.get("ts") if isinstance(edited, Mapping) else None
    await _submit_thread(ctx, channel, ts, ts, text, event.get("user"), version=str(version or ts))


async def handle_home_opened(event: Mapping[str, Any], ctx: BotContext) -> None:
    """The Home tab was opened: publish it (a job; the reads and views.publish run there)."""
    user = event.get("user")
    if event.get("tab") not in (None, "home") or not is_id(user):
        return
    stamp = event.get("event_ts") if is_ts(event.get("event_ts")) else ""
    await ctx.submit_review(f"home:{user}:{stamp}", "home", {"user": user})


async def handle_reaction(event: Mapping[str, Any], ctx: BotContext) -> None:
    if event.get("reaction") != ctx.settings.review_reaction:
        return
    if ctx.bot_user_id and event.get("user") == ctx.bot_user_id:
        return
    item = event.get("item") or {}
    if not isinstance(item, Mapping) or item.get("type") != "message":
        return
    channel, ts = item.get("channel"), item.get("ts")
    if not is_id(channel) or not is_ts(ts) or not is_id(event.get("user")):
        return
    payload = {"channel": channel, "ts": ts, "trigger": "reaction", "by": event.get("user")}
    key = f"fetch:{channel}:{ts}:{event.get('user')}:{event.get('event_ts')}"
    await _submit_fetch(ctx, key, payload, channel, ts)
