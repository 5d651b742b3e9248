"""``/brandcheck stats [#channel | @person] [--days N]``: insights over the review history as a
short text plus a chart (``bot.charts``), uploaded with ``files_upload_v2`` (alt text included)
to the asker's DM with the bot.

Who sees what: managers and admins see any channel or person; everyone else sees themselves
and the channels they are members of (``conversations.members``). The command only parses and
journals a ``stats`` job before its acknowledgement; the database reads, the chart and the
upload run in a worker, the reads and the rendering in threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import blocks, lifecycle_blocks
from bot.charts import chart_alt_text, render_chart
from bot.insights import MAX_DAYS, compute_insights, tone_targets
from bot.posting import api_error
from bot.uploads import upload_once

log = logging.getLogger(__name__)

DEFAULT_DAYS = 30
USAGE = "Usage: /brandcheck stats [#channel | @person] [--days N] (N from 1 to 366)"
_USER_RE = re.compile(r"^(?:<@([UW][A-Z0-9]{2,20})(?:\|[^>]{0,80})?>|([UW][A-Z0-9]{2,20}))$")
_CHANNEL_RE = re.compile(
    r"^(?:<#([CG][A-Z0-9]{2,20})(?:\|[^>]{0,80})?>|([CG][A-Z0-9]{2,20})|#([^\s,#<>@|&]{1,80}))$"
)
MAX_MEMBER_PAGES = 25


@dataclass(frozen=True)
class StatsRequest:
    channel: str | None = None
    author: str | None = None
    days: int = DEFAULT_DAYS
    channel_name: str | None = None  # ``#name`` typed by hand, resolved by the command


def parse_stats_args(text: str) -> StatsRequest | str:
    """The request, or a message saying what is wrong with ``text``."""
    words = text.split()
    channel = author = channel_name = None
    days = DEFAULT_DAYS
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("--days", "-d") or w.startswith("--days="):
            raw = w.split("=", 1)[1] if "=" in w else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if "=" in w else 2
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not (
                1 <= int(raw) <= MAX_DAYS
            ):
                return f"--days takes a whole number from 1 to {MAX_DAYS}. {USAGE}"
            days = int(raw)
            continue
        um, cm = _USER_RE.fullmatch(w), _CHANNEL_RE.fullmatch(w)
        if um and author is None and channel is None and channel_name is None:
            author = um.group(1) or um.group(2)
        elif cm and channel is None and channel_name is None and author is None:
            if cm.group(3):
                channel_name = "#" + cm.group(3).lower()
            else:
                channel = cm.group(1) or cm.group(2)
        elif w.startswith(("#", "@")):
            return (
                f"I could not tell which {'channel' if w.startswith('#') else 'person'} "
                f"{_shown(w)} is: pick it from Slack's suggestions so it becomes a link. {USAGE}"
            )
        else:
            return f"I do not understand {_shown(w)!r}. {USAGE}"
        i += 1
    return StatsRequest(channel=channel, author=author, days=days, channel_name=channel_name)


def _shown(word: str, limit: int = 60) -> str:
    """An argument quoted back to its author, cut short (4 kB of arguments make no
    3,000-character Block Kit section)."""
    return word if len(word) <= limit else word[: limit - 3] + "..."


def is_manager(settings: Any, user: str | None) -> bool:
    return bool(user) and (user in settings.manager_ids or user in settings.admin_ids)


async def is_member(client: Any, channel: str, user: str) -> bool:
    cursor = ""
    for _ in range(MAX_MEMBER_PAGES):
        resp = await client.conversations_members(channel=channel, cursor=cursor, limit=200)
        if user in (resp.get("members") or []):
            return True
        cursor = (resp.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return False
    return False


async def may_see(ctx: Any, user: str, req: StatsRequest) -> bool:
    if is_manager(ctx.settings, user):
        return True
    if req.author is not None:
        return req.author == user
    if req.channel is not None:
        try:
            return await is_member(ctx.client, req.channel, user)
        except SlackApiError as exc:
            log.info("conversations.members %s: %s", req.channel, api_error(exc))
            return False
    return True  # no argument: the asker's own reviews


async def upload_chart(
    ctx: Any,
    key: str,
    channel: str,
    png: bytes,
    *,
    title: str,
    alt: str,
    comment: str,
    thread_ts: str | None = None,
) -> str:
    """The chart as a file in ``channel`` with ``comment`` (escaped mrkdwn) and alt text,
    shared at most once per ``key`` (``bot.uploads.upload_once``); the file id."""
    return await upload_once(
        ctx.client,
        ctx.store,
        key=key,
        channel=channel,
        content=png,
        filename="brandbot-stats.png",
        title=title[:200],
        alt=alt[:1000],
        comment=blocks.message(comment, [])["text"],
        thread_ts=thread_ts,
    )


async def dm_channel(client: Any, user: str) -> str:
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])


def scope_title(req: StatsRequest, user: str) -> str:
    if req.channel:
        return f"Brand stats for <#{req.channel}>"
    if req.author and req.author != user:
        return f"Brand stats for <@{req.author}>"
    return "Your brand stats"


async def run_stats(ctx: Any, payload: Mapping[str, Any], *, job_key: str = "") -> None:
    """The ``stats`` job: check who may see what, compute, render, upload to the asker's DM."""
    user = str(payload.get("user") or "")
    req = StatsRequest(
        channel=payload.get("channel_arg"),
        author=payload.get("author_arg"),
        days=int(payload.get("days") or DEFAULT_DAYS),
    )
    if not await may_see(ctx, user, req):
        await ctx.answer_privately(
            payload,
            lifecycle_blocks.refusal(
                "Sorry, you can see stats for yourself and for channels you are a member of; "
                "managers can see every channel."
            ),
        )
        return
    author = req.author if (req.author or req.channel) else user
    ins = await asyncio.to_thread(
        compute_insights,
        ctx.history,
        ctx.votes,
        days=req.days,
        channel=req.channel,
        author=author,
        targets=tone_targets(ctx.guide),
    )
    title = scope_title(req, user)
    plain_title = re.sub(r"<[#@]([A-Z0-9]+)>", r"\1", title)
    if req.channel and ctx.channels is not None:
        name = await ctx.channels.name_of(req.channel, wait_s=2.0)
        if name:
            plain_title = f"Brand stats for #{name}"
    png = await asyncio.to_thread(render_chart, ins, plain_title)
    text = lifecycle_blocks.insights_text(ins, title)
    dm = await dm_channel(ctx.client, user)
    await upload_chart(
        ctx,
        f"{job_key or 'stats:' + user}:chart",
        dm,
        png,
        title=plain_title,
        alt=chart_alt_text(ins, plain_title),
        comment=text,
    )
