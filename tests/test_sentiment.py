"""Sentiment: length-weighted aggregation, the confidence rule and the guide's floor."""

from __future__ import annotations

import pytest
from model_fakes import FakePredictor, doc, make_guide, split

from analyzers.guide import Limits
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.sentiment import (
    MIN_CONFIDENCE,
    RULE_FLOOR,
    analyze_sentiment,
    draft_polarity,
    is_strongly_negative,
    label_for,
)
from analyzers.types import SentimentResult, Severity

POS = {"negative": 0.05, "neutral": 0.15, "positive": 0.8}
NEG = {"negative": 0.85, "neutral": 0.1, "positive": 0.05}
NEU = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}


def test_label_needs_a_confident_class() -> None:
    assert label_for(POS) == ("positive", 0.8)
    assert label_for(NEG) == ("negative", 0.85)
    label, conf = label_for({"negative": 0.3, "neutral": 0.4, "positive": 0.3})
    assert (label, conf) == ("neutral", pytest.approx(0.7))
    # a lean the model is unsure of is not a label: 0.45 positive stays neutral
    label, conf = label_for({"negative": 0.15, "neutral": 0.4, "positive": 0.45})
    assert MIN_CONFIDENCE > 0.45
    assert (label, conf) == ("neutral", pytest.approx(0.55))
    edge = {"negative": 0.0, "neutral": 1 - MIN_CONFIDENCE, "positive": MIN_CONFIDENCE}
    assert label_for(edge)[0] == "positive"


def test_draft_scores_are_length_weighted() -> None:
    text = "Short win. " + "This much longer sentence is the one that sets the overall mood."
    sents = split(text)
    result, findings = analyze_sentiment(text, sents, [POS, NEG], make_guide())
    assert result is not None
    assert findings == []  # no floor in the guide
    w1, w2 = (sum(c.isalnum() for c in text[a:b]) for a, b in sents)  # letters and digits
    assert (w1, w2) == (8, 52)
    expected_neg = (w1 * 0.05 + w2 * 0.85) / (w1 + w2)
    assert result.scores["negative"] == pytest.approx(expected_neg)
    assert result.label == "negative"
    assert [s.label for s in result.sentences] == ["positive", "negative"]
    assert [s.span.slice(text) for s in result.sentences] == [
        "Short win.",
        "This much longer sentence is the one that sets the overall mood.",
    ]
    assert sum(result.scores.values()) == pytest.approx(1.0)


def test_floor_gives_one_finding_on_the_sentence_that_pulls_the_draft_down_most() -> None:
    text = (
        "We are happy to share the update. "
        "The last release was a terrible, broken mess for everyone involved. "
        "It also failed. "
        "Thanks for reading."
    )
    sents = split(text)
    probs = [POS, NEG, NEG, NEU]
    guide = make_guide(limits=Limits(sentiment_floor=0.0))
    result, findings = analyze_sentiment(text, sents, probs, guide)
    assert result is not None and draft_polarity(result) < 0.0
    (f,) = findings
    assert f.rule_id == RULE_FLOOR
    assert f.matched == "The last release was a terrible, broken mess for everyone involved."
    assert f.span.slice(text) == f.matched
    assert f.category == "sentiment" and f.severity is Severity.WARNING
    assert "pulls it down most" in f.message and "floor of +0.00" in f.message
    assert "confidence 0.85" in f.message


def test_no_floor_finding_unless_the_draft_reads_negative() -> None:
    # polarity under the floor, but no sentence is confidently negative: plain bad news
    text = "The service was down for an hour. We restored it. Details follow."
    mild = {"negative": 0.45, "neutral": 0.5, "positive": 0.05}
    guide = make_guide(limits=Limits(sentiment_floor=0.0))
    result, findings = analyze_sentiment(text, split(text), [mild, NEU, NEU], guide)
    assert result is not None and draft_polarity(result) < 0.0
    assert findings == []


def test_profile_advice_replaces_the_default_advice() -> None:
    from dataclasses import replace

    text = "It broke. It failed again."
    guide = make_guide(limits=Limits(sentiment_floor=0.0))
    guide = replace(guide, voice=replace(guide.voice, advice="Acknowledge, explain, say what next"))
    _, (f,) = analyze_sentiment(text, split(text), [NEG, NEG], guide)
    assert f.message.endswith("Acknowledge, explain, say what next.")


def test_no_finding_above_floor() -> None:
    text = "Great news. Slightly worrying detail."
    guide = make_guide(limits=Limits(sentiment_floor=-0.2))
    result, findings = analyze_sentiment(text, split(text), [POS, NEU], guide)
    assert result is not None and result.label == "neutral"
    assert findings == []


def test_emoji_only_sentences_weigh_nothing() -> None:
    text = "🎉🎉🎉 :tada: Our launch is great."
    cut = text.index("Our")
    sents = [(0, cut), (cut, len(text))]
    result, _ = analyze_sentiment(text, sents, [NEG, POS], make_guide())
    assert result is not None
    assert len(result.sentences) == 1
    assert result.label == "positive"
    assert analyze_sentiment("🎉 :tada:", [(0, 8)], [NEG], make_guide()) == (None, [])
    assert analyze_sentiment("", [], [], make_guide()) == (None, [])


def test_mismatched_inputs_raise_a_clear_error() -> None:
    with pytest.raises(ValueError, match="2 sentences but 1 probability rows"):
        analyze_sentiment("A. B.", [(0, 2), (3, 5)], [POS], make_guide())


def test_strongly_negative_flag() -> None:
    strong = SentimentResult("negative", 0.85, NEG)
    assert is_strongly_negative(strong)
    assert not is_strongly_negative(SentimentResult("negative", 0.5, NEG))
    assert not is_strongly_negative(SentimentResult("positive", 0.8, POS))
    assert not is_strongly_negative(None)


def test_suite_reports_sentiment_with_fake_predictor() -> None:
    text = "We love the new lights. The old app was terrible and broken."
    guide = make_guide(limits=Limits(sentiment_floor=0.2))
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], guide)
    assert out.sentiment is not None
    assert [s.label for s in out.sentiment.sentences] == ["positive", "negative"]
    (f,) = [f for f in out.findings if f.rule_id == RULE_FLOOR]
    assert f.matched == "The old app was terrible and broken."
    assert out.timings["models.sentiment"] >= 0.0
