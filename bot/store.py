"""Embedded SQLite state: deliveries seen, the jobs journal, reviews per draft, alerts sent.

Calls are short and synchronous (WAL mode, one connection guarded by a lock); each is a single
indexed statement or a small transaction, well under a millisecond on a local disk, so the event
loop calls them directly. Several processes may share one file (WAL + busy timeout).

A damaged file never stops the bot: a database SQLite cannot open is moved aside (with its
-wal/-shm files) with a warning and a fresh journal starts; a journal row that is not JSON is
marked failed with a warning and skipped.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    lane TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,            -- queued / running / done / failed
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
CREATE TABLE IF NOT EXISTS reviews (
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    part TEXT NOT NULL DEFAULT '',  -- '' for the message text, a file id for uploaded files
    reply_ts TEXT,
    version TEXT NOT NULL,          -- the draft version (its edited ts, else its ts)
    review TEXT,                    -- Review.to_dict() JSON
    verdict TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    PRIMARY KEY (channel, ts, part)
);
CREATE TABLE IF NOT EXISTS alerts (
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    part TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (channel, ts, part, version)
);
"""

JOB_STATES = ("queued", "running", "done", "failed")


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


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if self.path == ":memory:":
                raise
            aside = self._move_aside()
            log.warning(
                "the journal %s is damaged (%s); moved aside to %s, starting a fresh one",
                self.path,
                exc,
                aside,
            )
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            with self._lock:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA busy_timeout=10000")
                db.executescript(SCHEMA)
                db.execute("SELECT COUNT(*) FROM jobs").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _move_aside(self) -> str:
        base = str(Path(self.path).expanduser())
        aside = f"{base}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(base + suffix):
                os.replace(base + suffix, aside + suffix)
        return aside

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- deliveries ---------------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM deliveries WHERE key = ?", (key,)).fetchone()
        return row is not None

    def claim(self, key: str) -> bool:
        """Record a delivery; True the first time ``key`` is claimed, False for a duplicate."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO deliveries (key, seen_at) VALUES (?, ?)", (key, time.time())
            )
        return cur.rowcount == 1

    def prune_deliveries(self, older_than_s: float = 7 * 86400) -> int:
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM deliveries WHERE seen_at < ?", (time.time() - older_than_s,)
            )
        return cur.rowcount

    # -- jobs journal -------------------------------------------------------------------------

    def add_job(self, key: str, lane: str, kind: str, payload: Mapping[str, Any]) -> Job | None:
        """Journal a job (state queued). None when a job with this key already exists."""
        now = time.time()
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO jobs (key, lane, kind, payload, state, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (key, lane, kind, json.dumps(payload), now, now),
            )
            if cur.rowcount != 1:
                return None
            job_id = cur.lastrowid
        assert job_id is not None
        return Job(job_id, key, lane, kind, dict(payload), "queued", 0)

    def job_exists(self, key: str) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM jobs WHERE key = ?", (key,)).fetchone() is not None
            )

    def start_job(self, job_id: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state='running', attempts=attempts+1, updated_at=? WHERE id=?",
                (time.time(), job_id),
            )

    def finish_job(self, job_id: int, *, error: str | None = None) -> None:
        state = "failed" if error else "done"
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state=?, error=?, updated_at=? WHERE id=?",
                (state, error, time.time(), job_id),
            )

    def requeue_job(self, job_id: int, error: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET state='queued', error=?, updated_at=? WHERE id=?",
                (error, time.time(), job_id),
            )

    def get_job(self, job_id: int) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job_or_none(row)

    def unfinished_jobs(self) -> list[Job]:
        """Jobs still queued or running (a crash or restart), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY id"
            ).fetchall()
        jobs = []
        for r in rows:
            job = _job_or_none(r)
            if job is not None:
                jobs.append(job)
                continue
            log.warning("journal row %s (%s) is not valid JSON; marked failed", r["id"], r["key"])
            self.finish_job(int(r["id"]), error="damaged journal row (not JSON)")
        return jobs

    def job_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    # -- reviews ------------------------------------------------------------------------------

    def get_review(self, channel: str, ts: str, part: str = "") -> ReviewRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM reviews WHERE channel=? AND ts=? AND part=?", (channel, ts, part)
            ).fetchone()
        if row is None:
            return None
        return ReviewRecord(
            channel=row["channel"],
            ts=row["ts"],
            part=row["part"],
            reply_ts=row["reply_ts"],
            version=row["version"],
            review=_json_object(row["review"]),
            verdict=row["verdict"],
            deleted=bool(row["deleted"]),
        )

    def reviews_for_message(self, channel: str, ts: str) -> list[ReviewRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT part FROM reviews WHERE channel=? AND ts=? ORDER BY part", (channel, ts)
            ).fetchall()
        out = [self.get_review(channel, ts, str(r[0])) for r in rows]
        return [r for r in out if r is not None]

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
        with self._lock:
            self._db.execute(
                "INSERT INTO reviews (channel, ts, part, reply_ts, version, review, verdict, "
                "deleted, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) "
                "ON CONFLICT (channel, ts, part) DO UPDATE SET reply_ts=excluded.reply_ts, "
                "version=excluded.version, review=excluded.review, verdict=excluded.verdict, "
                "updated_at=excluded.updated_at",
                (
                    channel,
                    ts,
                    part,
                    reply_ts,
                    version,
                    None if review is None else json.dumps(review),
                    verdict,
                    time.time(),
                ),
            )

    def mark_deleted(self, channel: str, ts: str) -> list[ReviewRecord]:
        """Flag every review of the message as deleted; returns the records as they were."""
        records = self.reviews_for_message(channel, ts)
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO reviews (channel, ts, part, version, deleted, updated_at) "
                "VALUES (?, ?, '', '0', 1, ?)",
                (channel, ts, now),
            )
            self._db.execute(
                "UPDATE reviews SET deleted=1, updated_at=? WHERE channel=? AND ts=?",
                (now, channel, ts),
            )
        return records

    def is_deleted(self, channel: str, ts: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM reviews WHERE channel=? AND ts=? AND deleted=1 LIMIT 1",
                (channel, ts),
            ).fetchone()
        return row is not None

    # -- alerts -------------------------------------------------------------------------------

    def alert_sent(self, channel: str, ts: str, part: str, version: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM alerts WHERE channel=? AND ts=? AND part=? AND version=?",
                (channel, ts, part, version),
            ).fetchone()
        return row is not None

    def record_alert(self, channel: str, ts: str, part: str, version: str) -> bool:
        """True the first time an alert for this draft version is recorded."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO alerts (channel, ts, part, version, sent_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (channel, ts, part, version, time.time()),
            )
        return cur.rowcount == 1

    def alert_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0])


def _json_object(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("a stored review is not valid JSON; ignored")
        return None
    return value if isinstance(value, dict) else None


def _job_or_none(row: sqlite3.Row) -> Job | None:
    try:
        job = _job(row)
    except (ValueError, TypeError):
        return None
    return job if isinstance(job.payload, dict) else None


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=int(row["id"]),
        key=row["key"],
        lane=row["lane"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=int(row["attempts"]),
    )
