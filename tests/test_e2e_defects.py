"""Issue 10's smaller bot defects, end to end against the local Slack (Socket Mode)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
from botkit import BAD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

MODE = "socket"


async def test_review_reaction_on_a_message_deleted_before_the_fetch(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.post_as_user(sc.GENERAL, BAD)
        react = fake.react_as_user(sc.GENERAL, ev["ts"], h.settings.review_reaction)
        fake.delete_as_user(sc.GENERAL, ev["ts"])  # gone before the bot fetches it
        with caplog.at_level(logging.WARNING):
            await sc.acked(await fake.send_event(react))
            await fake.wait_for_calls("conversations.replies")
            await h.idle()
        assert h.bot.reviews.stats.failed == 0
        assert h.bot.reviews.stats.done >= 1
    assert [c.response.get("error") for c in fake.calls_to("conversations.replies")] == [
        "thread_not_found"
    ]
    assert sc.ours(h, sc.GENERAL) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_mention_with_a_file_gets_one_reply(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.upload_as_user(
            sc.GENERAL, "draft.txt", BAD.encode(), text=f"<@{fake.bot_user_id}> check this"
        )
        await sc.acked(await fake.send_event(fake.app_mention_for(ev)))
        await fake.wait_for_messages(sc.GENERAL, 1, thread_ts=ev["ts"])
        await h.idle()
        replies = fake.thread_replies(sc.GENERAL, ev["ts"])
        assert len(replies) == 1, [sc.all_text(r)[:80] for r in replies]
        assert "synergy" in sc.all_text(replies[0])  # the file's words, not "check this"


async def test_a_first_burst_of_events_makes_no_extra_auth_test_calls(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    import asyncio

    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        assert len(fake.calls_to("auth.test")) == 1  # the bot's own, at start
        drafts = [fake.post_as_user(sc.DRAFTS, f"{BAD} {i}") for i in range(8)]
        deliveries = await asyncio.gather(*(fake.send_event(ev) for ev in drafts))
        for d in deliveries:
            await sc.acked(d)
        for ev in drafts:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
    assert len(fake.calls_to("auth.test")) == 1


async def test_brandcheck_guide_shows_words_not_regexes_and_profiles_suggest(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from analyzers import Reviewer, default_guide_path, load_guide

    fake = fake_slack
    reviewer = Reviewer(load_guide(default_guide_path()), None, models_status="rules only")
    async with running(fake, tmp_path, MODE, reviewer) as h:
        d = await sc.acked(await fake.send_command("guide"))
        text = sc.all_text(d.ack.payload)
        assert "set-?up" not in text and "(?=" not in text and "(?:" not in text
        assert "set-up" in text and "setup" in text
        typo = await sc.acked(await fake.send_command("profile socail Our new post is live."))
        assert "Did you mean 'social'?" in sc.all_text(typo.ack.payload)
        await h.idle()


def test_readable_pattern() -> None:
    from bot.term_display import readable_pattern

    assert readable_pattern("set-?up(?= (?:your|the|a|an) )") == (
        "setup / set-up (before your, the, a, an)"
    )
    assert readable_pattern("never (?:fails|breaks)") == "never fails / never breaks"
    assert readable_pattern(r"better than \w+") == "better than …"
    assert readable_pattern("a(b") == "ab"  # not a valid regex: shown without syntax
