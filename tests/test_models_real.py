"""The analyses on the real embedded models (marked ``models``; the weights ship in the repo).

Assertions are about clear-cut inputs only, so they hold for any reasonably trained weights.
"""

from __future__ import annotations

import time

import pytest
from model_fakes import doc

from analyzers.guide import default_guide_path, load_guide
from analyzers.models.suite import NO_PROSE, EmbeddedModelSuite, load_default_suite
from analyzers.sentiment import is_strongly_negative

pytestmark = pytest.mark.models
pytest.importorskip("analyzers.models.predictor", reason="the embedded predictor is not built yet")

GUIDE = load_guide(default_guide_path())


@pytest.fixture(scope="module")
def suite() -> EmbeddedModelSuite:
    return load_default_suite()


def test_sentiment_on_clear_cases(suite: EmbeddedModelSuite) -> None:
    texts = [
        "We are thrilled to launch LumaBeam Pro, and our customers love it.",
        "The outage was a terrible failure, and we let every customer down badly.",
    ]
    happy, sad = suite.analyze([doc(t) for t in texts], GUIDE)
    assert happy.sentiment is not None and happy.sentiment.label == "positive"
    assert sad.sentiment is not None and sad.sentiment.label == "negative"
    assert is_strongly_negative(sad.sentiment)
    # bad news reported plainly is not a finding under the base guide ...
    assert [f.rule_id for f in sad.findings if f.category == "sentiment"] == []
    # ... but launch copy must not read negative
    (launch,) = suite.analyze([doc(texts[1])], GUIDE.with_profile("launch"))
    assert [f.rule_id for f in launch.findings if f.category == "sentiment"] == ["Sentiment.Floor"]


def test_policy_findings_on_clear_cases(suite: EmbeddedModelSuite) -> None:
    texts = [
        "Unlike those clowns at Brightline, we actually ship lighting that works.",
        "Honestly, if you had read the manual you would not be in this mess.",
        "Our new scenes dim the lights when rooms are empty and save energy.",
        "The outage lasted two hours and some customers could not sign in.",
    ]
    outs = suite.analyze([doc(t) for t in texts], GUIDE)
    rules = [{f.rule_id for f in o.findings if f.category in ("sentiment", "tone")} for o in outs]
    assert "Sentiment.Disparaging" in rules[0]
    assert "Sentiment.Blame" in rules[1]
    assert rules[2] == set() and not {"Sentiment.Disparaging", "Sentiment.Blame"} & rules[3]


def test_entities_from_the_model_and_the_guide(suite: EmbeddedModelSuite) -> None:
    text = "Maria Garcia flew from Paris to Berlin to show LumaSync, unlike Brightline."
    (out,) = suite.analyze([doc(text)], GUIDE)
    for e in out.entities:
        assert e.span.slice(text) == e.text
    labels = {e.text: e.label for e in out.entities}
    assert labels["LumaSync"] == "PRODUCT" and labels["Brightline"] == "COMPETITOR"
    assert labels.get("Paris") == "LOC"
    assert labels.get("Maria Garcia") == "PER"


def test_tone_orders_formality_and_voice(suite: EmbeddedModelSuite) -> None:
    formal = "Pursuant to the aforementioned agreement, the parties shall comply herewith."
    casual = "omg lol this is sooo cool, you guys are gonna love it!!!"
    on_voice = "LumaSync dims the lights in empty rooms, so you save energy without trying."
    off_voice = "Honestly other lighting brands are garbage and their buyers are suckers!!!"
    outs = suite.analyze([doc(t) for t in (formal, casual, on_voice, off_voice)], GUIDE)
    tones = [o.tone for o in outs]
    assert all(t is not None for t in tones)
    assert tones[0].formality > tones[1].formality + 0.3  # type: ignore[union-attr]
    assert tones[2].voice_match > tones[3].voice_match  # type: ignore[operator,union-attr]


def test_robust_inputs_on_the_real_models(suite: EmbeddedModelSuite) -> None:
    # 20k characters keeps the test quick; 100k-character drafts are measured in the report
    long_text = "Our lights follow your schedule and save energy in empty rooms. " * 320
    texts = [
        "",
        "🎉🔥👍",
        "Nous sommes ravis de vous présenter notre nouvelle gamme de lampes.",
        long_text,
    ]
    t0 = time.perf_counter()
    empty, emoji, french, long_out = suite.analyze([doc(t) for t in texts], GUIDE)
    elapsed = time.perf_counter() - t0
    assert empty.skipped["sentiment"] == NO_PROSE and emoji.skipped["tone"] == NO_PROSE
    assert "French" in french.skipped["sentiment"]
    assert long_out.sentiment is not None and len(long_out.sentiment.sentences) == 320
    assert long_out.skipped == {}
    assert elapsed < 120, elapsed


def test_a_sentence_scores_the_same_whatever_it_is_batched_with() -> None:
    """An editor's pass: `brandbot review` loaded torch's dynamic int8, whose activation scale
    is one per batch (padding included), so a sentence's probabilities moved by up to 0.28
    with the other drafts of the run. The CLI now loads the server's W8A8 per-token encoder."""
    from analyzers.models.pipelines import ModelSettings, load_models

    suite = load_models(ModelSettings(precision="int8", device="cpu"))
    assert isinstance(suite, EmbeddedModelSuite)
    sentences = [
        "Schedules pause until the connection is back.",
        "We stopped shipping LumaBeam Pro fixtures from that batch the same morning.",
        "We can replace it at our cost price, which is 40 percent below retail.",
        "We hire grown-ups, and we do not have time to train people who should already know.",
        "Hi!",
        " ".join(["The hub keeps every light in the house in step with the others."] * 6),
    ]
    alone = [suite.predictor.predict([s])[0] for s in sentences]
    together = suite.predictor.predict(sentences)
    moved = max(
        abs(getattr(a, head)[k] - getattr(b, head)[k])
        for a, b in zip(alone, together, strict=True)
        for head in ("sentiment", "safety")
        for k in getattr(a, head)
    )
    assert moved < 0.03
