"""Entities: the guide's gazetteer (variants, near misses, boundaries) merged with the model's."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from model_fakes import FakePredictor, doc, make_guide

from analyzers.entities import (
    RULE_CASING,
    RULE_COMPETITOR,
    RULE_SPELLING,
    RULE_UNKNOWN,
    analyze_entities,
    osa_distance,
)
from analyzers.guide import Competitor, Product
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.types import Entity, Severity, Span

GUIDE = make_guide()


def run(text: str, model: list[Entity] | None = None) -> tuple[list[Entity], list]:
    return analyze_entities(text, model or [], GUIDE)


def guide_hits(entities: list[Entity]) -> list[tuple[str, str, str | None]]:
    return [(e.text, e.label, e.canonical) for e in entities if e.source == "guide"]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Brightwave's new release ships today.", "Brightwave"),
        ("Two Brightwaves are better than one.", "Brightwave"),
        ("All Brightwaves' lights dim at night.", "Brightwave"),
        ("Powered by Brightwave-grade optics.", "Brightwave"),
        ("(Brightwave) is here.", "Brightwave"),
    ],
)
def test_brand_variants_match_the_name_only(text: str, surface: str) -> None:
    entities, findings = run(text)
    hits = [e for e in entities if e.source == "guide"]
    assert [(e.text, e.label, e.canonical) for e in hits] == [(surface, "BRAND", "Brightwave")]
    assert hits[0].span.slice(text) == surface  # the span excludes 's / s / s'
    assert findings == []


@pytest.mark.parametrize("text", ["brightwave is here.", "Meet BRIGHTWAVE today.", "BrightWave!"])
def test_casing_variants_are_matched_and_flagged(text: str) -> None:
    entities, findings = run(text)
    (hit,) = [e for e in entities if e.source == "guide"]
    assert hit.canonical == "Brightwave"
    (f,) = findings
    assert f.rule_id == RULE_CASING
    assert f.category == "entities"
    assert f.severity is Severity.WARNING
    assert f.span == hit.span
    assert f.matched == hit.text
    assert f.suggestions == ("Brightwave",)
    assert "“Brightwave”" in f.message


def test_shouted_heading_is_matched_but_not_flagged_for_casing() -> None:
    text = "INTRODUCING THE NEW BRIGHTWAVE PRO\nIt is here."
    entities, findings = run(text)
    assert guide_hits(entities) == [("BRIGHTWAVE PRO", "PRODUCT", "Brightwave Pro")]
    assert findings == []


def test_longest_term_wins_and_product_casing_suggests_exact_name() -> None:
    text = "Try brightwave pro today."
    entities, findings = run(text)
    assert guide_hits(entities) == [("brightwave pro", "PRODUCT", "Brightwave Pro")]
    (f,) = findings
    assert (f.rule_id, f.span, f.suggestions) == (RULE_CASING, Span(4, 18), ("Brightwave Pro",))


def test_alias_maps_to_the_product() -> None:
    entities, findings = run("The BW Pro is bright.")
    assert guide_hits(entities) == [("BW Pro", "PRODUCT", "Brightwave Pro")]
    assert findings == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("We love Brigthwave.", "Brigthwave"),  # swapped neighbours
        ("We love Brightwav.", "Brightwav"),  # a dropped letter
        ("We love Brightwavve.", "Brightwavve"),  # an extra letter
        ("We love Bright wave.", "Bright wave"),  # spacing
        ("Get your Syncdesk now.", "Syncdesk"),  # substitution + casing on SyncDeck
    ],
)
def test_near_miss_spellings(text: str, matched: str) -> None:
    entities, findings = run(text)
    (f,) = findings
    assert f.rule_id == RULE_SPELLING
    assert f.matched == matched
    assert f.span.slice(text) == matched
    assert f.suggestions[0] in {"Brightwave", "SyncDeck"}
    assert [e.source for e in entities] == ["guide"]


@pytest.mark.parametrize(
    "text",
    [
        "The Brightwavelength is long.",  # inside a longer word
        "See rebrightwave for details.",
        "Visit brightwave.com or mail hello@brightwave.io today.",  # web addresses
        "Follow #brightwave and @brightwave.",
        "The lumina-ish lamp.",  # hyphenated: still the competitor? no: see below
    ],
)
def test_no_match_inside_words_or_addresses(text: str) -> None:
    entities, findings = run(text)
    if "lumina" in text:  # a hyphen is a word boundary: this one *is* a mention
        assert [e.text for e in entities] == ["lumina"]
        return
    assert entities == []
    assert findings == []


def test_lowercase_near_miss_of_short_name_is_ignored_capitalised_is_capped_warning() -> None:
    _, findings = run("A lumine glow.")
    assert findings == []
    _, findings = run("Lumine glows brighter.")
    (f,) = findings
    assert f.rule_id == RULE_COMPETITOR
    assert f.severity is Severity.WARNING
    assert "looks like competitor Lumina" in f.message


def test_competitor_mentions_possessive_alias_and_ticker() -> None:
    text = "Unlike Acme's pricing, and Acme Corp's support, we beat ACME and acme."
    entities, findings = run(text)
    assert [e.text for e in entities] == ["Acme", "Acme Corp", "ACME", "acme"]
    assert all(e.label == "COMPETITOR" and e.canonical == "Acme" for e in entities)
    assert [f.rule_id for f in findings] == [RULE_COMPETITOR] * 4
    assert all(f.severity is Severity.ERROR for f in findings)
    assert [f.span.slice(text) for f in findings] == ["Acme", "Acme Corp", "ACME", "acme"]
    assert "remove the mention, or rephrase" in findings[0].message
    assert findings[0].link == "https://brand.example/guide"


def test_short_ticker_alias_is_case_sensitive() -> None:
    guide = make_guide(competitors=[Competitor("Servix", ("NOW",))])
    entities, findings = analyze_entities("Order now. NOW is a ticker.", [], guide)
    assert [e.text for e in entities] == ["NOW"]
    assert len(findings) == 1


def test_competitor_severity_comes_from_the_guide() -> None:
    _, findings = run("Lumina makes lamps.")
    assert [(f.rule_id, f.severity) for f in findings] == [(RULE_COMPETITOR, Severity.WARNING)]


def test_unknown_product_like_names() -> None:
    text = "Try SyncHub on your iPhone with American SaaS pricing. SyncHub again. Meet the X200."
    text += " Zentrix too."
    at = text.index
    model = [
        Entity("X200", "MISC", Span(at("X200"), at("X200") + 4), score=0.9),
        Entity("American", "MISC", Span(at("American"), at("American") + 8), score=0.9),
        Entity("Zentrix", "PRODUCT", Span(at("Zentrix"), at("Zentrix") + 7), score=0.8),
    ]
    entities, findings = run(text, model)
    unknown = [f for f in findings if f.rule_id == RULE_UNKNOWN]
    assert [f.matched for f in unknown] == ["SyncHub", "X200", "Zentrix"]  # once each, in order
    assert all(f.severity is Severity.SUGGESTION for f in unknown)
    assert "not in the brand guide" in unknown[0].message
    assert [e.text for e in entities] == ["American", "X200", "Zentrix"]  # model entities kept


def test_guide_beats_model_on_overlap() -> None:
    text = "Brightwave opened in Paris."
    model = [
        Entity("Brightwave", "ORG", Span(0, 10), score=0.8),
        Entity("Paris", "LOC", Span(21, 26), score=0.9),
    ]
    entities, findings = run(text, model)
    assert [(e.text, e.label, e.source) for e in entities] == [
        ("Brightwave", "BRAND", "guide"),
        ("Paris", "LOC", "model"),
    ]
    assert findings == []


def test_known_product_camelcase_is_not_unknown() -> None:
    _, findings = run("SyncDeck and Syncdeck.")
    assert [(f.rule_id, f.matched) for f in findings] == [(RULE_CASING, "Syncdeck")]


def test_osa_distance() -> None:
    assert osa_distance("brightwave", "brigthwave") == 1
    assert osa_distance("brightwave", "brightwav") == 1
    assert osa_distance("abc", "abc") == 0
    assert osa_distance("kitten", "sitting") == 3


def test_empty_and_odd_guides() -> None:
    empty = make_guide(products=(), brand_names=(), competitors=())
    assert analyze_entities("Brightwave SyncHub", [], empty)[0] == []
    weird = make_guide(products=[Product("C++"), Product("A")], brand_names=("  ",))
    ents, _ = analyze_entities("We wrote it in C++ and A.", [], weird)
    assert [e.text for e in ents] == ["C++", "A"]


def test_suite_converts_model_offsets_to_document_coordinates() -> None:
    text = "Hello there. Maria lives in Paris with Brightwave."
    suite = EmbeddedModelSuite(FakePredictor())
    (out,) = suite.analyze([doc(text)], GUIDE)
    got = [(e.text, e.label, e.source) for e in out.entities]
    assert got == [
        ("Maria", "PER", "model"),
        ("Paris", "LOC", "model"),
        ("Brightwave", "BRAND", "guide"),
    ]
    for e in out.entities:
        assert e.span.slice(text) == e.text


def test_large_text_is_fast() -> None:
    text = ("Brightwave helps teams ship with Brigthwave-free focus and calm light. " * 1500)[
        :100_000
    ]
    t0 = time.perf_counter()
    _, findings = run(text)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed
    assert sum(f.rule_id == RULE_SPELLING for f in findings) > 1000


def test_vocabulary_accepted_terms_are_not_unknown_products(tmp_path: Path) -> None:
    vocab = tmp_path / "Team"
    vocab.mkdir()
    (vocab / "accept.txt").write_text("# ours\nZigBee\n(?i)homekit\n")
    guide = dataclasses.replace(make_guide(), vocabularies=(vocab,))
    _, findings = analyze_entities("Works with ZigBee, HomeKit and MeshLink.", [], guide)
    assert [f.matched for f in findings] == ["MeshLink"]


def test_function_word_model_entities_are_dropped() -> None:
    text = "The Globex team thanks you."
    model = [Entity("The", "ORG", Span(0, 3), score=0.7), Entity("Globex", "ORG", Span(4, 10))]
    entities, _ = run(text, model)
    assert [e.text for e in entities] == ["Globex"]
