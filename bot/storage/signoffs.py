"""Sign-off decisions: one per draft (channel, ts, part), about one draft version.

A decision is about the version it was made on: when the draft is edited (a newer version is
reviewed) the decision no longer applies and the review is open again (``is_open``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import and_, exists, select

from bot.storage.audit import AuditLog
from bot.storage.database import Database
from bot.storage.schema import reviews, signoffs

DECISIONS = ("approved", "changes_requested")


@dataclass(frozen=True)
class Signoff:
    channel: str
    ts: str
    part: str
    version: str
    decision: str
    decided_by: str
    decided_at: float
    author: str | None


class Signoffs:
    def __init__(self, db: Database, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit or AuditLog(db)

    def decide(
        self,
        channel: str,
        ts: str,
        part: str,
        *,
        version: str,
        decision: str,
        by: str,
        author: str | None,
    ) -> Signoff:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        now = time.time()
        row = {
            "channel": channel,
            "ts": ts,
            "part": part,
            "version": version,
            "decision": decision,
            "decided_by": by,
            "decided_at": now,
            "author": author,
        }
        stmt = (
            self.db.insert(signoffs)
            .values(**row)
            .on_conflict_do_update(
                index_elements=["channel", "ts", "part"],
                set_={k: v for k, v in row.items() if k not in ("channel", "ts", "part")},
            )
        )
        with self.db.transaction() as conn:
            conn.execute(stmt)
            self.audit.record(
                by, f"signoff.{decision}", f"{channel}/{ts}", {"version": version}, conn=conn
            )
        return Signoff(channel, ts, part, version, decision, by, now, author)

    def get(self, channel: str, ts: str, part: str = "") -> Signoff | None:
        with self.db.auto() as conn:
            r = conn.execute(
                select(signoffs).where(
                    signoffs.c.channel == channel, signoffs.c.ts == ts, signoffs.c.part == part
                )
            ).one_or_none()
        if r is None:
            return None
        return Signoff(
            r.channel, r.ts, r.part, r.version, r.decision, r.decided_by, r.decided_at, r.author
        )

    def for_version(self, channel: str, ts: str, part: str, version: str) -> Signoff | None:
        """The decision on this exact version (None: none yet, or the draft changed since)."""
        found = self.get(channel, ts, part)
        return found if found is not None and found.version == version else None


@dataclass(frozen=True)
class Pending:
    channel: str
    ts: str
    part: str
    version: str
    verdict: str | None
    updated_at: float


def pending(db: Database, *, since: float, limit: int = 50) -> list[Pending]:
    """Reviewed drafts (thread replies, not deleted) with no decision on their current version,
    newest first."""
    decided = exists().where(
        and_(
            signoffs.c.channel == reviews.c.channel,
            signoffs.c.ts == reviews.c.ts,
            signoffs.c.part == reviews.c.part,
            signoffs.c.version == reviews.c.version,
        )
    )
    stmt = (
        select(reviews)
        .where(
            reviews.c.deleted == 0,
            reviews.c.reply_ts.is_not(None),
            reviews.c.review.is_not(None),
            reviews.c.updated_at >= since,
            ~decided,
        )
        .order_by(reviews.c.updated_at.desc())
        .limit(max(1, min(limit, 500)))
    )
    with db.auto() as conn:
        rows = conn.execute(stmt).all()
    return [
        Pending(r.channel, r.ts, r.part, r.version, r.verdict, float(r.updated_at)) for r in rows
    ]
