"""The journal as it was before migrations existed (deliveries, jobs, reviews, alerts).

A SQLite file written by an older brandbot already has these tables (created with ``CREATE
TABLE IF NOT EXISTS``, no version table): they are kept as they are, and only the missing ones
are created. A new database gets all four.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.Float(precision=53)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "deliveries" not in existing:
        op.create_table(
            "deliveries",
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("seen_at", Time, nullable=False),
        )
    if "jobs" not in existing:
        op.create_table(
            "jobs",
            sa.Column("id", Id, primary_key=True, autoincrement=True),
            sa.Column("key", sa.Text, nullable=False, unique=True),
            sa.Column("lane", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("error", sa.Text),
            sa.Column("created_at", Time, nullable=False),
            sa.Column("updated_at", Time, nullable=False),
            sqlite_autoincrement=True,
        )
        op.create_index("jobs_state", "jobs", ["state", "id"])
    if "reviews" not in existing:
        op.create_table(
            "reviews",
            sa.Column("channel", sa.Text, primary_key=True),
            sa.Column("ts", sa.Text, primary_key=True),
            sa.Column("part", sa.Text, primary_key=True, server_default=""),
            sa.Column("reply_ts", sa.Text),
            sa.Column("version", sa.Text, nullable=False),
            sa.Column("review", sa.Text),
            sa.Column("verdict", sa.Text),
            sa.Column("deleted", sa.Integer, nullable=False, server_default="0"),
            sa.Column("updated_at", Time, nullable=False),
        )
    if "alerts" not in existing:
        op.create_table(
            "alerts",
            sa.Column("channel", sa.Text, primary_key=True),
            sa.Column("ts", sa.Text, primary_key=True),
            sa.Column("part", sa.Text, primary_key=True, server_default=""),
            sa.Column("version", sa.Text, primary_key=True),
            sa.Column("sent_at", Time, nullable=False),
        )
