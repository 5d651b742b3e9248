"""The team's votes on findings ("Not an issue" / "Helpful") and the guide suggestions they lead
to.

A vote is one row per finding of a reviewed draft version and voter (a second click changes
the vote). Votes are counted per rule and term (the finding's words, lower-case), so "synergy"
dismissed in ten drafts is one signal. A rule and term whose findings the team dismisses often
(``dismissal_candidates``) becomes a :class:`Suggestion` for the brand owner, once
(``guide_suggestions`` is unique per kind, rule and term).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import case, func, select, update

from bot.storage.audit import AuditLog
from bot.storage.database import Database
from bot.storage.schema import finding_votes, guide_suggestions

VOTES = ("dismiss", "helpful")
SUGGESTION_KINDS = ("accept_term", "lower_severity")


@dataclass(frozen=True)
class RuleVotes:
    rule: str
    term: str
    dismissed: int
    helpful: int

    @property
    def total(self) -> int:
        return self.dismissed + self.helpful

    @property
    def dismissal_rate(self) -> float:
        return self.dismissed / self.total if self.total else 0.0


@dataclass(frozen=True)
class Suggestion:
    id: int
    kind: str
    rule: str
    term: str
    state: str
    created_at: float
    decided_by: str | None


class Votes:
    def __init__(self, db: Database, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit or AuditLog(db)

    def vote(
        self,
        *,
        channel: str,
        ts: str,
        part: str,
        version: str,
        position: int,
        voter: str,
        vote: str,
        rule: str,
        term: str,
    ) -> None:
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")
        row = {
            "channel": channel,
            "ts": ts,
            "part": part,
            "version": version,
            "position": position,
            "voter": voter,
            "vote": vote,
            "rule": rule,
            "term": term.lower()[:200],
            "voted_at": time.time(),
        }
        keys = ("channel", "ts", "part", "version", "position", "voter")
        stmt = (
            self.db.insert(finding_votes)
            .values(**row)
            .on_conflict_do_update(
                index_elements=list(keys), set_={"vote": vote, "voted_at": row["voted_at"]}
            )
        )
        with self.db.auto() as conn:
            conn.execute(stmt)

    def by_rule(self, *, since: float | None = None, limit: int = 50) -> list[RuleVotes]:
        """Votes per rule and term, most dismissed first."""
        dismissed = func.sum(case((finding_votes.c.vote == "dismiss", 1), else_=0))
        helpful = func.sum(case((finding_votes.c.vote == "helpful", 1), else_=0))
        stmt = select(finding_votes.c.rule, finding_votes.c.term, dismissed, helpful).group_by(
            finding_votes.c.rule, finding_votes.c.term
        )
        if since is not None:
            stmt = stmt.where(finding_votes.c.voted_at >= since)
        stmt = stmt.order_by(dismissed.desc(), finding_votes.c.rule).limit(max(1, limit))
        with self.db.auto() as conn:
            rows = conn.execute(stmt).all()
        return [RuleVotes(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in rows]

    def dismissal_candidates(self, *, min_votes: int, min_rate: float) -> list[RuleVotes]:
        return [
            v
            for v in self.by_rule(limit=500)
            if v.dismissed >= min_votes and v.dismissal_rate >= min_rate
        ]

    # -- suggestions -----------------------------------------------------------------------------

    def suggest(self, kind: str, rule: str, term: str) -> Suggestion | None:
        """Record a suggestion; None when this kind, rule and term was suggested before."""
        if kind not in SUGGESTION_KINDS:
            raise ValueError(f"kind must be one of {SUGGESTION_KINDS}, not {kind!r}")
        stmt = (
            self.db.insert(guide_suggestions)
            .values(kind=kind, rule=rule, term=term, state="open", created_at=time.time())
            .on_conflict_do_nothing(index_elements=["kind", "rule", "term"])
            .returning(guide_suggestions.c.id)
        )
        with self.db.auto() as conn:
            new_id = conn.execute(stmt).scalar()
        return None if new_id is None else self.suggestion(int(new_id))

    def find(self, kind: str, rule: str, term: str) -> Suggestion | None:
        with self.db.auto() as conn:
            found = conn.execute(
                select(guide_suggestions.c.id).where(
                    guide_suggestions.c.kind == kind,
                    guide_suggestions.c.rule == rule,
                    guide_suggestions.c.term == term,
                )
            ).scalar()
        return None if found is None else self.suggestion(int(found))

    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        with self.db.auto() as conn:
            r = conn.execute(
                select(guide_suggestions).where(guide_suggestions.c.id == suggestion_id)
            ).one_or_none()
        if r is None:
            return None
        return Suggestion(
            int(r.id), r.kind, r.rule, r.term, r.state, float(r.created_at), r.decided_by
        )

    def suggestions(self, state: str | None = None) -> list[Suggestion]:
        stmt = select(guide_suggestions.c.id).order_by(guide_suggestions.c.id)
        if state is not None:
            stmt = stmt.where(guide_suggestions.c.state == state)
        with self.db.auto() as conn:
            ids = [int(r[0]) for r in conn.execute(stmt)]
        return [s for s in (self.suggestion(i) for i in ids) if s is not None]

    def take(self, suggestion_id: int, by: str) -> Suggestion | None:
        """Move an open suggestion to ``accepted`` (exactly one click wins); None otherwise."""
        stmt = (
            update(guide_suggestions)
            .where(guide_suggestions.c.id == suggestion_id, guide_suggestions.c.state == "open")
            .values(state="accepted", decided_by=by, decided_at=time.time())
        )
        with self.db.auto() as conn:
            if conn.execute(stmt).rowcount != 1:
                return None
        return self.suggestion(suggestion_id)

    def finish(self, suggestion_id: int, state: str) -> None:
        """``applied`` once the guide changed; ``open`` again when applying failed."""
        with self.db.auto() as conn:
            conn.execute(
                update(guide_suggestions)
                .where(guide_suggestions.c.id == suggestion_id)
                .values(state=state)
            )
