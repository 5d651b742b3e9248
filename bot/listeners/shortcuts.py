"""The message shortcut "Check brand voice": a private review for whoever asked."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.jobs import Submit

CALLBACK_ID = "check_brand_voice"
Ack = Callable[..., Awaitable[None]]


def register(app: AsyncApp, ctx: BotContext) -> None:
    async def check_brand_voice(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await handle_shortcut(body, ctx)

    async def any_other(ack: Ack) -> None:
        await ack()

    app.shortcut(CALLBACK_ID)(check_brand_voice)
    app.shortcut(re.compile(r".*"))(any_other)
    app.view(re.compile(r".*"))(any_other)
    app.view_closed(re.compile(r".*"))(any_other)
    app.options(re.compile(r".*"))(any_other)


async def handle_shortcut(body: dict[str, Any], ctx: BotContext) -> None:
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    user = (body.get("user") or {}).get("id")
    response_url = body.get("response_url")
    payload: dict[str, Any] = {
        "response_url": response_url,
        "channel": channel,
        "channel_name": (body.get("channel") or {}).get("name"),
        "user": user,
        "source": "shortcut",
    }
    text = str(message.get("text") or "").strip()
    if ctx.is_bot_author(message) or not text:
        reason = (
            "I only review messages written by people."
            if text
            else "That message has no text to review (for files, react or mention me)."
        )
        payload |= {"notice": reason}
        if response_url:
            ctx.spawn(_notice(ctx, str(response_url), reason))
        return
    payload |= {"text": text, "title": "Brand check (only you can see this)"}
    trigger = body.get("trigger_id") or f"{user}:{channel}:{message.get('ts')}"
    full = await ctx.submit_review(f"shortcut:{trigger}", "ephemeral", payload) is Submit.FULL
    if full and response_url:
        ctx.spawn(ctx.notify_busy_response_url(str(response_url)))


async def _notice(ctx: BotContext, response_url: str, text: str) -> None:
    from bot.clients import webhook

    with contextlib.suppress(Exception):  # best effort
        await webhook(response_url, extra_hosts=ctx.webhook_hosts).send(
            text=text, response_type="ephemeral"
        )
