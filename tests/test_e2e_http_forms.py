"""Slash commands over HTTP whose form body holds the word "payload", end to end.

slack_bolt reads any form body that merely contains "payload" as an interactivity payload, finds
no ``payload=`` field and hands the listeners ``{}``: the command was acknowledged with an empty
200 and never reviewed (an independent hostile pass). Socket Mode was never affected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401


async def test_a_command_that_says_payload_is_reviewed_over_http(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    fake.add_channel("C0PAYLOAD", "payload-team")
    async with running(fake, tmp_path, "http", FakeReviewer()) as h:
        said = await sc.acked(await fake.send_command(f"{BAD} It doubles the payload capacity."))
        from_channel = await sc.acked(await fake.send_command(BAD, channel="C0PAYLOAD"))
        await fake.wait_for_response_posts(2)
        await h.idle()
        for d in (said, from_channel):
            [post] = fake.responses_for(d.response_url)
            assert post.response_type == "ephemeral"
            assert "/100" in sc.all_text(post.body)
