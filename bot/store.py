"""The bot's shared state: deliveries seen, the jobs journal with leases, reviews per draft,
alerts sent, post intents — on SQLite (one file, the default) or PostgreSQL (several replicas).

Built on :mod:`bot.storage` (SQLAlchemy Core; the schema comes from its migrations). Every call is
synchronous and short: one statement in autocommit, or one small transaction.

**Job leases.** A replica runs a job only after :meth:`Store.claim_job` (one job it already
knows) or :meth:`Store.claim_jobs` (the next ones of a lane) made it the job's ``owner`` until
``lease_until``; it renews the lease while the job runs (:meth:`renew_leases`). A job whose lease
expired — its replica died — is claimable again; a replica that shuts down hands its jobs back
(:meth:`release_jobs`). On PostgreSQL the claim selects with ``FOR UPDATE SKIP LOCKED``, so
replicas never wait on each other's rows; on SQLite the claim is one ``BEGIN IMMEDIATE``
transaction (a single writer).

**Deduplication** is in the database: ``deliveries`` (event ids, envelope ids, per-target alert
sends) and the unique job key, so a retried delivery reaching another replica is dropped there.

A damaged SQLite file never stops the bot: a file SQLite reports corrupt or not a database is
moved aside (with its -wal/-shm files) with a warning and a fresh journal starts; a journal row
that is not JSON is marked failed with a warning and skipped. A file that is only locked by
another process or in a read-only folder is left as it is and the error is raised (``serve``
exits 2 with one line): moving it aside would drop the jobs it holds.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, exc, func, or_, select, update

from bot.storage import Database, open_database
from bot.storage.schema import (
    alerts,
    channel_names,
    deliveries,
    jobs,
    post_intents,
    rate_buckets,
    reviews,
)

log = logging.getLogger(__name__)

JOB_STATES = ("queued", "running", "done", "failed")
DEFAULT_LEASE_S = 60.0


@dataclass(frozen=True)
class Job:
    id: int
    key: str
    lane: str
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int


@dataclass(frozen=True)
class ReviewRecord:
    channel: str
    ts: str
    part: str
    reply_ts: str | None
    version: str
    review: dict[str, Any] | None
    verdict: str | None
    deleted: bool


@dataclass(frozen=True)
class PostIntent:
    key: str
    channel: str
    thread_ts: str | None
    state: str  # intent / posted
    message_ts: str | None
    attempts: int
    created_at: float


class Store:
    """``Store(path_or_url)`` opens (and migrates) the database; ``Store(database)`` shares an
    open one. ``owner`` names this replica in job leases."""

    def __init__(self, target: str | Path | Database, *, owner: str | None = None) -> None:
        self.owner = owner or f"{os.uname().nodename}:{os.getpid()}:{id(self):x}"
        self._owns_db = not isinstance(target, Database)
        if isinstance(target, Database):
            self.db = target
        else:
            self.db = self._open(str(target))
        self.path = self.db.path or self.db.display_url

    @staticmethod
    def _open(target: str) -> Database:
        try:
            return open_database(target)
        except exc.DatabaseError as error:
            if not (_is_sqlite_file(target) and _is_damage(error)):
                raise  # locked, read-only, unreachable: the file is fine, say so and keep it
            aside = _move_aside(target)
            log.warning(
                "the journal %s is damaged (%s); moved aside to %s, starting a fresh one",
                target,
                getattr(error, "orig", error),
                aside,
            )
            return open_database(target)

    def close(self) -> None:
        if self._owns_db:
            self.db.close()

    # -- deliveries ---------------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        with self.db.auto() as conn:
            row = conn.execute(select(deliveries.c.key).where(deliveries.c.key == key)).first()
        return row is not None

    def claim(self, key: str) -> bool:
        """Record a delivery; True the first time ``key`` is claimed (by any replica)."""
        stmt = (
            self.db.insert(deliveries)
            .values(key=key, seen_at=time.time())
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(deliveries.c.key)
        )
        with self.db.auto() as conn:
            return conn.execute(stmt).first() is not None

    def prune_deliveries(self, older_than_s: float = 7 * 86400, *, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - older_than_s
        with self.db.auto() as conn:
            cur = conn.execute(delete(deliveries).where(deliveries.c.seen_at < cutoff))
        return int(cur.rowcount)

    def prune_jobs(self, older_than_s: float = 7 * 86400, *, now: float | None = None) -> int:
        """Forget finished jobs (done or failed) last touched before the cutoff. Their keys
        deduplicate Slack's retries, which come within minutes; a week is ample."""
        cutoff = (time.time() if now is None else now) - older_than_s
        with self.db.auto() as conn:
            cur = conn.execute(
                delete(jobs).where(jobs.c.state.in_(("done", "failed")), jobs.c.updated_at < cutoff)
            )
        return int(cur.rowcount)

    def prune_post_intents(
        self, older_than_s: float = 7 * 86400, *, now: float | None = None
    ) -> int:
        cutoff = (time.time() if now is None else now) - older_than_s
        with self.db.auto() as conn:
            cur = conn.execute(delete(post_intents).where(post_intents.c.updated_at < cutoff))
        return int(cur.rowcount)

    # -- jobs journal -------------------------------------------------------------------------

    def add_job(self, key: str, lane: str, kind: str, payload: Mapping[str, Any]) -> Job | None:
        """Journal a job (state queued). None when a job with this key already exists."""
        now = time.time()
        stmt = (
            self.db.insert(jobs)
            .values(
                key=key,
                lane=lane,
                kind=kind,
                payload=json.dumps(payload),
                state="queued",
                attempts=0,
                created_at=now,
                updated_at=now,
                available_at=0.0,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(jobs.c.id)
        )
        with self.db.auto() as conn:
            job_id = conn.execute(stmt).scalar()
        if job_id is None:
            return None
        return Job(int(job_id), key, lane, kind, dict(payload), "queued", 0)

    def job_exists(self, key: str) -> bool:
        with self.db.auto() as conn:
            return conn.execute(select(jobs.c.id).where(jobs.c.key == key)).first() is not None

    def start_job(self, job_id: int) -> None:
        """Mark a job running without a lease (single-process callers and tests)."""
        with self.db.auto() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(state="running", attempts=jobs.c.attempts + 1, updated_at=time.time())
            )

    def claim_job(self, job_id: int, *, lease_s: float = DEFAULT_LEASE_S) -> Job | None:
        """Take one known job: it must be queued and due, or running on an expired lease.
        Returns it (attempts counted) or None when another replica has it or it is finished."""
        now = time.time()
        claimable = and_(
            jobs.c.id == job_id,
            or_(
                and_(jobs.c.state == "queued", jobs.c.available_at <= now),
                and_(jobs.c.state == "running", jobs.c.lease_until < now),
            ),
        )
        stmt = update(jobs).where(claimable).values(self._claimed(now, lease_s)).returning(*jobs.c)
        with self.db.auto() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else self._valid_job(row)

    def claim_jobs(
        self,
        lane: str,
        limit: int,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        exclude: frozenset[int] = frozenset(),
    ) -> list[Job]:
        """Take up to ``limit`` claimable jobs of ``lane``, oldest first (see :meth:`claim_job`):
        ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one write transaction on SQLite."""
        if limit <= 0:
            return []
        now = time.time()
        cond = and_(
            jobs.c.lane == lane,
            or_(
                and_(jobs.c.state == "queued", jobs.c.available_at <= now),
                and_(jobs.c.state == "running", jobs.c.lease_until < now),
            ),
        )
        if exclude:
            cond = and_(cond, jobs.c.id.not_in(sorted(exclude)))
        pick = select(jobs.c.id).where(cond).order_by(jobs.c.id).limit(limit)
        if self.db.is_postgres:
            pick = pick.with_for_update(skip_locked=True)
        with self.db.transaction() as conn:
            ids = list(conn.execute(pick).scalars())
            if not ids:
                return []
            rows = conn.execute(
                update(jobs)
                .where(jobs.c.id.in_(ids))
                .values(self._claimed(now, lease_s))
                .returning(*jobs.c)
            ).all()
        claimed = [j for j in (self._valid_job(r) for r in rows) if j is not None]
        return sorted(claimed, key=lambda j: j.id)

    def renew_leases(self, job_ids: list[int], *, lease_s: float = DEFAULT_LEASE_S) -> int:
        """Extend this replica's leases on ``job_ids``; returns how many it still holds."""
        if not job_ids:
            return 0
        now = time.time()
        with self.db.auto() as conn:
            cur = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id.in_(job_ids), jobs.c.owner == self.owner, jobs.c.state == "running"
                )
                .values(lease_until=now + lease_s, updated_at=now)
            )
        return int(cur.rowcount)

    def release_jobs(self, job_ids: list[int] | None = None, reason: str = "handed back") -> int:
        """Hand this replica's running jobs (all, or ``job_ids``) back to the queue, for any
        replica to claim at once (shutdown)."""
        cond = and_(jobs.c.owner == self.owner, jobs.c.state == "running")
        if job_ids is not None:
            cond = and_(cond, jobs.c.id.in_(job_ids))
        with self.db.auto() as conn:
            cur = conn.execute(
                update(jobs)
                .where(cond)
                .values(
                    state="queued",
                    owner=None,
                    lease_until=None,
                    available_at=0.0,
                    error=reason,
                    updated_at=time.time(),
                )
            )
        return int(cur.rowcount)

    def recover_running(self, lane: str) -> int:
        """SQLite (one process per file): jobs left running by a crashed process go back to
        the queue at once, leases or not."""
        with self.db.auto() as conn:
            cur = conn.execute(
                update(jobs)
                .where(jobs.c.lane == lane, jobs.c.state == "running")
                .values(state="queued", owner=None, lease_until=None, updated_at=time.time())
            )
        return int(cur.rowcount)

    def finish_job(self, job_id: int, *, error: str | None = None) -> None:
        state = "failed" if error else "done"
        with self.db.auto() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(
                    state=state, error=error, owner=None, lease_until=None, updated_at=time.time()
                )
            )

    def requeue_job(self, job_id: int, error: str, *, delay_s: float = 0.0) -> None:
        """Back to queued; no replica claims it before ``delay_s`` (retry backoff)."""
        now = time.time()
        with self.db.auto() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(
                    state="queued",
                    error=error,
                    owner=None,
                    lease_until=None,
                    available_at=now + max(0.0, delay_s),
                    updated_at=now,
                )
            )

    def get_job(self, job_id: int) -> Job | None:
        with self.db.auto() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else _job_or_none(row)

    def job_owner(self, job_id: int) -> tuple[str | None, float | None]:
        """(owner, lease_until) of a job (tests, diagnostics)."""
        with self.db.auto() as conn:
            row = conn.execute(
                select(jobs.c.owner, jobs.c.lease_until).where(jobs.c.id == job_id)
            ).first()
        return (None, None) if row is None else (row.owner, row.lease_until)

    def unfinished_jobs(self) -> list[Job]:
        """Jobs still queued or running (a crash or restart), oldest first."""
        with self.db.auto() as conn:
            rows = conn.execute(
                select(jobs).where(jobs.c.state.in_(("queued", "running"))).order_by(jobs.c.id)
            ).all()
        out = []
        for r in rows:
            job = self._valid_job(r)
            if job is not None:
                out.append(job)
        return out

    def _claimed(self, now: float, lease_s: float) -> dict[str, Any]:
        """The columns of a job this replica has just claimed (leased until ``now + lease_s``)."""
        return {
            "state": "running",
            "owner": self.owner,
            "lease_until": now + lease_s,
            "attempts": jobs.c.attempts + 1,
            "updated_at": now,
        }

    def _valid_job(self, row: Any) -> Job | None:
        job = _job_or_none(row)
        if job is None:
            log.warning("journal row %s (%s) is not valid JSON; marked failed", row.id, row.key)
            self.finish_job(int(row.id), error="damaged journal row (not JSON)")
        return job

    def job_counts(self) -> dict[str, int]:
        with self.db.auto() as conn:
            rows = conn.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state)).all()
        return {str(r[0]): int(r[1]) for r in rows}

    # -- post intents (bot.posting) -----------------------------------------------------------

    def post_intent(self, key: str) -> PostIntent | None:
        with self.db.auto() as conn:
            row = conn.execute(select(post_intents).where(post_intents.c.key == key)).first()
        if row is None:
            return None
        return PostIntent(
            row.key,
            row.channel,
            row.thread_ts,
            row.state,
            row.message_ts,
            int(row.attempts),
            float(row.created_at),
        )

    def record_post_intent(self, key: str, channel: str, thread_ts: str | None) -> None:
        """Before a post: the intent (attempts counted), so whoever retries knows to look."""
        now = time.time()
        stmt = self.db.insert(post_intents).values(
            key=key,
            channel=channel,
            thread_ts=thread_ts,
            state="intent",
            attempts=1,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"attempts": post_intents.c.attempts + 1, "updated_at": now},
        )
        with self.db.auto() as conn:
            conn.execute(stmt)

    def record_upload_file(self, key: str, file_id: str) -> None:
        """An upload's file id, before the step that shares it (``bot.uploads``); the intent
        stays open until ``record_posted``."""
        with self.db.auto() as conn:
            conn.execute(
                update(post_intents)
                .where(post_intents.c.key == key)
                .values(message_ts=file_id, updated_at=time.time())
            )

    def record_posted(self, key: str, message_ts: str) -> None:
        with self.db.auto() as conn:
            conn.execute(
                update(post_intents)
                .where(post_intents.c.key == key)
                .values(state="posted", message_ts=message_ts, updated_at=time.time())
            )

    # -- reviews ------------------------------------------------------------------------------

    def get_review(self, channel: str, ts: str, part: str = "") -> ReviewRecord | None:
        with self.db.auto() as conn:
            row = conn.execute(
                select(reviews).where(
                    reviews.c.channel == channel, reviews.c.ts == ts, reviews.c.part == part
                )
            ).first()
        return None if row is None else _record(row)

    def reviews_for_message(self, channel: str, ts: str) -> list[ReviewRecord]:
        with self.db.auto() as conn:
            rows = conn.execute(
                select(reviews)
                .where(reviews.c.channel == channel, reviews.c.ts == ts)
                .order_by(reviews.c.part)
            ).all()
        return [_record(r) for r in rows]

    def save_review(
        self,
        channel: str,
        ts: str,
        part: str,
        *,
        version: str,
        reply_ts: str | None,
        review: Mapping[str, Any] | None,
        verdict: str | None,
    ) -> None:
        values = {
            "reply_ts": reply_ts,
            "version": version,
            "review": None if review is None else json.dumps(review),
            "verdict": verdict,
            "updated_at": time.time(),
        }
        stmt = self.db.insert(reviews).values(
            channel=channel, ts=ts, part=part, deleted=0, **values
        )
        stmt = stmt.on_conflict_do_update(index_elements=["channel", "ts", "part"], set_=values)
        with self.db.auto() as conn:
            conn.execute(stmt)

    def forget_reply(self, channel: str, ts: str, reply_ts: str) -> int:
        """Someone deleted our reply ``reply_ts`` to message ``ts``: its records forget it, so
        the next request or edit posts a new one. Returns how many records changed."""
        with self.db.auto() as conn:
            result = conn.execute(
                update(reviews)
                .where(
                    reviews.c.channel == channel,
                    reviews.c.ts == ts,
                    reviews.c.reply_ts == reply_ts,
                )
                .values(reply_ts=None, updated_at=time.time())
            )
        return int(result.rowcount or 0)

    def mark_deleted(self, channel: str, ts: str) -> list[ReviewRecord]:
        """Flag every review of the message as deleted; returns the records as they were."""
        records = self.reviews_for_message(channel, ts)
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                self.db.insert(reviews)
                .values(channel=channel, ts=ts, part="", version="0", deleted=1, updated_at=now)
                .on_conflict_do_nothing(index_elements=["channel", "ts", "part"])
            )
            conn.execute(
                update(reviews)
                .where(reviews.c.channel == channel, reviews.c.ts == ts)
                .values(deleted=1, updated_at=now)
            )
        return records

    def is_deleted(self, channel: str, ts: str) -> bool:
        with self.db.auto() as conn:
            row = conn.execute(
                select(reviews.c.ts)
                .where(reviews.c.channel == channel, reviews.c.ts == ts, reviews.c.deleted == 1)
                .limit(1)
            ).first()
        return row is not None

    # -- alerts -------------------------------------------------------------------------------

    def alert_sent(self, channel: str, ts: str, part: str, version: str) -> bool:
        with self.db.auto() as conn:
            row = conn.execute(
                select(alerts.c.ts).where(
                    alerts.c.channel == channel,
                    alerts.c.ts == ts,
                    alerts.c.part == part,
                    alerts.c.version == version,
                )
            ).first()
        return row is not None

    def record_alert(self, channel: str, ts: str, part: str, version: str) -> bool:
        """True the first time an alert for this draft version is recorded."""
        stmt = (
            self.db.insert(alerts)
            .values(channel=channel, ts=ts, part=part, version=version, sent_at=time.time())
            .on_conflict_do_nothing(index_elements=["channel", "ts", "part", "version"])
            .returning(alerts.c.ts)
        )
        with self.db.auto() as conn:
            return conn.execute(stmt).first() is not None

    def alert_count(self) -> int:
        with self.db.auto() as conn:
            return int(conn.execute(select(func.count()).select_from(alerts)).scalar_one())

    # -- shared state: rate buckets, channel names -------------------------------------------

    def take_token(self, name: str, rate: float, burst: int, *, now: float | None = None) -> float:
        """A token bucket shared by every replica (alert pacing): take one token and return 0,
        or take nothing and return the seconds until one is due. One short transaction with the
        bucket's row locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock)."""
        now = time.time() if now is None else now
        rate = max(rate, 1e-6)
        with self.db.transaction() as conn:
            conn.execute(
                self.db.insert(rate_buckets)
                .values(name=name, tokens=float(burst), updated_at=now)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            pick = select(rate_buckets).where(rate_buckets.c.name == name)
            if self.db.is_postgres:
                pick = pick.with_for_update()
            row = conn.execute(pick).one()
            elapsed = max(0.0, now - float(row.updated_at))
            tokens = min(float(burst), float(row.tokens) + elapsed * rate)
            if tokens >= 1.0:
                tokens, wait = tokens - 1.0, 0.0
            else:
                wait = (1.0 - tokens) / rate
            conn.execute(
                update(rate_buckets)
                .where(rate_buckets.c.name == name)
                .values(tokens=tokens, updated_at=max(now, float(row.updated_at)))
            )
        return wait

    def channel_name(self, channel: str, *, now: float | None = None) -> tuple[str | None] | None:
        """A fresh shared entry for ``channel``: ``(name,)`` (``(None,)``: the lookup failed
        recently), or None when there is none."""
        now = time.time() if now is None else now
        with self.db.auto() as conn:
            row = conn.execute(
                select(channel_names.c.name).where(
                    channel_names.c.channel == channel, channel_names.c.expires_at > now
                )
            ).first()
        return None if row is None else (row.name,)

    def save_channel_name(self, channel: str, name: str | None, ttl_s: float) -> None:
        values = {"name": name, "expires_at": time.time() + ttl_s}
        stmt = self.db.insert(channel_names).values(channel=channel, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["channel"], set_=values)
        with self.db.auto() as conn:
            conn.execute(stmt)


def _is_sqlite_file(target: str) -> bool:
    from bot.storage.database import is_postgres_url

    return not is_postgres_url(target) and target != ":memory:" and not target.startswith("sqlite:")


def _is_damage(error: exc.DatabaseError) -> bool:
    """SQLite says the file is corrupt or not a database (not: locked, read-only, I/O)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _move_aside(target: str) -> str:
    base = str(Path(target).expanduser())
    aside = f"{base}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(base + suffix):
            os.replace(base + suffix, aside + suffix)
    return aside


def _record(row: Any) -> ReviewRecord:
    return ReviewRecord(
        channel=row.channel,
        ts=row.ts,
        part=row.part,
        reply_ts=row.reply_ts,
        version=row.version,
        review=_json_object(row.review),
        verdict=row.verdict,
        deleted=bool(row.deleted),
    )


def _json_object(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("a stored review is not valid JSON; ignored")
        return None
    return value if isinstance(value, dict) else None


def _job_or_none(row: Any) -> Job | None:
    try:
        payload = json.loads(row.payload)
    except (ValueError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    return Job(
        id=int(row.id),
        key=row.key,
        lane=row.lane,
        kind=row.kind,
        payload=payload,
        state=row.state,
        attempts=int(row.attempts),
    )
