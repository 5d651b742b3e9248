"""Every part of a draft gets its own reply, and a reply Slack lost or refused is posted again
(end to end, Socket Mode, the real bolt app against the fake Slack).

A hostile pass found: a mention or the review reaction on a message with several files posted
one reply (every post shared the job's once-key); those files were downloaded and parsed inside
one worker, one after another, so a few such requests held every worker; a file named
``<@U…> launch.txt`` pinged that person; a review reply someone deleted made every later edit of
the draft fail; a reply Slack refused (``invalid_blocks``, ``msg_too_long``) was lost; and an
edit of an uploaded file's caption started a second, unrequested review of the caption.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, GOOD, FakeReviewer, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from test_e2e_reliability import ExplodingReviewer

MODE = "socket"


def _files(fake: Any, n: int) -> list[dict[str, Any]]:
    return [
        fake.add_file(f"part{i}.txt", f"{GOOD} Draft {i} with synergy.\n".encode())
        for i in range(n)
    ]


async def test_a_request_about_several_files_gets_a_reply_for_each(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        files = _files(fake, 3)
        ev = fake.post_as_user(
            sc.GENERAL, f"{GOOD} The caption.", files=files, subtype="file_share"
        )
        react = fake.react_as_user(sc.GENERAL, ev["ts"], h.settings.review_reaction)
        await sc.acked(await fake.send_event(react))
        replies = await fake.wait_for_messages(sc.GENERAL, 4, thread_ts=ev["ts"], timeout=20)
        await h.idle()
        assert len(fake.bot_messages(sc.GENERAL, thread_ts=ev["ts"])) == 4  # caption + 3 files
        texts = " ".join(sc.all_text(r) for r in replies)
        assert all(f["name"] in texts for f in files)
        store = h.bot.ctx.store
        stored = {store.get_review(sc.GENERAL, ev["ts"], f["id"]).reply_ts for f in files}
        assert len(stored) == 3 and None not in stored  # each file its own reply
        # asked again: nothing new, and no file is downloaded again
        downloads = len(fake.downloads)
        fake.unreact_as_user(sc.GENERAL, ev["ts"], h.settings.review_reaction)
        again = fake.react_as_user(sc.GENERAL, ev["ts"], h.settings.review_reaction)
        await sc.acked(await fake.send_event(again))
        await h.idle()
        assert len(fake.bot_messages(sc.GENERAL, thread_ts=ev["ts"])) == 4
        assert len(fake.downloads) == downloads
        # a mention asking about two files: two replies
        two = _files(fake, 2)
        ask = fake.post_as_user(
            sc.GENERAL, f"<@{fake.bot_user_id}> check these", files=two, subtype="file_share"
        )
        await sc.acked(await fake.send_event(fake.app_mention_for(ask)))
        await fake.wait_for_messages(sc.GENERAL, 2, thread_ts=ask["ts"], timeout=20)
        await h.idle()
        assert len(fake.bot_messages(sc.GENERAL, thread_ts=ask["ts"])) == 2


async def test_slow_files_behind_reactions_leave_a_worker_for_other_drafts(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer(), BRANDBOT_WORKERS="3") as h:
        fake.slow("files.download", 6.0)
        for _ in range(4):
            ev = fake.post_as_user(sc.GENERAL, "", files=_files(fake, 2), subtype="file_share")
            react = fake.react_as_user(sc.GENERAL, ev["ts"], h.settings.review_reaction)
            await sc.acked(await fake.send_event(react))
        await asyncio.sleep(0.5)  # the reactions' jobs (and their files') are under way
        start = time.monotonic()
        draft = fake.post_as_user(sc.DRAFTS, GOOD)
        await sc.acked(await fake.send_event(draft))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=draft["ts"], timeout=30)
        waited = time.monotonic() - start
        fake.clear_faults()
        await h.idle(60)
    # the uploads' share is workers - 1: the draft never waits for a download (6 s each)
    assert waited < 5.0, waited


async def test_a_file_name_never_mentions_anyone(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.upload_as_user(sc.DRAFTS, "<@U0CEO> <#C0SECRET> launch.txt", BAD.encode())
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        text = str(reply.get("text"))
        assert "launch.txt" in text
        assert "<@U0CEO>" not in text and "<#C0SECRET>" not in text
        assert "&lt;@U0CEO&gt;" in text


async def test_a_deleted_reply_is_posted_again_when_the_draft_changes(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.post_as_user(sc.DRAFTS, GOOD)
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        fake.delete_as_user(sc.DRAFTS, reply["ts"])  # someone removed the bot's reply
        await sc.acked(await fake.send_event(fake.edit_as_user(sc.DRAFTS, ev["ts"], BAD)))
        [new] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=20)
        await h.idle()
        assert new["ts"] != reply["ts"] and "synergy" in sc.all_text(new)
        assert h.bot.ctx.store.get_review(sc.DRAFTS, ev["ts"], "").reply_ts == new["ts"]
        assert h.bot.reviews.stats.failed == 0
        # and the next edit updates that new reply
        await sc.acked(await fake.send_event(fake.edit_as_user(sc.DRAFTS, ev["ts"], GOOD)))
        await h.idle()
        assert [m["ts"] for m in fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])] == [new["ts"]]


async def test_asking_again_after_the_reply_was_deleted_posts_a_new_reply(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The draft's record still named the deleted reply, so the review reaction found the draft
    done and did nothing."""
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        fake.delete_as_user(sc.DRAFTS, reply["ts"])  # bolt drops the deletion of our own message
        react = fake.react_as_user(sc.DRAFTS, ev["ts"], h.settings.review_reaction)
        await sc.acked(await fake.send_event(react))
        [new] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=20)
        await h.idle()
        assert new["ts"] != reply["ts"] and "synergy" in sc.all_text(new)
        assert "since the last version" not in sc.all_text(new)  # a whole review, not a diff
        assert h.bot.ctx.store.get_review(sc.DRAFTS, ev["ts"], "").reply_ts == new["ts"]
        # the draft itself was not deleted: an edit still updates the new reply
        await sc.acked(await fake.send_event(fake.edit_as_user(sc.DRAFTS, ev["ts"], GOOD)))
        await h.idle()
        assert [m["ts"] for m in fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])] == [new["ts"]]
        assert h.bot.reviews.stats.failed == 0


async def test_a_reply_slack_refuses_is_posted_as_plain_text(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        for code in ("invalid_blocks", "msg_too_long"):
            fake.refuse("chat.postMessage", code, when=lambda p: bool(p.get("thread_ts")), times=1)
            ev = fake.post_as_user(sc.DRAFTS, f"{BAD} ({code})")
            await sc.acked(await fake.send_event(ev))
            [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=20)
            await h.idle()
            assert "/100" in str(reply.get("text")) and not reply.get("blocks")
        assert h.bot.reviews.stats.failed == 0


async def test_editing_an_uploads_caption_starts_no_second_review(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.upload_as_user(sc.DRAFTS, "brief.txt", BAD.encode(), text=GOOD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        calls = len(h.reviewer.calls)
        edit = fake.edit_as_user(sc.DRAFTS, ev["ts"], f"{GOOD} We leverage it.")
        await sc.acked(await fake.send_event(edit))
        await h.idle()
        assert len(fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])) == 1
        assert len(h.reviewer.calls) == calls


async def test_an_edit_storm_updates_the_reply_a_few_times_ending_on_the_newest(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    reviewer = FakeReviewer(delay_s=0.2)
    async with running(fake, tmp_path, MODE, reviewer) as h:
        ev = fake.post_as_user(sc.DRAFTS, GOOD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        reviews, updates = len(reviewer.calls), len(fake.updates)
        for i in range(15):
            text = f"{GOOD} Edit {i}." + (" We leverage synergy." if i == 14 else "")
            await sc.acked(await fake.send_event(fake.edit_as_user(sc.DRAFTS, ev["ts"], text)))
        await h.idle(60)
        [reply] = fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])
        assert "synergy" in sc.all_text(reply)  # the newest text
        # was one review and one chat.update per edit (14 updates for 15 edits)
        assert len(fake.updates) - updates <= 5
        assert len(reviewer.calls) - reviews <= 6


async def test_a_broadcast_reply_is_answered_in_its_thread_under_the_parent(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Slack's chat.postMessage: "avoid using a reply's ts value; use its parent instead"."""
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        parent = fake.post_as_user(sc.DRAFTS, "Short note.")
        await sc.acked(await fake.send_event(parent))
        await h.idle()
        reply = fake.post_as_user(
            sc.DRAFTS, BAD, thread_ts=parent["ts"], subtype="thread_broadcast"
        )
        await sc.acked(await fake.send_event(reply))
        await wait_until(lambda: bool(fake.calls_to("chat.postMessage")), timeout=10)
        await h.idle()
        posts = [
            c.params
            for c in fake.calls_to("chat.postMessage")
            if c.params.get("channel") == sc.DRAFTS and "/100" in str(c.params.get("text"))
        ]
        assert [p.get("thread_ts") for p in posts] == [parent["ts"]]


async def test_asking_again_and_again_about_files_queues_each_file_once(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Each reaction queued a job per file (its key held the reaction's): 40 reactions on a
    10-file message filled the queue, and another author's draft got "busy"."""
    fake = fake_slack
    reviewer = FakeReviewer()
    async with running(fake, tmp_path, MODE, reviewer) as h:
        files = _files(fake, 4)
        ev = fake.post_as_user(sc.DRAFTS, "", files=files, subtype="file_share")  # watched
        await sc.acked(await fake.send_event(ev))
        for _ in range(12):
            react = fake.react_as_user(sc.DRAFTS, ev["ts"], h.settings.review_reaction)
            await sc.acked(await fake.send_event(react))
            fake.unreact_as_user(sc.DRAFTS, ev["ts"], h.settings.review_reaction)
        await sc.acked(await fake.send_event(fake.app_mention_for(ev)))
        await h.idle(60)
        assert len(fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])) == 4
        assert len(fake.downloads) == 4 and sum(n for n, _, _ in reviewer.calls) == 4
        # the upload queued each file; every request after it found the same job
        assert h.bot.reviews.stats.duplicates >= 4 * 12


async def test_a_message_deleted_while_its_requested_review_runs_gets_no_reply(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """In a channel nobody watches the deletion was not recorded, so the reviews of a message
    someone asked about were posted under it after it was deleted."""
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        fake.slow("files.download", 1.5)
        ev = fake.post_as_user(sc.GENERAL, "", files=_files(fake, 3), subtype="file_share")
        react = fake.react_as_user(sc.GENERAL, ev["ts"], h.settings.review_reaction)
        await sc.acked(await fake.send_event(react))
        await asyncio.sleep(0.3)  # the request is under way
        await sc.acked(await fake.send_event(fake.delete_as_user(sc.GENERAL, ev["ts"])))
        await h.idle(30)
        fake.clear_faults()
        assert fake.bot_messages(sc.GENERAL, thread_ts=ev["ts"]) == []


async def test_an_alert_slack_refuses_as_built_goes_out_as_plain_text(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.ALERTS, "brand-alerts")
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        fake.refuse(
            "chat.postMessage",
            "invalid_blocks",
            when=lambda p: (
                p.get("channel") == sc.ALERTS and p.get("blocks") not in (None, "", "[]", [])
            ),
        )
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await wait_until(lambda: len(fake.channel_messages(sc.ALERTS)) >= 1, timeout=20)
        fake.clear_faults()
        await h.idle()
        [alert] = fake.channel_messages(sc.ALERTS)
        assert not alert.get("blocks") and "/100" in str(alert.get("text"))
        assert h.bot.alerts.stats.failed == 0


async def test_a_broadcast_reply_edited_into_a_draft_is_reviewed(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        parent = fake.post_as_user(sc.DRAFTS, "Short note.")
        await sc.acked(await fake.send_event(parent))
        reply = fake.post_as_user(
            sc.DRAFTS, "ok", thread_ts=parent["ts"], subtype="thread_broadcast"
        )
        await sc.acked(await fake.send_event(reply))
        await h.idle()
        edit = fake.edit_as_user(sc.DRAFTS, reply["ts"], BAD)
        await sc.acked(await fake.send_event(edit))
        await h.idle()
        posts = [
            c.params
            for c in fake.calls_to("chat.postMessage")
            if c.params.get("channel") == sc.DRAFTS
        ]
        assert [p.get("thread_ts") for p in posts] == [parent["ts"]]


async def test_a_failed_review_of_an_edit_says_the_thread_shows_an_earlier_version(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """When the newest edit's review failed for good, the author got "something went wrong" in
    the channel, while the thread kept an earlier version's review without a word."""
    fake = fake_slack
    async with running(fake, tmp_path, MODE, ExplodingReviewer("xoxb-test")) as h:
        ev = fake.post_as_user(sc.DRAFTS, GOOD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        edit = fake.edit_as_user(sc.DRAFTS, ev["ts"], f"{GOOD} This will explode.")
        await sc.acked(await fake.send_event(edit))
        await fake.wait_for(lambda: fake.ephemerals, timeout=20)
        fresh = fake.post_as_user(sc.DRAFTS, f"{GOOD} A new one that will explode.")
        await sc.acked(await fake.send_event(fresh))
        await fake.wait_for(lambda: len(fake.ephemerals) == 2, timeout=20)
        await h.idle()
    edited, new = fake.ephemerals
    assert edited["user"] == "U0AUTHOR" and edited["thread_ts"] == ev["ts"]
    assert "review in the thread is of an earlier version" in edited["text"]
    assert ":mag:" in edited["text"] and "Reference:" in edited["text"]
    assert new["thread_ts"] == fresh["ts"] and "This draft was not checked" in new["text"]
