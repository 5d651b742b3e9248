"""The review history: every review the bot made, for managers' insights and exports.

One ``review_history`` row per reviewed draft version (``review_key`` is unique, so a job that
runs twice — a retry, a takeover by another replica — records its review once), with its
per-category scores in ``review_scores`` and its findings in ``review_findings`` (rule, category,
severity, char-offset span into the draft as written, message).

The draft's text is stored only when ``BRANDBOT_HISTORY_STORE_TEXT`` is on (off by default);
``text_sha256`` (of the text as written) is always stored, so repeats of one draft are found
without keeping it. ``delete_older_than`` is the retention job (``BRANDBOT_HISTORY_DAYS``).

Typed API for other modules (issue 13 builds manager stats on it): :class:`HistoryEntry`,
:func:`entry_from_review`, :class:`ReviewHistory` (``record``, ``get``, ``query``, ``iter``,
``count``, ``repeats``, ``delete_older_than``). All calls are synchronous; async code calls them
through ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, select, true

from analyzers import Review
from bot.storage.database import Database
from bot.storage.schema import review_findings, review_history, review_scores

KINDS = ("thread", "file", "private")


@dataclass(frozen=True)
class FindingRecord:
    rule: str
    category: str
    severity: str
    start: int  # char offsets into the draft as written
    end: int
    message: str
    term: str = ""  # issue 13: the finding's words, lower-case (at most 100 characters)


@dataclass(frozen=True)
class HistoryEntry:
    review_key: str
    reviewed_at: float  # Unix seconds
    kind: str  # thread / file / private
    verdict: str
    score: float
    text_sha256: str
    workspace: str | None = None
    channel: str | None = None
    draft_ts: str | None = None
    part: str = ""
    version: str | None = None
    author: str | None = None
    profile: str | None = None
    word_count: int = 0
    model_version: str | None = None
    guide_version: str | None = None
    reply_channel: str | None = None
    reply_ts: str | None = None
    text: str | None = None
    formality: float | None = None  # issue 13: the tone model's reading, for tone drift
    confidence: float | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    findings: tuple[FindingRecord, ...] = ()
    id: int | None = None  # set once stored

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scores"] = dict(self.scores)
        out["findings"] = [asdict(f) for f in self.findings]
        return out


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def finding_term(matched: str) -> str:
    """What the history keeps of a finding's words: lower-case, spaces folded, bounded."""
    return " ".join(matched.split()).lower()[:100]


def review_key(kind: str, channel: str, ts: str, part: str, version: str) -> str:
    """The key of a review of a message's draft version (thread and file reviews)."""
    return f"{kind}:{channel}:{ts}:{part}:{version}"


def entry_from_review(
    review: Review,
    *,
    review_key: str,
    kind: str,
    store_text: bool = False,
    reviewed_at: float | None = None,
    **where: Any,
) -> HistoryEntry:
    """A history entry for ``review``; ``where`` names the other ``HistoryEntry`` fields
    (workspace, channel, draft_ts, part, version, author, reply_channel, reply_ts,
    model_version, guide_version)."""
    if kind not in KINDS:
        raise ValueError(f"history kind must be one of {', '.join(KINDS)}, not {kind!r}")
    text = review.draft.text
    return HistoryEntry(
        review_key=review_key,
        reviewed_at=time.time() if reviewed_at is None else reviewed_at,
        kind=kind,
        verdict=review.verdict.value,
        score=float(review.score),
        text_sha256=text_hash(text),
        profile=review.profile,
        word_count=int(review.word_count),
        text=text if store_text else None,
        scores={str(k): float(v) for k, v in review.category_scores.items()},
        findings=tuple(
            FindingRecord(
                rule=f.rule_id,
                category=str(f.category),
                severity=f.severity.value,
                start=f.span.start,
                end=f.span.end,
                message=f.message,
                term=finding_term(f.matched),
            )
            for f in review.findings
        ),
        formality=None if review.tone is None else float(review.tone.formality),
        confidence=None if review.tone is None else float(review.tone.confidence),
        **where,
    )


_COLUMNS = [c.name for c in review_history.columns if c.name != "id"]


class ReviewHistory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, entry: HistoryEntry) -> int | None:
        """Store ``entry``; its id, or None when its ``review_key`` is already recorded."""
        row = {name: getattr(entry, name) for name in _COLUMNS}
        stmt = (
            self.db.insert(review_history)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["review_key"])
            .returning(review_history.c.id)
        )
        with self.db.transaction() as conn:
            new_id = conn.execute(stmt).scalar()
            if new_id is None:
                return None
            if entry.scores:
                conn.execute(
                    review_scores.insert(),
                    [
                        {"review_id": new_id, "category": k, "score": v}
                        for k, v in entry.scores.items()
                    ],
                )
            if entry.findings:
                conn.execute(
                    review_findings.insert(),
                    [
                        {
                            "review_id": new_id,
                            "position": i,
                            "rule": f.rule,
                            "category": f.category,
                            "severity": f.severity,
                            "span_start": f.start,
                            "span_end": f.end,
                            "message": f.message,
                            "term": f.term,
                        }
                        for i, f in enumerate(entry.findings)
                    ],
                )
        return int(new_id)

    def get(self, review_key: str) -> HistoryEntry | None:
        with self.db.auto() as conn:
            row = conn.execute(
                select(review_history).where(review_history.c.review_key == review_key)
            ).one_or_none()
            return None if row is None else _entries(conn, [row])[0]

    def query(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        channel: str | None = None,
        author: str | None = None,
        workspace: str | None = None,
        after_id: int = 0,
        limit: int = 1000,
    ) -> list[HistoryEntry]:
        """Entries in id order (the order they were recorded), at most ``limit``."""
        conds = _filters(since, until, channel, author, workspace)
        conds.append(review_history.c.id > after_id)
        stmt = (
            select(review_history)
            .where(and_(*conds))
            .order_by(review_history.c.id)
            .limit(max(1, min(limit, 10_000)))
        )
        with self.db.auto() as conn:
            rows = conn.execute(stmt).all()
            return _entries(conn, rows)

    def iter(
        self, *, since: float | None = None, until: float | None = None, batch: int = 500
    ) -> Iterator[HistoryEntry]:
        """Every entry in the window, read ``batch`` at a time (bounded memory)."""
        after = 0
        while True:
            chunk = self.query(since=since, until=until, after_id=after, limit=batch)
            yield from chunk
            if len(chunk) < batch:
                return
            after = int(chunk[-1].id or 0)

    def count(self, *, since: float | None = None, until: float | None = None) -> int:
        conds = _filters(since, until, None, None, None)
        with self.db.auto() as conn:
            stmt = select(func.count()).select_from(review_history).where(and_(true(), *conds))
            return int(conn.execute(stmt).scalar_one())

    def repeats(self, text_sha256: str) -> int:
        """How many reviews were of this exact text."""
        with self.db.auto() as conn:
            stmt = (
                select(func.count())
                .select_from(review_history)
                .where(review_history.c.text_sha256 == text_sha256)
            )
            return int(conn.execute(stmt).scalar_one())

    def latest(
        self, *, author: str | None = None, channel: str | None = None, limit: int = 10
    ) -> list[HistoryEntry]:
        """The newest ``limit`` entries (of one author / channel), newest first (issue 13)."""
        conds = _filters(None, None, channel, author, None)
        stmt = (
            select(review_history)
            .where(and_(true(), *conds))
            .order_by(review_history.c.id.desc())
            .limit(max(1, min(limit, 1000)))
        )
        with self.db.auto() as conn:
            rows = conn.execute(stmt).all()
            return _entries(conn, rows)

    def delete_older_than(self, cutoff: float, *, batch: int = 1000) -> int:
        """The retention job: delete entries reviewed before ``cutoff`` (Unix seconds), their
        scores and findings too, ``batch`` at a time (short transactions). Returns the count."""
        deleted = 0
        while True:
            with self.db.transaction() as conn:
                ids = (
                    conn.execute(
                        select(review_history.c.id)
                        .where(review_history.c.reviewed_at < cutoff)
                        .order_by(review_history.c.id)
                        .limit(batch)
                    )
                    .scalars()
                    .all()
                )
                if not ids:
                    return deleted
                conn.execute(delete(review_findings).where(review_findings.c.review_id.in_(ids)))
                conn.execute(delete(review_scores).where(review_scores.c.review_id.in_(ids)))
                conn.execute(delete(review_history).where(review_history.c.id.in_(ids)))
                deleted += len(ids)


def _filters(
    since: float | None,
    until: float | None,
    channel: str | None,
    author: str | None,
    workspace: str | None,
) -> list[ColumnElement[bool]]:
    h = review_history.c
    conds: list[ColumnElement[bool]] = []
    if since is not None:
        conds.append(h.reviewed_at >= since)
    if until is not None:
        conds.append(h.reviewed_at < until)
    if channel is not None:
        conds.append(h.channel == channel)
    if author is not None:
        conds.append(h.author == author)
    if workspace is not None:
        conds.append(h.workspace == workspace)
    return conds


def _entries(conn: Connection, rows: Sequence[Any]) -> list[HistoryEntry]:
    if not rows:
        return []
    ids = [int(r.id) for r in rows]
    scores: dict[int, dict[str, float]] = {i: {} for i in ids}
    for s in conn.execute(select(review_scores).where(review_scores.c.review_id.in_(ids))).all():
        scores[int(s.review_id)][str(s.category)] = float(s.score)
    findings: dict[int, list[FindingRecord]] = {i: [] for i in ids}
    for f in conn.execute(
        select(review_findings)
        .where(review_findings.c.review_id.in_(ids))
        .order_by(review_findings.c.review_id, review_findings.c.position)
    ).all():
        findings[int(f.review_id)].append(
            FindingRecord(
                rule=f.rule,
                category=f.category,
                severity=f.severity,
                start=int(f.span_start),
                end=int(f.span_end),
                message=f.message,
                term=f.term or "",
            )
        )
    out = []
    for r in rows:
        values = {name: getattr(r, name) for name in _COLUMNS}
        values["reviewed_at"] = float(values["reviewed_at"])
        values["score"] = float(values["score"])
        out.append(
            HistoryEntry(
                **values,
                scores=scores[int(r.id)],
                findings=tuple(findings[int(r.id)]),
                id=int(r.id),
            )
        )
    return out


def entry_json(entry: HistoryEntry) -> str:
    """One JSON line (the ``jsonl`` export)."""
    return json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True)
