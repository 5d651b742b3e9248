"""``/brandcheck admin watch #channel [profile] | unwatch #channel | list``: the channel policy,
edited in Slack by the configured admins (``BRANDBOT_ADMIN_IDS``), stored and audited
(:mod:`bot.storage.channel_policy`). Anyone else gets a polite refusal; nothing is stored.

The answer is the ephemeral acknowledgement itself; the database write runs in a thread.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import blocks, lifecycle_blocks
from bot.ack_budget import JournalUnavailable, off_loop
from bot.posting import api_error

USAGE = (
    "Usage: /brandcheck admin watch #channel [profile] · /brandcheck admin unwatch #channel · "
    "/brandcheck admin list"
)
# what Slack sends for a channel: <#C0123|name> (escaped), #name, or a bare id
_CHANNEL_RE = re.compile(
    r"^(?:<#([CG][A-Z0-9]{2,20})(?:\|[^>]{0,80})?>|#([^\s,#<>@|&]{1,80})|([CG][A-Z0-9]{2,20}))$"
)


@dataclass(frozen=True)
class AdminAnswer:
    text: str
    ok: bool


def channel_arg(token: str) -> str | None:
    """A channel id (C0123) or ``#name`` (lower-case), or None for anything else."""
    m = _CHANNEL_RE.fullmatch(token.strip())
    if m is None:
        return None
    escaped, name, bare = m.groups()
    if escaped or bare:
        return str(escaped or bare)
    return "#" + str(name).lower()


async def run_admin(text: str, user: str | None, ctx: Any) -> blocks.Message:
    """Apply one admin command for ``user``; the message to answer with (ephemeral)."""
    settings = ctx.settings
    if not user or user not in settings.admin_ids:
        return lifecycle_blocks.refusal(
            "Sorry, only brandbot's admins can change the channel policy. Ask one of them, or "
            "whoever runs brandbot, to add you to BRANDBOT_ADMIN_IDS."
        )
    words = text.split()
    verb = words[0].lower() if words else ""
    if verb == "list" and len(words) == 1:
        try:
            stored = await off_loop(ctx.policy.all)
        except JournalUnavailable:
            return _slow_database()
        guide_map = dict(getattr(ctx.guide, "channels", {}) or {})
        return lifecycle_blocks.policy_list(stored, settings.watched_channels, guide_map)
    if verb not in ("watch", "unwatch") or len(words) < 2:
        return blocks.notice_message(blocks.escape(USAGE))
    channel = channel_arg(words[1])
    if channel is None:
        return blocks.notice_message(
            f"{blocks.escape(_shown(words[1]))} is not a channel. {blocks.escape(USAGE)}"
        )
    if channel[:1] in "CG" and await _unknown_channel(ctx, channel):
        return blocks.notice_message(
            f"I cannot find the channel {blocks.escape(channel)} in this workspace. Pick it "
            "from Slack's suggestions (type # and choose it) so it becomes a link."
        )
    profile: str | None = None
    if verb == "watch" and len(words) >= 3:
        profiles = sorted(getattr(ctx.guide, "profiles", {}) or {})
        wanted = words[2]
        if wanted not in profiles:
            close = difflib.get_close_matches(wanted.lower(), profiles, n=1, cutoff=0.6)
            hint = f" Did you mean {blocks.escape(close[0])!r}?" if close else ""
            return blocks.notice_message(
                f"Unknown profile {blocks.escape(_shown(wanted))!r}.{hint} Profiles: "
                + (", ".join(blocks.escape(p) for p in profiles) or "none defined")
            )
        profile = wanted
    if len(words) > (3 if verb == "watch" else 2):
        return blocks.notice_message(blocks.escape(USAGE))
    try:
        watched = verb == "watch"
        await off_loop(ctx.policy.set, channel, watched=watched, profile=profile, actor=user)
    except JournalUnavailable:
        return _slow_database()
    ctx.forget_policy()
    await ctx.refresh_policy()
    where = blocks.mention("#", channel) or blocks.escape(channel)
    if verb == "watch":
        prof = f" with profile *{blocks.escape(profile)}*" if profile else ""
        text = f":eyes: Now watching {where}{prof}. (Invite me there if I am not a member yet.)"
    else:
        text = f":see_no_evil: No longer watching {where}."
    return blocks.notice_message(text)


def _slow_database() -> blocks.Message:
    return blocks.notice_message(
        ":hourglass: The database did not answer in time, so I cannot confirm the change. "
        "Check with `/brandcheck admin list` in a moment and try again if it is not there."
    )


async def _unknown_channel(ctx: Any, channel: str, wait_s: float = 1.0) -> bool:
    """Slack says there is no such channel (``conversations.info``: ``channel_not_found``).
    Any other answer, or none within ``wait_s`` (the acknowledgement waits), is not a no."""
    try:
        await asyncio.wait_for(ctx.client.conversations_info(channel=channel), wait_s)
    except SlackApiError as exc:
        return api_error(exc) == "channel_not_found"
    except Exception:
        return False
    return False


def _shown(word: str, limit: int = 60) -> str:
    """An argument quoted back, cut short (a 4 kB argument makes no Block Kit section)."""
    return word if len(word) <= limit else word[: limit - 3] + "..."
