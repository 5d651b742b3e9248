"""Weekly digest claims: a period (``2026-W48``) is claimed once, by one replica, before the
digest is sent. The primary key makes the claim atomic on both backends."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.storage.database import Database
from bot.storage.schema import digest_periods


class DigestClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, period: str, owner: str) -> bool:
        """True for exactly one caller per period, whichever replica it runs in."""
        stmt = (
            self.db.insert(digest_periods)
            .values(period=period, claimed_by=owner, claimed_at=time.time())
            .on_conflict_do_nothing(index_elements=["period"])
            .returning(digest_periods.c.period)
        )
        with self.db.auto() as conn:
            return conn.execute(stmt).first() is not None

    def claimed(self) -> list[str]:
        with self.db.auto() as conn:
            rows = conn.execute(select(digest_periods.c.period).order_by(digest_periods.c.period))
            return [str(r.period) for r in rows]
