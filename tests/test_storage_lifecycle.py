"""The issue-13 tables on SQLite and PostgreSQL: channel policy with its audit, sign-offs per
version and pending approvals, votes per rule and term, suggestions taken once, digest periods
claimed once (also by racing threads); the upgrade from revision 0002 keeps the history."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from bot.storage import open_database
from bot.storage.audit import AuditLog
from bot.storage.channel_policy import ChannelPolicy
from bot.storage.database import Database
from bot.storage.digests import DigestClaims
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.signoffs import Signoffs, pending
from bot.storage.votes import Votes
from bot.store import Store


def test_policy_signoffs_votes_suggestions(db_url: str) -> None:
    db = open_database(db_url)
    try:
        audit = AuditLog(db)
        policy = ChannelPolicy(db, audit)
        policy.set("C0PRESS", watched=True, profile="formal", actor="U0A")
        policy.set("C0PRESS", watched=False, profile=None, actor="U0B")
        [rule] = policy.all()
        assert (rule.watched, rule.profile, rule.updated_by) == (False, None, "U0B")
        entries = audit.entries()
        assert [e.action for e in entries] == ["admin.watch", "admin.unwatch"]
        assert entries[1].detail["before"] == {"watched": True, "profile": "formal"}

        store = Store(db)
        store.save_review("C1", "1.1", "", version="1.1", reply_ts="2.2", review={}, verdict="fail")
        store.save_review("C1", "3.3", "", version="3.3", reply_ts="4.4", review={}, verdict="pass")
        signoffs = Signoffs(db, audit)
        signoffs.decide("C1", "1.1", "", version="1.1", decision="approved", by="U0M", author="U0A")
        assert [p.ts for p in pending(db, since=0)] == ["3.3"]
        # the draft is edited: a new version is open again
        store.save_review("C1", "1.1", "", version="1.5", reply_ts="2.2", review={}, verdict="fail")
        assert {p.ts for p in pending(db, since=0)} == {"1.1", "3.3"}
        assert signoffs.for_version("C1", "1.1", "", "1.5") is None
        assert signoffs.get("C1", "1.1").version == "1.1"

        votes = Votes(db, audit)
        for voter, vote in (("U1", "dismiss"), ("U2", "dismiss"), ("U3", "helpful")):
            votes.vote(
                channel="C1",
                ts="1.1",
                part="",
                version="1.1",
                position=0,
                voter=voter,
                vote=vote,
                rule="Brand.Spelling",
                term="Zorblat",
            )
        # a second click by the same voter changes the vote, never counts twice
        votes.vote(
            channel="C1",
            ts="1.1",
            part="",
            version="1.1",
            position=0,
            voter="U3",
            vote="dismiss",
            rule="Brand.Spelling",
            term="zorblat",
        )
        [v] = votes.by_rule()
        assert (v.term, v.dismissed, v.helpful, v.total) == ("zorblat", 3, 0, 3)
        first = votes.suggest("accept_term", "Brand.Spelling", "zorblat")
        assert (
            first is not None and votes.suggest("accept_term", "Brand.Spelling", "zorblat") is None
        )
        assert votes.take(first.id, "U0ADMIN") is not None
        assert votes.take(first.id, "U0ADMIN") is None  # one click wins
        votes.finish(first.id, "applied")
        assert votes.suggestions("applied")[0].decided_by == "U0ADMIN"
    finally:
        db.close()


def test_a_digest_period_is_claimed_once_by_racing_replicas(db_url: str) -> None:
    dbs = [open_database(db_url) for _ in range(4)]
    try:
        wins: list[str] = []
        barrier = threading.Barrier(len(dbs))

        def race(i: int) -> None:
            barrier.wait()
            if DigestClaims(dbs[i]).claim("2026-W48", f"r{i}"):
                wins.append(f"r{i}")

        threads = [threading.Thread(target=race, args=(i,)) for i in range(len(dbs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(wins) == 1
        assert DigestClaims(dbs[0]).claimed() == ["2026-W48"]
    finally:
        for db in dbs:
            db.close()


def test_upgrade_from_0002_keeps_the_history(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db, "0002")
        with db.transaction() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO review_history (review_key, reviewed_at, kind, part, verdict, "
                    "score, word_count, text_sha256) VALUES ('k', :t, 'thread', '', 'pass', 90, "
                    "10, 'x')"
                ),
                {"t": time.time()},
            )
            rid = conn.execute(sa.text("SELECT id FROM review_history")).scalar()
            conn.execute(
                sa.text(
                    "INSERT INTO review_findings (review_id, position, rule, category, severity, "
                    "span_start, span_end, message) VALUES (:r, 0, 'R', 'c', 'warning', 0, 1, 'm')"
                ),
                {"r": rid},
            )
        upgrade(db)
        assert current_revision(db) == head_revision() == "1301"
        with db.auto() as conn:
            row = conn.execute(sa.text("SELECT formality, confidence FROM review_history")).one()
            assert tuple(row) == (None, None)
            assert conn.execute(sa.text("SELECT term FROM review_findings")).scalar() == ""
    finally:
        db.close()
