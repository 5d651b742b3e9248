"""End-to-end scenarios shared by the Socket Mode and HTTP mode suites.

Each takes a started ``botkit.Harness`` (the real app against the local Slack) and asserts what a
user would see in Slack: replies, updates, reactions, ephemeral answers, alerts, and that every
delivery was acknowledged.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import docx
from botkit import BAD, FIXED, GOOD, Harness

DRAFTS = "C0DRAFTS"  # watched
GENERAL = "C0GENERAL"  # not watched
MANAGER = "U0MANAGER"
ALERTS = "C0ALERTS"

Scenario = Callable[[Harness], Awaitable[None]]


def all_text(msg: dict[str, Any]) -> str:
    parts = [str(msg.get("text") or "")]
    for b in msg.get("blocks") or []:
        if isinstance(b.get("text"), dict):
            parts.append(b["text"].get("text", ""))
        parts += [f.get("text", "") for f in b.get("fields", [])]
        for e in b.get("elements", []):
            text = e.get("text", "") if isinstance(e, dict) else ""
            # buttons carry plain_text objects; mrkdwn context elements carry strings
            parts.append(text.get("text", "") if isinstance(text, dict) else str(text))
    return "\n".join(parts)


def ours(h: Harness, channel: str | None = None) -> list[dict[str, Any]]:
    """Every message the bot posted (top level and in threads)."""
    fake = h.fake
    channels = [channel] if channel else list(fake.messages)
    msgs = [m for ch in channels for m in fake.messages.get(ch, [])]
    return [m for m in msgs if m.get("bot_id") == fake.bot_id]


def alert_posts(h: Harness) -> list[dict[str, Any]]:
    return [
        c.params
        for c in h.fake.calls_to("chat.postMessage")
        if c.status == 200 and "Brand alert" in str(c.params.get("text", ""))
    ]


async def acked(d: Any) -> Any:
    await d.wait_acked(timeout=5)
    assert d.acked, d
    if d.status is not None:
        assert d.status == 200, d.status
    return d


async def slash_command(h: Harness) -> None:
    fake = h.fake
    d = await acked(await fake.send_command(BAD, channel=GENERAL))
    assert d.ack_latency < 1.0
    await fake.wait_for_response_posts(1)
    [post] = fake.responses_for(d.response_url)
    assert post.response_type == "ephemeral"
    text = all_text(post.body)
    assert "/100" in text and "“synergy”" in text and "“leverage”" in text
    assert fake.channel_messages(GENERAL) == []  # nothing public

    # help and guide are answered in the ack itself
    d = await acked(await fake.send_command("help"))
    assert "profile &lt;name&gt; &lt;draft&gt;" in all_text(d.ack.payload)
    d = await acked(await fake.send_command(""))
    assert "Usage" in all_text(d.ack.payload)
    d = await acked(await fake.send_command("guide"))
    assert "Brand guide" in all_text(d.ack.payload)
    # profile
    d = await acked(await fake.send_command(f"profile social {BAD}"))
    await fake.wait_for_response_posts(2)
    assert "social" in all_text(fake.responses_for(d.response_url)[0].body)
    d = await acked(await fake.send_command(f"profile nope {BAD}"))
    assert "Unknown profile" in all_text(d.ack.payload)


async def shortcut(h: Harness) -> None:
    fake = h.fake
    ev = fake.post_as_user(GENERAL, BAD)
    d = await acked(await fake.send_shortcut(ev["ts"], GENERAL, user="U0ASKER"))
    await fake.wait_for_response_posts(1)
    [post] = fake.responses_for(d.response_url)
    assert post.response_type == "ephemeral" and "“synergy”" in all_text(post.body)
    assert ours(h, GENERAL) == []  # only the asker saw it


async def watched_draft_edit_and_delete(h: Harness) -> None:
    fake = h.fake
    ev = fake.post_as_user(DRAFTS, BAD)
    await acked(await fake.send_event(ev))
    [reply] = await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"])
    assert "“synergy”" in all_text(reply)
    await fake.wait_for(lambda: "warning" in fake.reactions_on(DRAFTS, ev["ts"]))

    # the edit updates the same reply in place with the change and the fixed findings
    edit = fake.edit_as_user(DRAFTS, ev["ts"], FIXED)
    await acked(await fake.send_event(edit))
    await fake.wait_for(lambda: [u for u in fake.updates if u["ts"] == reply["ts"]])
    assert len(fake.thread_replies(DRAFTS, ev["ts"])) == 1
    updated = fake.get_message(DRAFTS, reply["ts"])
    assert updated is not None
    text = all_text(updated)
    assert "since the last version" in text and "Fixed" in text and "“synergy”" in text
    # verdict changed: the needs-work reaction is swapped for the pass reaction
    await fake.wait_for(lambda: "white_check_mark" in fake.reactions_on(DRAFTS, ev["ts"]))
    assert "warning" not in fake.reactions_on(DRAFTS, ev["ts"])

    # an unchanged "edit" (thread reply count, unfurl) does not re-review
    n_updates = len(fake.updates)
    # deletion leaves a short note instead of the review
    gone = fake.delete_as_user(DRAFTS, ev["ts"])
    await acked(await fake.send_event(gone))
    await fake.wait_for(lambda: len(fake.updates) > n_updates)
    await h.idle()
    assert "deleted" in all_text(fake.updates[-1]).lower()


async def short_and_thread_messages_ignored(h: Harness) -> None:
    fake = h.fake
    short = fake.post_as_user(DRAFTS, "ok thanks")
    parent = fake.post_as_user(DRAFTS, GOOD)
    reply = fake.post_as_user(DRAFTS, BAD, thread_ts=parent["ts"])
    elsewhere = fake.post_as_user(GENERAL, BAD)
    for ev in (short, reply, elsewhere):
        await acked(await fake.send_event(ev))
    await acked(await fake.send_event(parent))
    await fake.wait_for_messages(DRAFTS, 1, thread_ts=parent["ts"])
    await h.idle()
    assert len(ours(h)) == 1, [(m.get("thread_ts"), m["text"][:80]) for m in ours(h)]


async def uploaded_files(h: Harness) -> None:
    fake = h.fake
    document = docx.Document()
    document.add_paragraph(BAD)
    buf = io.BytesIO()
    document.save(buf)
    ev = fake.upload_as_user(DRAFTS, "launch.docx", buf.getvalue(), text="")
    await acked(await fake.send_event(ev))
    [reply] = await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"])
    assert "launch.docx" in all_text(reply) and "“synergy”" in all_text(reply)
    assert all(d.authorized for d in fake.downloads)

    md = fake.upload_as_user(DRAFTS, "post.md", GOOD.encode(), text="")
    await acked(await fake.send_event(md))
    await fake.wait_for_messages(DRAFTS, 1, thread_ts=md["ts"])

    # a login page (missing files:read) is reported as a permissions problem
    login = fake.upload_as_user(DRAFTS, "secret.txt", b"text", text="", download="login_page")
    await acked(await fake.send_event(login))
    [problem] = await fake.wait_for_messages(DRAFTS, 1, thread_ts=login["ts"])
    assert "files:read" in all_text(problem)

    # a redirect to another host is followed without the token
    redirected = fake.upload_as_user(DRAFTS, "moved.txt", GOOD.encode(), download="redirect")
    await acked(await fake.send_event(redirected))
    [moved] = await fake.wait_for_messages(DRAFTS, 1, thread_ts=redirected["ts"])
    assert "not a Slack file host" in all_text(moved)
    other = [d for d in fake.downloads if d.file_id and "redirected" in d.path]
    assert all("Authorization" not in d.headers for d in other)

    # unsupported types are ignored, never downloaded
    before = len(fake.downloads)
    exe = fake.upload_as_user(DRAFTS, "tool.exe", b"MZ\x00\x00", text="")
    await acked(await fake.send_event(exe))
    await h.idle()
    assert len(fake.downloads) == before
    assert fake.thread_replies(DRAFTS, exe["ts"]) == []


async def mention_in_thread(h: Harness) -> None:
    fake = h.fake
    parent = fake.post_as_user(GENERAL, BAD)
    ask = fake.post_as_user(
        GENERAL,
        f"<@{fake.bot_user_id}> can you check this?",
        thread_ts=parent["ts"],
        user="U0ASKER",
    )
    await acked(await fake.send_event(ask))
    await acked(await fake.send_event(fake.app_mention_for(ask)))
    [reply] = await fake.wait_for_messages(GENERAL, 1, thread_ts=parent["ts"])
    assert "“synergy”" in all_text(reply)
    # top-level mention: the message itself is the draft
    top = fake.post_as_user(GENERAL, f"<@{fake.bot_user_id}> {BAD}")
    await acked(await fake.send_event(fake.app_mention_for(top)))
    await fake.wait_for_messages(GENERAL, 1, thread_ts=top["ts"])


async def review_reaction(h: Harness) -> None:
    fake = h.fake
    ev = fake.post_as_user(GENERAL, BAD)
    other = fake.react_as_user(GENERAL, ev["ts"], "thumbsup")
    await acked(await fake.send_event(other))
    react = fake.react_as_user(GENERAL, ev["ts"], h.settings.review_reaction)
    await acked(await fake.send_event(react))
    [reply] = await fake.wait_for_messages(GENERAL, 1, thread_ts=ev["ts"])
    assert "“synergy”" in all_text(reply)
    # a second person adding the reaction does not produce a second reply
    again = fake.react_as_user(GENERAL, ev["ts"], h.settings.review_reaction, user="U0OTHER")
    await acked(await fake.send_event(again))
    await h.idle()
    assert len(fake.thread_replies(GENERAL, ev["ts"])) == 1


async def manager_alert(h: Harness) -> None:
    fake = h.fake
    ev = fake.post_as_user(DRAFTS, BAD, user="U0AUTHOR")
    d = await acked(await fake.send_event(ev))
    await fake.wait_for(lambda: len(alert_posts(h)) == 2)  # the manager's DM + the channel
    posts = alert_posts(h)
    assert {p["channel"] for p in posts} >= {ALERTS}
    assert fake.calls_to("conversations.open")
    text = all_text(posts[0])
    assert "<@U0AUTHOR>" in text and f"<#{DRAFTS}>" in text and "/100" in text
    assert "synergy" in text and fake.calls_to("chat.getPermalink")
    assert "http" in posts[0]["text"]  # the permalink
    # a retried delivery never alerts twice; a good draft never alerts
    await acked(await fake.redeliver(d))
    good = fake.post_as_user(DRAFTS, GOOD)
    await acked(await fake.send_event(good))
    await fake.wait_for_messages(DRAFTS, 1, thread_ts=good["ts"])
    await h.idle()
    assert len(alert_posts(h)) == 2


async def bot_messages_ignored(h: Harness) -> None:
    fake = h.fake
    other = fake.post_as_bot(DRAFTS, BAD)
    await acked(await fake.send_event(other))
    own = fake.post_as_user(DRAFTS, BAD, user=fake.bot_user_id)
    await acked(await fake.send_event(own))
    react = fake.react_as_user(DRAFTS, other["ts"], h.settings.review_reaction)
    await acked(await fake.send_event(react))
    await h.idle()
    assert ours(h) == []
    assert fake.calls_to("chat.postMessage") == []


async def retried_event(h: Harness) -> None:
    fake = h.fake
    ev = fake.post_as_user(DRAFTS, BAD)
    d = await acked(await fake.send_event(ev))
    await acked(await fake.redeliver(d))
    await acked(await fake.redeliver(d, retry_reason="http_error"))
    await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"])
    await h.idle()
    assert len(fake.thread_replies(DRAFTS, ev["ts"])) == 1
    assert len(alert_posts(h)) == 2


async def rate_limit_storm(h: Harness) -> None:
    fake = h.fake
    fake.rate_limit("chat.postMessage", times=12, retry_after=1)
    fake.rate_limit("reactions.add", times=6, retry_after=1)
    events = [fake.post_as_user(DRAFTS, f"{GOOD} Draft number {i}.") for i in range(8)]
    for ev in events:
        await acked(await fake.send_event(ev))
    for ev in events:
        await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"], timeout=20)
    await h.idle(20)
    assert fake.counters["rate_limited"] >= 12
    assert all(len(fake.thread_replies(DRAFTS, ev["ts"])) == 1 for ev in events)


async def fuzzed_payloads(h: Harness) -> None:
    fake = h.fake
    rng = random.Random(4)
    junk: list[Any] = [
        {},
        {"type": "event_callback"},
        {"type": "event_callback", "event_id": "EvFUZZ0", "event": None},
        {"type": "event_callback", "event_id": "EvFUZZ1", "event": {"type": "message"}},
        {"type": "event_callback", "event": {"type": "message", "channel": DRAFTS, "ts": 5}},
        {
            "type": "event_callback",
            "event": {
                "type": "message",
                "subtype": "message_changed",
                "channel": DRAFTS,
                "message": "x",
            },
        },
        {"type": "event_callback", "event": {"type": "reaction_added", "item": [1, 2]}},
        {
            "type": "event_callback",
            "event": {"type": "app_mention", "channel": DRAFTS, "ts": "1.2", "text": None},
        },
        {
            "type": "event_callback",
            "event": {
                "type": "message",
                "channel": DRAFTS,
                "ts": "9.9",
                "files": "nope",
                "text": BAD,
            },
        },
        {"type": "block_actions", "actions": "nope"},
        {"type": "message_action", "callback_id": "check_brand_voice"},
        {"type": "shortcut", "callback_id": "unknown"},
        {"type": "view_submission", "view": {}},
        {"type": "totally_new_type", "x": [1, {"y": None}]},
        {"type": "event_callback", "event_id": 7, "event": [1, 2, 3]},
        {"type": "event_callback", "event": "just a string"},
    ]
    for _ in range(20):
        ev = {
            "type": rng.choice(["message", "app_mention", "reaction_added", "file_shared", "x"]),
            "subtype": rng.choice(
                [
                    None,
                    "bot_message",
                    "message_changed",
                    "message_deleted",
                    "channel_join",
                    "tombstone",
                    "weird",
                ]
            ),
            "channel": rng.choice([DRAFTS, GENERAL, None, 42]),
            "ts": rng.choice(["1.000001", None, "", 3.5]),
            "text": rng.choice([BAD, "", None, "<@U0FAKEBOT>", "x" * 5000]),
            "user": rng.choice(["U0AUTHOR", None, {"id": 1}]),
            "message": rng.choice([None, {}, {"text": BAD, "ts": "1.1"}, "str"]),
            "item": rng.choice([None, {"type": "message", "channel": DRAFTS, "ts": "1.1"}]),
            "reaction": rng.choice(["mag", "eyes", None]),
        }
        junk.append({"type": "event_callback", "event_id": f"EvR{rng.random()}", "event": ev})
    kinds = {
        "event_callback": "events_api",
        "block_actions": "interactive",
        "message_action": "interactive",
        "shortcut": "interactive",
        "view_submission": "interactive",
    }
    deliveries = []
    for payload in junk:
        kind = kinds.get(str(payload.get("type")), "events_api")
        deliveries.append(await fake.send_envelope(kind, payload))
    for d in deliveries:
        await d.wait_acked(timeout=5)
        assert d.acked, d
        if d.status is not None:
            assert d.status < 500, (d.status, d.payload)
    # still alive and reviewing
    ev = fake.post_as_user(DRAFTS, GOOD)
    await acked(await fake.send_event(ev))
    await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"])
    fake.check_violations_on_exit = False  # junk may legitimately reach the Web API checks
    assert not [v for v in fake.violations if v.kind in ("auth", "block_kit", "unknown_method")]


async def restart_mid_burst(h: Harness) -> None:
    """Stop the app while jobs are queued, start a new one on the same SQLite: every draft gets
    exactly one reply."""
    fake = h.fake
    events = [fake.post_as_user(DRAFTS, f"{BAD} Version {i}.") for i in range(24)]
    for ev in events:
        await acked(await fake.send_event(ev))
    await fake.wait_for(lambda: len(ours(h, DRAFTS)) >= 3, timeout=10)
    await h.stop(grace_s=2.0)
    done_before = len({m.get("thread_ts") for m in ours(h, DRAFTS)})
    assert done_before < len(events), "the burst finished before the restart; slow the reviewer"
    await h.start()
    for ev in events:
        await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"], timeout=20)
    await h.idle(20)
    for ev in events:
        assert len(fake.thread_replies(DRAFTS, ev["ts"])) == 1, ev["ts"]
    # one alert per draft version, none doubled by the restart
    channel_alerts = [p for p in alert_posts(h) if p["channel"] == ALERTS]
    assert len(channel_alerts) == len(events)


def summary(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    return {
        "n": len(v),
        "p50_ms": 1000 * v[len(v) // 2],
        "p99_ms": 1000 * v[min(len(v) - 1, round(0.99 * (len(v) - 1)))],
        "max_ms": 1000 * v[-1],
    }


async def ack_latency_burst(h: Harness) -> dict[str, float]:
    """50 drafts at once while slash commands keep coming: time to acknowledge each."""
    import asyncio

    fake = h.fake
    events = [fake.post_as_user(DRAFTS, f"{BAD} Burst draft {i}.") for i in range(50)]
    burst = await asyncio.gather(*(fake.send_event(ev) for ev in events))
    # slash commands keep coming while the burst is reviewed
    commands = []
    for i in range(20):
        commands.append(await fake.send_command(f"{BAD} command {i}"))
        await asyncio.sleep(0.02)
    for d in [*burst, *commands]:
        await d.wait_acked(timeout=10)
    in_flight = h.bot.reviews.stats.done < len(events)
    for ev in events:
        await fake.wait_for_messages(DRAFTS, 1, thread_ts=ev["ts"], timeout=30)
    await h.idle(30)
    stats = {
        "burst": summary([d.ack_latency for d in burst]),
        "commands_during_burst": summary([d.ack_latency for d in commands]),
        "all": summary([d.ack_latency for d in [*burst, *commands]]),
        "reviews_still_running_when_commands_acked": in_flight,
    }
    print(f"\nack latency, 50-draft burst + 20 commands ({h.mode}): {json.dumps(stats)}")
    return stats["all"]


COMMON: list[Scenario] = [
    slash_command,
    shortcut,
    watched_draft_edit_and_delete,
    short_and_thread_messages_ignored,
    uploaded_files,
    mention_in_thread,
    review_reaction,
    manager_alert,
    bot_messages_ignored,
    retried_event,
    fuzzed_payloads,
]
