"""The naive baseline the engine is measured against.

What most bots do: one transformers ``pipeline()`` per analyzer, called per message, one after
another, in fp32, with the pipeline's default batch size of 1 and no cache. Emulated here on the
same trained model so the answers are the same: for every sentence, a *separate* fp32 encoder
forward for sentiment, for entities and for tone (each pass runs the shared encoder again), then
the three answers are put together. Drafts are reviewed sequentially through the same
``Reviewer`` (rules included) as the engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

ANALYZER_PASSES = ("sentiment", "entities", "tone")


class NaivePredictor:
    """Predictor-compatible: three separate batch-1 passes per sentence, nothing shared."""

    def __init__(
        self, base: Any, count_tokens: Callable[[Sequence[str]], list[int]] | None = None
    ) -> None:
        self.base = base  # an fp32 embedded predictor
        self.version = f"naive:{base.version}"
        self.count_tokens = count_tokens
        self.forwards = 0
        self.sentences = 0
        self.tokens = 0  # tokens encoded, summed over every pass

    def _one(self, sentence: str) -> Any:
        self.forwards += 1
        if self.count_tokens is not None:
            self.tokens += self.count_tokens([sentence])[0]
        return self.base.predict([sentence])[0]

    def predict(self, sentences: Sequence[str]) -> list[Any]:
        out = []
        for s in sentences:
            self.sentences += 1
            sentiment = self._one(s)  # the "sentiment pipeline"
            entities = self._one(s)  # the "NER pipeline"
            tone = self._one(s)  # the "tone pipeline" (emotions, formality, embedding)
            out.append(
                dataclasses.replace(tone, sentiment=sentiment.sentiment, entities=entities.entities)
            )
        return out

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        rows = [np.asarray(self._one(s).embedding, dtype=np.float32) for s in sentences]
        return np.stack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


def load_naive_predictor() -> NaivePredictor:
    from analyzers.models.encoder import base_model_dir
    from analyzers.models.predictor import load_embedded_predictor
    from analyzers.serving import PredictorBackend

    base = load_embedded_predictor(device="cpu", quantize=False)
    counter = PredictorBackend(base, base_model_dir() / "tokenizer.json")
    return NaivePredictor(base, counter.count_tokens)
