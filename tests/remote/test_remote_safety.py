"""Hosted brand-safety checks against the local fake: the policy findings from hosted offensive /
irony classifiers, label maps, fallback, cache, budget, redaction, local-only drafts and token
hygiene. The embedded fake flags "clowns" (disparage), "lazy" (scold), "damn" (offensive) and
"yeah" (sarcasm); the fake service's acme/offensive flags "crap", "idiots", "damn" and
acme/irony "obviously", "sure" (0.93). No test reaches the internet."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fakehf import TOKEN, FakeHF
from model_fakes import doc, make_guide

from analyzers import Draft, Reviewer
from analyzers.models.base import ModelInput
from analyzers.models.pipelines import ModelSettings
from analyzers.policy import RULE_DISPARAGING, RULE_OFFENSIVE, RULE_SARCASM
from analyzers.remote.config import RemoteConfig, RemoteConfigError, RemoteTarget
from analyzers.safety_labels import default_label, parse_labels, safety_probs
from bot.settings import Settings, SettingsError

GUIDE = make_guide()
Make = Callable[..., Any]
POLICY = {RULE_DISPARAGING, RULE_OFFENSIVE, RULE_SARCASM, "Sentiment.Blame"}
BOTH = ["router:acme/offensive", "router:acme/irony"]
TEXT = (
    "Our old tool was crap. Yeah, the new release is great. "
    "Obviously nobody reads the docs. Globex are clowns."
)


def run(made: Any, *docs: ModelInput, guide: object = GUIDE) -> list[Any]:
    return made.suite.analyze(list(docs), guide)  # type: ignore[no-any-return]


def policy(out: Any, text: str) -> dict[tuple[str, str], str]:
    """(rule, sentence) -> message, for the brand-safety findings."""
    return {(f.rule_id, f.span.slice(text)): f.message for f in out.findings if f.rule_id in POLICY}


# -- normal results -----------------------------------------------------------------------------


def test_hosted_offensive_and_irony_models_decide_their_rules(make: Make, fake: FakeHF) -> None:
    m = make(safety=BOTH)
    [out] = run(m, doc(TEXT))
    found = policy(out, TEXT)
    assert set(found) == {
        (RULE_OFFENSIVE, "Our old tool was crap."),  # hosted: the embedded head misses it
        (RULE_SARCASM, "Obviously nobody reads the docs."),  # hosted
        (RULE_DISPARAGING, "Globex are clowns."),  # no hosted model: the embedded head's
    }  # and "Yeah, …" is no longer sarcastic: the hosted irony model decides that rule
    # the same message, confidence and explanation as the embedded path, from the hosted scores
    assert found[(RULE_OFFENSIVE, "Our old tool was crap.")] == (
        "This sentence reads as hostile, offensive or profane (confidence 0.93) — driven by "
        "“crap”. Keep the language professional, even when the news is bad."
    )
    assert found[(RULE_SARCASM, "Obviously nobody reads the docs.")].startswith(
        "This sentence reads as sarcastic (confidence 0.93) — driven by “Obviously”."
    )
    assert out.backends == {
        "safety": "remote (acme/offensive, acme/irony for offensive, sarcasm; "
        "embedded for disparage, scold)"
    }
    paths = {r.path for r in fake.requests}
    assert paths == {"/hf-inference/models/acme/offensive", "/hf-inference/models/acme/irony"}
    assert all(r.body["parameters"]["top_k"] >= 2 for r in fake.requests)
    # everything else is unchanged: sentiment, entities and tone came from the embedded model
    assert out.sentiment is not None and out.tone is not None


def test_the_embedded_path_gives_the_same_finding_for_the_same_scores(make: Make) -> None:
    """Same rule, span, message and confidence as the embedded head at the same probability."""
    import model_fakes

    m = make(safety=["router:acme/offensive"])
    [hosted] = run(m, doc("We shipped it. Damn, it slipped."))
    local = m.suite.local.analyze([doc("We shipped it. Damn, it slipped.")], GUIDE)[0]
    h = [f for f in hosted.findings if f.rule_id == RULE_OFFENSIVE]
    e = [f for f in local.findings if f.rule_id == RULE_OFFENSIVE]
    assert [(f.span, f.severity, f.category) for f in h] == [
        (f.span, f.severity, f.category) for f in e
    ]
    assert "(confidence 0.93)" in h[0].message and "(confidence 0.90)" in e[0].message
    assert h[0].message.replace("0.93", "0.90") == e[0].message
    assert model_fakes.SAFETY_CUES["damn"] == "offensive"


def test_tei_serves_the_safety_classifier_in_batches(make: Make, fake: FakeHF) -> None:
    m = make(safety=["tei:acme/offensive"], batch_size=2)
    text = "It shipped. It is crap. The docs are fine. We fixed it. Idiots built it."
    [out] = run(m, doc(text))
    assert out.backends["safety"].startswith("remote (TEI 127.0.0.1")
    first = [r.body["inputs"] for r in fake.requests][:3]
    assert [len(b) for b in first] == [2, 2, 1]
    assert all(isinstance(i, list) and len(i) == 1 for b in first for i in b)
    assert {s for r, s in policy(out, text)} == {"It is crap.", "Idiots built it."}


# -- label maps ---------------------------------------------------------------------------------


def test_default_label_maps_cover_the_recommended_models() -> None:
    assert default_label("offensive", 2) == "offensive"
    assert default_label("non-offensive", 2) == "none"
    assert default_label("irony", 2) == "sarcasm" and default_label("non_irony", 2) == "none"
    assert default_label("toxic", 6) == "offensive" and default_label("severe_toxic", 6) == (
        "offensive"
    )
    assert default_label("NOT", 2) == "none" and default_label("OFF", 2) is None
    assert default_label("LABEL_1", 2, "cardiffnlp/twitter-roberta-base-irony") == "sarcasm"
    assert default_label("LABEL_1", 2, "cardiffnlp/twitter-roberta-base-offensive") == "offensive"
    assert default_label("LABEL_0", 2, "x/y") == "none" and default_label("LABEL_1", 2) is None
    # several labels on one target: the maximum, never a sum past what one label says
    probs = safety_probs([("toxic", 0.4), ("insult", 0.35), ("neutral", 0.25)], {})
    assert probs == {"offensive": 0.4}


def test_label_setting_syntax() -> None:
    models = ["hf:a/offensive", "tei+http://tei:8080"]
    assert parse_labels("LABEL_1=offensive, 2:LABEL_1=sarcasm", models) == [
        {"LABEL_1": "offensive"},
        {"LABEL_1": "sarcasm"},
    ]
    assert parse_labels("hf:a/offensive:OFF=offensive; a/offensive:NOT=none", models) == [
        {"OFF": "offensive", "NOT": "none"},
        {},
    ]
    for bad, why in (
        ("LABEL_1", "not MODEL_LABEL=target"),
        ("LABEL_1=rude", "the target must be one of"),
        ("3:LABEL_1=scold", r"is not a position \(1\.\.2\)"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_labels(bad, models)


def test_a_legacy_label_config_maps_by_the_model_id(make: Make) -> None:
    m = make(safety=["router:acme/offensive-legacy"])
    [out] = run(m, doc("It is crap."))
    assert out.backends["safety"].startswith("remote (acme/offensive-legacy")
    assert (RULE_OFFENSIVE, "It is crap.") in policy(out, "It is crap.")


def test_unmapped_labels_fall_back_and_say_what_to_map(make: Make) -> None:
    m = make(safety=["router:acme/safety-odd"])
    [out] = run(m, doc("It is crap. Yeah, right."))
    reason = out.backends["safety"]
    assert reason.startswith(
        "embedded (remote unavailable: cannot map safety labels ['calm', 'rude']"
    )
    assert "BRANDBOT_SAFETY_LABELS" in reason
    # the embedded head decided: its sarcasm finding, no offensive one
    assert set(policy(out, "It is crap. Yeah, right.")) == {(RULE_SARCASM, "Yeah, right.")}
    # an endpoint URL gives no model id to read LABEL_1 from: it must be mapped too
    url = make(safety=["endpoint:acme/offensive-legacy"])
    [out] = run(url, doc("It is crap."))
    assert "cannot map safety labels ['LABEL_1']" in out.backends["safety"]  # LABEL_0 is safe
    mapped = make(
        safety=["router:acme/safety-odd"],
        safety_labels=({"rude": "offensive", "calm": "none"},),
    )
    [out] = run(mapped, doc("It is crap. Yeah, right."))
    assert out.backends["safety"].startswith("remote (acme/safety-odd for offensive;")
    assert set(policy(out, "It is crap. Yeah, right.")) == {
        (RULE_OFFENSIVE, "It is crap."),
        (RULE_SARCASM, "Yeah, right."),  # sarcasm has no hosted model here: the embedded head
    }


# -- errors and fallback ------------------------------------------------------------------------


def test_a_failing_safety_model_falls_back_to_the_embedded_head(make: Make, fake: FakeHF) -> None:
    m = make(safety=["router:acme/offensive"], deadline_s=10)
    fake.script.append(("503", 300))
    [out] = run(m, doc("It is crap. Damn, it slipped."))
    assert out.backends["safety"] == (
        "embedded (remote unavailable: model loading (503, estimated 300s))"
    )
    found = policy(out, "It is crap. Damn, it slipped.")
    assert set(found) == {(RULE_OFFENSIVE, "Damn, it slipped.")}  # the embedded head's
    assert "driven by “Damn”" in found[(RULE_OFFENSIVE, "Damn, it slipped.")]


def test_a_missing_safety_model_is_found_at_start(make: Make, fake: FakeHF) -> None:
    m = make(safety=["router:acme/offensive", "router:acme/nli"])
    assert "safety.2" in m.suite.unavailable
    [out] = run(m, doc("It is crap."))
    assert "acme/nli is a zero-shot-classification model" in out.backends["safety"]
    assert fake.requests == []


def test_the_budget_covers_the_safety_requests(make: Make, fake: FakeHF) -> None:
    m = make(safety=["router:acme/offensive"], daily_budget=1)
    [out] = run(m, doc("It is fine. It is crap."))
    assert out.backends["safety"] == (
        "embedded (remote unavailable: daily budget of 1 requests spent)"
    )
    assert len(fake.requests) == 1


# -- cost control and privacy -------------------------------------------------------------------


def test_the_cache_pays_once_per_sentence_and_model(make: Make, fake: FakeHF) -> None:
    m = make(safety=BOTH)
    run(m, doc("It is crap. It is fine."), doc("It is fine."))
    first = len(fake.requests)
    # 2 distinct sentences x 2 models + the occlusion variants of the one finding ("crap")
    assert 4 <= first <= 4 + 2 * 2
    run(m, doc("It is fine. It is crap."))
    assert len(fake.requests) == first  # every sentence and variant came from the cache


SECRET = (
    "Maria said the crap release broke https://intranet.globex.example/q3 for "
    "maria.lopez@globex.example, call +44 20 7946 0958."
)


def test_the_fake_never_sees_personal_data(make: Make, fake: FakeHF) -> None:
    m = make(safety=BOTH)
    [out] = run(m, doc(SECRET))
    sent = " ".join(fake.sent_texts())
    assert "crap" in sent and "[EMAIL]" in sent and "[NAME]" in sent
    for secret in ("Maria", "lopez", "globex.example", "7946", "https://"):
        assert secret not in sent, secret
    [f] = [f for f in out.findings if f.rule_id == RULE_OFFENSIVE]
    # the original sentence (names, addresses and all), spans mapped back
    assert SECRET.startswith(f.span.slice(SECRET)) and "Maria said the crap" in f.matched
    assert "driven by “crap”" in f.message and "NAME" not in f.message


def test_a_local_only_channel_sends_nothing(make: Make, fake: FakeHF) -> None:
    m = make(safety=BOTH, local_only_channels=("C0SECRET",))
    secret = dataclasses.replace(doc("This crap is ours. Damn."), source="C0SECRET/1700.1")
    [out] = run(m, secret)
    assert out.backends["safety"] == "embedded (local only: channel C0SECRET is local-only)"
    assert fake.requests == []
    assert set(policy(out, "This crap is ours. Damn.")) == {(RULE_OFFENSIVE, "Damn.")}


def test_the_token_never_appears_in_reasons_or_logs(
    make: Make, fake: FakeHF, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    m = make(safety=["router:acme/offensive"])
    fake.script.append(("echo", None))
    [out] = run(m, doc("It is crap."))
    assert "hf_***" in out.backends["safety"] and TOKEN not in out.backends["safety"]
    assert TOKEN not in caplog.text and TOKEN not in m.suite.name
    assert all(r.bearer == TOKEN for r in fake.requests)  # the router gets it, as it should


# -- settings and the review --------------------------------------------------------------------


def test_one_setting_lists_the_safety_models() -> None:
    c = RemoteConfig.from_env(
        {
            "BRANDBOT_SAFETY_MODEL": "hf:cardiffnlp/twitter-roberta-base-offensive, "
            "tei+http://tei:8080",
            "BRANDBOT_SAFETY_LABELS": "2:LABEL_1=sarcasm,2:LABEL_0=none",
        }
    )
    assert c.enabled and c.targets == {}
    assert c.safety == (
        RemoteTarget("router", "cardiffnlp/twitter-roberta-base-offensive"),
        RemoteTarget("tei", "http://tei:8080"),
    )
    assert c.safety_labels == ({}, {"LABEL_1": "sarcasm", "LABEL_0": "none"})
    assert list(c.endpoints()) == ["safety", "safety.2"]
    with pytest.raises(RemoteConfigError) as err:
        RemoteConfig.from_env(
            {
                "BRANDBOT_SAFETY_MODEL": "hf:a/b, ./local-model",
                "BRANDBOT_SAFETY_LABELS": "LABEL_1=rude",
            }
        )
    text = "\n".join(err.value.problems)
    assert "only hosted models" in text and "BRANDBOT_SAFETY_LABELS" in text
    # a local list is the pipelines' business, not hosted inference
    assert not RemoteConfig.from_env({"BRANDBOT_SAFETY_MODEL": "org/model"}).enabled


def test_bot_settings_carry_the_safety_model(tmp_path: Any) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"HF_TOKEN={TOKEN}\nBRANDBOT_SAFETY_MODEL=hf:acme/offensive,hf:acme/irony\n"
        "BRANDBOT_SAFETY_LABELS=1:offensive=offensive\n"
    )
    s = Settings.from_env({}, dotenv_path=env, require_tokens=False)
    assert s.models.safety_model == "hf:acme/offensive,hf:acme/irony"
    assert s.remote is not None and len(s.remote.safety) == 2
    with pytest.raises(SettingsError, match="BRANDBOT_SAFETY_MODEL"):
        Settings.from_env(
            {"BRANDBOT_SAFETY_MODEL": "hf:not a model"}, dotenv_path=None, require_tokens=False
        )


def test_model_settings_route_hosted_safety_to_the_remote_suite(fake: FakeHF) -> None:
    from model_fakes import FakePredictor

    from analyzers.models.suite import EmbeddedModelSuite
    from analyzers.remote.suite import load_remote_suite

    settings = ModelSettings.from_env(
        {
            "BRANDBOT_SAFETY_MODEL": "hf:acme/offensive",
            "BRANDBOT_HF_BASE_URL": fake.base_url,
            "BRANDBOT_HF_HUB_URL": fake.base_url,
            "HF_TOKEN": TOKEN,
        }
    )
    config = settings.remote_config()
    assert config is not None and config.safety == (RemoteTarget("router", "acme/offensive"),)
    suite = load_remote_suite(settings, config, local=EmbeddedModelSuite(FakePredictor()))
    try:
        assert suite.name.startswith("remote (safety=acme/offensive)")
        assert suite.unavailable == {}
    finally:
        suite.close()


def test_the_review_carries_hosted_safety_findings(make: Make) -> None:
    m = make(safety=BOTH)
    text = "Hi *team*,\n\nthe old tool was crap. We fixed it."
    review = Reviewer(GUIDE, m.suite).review_one(Draft(text=text))
    [f] = [f for f in review.findings if f.rule_id == RULE_OFFENSIVE]
    assert text[f.span.start : f.span.end] == "the old tool was crap."
    assert review.backends["safety"].startswith("remote (acme/offensive, acme/irony")
