"""``/brandcheck admin``: the channel policy edited in Slack by admins (stored, audited, used at
once), refused for everyone else; end to end against the local Slack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, FakeReviewer, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401

from bot.admin import channel_arg

ADMIN = "U0ADMIN"


def ack_text(d: Any) -> str:
    return sc.all_text(d.ack.payload or {})


async def test_admin_commands_are_refused_for_everyone_else(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_ADMIN_IDS=ADMIN) as h:
        ctx = h.bot.ctx
        for text in ("admin watch #press social", "admin unwatch C0DRAFTS"):
            # a manager is not an admin either
            for user in ("U0AUTHOR", sc.MANAGER):
                d = await sc.acked(await fake.send_command(text, user=user))
                assert "only brandbot's admins" in ack_text(d)
                assert d.ack_latency < 1.0
        # listing changes nothing: anyone may see the policy
        d = await sc.acked(await fake.send_command("admin list", user="U0AUTHOR"))
        assert "*Channel policy*" in ack_text(d) and "only brandbot's admins" not in ack_text(d)
        assert ctx.policy.all() == []
        assert ctx.audit.entries() == []
        # the configured channel is still watched
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])


async def test_admin_watch_unwatch_list_are_stored_audited_and_applied(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    reviewer = FakeReviewer()
    fake.add_channel("C0PRESS", "press")
    fake.add_channel(sc.DRAFTS, "drafts")
    async with running(fake, tmp_path, "socket", reviewer, BRANDBOT_ADMIN_IDS=ADMIN) as h:
        ctx = h.bot.ctx
        # escaped (<#C..|name>) and bare ids both work; the profile must exist in the guide
        d = await sc.acked(
            await fake.send_command("admin watch <#C0PRESS|press> soical", user=ADMIN)
        )
        assert "Unknown profile" in ack_text(d) and "Did you mean 'social'" in ack_text(d)
        d = await sc.acked(await fake.send_command("admin watch press", user=ADMIN))
        assert "Usage" in ack_text(d)
        assert ctx.policy.all() == []

        d = await sc.acked(
            await fake.send_command("admin watch <#C0PRESS|press> social", user=ADMIN)
        )
        assert "Now watching <#C0PRESS>" in ack_text(d) and "social" in ack_text(d)
        d = await sc.acked(await fake.send_command("admin unwatch C0DRAFTS", user=ADMIN))
        assert "No longer watching <#C0DRAFTS>" in ack_text(d)

        rules = {r.channel: r for r in ctx.policy.all()}
        assert rules["C0PRESS"].watched and rules["C0PRESS"].profile == "social"
        assert not rules["C0DRAFTS"].watched and rules["C0DRAFTS"].updated_by == ADMIN
        audit = ctx.audit.entries()
        assert [(a.actor, a.action, a.target) for a in audit] == [
            (ADMIN, "admin.watch", "C0PRESS"),
            (ADMIN, "admin.unwatch", "C0DRAFTS"),
        ]
        assert audit[0].detail == {"profile": "social", "before": None}

        # applied at once: #press is reviewed with its profile, #drafts no longer
        ev = fake.post_as_user("C0PRESS", BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages("C0PRESS", 1, thread_ts=ev["ts"])
        assert any(profile == "social" for _, profile, _ in reviewer.calls)
        before = len(reviewer.calls)
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await h.idle()
        assert len(reviewer.calls) == before
        assert fake.thread_replies(sc.DRAFTS, ev["ts"]) == []

        d = await sc.acked(await fake.send_command("admin list", user=ADMIN))
        listing = ack_text(d)
        assert "<#C0PRESS>: watched, profile *social*" in listing
        assert "<#C0DRAFTS>: not watched" in listing and f"<@{ADMIN}>" in listing

        # a second replica (a fresh process on the same database) sees the stored policy
        await h.restart()
        assert h.bot.ctx.is_watched("C0PRESS") and not h.bot.ctx.is_watched(sc.DRAFTS)
        await wait_until(lambda: True)


def test_channel_arguments() -> None:
    assert channel_arg("<#C0PRESS|press>") == "C0PRESS"
    assert channel_arg("<#C0PRESS>") == "C0PRESS"
    assert channel_arg("C0PRESS") == "C0PRESS"
    assert channel_arg("#Press") == "#press"
    for bad in ("press", "<@U0ADMIN>", "#", "<#c0press|x>", "#a b", "<!channel>"):
        assert channel_arg(bad) is None, bad


async def test_channels_typed_by_name_are_resolved_to_ids(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """``#general`` as a person types it (Slack escapes only picked suggestions): stored as the
    id, one row whichever way it is named, and drafts there are reviewed."""
    fake = fake_slack
    reviewer = FakeReviewer()
    fake.add_channel("C0GENERAL", "general")
    fake.add_channel("C0RANDOM", "random")
    fake.add_channel(sc.DRAFTS, "drafts")
    async with running(fake, tmp_path, "socket", reviewer, BRANDBOT_ADMIN_IDS=ADMIN) as h:
        ctx = h.bot.ctx
        d = await sc.acked(await fake.send_command("admin watch #General social", user=ADMIN))
        assert "Now watching <#C0GENERAL>" in ack_text(d)
        d = await sc.acked(
            await fake.send_command("admin watch <#C0GENERAL|general> social", user=ADMIN)
        )
        assert [(r.channel, r.watched, r.profile) for r in ctx.policy.all()] == [
            ("C0GENERAL", True, "social")
        ]
        ev = fake.post_as_user("C0GENERAL", BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages("C0GENERAL", 1, thread_ts=ev["ts"])
        assert any(profile == "social" for _, profile, _ in reviewer.calls)

        # a name no channel has: said so, nothing stored
        d = await sc.acked(await fake.send_command("admin watch #genral", user=ADMIN))
        assert "No channel called #genral" in ack_text(d)

        # unwatching a channel nobody watched changes nothing and says so
        d = await sc.acked(await fake.send_command("admin unwatch #random", user=ADMIN))
        assert "<#C0RANDOM> was not watched, so nothing changed" in ack_text(d)
        assert {r.channel for r in ctx.policy.all()} == {"C0GENERAL"}
        # a channel watched through the settings: the stored override is the point, and said
        d = await sc.acked(await fake.send_command("admin unwatch #drafts", user=ADMIN))
        assert "No longer watching <#C0DRAFTS>" in ack_text(d)
        assert "BRANDBOT_WATCHED_CHANNELS" in ack_text(d)
        d = await sc.acked(await fake.send_command("admin unwatch #drafts", user=ADMIN))
        assert "already not watched" in ack_text(d)
        rules = {r.channel: r.watched for r in ctx.policy.all()}
        assert rules == {"C0GENERAL": True, sc.DRAFTS: False}
        assert not ctx.is_watched(sc.DRAFTS)

        # stats take a typed #name too (a manager sees any channel)
        d = await sc.acked(await fake.send_command("stats #general", user=sc.MANAGER))
        assert "Working on it" in ack_text(d)
        await wait_until(lambda: len(fake.uploads) == 1, timeout=20)
        assert "Brand stats for <#C0GENERAL>" in fake.uploads[0]["initial_comment"]
        d = await sc.acked(await fake.send_command("stats #nowhere", user=sc.MANAGER))
        assert "No channel called #nowhere" in ack_text(d)
        assert ctx.channels is not None and ctx.channels.listings == 1  # cached


async def test_help_lists_stats_and_admin_and_admin_only_lines_for_admins(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_ADMIN_IDS=ADMIN):
        d = await sc.acked(await fake.send_command("help", user="U0AUTHOR"))
        said = ack_text(d)
        assert "/brandcheck stats [#channel | @person] [--days N]" in said
        assert "/brandcheck admin list" in said
        assert "admin watch" not in said and "admin unwatch" not in said
        d = await sc.acked(await fake.send_command("help", user=ADMIN))
        said = ack_text(d)
        assert "/brandcheck stats" in said and "/brandcheck admin list" in said
        assert "admin watch #channel [profile]* — watch a channel (admins only)" in said
        assert "admin unwatch #channel* — stop watching a channel (admins only)" in said


async def test_a_replayed_admin_command_changes_nothing(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A signed request replayed byte for byte within the signature's five minutes re-applied
    `admin watch` after an `unwatch` (an independent hostile pass)."""
    from fakeslack import payloads

    fake = fake_slack
    fake.add_channel("C0PRESS", "press")
    async with running(fake, tmp_path, "http", FakeReviewer(), BRANDBOT_ADMIN_IDS=ADMIN) as h:
        ctx = h.bot.ctx

        def command(text: str, trigger: str) -> dict[str, str]:
            return payloads.slash_command(
                text, user=ADMIN, response_url=fake.new_response_url(), trigger_id=trigger
            )

        watch = command("admin watch <#C0PRESS|press>", "7.7.watch")
        d = await sc.acked(await fake.send_envelope("slash_commands", watch))
        assert "Now watching" in ack_text(d)
        d = await sc.acked(
            await fake.send_envelope("slash_commands", command("admin unwatch C0PRESS", "7.8"))
        )
        assert "No longer watching" in ack_text(d)
        replay = await sc.acked(await fake.send_envelope("slash_commands", watch))
        assert "already applied" in ack_text(replay)
        assert not {r.channel: r for r in ctx.policy.all()}["C0PRESS"].watched
        assert [a.action for a in ctx.audit.entries()] == ["admin.watch", "admin.unwatch"]
