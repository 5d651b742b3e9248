"""Issue 10: a lone surrogate never reaches a tokenizer, a failure hits only the input that
caused it, and users see a reference id instead of exception text."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from model_fakes import FakePredictor, doc, make_guide

from analyzers.engine import EngineSettings, InferenceEngine
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.types import Draft

REF = re.compile(r"model inference failed \(reference [0-9A-F]{6}\)")


def test_lone_surrogates_become_replacement_characters_at_the_boundary() -> None:
    d = Draft("Our app\ud800 is here \udfff.")
    assert d.text == "Our app\ufffd is here \ufffd."
    assert len(d.text) == len("Our app\ud800 is here \udfff.")  # offsets unchanged
    d.text.encode("utf-8")  # would raise UnicodeEncodeError with a surrogate
    assert Draft("😀 fine").text == "😀 fine"


@dataclass
class PickyPredictor(FakePredictor):
    """Fails any batch holding a sentence with 'BOOM', as the tokenizer did on a surrogate."""

    def predict(self, sentences: Sequence[str]):  # type: ignore[no-untyped-def,override]
        if any("BOOM" in s for s in sentences):
            raise TypeError("TextEncodeInput must be Union[TextInputSequence, ...]")
        return super().predict(sentences)


def test_a_failing_document_does_not_cost_the_others_their_analysis(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guide = make_guide()
    docs = [doc("We love this great product."), doc("BOOM goes the draft."), doc("A calm note.")]
    with caplog.at_level(logging.ERROR):
        good, bad, calm = EmbeddedModelSuite(PickyPredictor()).analyze(docs, guide)
    assert good.sentiment is not None and calm.sentiment is not None
    assert good.skipped == {} and calm.skipped == {}
    assert REF.fullmatch(bad.skipped["sentiment"]), bad.skipped
    assert "TextEncodeInput" not in str(bad.skipped)  # the text is in the log, not the review
    ref = bad.skipped["sentiment"].split("reference ")[1].rstrip(")")
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


class PickyBackend:
    version = "picky-1"

    def count_tokens(self, sentences: Sequence[str]) -> list[int]:
        if any("BOOM" in s for s in sentences):
            raise TypeError("TextEncodeInput must be Union[...]")
        return [len(s.split()) + 2 for s in sentences]

    def predict(self, sentences: Sequence[str]) -> list[str]:
        return [s.upper() for s in sentences]


def test_a_tokenizer_error_fails_only_its_own_engine_request() -> None:
    settings = EngineSettings(warmup=(), threads=1)
    engine: InferenceEngine[str] = InferenceEngine(PickyBackend, settings)
    with engine.start():
        engine.wait_ready(10)
        good = engine.submit_future(["a fine sentence"])
        bad = engine.submit_future(["BOOM here"])
        other = engine.submit_future(["another fine one"])
        assert good.result(10) == ["A FINE SENTENCE"]
        assert other.result(10) == ["ANOTHER FINE ONE"]
        with pytest.raises(TypeError):
            bad.result(10)
