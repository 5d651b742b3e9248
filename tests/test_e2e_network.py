"""A hostile network, end to end against the local Slack: a 503 or a dropped connection after
chat.postMessage took effect must not post twice (thread replies and manager alerts), and the
client never blindly re-sends a non-idempotent call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest
from botkit import BAD, GOOD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401
from slack_sdk.errors import SlackApiError

from bot.clients import web_client

MODE = "socket"


@pytest.mark.parametrize("fault", ["fail_after_effect", "drop_after_effect"])
async def test_a_reply_is_posted_once_when_slack_fails_after_posting(
    fault: str,
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer(), BRANDBOT_MANAGER_IDS="") as h:
        drafts = [fake.post_as_user(sc.DRAFTS, f"{GOOD} Draft {i}.") for i in range(3)]
        getattr(fake, fault)("chat.postMessage", times=3)
        for ev in drafts:
            await sc.acked(await fake.send_event(ev))
        for ev in drafts:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=15)
        await h.idle()
        for ev in drafts:
            replies = fake.thread_replies(sc.DRAFTS, ev["ts"])
            assert len(replies) == 1, (fault, [r["text"][:40] for r in replies])
        # the bot looked for its own post (by metadata) instead of re-sending
        assert fake.calls_to("conversations.replies")
        assert any(
            c.params.get("include_all_metadata") for c in fake.calls_to("conversations.replies")
        )
        assert fake.counters["failed_after_effect"] + fake.counters["dropped_after_effect"] == 3


async def test_an_alert_is_posted_once_when_slack_fails_after_posting(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        [bad, bad2] = [fake.post_as_user(sc.DRAFTS, f"{BAD} {i}") for i in range(2)]
        await sc.acked(await fake.send_event(bad))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=bad["ts"])
        await fake.wait_for(lambda: len(sc.alert_posts(h)) == 2, timeout=10)
        fake.fail_after_effect("chat.postMessage", times=2)  # the next reply and first alert
        await sc.acked(await fake.send_event(bad2))
        await h.idle()
        await fake.wait_for(
            lambda: (
                len([m for ms in fake.messages.values() for m in ms if "Brand alert" in m["text"]])
                >= 4
            ),
            timeout=10,
        )
        await h.idle()
        alerts = [m for ms in fake.messages.values() for m in ms if "Brand alert" in m["text"]]
        assert len(alerts) == 4  # two drafts x (manager DM + alerts channel), none doubled
        assert len(fake.thread_replies(sc.DRAFTS, bad2["ts"])) == 1
        # one DM channel lookup for the manager, however many alerts
        assert len(fake.calls_to("conversations.open")) == 1


async def test_the_client_never_resends_a_post_on_its_own(fake_slack: Any) -> None:  # noqa: F811
    fake = fake_slack
    client = web_client(fake.bot_token, fake.base_url)
    fake.fail_after_effect("chat.postMessage", times=1)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel=sc.GENERAL, text="hello")
    fake.drop_after_effect("chat.postMessage", times=1)
    with pytest.raises(aiohttp.ClientError):
        await client.chat_postMessage(channel=sc.GENERAL, text="again")
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert len(fake.channel_messages(sc.GENERAL)) == 2  # each took effect exactly once
    # idempotent calls are still retried on a 503
    fake.fail_after_effect("conversations.info", times=1)
    resp = await client.conversations_info(channel=sc.GENERAL)
    assert resp["ok"] and len(fake.calls_to("conversations.info")) == 2


@pytest.mark.parametrize(
    "envelope",
    [
        {"envelope_id": "e-null", "type": "events_api", "payload": None},
        {"envelope_id": "e-list", "type": "events_api", "payload": [1, 2]},
        {"envelope_id": "e-int", "type": "events_api", "payload": 7},
        {"envelope_id": "e-notype", "payload": {"event": {}}},
        {"envelope_id": "e-nopayload", "type": "events_api"},
        {"envelope_id": "e-notype-null", "payload": None},
        {"envelope_id": "e-slash-list", "type": "slash_commands", "payload": []},
        {"envelope_id": "e-weird-type", "type": 5, "payload": {"x": 1}},
    ],
)
async def test_every_malformed_envelope_is_acknowledged(
    envelope: dict[str, Any],
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        d = await fake.send_raw_envelope(envelope)
        await d.wait_acked(timeout=5)
        # the bot still works afterwards
        ev = fake.post_as_user(sc.DRAFTS, GOOD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        assert [a.envelope_id for a in fake.acks].count(envelope["envelope_id"]) == 1


class _TokenizerLikeSuite:
    """An embedded suite whose predictor throws on a lone surrogate, as the tokenizer does."""

    @staticmethod
    def build() -> Any:
        from model_fakes import FakePredictor

        from analyzers.models.suite import EmbeddedModelSuite

        class Picky(FakePredictor):
            def predict(self, sentences):  # type: ignore[no-untyped-def]
                for s in sentences:
                    s.encode("utf-8")  # UnicodeEncodeError on a lone surrogate
                    if "EXPLODE" in s:
                        raise TypeError("TextEncodeInput must be Union[TextInputSequence, ...]")
                return super().predict(sentences)

        return EmbeddedModelSuite(Picky())


async def test_a_lone_surrogate_or_a_model_failure_touches_only_its_draft(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from analyzers import Reviewer, default_guide_path, load_guide

    fake = fake_slack
    reviewer = Reviewer(load_guide(default_guide_path()), _TokenizerLikeSuite.build())
    async with running(fake, tmp_path, MODE, reviewer, BRANDBOT_MANAGER_IDS="") as h:
        surrogate = fake.post_as_user(sc.DRAFTS, "Our calm team ships \ud800 a clear update today.")
        failing = fake.post_as_user(sc.DRAFTS, "This draft will EXPLODE the model, sadly today.")
        good = fake.post_as_user(sc.DRAFTS, GOOD)
        for ev in (surrogate, failing, good):
            await sc.acked(await fake.send_event(ev))
        replies = {}
        for ev in (surrogate, failing, good):
            [replies[ev["ts"]]] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
    texts = {ts: sc.all_text(r) for ts, r in replies.items()}
    for text in texts.values():
        assert "TextEncodeInput" not in text and "TypeError" not in text
        assert "UnicodeEncodeError" not in text
    # the surrogate draft and the good one got their model analysis; the failing one says why,
    # with a reference id instead of the exception
    assert "skipped" not in texts[surrogate["ts"]].lower()
    assert "skipped" not in texts[good["ts"]].lower()
    assert re.search(r"reference [0-9A-F]{6}", texts[failing["ts"]]), texts[failing["ts"]]
