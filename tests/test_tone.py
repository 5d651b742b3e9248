"""Tone: formality, grouped emotions, hedging lexicon, brand-voice match and attribution."""

from __future__ import annotations

import numpy as np
import pytest
from model_fakes import GOEMOTIONS, FakePredictor, bag_embedding, doc, make_guide, split, target

from analyzers.guide import EMOTION_GROUPS as GUIDE_GROUPS
from analyzers.guide import Voice
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.tone import (
    EMOTION_GROUPS,
    EMOTION_MEMBERS,
    RULE_AVOID,
    RULE_CONFIDENCE,
    RULE_EMOTION,
    RULE_FORMALITY,
    RULE_VOICE,
    SentenceSignals,
    VoiceReference,
    analyze_tone,
    calibrate,
    group_emotions,
    hedging,
)


def neutral_signals(formality: float, **extra: float) -> SentenceSignals:
    emotions = dict.fromkeys(EMOTION_GROUPS, 0.05) | {"neutral": 0.8} | extra
    return SentenceSignals(formality=formality, emotions=emotions)


def test_groups_cover_goemotions_exactly_once_and_match_the_guide() -> None:
    members = [m for ms in EMOTION_MEMBERS.values() for m in ms]
    assert sorted(members) == sorted(GOEMOTIONS)
    assert len(members) == 28
    assert EMOTION_GROUPS == GUIDE_GROUPS


def test_calibrate_maps_the_threshold_to_one_half() -> None:
    assert calibrate(0.18, 0.18) == pytest.approx(0.5)
    assert calibrate(0.09, 0.18) == pytest.approx(0.25)
    assert calibrate(1.0, 0.18) == pytest.approx(1.0)
    assert calibrate(0.0, 0.9) == 0.0
    assert calibrate(0.7, 0.5) == pytest.approx(0.7)


def test_group_emotions_max_and_dominance_by_threshold() -> None:
    probs = dict.fromkeys(GOEMOTIONS, 0.01) | {"annoyance": 0.35, "excitement": 0.3}
    thresholds = dict.fromkeys(GOEMOTIONS, 0.5) | {"annoyance": 0.3}
    groups, dominant = group_emotions(probs, thresholds)
    assert groups["anger"] == pytest.approx(0.5 + 0.5 * 0.05 / 0.7)  # above its threshold
    assert groups["joy"] == pytest.approx(0.3)  # threshold 0.5: unchanged
    assert dominant == "anger"
    _, dominant = group_emotions(probs)  # default thresholds 0.5: nothing clears its bar
    assert dominant is None


@pytest.mark.parametrize(
    ("sentence", "low", "high", "hedges"),
    [
        ("LumaSync turns every light on with one tap.", 0.65, 0.75, ()),
        ("We will definitely ship it in May.", 0.9, 1.0, ()),
        ("Maybe this might help.", 0.0, 0.15, ("Maybe", "might")),
        ("We think it could possibly work.", 0.0, 0.15, ("We think", "could possibly")),
        ("We'll try to make it sort of faster.", 0.0, 0.15, ("try to", "sort of")),
        ("Hopefully it may work.", 0.2, 0.3, ("Hopefully", "may")),
        ("It launches in May 2025.", 0.65, 0.75, ()),  # the month is no hedge
    ],
)
def test_hedging_lexicon(sentence: str, low: float, high: float, hedges: tuple[str, ...]) -> None:
    h = hedging(sentence)
    assert low <= h.score <= high, h
    assert h.hedges == hedges


def test_profile_is_length_weighted_and_attribution_picks_the_casual_sentence() -> None:
    text = (
        "We are pleased to present the new lighting platform for offices. "
        "Hey guys it's gonna be super awesome lol. "
        "Schedules run on time."
    )
    sents = split(text)
    signals = [neutral_signals(0.9), neutral_signals(0.1), neutral_signals(0.8)]
    guide = make_guide(voice=Voice(formality=target(0.9, 0.05)))
    profile, findings = analyze_tone(text, sents, signals, guide)
    assert profile is not None
    weights = [sum(c.isalnum() for c in text[a:b]) for a, b in sents]
    expected = sum(w * f for w, f in zip(weights, (0.9, 0.1, 0.8), strict=True)) / sum(weights)
    assert profile.formality == pytest.approx(expected)
    (f,) = findings
    assert f.rule_id == RULE_FORMALITY
    assert f.category == "tone"
    assert f.matched == "Hey guys it's gonna be super awesome lol."
    assert f.message.startswith(f"Reads too casual: formality {expected:.2f} vs target 0.90±0.05")
    assert "pulls it down most (0.10)" in f.message
    assert [s.scores["formality"] for s in profile.sentences] == [0.9, 0.1, 0.8]


def test_too_formal_direction() -> None:
    text = "Per the aforementioned terms, use shall be herewith. Fine."
    signals = [neutral_signals(0.99), neutral_signals(0.9)]
    guide = make_guide(voice=Voice(formality=target(0.4, 0.2)))
    _, findings = analyze_tone(text, split(text), signals, guide)
    (f,) = findings
    assert f.message.startswith("Reads too formal")
    assert f.matched.startswith("Per the aforementioned")


def test_confidence_finding_quotes_the_hedges() -> None:
    text = "Our lamps last ten years. We think it might possibly help, maybe."
    signals = [neutral_signals(0.6), neutral_signals(0.6)]
    guide = make_guide(voice=Voice(confidence=target(0.8, 0.15)))
    profile, findings = analyze_tone(text, split(text), signals, guide)
    assert profile is not None and profile.confidence < 0.65
    (f,) = findings
    assert f.rule_id == RULE_CONFIDENCE
    assert f.matched == "We think it might possibly help, maybe."
    assert "Sounds hesitant" in f.message
    assert "“We think”" in f.message and "“maybe”" in f.message


def test_avoided_emotion_dominating_a_sentence() -> None:
    text = "The lights are on. We are furious about the delay. Thanks for waiting."
    anger = SentenceSignals(
        0.6, dict.fromkeys(EMOTION_GROUPS, 0.05) | {"anger": 0.9}, dominant="anger"
    )
    grateful = SentenceSignals(
        0.6, dict.fromkeys(EMOTION_GROUPS, 0.05) | {"gratitude": 0.9}, dominant="gratitude"
    )
    signals = [neutral_signals(0.6), anger, grateful]
    guide = make_guide(voice=Voice(avoid_emotions=("anger", "fear")))
    profile, findings = analyze_tone(text, split(text), signals, guide)
    assert profile is not None
    assert [s.label for s in profile.sentences] == ["neutral", "anger", "gratitude"]
    (f,) = findings
    assert (f.rule_id, f.matched) == (RULE_AVOID, "We are furious about the delay.")
    assert "anger" in f.message


def test_borderline_avoided_emotion_is_not_reported() -> None:
    text = "It is a bit much."
    weak = SentenceSignals(
        0.6, dict.fromkeys(EMOTION_GROUPS, 0.05) | {"anger": 0.52}, dominant="anger"
    )
    guide = make_guide(voice=Voice(avoid_emotions=("anger",)))
    _, findings = analyze_tone(text, split(text), [weak], guide)
    assert findings == []


def test_emotion_target_miss_is_a_suggestion_only_for_too_much() -> None:
    text = "Lights on. Lights off."
    guide = make_guide(voice=Voice(emotions={"joy": target(0.2, 0.2)}))
    _, findings = analyze_tone(text, split(text), [neutral_signals(0.6, joy=0.9)] * 2, guide)
    (f,) = findings
    assert f.rule_id == RULE_EMOTION and f.severity.value == "suggestion"
    assert f.message.startswith("Too much joy: joy 0.90 vs target 0.20±0.20")
    # too little joy is in the profile, not a finding: nobody adds joy to a postmortem
    low = make_guide(voice=Voice(emotions={"joy": target(0.6, 0.2)}))
    profile, findings = analyze_tone(text, split(text), [neutral_signals(0.6)] * 2, low)
    assert findings == [] and profile is not None and profile.emotions["joy"] < 0.3


def test_a_draft_near_the_edge_of_the_band_gets_no_finding() -> None:
    text = "Lights on. Lights off."
    guide = make_guide(voice=Voice(formality=target(0.8, 0.1)))
    # 0.65 is outside 0.8±0.1 but within the clear margin: an estimate at the edge
    _, findings = analyze_tone(text, split(text), [neutral_signals(0.65)] * 2, guide)
    assert findings == []
    _, findings = analyze_tone(text, split(text), [neutral_signals(0.55)] * 2, guide)
    assert [f.rule_id for f in findings] == [RULE_FORMALITY]


def test_voice_reference_contrasts_on_and_off_examples() -> None:
    on = ["calm light for focused teams", "lights that follow your schedule"]
    off = ["omg insane deals buy now", "we think it might maybe work"]
    ref = VoiceReference.build(lambda xs: np.stack([bag_embedding(x) for x in xs]), on, off)
    assert ref is not None
    m = ref.match(np.stack([bag_embedding("calm light for your teams"), bag_embedding("buy now")]))
    assert m[0] > 0.9 and m[1] < 0.1
    assert ref.nearest_off_voice(bag_embedding("buy now omg")) == "omg insane deals buy now"
    only_on = VoiceReference.build(lambda xs: np.stack([bag_embedding(x) for x in xs]), on, [])
    assert only_on is not None and 0.0 <= float(only_on.match(m[None, :1].repeat(384, 1))[0]) <= 1
    assert VoiceReference.build(lambda xs: np.zeros((len(xs), 384)), [" "], off) is None


def test_suite_voice_match_finding_and_cache() -> None:
    voice = Voice(
        on_voice=("Calm light for focused teams.", "Lights that follow your schedule."),
        off_voice=("OMG insane deals, buy now!", "We think it might maybe work."),
        min_voice_match=0.8,
    )
    guide = make_guide(voice=voice)
    text = "Calm light follows your focused teams. OMG buy now, insane deals."
    predictor = FakePredictor()
    suite = EmbeddedModelSuite(predictor)
    (out,) = suite.analyze([doc(text)], guide)
    assert out.tone is not None and out.tone.voice_match is not None
    per_sentence = [s.scores["voice_match"] for s in out.tone.sentences]
    assert per_sentence[0] > 0.8 > 0.2 > per_sentence[1]
    (f,) = [f for f in out.findings if f.rule_id == RULE_VOICE]
    assert f.matched == "OMG buy now, insane deals."
    assert "closest to the off-voice example “OMG insane deals, buy now!”" in f.message
    suite.analyze([doc("Calm light.")], guide)
    assert len(predictor.embed_calls) == 1  # the guide's examples are embedded once


def test_suite_tone_profile_from_fake_predictor() -> None:
    text = "We are pleased to announce LumaSync. Hey guys, this is gonna be awesome!!"
    guide = make_guide(voice=Voice(formality=target(0.8, 0.1), avoid_emotions=("anger",)))
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], guide)
    assert out.tone is not None
    assert out.tone.voice_match is None  # no examples in this guide
    assert set(out.tone.emotions) == set(EMOTION_GROUPS)
    (f,) = [f for f in out.findings if f.rule_id == RULE_FORMALITY]
    assert f.matched == "Hey guys, this is gonna be awesome!!"
    assert "too casual" in f.message


def test_mismatched_signals_raise_and_empty_returns_none() -> None:
    with pytest.raises(ValueError, match="must match"):
        analyze_tone("A.", [(0, 2)], [], make_guide())
    assert analyze_tone("", [], [], make_guide()) == (None, [])


def test_a_match_under_the_minimum_never_prints_as_the_minimum() -> None:
    from analyzers.tone import _down

    assert (_down(0.548), _down(0.55), _down(0.1)) == ("0.54", "0.55", "0.10")
