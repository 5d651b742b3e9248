"""Block actions: buttons and menus in brandbot's messages. Every action is acknowledged first.

The lifecycle controls (sign-off, votes, accepting a guide suggestion) are journalled as jobs
and handled by the workers (database reads, Slack calls): the acknowledgement never waits for
them. Anything else (an unknown action id, a payload of the wrong shape) is acknowledged and
dropped. What a button says is never trusted: the handlers check it against the database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.jobs import Submit
from bot.lifecycle_blocks import (
    ACCEPT_SUGGESTION,
    APPROVE,
    REQUEST_CHANGES,
    VOTE_DISMISS,
    VOTE_HELPFUL,
)

log = logging.getLogger(__name__)
Ack = Callable[..., Awaitable[None]]

_JOB_KINDS = {
    APPROVE: "signoff",
    REQUEST_CHANGES: "signoff",
    VOTE_DISMISS: "vote",
    VOTE_HELPFUL: "vote",
    ACCEPT_SUGGESTION: "accept",
}
_ID_RE = re.compile(r"^[A-Z0-9]{2,40}$")
_TS_RE = re.compile(r"^\d{1,12}\.\d{1,9}$")
MAX_VALUE = 2000


def _str(value: object, limit: int = MAX_VALUE) -> str | None:
    return value if isinstance(value, str) and len(value) <= limit else None


def action_payload(body: Mapping[str, Any], action: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a lifecycle job needs from a ``block_actions`` delivery (None: not usable)."""
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, Mapping) else None
    if not isinstance(user_id, str) or not _ID_RE.fullmatch(user_id):
        return None
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, Mapping) else None
    container = body.get("container")
    message_ts = container.get("message_ts") if isinstance(container, Mapping) else None
    message = body.get("message")
    selected = action.get("selected_option")
    blocks = message.get("blocks") if isinstance(message, Mapping) else None
    url = body.get("response_url")
    return {
        "user": user_id,
        "action_id": action.get("action_id"),
        "value": _str(action.get("value")),
        "block_id": _str(action.get("block_id"), 255),
        "selected": _str(selected.get("value"), 150) if isinstance(selected, Mapping) else None,
        "channel": channel_id
        if isinstance(channel_id, str) and _ID_RE.fullmatch(channel_id)
        else None,
        "message_ts": message_ts
        if isinstance(message_ts, str) and _TS_RE.fullmatch(message_ts)
        else None,
        "message_blocks": blocks if isinstance(blocks, list) and len(blocks) <= 50 else None,
        "message_text": _str(message.get("text"), 4000) if isinstance(message, Mapping) else None,
        "response_url": url if isinstance(url, str) and len(url) <= 500 else None,
    }


def register(app: AsyncApp, ctx: BotContext) -> None:
    async def any_action(ack: Ack, body: dict[str, Any]) -> None:
        # journal first, then acknowledge: a click that could not be journalled is not acked
        await journal_actions(body, ctx)
        await ack()

    app.action(re.compile(r".*"))(any_action)


async def journal_actions(body: Mapping[str, Any], ctx: BotContext) -> None:
    """Journal a job per lifecycle action of the delivery (at most five)."""
    actions = body.get("actions") if isinstance(body, Mapping) else None
    if isinstance(actions, list):
        for action in actions[:5]:
            if not isinstance(action, Mapping):
                continue
            kind = _JOB_KINDS.get(str(action.get("action_id")))
            if kind is None:
                log.debug("action %r acknowledged", action.get("action_id"))
                continue
            payload = action_payload(body, action)
            if payload is None:
                log.info("action %s without a usable user: dropped", action.get("action_id"))
                continue
            stamp = _str(action.get("action_ts"), 40) or _str(body.get("trigger_id"), 100) or ""
            key = f"action:{kind}:{payload['user']}:{stamp}:{action.get('action_id')}"
            if await ctx.submit_review(key, kind, payload) is Submit.FULL:
                log.warning("queue full: action %s of %s dropped", kind, payload["user"])
