"""Learning from the team: votes on findings, suggestions to the brand owner, and accepting them.

* A vote ("Not an issue" / "Helpful", the two menus under a thread review) names a finding by
  its position in the stored review; the menu's block id names the draft version. Both are
  checked against the database (the review exists, is not deleted, is at that version, was
  posted as that message, and has that finding) before the vote is stored per rule and term.
* When a rule and term reaches ``BRANDBOT_DISMISS_MIN_VOTES`` dismissals at a rate of at least
  ``BRANDBOT_DISMISS_RATE``, the admins (the brand owners, ``BRANDBOT_ADMIN_IDS``) get one DM
  each with one button: add the term to the guide's accepted words, or lower the severity of
  the guide entry that defines it. A suggestion is made once.
* Accepting (admins only; one click wins) writes the guide file safely (:mod:`bot.guide_file`),
  audits the change and reloads the guide at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError

from analyzers import Review, default_guide_path
from bot import blocks, lifecycle_blocks
from bot.guide_file import GuideEditError, apply_change, describe_entry, suggestion_kind
from bot.lifecycle_blocks import VOTE_DISMISS, DraftRef
from bot.posting import api_error, post_once
from bot.storage.history import finding_term

log = logging.getLogger(__name__)
SUGGESTION_METADATA_TYPE = "brandbot_suggestion"
PACKAGED_GUIDE_REFUSAL = (
    "The guide was not changed: brandbot is running on its packaged example guide, which it "
    "never edits. Copy it, set BRANDBOT_GUIDE to your copy and restart brandbot, then accept "
    "this suggestion again (it stays open)."
)


def guide_path(ctx: Any) -> Path:
    return Path(ctx.settings.guide_path or default_guide_path())


async def may_vote(ctx: Any, user: str, channel: str) -> bool:
    """Managers and admins, and the channel's members (``conversations.members``): the votes
    feed guide changes, so a vote from outside the team's channel is not counted."""
    from bot.stats import is_manager, is_member

    if is_manager(ctx.settings, user):
        return True
    try:
        return await is_member(ctx.client, channel, user)
    except SlackApiError as exc:
        if exc.response.status_code == 429 or exc.response.status_code >= 500:
            raise
        log.info("conversations.members %s: %s", channel, api_error(exc))
        return False


async def handle_vote(ctx: Any, job_key: str, p: Mapping[str, Any]) -> None:
    user = str(p.get("user") or "")
    ref = DraftRef.parse(p.get("block_id"))
    raw = str(p.get("selected") or "")
    if ref is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 4:
        await ctx.answer_privately(p, lifecycle_blocks.refusal("That menu is not one I made."))
        return
    position = int(raw)
    store = ctx.store
    record = await asyncio.to_thread(store.get_review, ref.channel, ref.ts, ref.part)
    deleted = await asyncio.to_thread(store.is_deleted, ref.channel, ref.ts)
    if record is None or deleted or not record.review:
        await ctx.answer_privately(
            p, lifecycle_blocks.refusal("That draft is gone (deleted), so its review is too.")
        )
        return
    if record.version != ref.version or (
        p.get("message_ts") and p.get("message_ts") != record.reply_ts
    ):
        await ctx.answer_privately(
            p,
            lifecycle_blocks.refusal(
                "The draft was edited after this review; vote on the updated review."
            ),
        )
        return
    review = Review.from_dict(record.review)
    if position >= len(review.findings):
        await ctx.answer_privately(
            p, lifecycle_blocks.refusal("That finding is not in the review.")
        )
        return
    if not await may_vote(ctx, user, ref.channel):
        await ctx.answer_privately(
            p,
            lifecycle_blocks.refusal(
                "Thanks for the feedback! Only members of the draft's channel can vote on its "
                "review; join the channel and vote again."
            ),
        )
        return
    finding = review.findings[position]
    vote = "dismiss" if p.get("action_id") == VOTE_DISMISS else "helpful"
    term = finding_term(finding.matched)
    await asyncio.to_thread(
        ctx.votes.vote,
        channel=ref.channel,
        ts=ref.ts,
        part=ref.part,
        version=ref.version,
        position=position,
        voter=user,
        vote=vote,
        rule=finding.rule_id,
        term=term,
    )
    what = f"“{finding.display}”" if finding.matched.strip() else finding.rule_id
    thanks = (
        f"Thanks: noted {what} as not an issue. Enough of these and the brand owner hears of it."
        if vote == "dismiss"
        else f"Thanks: noted {what} as helpful."
    )
    await ctx.answer_privately(p, blocks.notice_message(blocks.escape(thanks)))
    if vote == "dismiss" and term:
        await maybe_suggest(ctx, finding.rule_id, term)


async def maybe_suggest(ctx: Any, rule: str, term: str) -> int | None:
    """Suggest a guide change when ``rule`` on ``term`` is dismissed often enough; the id of
    the suggestion sent to the admins (once each), else None."""
    s = ctx.settings
    candidates = await asyncio.to_thread(
        ctx.votes.dismissal_candidates, min_votes=s.dismiss_min_votes, min_rate=s.dismiss_rate
    )
    match = next((v for v in candidates if v.rule == rule and v.term == term), None)
    if match is None:
        return None
    path = guide_path(ctx)
    kind = await asyncio.to_thread(suggestion_kind, path, term)
    suggestion = await asyncio.to_thread(ctx.votes.suggest, kind, rule, term)
    if suggestion is None:
        # made before: deliver again only while it is open (each DM is posted at most once per
        # admin, so this finishes a delivery that an earlier attempt left half done)
        suggestion = await asyncio.to_thread(ctx.votes.find, kind, rule, term)
        if suggestion is None or suggestion.state != "open":
            return None
    extra = await asyncio.to_thread(describe_entry, path, term) if kind != "accept_term" else ""
    msg = lifecycle_blocks.suggestion_message(
        suggestion.id, kind, rule, term, match.dismissed, match.total, extra
    )
    if not s.admin_ids:
        log.warning("guide suggestion %d has nobody to go to (BRANDBOT_ADMIN_IDS)", suggestion.id)
    for admin in s.admin_ids:
        opened = await ctx.client.conversations_open(users=admin)
        await post_once(
            ctx.client,
            job_key=f"suggestion:{suggestion.id}:to:{admin}",
            channel=str(opened["channel"]["id"]),
            event_type=SUGGESTION_METADATA_TYPE,
            intents=ctx.store,
            payload={"suggestion": suggestion.id},
            text=msg["text"],
            blocks=msg["blocks"],
        )
    return int(suggestion.id)


async def handle_accept(ctx: Any, job_key: str, p: Mapping[str, Any]) -> None:
    user = str(p.get("user") or "")
    raw = str(p.get("value") or "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        await ctx.answer_privately(p, lifecycle_blocks.refusal("That button is not one I made."))
        return
    if user not in ctx.settings.admin_ids:
        await ctx.answer_privately(
            p,
            lifecycle_blocks.refusal(
                "Sorry, only the brand owners (brandbot's admins) can change the guide."
            ),
        )
        return
    found = await asyncio.to_thread(ctx.votes.suggestion, int(raw))
    if found is None or found.state != "open":
        await ctx.answer_privately(
            p, lifecycle_blocks.refusal("That suggestion was already handled (or does not exist).")
        )
        return
    if ctx.settings.guide_path is None:
        # never edit the packaged example guide (it is part of the installed program): the
        # suggestion stays open for when BRANDBOT_GUIDE names the team's own copy
        await ctx.answer_privately(p, lifecycle_blocks.refusal(PACKAGED_GUIDE_REFUSAL))
        return
    suggestion = await asyncio.to_thread(ctx.votes.take, int(raw), user)
    if suggestion is None:
        await ctx.answer_privately(
            p, lifecycle_blocks.refusal("That suggestion was already handled (or does not exist).")
        )
        return
    path = guide_path(ctx)
    try:
        edit = await asyncio.to_thread(apply_change, path, suggestion.kind, suggestion.term)
    except GuideEditError as exc:
        await asyncio.to_thread(ctx.votes.finish, suggestion.id, "open")
        await ctx.answer_privately(p, lifecycle_blocks.refusal(f"The guide was not changed: {exc}"))
        return
    await asyncio.to_thread(
        ctx.audit.record,
        user,
        f"guide.{suggestion.kind}",
        str(path),
        {
            "suggestion": suggestion.id,
            "rule": suggestion.rule,
            "term": suggestion.term,
            "summary": edit.summary,
            "backup": str(edit.backup),
            "before_sha256": edit.before_sha256,
            "after_sha256": edit.after_sha256,
        },
    )
    await asyncio.to_thread(ctx.votes.finish, suggestion.id, "applied")
    await ctx.reload_guide()
    line = (
        f":white_check_mark: Applied by {blocks.mention('@', user)}: {blocks.escape(edit.summary)}"
    )
    if p.get("channel") and p.get("message_ts"):
        msg = blocks.message(line, [blocks.section(line)])
        try:
            await ctx.client.chat_update(
                channel=p["channel"], ts=p["message_ts"], text=msg["text"], blocks=msg["blocks"]
            )
        except SlackApiError as exc:
            log.info("could not update the suggestion message: %s", exc)
