"""The channel policy admins edit in Slack (``/brandcheck admin watch|unwatch|list``).

One row per channel (an id, or ``#name`` for a channel named without an id): watched or not,
and its guide profile. A stored row overrides ``BRANDBOT_WATCHED_CHANNELS`` and the guide's
``channels`` map for that channel; channels without a row follow the settings and the guide.
Every change is written with its audit entry in one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from bot.storage.audit import AuditLog
from bot.storage.database import Database
from bot.storage.schema import channel_policy


@dataclass(frozen=True)
class ChannelRule:
    channel: str  # C0123ABCD or #name
    watched: bool
    profile: str | None
    updated_by: str
    updated_at: float


class ChannelPolicy:
    def __init__(self, db: Database, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit or AuditLog(db)

    def set(self, channel: str, *, watched: bool, profile: str | None, actor: str) -> None:
        row = {
            "channel": channel,
            "watched": 1 if watched else 0,
            "profile": profile,
            "updated_by": actor,
            "updated_at": time.time(),
        }
        stmt = (
            self.db.insert(channel_policy)
            .values(**row)
            .on_conflict_do_update(
                index_elements=["channel"],
                set_={k: v for k, v in row.items() if k != "channel"},
            )
        )
        action = "admin.watch" if watched else "admin.unwatch"
        with self.db.transaction() as conn:
            before = conn.execute(
                select(channel_policy).where(channel_policy.c.channel == channel)
            ).one_or_none()
            conn.execute(stmt)
            self.audit.record(
                actor,
                action,
                channel,
                {
                    "profile": profile,
                    "before": None
                    if before is None
                    else {"watched": bool(before.watched), "profile": before.profile},
                },
                conn=conn,
            )

    def all(self) -> list[ChannelRule]:
        with self.db.auto() as conn:
            rows = conn.execute(select(channel_policy).order_by(channel_policy.c.channel)).all()
        return [
            ChannelRule(r.channel, bool(r.watched), r.profile, r.updated_by, float(r.updated_at))
            for r in rows
        ]
