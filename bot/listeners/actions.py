"""Block actions: buttons in brandbot's messages. Every action is acknowledged."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.workflows import BotContext

log = logging.getLogger(__name__)
Ack = Callable[..., Awaitable[None]]


def register(app: AsyncApp, ctx: BotContext) -> None:
    async def any_action(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        actions = body.get("actions") or []
        ids = [a.get("action_id") for a in actions if isinstance(a, dict)]
        log.debug("action(s) %s acknowledged", ids)

    app.action(re.compile(r".*"))(any_action)
