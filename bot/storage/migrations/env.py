"""Alembic's entry point: runs the migrations on the connection that ``bot.storage.migrate``
hands over (already inside a transaction that holds the migration lock)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through bot.storage.migrate.upgrade (no connection given)")
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
