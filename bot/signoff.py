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
from bot.posting import post_once
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
    review = Review.from_dict(record.review)
    reply = thread_reply(review, ref, line)
    clicked_ts = p.get("message_ts")
    clicked_channel = p.get("channel")
    if clicked_ts == record.reply_ts and isinstance(p.get("message_blocks"), list):
        reply = blocks.message(
            reply["text"], lifecycle_blocks.with_decision(p["message_blocks"], line)
        )
    await ctx.client.chat_update(
        channel=ref.channel, ts=record.reply_ts, text=reply["text"], blocks=reply["blocks"]
    )
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
    if (
        clicked_ts
        and clicked_channel
        and clicked_ts != record.reply_ts
        and isinstance(p.get("message_blocks"), list)
    ):
        # an alert: show the decision there too
        try:
            await ctx.client.chat_update(
                channel=clicked_channel,
                ts=clicked_ts,
                text=str(p.get("message_text") or reply["text"]),
                blocks=lifecycle_blocks.with_decision(p["message_blocks"], line),
            )
        except SlackApiError as exc:
            log.info("could not show the decision on %s/%s: %s", clicked_channel, clicked_ts, exc)
