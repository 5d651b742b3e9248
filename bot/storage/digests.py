"""Weekly digest claims: a period (``2026-W48``) is claimed once, by one replica, before the
digest is sent. The primary key makes the claim atomic on both backends."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.storage.database import Database
from bot.storage.schema import digest_periods

FIRST_START = "first-start"  # a row of its own: when this installation first checked a digest


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
            rows = conn.execute(
                select(digest_periods.c.period)
                .where(digest_periods.c.period != FIRST_START)
                .order_by(digest_periods.c.period)
            )
            return [str(r.period) for r in rows]

    def first_start(self, now: float | None = None) -> float:
        """When this installation first checked for a digest (recorded by the first call, on
        any replica; kept in ``digest_periods`` as the row ``first-start``, so no migration).
        An installation that sent digests before this row existed counts from its first
        claim."""
        now = time.time() if now is None else now
        with self.db.transaction() as conn:
            row = conn.execute(
                select(digest_periods.c.claimed_at).where(digest_periods.c.period == FIRST_START)
            ).first()
            if row is not None:
                return float(row.claimed_at)
            earliest = conn.execute(select(func.min(digest_periods.c.claimed_at))).scalar()
            at = min(now, float(earliest)) if earliest is not None else now
            conn.execute(
                self.db.insert(digest_periods)
                .values(period=FIRST_START, claimed_by="install", claimed_at=at)
                .on_conflict_do_nothing(index_elements=["period"])
            )
            row = conn.execute(
                select(digest_periods.c.claimed_at).where(digest_periods.c.period == FIRST_START)
            ).first()
        return float(row.claimed_at) if row is not None else at
