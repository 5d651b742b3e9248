"""Issue 13, managers and the review lifecycle: audit log, stored channel policy, sign-offs,
finding votes, guide suggestions, weekly digest claims.

Numbered 1301 (issue 13, first revision) so that revisions added on other branches in the
0003... range do not collide; when both land, the later one's ``down_revision`` is rebased.

Revision ID: 1301
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1301"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.Float(precision=53)


def upgrade() -> None:
    # tone drift and frequent terms in the stats: the tone reading and the finding's words
    op.add_column("review_history", sa.Column("formality", sa.Float))
    op.add_column("review_history", sa.Column("confidence", sa.Float))
    op.add_column("review_findings", sa.Column("term", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", Time, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sqlite_autoincrement=True,
    )
    op.create_index("audit_log_time", "audit_log", ["at"])
    op.create_table(
        "channel_policy",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("watched", sa.Integer, nullable=False),
        sa.Column("profile", sa.Text),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "signoffs",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("ts", sa.Text, primary_key=True),
        sa.Column("part", sa.Text, primary_key=True, server_default=""),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", Time, nullable=False),
        sa.Column("author", sa.Text),
    )
    op.create_table(
        "finding_votes",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("ts", sa.Text, primary_key=True),
        sa.Column("part", sa.Text, primary_key=True, server_default=""),
        sa.Column("version", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("voter", sa.Text, primary_key=True),
        sa.Column("vote", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("term", sa.Text, nullable=False, server_default=""),
        sa.Column("voted_at", Time, nullable=False),
    )
    op.create_index("finding_votes_rule", "finding_votes", ["rule", "term"])
    op.create_table(
        "guide_suggestions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("term", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", Time),
        sa.UniqueConstraint("kind", "rule", "term", name="guide_suggestions_once"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "digest_periods",
        sa.Column("period", sa.Text, primary_key=True),
        sa.Column("claimed_by", sa.Text, nullable=False),
        sa.Column("claimed_at", Time, nullable=False),
    )
