"""EmbeddedModelSuite: one predict call per batch, and robustness on awkward input."""

from __future__ import annotations

import re
import time

import pytest
from model_fakes import FakePredictor, doc, make_guide, target

from analyzers import sentiment as sentiment_module
from analyzers.guide import Limits, Voice
from analyzers.language import non_english_reason
from analyzers.models import suite as suite_module
from analyzers.models.base import ModelSuite
from analyzers.models.suite import NO_PROSE, EmbeddedModelSuite, sentence_ranges
from analyzers.prose import chunk_range

GUIDE = make_guide(
    voice=Voice(
        formality=target(0.6, 0.3),
        on_voice=("Calm light for focused teams.",),
        off_voice=("OMG buy now!!",),
        min_voice_match=0.1,
    ),
    limits=Limits(sentiment_floor=-0.5),
)


def test_is_a_model_suite_and_batches_all_sentences_in_one_call() -> None:
    predictor = FakePredictor()
    suite: ModelSuite = EmbeddedModelSuite(predictor)
    docs = [doc("First draft. Two sentences."), doc("Second draft here."), doc("")]
    outputs = suite.analyze(docs, GUIDE)
    assert len(outputs) == 3
    assert predictor.calls == [["First draft.", "Two sentences.", "Second draft here."]]
    assert outputs[0].sentiment is not None and len(outputs[0].sentiment.sentences) == 2
    assert outputs[1].sentiment is not None and len(outputs[1].sentiment.sentences) == 1
    for out in outputs[:2]:
        assert set(out.timings) == {
            "models.predict",
            "models.sentiment",
            "models.policy",
            "models.explain",
            "models.entities",
            "models.tone",
        }
        assert out.skipped == {}
        assert out.tone is not None and out.tone.voice_match is not None


@pytest.mark.parametrize("text", ["", "   \n\t ", "🎉🔥👍", ":tada: :rocket:", "!!! ... ???"])
def test_no_prose_skips_sentiment_and_tone_with_a_reason(text: str) -> None:
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], GUIDE)
    assert out.sentiment is None and out.tone is None
    assert out.skipped == {"sentiment": NO_PROSE, "tone": NO_PROSE}
    assert out.entities == [] and out.findings == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Nous sommes ravis de vous présenter notre nouvelle gamme de lampes pour le bureau "
            "et la maison. Elles sont plus simples que jamais.",
            "French",
        ),
        (
            "Wir freuen uns, die neue Lampe für das Büro vorzustellen. Sie ist einfach und "
            "schnell eingerichtet, und die App ist auch dabei.",
            "German",
        ),
    ],
)
def test_non_english_skips_sentiment_and_tone_but_keeps_the_gazetteer(
    text: str, language: str
) -> None:
    text += " Brightwave."
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], GUIDE)
    assert language in out.skipped["sentiment"]
    assert "English only" in out.skipped["tone"]
    assert [e.text for e in out.entities if e.source == "guide"] == ["Brightwave"]
    # the English-trained tagger is not asked either ("Nous" / "Wir" are no ORG)
    assert language in out.skipped["entities.model"]
    assert [e for e in out.entities if e.source == "model"] == []


def test_non_latin_script_is_detected_and_english_is_not() -> None:
    assert (
        non_english_reason("我们很高兴地宣布我们的新产品系列，它让办公室的照明更简单。") is not None
    )
    assert non_english_reason("Мы рады представить нашу новую линейку ламп для офиса и дома.")
    english = "We are happy to share our new lamps for the office and the home, with the app."
    assert non_english_reason(english) is None
    assert non_english_reason("Fast. Secure. Simple. Brightwave Pro is here.") is None
    assert non_english_reason("Le café") is None  # too short to judge


def test_100k_character_draft_without_punctuation_is_chunked_and_fast() -> None:
    text = ("calm light for focused teams and happy customers " * 2100)[:100_000]
    predictor = FakePredictor()
    t0 = time.perf_counter()
    (out,) = EmbeddedModelSuite(predictor).analyze([doc(text, [(0, len(text))])], GUIDE)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10.0
    (batch,) = predictor.calls
    assert all(len(s) <= suite_module.MAX_SENTENCE_CHARS for s in batch)
    assert "".join(batch).replace(" ", "") == text.replace(" ", "")  # nothing dropped
    assert out.sentiment is not None and out.tone is not None
    assert out.skipped == {}


def test_predictor_failure_skips_model_analyses_but_keeps_the_gazetteer() -> None:
    predictor = FakePredictor(fail=RuntimeError("CUDA exploded"))
    text = "Acme is nice. brightwave too."
    (out,) = EmbeddedModelSuite(predictor).analyze([doc(text)], GUIDE)
    reason = out.skipped["sentiment"]
    assert re.fullmatch(r"model inference failed \(reference [0-9A-F]{6}\)", reason)
    assert out.skipped == {"sentiment": reason, "tone": reason, "entities.model": reason}
    assert [f.rule_id for f in out.findings] == ["Entities.Competitor", "Entities.ProductCasing"]


def test_one_failing_analysis_does_not_take_down_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("bad maths")

    monkeypatch.setattr(suite_module, "analyze_sentiment", boom)
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc("We love it.")], GUIDE)
    assert re.fullmatch(
        r"sentiment analysis failed \(reference [0-9A-F]{6}\)", out.skipped["sentiment"]
    )
    assert set(out.skipped) == {"sentiment"} and "bad maths" not in out.skipped["sentiment"]
    assert out.tone is not None
    assert sentiment_module.analyze_sentiment is not boom


def test_voice_failure_is_reported_and_tone_still_runs() -> None:
    class NoEmbed(FakePredictor):
        def embed(self, sentences):  # type: ignore[no-untyped-def]
            raise OSError("disk gone")

    (out,) = EmbeddedModelSuite(NoEmbed()).analyze([doc("We love it.")], GUIDE)
    assert out.tone is not None and out.tone.voice_match is None
    assert re.fullmatch(r"voice match failed \(reference [0-9A-F]{6}\)", out.skipped["voice"])
    assert set(out.skipped) == {"voice"}


def test_sentence_ranges_are_clamped_trimmed_and_default_to_the_whole_text() -> None:
    d = doc("  Hello there.  Bye. ", [(0, 15), (15, 999), (7, 3)])
    assert sentence_ranges(d) == [(2, 14), (16, 20)]
    assert sentence_ranges(doc("No split given", [])) == [(0, 14)]
    assert sentence_ranges(doc("   ", [])) == []


def test_chunk_range_prefers_whitespace_and_covers_everything() -> None:
    text = "aaaa bbbb cccc dddd"
    assert chunk_range(text, 0, len(text), 10) == [(0, 9), (10, 19)]
    solid = "x" * 25
    assert chunk_range(solid, 0, 25, 10) == [(0, 10), (10, 20), (20, 25)]
    with pytest.raises(ValueError):
        chunk_range(text, 0, 4, 0)


def test_spans_are_plain_text_coordinates_and_match_their_text() -> None:
    text = "  We love calm light.\n\nThe old app was terrible and broken!  "
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], GUIDE)
    assert out.sentiment is not None and out.tone is not None
    for s in (*out.sentiment.sentences, *out.tone.sentences):
        assert s.span.slice(text) == s.span.slice(text).strip()
        assert s.span.slice(text)
    for f in out.findings:
        assert f.span.slice(text) == f.matched


def test_load_default_suite_fails_clearly_without_the_predictor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    real = importlib.import_module

    def fake_import(name: str, *args: object) -> object:
        if name == "analyzers.models.predictor":
            raise ImportError("No module named 'analyzers.models.predictor'")
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(suite_module.importlib, "import_module", fake_import)
    from analyzers.models.encoder import ModelLoadError

    with pytest.raises(ModelLoadError, match="embedded predictor is not available"):
        suite_module.load_default_suite()


def test_through_the_reviewer_spans_map_back_to_the_original_markup() -> None:
    from analyzers.reviewer import Reviewer
    from analyzers.types import Draft, SourceFormat

    text = "Hey <@U123>, *Acme* and _brightwave_ are <https://x.example|here>. It is terrible."
    guide = make_guide(limits=Limits(sentiment_floor=0.0))
    review = Reviewer(guide, EmbeddedModelSuite(FakePredictor())).review_one(
        Draft(text, format=SourceFormat.MRKDWN)
    )
    by_rule = {f.rule_id: f for f in review.findings}
    assert by_rule["Entities.Competitor"].span.slice(text) == "Acme"
    # the terminology rule Brand.Products flags the same span; the reviewer keeps one of them
    casing = [
        f for f in review.findings if f.rule_id in {"Entities.ProductCasing", "Brand.Products"}
    ]
    assert [f.span.slice(text) for f in casing] == ["brightwave"]
    assert by_rule["Sentiment.Floor"].span.slice(text) == "It is terrible."
    assert review.sentiment is not None and review.tone is not None
    # the Slack mention is a MENTION entity over the whole markup, never a model ORG
    assert [(e.span.slice(text), e.label) for e in review.entities] == [
        ("<@U123>", "MENTION"),
        ("Acme", "COMPETITOR"),
        ("brightwave", "BRAND"),
    ]
    assert review.skipped == {}
