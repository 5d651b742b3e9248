"""Alerts and digests reach every target Slack accepts (end to end, Socket Mode).

A hostile pass found that one manager Slack would not DM (a deactivated account:
``conversations.open`` answers ``user_disabled``) stopped every alert for everyone listed after
them and for the alert channel, and the digest had the same loop; and that the digest charted
every channel in the history, private channels and DMs included, for the alert channel to see.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import pytest
from botkit import BAD, FakeReviewer, Harness, running, wait_until
from fakeslack.fixtures import fake_slack  # noqa: F401
from test_e2e_digest import DAYS, digest_posts
from test_e2e_stats import seed_history

from bot.storage import open_database
from bot.storage.digests import DigestClaims
from bot.storage.history import HistoryEntry, ReviewHistory

GONE = "U0GONE"


def _disabled(params: dict[str, Any]) -> bool:
    return GONE in str(params.get("users"))


async def test_a_manager_slack_refuses_does_not_stop_the_alert(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    fake.refuse("conversations.open", "user_disabled", when=_disabled)
    managers = f"{GONE},{sc.MANAGER}"
    async with running(
        fake, tmp_path, "socket", FakeReviewer(), BRANDBOT_MANAGER_IDS=managers
    ) as h:
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await wait_until(lambda: len(fake.channel_messages(sc.ALERTS)) >= 1, timeout=20)
        await h.idle()
        dms = [m for ch, ms in fake.messages.items() if ch.startswith("D") for m in ms]
        assert len(dms) == 1  # the manager Slack can reach
        assert len(fake.channel_messages(sc.ALERTS)) == 1
        assert h.bot.alerts.stats.failed == 0
        # recorded as sent: asking again (a redelivery) sends nothing more
        assert h.bot.ctx.store.alert_sent(sc.DRAFTS, ev["ts"], "", ev["ts"])


@pytest.mark.parametrize("watched", [sc.DRAFTS, "#drafts", "*"])
async def test_the_digest_skips_a_refused_manager_and_names_only_watched_channels(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    watched: str,
) -> None:
    """Watched by id, by name (as docs/slack-setup.md shows) or all: the watched channel is
    charted; a DM someone asked the bot in never is, nor an unwatched private channel."""
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts")
    fake.refuse("conversations.open", "user_disabled", when=_disabled)
    env = {
        "BRANDBOT_WATCHED_CHANNELS": watched,
        "BRANDBOT_MANAGER_IDS": f"{GONE},{sc.MANAGER}",
        "BRANDBOT_DIGEST_TO": "dm,channel",
        "BRANDBOT_DIGEST_DAY": DAYS[datetime.now(UTC).weekday()],
        "BRANDBOT_DIGEST_HOUR": "0",
        "BRANDBOT_DIGEST_TZ": "UTC",
    }
    h = Harness(fake, tmp_path, "socket", FakeReviewer(), **env)
    db = open_database(f"sqlite:///{h.db}")
    history = ReviewHistory(db)
    seed_history(history)  # the watched channel's week
    # a private channel someone asked the bot about with the reaction (a DM with "*")
    private = "D0SECRET" if watched == "*" else "G0SECRET"
    for i in range(3):
        history.record(
            HistoryEntry(
                review_key=f"private:{i}",
                reviewed_at=time.time() - (i + 1) * 3600,
                kind="thread",
                verdict="needs_work",
                score=40.0,
                text_sha256="0" * 64,
                channel=private,
                author="U0AUTHOR",
            )
        )
    DigestClaims(db).first_start(time.time() - 8 * 86400)
    db.close()
    await h.start()
    try:
        await wait_until(lambda: len(digest_posts(fake)) >= 2, timeout=20)
        await h.idle()
        posts = digest_posts(fake)
        assert len(posts) == 2  # the reachable manager and the alert channel
        assert sc.ALERTS in {str(p["channel"]) for p in posts}
        commented = " ".join(str(u.get("initial_comment")) for u in fake.uploads)
        assert f"<#{sc.DRAFTS}>" in commented
        assert private not in commented and all(private not in str(p) for p in posts)
    finally:
        await h.stop()
