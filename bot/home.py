"""The App Home tab: published with ``views.publish`` on ``app_home_opened`` and after each of
the person's reviews.

It shows the person's recent reviews and scores, their most common findings with a tip (the
finding's own message), the guide's essentials, and, for managers and admins, the channels'
trends over the last 7 days and the reviews waiting for a sign-off. At most 100 blocks
(``lifecycle_blocks.home_view``). The reads run in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

from bot.insights import compute_insights
from bot.lifecycle_blocks import home_view
from bot.stats import is_manager
from bot.storage.signoffs import pending

log = logging.getLogger(__name__)


def build_home(ctx: Any, user: str, *, now: float | None = None) -> dict[str, Any]:
    """The view for ``user`` (synchronous: database reads)."""
    now = time.time() if now is None else now
    history = ctx.history
    recent = history.latest(author=user, limit=10) if history is not None else []
    common: list[tuple[str, int, str]] = []
    if history is not None:
        rules: Counter[str] = Counter()
        tips: dict[str, str] = {}
        for e in history.latest(author=user, limit=200):
            for f in e.findings:
                rules[f.rule] += 1
                tips.setdefault(f.rule, f.message)
        common = [(r, n, tips[r]) for r, n in rules.most_common(5)]
    manager = is_manager(ctx.settings, user)
    trends: list[tuple[str, int, float]] = []
    waiting: list[Any] = []
    if manager and history is not None:
        ins = compute_insights(history, None, days=7, now=now)
        trends = list(ins.channels)
        waiting = pending(ctx.store.db, since=now - 14 * 86400, limit=50)
    return home_view(
        user=user,
        recent=recent,
        common=common,
        guide=ctx.guide,
        manager=manager,
        channel_trends=trends,
        pending=waiting,
    )


async def publish_home(ctx: Any, user: str) -> None:
    view = await asyncio.to_thread(build_home, ctx, user)
    await ctx.client.views_publish(user_id=user, view=view)
