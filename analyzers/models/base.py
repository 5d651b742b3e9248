"""The seam between the reviewer and model-backed analyses (sentiment, entities, tone).

The reviewer hands a batch of documents (plain prose + sentence ranges) to a ``ModelSuite`` and
gets one ``ModelOutput`` per document, in the same order. All spans in a ``ModelOutput`` are in
*plain-text* coordinates (``ModelInput.plain.text``); the reviewer maps them to the original.
Unit tests inject a fake suite; model tests load the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from analyzers.policy import SentenceEvidence
from analyzers.text import PlainText
from analyzers.types import Entity, Finding, SentimentResult, ToneProfile

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide


class ModelLoadError(RuntimeError):
    """Models could not be loaded; the message says why."""


@dataclass(frozen=True)
class ModelInput:
    plain: PlainText
    sentences: tuple[tuple[int, int], ...]  # ranges into plain.text
    source: str | None = None  # the draft's id ("C0123/1700000000.1" for Slack messages)


@dataclass
class ModelOutput:
    findings: list[Finding] = field(default_factory=list)
    sentiment: SentimentResult | None = None
    tone: ToneProfile | None = None
    entities: list[Entity] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # analysis name -> reason
    # analysis -> the backend that produced it, when not the default ("remote (model)",
    # "embedded (remote unavailable: timeout)")
    backends: dict[str, str] = field(default_factory=dict)
    # per sentence (sentence_ranges order): the embedded heads' sentiment and safety
    # probabilities, for the brand-safety policy; empty when the embedded model did not run
    evidence: list[SentenceEvidence] = field(default_factory=list)


class ModelSuite(Protocol):
    """Anything that turns documents into model outputs, batched, same order."""

    name: str

    def analyze(self, docs: Sequence[ModelInput], guide: BrandGuide) -> list[ModelOutput]: ...
