"""The schema at the newest migration, as SQLAlchemy Core tables (for building queries).

The tables are *created* only by the migrations (``bot/storage/migrations/versions``); this
module describes what they produce. ``tests/test_storage_migrations.py`` checks that the two
agree. Times are Unix seconds (floats) in every table, the same on both backends.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# ids autoincrement on both backends (SQLite only does so for INTEGER PRIMARY KEY)
Id = BigInteger().with_variant(Integer(), "sqlite")
Time = Float(precision=53)

deliveries = Table(
    "deliveries",
    metadata,
    Column("key", Text, primary_key=True),  # event:<id>, envelope:<id>, <job>:to:<target>
    Column("seen_at", Time, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("lane", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", Text, nullable=False),  # queued / running / done / failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    # issue 12: leases
    Column("owner", Text),  # the replica running it (state running)
    Column("lease_until", Time),  # another replica may take it over after this
    Column("available_at", Time, nullable=False, server_default="0"),  # retry backoff
    sqlite_autoincrement=True,
)
Index("jobs_state", jobs.c.state, jobs.c.id)
Index("jobs_claim", jobs.c.lane, jobs.c.state, jobs.c.available_at)

reviews = Table(
    "reviews",
    metadata,
    Column("channel", Text, primary_key=True),
    Column("ts", Text, primary_key=True),
    Column("part", Text, primary_key=True, server_default=""),
    Column("reply_ts", Text),
    Column("version", Text, nullable=False),
    Column("review", Text),
    Column("verdict", Text),
    Column("deleted", Integer, nullable=False, server_default="0"),
    Column("updated_at", Time, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("channel", Text, primary_key=True),
    Column("ts", Text, primary_key=True),
    Column("part", Text, primary_key=True, server_default=""),
    Column("version", Text, primary_key=True),
    Column("sent_at", Time, nullable=False),
)

# -- issue 12 ---------------------------------------------------------------------------------

review_history = Table(
    "review_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # one row per reviewed draft version: thread:<channel>:<ts>:<part>:<version>, or the job key
    Column("review_key", Text, nullable=False, unique=True),
    Column("reviewed_at", Time, nullable=False),
    Column("kind", Text, nullable=False),  # thread / file / private
    Column("workspace", Text),
    Column("channel", Text),
    Column("draft_ts", Text),
    Column("part", Text, nullable=False, server_default=""),
    Column("version", Text),
    Column("author", Text),
    Column("profile", Text),
    Column("verdict", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("word_count", Integer, nullable=False, server_default="0"),
    Column("model_version", Text),
    Column("guide_version", Text),
    Column("reply_channel", Text),
    Column("reply_ts", Text),
    Column("text_sha256", Text, nullable=False),
    Column("text", Text),  # only with BRANDBOT_HISTORY_STORE_TEXT=true
    Column("formality", Float),  # issue 13: the tone reading (None: tone not analysed)
    Column("confidence", Float),
    sqlite_autoincrement=True,
)
Index("review_history_time", review_history.c.reviewed_at)
Index("review_history_channel", review_history.c.channel, review_history.c.reviewed_at)
Index("review_history_author", review_history.c.author, review_history.c.reviewed_at)
Index("review_history_text", review_history.c.text_sha256)

review_scores = Table(
    "review_scores",
    metadata,
    Column("review_id", Id, ForeignKey("review_history.id", ondelete="CASCADE"), primary_key=True),
    Column("category", Text, primary_key=True),
    Column("score", Float, nullable=False),
)

review_findings = Table(
    "review_findings",
    metadata,
    Column("review_id", Id, ForeignKey("review_history.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("rule", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("span_start", Integer, nullable=False),
    Column("span_end", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("term", Text, nullable=False, server_default=""),  # issue 13: the words, lower-case
)
Index("review_findings_rule", review_findings.c.rule)

post_intents = Table(
    "post_intents",
    metadata,
    Column("key", Text, primary_key=True),  # the job key that is in the message's metadata
    Column("channel", Text, nullable=False),
    Column("thread_ts", Text),
    Column("state", Text, nullable=False),  # intent / posted
    Column("message_ts", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
)

rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("name", Text, primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Time, nullable=False),
)

channel_names = Table(
    "channel_names",
    metadata,
    Column("channel", Text, primary_key=True),
    Column("name", Text),  # NULL: the lookup failed (cached briefly)
    Column("expires_at", Time, nullable=False),
)

# -- issue 13 ---------------------------------------------------------------------------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Time, nullable=False),
    Column("actor", Text, nullable=False),  # a Slack user id, or "brandbot" for its own acts
    Column("action", Text, nullable=False),  # admin.watch, signoff.approve, guide.accept, ...
    Column("target", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),  # JSON
    sqlite_autoincrement=True,
)
Index("audit_log_time", audit_log.c.at)

channel_policy = Table(
    "channel_policy",
    metadata,
    Column("channel", Text, primary_key=True),  # a channel id, or #name
    Column("watched", Integer, nullable=False),  # 1 watch, 0 unwatch (overrides settings)
    Column("profile", Text),  # the guide profile for the channel (overrides the guide's map)
    Column("updated_by", Text, nullable=False),
    Column("updated_at", Time, nullable=False),
)

signoffs = Table(
    "signoffs",
    metadata,
    Column("channel", Text, primary_key=True),
    Column("ts", Text, primary_key=True),
    Column("part", Text, primary_key=True, server_default=""),
    Column("version", Text, nullable=False),  # the draft version the decision is about
    Column("decision", Text, nullable=False),  # approved / changes_requested
    Column("decided_by", Text, nullable=False),
    Column("decided_at", Time, nullable=False),
    Column("author", Text),
)

finding_votes = Table(
    "finding_votes",
    metadata,
    Column("channel", Text, primary_key=True),
    Column("ts", Text, primary_key=True),
    Column("part", Text, primary_key=True, server_default=""),
    Column("version", Text, primary_key=True),
    Column("position", Integer, primary_key=True),  # the finding's index in the stored review
    Column("voter", Text, primary_key=True),
    Column("vote", Text, nullable=False),  # dismiss / helpful
    Column("rule", Text, nullable=False),
    Column("term", Text, nullable=False, server_default=""),  # the matched words, lower-case
    Column("voted_at", Time, nullable=False),
)
Index("finding_votes_rule", finding_votes.c.rule, finding_votes.c.term)

guide_suggestions = Table(
    "guide_suggestions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),  # accept_term / lower_severity
    Column("rule", Text, nullable=False),
    Column("term", Text, nullable=False, server_default=""),
    Column("state", Text, nullable=False),  # open / accepted / applied
    Column("created_at", Time, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", Time),
    UniqueConstraint("kind", "rule", "term", name="guide_suggestions_once"),
    sqlite_autoincrement=True,
)

digest_periods = Table(
    "digest_periods",
    metadata,
    Column("period", Text, primary_key=True),  # e.g. 2026-W48: claimed once, before sending
    Column("claimed_by", Text, nullable=False),
    Column("claimed_at", Time, nullable=False),
)
