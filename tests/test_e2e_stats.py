"""``/brandcheck stats`` end to end: the summary and a chart PNG uploaded with files_upload_v2
(getUploadURLExternal, the upload, completeUploadExternal) to the asker's DM; who may see what."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, GOOD, FakeReviewer, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX
from bot.storage.history import FindingRecord, HistoryEntry, ReviewHistory

OTHER = "U0OTHER"


def seed_history(history: ReviewHistory, days: int = 6) -> None:
    """One review a day for the author, improving, so the chart has a trend to draw."""
    now = time.time()
    for i in range(days):
        score = 50.0 + 8 * i
        history.record(
            HistoryEntry(
                review_key=f"seed:{i}",
                reviewed_at=now - (days - i) * 86400,
                kind="thread",
                verdict="pass" if score >= 80 else "needs_work",
                score=score,
                text_sha256="0" * 64,
                channel=sc.DRAFTS,
                author="U0AUTHOR",
                findings=(
                    FindingRecord("Brand.synergy", "terminology", "warning", 0, 7, "m", "synergy"),
                ),
            )
        )


async def wait_upload(fake: Any, n: int) -> dict[str, Any]:
    await wait_until(lambda: len(fake.uploads) >= n, timeout=15)
    return dict(fake.uploads[n - 1])


def check_png(data: bytes) -> None:
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == "PNG" and img.size == (WIDTH_PX, HEIGHT_PX)
    colors = img.convert("RGB").getcolors(maxcolors=WIDTH_PX * HEIGHT_PX)
    assert colors is not None and len(colors) > 50  # lines, bars, text: not blank
    background = max(colors)[0]
    assert background < 0.97 * WIDTH_PX * HEIGHT_PX  # something is drawn on the white


async def test_stats_with_a_chart_and_who_sees_what(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer()) as h:
        history = ReviewHistory(h.bot.ctx.store.db)
        seed_history(history)
        for text in (BAD, GOOD):
            ev = fake.post_as_user(sc.DRAFTS, text)
            await sc.acked(await fake.send_event(ev))
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        await wait_until(lambda: history.count() == 8)

        # the author's own stats
        d = await sc.acked(await fake.send_command("stats --days 7", user="U0AUTHOR"))
        assert d.ack_latency < 1.0 and "Working on it" in sc.all_text(d.ack.payload)
        up = await wait_upload(fake, 1)
        check_png(up["content"])
        assert up["channel"].startswith("D") and up["name"] == "brandbot-stats.png"
        assert "line chart of the daily mean brand score" in up["alt_txt"]
        comment = up["initial_comment"]
        assert "*Your brand stats*, last 7 days: 8 reviews" in comment
        assert "Brand.synergy (7)" in comment and "“synergy” (7)" in comment
        assert "pass rate" in comment and "Trend: 50 →" in comment
        # the upload flow went through Slack's three steps, with the alt text
        [url_call] = fake.calls_to("files.getUploadURLExternal")
        assert int(url_call.params["length"]) == len(up["content"])
        assert fake.calls_to("files.completeUploadExternal")[0].status == 200

        # someone who is not in the channel, asking for it or for another person: refused
        for text in (f"stats <#{sc.DRAFTS}|drafts>", "stats <@U0AUTHOR>"):
            posts = len(fake.response_posts)
            d = await sc.acked(await fake.send_command(text, user=OTHER))
            await fake.wait_for_response_posts(posts + 1)
            said = "\n".join(str(p.body.get("text")) for p in fake.responses_for(d.response_url))
            assert "you can see stats for yourself and for channels you are a member of" in said
        assert len(fake.uploads) == 1

        # a member sees the channel; a manager sees anyone
        fake.channels[sc.DRAFTS]["members"] = [OTHER]
        await sc.acked(await fake.send_command(f"stats <#{sc.DRAFTS}|drafts>", user=OTHER))
        up = await wait_upload(fake, 2)
        check_png(up["content"])
        assert f"Brand stats for <#{sc.DRAFTS}>" in up["initial_comment"]
        await sc.acked(await fake.send_command("stats <@U0AUTHOR> --days 30", user=sc.MANAGER))
        up = await wait_upload(fake, 3)
        assert "Brand stats for <@U0AUTHOR>*, last 30 days: 8 reviews" in up["initial_comment"]
        assert up["channel"] != fake.uploads[0]["channel"]  # the manager's own DM

        # bad arguments are answered in the acknowledgement, nothing is queued
        for text, said in (
            ("stats --days 0", "--days takes a whole number"),
            ("stats --days 9999", "--days takes a whole number"),
            ("stats #nowhere", "No channel called #nowhere"),
            ("stats tomorrow", "I do not understand"),
        ):
            d = await sc.acked(await fake.send_command(text, user=OTHER))
            assert said in sc.all_text(d.ack.payload), text
        await h.idle()
        assert len(fake.uploads) == 3


async def test_a_chart_upload_that_failed_after_slack_shared_it_is_not_repeated(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Hardening: completeUploadExternal shares the file, then answers 503. The job's retry
    finds the file it recorded (files.info shows it shared in the DM) and uploads nothing
    again; a second failure mode (a 503 before anything happened) uploads once on retry."""
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer()) as h:
        seed_history(ReviewHistory(h.bot.ctx.store.db))
        fake.fail_after_effect("files.completeUploadExternal", 1)
        await sc.acked(await fake.send_command("stats --days 7", user="U0AUTHOR"))
        await wait_upload(fake, 1)
        await wait_until(lambda: len(fake.calls_to("files.info")) >= 1, timeout=15)
        await h.idle(20)
        assert len(fake.uploads) == 1
        assert len(fake.calls_to("files.getUploadURLExternal")) == 1
        [info] = fake.calls_to("files.info")
        assert info.params["file"] == fake.uploads[0]["id"]
        dm = fake.uploads[0]["channel"]
        shares = [m for m in fake.bot_messages(dm) if m.get("subtype") == "file_share"]
        assert len(shares) == 1

        # a failure before Slack did anything: the retry uploads (once)
        fake.rate_limit("files.completeUploadExternal", 1, retry_after=0)
        await sc.acked(await fake.send_command("stats --days 30", user="U0AUTHOR"))
        await wait_upload(fake, 2)
        await h.idle(20)
        assert len(fake.uploads) == 2
