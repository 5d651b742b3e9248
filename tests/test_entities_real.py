"""Entities on the real embedded model: whole names, PRODUCT, no titles / greetings / junk.

Marked ``models`` (loads the committed weights once for the module).
"""

from __future__ import annotations

import pytest
from model_fakes import doc

from analyzers.guide import default_guide_path, load_guide
from analyzers.models.suite import EmbeddedModelSuite, load_default_suite
from analyzers.types import Entity, Finding

pytestmark = pytest.mark.models
pytest.importorskip("analyzers.models.predictor", reason="the embedded predictor is not built yet")

GUIDE = load_guide(default_guide_path())
TEXTS = {
    "greeting": "Hi Dana, our COO Priya Natarajan will demo the new dashboard in Berlin next week.",
    "imperative": "Ping us on the forum if the upgrade fails.",
    "whole": "You can now run the agent under Windows Subsystem for Linux and OS X Mountain Lion.",
    "product": "Install Kubernetes 1.29 and deploy the Helm chart to your cluster.",
    "acronyms": "We replaced SHA1 with SHA256 in the CLI and the JSON API.",
    "standards": "The bridge supports IPv6, WPA3 and OAuth2, and runs on K8s or over PoE+.",
    "lets": "Let's Encrypt certificates now renew automatically in Lumen Cloud.",
    "mentions": "Thanks to @dana_w and everyone at #launchweek for the feedback!",
    "orgs": "The Apache Software Foundation and the Node.js Technical Steering Committee met.",
}


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[list[Entity], list[Finding]]]:
    suite: EmbeddedModelSuite = load_default_suite()
    outs = suite.analyze([doc(t) for t in TEXTS.values()], GUIDE, analyses=("entities",))
    return {
        key: (o.entities, [f for f in o.findings if f.category == "entities"])
        for key, o in zip(TEXTS, outs, strict=True)
    }


def labels(results: dict[str, tuple[list[Entity], list[Finding]]], key: str) -> dict[str, str]:
    entities, _ = results[key]
    for e in entities:
        assert e.span.slice(TEXTS[key]) == e.text
    return {e.text: e.label for e in entities}


def test_greeting_and_job_title_are_not_entities(results: dict) -> None:
    got = labels(results, "greeting")
    assert got.get("Dana") == "PER"
    assert got.get("Priya Natarajan") == "PER"
    assert not any("Hi" in name.split() or "COO" in name.split() for name in got)


def test_imperative_is_not_an_entity(results: dict) -> None:
    assert labels(results, "imperative") == {}


def test_multi_word_names_stay_whole(results: dict) -> None:
    got = labels(results, "whole")
    assert "Windows Subsystem for Linux" in got
    assert "OS X Mountain Lion" in got


def test_product_with_its_version_is_a_product(results: dict) -> None:
    got = labels(results, "product")
    assert got.get("Kubernetes 1.29") == "PRODUCT"
    assert not any(name.startswith("Install") for name in got)


def test_technical_acronyms_are_neither_entities_nor_unknown_products(results: dict) -> None:
    entities, findings = results["acronyms"]
    assert entities == []
    assert findings == []


def test_protocols_and_standards_are_neither_entities_nor_unknown_products(results: dict) -> None:
    entities, findings = results["standards"]
    assert entities == []
    assert findings == []


def test_lets_encrypt_stays_whole_at_the_start_of_a_sentence(results: dict) -> None:
    got = labels(results, "lets")
    assert "Let's Encrypt" in got
    assert "Encrypt" not in got


def test_mentions_and_hashtags(results: dict) -> None:
    assert labels(results, "mentions") == {"@dana_w": "MENTION", "#launchweek": "HASHTAG"}


def test_foundations_and_committees_are_organisations(results: dict) -> None:
    got = labels(results, "orgs")
    assert got.get("Apache Software Foundation") == "ORG"
    assert got.get("Node.js Technical Steering Committee") == "ORG"
