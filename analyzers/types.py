"""The review data model: frozen values that every analyzer produces and the bot consumes.

Everything here is plain data. ``Review.to_dict`` / ``Review.from_dict`` give a lossless
JSON round trip, which the CLI's ``--format json`` and the bot's SQLite store rely on.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    SUGGESTION = "suggestion"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def from_vale(cls, level: str) -> Severity:
        """Vale's levels are suggestion / warning / error, the same words as ours."""
        try:
            return cls(level.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown level {level!r}: expected one of suggestion, warning, error"
            ) from None


_SEVERITY_RANK = {Severity.SUGGESTION: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class SourceFormat(StrEnum):
    PLAIN = "plain"
    MRKDWN = "mrkdwn"
    MARKDOWN = "markdown"
    HTML = "html"


class Verdict(StrEnum):
    PASS = "pass"
    NEEDS_WORK = "needs_work"
    FAIL = "fail"
    NOT_REVIEWED = "not_reviewed"  # not English, or no prose: not reviewed for tone and sentiment

    @property
    def label(self) -> str:
        return {
            "pass": "Pass",
            "needs_work": "Needs work",
            "fail": "Fail",
            "not_reviewed": "Not reviewed for tone and sentiment",
        }[self.value]


class Category(StrEnum):
    TERMINOLOGY = "terminology"
    TONE = "tone"
    SENTIMENT = "sentiment"
    ENTITIES = "entities"
    READABILITY = "readability"
    STYLE = "style"


@dataclass(frozen=True, order=True)
class Span:
    """Half-open character range ``[start, end)`` into a draft's *original* text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Draft:
    """A draft to review. Lone UTF-16 surrogates (legal in JSON, e.g. ``"\\ud800"``, but not
    text) become U+FFFD here, at the boundary, so no analyzer or tokenizer ever sees them;
    one character for one keeps every offset."""

    text: str
    id: str | None = None
    format: SourceFormat = SourceFormat.PLAIN

    def __post_init__(self) -> None:
        if isinstance(self.text, str) and _SURROGATE.search(self.text):
            object.__setattr__(self, "text", _SURROGATE.sub("\ufffd", self.text))


@dataclass(frozen=True)
class Finding:
    rule_id: str
    category: str
    severity: Severity
    message: str
    span: Span
    matched: str
    suggestions: tuple[str, ...] = ()
    link: str | None = None
    action: str | None = None  # Vale's action name (replace, remove, suggest, ...)
    excerpt: str = ""  # the matched words as prose (markup removed), for display

    @property
    def display(self) -> str:
        """The words to quote to a reader: the prose excerpt, else the original characters."""
        return self.excerpt or self.matched

    @property
    def key(self) -> tuple[str, str]:
        """Identity of a finding across edits of a draft (offsets move, words do not)."""
        return (self.rule_id, self.matched.lower())


@dataclass(frozen=True)
class SentenceScore:
    """A per-sentence model output: which sentence, its label and the label's confidence."""

    span: Span
    label: str
    confidence: float
    scores: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SentimentResult:
    label: str  # positive / neutral / negative
    confidence: float
    scores: Mapping[str, float] = field(default_factory=dict)
    sentences: tuple[SentenceScore, ...] = ()


@dataclass(frozen=True)
class ToneProfile:
    formality: float  # 0 = casual, 1 = formal
    confidence: float  # 0 = hedging, 1 = confident
    emotions: Mapping[str, float] = field(default_factory=dict)  # grouped emotions, 0..1
    voice_match: float | None = None  # 0..1, None when the guide has no voice examples
    sentences: tuple[SentenceScore, ...] = ()


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # PER / ORG / LOC / MISC / PRODUCT / CORPORATION / COMPETITOR / BRAND
    span: Span
    source: str = "model"  # "model" or "guide"
    score: float = 1.0
    canonical: str | None = None  # the guide's name when the gazetteer matched


@dataclass(frozen=True)
class Language:
    """The draft's language (``analyzers.language``)."""

    code: str  # ISO 639-1: "en", "fr", ...
    confidence: float  # 0..1 probability of ``code``; 0 when the text is too short to tell
    english: bool  # reviewed as English: tone, sentiment, model entities and English rules ran
    note: str = ""  # what a reader should know ("written in French ...", "too short to tell")


@dataclass(frozen=True)
class Review:
    draft: Draft
    findings: tuple[Finding, ...]
    category_scores: Mapping[str, float]
    score: float
    verdict: Verdict
    word_count: int = 0
    profile: str | None = None
    sentiment: SentimentResult | None = None
    tone: ToneProfile | None = None
    entities: tuple[Entity, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)  # seconds per stage
    skipped: Mapping[str, str] = field(default_factory=dict)  # analysis -> reason
    language: Language | None = None  # None: no prose to tell from
    backends: Mapping[str, str] = field(default_factory=dict)  # analysis -> backend, if not default

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Review:
        return _review_from_dict(data)


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_to_jsonable(v) for v in value]
    return value


def _span(d: Mapping[str, Any]) -> Span:
    return Span(int(d["start"]), int(d["end"]))


def _sentence(d: Mapping[str, Any]) -> SentenceScore:
    return SentenceScore(
        span=_span(d["span"]),
        label=d["label"],
        confidence=float(d["confidence"]),
        scores={k: float(v) for k, v in d.get("scores", {}).items()},
    )


def _finding(d: Mapping[str, Any]) -> Finding:
    return Finding(
        rule_id=d["rule_id"],
        category=d["category"],
        severity=Severity(d["severity"]),
        message=d["message"],
        span=_span(d["span"]),
        matched=d["matched"],
        suggestions=tuple(d.get("suggestions", ())),
        link=d.get("link"),
        action=d.get("action"),
        excerpt=d.get("excerpt", ""),
    )


def _review_from_dict(d: Mapping[str, Any]) -> Review:
    draft = d["draft"]
    sentiment = d.get("sentiment")
    tone = d.get("tone")
    language = d.get("language")
    return Review(
        draft=Draft(text=draft["text"], id=draft.get("id"), format=SourceFormat(draft["format"])),
        findings=tuple(_finding(f) for f in d.get("findings", ())),
        category_scores={k: float(v) for k, v in d.get("category_scores", {}).items()},
        score=float(d["score"]),
        verdict=Verdict(d["verdict"]),
        word_count=int(d.get("word_count", 0)),
        profile=d.get("profile"),
        sentiment=None
        if sentiment is None
        else SentimentResult(
            label=sentiment["label"],
            confidence=float(sentiment["confidence"]),
            scores={k: float(v) for k, v in sentiment.get("scores", {}).items()},
            sentences=tuple(_sentence(s) for s in sentiment.get("sentences", ())),
        ),
        tone=None
        if tone is None
        else ToneProfile(
            formality=float(tone["formality"]),
            confidence=float(tone["confidence"]),
            emotions={k: float(v) for k, v in tone.get("emotions", {}).items()},
            voice_match=None if tone.get("voice_match") is None else float(tone["voice_match"]),
            sentences=tuple(_sentence(s) for s in tone.get("sentences", ())),
        ),
        entities=tuple(
            Entity(
                text=e["text"],
                label=e["label"],
                span=_span(e["span"]),
                source=e.get("source", "model"),
                score=float(e.get("score", 1.0)),
                canonical=e.get("canonical"),
            )
            for e in d.get("entities", ())
        ),
        timings={k: float(v) for k, v in d.get("timings", {}).items()},
        skipped=dict(d.get("skipped", {})),
        language=None
        if language is None
        else Language(
            code=str(language["code"]),
            confidence=float(language["confidence"]),
            english=bool(language["english"]),
            note=str(language.get("note", "")),
        ),
        backends=dict(d.get("backends", {})),
    )
