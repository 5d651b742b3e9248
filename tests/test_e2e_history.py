"""Review history end to end: the real app against the local Slack records every review (thread
replies, edits as new versions, private reviews) on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, FIXED, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401

from bot.storage.history import ReviewHistory, text_hash


async def test_every_review_is_recorded(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    db_url: str,
) -> None:
    from botkit import real_reviewer

    fake = fake_slack
    async with running(
        fake, tmp_path, "socket", real_reviewer(), BRANDBOT_DATABASE_URL=_as_url(db_url)
    ) as h:
        history = ReviewHistory(h.bot.ctx.store.db)
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await wait_until(lambda: history.count() == 1)
        [first] = history.query()
        assert first.kind == "thread" and first.channel == sc.DRAFTS and first.draft_ts == ev["ts"]
        assert first.workspace == fake.team_id and first.author == "U0AUTHOR"
        assert first.reply_ts == reply["ts"] and first.verdict == "fail"
        assert first.text is None and first.text_sha256 == text_hash(BAD)
        assert any("synergy" in BAD[f.start : f.end] for f in first.findings)
        assert first.scores and first.guide_version and "@" in first.guide_version
        assert first.model_version

        # an edit is a new version: a second entry, same reply
        edit = fake.edit_as_user(sc.DRAFTS, ev["ts"], FIXED)
        await sc.acked(await fake.send_event(edit))
        await wait_until(lambda: history.count() == 2, timeout=10)
        second = history.query()[1]
        assert second.version != first.version and second.reply_ts == reply["ts"]
        assert second.text_sha256 == text_hash(FIXED)

        # a private review (slash command) is recorded too, without a reply message
        d = await sc.acked(await fake.send_command(BAD, channel=sc.GENERAL, user="U0ASKER"))
        await fake.wait_for_response_posts(1)
        await wait_until(lambda: history.count() == 3)
        private = history.query()[2]
        assert (private.kind, private.author, private.reply_ts) == ("private", "U0ASKER", None)
        assert private.text_sha256 == first.text_sha256  # a repeat of the first draft
        assert history.repeats(first.text_sha256) == 2
        assert d.acked


async def test_draft_text_is_kept_only_when_the_setting_says_so(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from botkit import real_reviewer

    fake = fake_slack
    async with running(
        fake, tmp_path, "socket", real_reviewer(), BRANDBOT_HISTORY_STORE_TEXT="true"
    ) as h:
        history = ReviewHistory(h.bot.ctx.store.db)
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await wait_until(lambda: history.count() == 1)
        assert history.query()[0].text == BAD


def _as_url(db_url: str) -> str:
    return db_url if "://" in db_url else f"sqlite:///{db_url}"


async def test_the_retention_job_deletes_old_reviews(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    import time

    from botkit import real_reviewer

    fake = fake_slack
    async with running(fake, tmp_path, "socket", real_reviewer(), BRANDBOT_HISTORY_DAYS="30") as h:
        history = ReviewHistory(h.bot.ctx.store.db)
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await wait_until(lambda: history.count() == 1)
        await h.idle()  # the job is finished, not only its review recorded
        early = h.bot.run_retention(now=time.time() + 29 * 86400)
        assert early["reviews"] == 0 and early["deliveries"] >= 1  # event ids: a week
        key = f"thread:{sc.DRAFTS}:{ev['ts']}::{ev['ts']}"
        assert early["jobs"] >= 1 and not h.bot.ctx.store.job_exists(key)
        done = h.bot.run_retention(now=time.time() + 31 * 86400)
        assert done["reviews"] == 1
        assert history.count() == 0
