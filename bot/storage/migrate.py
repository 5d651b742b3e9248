"""Schema migrations: Alembic revisions in ``bot/storage/migrations/versions``, applied at start.

``upgrade(db)`` runs every pending revision in ONE transaction that first takes a lock, so two
replicas starting together never migrate at once: the second waits, then finds nothing to do.

* PostgreSQL: ``pg_advisory_xact_lock`` (released with the transaction, also when the process
  dies); PostgreSQL's DDL is transactional, so a failed migration leaves the old schema.
* SQLite: the transaction begins with ``BEGIN IMMEDIATE`` (the file's write lock); SQLite's DDL
  is transactional too.

A SQLite file from before migrations existed (the four journal tables, no ``alembic_version``)
is adopted by revision 0001, which creates only the tables that are missing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.storage.database import Database

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key: "brandbot" as a number (any constant shared by all replicas)
LOCK_KEY = int.from_bytes(b"brandbot", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The database's revision (None: never migrated, or a pre-migration SQLite journal)."""
    with db.auto() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` under the migration lock (see the module docstring)."""
    cfg = _config()
    with db.transaction() as conn:
        if db.is_postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(conn).get_current_revision()
    if before != after:
        log.info("database schema migrated from %s to %s (%s)", before, after, db.display_url)
