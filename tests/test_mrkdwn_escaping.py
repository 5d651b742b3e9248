"""Issue 8, item 5: no user text (a file name, a draft, a guide) and none of the bot's own text
can put a Slack control sequence (``<!channel>``, ``<!here>``, ``<!subteam^…>``, a link) into a
message: every block and fallback goes through ``bot.blocks``' one escaping choke point."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, FakeReviewer, finding, make_review, running
from fakeslack.fixtures import fake_slack  # noqa: F401

from analyzers import default_guide_path, load_guide
from bot import blocks

# a "<" may only open the bot's own mentions and links
_ALLOWED = re.compile(r"<(?:[@#][A-Z0-9]{2,20}|https?://[^|<>\s]+\|[^<>]*)>")


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def assert_inert(msg: Any) -> None:
    for s in strings(msg):
        rest = _ALLOWED.sub("", s)
        assert "<" not in rest and ">" not in rest, s


HOSTILE = "<!channel> <!here|here> <!subteam^S1|@team> <https://evil.example|click> <@U1> & co"


def test_review_message_with_a_hostile_title_and_finding() -> None:
    f = finding(HOSTILE, rule="Brand.X", message=f"msg {HOSTILE}", suggestions=(HOSTILE,))
    review = make_review([f], text=HOSTILE)
    msg = blocks.review_message(review, title=f"Brand check: {HOSTILE} launch.md")
    assert_inert(msg)
    assert "&lt;!channel&gt;" in msg["text"]


def test_alert_with_a_hostile_author_id_and_reasons() -> None:
    review = make_review([], text="x")
    msg = blocks.alert_message(
        review, author="<!channel>", channel="C0DRAFTS", permalink=None, reasons=[HOSTILE]
    )
    assert_inert(msg)
    good = blocks.alert_message(
        review, author="U0AUTHOR", channel="C0DRAFTS", permalink=None, reasons=["low"]
    )
    assert "<@U0AUTHOR>" in good["text"] and "<#C0DRAFTS>" in good["text"]


def test_the_bots_own_text_is_escaped() -> None:
    help_msg = blocks.help_message()
    assert_inert(help_msg)
    assert "&lt;draft&gt;" in str(help_msg)
    guide = load_guide(default_guide_path())
    guide_msg = blocks.guide_message(guide)
    assert_inert(guide_msg)
    assert "alert &lt; " in str(guide_msg)


def test_builders_never_let_a_broadcast_through() -> None:
    # even a caller that forgot to escape cannot ping a channel
    for block in (
        blocks.section("<!channel>"),
        blocks.context("<!here>"),
        blocks.fields_section(["<!everyone>"]),
        blocks.header("<!channel>"),
    ):
        assert "<!" not in str(block)
    assert "<!" not in blocks.message("<!channel> hi", [])["text"]
    assert blocks.escape(blocks.escape("a & <b>")) == blocks.escape("a & <b>")


async def test_file_named_like_a_channel_ping_does_not_ping(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer()) as h:
        ev = fake.upload_as_user(sc.DRAFTS, "<!channel> launch.md", BAD.encode(), text="")
        await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await h.idle()
        assert "launch.md" in sc.all_text(reply)
        assert_inert({"text": reply.get("text"), "blocks": reply.get("blocks")})
