"""The audit log: who changed what (channel policy, sign-offs, guide edits), append-only."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from bot.storage.database import Database
from bot.storage.schema import audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any]


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        actor: str,
        action: str,
        target: str = "",
        detail: Mapping[str, Any] | None = None,
        *,
        conn: Connection | None = None,
    ) -> None:
        """Append one entry (inside ``conn``'s transaction when given)."""
        row = {
            "at": time.time(),
            "actor": actor,
            "action": action,
            "target": target,
            "detail": json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
        }
        if conn is not None:
            conn.execute(audit_log.insert().values(**row))
            return
        with self.db.auto() as c:
            c.execute(audit_log.insert().values(**row))

    def entries(self, *, action: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries (optionally of one action), oldest first."""
        stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(max(1, min(limit, 1000)))
        if action is not None:
            stmt = stmt.where(audit_log.c.action == action)
        with self.db.auto() as conn:
            rows = conn.execute(stmt).all()
        out = []
        for r in reversed(rows):
            try:
                detail = json.loads(r.detail)
            except ValueError:
                detail = {}
            out.append(AuditEntry(int(r.id), float(r.at), r.actor, r.action, r.target, detail))
        return out
