"""The App Home tab end to end: published on app_home_opened and after each review, within
Block Kit's 100-block limit even with a big history; managers see trends and pending
approvals."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import bot_scenarios as sc
from botkit import BAD, FakeReviewer, running, wait_until
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401

from bot.storage.history import FindingRecord, HistoryEntry, ReviewHistory


def home_opened(user: str) -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME" + user[-4:],
        "tab": "home",
        "event_ts": payloads.new_ts(),
    }


def published_for(fake: Any, user: str) -> list[dict[str, Any]]:
    return [v for v in fake.views if v["params"].get("user_id") == user]


def text_of(view: dict[str, Any]) -> str:
    return sc.all_text({"blocks": view["blocks"]})


def big_history(history: ReviewHistory, author: str, n: int = 600) -> None:
    now = time.time()
    for i in range(n):
        history.record(
            HistoryEntry(
                review_key=f"big:{i}",
                reviewed_at=now - (i % 30) * 3600,
                kind="thread",
                verdict="needs_work",
                score=60.0 + i % 30,
                text_sha256="0" * 64,
                channel=f"C0CH{i % 40:03d}",
                author=author,
                findings=tuple(
                    FindingRecord(f"Brand.Rule{j}", "terminology", "warning", 0, 3, f"tip {j}", "w")
                    for j in range(12)
                ),
            )
        )


async def test_home_is_published_within_limits(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    async with running(fake, tmp_path, "socket", FakeReviewer()) as h:
        history = ReviewHistory(h.bot.ctx.store.db)
        # a new user: an empty but helpful Home
        await sc.acked(await fake.send_event(home_opened("U0NEW")))
        await wait_until(lambda: published_for(fake, "U0NEW"))
        [view] = published_for(fake, "U0NEW")
        assert view["type"] == "home" and "No reviews yet" in text_of(view)
        assert "The guide's essentials: Test guide" in text_of(view)
        assert "Pending approvals" not in text_of(view)

        # after a review, the author's Home is refreshed on its own
        ev = fake.post_as_user(sc.DRAFTS, BAD)
        await sc.acked(await fake.send_event(ev))
        await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"])
        await wait_until(lambda: published_for(fake, "U0AUTHOR"), timeout=10)
        view = published_for(fake, "U0AUTHOR")[-1]
        assert "*55/100*" in text_of(view) and "Brand.synergy" in text_of(view)

        # a manager with a big history: trends, pending approvals, at most 100 blocks
        big_history(history, sc.MANAGER)
        await sc.acked(await fake.send_event(home_opened(sc.MANAGER)))
        await wait_until(lambda: published_for(fake, sc.MANAGER), timeout=15)
        view = published_for(fake, sc.MANAGER)[-1]
        assert len(view["blocks"]) <= 100
        text = text_of(view)
        assert "Your channels (last 7 days)" in text and "<#C0CH000>" in text
        assert "Pending approvals* (1)" in text and f"<#{sc.DRAFTS}>" in text
        assert "Brand.Rule0* (200×) — tip 0" in text
        # a tab other than home, or a user id that is not one: nothing
        n = len(fake.views)
        await sc.acked(await fake.send_event(dict(home_opened("U0NEW"), tab="messages")))
        await sc.acked(await fake.send_event(dict(home_opened("U0NEW"), user="<!channel>")))
        await h.idle()
        assert len(fake.views) == n
