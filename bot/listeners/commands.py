"""``/brandcheck``: ``<draft>``, ``help``, ``guide``, ``profile <name> <draft>``,
``stats [#channel | @person] [--days N]``, ``admin watch|unwatch|list``."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import blocks
from bot.ack_budget import JournalUnavailable, off_loop
from bot.context import BotContext
from bot.jobs import Submit

COMMAND = "/brandcheck"
Ack = Callable[..., Awaitable[None]]


def register(app: AsyncApp, ctx: BotContext) -> None:
    async def brandcheck(ack: Ack, command: dict[str, Any]) -> None:
        await handle_command(ack, command, ctx)

    async def any_other_command(ack: Ack, command: dict[str, Any]) -> None:
        await ack(text=f"Unknown command {blocks.escape(str(command.get('command', '')))}")

    app.command(COMMAND)(brandcheck)
    app.command(re.compile(r".*"))(any_other_command)


async def handle_command(ack: Ack, command: dict[str, Any], ctx: BotContext) -> None:
    text = str(command.get("text") or "").strip()
    name = str(command.get("command") or COMMAND)
    word, _, rest = text.partition(" ")
    word = word.lower()
    if not text or word in ("help", "-h", "--help", "?"):
        user = _user(command)
        is_admin = user is not None and user in ctx.settings.admin_ids
        msg = blocks.help_message(name, ctx.settings.review_reaction, admin=is_admin)
        await ack(response_type="ephemeral", **msg)
        return
    if word == "guide" and not rest.strip():
        msg = blocks.guide_message(ctx.guide, reviewer_status=ctx.reviewer_status)
        await ack(response_type="ephemeral", **msg)
        return
    if word == "admin":
        from bot.admin import run_admin

        trigger = command.get("trigger_id")
        writes = rest.split()[:1] in (["watch"], ["unwatch"])
        if writes and isinstance(trigger, str) and trigger:
            # a signed request replayed within the signature's 5 minutes must not apply the
            # change again (review commands are deduplicated by their job key the same way)
            try:
                first = await off_loop(ctx.store.claim, f"admin:{trigger}")
            except JournalUnavailable:
                first = True  # run_admin meets the same database and says so
            if not first:
                note = "This admin command was already applied; nothing changed."
                await ack(response_type="ephemeral", **blocks.notice_message(note))
                return
        answer = await run_admin(rest, _user(command), ctx)
        await ack(response_type="ephemeral", **answer)
        return
    if word == "stats":
        await _stats(ack, command, rest, ctx)
        return
    profile: str | None = None
    draft = text
    if word == "profile":
        pname, _, draft = rest.strip().partition(" ")
        profiles = getattr(ctx.guide, "profiles", {}) or {}
        if not pname or not draft.strip():
            await ack(
                response_type="ephemeral",
                text=f"Usage: {blocks.escape(name)} profile &lt;name&gt; &lt;draft&gt;. Profiles: "
                + (", ".join(blocks.escape(p) for p in sorted(profiles)) or "none defined"),
            )
            return
        if pname not in profiles:
            close = difflib.get_close_matches(pname.lower(), sorted(profiles), n=1, cutoff=0.6)
            hint = f" Did you mean {blocks.escape(close[0])!r}?" if close else ""
            await ack(
                response_type="ephemeral",
                text=f"Unknown profile {blocks.escape(pname[:60])!r}.{hint} Profiles: "
                + (", ".join(blocks.escape(p) for p in sorted(profiles)) or "none defined"),
            )
            return
        profile = pname
    trigger = command.get("trigger_id") or f"{command.get('user_id')}:{command.get('channel_id')}"
    payload = {
        "text": draft,
        "profile": profile,
        "response_url": command.get("response_url"),
        "channel": command.get("channel_id"),
        "channel_name": command.get("channel_name"),
        "user": command.get("user_id"),
        "source": "slash",
    }
    result = await ctx.submit_review(f"cmd:{trigger}", "ephemeral", payload)
    if result is Submit.FULL:
        await ack(response_type="ephemeral", **blocks.busy_message())
        return
    await ack()


def _user(command: dict[str, Any]) -> str | None:
    user = command.get("user_id")
    return user if isinstance(user, str) and re.fullmatch(r"[UW][A-Z0-9]{2,20}", user) else None


async def _stats(ack: Ack, command: dict[str, Any], rest: str, ctx: BotContext) -> None:
    from bot.stats import StatsRequest, parse_stats_args

    user = _user(command)
    req = parse_stats_args(rest)
    if isinstance(req, StatsRequest) and req.channel_name is not None:
        from bot.admin import resolve_channel_name

        resolved = await resolve_channel_name(ctx, req.channel_name)
        if isinstance(resolved, dict):
            await ack(response_type="ephemeral", **resolved)
            return
        req = dataclasses.replace(req, channel=resolved, channel_name=None)
    if isinstance(req, str) or user is None:
        text = req if isinstance(req, str) else "I could not tell who asked."
        await ack(response_type="ephemeral", **blocks.notice_message(blocks.escape(text)))
        return
    trigger = command.get("trigger_id") or f"{user}:{command.get('channel_id')}:{rest}"
    payload = {
        "user": user,
        "channel_arg": req.channel,
        "author_arg": req.author,
        "days": req.days,
        "response_url": command.get("response_url"),
        "channel": command.get("channel_id"),
    }
    if await ctx.submit_review(f"stats:{trigger}", "stats", payload) is Submit.FULL:
        await ack(response_type="ephemeral", **blocks.busy_message())
        return
    await ack(
        response_type="ephemeral",
        text=":bar_chart: Working on it: I will send the stats and a chart to you in a DM.",
    )
