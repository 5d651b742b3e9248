"""Deterministic stand-ins for the embedded predictor, and small guides, for analyzer tests.

``FakePredictor`` reads a handful of cue words, so each test can see exactly why a sentence
scores as it does. It records every ``predict`` call so tests can assert batching.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analyzers.guide import (
    BrandGuide,
    Competitor,
    Limits,
    Product,
    Thresholds,
    ToneTarget,
    Voice,
)
from analyzers.models.base import ModelInput
from analyzers.text import PlainText
from analyzers.types import Severity

GOEMOTIONS = str.split(
    "admiration amusement anger annoyance approval caring confusion curiosity desire "
    "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy love "
    "nervousness optimism pride realization relief remorse sadness surprise neutral"
)

NEGATIVE = {"terrible", "broken", "hate", "awful", "failed", "outage", "worst", "angry"}
POSITIVE = {"love", "great", "delighted", "wonderful", "fast", "easy", "happy", "thrilled"}
CASUAL = {"gonna", "hey", "lol", "omg", "super", "awesome", "wanna", "yeah", "guys"}
FORMAL = {"therefore", "furthermore", "pleased", "announce", "accordance", "herewith"}
EMOTION_CUES = {
    "furious": "anger",
    "annoyed": "annoyance",
    "angry": "anger",
    "scared": "fear",
    "worried": "nervousness",
    "thanks": "gratitude",
    "thank": "gratitude",
    "thrilled": "excitement",
    "delighted": "joy",
    "sad": "sadness",
    "wow": "surprise",
}
SAFETY_CUES = {  # cue word -> the safety label it raises to 0.9
    "clowns": "disparage",
    "lazy": "scold",
    "damn": "offensive",
    "yeah": "sarcasm",
}
ENTITY_CUES = {"Paris": "LOC", "Maria": "PER", "Globex": "ORG", "Zentrix": "PRODUCT"}


@dataclass(frozen=True)
class FakeTokenEntity:
    start: int
    end: int
    label: str
    score: float


@dataclass(frozen=True)
class FakeSentencePrediction:
    sentiment: Mapping[str, float]
    emotions: Mapping[str, float]
    emotion_thresholds: Mapping[str, float]
    formality: float
    embedding: Any
    entities: tuple[FakeTokenEntity, ...]
    safety: Mapping[str, float] = field(default_factory=dict)


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z']+", text)


def bag_embedding(text: str, dim: int = 384) -> np.ndarray:
    """Hashed bag of lower-cased words, L2-normalised: shared words -> high cosine."""
    vec = np.zeros(dim, dtype=np.float32)
    for w in words(text.lower()):
        h = int(hashlib.md5(w.encode()).hexdigest(), 16)
        vec[h % dim] += 1.0
    norm = float(np.linalg.norm(vec))
    if norm == 0:
        vec[0] = 1.0
        return vec
    return vec / norm


@dataclass
class FakePredictor:
    version: str = "fake-1"
    calls: list[list[str]] = field(default_factory=list)
    embed_calls: list[list[str]] = field(default_factory=list)
    fail: Exception | None = None

    def _one(self, sentence: str) -> FakeSentencePrediction:
        ws = [w.lower() for w in words(sentence)]
        neg = sum(w in NEGATIVE for w in ws)
        pos = sum(w in POSITIVE for w in ws)
        if neg > pos:
            sentiment = {"negative": 0.9, "neutral": 0.08, "positive": 0.02}
        elif pos > neg:
            sentiment = {"negative": 0.02, "neutral": 0.08, "positive": 0.9}
        else:
            sentiment = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
        emotions = dict.fromkeys(GOEMOTIONS, 0.02)
        for w in ws:
            if w in EMOTION_CUES:
                emotions[EMOTION_CUES[w]] = 0.9
        if max(v for k, v in emotions.items() if k != "neutral") < 0.5:
            emotions["neutral"] = 0.8
        formality = 0.6
        if any(w in CASUAL for w in ws) or "!!" in sentence:
            formality = 0.1
        elif any(w in FORMAL for w in ws):
            formality = 0.95
        ents = []
        for name, label in ENTITY_CUES.items():
            for m in re.finditer(rf"\b{name}\b", sentence):
                ents.append(FakeTokenEntity(m.start(), m.end(), label, 0.9))
        for m in re.finditer(r"\bBrightwave\b", sentence):  # the model sees the brand as ORG
            ents.append(FakeTokenEntity(m.start(), m.end(), "ORG", 0.8))
        safety = dict.fromkeys(("offensive", "sarcasm", "disparage", "scold"), 0.05)
        for w in ws:
            if w in SAFETY_CUES:
                safety[SAFETY_CUES[w]] = 0.9
        return FakeSentencePrediction(
            sentiment=sentiment,
            emotions=emotions,
            emotion_thresholds=dict.fromkeys(GOEMOTIONS, 0.4),
            formality=formality,
            embedding=bag_embedding(sentence),
            entities=tuple(ents),
            safety=safety,
        )

    def predict(self, sentences: Sequence[str]) -> list[FakeSentencePrediction]:
        self.calls.append(list(sentences))
        if self.fail is not None:
            raise self.fail
        return [self._one(s) for s in sentences]

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        self.embed_calls.append(list(sentences))
        return np.stack([bag_embedding(s) for s in sentences]) if sentences else np.zeros((0, 384))


def make_guide(
    *,
    products: Sequence[Product] = (
        Product("Brightwave Pro", ("BW Pro",)),
        Product("SyncDeck"),
    ),
    brand_names: Sequence[str] = ("Brightwave",),
    competitors: Sequence[Competitor] = (
        Competitor("Acme", ("Acme Corp", "ACME")),
        Competitor("Lumina", (), severity=Severity.WARNING),
    ),
    voice: Voice | None = None,
    limits: Limits | None = None,
    links: Mapping[str, str] | None = None,
) -> BrandGuide:
    return BrandGuide(
        name="Brightwave",
        brand_names=tuple(brand_names),
        products=tuple(products),
        preferred=(),
        banned=(),
        competitors=tuple(competitors),
        voice=voice or Voice(),
        limits=limits or Limits(),
        thresholds=Thresholds(),
        weights={},
        claims=(),
        profiles={},
        channels={},
        styles=(),
        vocabularies=(),
        links=dict(links or {"guide": "https://brand.example/guide"}),
    )


def target(value: float, tolerance: float = 0.15) -> ToneTarget:
    return ToneTarget(value, tolerance)


def split(text: str) -> tuple[tuple[int, int], ...]:
    """A simple sentence splitter for tests: ends at . ! ? or a newline."""
    return tuple((m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]*", text))


def doc(text: str, sentences: Sequence[tuple[int, int]] | None = None) -> ModelInput:
    plain = PlainText(text, text, tuple(range(len(text) + 1)), ())
    return ModelInput(plain, tuple(split(text) if sentences is None else sentences))
