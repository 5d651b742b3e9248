"""Helpers for the issue-13 end-to-end tests: clicking brandbot's buttons and menus as Slack
would (``block_actions`` payloads from the real message), reading the controls back."""

from __future__ import annotations

import copy
from typing import Any

from fakeslack import payloads


def actions_block(msg: dict[str, Any]) -> dict[str, Any] | None:
    for b in msg.get("blocks") or []:
        if b.get("type") == "actions":
            return dict(b)
    return None


def element(msg: dict[str, Any], action_id: str) -> dict[str, Any]:
    block = actions_block(msg)
    assert block is not None, f"no actions block in {msg.get('text')!r}"
    for e in block["elements"]:
        if e["action_id"] == action_id:
            return dict(e)
    raise AssertionError(f"no {action_id} in {[e['action_id'] for e in block['elements']]}")


async def click(
    fake: Any,
    msg: dict[str, Any],
    action_id: str,
    *,
    user: str,
    value: str | None = None,
    selected: str | None = None,
    block_id: str | None = None,
) -> Any:
    """Click a button (or pick ``selected`` in a menu) of ``msg`` as ``user``; the delivery."""
    channel = msg["channel"]
    block = actions_block(msg)
    ids = [e["action_id"] for e in (block or {}).get("elements", [])]
    elem = element(msg, action_id) if action_id in ids else {"type": "button"}
    url = fake.new_response_url(channel)
    payload = payloads.block_actions(
        action_id,
        value=value if value is not None else str(elem.get("value", "")),
        block_id=block_id if block_id is not None else str((block or {}).get("block_id", "b")),
        user=user,
        channel=channel,
        message_obj=copy.deepcopy(fake.get_message(channel, msg["ts"]) or msg),
        response_url=url,
        team_id=fake.team_id,
        team_domain=fake.team_domain,
        api_app_id=fake.api_app_id,
    )
    action = payload["actions"][0]
    if elem.get("type") == "static_select":
        action["type"] = "static_select"
        action.pop("value", None)
        action.pop("text", None)
        options = {o["value"]: o for o in elem["options"]}
        chosen = options.get(str(selected)) or {
            "value": str(selected),
            "text": {"type": "plain_text", "text": "?"},
        }
        action["selected_option"] = chosen
    d = await fake.send_envelope("interactive", payload, response_url=url)
    d.response_url = url
    return d


def ephemeral_texts(fake: Any, d: Any) -> str:
    return "\n".join(str(p.body.get("text", "")) for p in fake.responses_for(d.response_url))
