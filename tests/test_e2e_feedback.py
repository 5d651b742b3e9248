"""Learning from the team end to end: "Not an issue" / "Helpful" votes on a thread review's
findings, the suggestion to the brand owner, accepting it (the guide file changes safely and
reloads without a restart), and a guide edited on disk reloading by itself."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import FakeReviewer, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from lifecyclekit import click, element, ephemeral_texts

from analyzers import Reviewer, default_guide_path, load_guide
from bot.lifecycle_blocks import ACCEPT_SUGGESTION, VOTE_DISMISS, VOTE_HELPFUL

ADMIN = "U0ADMIN"
DRAFT = "Our team ships a zorblat update for every customer this week with real synergy today."


def guide_copy(tmp: Path) -> Path:
    folder = tmp / "guide"
    shutil.copytree(Path(default_guide_path()).parent, folder)
    return folder / "brand-guide.yaml"


def option_for(msg: dict[str, Any], action_id: str, words: str) -> str:
    for opt in element(msg, action_id)["options"]:
        if words in opt["text"]["text"]:
            return str(opt["value"])
    raise AssertionError(f"no option with {words!r}")


async def post_draft(h: Any, text: str) -> dict[str, Any]:
    fake = h.fake
    ev = fake.post_as_user(sc.DRAFTS, text)
    await sc.acked(await fake.send_event(ev))
    await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
    await h.idle()
    [reply] = fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])[:1]
    return dict(reply, channel=sc.DRAFTS)


def rules_in(msg: dict[str, Any]) -> str:
    return sc.all_text(msg)


async def test_votes_lead_to_a_suggestion_that_is_accepted_and_applied(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    path = guide_copy(tmp_path)
    original = path.read_bytes()
    reviewer = Reviewer(load_guide(path), None)
    async with running(
        fake,
        tmp_path,
        "socket",
        reviewer,
        BRANDBOT_GUIDE=str(path),
        BRANDBOT_ADMIN_IDS=ADMIN,
        BRANDBOT_DISMISS_MIN_VOTES="2",
        BRANDBOT_GUIDE_POLL="0",
    ) as h:
        ctx = h.bot.ctx
        fake.add_channel(sc.DRAFTS, "drafts", members=["U0A", "U0B", "U0C", "U0D"])  # voters
        reply = await post_draft(h, DRAFT)
        assert "zorblat" in rules_in(reply)
        zorblat = option_for(reply, VOTE_DISMISS, "zorblat")
        synergy = option_for(reply, VOTE_HELPFUL, "synergy")

        # tampered menus are refused and store nothing
        for kw in ({"selected": "99"}, {"selected": "x1"}, {"selected": zorblat, "block_id": "x"}):
            posts = len(fake.response_posts)
            d = await sc.acked(await click(fake, reply, VOTE_DISMISS, user="U0A", **kw))
            await fake.wait_for_response_posts(posts + 1)
            assert "not" in ephemeral_texts(fake, d)
        assert ctx.votes.by_rule() == []

        d = await sc.acked(await click(fake, reply, VOTE_DISMISS, user="U0A", selected=zorblat))
        await h.idle()
        assert "not an issue" in ephemeral_texts(fake, d)
        await sc.acked(await click(fake, reply, VOTE_HELPFUL, user="U0C", selected=synergy))
        await h.idle()
        assert ctx.votes.suggestions() == []  # one dismissal is not enough
        dm_before = len(fake.calls_to("chat.postMessage"))

        await sc.acked(await click(fake, reply, VOTE_DISMISS, user="U0B", selected=zorblat))
        await h.idle()
        votes = {(v.rule, v.term): (v.dismissed, v.helpful) for v in ctx.votes.by_rule()}
        assert votes[("Brand.Spelling", "zorblat")] == (2, 0)
        # "synergy" is proselint.CorporateSpeak's with the shared Vale styles beside the checkout,
        # the guide's own Brand.Banned without them: the vote counts for whichever flagged it
        assert [c for (_, term), c in votes.items() if term == "synergy"] == [(0, 1)]
        [suggestion] = ctx.votes.suggestions()
        assert (suggestion.kind, suggestion.term, suggestion.state) == (
            "accept_term",
            "zorblat",
            "open",
        )
        # the brand owner gets one DM with one button
        posts = [c.params for c in fake.calls_to("chat.postMessage")[dm_before:] if c.status == 200]
        [dm] = [p for p in posts if "zorblat" in str(p.get("text"))]
        dm_channel = str(dm["channel"])
        [dm_msg] = [m for m in fake.bot_messages(dm_channel) if "zorblat" in m["text"]]
        dm_msg = dict(dm_msg, channel=dm_channel)
        assert element(dm_msg, ACCEPT_SUGGESTION)["value"] == str(suggestion.id)

        # a third dismissal does not suggest it again
        await sc.acked(await click(fake, reply, VOTE_DISMISS, user="U0D", selected=zorblat))
        await h.idle()
        assert len(ctx.votes.suggestions()) == 1

        # only an admin may accept
        posts_n = len(fake.response_posts)
        d = await sc.acked(await click(fake, dm_msg, ACCEPT_SUGGESTION, user="U0A"))
        await fake.wait_for_response_posts(posts_n + 1)
        assert "only the brand owners" in ephemeral_texts(fake, d)
        assert path.read_bytes() == original

        await sc.acked(await click(fake, dm_msg, ACCEPT_SUGGESTION, user=ADMIN))
        await h.idle()
        assert load_guide(path).accepted == ("zorblat",)
        text = path.read_text()
        # every line of the file as written is kept (comments included); the word is added
        assert all(line in text.splitlines() for line in original.decode().splitlines())
        backups = list(path.parent.glob("brand-guide.yaml.*.bak"))
        assert len(backups) == 1 and backups[0].read_bytes() == original
        [entry] = ctx.audit.entries(action="guide.accept_term")
        assert entry.actor == ADMIN and entry.detail["term"] == "zorblat"
        assert entry.detail["backup"] == str(backups[0])
        assert ctx.votes.suggestion(suggestion.id).state == "applied"
        assert "Applied by" in sc.all_text(fake.get_message(dm_channel, dm_msg["ts"]))
        # the guide reloaded without a restart: the word is no longer flagged
        assert ctx.guide.accepted == ("zorblat",)
        again = await post_draft(h, DRAFT.replace("this week", "next week"))
        assert "zorblat" not in rules_in(again) and "synergy" in rules_in(again)

        # a second click: already handled, the file is not touched again
        posts_n = len(fake.response_posts)
        d = await sc.acked(await click(fake, dm_msg, ACCEPT_SUGGESTION, user=ADMIN))
        await fake.wait_for_response_posts(posts_n + 1)
        assert "already handled" in ephemeral_texts(fake, d)
        assert len(list(path.parent.glob("brand-guide.yaml.*.bak"))) == 1


async def test_a_guide_edited_on_disk_reloads_by_itself(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    path = guide_copy(tmp_path)
    reviewer = Reviewer(load_guide(path), None)
    async with running(
        fake, tmp_path, "socket", reviewer, BRANDBOT_GUIDE=str(path), BRANDBOT_GUIDE_POLL="0.1"
    ) as h:
        watcher = h.bot.ctx.guide_watcher
        draft = "Our team ships a calm and splendid update for every customer this week."
        assert "Too vague" not in rules_in(await post_draft(h, draft))
        # a broken edit is refused: the running guide stays
        path.write_text(path.read_text() + "\nbanned: 12\n")
        await wait_until(lambda: watcher._stat == watcher._stat_now(), timeout=5)
        assert watcher.loads == 0
        path.write_text(
            path.read_text()
            .replace("\nbanned: 12\n", "")
            .replace("banned:\n", "banned:\n  - term: splendid\n    reason: Too vague\n", 1)
        )
        await wait_until(lambda: watcher.loads == 1, timeout=5)
        reply = await post_draft(h, draft.replace("this week", "today"))
        assert "Too vague" in rules_in(reply)


async def test_accepting_without_a_guide_file_setting_is_refused(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Hardening: without BRANDBOT_GUIDE the packaged example guide is never edited; the
    admin is told which setting to use and the suggestion stays open."""
    fake = fake_slack
    packaged = default_guide_path()
    before = packaged.read_bytes()
    async with running(
        fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_ADMIN_IDS=ADMIN, BRANDBOT_GUIDE_POLL="0"
    ) as h:
        ctx = h.bot.ctx
        assert ctx.settings.guide_path is None
        suggestion = ctx.votes.suggest("accept_term", "Brand.synergy", "synergy")
        assert suggestion is not None
        msg = {"channel": sc.GENERAL, "ts": "1700000000.000100", "blocks": []}
        d = await sc.acked(
            await click(fake, msg, ACCEPT_SUGGESTION, user=ADMIN, value=str(suggestion.id))
        )
        await fake.wait_for_response_posts(1)
        text = ephemeral_texts(fake, d)
        assert "BRANDBOT_GUIDE" in text and "packaged example guide" in text
        await h.idle()
        assert packaged.read_bytes() == before
        assert not list(packaged.parent.glob("brand-guide.yaml.*.bak"))
        assert ctx.votes.suggestion(suggestion.id).state == "open"
        assert ctx.audit.entries(action="guide.accept_term") == []
