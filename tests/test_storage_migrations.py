"""Migrations: from an empty database, from the journal of before (no version table), from the
previous revision; two processes migrating at once; the schema module matches the result."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlalchemy as sa

from bot.storage import open_database
from bot.storage.database import Database
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.schema import metadata

# bot/store.py's SCHEMA before issue 12, verbatim: what an existing user's brandbot.sqlite3 holds
LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    lane TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
CREATE TABLE IF NOT EXISTS reviews (
    channel TEXT NOT NULL, ts TEXT NOT NULL, part TEXT NOT NULL DEFAULT '', reply_ts TEXT,
    version TEXT NOT NULL, review TEXT, verdict TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL, PRIMARY KEY (channel, ts, part)
);
CREATE TABLE IF NOT EXISTS alerts (
    channel TEXT NOT NULL, ts TEXT NOT NULL, part TEXT NOT NULL DEFAULT '', version TEXT NOT NULL,
    sent_at REAL NOT NULL, PRIMARY KEY (channel, ts, part, version)
);
"""


def _columns(db: Database) -> dict[str, set[str]]:
    insp = sa.inspect(db.engine)
    return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}


def _expected() -> dict[str, set[str]]:
    return {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}


def test_empty_database_reaches_the_head_and_matches_the_schema_module(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert current_revision(db) == head_revision()
        got = _columns(db)
        got.pop("alembic_version")
        assert got == _expected()
        upgrade(db)  # again: nothing to do
        assert current_revision(db) == head_revision()
    finally:
        db.close()


def test_a_journal_from_before_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "brandbot.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript(LEGACY_SCHEMA)
    raw.execute(
        "INSERT INTO jobs (key, lane, kind, payload, state, created_at, updated_at) "
        "VALUES ('k1', 'review', 'thread', '{\"text\": \"hi\"}', 'queued', 1.0, 1.0)"
    )
    raw.execute("INSERT INTO deliveries VALUES ('event:Ev1', 1.0)")
    raw.execute("INSERT INTO alerts VALUES ('C1', '1.1', '', '1.1', 2.0)")
    raw.commit()
    raw.close()

    db = open_database(path)
    try:
        assert current_revision(db) == head_revision()
        assert _columns(db)["jobs"] >= {"owner", "lease_until", "available_at"}
        with db.auto() as conn:
            job = conn.execute(sa.text("SELECT key, state, available_at FROM jobs")).one()
            assert tuple(job) == ("k1", "queued", 0)
            assert conn.execute(sa.text("SELECT key FROM deliveries")).scalar() == "event:Ev1"
            assert conn.execute(sa.text("SELECT COUNT(*) FROM alerts")).scalar() == 1
    finally:
        db.close()


def test_upgrade_from_the_previous_revision_keeps_rows(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db, "0001")
        assert current_revision(db) == "0001"
        assert "review_history" not in _columns(db)
        with db.transaction() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO jobs (key, lane, kind, payload, state, attempts, created_at, "
                    "updated_at) VALUES ('k', 'alert', 'alert', '{}', 'running', 2, 1, 1)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO reviews (channel, ts, part, version, deleted, updated_at) "
                    "VALUES ('C1', '1.1', '', '1.1', 0, 1)"
                )
            )
        upgrade(db)
        assert current_revision(db) == head_revision()
        with db.auto() as conn:
            row = conn.execute(sa.text("SELECT state, attempts, owner FROM jobs")).one()
            assert tuple(row) == ("running", 2, None)
            assert conn.execute(sa.text("SELECT COUNT(*) FROM reviews")).scalar() == 1
    finally:
        db.close()


def test_replicas_starting_together_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []
    opened: list[Database] = []

    def start() -> None:
        try:
            opened.append(open_database(db_url))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, errors
        assert len(opened) == 4
        assert {current_revision(d) for d in opened} == {head_revision()}
    finally:
        for d in opened:
            d.close()


def test_start_waits_for_a_writer_on_a_file_in_the_old_journal_mode(tmp_path: Path) -> None:
    """Switching a file to WAL fails at once while another connection holds a lock (SQLite does
    not apply the busy timeout there): a replica starting while another writes, or replicas
    starting together on a new file, used to fail with ``database is locked``."""
    path = tmp_path / "brandbot.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.executescript(LEGACY_SCHEMA)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO deliveries (key, seen_at) VALUES ('held', 1)")
    release = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    release.start()
    try:
        db = open_database(path)
    finally:
        release.join()
        writer.close()
    try:
        assert current_revision(db) == head_revision()
        with db.auto() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("SELECT key FROM deliveries")).scalars().all() == ["held"]
    finally:
        db.close()
