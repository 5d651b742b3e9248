"""Storage: one data-access layer over SQLite (default) or PostgreSQL.

* :mod:`bot.storage.database` — ``open_database``, ``Database`` (engine, ``auto`` and
  ``transaction`` connections, ``ping``);
* :mod:`bot.storage.migrate` — the Alembic migrations, applied at start under a lock;
* :mod:`bot.storage.schema` — the tables as SQLAlchemy Core objects, for queries;
* :mod:`bot.storage.history` — the review history (record, query, export, retention).

``bot.store.Store`` (the jobs journal, deduplication, per-draft reviews, alerts) is built on the
same ``Database``.
"""

from bot.storage.database import Database, DatabaseError, is_postgres_url, open_database

__all__ = ["Database", "DatabaseError", "is_postgres_url", "open_database"]
