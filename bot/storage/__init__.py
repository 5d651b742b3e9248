"""Storage: one data-access layer over SQLite (default) or PostgreSQL.

* :mod:`bot.storage.database` — ``open_database``, ``Database`` (engine, ``auto`` and
  ``transaction`` connections, ``ping``);
* :mod:`bot.storage.migrate` — the Alembic migrations, applied at start under a lock;
* :mod:`bot.storage.schema` — the tables as SQLAlchemy Core objects, for queries;
* :mod:`bot.storage.history` — the review history (record, query, export, retention).

``bot.store.Store`` (the jobs journal, deduplication, per-draft reviews, alerts) is built on the
same ``Database``.
"""

import logging

from bot.storage.database import Database, DatabaseError, is_postgres_url, open_database

# Alembic logs a line per plugin when it is imported and per step when it runs; our migration
# runner logs one line per migration. (Set here: the package is imported before alembic is.)
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)

__all__ = ["Database", "DatabaseError", "is_postgres_url", "open_database"]
