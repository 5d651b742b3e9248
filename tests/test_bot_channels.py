"""Watched channels and guide profiles by channel *name*, end to end in both transports."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
from botkit import BAD, Harness, real_reviewer
from fakeslack.fixtures import fake_slack  # noqa: F401

from bot.channels import ChannelDirectory, split_channels


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_watched_by_name_and_id(fake_slack: Any, tmp_path: Path, mode: str) -> None:  # noqa: F811
    fake = fake_slack
    fake.add_channel("C0LAUNCH", "launches")
    fake.add_channel("C0SOCMED", "social-media")  # the example guide maps #social-media: social
    fake.add_channel("C0RANDOM", "random")
    h = Harness(
        fake,
        tmp_path,
        mode,
        real_reviewer(),
        BRANDBOT_WATCHED_CHANNELS="#launches, C0DRAFTS #Social-Media",
    )
    await h.start()
    try:
        launch = fake.post_as_user("C0LAUNCH", BAD)
        by_id = fake.post_as_user(sc.DRAFTS, BAD)
        social = fake.post_as_user("C0SOCMED", BAD)
        other = fake.post_as_user("C0RANDOM", BAD)
        for ev in (launch, by_id, social, other):
            await sc.acked(await fake.send_event(ev))
        [reply] = await fake.wait_for_messages("C0LAUNCH", 1, thread_ts=launch["ts"])
        assert "“synergy”" in sc.all_text(reply)
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=by_id["ts"])
        # the first draft under a profile compiles that profile's rules: slow on a loaded box
        [social_reply] = await fake.wait_for_messages(
            "C0SOCMED", 1, thread_ts=social["ts"], timeout=20
        )
        # the guide's channel -> profile mapping works by name too
        assert "social" in sc.all_text(social_reply).lower()
        await h.idle()
        assert sc.ours(h, "C0RANDOM") == []

        # names are cached: more drafts in the same channels make no new lookups
        infos = len(fake.calls_to("conversations.info"))
        again = fake.post_as_user("C0LAUNCH", f"{BAD} Second draft.")
        await sc.acked(await fake.send_event(again))
        await fake.wait_for_messages("C0LAUNCH", 1, thread_ts=again["ts"])
        await h.idle()
        assert len(fake.calls_to("conversations.info")) == infos
        # one lookup per channel (the guide maps channels by name, so every channel's name
        # matters for its profile)
        looked_up = [c.params.get("channel") for c in fake.calls_to("conversations.info")]
        assert sorted(looked_up) == sorted(set(looked_up))
    finally:
        await h.stop()


async def test_lookup_failure_is_bounded_and_cached(fake_slack: Any) -> None:  # noqa: F811
    fake = fake_slack
    fake.add_channel("C0LAUNCH", "launches")
    directory = ChannelDirectory(fake.web_client(), wait_s=0.2, failure_ttl_s=60)
    # a rate-limited Web API: the listener gives up waiting quickly, the lookup finishes later
    fake.slow("conversations.info", 0.6, times=1)
    t0 = asyncio.get_running_loop().time()
    assert await directory.name_of("C0LAUNCH") is None
    assert asyncio.get_running_loop().time() - t0 < 0.5
    await fake.wait_for(lambda: directory.cached_name("C0LAUNCH") == "launches", timeout=3)
    assert await directory.name_of("C0LAUNCH") == "launches"
    assert directory.lookups == 1
    # an unknown channel: answered None, and not asked again for failure_ttl_s
    assert await directory.name_of("C0NOSUCH") is None
    n = directory.lookups
    await directory.name_of("C0NOSUCH")
    assert directory.lookups == n
    # direct messages have no name and cost no call
    assert await directory.name_of("D0123ABC") is None
    assert directory.lookups == n


def test_split_channels() -> None:
    ids, names = split_channels(["C0123", "#launches", "#GENERAL", "G0PRIV", "*"])
    assert ids == {"C0123", "G0PRIV"}
    assert names == {"launches", "general"}
