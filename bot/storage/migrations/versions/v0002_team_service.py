"""Issue 12, the team service: job leases, review history, post intents, shared state.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.Float(precision=53)


def upgrade() -> None:
    op.add_column("jobs", sa.Column("owner", sa.Text))
    op.add_column("jobs", sa.Column("lease_until", Time))
    op.add_column("jobs", sa.Column("available_at", Time, nullable=False, server_default="0"))
    op.create_index("jobs_claim", "jobs", ["lane", "state", "available_at"])

    op.create_table(
        "review_history",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("review_key", sa.Text, nullable=False, unique=True),
        sa.Column("reviewed_at", Time, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("workspace", sa.Text),
        sa.Column("channel", sa.Text),
        sa.Column("draft_ts", sa.Text),
        sa.Column("part", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("profile", sa.Text),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("word_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("model_version", sa.Text),
        sa.Column("guide_version", sa.Text),
        sa.Column("reply_channel", sa.Text),
        sa.Column("reply_ts", sa.Text),
        sa.Column("text_sha256", sa.Text, nullable=False),
        sa.Column("text", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("review_history_time", "review_history", ["reviewed_at"])
    op.create_index("review_history_channel", "review_history", ["channel", "reviewed_at"])
    op.create_index("review_history_author", "review_history", ["author", "reviewed_at"])
    op.create_index("review_history_text", "review_history", ["text_sha256"])
    op.create_table(
        "review_scores",
        sa.Column(
            "review_id",
            Id,
            sa.ForeignKey("review_history.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.Text, primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_table(
        "review_findings",
        sa.Column(
            "review_id",
            Id,
            sa.ForeignKey("review_history.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("span_start", sa.Integer, nullable=False),
        sa.Column("span_end", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("review_findings_rule", "review_findings", ["rule"])

    op.create_table(
        "post_intents",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("thread_ts", sa.Text),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("message_ts", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "rate_buckets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "channel_names",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("expires_at", Time, nullable=False),
    )
