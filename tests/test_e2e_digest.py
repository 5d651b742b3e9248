"""The weekly digest: scheduled inside the bot, claimed once per period in the database, sent
once across two replicas sharing the database and a restart; the digest's time in its zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import FakeReviewer, Harness, settings_for, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from test_e2e_stats import check_png, seed_history

from bot.digest import due_period
from bot.storage.digests import DigestClaims
from bot.storage.history import ReviewHistory

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def digest_posts(fake: Any) -> list[dict[str, Any]]:
    return [
        c.params
        for c in fake.calls_to("chat.postMessage")
        if c.status == 200 and "Weekly brand digest" in str(c.params.get("text"))
    ]


async def test_one_digest_across_two_replicas_and_a_restart(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    db_url: str,
) -> None:
    fake = fake_slack
    today = DAYS[datetime.now(UTC).weekday()]
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    env = {
        "BRANDBOT_DATABASE_URL": url,
        "BRANDBOT_DIGEST_TO": "dm,channel",
        "BRANDBOT_DIGEST_DAY": today,
        "BRANDBOT_DIGEST_HOUR": "0",
        "BRANDBOT_DIGEST_TZ": "UTC",
    }
    a = Harness(fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_REPLICA_ID="a", **env)
    b = Harness(fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_REPLICA_ID="b", **env)
    # history, written before the replicas start (their digest loops check
    # at once)
    from bot.storage import open_database

    db = open_database(url)
    seed_history(ReviewHistory(db))
    # installed a week ago: this week's digest time came while it ran (a fresh install would
    # wait for next week's; test_a_fresh_install_waits_for_the_configured_time)
    DigestClaims(db).first_start(time.time() - 8 * 86400)
    db.close()
    await a.start()
    await b.start()
    try:
        # both replicas' loops checked at start; only one digest is queued and sent
        await wait_until(lambda: len(digest_posts(fake)) >= 2, timeout=20)
        await a.idle()
        await b.idle()
        period = due_period(a.bot.ctx.settings, time.time())
        assert DigestClaims(a.bot.ctx.store.db).claimed() == [period]
        for h in (a, b):  # more checks in the same week: nothing
            assert await h.bot.digest.tick() is None
        # a restart of one replica: its loop checks again at start; still one digest
        await a.restart()
        await a.bot.digest.tick()
        await a.idle()
        await b.idle()
        posts = digest_posts(fake)
        assert len(posts) == 2
        dm = fake.calls_to("conversations.open")[-1].response["channel"]["id"]
        assert sorted(str(p["channel"]) for p in posts) == sorted([dm, sc.ALERTS])
        assert all(period in str(p["text"]) for p in posts)
        # a chart per watched channel (C0DRAFTS holds the seeded history), per target
        charts = [u for u in fake.uploads if u["channel"] in (dm, sc.ALERTS)]
        assert sorted(u["channel"] for u in charts) == sorted([dm, sc.ALERTS])
        for u in charts:
            check_png(u["content"])
            assert f"<#{sc.DRAFTS}>" in u["initial_comment"] and u["alt_txt"]
        # next week is another period: one more digest
        week = await a.bot.digest.tick(now=time.time() + 7 * 86400)
        assert week is not None and week != period
        assert await b.bot.digest.tick(now=time.time() + 7 * 86400) is None
        await a.idle()
        await wait_until(lambda: len(digest_posts(fake)) == 4, timeout=10)
    finally:
        await a.stop()
        await b.stop()


def test_the_digest_is_due_at_its_hour_in_its_time_zone(tmp_path: Path) -> None:
    class Fake:
        base_url = "http://127.0.0.1:1/api/"
        bot_token, app_token, signing_secret = "xoxb-x", "xapp-x", "s"

    s = settings_for(
        Fake(),
        tmp_path / "x.sqlite3",
        BRANDBOT_DIGEST_DAY="fri",
        BRANDBOT_DIGEST_HOUR="17",
        BRANDBOT_DIGEST_TZ="America/New_York",
        BRANDBOT_DIGEST_TO="dm",
    )
    friday = datetime(2026, 11, 27, 21, 30, tzinfo=UTC).timestamp()  # 16:30 in New York
    assert due_period(s, friday) is None
    assert due_period(s, friday + 3600) == "2026-W48"  # 17:30 in New York
    assert due_period(s, friday + 2 * 86400) == "2026-W48"  # Sunday: still this week's
    assert due_period(s, friday + 3 * 86400) is None  # Monday: next week, not yet due


def test_bad_lifecycle_settings_are_named() -> None:
    import pytest

    from bot.settings import Settings, SettingsError

    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "BRANDBOT_DIGEST_DAY": "funday",
        "BRANDBOT_DIGEST_TZ": "Mars/Olympus",
        "BRANDBOT_DIGEST_TO": "email",
        "BRANDBOT_DIGEST_HOUR": "24",
        "BRANDBOT_ADMIN_IDS": "admin",
        "BRANDBOT_DISMISS_RATE": "2",
    }
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env, dotenv_path=None)
    text = str(err.value)
    for name in (
        "BRANDBOT_DIGEST_DAY",
        "BRANDBOT_DIGEST_TZ",
        "BRANDBOT_DIGEST_TO",
        "BRANDBOT_DIGEST_HOUR",
        "BRANDBOT_ADMIN_IDS",
        "BRANDBOT_DISMISS_RATE",
    ):
        assert name in text, name
    ok = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "BRANDBOT_DIGEST_TO": "off"},
        dotenv_path=None,
    )
    assert ok.digest_to == () and ok.approvers == () and ok.digest_day == 0


async def test_a_fresh_install_waits_for_the_configured_time(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Hardening: the week's digest hour passed before the bot first ran, so nothing is sent
    at start; the first digest goes out at next week's hour, and a restart keeps the record."""
    fake = fake_slack
    today = DAYS[datetime.now(UTC).weekday()]
    env = {
        "BRANDBOT_DIGEST_TO": "dm,channel",
        "BRANDBOT_DIGEST_DAY": today,
        "BRANDBOT_DIGEST_HOUR": "0",
        "BRANDBOT_DIGEST_TZ": "UTC",
    }
    h = Harness(fake, tmp_path, "socket", FakeReviewer(), **env)
    await h.start()
    try:
        claims = DigestClaims(h.bot.ctx.store.db)
        await wait_until(lambda: h.bot.digest._first_start is not None, timeout=5)
        first = claims.first_start(time.time() + 3600)
        assert first == h.bot.digest._first_start
        assert await h.bot.digest.tick() is None
        await h.restart()
        assert await h.bot.digest.tick() is None
        assert claims.first_start() == first  # recorded once
        await h.idle()
        assert digest_posts(fake) == [] and claims.claimed() == []
        week = await h.bot.digest.tick(now=time.time() + 7 * 86400)
        assert week is not None
        await h.idle()
        await wait_until(lambda: len(digest_posts(fake)) == 2, timeout=10)
    finally:
        await h.stop()


def test_first_start_is_recorded_once_and_an_older_install_keeps_its_weeks(
    tmp_path: Path,
) -> None:
    from bot.storage import open_database

    class Fake:
        base_url = "http://127.0.0.1:1/api/"
        bot_token, app_token, signing_secret = "xoxb-x", "xapp-x", "s"

    s = settings_for(
        Fake(),
        tmp_path / "x.sqlite3",
        BRANDBOT_DIGEST_DAY="fri",
        BRANDBOT_DIGEST_HOUR="17",
        BRANDBOT_DIGEST_TZ="UTC",
        BRANDBOT_DIGEST_TO="dm",
    )
    friday_17 = datetime(2026, 11, 27, 17, 0, tzinfo=UTC).timestamp()
    assert due_period(s, friday_17 + 60, first_start=friday_17 - 60) == "2026-W48"
    assert due_period(s, friday_17 + 60, first_start=friday_17 + 30) is None
    assert due_period(s, friday_17 + 7 * 86400, first_start=friday_17 + 30) == "2026-W49"

    db = open_database(tmp_path / "fresh.sqlite3")
    claims = DigestClaims(db)
    assert claims.first_start(1000.0) == 1000.0
    assert claims.first_start(2000.0) == 1000.0
    assert claims.claimed() == []
    db.close()
    # an install that sent digests before this record existed counts from its first claim
    db = open_database(tmp_path / "old.sqlite3")
    claims = DigestClaims(db)
    assert claims.claim("2026-W40", "a")
    assert claims.first_start(time.time() + 86400) <= time.time()
    assert claims.claimed() == ["2026-W40"]
    db.close()
