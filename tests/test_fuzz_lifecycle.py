"""An adversarial pass over issue 13's interactive surface, through the real bolt app and the
local Slack (signed requests in HTTP mode, the websocket in Socket Mode).

Tampered and forged button values, stale buttons, unknown action ids, votes from outside the
channel, double clicks (twice to one replica, once to each of two), hostile ``/brandcheck
admin`` and ``stats`` arguments, a Home tab for a person with 10,000 reviews, odd
``history export --since`` values, a suggestion accepted twice at once, and a guide file that
turns invalid, unreadable or huge under the watcher. Every input gets a clear, polite answer
(ephemeral where it is a person's), nothing crashes, nothing acts on tampered input, no
``<!channel>`` reaches Slack and Block Kit's limits hold (the fake checks every message and
fails the test on a violation).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
from botkit import BAD, FakeReviewer, Harness, running, wait_until
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401
from lifecyclekit import click, element, ephemeral_texts
from slack_bolt.request.async_request import AsyncBoltRequest

from analyzers import Reviewer, default_guide_path, load_guide
from bot.lifecycle_blocks import (
    ACCEPT_SUGGESTION,
    APPROVE,
    REQUEST_CHANGES,
    VOTE_DISMISS,
    DraftRef,
)
from bot.storage.history import FindingRecord, HistoryEntry, ReviewHistory

APPROVER = "U0APPROVER"
ADMIN = "U0ADMIN"
MEMBER = "U0MEMBER"


def reply_of(fake: Any, ts: str) -> dict[str, Any]:
    [reply] = fake.bot_messages(sc.DRAFTS, thread_ts=ts)[:1]
    return dict(reply, channel=sc.DRAFTS)


def no_broadcast(fake: Any) -> None:
    """No message, ephemeral answer or view the bot sent carries a raw special mention."""
    texts = [str(c.params) for c in fake.calls if c.method != "auth.test"]
    texts += [str(p.body) for p in fake.response_posts]
    for special in ("<!channel>", "<!here>", "<!everyone>"):
        assert not any(special in t for t in texts), special


async def answered(fake: Any, d: Any, posts: int) -> str:
    await sc.acked(d)
    await fake.wait_for_response_posts(posts + 1, timeout=10)
    return ephemeral_texts(fake, d)


async def post_reviewed_draft(h: Harness, text: str = BAD) -> tuple[dict[str, Any], Any]:
    fake = h.fake
    ev = fake.post_as_user(sc.DRAFTS, text)
    await sc.acked(await fake.send_event(ev))
    await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
    await h.idle()
    return ev, reply_of(fake, ev["ts"])


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_tampered_and_forged_button_values(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    mode: str,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts", members=[MEMBER, "U0AUTHOR"])
    async with running(
        fake,
        tmp_path,
        mode,
        FakeReviewer(),
        BRANDBOT_APPROVER_IDS=APPROVER,
        BRANDBOT_ADMIN_IDS=ADMIN,
    ) as h:
        ctx = h.bot.ctx
        ev, reply = await post_reviewed_draft(h)
        other_ev, other_reply = await post_reviewed_draft(h, BAD.replace("best", "finest"))
        good = element(reply, APPROVE)["value"]
        ref = DraftRef.parse(good)
        assert ref is not None
        other = element(other_reply, APPROVE)["value"]
        sign_cases = {
            other: "not one I made",  # another draft's (valid) value on this reply
            good.replace(sc.DRAFTS, sc.GENERAL): "gone",  # another channel
            f"bb1|{sc.DRAFTS}|{ev['ts']}||1999999999.000001": "edited after",  # no such version
            '{"channel": "C0DRAFTS"}': "not one I made",  # not a reference at all
            "x" * 10_000: "not one I made",  # 10 kB
            "bb1|C0DRAFTS|١٢٣.٤|ß|✓": "not one I made",  # unicode digits and letters
            f"bb1|{sc.DRAFTS}|-1.5||-1": "not one I made",  # negative numbers
            "<!channel> bb1|C0DRAFTS": "not one I made",
        }
        for value, expected in sign_cases.items():
            posts = len(fake.response_posts)
            d = await click(fake, reply, APPROVE, user=APPROVER, value=value)
            assert expected in await answered(fake, d, posts), value[:40]
        await h.idle()
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]) is None
        assert ctx.signoffs.get(sc.DRAFTS, other_ev["ts"]) is None

        # votes: positions that are not numbers, negative, unicode digits, out of range, 10 kB
        for selected in ("-1", "٣", "1e9", "9999", "x" * 10_000, "0x1", " 1", "<!here>"):
            posts = len(fake.response_posts)
            d = await click(fake, reply, VOTE_DISMISS, user=MEMBER, selected=selected)
            text = await answered(fake, d, posts)
            assert "not one I made" in text or "not in the review" in text, selected[:20]
        # a vote whose menu (block id) names another draft
        posts = len(fake.response_posts)
        d = await click(fake, reply, VOTE_DISMISS, user=MEMBER, selected="0", block_id=other)
        assert "edited after" in await answered(fake, d, posts)
        await h.idle()
        assert ctx.votes.by_rule() == []

        # accepting a suggestion: values that are not a suggestion id
        for value in ("-1", "١", "1e9", "0", "99999999999", "x" * 10_000, ""):
            posts = len(fake.response_posts)
            d = await click(fake, reply, ACCEPT_SUGGESTION, user=ADMIN, value=value)
            text = await answered(fake, d, posts)
            assert "not one I made" in text or "already handled" in text, value[:20]

        # unknown action ids and broken payloads: acknowledged, nothing happens
        for action_id in ("brandbot_nope", "x" * 300, "ü" * 50, ""):
            await sc.acked(await click(fake, reply, action_id, user=APPROVER, value="1"))
        for broken in (
            {"type": "block_actions", "actions": [{"action_id": APPROVE}], "user": "x"},
            {"type": "block_actions", "actions": "nope", "user": {"id": APPROVER}},
            {"type": "block_actions", "actions": [None, 1, "a"], "user": {"id": APPROVER}},
            {"type": "block_actions", "actions": [{"action_id": APPROVE, "value": good}]},
        ):
            await sc.acked(await fake.send_envelope("interactive", broken))
        await h.idle()
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]) is None

        # a stale button of a deleted draft
        gone = fake.delete_as_user(sc.DRAFTS, ev["ts"])
        await sc.acked(await fake.send_event(gone))
        await h.idle()
        for action, kw in ((APPROVE, {"value": good}), (VOTE_DISMISS, {"selected": "0"})):
            posts = len(fake.response_posts)
            user = APPROVER if action == APPROVE else MEMBER
            d = await click(fake, reply, action, user=user, **kw)
            assert "gone" in await answered(fake, d, posts)
        await h.idle()
        assert ctx.signoffs.get(sc.DRAFTS, ev["ts"]) is None and ctx.votes.by_rule() == []
        assert len(h.bot.ctx.reporter.reported) == 0  # no listener or job crashed
        no_broadcast(fake)


async def test_a_vote_from_outside_the_channel_is_not_counted(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts", members=[MEMBER])
    async with running(fake, tmp_path, "socket", FakeReviewer()) as h:
        _ev, reply = await post_reviewed_draft(h)
        posts = len(fake.response_posts)
        d = await click(fake, reply, VOTE_DISMISS, user="U0STRANGER", selected="0")
        assert "Only members of the draft's channel" in await answered(fake, d, posts)
        await h.idle()
        assert h.bot.ctx.votes.by_rule() == []
        posts = len(fake.response_posts)
        d = await click(fake, reply, VOTE_DISMISS, user=MEMBER, selected="0")
        assert "not an issue" in await answered(fake, d, posts)
        await h.idle()
        assert [v.dismissed for v in h.bot.ctx.votes.by_rule()] == [1]


def action_body(fake: Any, msg: dict[str, Any], action_id: str, user: str) -> dict[str, Any]:
    body = payloads.block_actions(
        action_id,
        value=str(element(msg, action_id)["value"]),
        block_id="b",
        user=user,
        channel=msg["channel"],
        message_obj=copy.deepcopy(fake.get_message(msg["channel"], msg["ts"]) or msg),
        response_url=fake.new_response_url(msg["channel"]),
        team_id=fake.team_id,
        team_domain=fake.team_domain,
        api_app_id=fake.api_app_id,
    )
    return dict(body)


async def dispatch(h: Harness, body: dict[str, Any]) -> int:
    """Hand the same payload to a replica's bolt app (as its Socket Mode runner would)."""
    from bot.ack_budget import delivery

    with delivery():
        resp = await h.bot.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    return int(resp.status)


async def test_double_clicks_to_one_replica_and_to_two(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    env = {"BRANDBOT_DATABASE_URL": url, "BRANDBOT_APPROVER_IDS": APPROVER}
    a = Harness(fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_REPLICA_ID="a", **env)
    b = Harness(fake, tmp_path / "b", "http", FakeReviewer(), BRANDBOT_REPLICA_ID="b", **env)
    (tmp_path / "b").mkdir()
    await a.start()
    await b.start()
    try:
        ev, reply = await post_reviewed_draft(a)
        # the same click delivered twice to one replica (Slack's retry)
        posts = len(fake.response_posts)
        d = await click(fake, reply, APPROVE, user=APPROVER)
        await sc.acked(d)
        again = await fake.redeliver(d)
        await sc.acked(again)

        def notices() -> list[dict[str, Any]]:
            msgs = fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])
            return [m for m in msgs if "approved" in m["text"]]

        # either replica may run the journalled job (b finds it by polling): wait for the
        # notice, let both settle, then there is still exactly one
        await wait_until(lambda: notices(), timeout=20)
        await a.idle()
        await b.idle()
        await asyncio.sleep(0.5)
        assert len(notices()) == 1
        assert len(a.bot.ctx.audit.entries(action="signoff.approved")) == 1
        assert len(fake.response_posts) == posts  # no refusal, no apology

        # one click's payload delivered to each of two replicas at once
        body = action_body(fake, reply_of(fake, ev["ts"]), REQUEST_CHANGES, APPROVER)
        statuses = await asyncio.gather(dispatch(a, body), dispatch(b, copy.deepcopy(body)))
        assert statuses == [200, 200]

        def asked() -> list[dict[str, Any]]:
            msgs = fake.bot_messages(sc.DRAFTS, thread_ts=ev["ts"])
            return [m for m in msgs if "asked for changes" in m["text"]]

        await wait_until(lambda: asked(), timeout=20)
        await a.idle()
        await b.idle()
        await asyncio.sleep(0.5)
        entries = a.bot.ctx.audit.entries(action="signoff.changes_requested")
        assert len(entries) == 1
        assert len(asked()) == 1
    finally:
        await a.stop()
        await b.stop()


HOSTILE_STATS = {
    "stats --days 999999999": "--days takes a whole number",
    "stats --days -1": "--days takes a whole number",
    "stats --days 1e9": "--days takes a whole number",
    "stats --days ٣": "--days takes a whole number",
    "stats --days ²": "--days takes a whole number",
    "stats --days": "--days takes a whole number",
    "stats --days=0": "--days takes a whole number",
    "stats <!channel>": "I do not understand",
    "stats <!here|here>": "I do not understand",
    "stats <@U0AUTHOR> <#C0DRAFTS|drafts>": "I do not understand",
    "stats #nope": "No channel called #nope",
    "stats @someone": "pick it from Slack's suggestions",
    "stats " + "x" * 4096: "I do not understand",
    "stats " + "<@U0AUTHOR> " * 400: "I do not understand",
    "stats ñ🙂\u202e": "I do not understand",
}
HOSTILE_ADMIN = {
    "admin": "Usage",
    "admin watch": "Usage",
    "admin watch <!channel>": "is not a channel",
    "admin watch <@U123|x>": "is not a channel",
    "admin watch <#C0NOSUCH|name>": "cannot find the channel",
    "admin unwatch C0NOSUCH": "cannot find the channel",
    "admin watch #nowhere": "No channel called #nowhere",
    "admin watch #" + "x" * 4000: "is not a channel",
    "admin watch <#C0DRAFTS|drafts> " + "y" * 4000: "Unknown profile",
    "admin watch <#C0DRAFTS|drafts> social extra words": "Usage",
    "admin list everything": "Usage",
    "admin " + "z" * 4096: "Usage",
    "admin watch ‮#drafts": "is not a channel",
}


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_hostile_command_arguments_get_specific_polite_answers(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    mode: str,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts")
    async with running(fake, tmp_path, mode, FakeReviewer(), BRANDBOT_ADMIN_IDS=ADMIN) as h:
        ctx = h.bot.ctx
        for cases, user in ((HOSTILE_STATS, "U0AUTHOR"), (HOSTILE_ADMIN, ADMIN)):
            for text, expected in cases.items():
                d = await sc.acked(await fake.send_command(text, user=user))
                assert d.ack_latency is not None and d.ack_latency < 2.0, text[:40]
                payload = d.ack.payload
                said = sc.all_text(payload)
                assert payload.get("response_type") == "ephemeral", text[:40]
                assert expected in said, (text[:40], said[:200])
                assert "<!" not in said
                for block in payload.get("blocks") or []:
                    assert len(str((block.get("text") or {}).get("text", ""))) <= 3000
        await h.idle()
        assert ctx.policy.all() == [] and ctx.audit.entries() == []
        assert fake.uploads == []  # nothing was queued for a refused request
        # a manager may ask about an unknown person or channel: an empty, polite summary
        for text in ("stats <@U0NOBODY|x>", "stats <#C0NOWHERE|x>"):
            await sc.acked(await fake.send_command(text, user=sc.MANAGER))
        await wait_until(lambda: len(fake.uploads) == 2, timeout=20)
        assert all("last 30 days: no reviews." in u["initial_comment"] for u in fake.uploads)
        no_broadcast(fake)


async def test_home_for_a_person_with_ten_thousand_reviews(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer()) as h:
        history = ReviewHistory(h.bot.ctx.store.db)
        now = time.time()
        finding = FindingRecord(
            "Brand.<!channel>", "terminology", "warning", 0, 7, "<!here> " + "m" * 5000, "x"
        )
        entries = [
            HistoryEntry(
                review_key=f"seed:{i}",
                reviewed_at=now - i * 60,
                kind="thread",
                verdict="needs_work",
                score=float(i % 100),
                text_sha256="0" * 64,
                channel=sc.DRAFTS,
                author=sc.MANAGER,
                findings=(finding,) * 3,
            )
            for i in range(10_000)
        ]
        await asyncio.to_thread(lambda: [history.record(e) for e in entries])
        started = time.monotonic()
        opened = {"type": "app_home_opened", "user": sc.MANAGER, "tab": "home", "event_ts": "1.1"}
        await sc.acked(await fake.send_event(opened))
        [call] = await fake.wait_for_calls("views.publish", 1, timeout=30)
        assert call.status == 200
        view = call.params["view"]
        view = view if isinstance(view, dict) else json.loads(view)
        assert len(view["blocks"]) <= 100
        assert len(str(view)) < 250_000
        log_elapsed = time.monotonic() - started
        assert log_elapsed < 30
        no_broadcast(fake)


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("1e9", "is not a date"),
        ("-1d", "is not a date"),
        ("٣d", "is not a date"),
        ("", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("9" * 5000 + "d", "is not a date"),
        ("\x00", "is not a date"),
    ],
)
def test_history_export_refuses_odd_since_values(
    since: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    os.environ.pop("BRANDBOT_DATABASE_URL", None)
    code = main(
        [
            "history",
            "export",
            f"--since={since}",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and expected in err
    assert len(err) < 400  # the value is quoted short, not 5,000 characters back


def test_history_export_takes_far_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main
    from bot.storage import open_database

    db = tmp_path / "h.sqlite3"
    open_database(db).close()
    env = {"BRANDBOT_DB_PATH": str(db)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for since in ("0001-01-01", "9999-12-31T23:59:59+14:00", "999999d", "2026-W48"):
            out = tmp_path / "out.csv"
            code = main(["history", "export", "--since", since, "--output", str(out)])
            assert code == 0, capsys.readouterr().err
            assert "exported 0 review(s)" in capsys.readouterr().err
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def guide_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "guide"
    shutil.copytree(Path(default_guide_path()).parent, folder)
    return folder / "brand-guide.yaml"


async def test_a_suggestion_accepted_twice_at_once(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    path = guide_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    env = {
        "BRANDBOT_DATABASE_URL": url,
        "BRANDBOT_ADMIN_IDS": ADMIN,
        "BRANDBOT_GUIDE": str(path),
        "BRANDBOT_GUIDE_POLL": "0",
    }
    reviewer_a = Reviewer(load_guide(path), None)
    reviewer_b = Reviewer(load_guide(path), None)
    a = Harness(fake, tmp_path, "socket", reviewer_a, BRANDBOT_REPLICA_ID="a", **env)
    b = Harness(fake, tmp_path / "b", "http", reviewer_b, BRANDBOT_REPLICA_ID="b", **env)
    (tmp_path / "b").mkdir()
    await a.start()
    await b.start()
    try:
        suggestion = a.bot.ctx.votes.suggest("accept_term", "Brand.Spelling", "zorblat")
        assert suggestion is not None
        msg = {
            "channel": "D0ADMIN",
            "ts": "1700000000.000100",
            "blocks": [
                {
                    "type": "actions",
                    "block_id": "s",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": ACCEPT_SUGGESTION,
                            "value": str(suggestion.id),
                            "text": {"type": "plain_text", "text": "Accept"},
                        }
                    ],
                }
            ],
        }
        bodies = [action_body(fake, msg, ACCEPT_SUGGESTION, ADMIN) for _ in range(2)]
        # two clicks (two action ids' timestamps) on two replicas at the same moment
        bodies[1]["actions"][0]["action_ts"] = "1700000001.000002"
        statuses = await asyncio.gather(dispatch(a, bodies[0]), dispatch(b, bodies[1]))
        assert statuses == [200, 200]
        await a.idle()
        await b.idle()
        assert load_guide(path).accepted == ("zorblat",)
        assert len(list(path.parent.glob("brand-guide.yaml.*.bak"))) == 1
        assert len(a.bot.ctx.audit.entries(action="guide.accept_term")) == 1
        await fake.wait_for_response_posts(1, timeout=10)
        said = "\n".join(str(p.body.get("text")) for p in fake.response_posts)
        assert "already handled" in said
        # and a third, later click
        await dispatch(a, action_body(fake, msg, ACCEPT_SUGGESTION, ADMIN))
        await a.idle()
        assert len(list(path.parent.glob("brand-guide.yaml.*.bak"))) == 1
    finally:
        await a.stop()
        await b.stop()


async def test_the_guide_watcher_survives_invalid_unreadable_and_huge_files(
    tmp_path: Path,
) -> None:
    from bot.guide_reload import MAX_GUIDE_BYTES, GuideWatcher

    path = guide_copy(tmp_path)
    good = path.read_bytes()
    loaded: list[Any] = []
    watcher = GuideWatcher(path, loaded.append, every_s=0.05)
    task = asyncio.ensure_future(watcher.run())
    try:

        async def settle() -> None:
            await wait_until(lambda: watcher._stat == _stat_or_none(path), timeout=5)
            await asyncio.sleep(0.15)

        bad_contents = [
            b"name: [unclosed\n",  # not YAML
            b"\xff\xfe\x00\x01",  # not UTF-8
            b"banned: 12\n",  # not a guide
            b"",  # empty
            b"a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n",
        ]
        for i, data in enumerate(bad_contents):
            path.write_bytes(data)
            os.utime(path, ns=(i + 1, (i + 1) * 1_000_000_000))
            await settle()
        # unreadable: a folder where the file was, then no file at all
        path.unlink()
        path.mkdir()
        await asyncio.sleep(0.2)
        path.rmdir()
        await asyncio.sleep(0.2)
        # huge: refused before it is read
        with open(path, "wb") as fh:
            fh.truncate(MAX_GUIDE_BYTES + 1)
        await settle()
        assert loaded == [] and not task.done()
        # a valid edit loads again
        path.write_bytes(good.replace(b"name:", b"# edited\nname:", 1))
        await wait_until(lambda: len(loaded) == 1, timeout=5)
    finally:
        task.cancel()


def _stat_or_none(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size
