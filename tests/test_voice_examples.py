"""The guide's own voice examples through the whole reviewer, on the real embedded models.

Every off-voice example in the example guide's voice section must get a tone finding (the
example that used to score 87 Pass with tone 100 lost its tone findings to a sentiment finding
on the same sentence), and no on-voice example may get one.
"""

from __future__ import annotations

import pytest

from analyzers.guide import default_guide_path, load_guide
from analyzers.reviewer import Reviewer
from analyzers.types import Category, Draft, Severity, Verdict

pytestmark = pytest.mark.models
pytest.importorskip("analyzers.models.predictor", reason="the embedded predictor is not built yet")

GUIDE = load_guide(default_guide_path())


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    from analyzers.models.suite import load_default_suite

    return Reviewer(GUIDE, load_default_suite())


def test_every_off_voice_example_gets_a_tone_finding(reviewer: Reviewer) -> None:
    examples = GUIDE.voice.off_voice
    assert len(examples) >= 5
    reviews = reviewer.review([Draft(t) for t in examples])
    missing = [
        r.draft.text for r in reviews if not any(f.category == Category.TONE for f in r.findings)
    ]
    assert missing == []
    for r in reviews:
        assert r.category_scores["tone"] < 100
        # the guide's own off-voice example is an error, never a pass (one used to score 84
        # Pass with a warning: a single warning halves a short draft's tone score, no more)
        assert r.verdict is not Verdict.PASS, r.draft.text
        assert any(f.severity is Severity.ERROR for f in r.findings if f.category == Category.TONE)


def test_an_off_voice_example_inside_an_on_voice_draft_is_still_found(reviewer: Reviewer) -> None:
    """A draft that reads on voice on the whole used to hide an off-voice sentence: "Buy now or
    regret it forever …" between two plain sentences scored 100 Pass with no finding."""
    before = "Our spring update is live for every office."
    after = "Schedules now sync in under a second."
    texts = [f"{before} {off} {after}" for off in GUIDE.voice.off_voice]
    reviews = reviewer.review([Draft(t) for t in texts])
    for off, review in zip(GUIDE.voice.off_voice, reviews, strict=True):
        on_it = [f for f in review.findings if f.category == Category.TONE and f.matched == off]
        assert on_it, off
        assert review.verdict is not Verdict.PASS, off
    plain = reviewer.review_one(Draft(f"{before} {GUIDE.voice.on_voice[0]} {after}"))
    assert [f.rule_id for f in plain.findings if f.category == Category.TONE] == []
    # plain copy the encoder still puts close (cosine 0.86-0.88) to an off-voice example is no
    # echo of it: at 0.85 these were false alarms on developer-tool copy
    for close in (
        "Reads, dashboards and exports will remain available throughout.",
        "Try both for a week, and we think the right choice for your workflow will be obvious.",
    ):
        review = reviewer.review_one(Draft(f"{before} {close} {after}"))
        assert [f for f in review.findings if f.rule_id == "Tone.VoiceMatch"] == [], close


def test_the_disparaging_example_no_longer_passes(reviewer: Reviewer) -> None:
    text = "Honestly, other lighting brands are garbage and their customers are suckers."
    review = reviewer.review_one(Draft(text))
    rules = {f.rule_id for f in review.findings}
    assert {"Tone.VoiceMatch", "Tone.AvoidEmotion"} <= rules
    assert review.verdict is not Verdict.PASS


def test_no_on_voice_example_gets_a_tone_finding(reviewer: Reviewer) -> None:
    reviews = reviewer.review([Draft(t) for t in GUIDE.voice.on_voice])
    flagged = {
        r.draft.text: [f.rule_id for f in r.findings if f.category == Category.TONE]
        for r in reviews
    }
    assert {t: rules for t, rules in flagged.items() if rules} == {}


INCIDENT = GUIDE.with_profile("incident")


def test_the_incident_profile_has_voice_examples_of_its_own() -> None:
    """Bad news told plainly is the voice of an incident report; the launch-copy examples
    called it off-voice ("Tone.VoiceMatch" on two of eight plain incident notes)."""
    assert INCIDENT.voice.on_voice and INCIDENT.voice.on_voice != GUIDE.voice.on_voice
    assert INCIDENT.voice.off_voice and INCIDENT.voice.off_voice != GUIDE.voice.off_voice


def test_incident_examples_through_the_reviewer(reviewer: Reviewer) -> None:
    def tone(texts: tuple[str, ...]) -> dict[str, list[str]]:
        reviews = reviewer.review([Draft(t) for t in texts], profile="incident")
        return {
            r.draft.text: [f.rule_id for f in r.findings if f.category == Category.TONE]
            for r in reviews
        }

    on = tone(INCIDENT.voice.on_voice)
    assert {t: rules for t, rules in on.items() if rules} == {}
    off = tone(INCIDENT.voice.off_voice)
    assert [t for t, rules in off.items() if not rules] == []
    verdicts = reviewer.review([Draft(t) for t in INCIDENT.voice.off_voice], profile="incident")
    assert [r.draft.text for r in verdicts if r.verdict is Verdict.PASS] == []


def test_plain_limits_and_apologies_are_on_voice(reviewer: Reviewer) -> None:
    """The on-voice examples were all upbeat launch copy, so a one-line apology or a limit said
    plainly read closer to the off-voice "Sorry, we're not really sure ..." and got
    ``Tone.VoiceMatch``. The example guide now has two plain examples of its own."""
    texts = (
        "We missed our shipping date, and we are sorry.",
        "Unfortunately, the hub will not work without a network connection.",
        "Dimming does not work on fixtures older than 2019.",
        "Our support line is closed on public holidays.",
    )
    reviews = reviewer.review([Draft(t) for t in texts])
    flagged = {
        r.draft.text: [f.rule_id for f in r.findings if f.category == Category.TONE]
        for r in reviews
    }
    assert {t: rules for t, rules in flagged.items() if rules} == {}
