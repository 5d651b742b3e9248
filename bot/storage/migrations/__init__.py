"""Alembic migrations (``versions/``), applied by :mod:`bot.storage.migrate` under a lock."""
