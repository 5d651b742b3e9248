"""Drafts with attachments the bot does not read, end to end (Socket Mode).

An independent hostile pass found four silent cases: a watched draft with a screenshot got no
review (any attachment made the listener skip the text), and a mention or the review reaction on
a message whose only file is a .doc / .rtf got no answer at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

MODE = "socket"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_a_watched_draft_with_a_screenshot_is_reviewed(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        ev = fake.upload_as_user(sc.DRAFTS, "hero.png", PNG, text=BAD)
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        assert "/100" in sc.all_text(reply)  # the text was the draft


async def test_asking_about_a_file_it_cannot_read_gets_an_answer(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        doc = fake.upload_as_user(
            sc.GENERAL, "brief.doc", b"\xd0\xcf\x11\xe0", text=f"<@{fake.bot_user_id}>"
        )
        await sc.acked(await fake.send_event(fake.app_mention_for(doc)))
        rtf = fake.upload_as_user(sc.GENERAL, "notes.rtf", b"{\\rtf1 hi}")
        react = fake.react_as_user(sc.GENERAL, rtf["ts"], h.settings.review_reaction)
        await sc.acked(await fake.send_event(react))
        for ev, name in ((doc, "brief.doc"), (rtf, "notes.rtf")):
            [reply] = await fake.wait_for_messages(sc.GENERAL, 1, thread_ts=ev["ts"])
            text = sc.all_text(reply)
            assert name in text and ".docx" in text and ".pdf" in text
        await h.idle()
        # one answer each, also when asked again
        await sc.acked(await fake.send_event(fake.app_mention_for(doc)))
        await h.idle()
        assert len(fake.thread_replies(sc.GENERAL, doc["ts"])) == 1
