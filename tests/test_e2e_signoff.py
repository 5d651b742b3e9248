"""Sign-off end to end: Approve / Request changes on thread reviews and alerts, the refusal for
everyone else, stale and tampered buttons, and an edit re-opening the review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
from botkit import BAD, FIXED, FakeReviewer, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from lifecyclekit import click, element, ephemeral_texts

from bot.lifecycle_blocks import APPROVE, REQUEST_CHANGES, DraftRef

APPROVER = "U0APPROVER"


def reply_in(fake: Any, ts: str) -> dict[str, Any]:
    [reply] = fake.bot_messages(sc.DRAFTS, thread_ts=ts)[:1]
    return dict(reply, channel=sc.DRAFTS)


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_approve_request_changes_and_refusals(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    mode: str,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, mode, FakeReviewer(), BRANDBOT_APPROVER_IDS=APPROVER) as h:
        ctx = h.bot.ctx
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        reply = reply_in(fake, ev["ts"])
        ref = DraftRef.parse(element(reply, APPROVE)["value"])
        assert ref == DraftRef(sc.DRAFTS, ev["ts"], "", ev["ts"])
        # the alert carries the same buttons
        [alert] = [m for m in sc.ours(h, sc.ALERTS) if "Brand alert" in m["text"]]
        assert element(dict(alert, channel=sc.ALERTS), REQUEST_CHANGES)["value"] == ref.encode()

        # someone else: a polite ephemeral refusal, nothing recorded
        d = await sc.acked(await click(fake, reply, APPROVE, user="U0RANDOM"))
        assert d.ack_latency < 1.0
        await fake.wait_for_response_posts(1)
        assert "Only the brand approvers" in ephemeral_texts(fake, d)
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]) is None

        # the approver approves on the thread reply
        updates = len(fake.updates)
        d = await sc.acked(await click(fake, reply, APPROVE, user=APPROVER))
        await h.idle()
        decided = ctx.signoffs.get(sc.DRAFTS, ev["ts"])
        assert decided is not None
        assert (decided.decision, decided.decided_by, decided.version, decided.author) == (
            "approved",
            APPROVER,
            ev["ts"],
            "U0AUTHOR",
        )
        update = fake.updates[updates]
        assert update["ts"] == reply["ts"]
        assert f"*Approved* by <@{APPROVER}>" in sc.all_text(update)
        assert any(b.get("type") == "actions" for b in update["blocks"])  # still decidable
        notices = [m for m in fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"]) if m is not None]
        assert any(
            "<@U0AUTHOR>" in m["text"] and "approved this draft" in m["text"] for m in notices
        )

        # then changes requested from the alert: recorded, shown on the alert and the thread
        alert_msg = dict(fake.get_message(sc.ALERTS, alert["ts"]) or {}, channel=sc.ALERTS)
        await sc.acked(await click(fake, alert_msg, REQUEST_CHANGES, user=APPROVER))
        await h.idle()
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]).decision == "changes_requested"
        assert "*Changes requested*" in sc.all_text(fake.get_message(sc.ALERTS, alert["ts"]))
        assert "*Changes requested*" in sc.all_text(fake.get_message(sc.DRAFTS, reply["ts"]))
        assert any(
            "asked for changes" in m["text"]
            for m in fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])
        )
        actions = [a.action for a in ctx.audit.entries()]
        assert actions == ["signoff.approved", "signoff.changes_requested"]

        # an edit re-opens the review: no decision on the new version, and the reply says so
        edit = fake.edit_as_user(sc.DRAFTS, ev["ts"], FIXED)
        await sc.acked(await fake.send_event(edit))
        await wait_until(lambda: ctx.store.get_review(sc.DRAFTS, ev["ts"]).version != ev["ts"])
        await h.idle()
        record = ctx.store.get_review(sc.DRAFTS, ev["ts"])
        assert ctx.signoffs.for_version(sc.DRAFTS, ev["ts"], "", record.version) is None
        text = sc.all_text(fake.get_message(sc.DRAFTS, reply["ts"]))
        assert "Re-opened" in text and f"<@{APPROVER}>" in text

        # the old alert's button is stale now: refused, nothing changes
        posts = len(fake.response_posts)
        d = await sc.acked(await click(fake, alert_msg, APPROVE, user=APPROVER))
        await fake.wait_for_response_posts(posts + 1)
        assert "edited after this review" in ephemeral_texts(fake, d)
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]).version == ev["ts"]


async def test_tampered_stale_and_unknown_actions(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(
        fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_APPROVER_IDS=APPROVER
    ) as h:
        ctx = h.bot.ctx
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        reply = reply_in(fake, ev["ts"])
        good = element(reply, APPROVE)["value"]
        cases = {
            "not-a-ref": "not one I made",
            good.replace(ev["ts"], "1700000000.000001", 1): "gone",  # another draft
            good + "|x": "not one I made",
            "bb1|C0DRAFTS|<!channel>|x|1": "not one I made",
            "x" * 3000: "not one I made",
        }
        for value, expected in cases.items():
            posts = len(fake.response_posts)
            d = await sc.acked(await click(fake, reply, APPROVE, user=APPROVER, value=value))
            await fake.wait_for_response_posts(posts + 1)
            assert expected in ephemeral_texts(fake, d), value
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]) is None

        # unknown action ids and odd payloads are acknowledged and dropped
        for action_id in ("brandbot_nope", "x" * 300):
            await sc.acked(await click(fake, reply, action_id, user=APPROVER, value="1"))
        payload = {"type": "block_actions", "actions": [{"action_id": APPROVE}], "user": "x"}
        await sc.acked(await fake.send_envelope("interactive", payload))
        payload = {"type": "block_actions", "actions": "nope", "user": {"id": APPROVER}}
        await sc.acked(await fake.send_envelope("interactive", payload))

        # a deleted draft's buttons: refused
        gone = fake.delete_as_user(sc.DRAFTS, ev["ts"])
        await sc.acked(await fake.send_event(gone))
        await h.idle()
        posts = len(fake.response_posts)
        d = await sc.acked(await click(fake, reply, APPROVE, user=APPROVER, value=good))
        await fake.wait_for_response_posts(posts + 1)
        assert "gone" in ephemeral_texts(fake, d)
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]) is None


async def test_the_guide_names_approvers_too(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    reviewer = FakeReviewer()
    reviewer.guide.approvers = ("U0GUIDE",)  # type: ignore[attr-defined]
    async with running(fake, tmp_path, "socket", reviewer) as h:
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        await sc.acked(await click(fake, reply_in(fake, ev["ts"]), APPROVE, user="U0GUIDE"))
        await h.idle()
        assert h.bot.ctx.signoffs.get(sc.DRAFTS, ev["ts"]).decided_by == "U0GUIDE"


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_decision_shows_on_the_reply_and_the_alert_and_keeps_the_change_note(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    mode: str,
) -> None:
    """Hardening: a decision made on the alert keeps the thread reply's "since the last
    version" note; a decision made on the thread reply shows on the alert (and on the
    manager's DM alert) too."""
    fake = fake_slack
    async with running(fake, tmp_path, mode, FakeReviewer(), BRANDBOT_APPROVER_IDS=APPROVER) as h:
        ctx = h.bot.ctx
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        # an edit that is still alert-worthy: an updated reply with its note, a new alert
        edit = fake.edit_as_user(sc.DRAFTS, ev["ts"], BAD.replace("synergy", "our synergy"))
        await sc.acked(await fake.send_event(edit))
        await wait_until(lambda: ctx.store.get_review(sc.DRAFTS, ev["ts"]).version != ev["ts"])
        await h.idle()
        version = ctx.store.get_review(sc.DRAFTS, ev["ts"]).version
        reply = reply_in(fake, ev["ts"])
        assert "since the last version" in sc.all_text(fake.get_message(sc.DRAFTS, reply["ts"]))
        alerts = [
            m
            for m in sc.ours(h, sc.ALERTS)
            if DraftRef.parse(element(dict(m, channel=sc.ALERTS), APPROVE)["value"]).version
            == version
        ]
        assert len(alerts) == 1
        alert = dict(alerts[0], channel=sc.ALERTS)

        # decided on the alert: the thread reply shows it and keeps its note
        await sc.acked(await click(fake, alert, APPROVE, user=APPROVER))
        await h.idle()
        thread_text = sc.all_text(fake.get_message(sc.DRAFTS, reply["ts"]))
        assert "*Approved*" in thread_text and "since the last version" in thread_text
        assert "*Approved*" in sc.all_text(fake.get_message(sc.ALERTS, alert["ts"]))

        # decided on the thread reply: the alert (and the manager's DM alert) show it
        fresh_reply = dict(fake.get_message(sc.DRAFTS, reply["ts"]) or {}, channel=sc.DRAFTS)
        await sc.acked(await click(fake, fresh_reply, REQUEST_CHANGES, user=APPROVER))
        await h.idle()
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]).decision == "changes_requested"
        thread_text = sc.all_text(fake.get_message(sc.DRAFTS, reply["ts"]))
        assert "*Changes requested*" in thread_text and "since the last version" in thread_text
        assert "*Approved*" not in thread_text
        alert_text = sc.all_text(fake.get_message(sc.ALERTS, alert["ts"]))
        assert "*Changes requested*" in alert_text and "*Approved*" not in alert_text
        dm_alerts = [
            m
            for ch, msgs in fake.messages.items()
            if ch not in (sc.ALERTS, sc.DRAFTS)
            for m in msgs
            if m.get("bot_id") == fake.bot_id and "Brand alert" in str(m.get("text"))
        ]
        latest = [
            m
            for m in dm_alerts
            if DraftRef.parse(element(dict(m, channel="D"), APPROVE)["value"]).version == version
        ]
        assert latest and all("*Changes requested*" in sc.all_text(m) for m in latest)
        assert not fake.violations
