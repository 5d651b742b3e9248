"""Pure builders of payloads shaped like Slack's (Events API, slash commands, interactivity).

Shapes follow api.slack.com's event pages and ``<shared>/specs/slack/events-api/``. Every builder
takes explicit values; ``FakeSlack`` has methods that fill in its own team, bot and response_url.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any

JSON = dict[str, Any]

_ts_lock = threading.Lock()
_last_us = 0
_event_ids = itertools.count(1)


def new_ts() -> str:
    """A fresh, strictly increasing Slack timestamp (``"1700000000.000100"``)."""
    global _last_us
    with _ts_lock:
        now = max(time.time_ns() // 1000, _last_us + 1)  # integer microseconds: no float rounding
        _last_us = now
        return f"{now // 1_000_000}.{now % 1_000_000:06d}"


# a per-process prefix: a bot that keeps its journal between runs of the fake must not take a
# new run's first event for a retry of the last run's (Slack's event ids never repeat)
_RUN = uuid.uuid4().hex[:6].upper()


def new_event_id() -> str:
    return f"Ev{_RUN}{next(_event_ids):08d}FAKE"


def new_trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:32]}"


def message(
    channel: str,
    text: str,
    *,
    user: str = "U0AUTHOR",
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    blocks: list[JSON] | None = None,
    files: list[JSON] | None = None,
    subtype: str | None = None,
    channel_type: str = "channel",
    team: str = "T0FAKETEAM",
) -> JSON:
    """A ``message`` event from a person (top level or, with ``thread_ts``, a thread reply)."""
    ts = ts or new_ts()
    ev: JSON = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team,
        "client_msg_id": str(uuid.uuid4()),
    }
    if subtype:
        ev["subtype"] = subtype
    if blocks is not None:
        ev["blocks"] = blocks
    if files is not None:
        ev["files"] = files
        ev["upload"] = False
        ev["display_as_bot"] = False
    if thread_ts and thread_ts != ts:
        ev["thread_ts"] = thread_ts
        ev["parent_user_id"] = parent_user_id or user
    return ev


def bot_message(
    channel: str,
    text: str,
    *,
    bot_id: str = "B0OTHERBOT",
    username: str = "otherbot",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> JSON:
    """A ``message`` event with subtype ``bot_message`` (another integration posting)."""
    ts = ts or new_ts()
    ev: JSON = {
        "type": "message",
        "subtype": "bot_message",
        "channel": channel,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "bot_id": bot_id,
        "username": username,
        "channel_type": channel_type,
    }
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def message_changed(
    channel: str,
    new_message: JSON,
    previous_message: JSON,
    *,
    channel_type: str = "channel",
) -> JSON:
    """``message_changed``: ``message`` is the edited message, ``ts`` is the event's own."""
    ts = new_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "message": new_message,
        "previous_message": previous_message,
    }


def message_deleted(
    channel: str, deleted_ts: str, previous_message: JSON, *, channel_type: str = "channel"
) -> JSON:
    ts = new_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "deleted_ts": deleted_ts,
        "channel_type": channel_type,
        "previous_message": previous_message,
    }


def file_share(
    channel: str,
    files: list[JSON],
    *,
    text: str = "",
    user: str = "U0AUTHOR",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> JSON:
    """A ``message`` event with subtype ``file_share`` carrying the uploaded file objects."""
    return message(
        channel,
        text,
        user=user,
        ts=ts,
        thread_ts=thread_ts,
        files=files,
        subtype="file_share",
        channel_type=channel_type,
    )


def thread_broadcast(
    channel: str, text: str, thread_ts: str, root: JSON, *, user: str = "U0AUTHOR"
) -> JSON:
    ev = message(channel, text, user=user, thread_ts=thread_ts, subtype="thread_broadcast")
    ev["root"] = root
    return ev


def channel_join(channel: str, user: str, *, inviter: str | None = None) -> JSON:
    ev = message(channel, f"<@{user}> has joined the channel", user=user, subtype="channel_join")
    if inviter:
        ev["inviter"] = inviter
    return ev


def app_mention(
    channel: str,
    text: str,
    *,
    user: str = "U0AUTHOR",
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = "T0FAKETEAM",
) -> JSON:
    ts = ts or new_ts()
    ev: JSON = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": team,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts and thread_ts != ts:
        ev["thread_ts"] = thread_ts
    return ev


def reaction_added(
    channel: str, ts: str, reaction: str, *, user: str = "U0REACTOR", item_user: str | None = None
) -> JSON:
    ev: JSON = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": new_ts(),
    }
    if item_user:
        ev["item_user"] = item_user
    return ev


def reaction_removed(
    channel: str, ts: str, reaction: str, *, user: str = "U0REACTOR", item_user: str | None = None
) -> JSON:
    ev = reaction_added(channel, ts, reaction, user=user, item_user=item_user)
    ev["type"] = "reaction_removed"
    return ev


def file_shared(file_id: str, *, user: str = "U0AUTHOR", channel: str = "C0GENERAL") -> JSON:
    return {
        "type": "file_shared",
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "channel_id": channel,
        "event_ts": new_ts(),
    }


def event_callback(
    event: JSON,
    *,
    team_id: str = "T0FAKETEAM",
    api_app_id: str = "A0FAKEAPP",
    bot_user_id: str = "U0FAKEBOT",
    event_id: str | None = None,
    event_time: int | None = None,
) -> JSON:
    """The ``event_callback`` wrapper (``authed_users`` kept: the wrapper schema requires it)."""
    return {
        "token": "fake-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authed_users": [bot_user_id],
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def url_verification(challenge: str = "fake-challenge") -> JSON:
    return {"token": "fake-verification-token", "challenge": challenge, "type": "url_verification"}


def slash_command(
    text: str,
    *,
    command: str = "/brandcheck",
    user: str = "U0AUTHOR",
    user_name: str = "author",
    channel: str = "C0GENERAL",
    channel_name: str = "general",
    response_url: str,
    team_id: str = "T0FAKETEAM",
    team_domain: str = "fake",
    api_app_id: str = "A0FAKEAPP",
    trigger_id: str | None = None,
) -> dict[str, str]:
    """Slash command fields (form-encoded in HTTP mode, a JSON object in Socket Mode)."""
    return {
        "token": "fake-verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def _user(user: str, team_id: str) -> JSON:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id}


def message_shortcut(
    message_obj: JSON,
    channel: str,
    *,
    callback_id: str = "check_brand_voice",
    user: str = "U0AUTHOR",
    channel_name: str = "general",
    response_url: str,
    team_id: str = "T0FAKETEAM",
    team_domain: str = "fake",
    trigger_id: str | None = None,
) -> JSON:
    """A ``message_action`` (message shortcut) payload on ``message_obj``."""
    return {
        "type": "message_action",
        "token": "fake-verification-token",
        "action_ts": new_ts(),
        "team": {"id": team_id, "domain": team_domain},
        "user": _user(user, team_id),
        "channel": {"id": channel, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": message_obj["ts"],
        "message": message_obj,
    }


def block_actions(
    action_id: str,
    *,
    value: str = "",
    block_id: str = "b",
    user: str = "U0AUTHOR",
    channel: str | None = None,
    message_obj: JSON | None = None,
    response_url: str | None = None,
    team_id: str = "T0FAKETEAM",
    team_domain: str = "fake",
    api_app_id: str = "A0FAKEAPP",
    trigger_id: str | None = None,
) -> JSON:
    """A ``block_actions`` payload for a button click in a message (or in Home when no channel)."""
    payload: JSON = {
        "type": "block_actions",
        "user": _user(user, team_id),
        "api_app_id": api_app_id,
        "token": "fake-verification-token",
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": new_ts(),
            }
        ],
    }
    if channel is not None:
        payload["channel"] = {"id": channel, "name": channel.lower()}
        payload["container"] = {
            "type": "message",
            "message_ts": message_obj["ts"] if message_obj else new_ts(),
            "channel_id": channel,
            "is_ephemeral": False,
        }
        if message_obj is not None:
            payload["message"] = message_obj
        if response_url is not None:
            payload["response_url"] = response_url
    else:
        payload["container"] = {"type": "view", "view_id": "V0FAKEVIEW"}
    return payload
