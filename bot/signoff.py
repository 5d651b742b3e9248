"""Sign-off: Approve / Request changes on thread reviews and alerts.

The button's value names the draft version (:class:`bot.lifecycle_blocks.DraftRef`); it is
checked against the database before anything happens: the draft must still be reviewed, not
deleted, and at that version (a button on an older review of an edited draft is stale). Only
the approvers (``BRANDBOT_APPROVER_IDS``, else the managers, and the guide's ``approvers``) may
decide; anyone else gets an
ephemeral refusal. A decision is recorded (who, when, which version; audited), shown on the
thread reply and on the clicked alert, and the author is told in the thread. A later edit
re-opens the review: the decision is about its version only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from analyzers import Review
from bot import blocks, lifecycle_blocks
from bot.lifecycle_blocks import APPROVE, DraftRef
from bot.posting import api_error, post_once
from bot.storage.history import review_key

log = logging.getLogger(__name__)
SIGNOFF_METADATA_TYPE = "brandbot_signoff"


def thread_reply(review: Review, ref: DraftRef, decision: str | None = None) -> blocks.Message:
    """A thread review with the lifecycle controls (and the decision, when there is one)."""
    tail = lifecycle_blocks.lifecycle_actions(review, ref, signoff=True, votes=True)
    msg = blocks.review_message(review, tail=tail)
    if decision:
        msg["blocks"] = lifecycle_blocks.with_decision(msg["blocks"], decision)
    return msg


def may_approve(ctx: Any, user: str) -> bool:
    """The approvers: ``BRANDBOT_APPROVER_IDS`` (else the managers) and the guide's
    ``approvers``."""
    named = tuple(getattr(ctx.guide, "approvers", ()) or ())
    return bool(user) and (user in ctx.settings.approvers or user in named)


async def handle_signoff(ctx: Any, job_key: str, p: Mapping[str, Any]) -> None:
    user = str(p.get("user") or "")
    ref = DraftRef.parse(p.get("value"))
    if ref is None:
        await ctx.answer_privately(p, lifecycle_blocks.refusal("That button is not one I made."))
        return
    if not may_approve(ctx, user):
        await ctx.answer_privately(
            p,
            lifecycle_blocks.refusal(
                "Thanks for looking! Only the brand approvers can approve drafts or request "
                "changes; your own feedback on findings is welcome with the Not an issue / "
                "Helpful menus."
            ),
        )
        return
    store = ctx.store
    record = await asyncio.to_thread(store.get_review, ref.channel, ref.ts, ref.part)
    deleted = await asyncio.to_thread(store.is_deleted, ref.channel, ref.ts)
    if record is None or deleted or not record.review or not record.reply_ts:
        await ctx.answer_privately(
            p,
            lifecycle_blocks.refusal(
                "That draft is gone (deleted), so there is nothing to sign off."
            ),
        )
        return
    if record.version != ref.version:
        await ctx.answer_privately(
            p,
            lifecycle_blocks.refusal(
                "The draft was edited after this review; use the buttons on the updated review."
            ),
        )
        return
    if not await _clicked_on_own_controls(ctx, ref, record, p):
        await ctx.answer_privately(p, lifecycle_blocks.refusal("That button is not one I made."))
        return
    decision = "approved" if p.get("action_id") == APPROVE else "changes_requested"
    entry = None
    if ctx.history is not None:
        key = review_key(
            "file" if ref.part else "thread", ref.channel, ref.ts, ref.part, ref.version
        )
        entry = await asyncio.to_thread(ctx.history.get, key)
    author = entry.author if entry is not None else None
    signoff = await asyncio.to_thread(
        ctx.signoffs.decide,
        ref.channel,
        ref.ts,
        ref.part,
        version=ref.version,
        decision=decision,
        by=user,
        author=author,
    )
    line = lifecycle_blocks.decision_line(decision, user, signoff.decided_at)
    await show_decision(ctx, ref, record, line, p)
    notice = lifecycle_blocks.decision_notice(decision, user, author)
    await post_once(
        ctx.client,
        job_key=f"{job_key}:notice",
        channel=ref.channel,
        thread_ts=ref.ts,
        event_type=SIGNOFF_METADATA_TYPE,
        intents=ctx.store,
        payload={"draft_ts": ref.ts, "version": ref.version, "decision": decision},
        text=notice["text"],
        blocks=notice["blocks"],
    )


async def show_decision(
    ctx: Any, ref: DraftRef, record: Any, line: str, p: Mapping[str, Any]
) -> None:
    """Show the decision on the draft's thread reply and on every alert about this version,
    wherever it was clicked. Each message is our own, read back from Slack
    (``conversations.replies`` / ``history``), and keeps everything it showed ("changes since
    the last version", the re-opened note) with the decision line added. A thread reply that
    cannot be read back is re-rendered from the stored review; an alert that cannot be read
    back (a DM without ``im:history``) keeps its buttons and is logged."""
    review = Review.from_dict(record.review)
    shown = await _own_message(ctx, ref.channel, record.reply_ts, thread_ts=ref.ts)
    if shown is not None:
        reply = blocks.message(shown[0], lifecycle_blocks.with_decision(shown[1], line))
    else:
        reply = thread_reply(review, ref, line)
    await ctx.client.chat_update(
        channel=ref.channel, ts=record.reply_ts, text=reply["text"], blocks=reply["blocks"]
    )
    for channel, ts in await _alert_messages(ctx, ref):
        found = await _own_message(ctx, channel, ts)
        if found is None:
            log.info("could not read the alert %s/%s back; decision not shown there", channel, ts)
            continue
        try:
            await ctx.client.chat_update(
                channel=channel,
                ts=ts,
                text=found[0],
                blocks=lifecycle_blocks.with_decision(found[1], line),
            )
        except SlackApiError as exc:
            log.info("could not show the decision on %s/%s: %s", channel, ts, exc)


async def _alert_messages(ctx: Any, ref: DraftRef) -> list[tuple[str, str]]:
    """The alerts posted about this draft version: (channel, ts) from the post intents of the
    alert job's targets (each target's post is recorded with its message ts)."""
    from bot.alerts import alert_key

    s = ctx.settings
    targets = [*s.manager_ids, *([s.alert_channel] if s.alert_channel else [])]
    key = alert_key(ref.channel, ref.ts, ref.part, ref.version)
    out: list[tuple[str, str]] = []
    for target in targets:
        intent = await asyncio.to_thread(ctx.store.post_intent, f"{key}:to:{target}")
        if intent is not None and intent.message_ts and intent.channel:
            out.append((intent.channel, intent.message_ts))
    return out


async def _own_message(
    ctx: Any, channel: str, ts: str, *, thread_ts: str | None = None
) -> tuple[str, list[Any]] | None:
    """The text and blocks of our own message ``ts`` in ``channel`` (None: not found, not
    ours, or the read failed)."""
    try:
        if thread_ts is not None and thread_ts != ts:
            resp = await ctx.client.conversations_replies(
                channel=channel, ts=thread_ts, oldest=ts, latest=ts, inclusive=True, limit=10
            )
        else:
            resp = await ctx.client.conversations_history(
                channel=channel, oldest=ts, latest=ts, inclusive=True, limit=1
            )
    except SlackApiError as exc:
        if exc.response.status_code == 429:
            raise
        log.info("could not read %s/%s back: %s", channel, ts, api_error(exc))
        return None
    for m in resp.get("messages") or []:
        if not isinstance(m, dict) or m.get("ts") != ts:
            continue
        ours = bool(ctx.bot_id) and m.get("bot_id") == ctx.bot_id
        found, text = m.get("blocks"), m.get("text")
        if ours and isinstance(found, list) and len(found) <= blocks.MAX_BLOCKS:
            return (str(text or "")[:3000], list(found))
    return None


async def _clicked_on_own_controls(
    ctx: Any, ref: DraftRef, record: Any, p: Mapping[str, Any]
) -> bool:
    """The button was clicked on this draft's thread reply or on one of the alerts about this
    version (a value naming another draft than the message it sits on is refused)."""
    channel, ts = p.get("channel"), p.get("message_ts")
    if not channel or not ts:
        return False
    if (channel, ts) == (ref.channel, record.reply_ts):
        return True
    return (channel, ts) in await _alert_messages(ctx, ref)
