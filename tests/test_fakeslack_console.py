"""The standalone fake Slack's console (``scripts/fake-slack``) drives the real app: post, edit,
react and delete a draft, each printing what the bot did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
import pytest_asyncio
from botkit import BAD, FIXED, Harness, real_reviewer, running
from fakeslack.__main__ import HELP, Console
from fakeslack.fixtures import fake_slack  # noqa: F401


@pytest_asyncio.fixture
async def harness(fake_slack: Any, tmp_path: Path) -> AsyncIterator[Harness]:  # noqa: F811
    async with running(fake_slack, tmp_path, "socket", real_reviewer()) as h:
        yield h


async def test_post_edit_delete_through_the_console(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = harness.fake
    console = Console(fake, timeout=20)
    fake.add_channel(sc.DRAFTS, "drafts")

    await console.edit("edit anything")
    assert "no draft yet" in capsys.readouterr().out

    await console.post(f"post #drafts {BAD}")
    out = capsys.readouterr().out
    assert "reply in the draft's thread in #drafts" in out, out
    # controls as a person sees them, not raw Block Kit
    assert "[Approve]" in out and "[Request changes]" in out, out
    assert "'type': 'plain_text'" not in out and "{'" not in out, out
    assert "▾" in out and "Not an issue" in out, out  # the vote menus, with their options
    channel, ts, _ = console.last or ("", "", "")
    [reply] = fake.bot_messages(channel, ts)
    first_text = reply.get("text")
    # the first post shows the reactions the bot set, once it had set them
    shown = [ln for ln in out.splitlines() if ln.startswith("reactions on the draft: ")]
    on_draft = fake.reactions_on(channel, ts)
    assert on_draft and shown == [
        "reactions on the draft: " + ", ".join(f":{r}:" for r in on_draft)
    ], (shown, on_draft)

    await console.edit(f"edit {FIXED}")
    out = capsys.readouterr().out
    assert "updated reply in the draft's thread in #drafts" in out, out
    # the reactions after the bot changed them for the fixed draft, not the ones before
    shown = [ln for ln in out.splitlines() if ln.startswith("reactions on the draft: ")]
    after = fake.reactions_on(channel, ts)
    assert after != on_draft, (after, on_draft)
    assert shown == ["reactions on the draft: " + ", ".join(f":{r}:" for r in after)], shown
    [updated] = fake.bot_messages(channel, ts)
    assert updated["ts"] == reply["ts"] and updated.get("text") != first_text
    assert fake.calls_to("chat.update")

    await console.delete()
    out = capsys.readouterr().out
    assert "the bot's review in #drafts now reads" in out, out
    assert "draft was deleted" in out, out
    tombstone = fake.get_message(channel, reply["ts"]) or {}
    assert "draft was deleted" in str(tombstone.get("text")), tombstone
    assert console.last is None


async def test_react_asks_for_a_review_of_an_unwatched_message(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = harness.fake
    console = Console(fake, timeout=20)
    fake.add_channel("C0CHAT", "chat")
    await console.post(f"post #chat {BAD}")
    capsys.readouterr()
    channel, ts, _ = console.last or ("", "", "")
    assert not fake.bot_messages(channel, ts)  # not watched: no review yet

    await console.react("react mag")
    out = capsys.readouterr().out
    assert "reply in the draft's thread in #chat" in out, out
    assert len(fake.bot_messages(channel, ts)) == 1


def test_help_lists_every_command_once() -> None:
    starts = [line.split()[0] for line in HELP.splitlines()[1:]]
    assert starts == ["/brandcheck", "post", "edit", "react", "delete", "quit"]
    assert HELP.count("commands:") == 1
