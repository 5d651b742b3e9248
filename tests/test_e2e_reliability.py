"""Issue 4 behaviours not covered by the shared scenarios, against the local Slack (Socket Mode;
none of them depends on the transport): a full queue tells the user to retry, Web API calls retry
connection errors (bounded), oversize or mislabelled files are reported (oversize without reading
the body), URLs in message text are never fetched, failures reach the one error handler (apology
with a reference id, the id and details in the log, no token), alerts are paced not dropped and
come once per draft version, and the Quickstart runs the offline demo without tokens."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest
from botkit import BAD, GOOD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

from analyzers import Draft, Review
from bot.clients import web_client

MODE = "socket"
ROOT = Path(__file__).resolve().parents[1]


def _draft(i: int) -> str:
    return f"{GOOD} Draft number {i}."


async def test_queue_full_tells_the_user_to_retry(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    fake = fake_slack
    reviewer = FakeReviewer(delay_s=0.6)
    async with running(
        fake, tmp_path, MODE, reviewer, BRANDBOT_QUEUE_SIZE="1", BRANDBOT_WORKERS="1"
    ) as h:
        first = fake.post_as_user(sc.DRAFTS, _draft(1))
        await sc.acked(await fake.send_event(first))
        await fake.wait_for(lambda: reviewer.calls)  # the only worker is busy with it
        second = fake.post_as_user(sc.DRAFTS, _draft(2))
        await sc.acked(await fake.send_event(second))  # fills the queue
        third = fake.post_as_user(sc.DRAFTS, _draft(3))
        await sc.acked(await fake.send_event(third))  # no room: told to retry, in its thread
        cmd = await sc.acked(await fake.send_command(BAD))  # no room: told in the ack
        assert "try again" in sc.all_text(cmd.ack.payload)
        assert cmd.ack.payload.get("response_type") == "ephemeral"
        shortcut_target = fake.post_as_user(sc.GENERAL, BAD)
        short = await sc.acked(await fake.send_shortcut(shortcut_target["ts"], sc.GENERAL))
        [busy] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=third["ts"])
        assert "try again" in sc.all_text(busy)
        await fake.wait_for(lambda: fake.responses_for(short.response_url))
        [notice] = fake.responses_for(short.response_url)
        assert notice.response_type == "ephemeral" and "try again" in sc.all_text(notice.body)
        await h.idle()
        # the accepted drafts were reviewed; the rejected ones were not journalled nor reviewed
        for ev in (first, second):
            [reply] = fake.thread_replies(sc.DRAFTS, ev["ts"])
            assert "/100" in sc.all_text(reply)
        assert len(fake.thread_replies(sc.DRAFTS, third["ts"])) == 1
        assert fake.responses_for(cmd.response_url) == []
        assert sum(n for n, _, _ in reviewer.calls) == 2


async def test_web_api_retries_connection_errors_with_a_bound(fake_slack: Any) -> None:  # noqa: F811
    fake = fake_slack
    client = web_client(fake.bot_token, fake.base_url)
    # slack_sdk's defaults retry one dropped connection; the bot's client retries three
    # (idempotent calls only: a dropped chat.postMessage is settled by bot.posting.post_once)
    fake.fail_connections("chat.update", times=3)
    posted = fake.post_as_bot(sc.GENERAL, "x", bot_id=fake.bot_id)
    resp = await client.chat_update(channel=sc.GENERAL, ts=posted["ts"], text="hello")
    assert resp["ok"] and len(fake.calls_to("chat.update")) == 4
    # bounded: a Slack that keeps dropping connections is given up on
    fake.fail_connections("chat.update", times=10)
    with pytest.raises(aiohttp.ClientError):
        await client.chat_update(channel=sc.GENERAL, ts=posted["ts"], text="again")
    assert len(fake.calls_to("chat.update")) == 8
    fake.clear_faults()


async def test_oversize_and_mislabelled_files_are_reported(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer(), BRANDBOT_MAX_FILE_BYTES="1000") as h:
        # Slack says how big the file is: refused without any download
        big = fake.upload_as_user(sc.DRAFTS, "big.txt", (GOOD + "\n").encode() * 40)
        big_id = big["files"][0]["id"]
        await sc.acked(await fake.send_event(big))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=big["ts"])
        assert "big.txt" in sc.all_text(reply) and "1,000 bytes" in sc.all_text(reply)
        assert [d for d in fake.downloads if d.file_id == big_id] == []

        # the file object understates the size: the download's own length stops it
        liar = fake.add_file("liar.md", (GOOD + "\n").encode() * 40)
        liar["size"] = 10
        ev = fake.post_as_user(sc.DRAFTS, "", files=[liar], subtype="file_share")
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        assert "liar.md" in sc.all_text(reply) and "bytes" in sc.all_text(reply)
        assert "/100" not in sc.all_text(reply)

        # a .pdf that is not a PDF is reported, not parsed as something else, no crash
        fake_pdf = fake.upload_as_user(sc.DRAFTS, "brief.pdf", GOOD.encode())
        await sc.acked(await fake.send_event(fake_pdf))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=fake_pdf["ts"])
        assert "brief.pdf" in sc.all_text(reply) and "/100" not in sc.all_text(reply)
        await h.idle()


async def test_urls_in_message_text_are_never_fetched(fake_slack: Any, tmp_path: Path) -> None:  # noqa: F811
    fake = fake_slack
    async with running(fake, tmp_path, MODE, FakeReviewer()) as h:
        planted = fake.add_file("planted.txt", BAD.encode())  # never shared in any message
        text = (
            f"{BAD} Read <{planted['url_private_download']}|the brief> and "
            f"{planted['url_private']} before launch."
        )
        ev = fake.post_as_user(sc.DRAFTS, text)
        await sc.acked(await fake.send_event(ev))  # watched channel
        await sc.acked(await fake.send_event(fake.react_as_user(sc.DRAFTS, ev["ts"], "mag")))
        mention = fake.post_as_user(sc.GENERAL, f"<@{fake.bot_user_id}> {text}")
        await sc.acked(await fake.send_event(fake.app_mention_for(mention)))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await fake.wait_for_messages(sc.GENERAL, 1, thread_ts=mention["ts"])
        await h.idle()
        assert fake.downloads == []
        for call in fake.calls_to("chat.postMessage"):
            assert call.params.get("unfurl_links") in (False, "false", "0", None), call.params


class ExplodingReviewer(FakeReviewer):
    """Fails on drafts containing "explode", with the bot token in the error (a leak to catch)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def review(self, drafts: Sequence[Draft], *, profile: str | None = None) -> list[Review]:
        if any("explode" in d.text for d in drafts):
            raise RuntimeError(f"model crashed (auth {self.token})")
        return super().review(drafts, profile=profile)


async def test_failures_reach_one_handler_with_a_reference(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_slack
    caplog.set_level(logging.INFO)
    async with running(fake, tmp_path, MODE, ExplodingReviewer(fake.bot_token)) as h:
        cmd = await sc.acked(await fake.send_command("please explode on this draft now"))
        ev = fake.post_as_user(sc.DRAFTS, "This draft will explode the reviewer today.")
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for(lambda: fake.responses_for(cmd.response_url))
        await fake.wait_for(lambda: fake.ephemerals)
        await h.idle()
        refs = set(h.bot.ctx.reporter.reported)
    [post] = fake.responses_for(cmd.response_url)
    [eph] = fake.ephemerals
    assert post.response_type == "ephemeral" and eph["user"] == "U0AUTHOR"
    shown = [
        re.search(r"Reference: `(\w+)`", sc.all_text(m)) for m in (post.body, {"text": eph["text"]})
    ]
    ids = {m.group(1) for m in shown if m}
    assert len(ids) == 2 and ids == {r for r, _ in refs}
    assert all("crashed" not in sc.all_text(m) for m in (post.body, {"text": eph["text"]}))
    log = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    for ref in ids:  # the same id in the log, with the details
        assert re.search(rf"error {ref} in .*RuntimeError: model crashed", log), log[-2000:]
    assert fake.bot_token not in log and fake.app_token not in log
    assert fake.bot_token.split("-", 1)[1] not in log
    assert sc.ours(h) == []  # nothing public


async def test_alert_burst_paced_not_dropped_one_per_version(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    over = {"BRANDBOT_ALERT_RATE": "10", "BRANDBOT_ALERT_BURST": "1", "BRANDBOT_MANAGER_IDS": ""}
    async with running(fake, tmp_path, MODE, FakeReviewer(), **over) as h:
        events = [fake.post_as_user(sc.DRAFTS, f"{BAD} Burst {i}.") for i in range(6)]
        await asyncio.gather(*(fake.send_event(ev) for ev in events))
        await fake.wait_for(lambda: len(sc.alert_posts(h)) == 6, timeout=10)
        times = sorted(
            c.time
            for c in fake.calls_to("chat.postMessage")
            if c.status == 200 and "Brand alert" in str(c.params.get("text", ""))
        )
        assert times[-1] - times[0] >= 0.4  # 10 per second after a burst of one
        # a new version that still fails alerts once more; its redelivery does not
        edit = fake.edit_as_user(sc.DRAFTS, events[0]["ts"], f"{BAD} Still leveraging synergy.")
        d = await sc.acked(await fake.send_event(edit))
        await fake.wait_for(lambda: len(sc.alert_posts(h)) == 7, timeout=10)
        await sc.acked(await fake.redeliver(d))
        # an edit that changes no words (an unfurl) is not a new version
        same = fake.edit_as_user(sc.DRAFTS, events[1]["ts"], events[1]["text"])
        await sc.acked(await fake.send_event(same))
        await h.idle()
        assert len(sc.alert_posts(h)) == 7
        alerted = [p["text"] for p in sc.alert_posts(h)]
        assert all(f"<#{sc.DRAFTS}>" in t for t in alerted)


async def test_quickstart_without_tokens_runs_the_offline_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRANDBOT_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--no-models",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    stderr = err.decode()
    assert "offline demo" in stderr and "SLACK_BOT_TOKEN" in stderr and "manifest" in stderr
    assert "Traceback" not in stderr
    assert "/100" in out.decode(), out.decode()[-2000:]
