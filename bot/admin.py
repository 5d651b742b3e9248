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
from bot.channels import ChannelLookupError
from bot.posting import api_error

USAGE = (
    "Usage: /brandcheck admin watch #channel [profile] · /brandcheck admin unwatch #channel · "
    "/brandcheck admin list"
)
# what Slack sends for a channel: <#C0123|name> (escaped), #name, or a bare id
_CHANNEL_RE = re.compile(
    r"^(?:<#([CG][A-Z0-9]{2,20})(?:\|[^>]{0,80})?>|#([^\s,#<>@|&]{1,80})|([CG][A-Z0-9]{2,20}))$"
)


NAME_LOOKUP_WAIT_S = 1.5  # the acknowledgement waits for it (Slack gives 3 s)


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
    """Apply one admin command for ``user``; the message to answer with (ephemeral).

    ``list`` changes nothing and is open to everyone; ``watch`` / ``unwatch`` are for admins.
    A ``#name`` typed by hand is resolved to the channel's id (``ChannelDirectory.id_of``), so
    the policy stores ids only."""
    settings = ctx.settings
    words = text.split()
    verb = words[0].lower() if words else ""
    if verb == "list" and len(words) == 1:
        try:
            stored = await off_loop(ctx.policy.all)
        except JournalUnavailable:
            return _slow_database()
        guide_map = dict(getattr(ctx.guide, "channels", {}) or {})
        return lifecycle_blocks.policy_list(stored, settings.watched_channels, guide_map)
    if not user or user not in settings.admin_ids:
        return lifecycle_blocks.refusal(
            "Sorry, only brandbot's admins can change the channel policy (anyone can see it "
            "with `/brandcheck admin list`). Ask one of them, or whoever runs brandbot, to add "
            "you to BRANDBOT_ADMIN_IDS."
        )
    if verb not in ("watch", "unwatch") or len(words) < 2:
        return blocks.notice_message(blocks.escape(USAGE))
    channel = channel_arg(words[1])
    if channel is None:
        return blocks.notice_message(
            f"{blocks.escape(_shown(words[1]))} is not a channel. {blocks.escape(USAGE)}"
        )
    if channel.startswith("#"):
        resolved = await resolve_channel_name(ctx, channel)
        if isinstance(resolved, dict):
            return resolved
        channel = resolved
    elif await _unknown_channel(ctx, channel):
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
    where = blocks.mention("#", channel) or blocks.escape(channel)
    overrides_settings = False
    if verb == "unwatch":
        await ctx.refresh_policy()
        rule = ctx.policy_rules().get(channel)
        if rule is None:
            if ctx.channels is not None:
                await ctx.channels.name_of(channel, wait_s=0.5)
            overrides_settings = ctx.watched_by_settings(channel)
            if not overrides_settings:
                return blocks.notice_message(
                    f":information_source: {where} was not watched, so nothing changed."
                )
        elif not rule.watched:
            return blocks.notice_message(
                f":information_source: {where} is already not watched; nothing changed."
            )
    try:
        watched = verb == "watch"
        await off_loop(ctx.policy.set, channel, watched=watched, profile=profile, actor=user)
    except JournalUnavailable:
        return _slow_database()
    ctx.forget_policy()
    await ctx.refresh_policy()
    if verb == "watch":
        prof = f" with profile *{blocks.escape(profile)}*" if profile else ""
        text = f":eyes: Now watching {where}{prof}. (Invite me there if I am not a member yet.)"
    elif overrides_settings:
        text = (
            f":see_no_evil: No longer watching {where}. It is watched through "
            "BRANDBOT_WATCHED_CHANNELS, so I stored a rule that overrides the setting "
            "(`/brandcheck admin watch` undoes it)."
        )
    else:
        text = f":see_no_evil: No longer watching {where}."
    return blocks.notice_message(text)


async def resolve_channel_name(ctx: Any, name: str) -> str | blocks.Message:
    """The id of the channel ``#name`` (typed by hand, not picked from Slack's suggestions),
    or the message to answer with when no channel has that name or Slack did not say in time."""
    shown = blocks.escape(_shown(name))
    pick = "Pick it from Slack's suggestions (type # and choose it) so it becomes a link."
    if ctx.channels is None:
        return blocks.notice_message(f"I cannot look up {shown} by name here. {pick}")
    try:
        found = await ctx.channels.id_of(name, wait_s=NAME_LOOKUP_WAIT_S)
    except ChannelLookupError as exc:
        return blocks.notice_message(
            f"I could not look up {shown} in Slack just now ({blocks.escape(str(exc))}). "
            f"Try again in a moment, or {pick[0].lower()}{pick[1:]}"
        )
    if found is None:
        return blocks.notice_message(
            f"No channel called {shown} that I can see in this workspace (private channels "
            f"need me as a member). {pick}"
        )
    return str(found)


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
