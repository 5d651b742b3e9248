"""Hosted inference against the local fake: results, retries, fallback, cache, budget,
redaction, local-only drafts, concurrency and token hygiene. No test reaches the internet."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fakehf import TOKEN, FakeHF
from model_fakes import doc, make_guide

from analyzers.models.base import ModelInput

GUIDE = make_guide()
Make = Callable[..., Any]
Made = Any


def run(made: Made, *docs: ModelInput, guide: object = GUIDE) -> list:  # type: ignore[type-arg]
    return made.suite.analyze(list(docs), guide)  # type: ignore[arg-type]


# -- normal results ----------------------------------------------------------------------------


def test_router_sentiment_uses_the_remote_scores(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3")
    [out] = run(m, doc("We love the new release. The app is broken."))
    assert out.backends == {"sentiment": "remote (acme/sentiment-3)"}
    first, second = out.sentiment.sentences
    # the fake answers 0.8 where the embedded fake would say 0.9: these are the remote's
    assert first.scores["positive"] == pytest.approx(0.8)
    assert second.scores["negative"] == pytest.approx(0.8)
    assert [r.path for r in fake.requests] == ["/hf-inference/models/acme/sentiment-3"] * 2
    # every label's score was asked for (the service returns only the top one otherwise)
    assert all(r.body["parameters"]["top_k"] >= 3 for r in fake.requests)
    # one embedded pass: entities and tone (local) and the names to redact, nothing more
    assert len(m.predictor.calls) == 1


@pytest.mark.parametrize("model", ["acme/sentiment-3", "acme/sentiment-2", "acme/sentiment-stars"])
def test_label_schemes_map_to_negative_neutral_positive(make: Make, model: str) -> None:
    m = make(sentiment=f"router:{model}")
    [out] = run(m, doc("The outage was terrible."))
    assert out.backends["sentiment"].startswith("remote")
    assert out.sentiment.label == "negative"


def test_unmapped_labels_fall_back_and_say_what_to_map(make: Make) -> None:
    m = make(sentiment="router:acme/sentiment-odd")
    [out] = run(m, doc("We love it."))
    reason = out.backends["sentiment"]
    assert reason.startswith("embedded (remote unavailable: cannot map sentiment labels")
    assert "BRANDBOT_SENTIMENT_LABELS" in reason
    assert out.sentiment is not None  # from the embedded model
    mapped = make(
        sentiment="router:acme/sentiment-odd",
        sentiment_labels={"bad": "negative", "meh": "neutral", "good": "positive"},
    )
    [out] = run(mapped, doc("We love it."))
    assert out.backends["sentiment"] == "remote (acme/sentiment-odd)"
    assert out.sentiment.label == "positive"


def test_entities_from_an_endpoint_map_to_original_offsets(make: Make, fake: FakeHF) -> None:
    text = "Write to jane@example.org about Globex. We met in Paris."
    m = make(entities="endpoint:acme/ner")
    [out] = run(m, doc(text))
    assert out.backends["entities"] == "remote (endpoint 127.0.0.1)"
    found = {(e.text, e.label) for e in out.entities if e.source == "model"}
    assert {("Globex", "ORG"), ("Paris", "LOC")} <= found
    for e in out.entities:
        assert text[e.span.start : e.span.end] == e.text
    assert fake.requests[0].body["parameters"] == {"aggregation_strategy": "simple"}


def test_tone_through_zero_shot_with_the_voice_labels(make: Make, fake: FakeHF) -> None:
    m = make(tone="router:acme/nli")
    [out] = run(m, doc("We are pleased to announce the release. Perhaps it helps."))
    assert out.backends["tone"] == "remote (acme/nli)"
    assert out.tone is not None
    assert out.tone.sentences[0].scores["formality"] == pytest.approx(0.85)
    params = fake.requests[0].body["parameters"]
    assert {"formal", "casual", "confident", "hesitant", "joy", "anger"} <= set(
        params["candidate_labels"]
    )
    assert params["multi_label"] is True


def test_tei_batches_single_sentences_as_lists(make: Make, fake: FakeHF) -> None:
    text = "We love it. It is broken. It ships today. We are thrilled. The outage was awful."
    m = make(sentiment="tei:acme/sentiment-3", batch_size=2)
    [out] = run(m, doc(text))
    assert out.backends["sentiment"] == "remote (TEI 127.0.0.1)"
    bodies = [r.body["inputs"] for r in fake.requests]
    assert [len(b) for b in bodies] == [2, 2, 1]
    # a batch of single sentences, never ["a", "b"] (TEI reads that as one sentence pair)
    assert all(isinstance(item, list) and len(item) == 1 for b in bodies for item in b)
    labels = [s.label for s in out.sentiment.sentences]
    assert labels == ["positive", "negative", "neutral", "positive", "negative"]


# -- errors, retries and fallback --------------------------------------------------------------


def test_429_is_retried_after_retry_after(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3")
    fake.script.append(("429", 7))
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == "remote (acme/sentiment-3)"
    assert m.waits == [7.0]
    assert len(fake.requests) == 2


def test_429_past_the_deadline_falls_back(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", deadline_s=5)
    fake.script.append(("429", 120))
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == "embedded (remote unavailable: rate limited (429))"
    assert out.sentiment is not None and out.sentiment.sentences[0].scores["positive"] == 0.9
    assert m.waits == []


def test_503_waits_for_the_estimated_time(make: Make, fake: FakeHF) -> None:
    m = make(entities="router:acme/ner")
    fake.script.append(("503", 12.5))
    [out] = run(m, doc("Globex is here."))
    assert out.backends["entities"] == "remote (acme/ner)"
    assert m.waits == [12.5]


def test_503_loading_longer_than_the_deadline_falls_back(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", deadline_s=10)
    fake.script.append(("503", 300))
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == (
        "embedded (remote unavailable: model loading (503, estimated 300s))"
    )


def test_a_slow_answer_times_out_and_falls_back(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", timeout_s=0.3, deadline_s=0.6)
    fake.script.append(("slow", 3.0))
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == "embedded (remote unavailable: timeout)"
    assert out.sentiment is not None


def test_other_errors_are_reported_in_the_review(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="endpoint:acme/sentiment-3")
    fake.script.append(("400", None))
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == (
        "embedded (remote unavailable: HTTP 400: Input is too long)"
    )
    assert len(fake.requests) == 1  # a 400 is not retried


def test_server_errors_are_retried_with_backoff(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3")
    fake.script.extend([("500", None), ("500", None)])
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == "remote (acme/sentiment-3)"
    assert m.waits == [0.5, 1.0]


@pytest.mark.parametrize("spec", ["router:acme/sentiment-3", "tei:acme/sentiment-3"])
def test_a_malformed_body_falls_back(make: Make, fake: FakeHF, spec: str) -> None:
    m = make(sentiment=spec)
    fake.script.append(("malformed", None))
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"].startswith("embedded (remote unavailable: ")
    assert out.sentiment is not None


def test_a_wrong_length_batch_falls_back(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="tei:acme/sentiment-3")
    fake.script.append(("short", None))
    [out] = run(m, doc("We love it. It broke."))
    assert out.backends["sentiment"] == (
        "embedded (remote unavailable: malformed response: 1 results for 2 inputs)"
    )


def test_a_missing_model_is_found_at_start_and_falls_back(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/nope", tone="router:acme/ner")
    assert "sentiment" in m.suite.unavailable and "tone" in m.suite.unavailable
    [out] = run(m, doc("We love it."))
    assert out.backends["sentiment"] == (
        "embedded (remote unavailable: acme/nope: model not found or not accessible (HTTP 404))"
    )
    assert "token-classification model; tone needs zero-shot" in out.backends["tone"]
    assert fake.requests == []  # nothing sent to a model that is not there


def test_model_ids_resolve_once_at_start_with_our_token(
    make: Make, fake: FakeHF, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_ambientTokenThatMustNotBeSent")
    m = make(sentiment="router:acme/sentiment-3", tone="router:acme/nli")
    assert [r.path for r in fake.hub_requests] == [
        "/api/models/acme/sentiment-3",
        "/api/models/acme/nli",
    ]
    assert all(r.bearer == TOKEN for r in fake.hub_requests)
    run(m, doc("We love it."))
    run(m, doc("It broke."))
    assert len(fake.hub_requests) == 2  # no lookups during reviews
    assert all(r.bearer == TOKEN for r in fake.requests)


# -- cost control -----------------------------------------------------------------------------


def test_the_cache_never_pays_twice_for_a_sentence(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3")
    run(m, doc("We love it. We love it. It broke."), doc("We love it."))
    assert len(fake.requests) == 2  # two distinct sentences
    run(m, doc("It broke. We love it."))
    assert len(fake.requests) == 2
    assert m.suite.cache.hits >= 2


def test_the_daily_budget_falls_back_and_alerts_once(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", daily_budget=2)
    alerts: list[str] = []
    m.suite.on_budget_spent = alerts.append
    [a, b] = run(m, doc("We love it."), doc("It broke. It ships today."))
    assert a.backends["sentiment"] == "remote (acme/sentiment-3)"
    assert b.backends["sentiment"] == (
        "embedded (remote unavailable: daily budget of 2 requests spent)"
    )
    [c] = run(m, doc("Another sentence. And one more."))
    assert c.backends["sentiment"].startswith("embedded (remote unavailable: daily budget")
    assert len(fake.requests) == 2
    assert len(alerts) == 1 and "BRANDBOT_REMOTE_DAILY_BUDGET" in alerts[0]


def test_the_per_minute_rate_waits_or_falls_back(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", per_minute=1, deadline_s=5)
    [out] = run(m, doc("We love it. It broke."))
    assert out.backends["sentiment"] == (
        "embedded (remote unavailable: per-minute rate of 1 requests reached)"
    )
    assert len(fake.requests) == 1


# -- privacy ------------------------------------------------------------------------------------


SECRET_TEXT = (
    "Maria from Globex wrote to maria.lopez@globex.example and asked us to call "
    "+44 20 7946 0958. @jordan shared https://intranet.globex.example/q3?id=77 with us. "
    "We love it."
)
REDACTED = (
    "Maria",
    "maria.lopez@globex.example",
    "+44 20 7946 0958",
    "7946",
    "@jordan",
    "jordan",
    "intranet.globex.example",
    "https://",
)


def test_redaction_keeps_personal_data_on_the_machine(make: Make, fake: FakeHF) -> None:
    m = make(
        sentiment="router:acme/sentiment-3",
        entities="endpoint:acme/ner",
        tone="router:acme/nli",
    )
    [out] = run(m, doc(SECRET_TEXT))
    sent = " ".join(fake.sent_texts())
    assert sent  # something was sent
    for secret in REDACTED:
        assert secret not in sent, secret
    assert "[EMAIL]" in sent and "[PHONE]" in sent and "[URL]" in sent and "[NAME]" in sent
    # results are mapped back onto the original text
    ents = {(e.text, e.label) for e in out.entities}
    assert ("Globex", "ORG") in ents and ("Maria", "PER") in ents
    for e in out.entities:
        assert SECRET_TEXT[e.span.start : e.span.end] == e.text
    assert all(b.startswith("remote") for b in out.backends.values())


def test_without_redaction_the_same_text_would_leave(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3", redact=False)
    run(m, doc(SECRET_TEXT))
    sent = " ".join(fake.sent_texts())
    assert "lopez@globex" in sent and "Maria" in sent and "7946" in sent


def test_local_only_channels_and_profiles_send_nothing(make: Make, fake: FakeHF) -> None:
    m = make(
        sentiment="router:acme/sentiment-3",
        local_only_channels=("C0SECRET",),
        local_only_profiles=("incident",),
    )
    secret = dataclasses.replace(doc("Our numbers are terrible."), source="C0SECRET/1700.1")
    public = dataclasses.replace(doc("We love it."), source="C0PUBLIC/1700.2")
    [a, b] = run(m, secret, public)
    assert a.backends["sentiment"] == "embedded (local only: channel C0SECRET is local-only)"
    assert b.backends["sentiment"] == "remote (acme/sentiment-3)"
    assert "terrible" not in " ".join(fake.sent_texts())
    incident = dataclasses.replace(GUIDE, profile="incident")
    [c] = run(m, doc("The outage is over."), guide=incident)
    assert c.backends["sentiment"] == "embedded (local only: profile incident is local-only)"
    assert "outage" not in " ".join(fake.sent_texts())


# -- concurrency and tokens ----------------------------------------------------------------------


def test_requests_in_flight_stay_under_the_limit(make: Make, fake: FakeHF) -> None:
    fake.latency_s = 0.15
    m = make(sentiment="router:acme/sentiment-3", concurrency=2)
    text = " ".join(
        f"Sentence number {w} is here." for w in ["one", "two", "three", "four", "five", "six"]
    )
    [out] = run(m, doc(text))
    assert out.backends["sentiment"] == "remote (acme/sentiment-3)"
    assert len(fake.requests) == 6
    assert fake.peak_inflight == 2  # parallel, and never more than the limit


def test_the_token_goes_only_to_hugging_face_hosts(make: Make, fake: FakeHF) -> None:
    m = make(
        sentiment="router:acme/sentiment-3",
        entities="endpoint:acme/ner@localhost",
    )
    run(m, doc("Globex loves Paris."))
    by_path = {r.path: r for r in fake.requests}
    assert by_path["/hf-inference/models/acme/sentiment-3"].bearer == TOKEN
    # a self-hosted endpoint on another host never gets the Hub token
    assert by_path["/endpoint/acme/ner"].bearer is None


def test_the_token_never_appears_in_reasons_or_logs(
    make: Make, fake: FakeHF, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    m = make(sentiment="router:acme/sentiment-3", entities="router:acme/nope")
    fake.script.append(("echo", None))
    [out] = run(m, doc("We love it."))
    assert "unavailable" in out.backends["sentiment"]
    assert TOKEN not in out.backends["sentiment"]
    assert "hf_***" in out.backends["sentiment"]  # the echoed token was scrubbed
    assert TOKEN not in repr(m.suite.config) and TOKEN not in m.suite.name
    assert TOKEN not in caplog.text


def test_concurrent_batches_share_one_request_per_sentence(make: Make, fake: FakeHF) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake.latency_s = 0.3  # both batches are in flight at once
    m = make(sentiment="router:acme/sentiment-3")
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda t: run(m, doc(t)), ["We love it.", "We love it. It broke."]))
    assert all(o.backends["sentiment"] == "remote (acme/sentiment-3)" for [o] in outs)
    assert sorted(r.body["inputs"] for r in fake.requests) == ["It broke.", "We love it."]


def test_names_are_redacted_even_when_entities_are_not_asked_for(make: Make, fake: FakeHF) -> None:
    m = make(sentiment="router:acme/sentiment-3")
    m.suite.analyze([doc("Maria loves the release.")], GUIDE, analyses=("sentiment",))
    assert fake.sent_texts() == ["[NAME] loves the release."]
