"""Findings by policy: disparaging, blaming, offensive and sarcastic sentences; plain bad news
is not a finding; every finding names the words that drove it and the model's confidence."""

from __future__ import annotations

import re
from dataclasses import replace

from model_fakes import FakePredictor, doc, make_guide

from analyzers.guide import Limits
from analyzers.models.attribution import occlusion_words
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.policy import (
    RULE_BLAME,
    RULE_DISPARAGING,
    RULE_OFFENSIVE,
    RULE_SARCASM,
    SentenceEvidence,
    policy_findings,
)
from analyzers.types import Entity, Severity, Span

CALM = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
NEG = {"negative": 0.9, "neutral": 0.08, "positive": 0.02}


def run(text: str, **kw: object) -> list:
    guide = kw.pop("guide", make_guide())
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze([doc(text)], guide)  # type: ignore[arg-type]
    return [
        f
        for f in out.findings
        if f.rule_id.split(".")[1] in {"Disparaging", "Blame", "Offensive", "Sarcasm", "Floor"}
    ]


def test_plain_bad_news_is_not_a_finding() -> None:
    text = "The outage lasted two hours and the import failed for some teams. We are sorry."
    assert run(text) == []
    # even under a floor, when no sentence is confidently negative... here one is: one finding
    floor = make_guide(limits=Limits(sentiment_floor=0.5))
    assert [f.rule_id for f in run(text, guide=floor)] == ["Sentiment.Floor"]


def test_each_policy_fires_with_words_and_confidence() -> None:
    text = (
        "Those clowns at Acme ship broken junk. "
        "If you were not so lazy this would work. "
        "Damn, the release slipped. "
        "Oh yeah, another outage, just what we needed."
    )
    found = run(text)
    by_rule = {f.rule_id: f for f in found}
    assert set(by_rule) == {RULE_DISPARAGING, RULE_BLAME, RULE_OFFENSIVE, RULE_SARCASM}
    assert by_rule[RULE_DISPARAGING].matched == "Those clowns at Acme ship broken junk."
    assert "“Acme”" in by_rule[RULE_DISPARAGING].message
    assert "driven by “clowns”" in by_rule[RULE_DISPARAGING].message
    assert "confidence 0.90" in by_rule[RULE_DISPARAGING].message
    assert "driven by “lazy”" in by_rule[RULE_BLAME].message
    assert "driven by “Damn”" in by_rule[RULE_OFFENSIVE].message
    assert by_rule[RULE_SARCASM].category == "tone"
    for f in found:
        assert text[f.span.start : f.span.end] == f.matched
    # what an editor asks to rewrite stops a pass when the model is sure of it (0.8+); sarcasm,
    # the weakest head, only warns
    for rule, f in by_rule.items():
        conf = float(re.search(r"confidence (\d\.\d\d)", f.message).group(1))  # type: ignore[union-attr]
        sure = rule != RULE_SARCASM and conf >= 0.8
        assert f.severity is (Severity.ERROR if sure else Severity.WARNING), (rule, conf)
    assert by_rule[RULE_DISPARAGING].severity is Severity.ERROR  # 0.90


def test_the_heads_unsure_blame_is_sure_with_a_scolding_phrase() -> None:
    """The head's blame at 0.6-0.8 is a warning (kind copy scores there too); the same sentence
    with a set scolding phrase is an error."""
    guide = make_guide()
    for text, want in [
        ("If your network blocks it, that is your problem, not ours.", Severity.ERROR),
        ("If the timing is wrong, just let me know and I will not follow up.", Severity.WARNING),
    ]:
        evidence = [SentenceEvidence(Span(0, len(text)), NEG, {"scold": 0.7})]
        (blame,) = policy_findings(text, evidence, [], guide)
        assert blame.rule_id == RULE_BLAME and blame.severity is want


def test_blame_from_the_phrase_list_names_its_words_and_no_drivers() -> None:
    text = "The hub went offline: your own fault. Schedules sync in a second."
    (blame,) = run(text)
    assert blame.rule_id == RULE_BLAME and blame.matched == "your own fault"
    assert "“your own fault”" in blame.message and "driven by" not in blame.message
    # the list is narrow: what it finds an editor asks to rewrite (it stops a pass)
    assert blame.severity is Severity.ERROR
    # a sentence the head flagged already gets no second finding from the list
    lazy = "You are so lazy, you simply ignored the update. Fine."  # head and list alike
    blamed = [f for f in run(lazy) if f.rule_id == RULE_BLAME]
    assert len(blamed) == 1 and "driven by “lazy”" in blamed[0].message
    assert blamed[0].severity is Severity.ERROR  # the head's warning, made sure by the list


def test_disparaging_needs_the_head_and_a_negative_reading() -> None:
    guide = make_guide()
    text = "Acme had an outage."
    span = Span(0, len(text))
    acme = Entity("Acme", "COMPETITOR", Span(0, 4), source="guide")
    vendor = Entity("Acme", "ORG", Span(0, 4))
    factual = SentenceEvidence(span, NEG, {"disparage": 0.1})
    assert policy_findings(text, [factual], [vendor], guide) == []  # bad news about a company
    # ... but a negative sentence about a competitor the guide lists is disparaging
    (f,) = policy_findings(text, [factual], [acme], guide)
    assert "“Acme”" in f.message and "confidence 0.90" in f.message
    mild = SentenceEvidence(span, {"negative": 0.5, "neutral": 0.4, "positive": 0.1}, {})
    assert policy_findings(text, [mild], [acme], guide) == []  # not clearly negative
    upbeat = SentenceEvidence(span, CALM, {"disparage": 0.7})
    assert policy_findings(text, [upbeat], [], guide) == []  # the head alone is not enough ...
    (f,) = policy_findings(text, [upbeat], [vendor], guide)  # ... unless it names someone
    assert "“Acme”" in f.message and "confidence 0.70" in f.message
    # even a sure head needs someone to disparage: our own promo names no one ...
    sure = SentenceEvidence(span, CALM, {"disparage": 0.9})
    assert policy_findings(text, [sure], [], guide) == []
    # ... words that point at other parties are enough
    other = "Other apps had an outage."
    sure_other = SentenceEvidence(Span(0, len(other)), CALM, {"disparage": 0.9})
    (f,) = policy_findings(other, [sure_other], [], guide)
    assert "another company" in f.message
    sniping = SentenceEvidence(span, NEG, {"disparage": 0.7})
    (f,) = policy_findings(text, [sniping], [acme], guide)
    assert f.rule_id == RULE_DISPARAGING and "“Acme”" in f.message
    # our own products and brand are never "another company": no one to disparage
    own = Entity("Brightwave", "ORG", Span(0, 4))
    assert policy_findings(text, [sniping], [own], guide) == []
    # ... nor is a name made with the brand's own word ("Lumen Desk Lamp" of Northwind Lumen)
    lamp = Entity("Brightwave Desk Lamp", "PRODUCT", Span(0, 4))
    assert policy_findings(text, [sniping], [lamp], guide) == []


def test_contempt_for_customers_is_blame_and_a_pronoun_alone_is_no_target() -> None:
    """An independent pass: "a handful of stubborn customers refuse to give up" (disparage 0.82,
    negative 0.99) passed, because customers are no company; "classrooms dim when they empty
    out" was "disparaging another company", because "they" was a target."""
    guide = make_guide()
    scorn = "We're tired of maintaining software that stubborn customers refuse to give up."
    (f,) = policy_findings(
        scorn, [SentenceEvidence(Span(0, len(scorn)), NEG, {"disparage": 0.82})], [], guide
    )
    assert f.rule_id == RULE_BLAME and "belittles the reader or customers" in f.message
    assert "confidence 0.82" in f.message and f.severity is Severity.ERROR
    # the reader in the second person is the scold head's, not this rule's
    yours = "We know that is unwelcome news if your H1 still works well."
    unwelcome = {"negative": 0.57, "neutral": 0.12, "positive": 0.31}
    ev = SentenceEvidence(Span(0, len(yours)), unwelcome, {"disparage": 0.61})
    assert policy_findings(yours, [ev], [], guide) == []
    # a pronoun counts as a target only in a sentence that reads negative
    they = "Classrooms dim automatically when they empty out."
    assert (
        policy_findings(
            they, [SentenceEvidence(Span(0, len(they)), CALM, {"disparage": 0.61})], [], guide
        )
        == []
    )
    snipe = "They let our customers down again and again."
    (f,) = policy_findings(
        snipe, [SentenceEvidence(Span(0, len(snipe)), NEG, {"disparage": 0.7})], [], guide
    )
    assert f.rule_id == RULE_DISPARAGING
    # so does a person's name (a customer in a case study is praised, not disparaged)
    name = "Tessel now runs cupping sessions for wholesale customers."
    tessel = Entity("Tessel", "PER", Span(0, 6))
    happy = SentenceEvidence(Span(0, len(name)), CALM, {"disparage": 0.66})
    assert policy_findings(name, [happy], [tessel], guide) == []
    done = "Frankly, we're done waiting for Pallas to fix an API that has been broken."
    pallas = Entity("Pallas", "PER", Span(done.index("Pallas"), done.index("Pallas") + 6))
    ev = SentenceEvidence(Span(0, len(done)), NEG, {"disparage": 0.78})
    (f,) = policy_findings(done, [ev], [pallas], guide)
    assert f.rule_id == RULE_DISPARAGING and "“Pallas”" in f.message
    # an industry or a council is someone to disparage
    junk = "Unlike the disposable junk much of our industry sells."
    ev = SentenceEvidence(Span(0, len(junk)), NEG, {"disparage": 0.82})
    assert [f.rule_id for f in policy_findings(junk, [ev], [], guide)] == [RULE_DISPARAGING]


def test_profile_advice_is_used() -> None:
    guide = make_guide()
    guide = replace(guide, voice=replace(guide.voice, advice="Acknowledge, explain, say what next"))
    (f,) = run("Those clowns at Acme ship broken junk.", guide=guide)
    assert f.message.endswith("Acknowledge, explain, say what next.")


def test_occlusion_names_the_words_that_raise_a_score() -> None:
    p = FakePredictor()
    assert occlusion_words(p, "The release was terrible for everyone.", "negative") == ["terrible"]
    assert occlusion_words(p, "All good here.", "negative") == []
    assert occlusion_words(p, "Hi", "negative") == []


def test_tone_findings_name_the_words_that_drove_them() -> None:
    from analyzers.guide import ToneTarget, Voice

    guide = make_guide(voice=Voice(formality=ToneTarget(0.9, 0.1)))
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze(
        [doc("We are gonna ship the update on Monday.")], guide
    )
    (f,) = [f for f in out.findings if f.rule_id == "Tone.Formality"]
    assert "too casual" in f.message
    assert f.message.endswith("driven by “gonna”.")


def test_all_explanations_of_a_draft_take_one_predict_call() -> None:
    from analyzers.guide import ToneTarget, Voice

    guide = make_guide(voice=Voice(formality=ToneTarget(0.9, 0.1)))
    predictor = FakePredictor()
    text = "Those clowns at Acme ship broken junk. We are gonna fix it. Damn, it slipped."
    (out,) = EmbeddedModelSuite(predictor).analyze([doc(text)], guide)
    explained = [f for f in out.findings if "driven by" in f.message]
    assert {f.rule_id for f in explained} >= {RULE_DISPARAGING, RULE_OFFENSIVE, "Tone.Formality"}
    # one call for the draft's sentences, one batched call for every explanation
    assert len(predictor.calls) == 2


def test_policy_runs_when_another_model_serves_sentiment_and_tone() -> None:
    # the pipeline and hosted suites ask the embedded suite for the remaining analyses only;
    # "safety" (the brand-safety checks) is one of them unless another model serves it
    (out,) = EmbeddedModelSuite(FakePredictor()).analyze(
        [doc("Those clowns at Acme ship broken junk.")],
        make_guide(),
        analyses=("entities", "safety"),
    )
    assert [f.rule_id for f in out.findings if f.rule_id == RULE_DISPARAGING] == [RULE_DISPARAGING]
    # without "safety" no policy finding is made, but the evidence another backend re-runs the
    # policy on is kept: one row per sentence, with the embedded sentiment and safety readings
    (bare,) = EmbeddedModelSuite(FakePredictor()).analyze(
        [doc("Those clowns at Acme ship broken junk.")], make_guide(), analyses=("entities",)
    )
    assert not [f for f in bare.findings if f.rule_id == RULE_DISPARAGING]
    [ev] = bare.evidence
    assert ev.safety["disparage"] == 0.9 and ev.sentiment["negative"] == 0.9


def test_a_negative_sentence_about_unnamed_competing_products_is_disparaging() -> None:
    """A re-check: "Other brands sell flimsy lamps, and they break within a year" (negative 0.72,
    disparage 0.39) and "Unlike our lamps, theirs flicker and die within months" (0.94, 0.36)
    passed, although they are what the guide calls knocking the competition."""
    guide = make_guide()
    low_head = {"disparage": 0.36}
    for said in (
        "Other brands sell flimsy lamps, and they break within a year.",
        "Unlike our lamps, theirs flicker and die within months.",
        "The other notebook tools we tried treat your work as an opaque blob.",
        "The other lamps on the market are poorly built.",
    ):
        ev = SentenceEvidence(Span(0, len(said)), NEG, low_head)
        (f,) = policy_findings(said, [ev], [], guide)
        assert f.rule_id == RULE_DISPARAGING and "confidence 0.90" in f.message, said
        # the same words in a sentence that does not read negative are no finding
        calm = SentenceEvidence(Span(0, len(said)), CALM, low_head)
        assert policy_findings(said, [calm], [], guide) == [], said
    # our own incident report names vendors and services plainly: not a competitor
    for said in (
        "A vendor outage took down our login page for two hours.",
        "Other services were not affected by the outage.",
    ):
        ev = SentenceEvidence(Span(0, len(said)), NEG, low_head)
        assert policy_findings(said, [ev], [], guide) == [], said


def test_they_after_our_things_is_ours() -> None:
    """A re-check: "Our lamps are the cheapest on the market and they never break" was an error,
    "disparages another company" (disparage 0.83, negative 0.51): "they" are our lamps."""
    guide = make_guide()
    mixed = {"negative": 0.6, "neutral": 0.2, "positive": 0.2}
    for said in (
        "Our lamps are the cheapest on the market and they never break.",
        "Most of our flaky tests weren't flaky, they were order-dependent.",
    ):
        ev = SentenceEvidence(Span(0, len(said)), mixed, {"disparage": 0.83})
        assert policy_findings(said, [ev], [], guide) == [], said
    # someone else's "them", or a "their", still points elsewhere
    for said in (
        "We would not trust them with a grocery list, let alone a production dataset.",
        "Our lamps last, and their lamps flicker.",
        "They copied our designs, badly.",
    ):
        ev = SentenceEvidence(Span(0, len(said)), mixed, {"disparage": 0.83})
        assert [f.rule_id for f in policy_findings(said, [ev], [], guide)] == [RULE_DISPARAGING]
