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
    # handles and hashtags are mentions (source "text"), never the gazetteer's names
    assert [e for e in entities if e.label not in ("MENTION", "HASHTAG")] == []
    assert all(e.source == "text" for e in entities)
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


def test_a_competitor_name_of_everyday_words_in_lower_case_is_an_idiom() -> None:
    guide = make_guide(
        competitors=[Competitor("Brightline Systems", ("Brightline", "Bright Line"))]
    )
    text = (
        "We draw a bright line around data. Bright line rules are easy. Bright Line, BRIGHT LINE "
        "and brightline make lamps."
    )
    entities, findings = analyze_entities(text, [], guide)
    assert [e.text for e in entities] == ["Bright Line", "BRIGHT LINE", "brightline"]
    assert len(findings) == 3


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
    # only names the typer is sure are products AND written like one: the CamelCase SyncHub
    # (once); not the plain word Zentrix, not X200 (typed MISC), not iPhone / SaaS (known)
    assert [f.matched for f in unknown] == ["SyncHub"]
    assert all(f.severity is Severity.SUGGESTION for f in unknown)
    assert "the brand guide does not know" in unknown[0].message
    assert "(confidence 0." in unknown[0].message
    kept = [e.text for e in entities if e.source == "model"]
    assert kept == ["American", "X200", "Zentrix"]  # model entities kept (retyped)


def test_unknown_products_are_one_finding_per_draft() -> None:
    text = "Try SyncHub on Linux. Then try SyncDesk, then LumoDB 2 and QuickRun 3 on it."
    at = text.index
    names = ("SyncHub", "SyncDesk", "LumoDB 2", "QuickRun 3")
    model = [Entity(n, "PRODUCT", Span(at(n), at(n) + len(n)), score=0.9) for n in names]
    _, findings = run(text, model)
    unknown = [f for f in findings if f.rule_id == RULE_UNKNOWN]
    assert len(unknown) == 1  # one nudge for the draft, however many names
    (f,) = unknown
    listed = [n for n in names if f"“{n}”" in f.message]
    assert len(listed) >= 2 and f.matched == listed[0] and f.span.slice(text) == listed[0]
    assert "look like product names" in f.message


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
    text = "Install ZigBee 3, HomeKit 2 and MeshLink 4 to run the app."
    _, findings = analyze_entities(text, [], guide)
    assert [f.matched for f in findings] == ["MeshLink 4"]


def test_function_word_model_entities_are_dropped() -> None:
    text = "The Globex team thanks you."
    model = [Entity("The", "ORG", Span(0, 3), score=0.7), Entity("Globex", "ORG", Span(4, 10))]
    entities, _ = run(text, model)
    assert [(e.text, e.label) for e in entities] == [("Globex team", "ORG")]


# -- names on real copy: whole spans, types, no junk ----------------------------------------

EMPTY = make_guide(products=(), brand_names=(), competitors=())


def ents(text: str, pieces: list[tuple[str, str, float]]) -> list[Entity]:
    """Model entities for the given (surface, label, score) pieces, found left to right."""
    out, pos = [], 0
    for surface, label, score in pieces:
        start = text.index(surface, pos)
        out.append(Entity(surface, label, Span(start, start + len(surface)), score=score))
        pos = start + len(surface)
    return out


def names(text: str, pieces: list[tuple[str, str, float]]) -> list[tuple[str, str]]:
    entities, _ = analyze_entities(text, ents(text, pieces), EMPTY)
    return [(e.text, e.label) for e in entities]


@pytest.mark.parametrize(
    ("text", "pieces", "whole"),
    [
        (
            "We moved the fleet to OS X Mountain Lion last week.",
            [("OS", "ORG", 0.6), ("X", "MISC", 0.5), ("Mountain Lion", "MISC", 0.7)],
            "OS X Mountain Lion",
        ),
        (
            "You can run it under Windows Subsystem for Linux as well.",
            [("Windows Subsystem", "MISC", 0.7), ("Linux", "MISC", 0.6)],
            "Windows Subsystem for Linux",
        ),
        (
            "The certificates come from Let's Grow Labs at no cost.",
            [("Let", "ORG", 0.6), ("Grow Labs", "ORG", 0.8)],
            "Let's Grow Labs",
        ),
        (  # at the start of a sentence the heads tag the second word alone
            "Let's Grow Labs certificates now renew on their own.",
            [("Grow Labs", "ORG", 0.8)],
            "Let's Grow Labs",
        ),
        (
            "Thanks to the Node.js Technical Steering Committee for the review.",
            [("Node.", "ORG", 0.5), ("js Technical Steering Committee", "ORG", 0.8)],
            "Node.js Technical Steering Committee",
        ),
    ],
)
def test_multi_word_names_stay_whole(text: str, pieces: list, whole: str) -> None:
    got = names(text, pieces)
    assert [t for t, _ in got] == [whole]


def test_names_joined_by_an_ampersand_are_one_firm() -> None:
    text = "Thanks to our partners at Kamp & Lee for the plans."
    assert names(text, [("Kamp", "ORG", 0.6), ("Lee", "PER", 0.7)]) == [("Kamp & Lee", "ORG")]
    # a lower-case word after the ampersand is not part of a name
    assert [t for t, _ in names("We met Dana & friends.", [("Dana", "PER", 0.9)])] == ["Dana"]


def test_lets_before_a_lower_case_verb_names_no_one() -> None:
    text = "Let's get Grow Labs certificates on every host."
    assert [t for t, _ in names(text, [("Grow Labs", "ORG", 0.8)])] == ["Grow Labs"]


def test_committee_is_an_organisation_and_a_versioned_runtime_a_product() -> None:
    text = "The Node.js Technical Steering Committee ships Node.js 22 to every user."
    got = names(
        text,
        [("Node.js Technical Steering Committee", "ORG", 0.8), ("Node", "MISC", 0.4),
         (".", "LOC", 0.4), ("js", "MISC", 0.4)],
    )  # fmt: skip
    assert got == [("Node.js Technical Steering Committee", "ORG"), ("Node.js 22", "PRODUCT")]


def test_products_the_heads_call_org_are_typed_product_in_software_context() -> None:
    text = "Install Zentrix 2.4 and run the Zentrix server on your cluster."
    got = names(text, [("Zentrix", "ORG", 0.8), ("Zentrix", "ORG", 0.9)])
    assert got == [("Zentrix 2.4", "PRODUCT"), ("Zentrix", "PRODUCT")]


@pytest.mark.parametrize(
    ("text", "version_kept"),
    [
        ("Upgrade to Zentrix 3.1 today.", True),
        ("Zentrix v2 is out.", True),
        ("Zentrix 22 million downloads later, we are still here.", False),
        ("Zentrix 2024 was a good year.", False),
        ("Zentrix 40% faster.", False),
    ],
)
def test_versions_attach_but_not_counts_years_or_percentages(text: str, version_kept: bool) -> None:
    (got,) = names(text, [("Zentrix", "ORG", 0.8)])
    assert (got[0] != "Zentrix") is version_kept


def test_job_titles_are_not_entities() -> None:
    text = "Our COO, Dana Whitfield, and the CFO met the CTO and a VP of Sales."
    got = names(
        text,
        [("COO", "ORG", 0.95), ("Dana Whitfield", "PER", 0.99), ("CFO", "ORG", 0.94),
         ("CTO", "ORG", 0.96), ("VP", "ORG", 0.9)],
    )  # fmt: skip
    assert got == [("Dana Whitfield", "PER")]


def test_title_before_a_name_is_trimmed() -> None:
    text = "CEO Dana Whitfield opened the meeting."
    assert names(text, [("CEO Dana Whitfield", "PER", 0.9)]) == [("Dana Whitfield", "PER")]


def test_greeting_is_not_part_of_the_name() -> None:
    text = "Hi Dana, the report is attached."
    assert names(text, [("Hi Dana", "PER", 0.8)]) == [("Dana", "PER")]
    assert names("Hi, the report is attached.", [("Hi", "ORG", 0.7)]) == []


@pytest.mark.parametrize(
    ("text", "word"),
    [("Ping us on the forum if it breaks.", "Ping"), ("Join the beta today.", "Join")],
)
def test_imperative_opening_a_sentence_is_not_an_entity(text: str, word: str) -> None:
    assert names(text, [(word, "ORG", 0.8)]) == []


@pytest.mark.parametrize("acronym", ["SHA1", "JSON", "HTTP", "API", "CLI", "LTS"])
def test_technical_acronyms_are_not_entities_nor_unknown_products(acronym: str) -> None:
    text = f"We moved the {acronym} handling into the release."
    entities, findings = analyze_entities(text, ents(text, [(acronym, "MISC", 0.9)]), EMPTY)
    assert entities == []
    assert findings == []


def test_mentions_and_hashtags_are_mentions_not_org() -> None:
    text = "Big thanks to @dana_w and @acme-labs for #launchweek (mail: ops@acme.io)."
    model = ents(
        text, [("dana_w", "ORG", 0.8), ("acme-labs", "ORG", 0.7), ("launchweek", "ORG", 0.6)]
    )
    entities, findings = analyze_entities(text, model, EMPTY)
    assert [(e.text, e.label, e.source) for e in entities] == [
        ("@dana_w", "MENTION", "text"),
        ("@acme-labs", "MENTION", "text"),
        ("#launchweek", "HASHTAG", "text"),
    ]
    assert findings == []


def test_mentions_helper_skips_emails_and_numbers() -> None:
    from analyzers.entity_spans import mentions

    text = "Write to hi@team.dev, see issue #12, ping @ana or tag #BuildInPublic."
    assert [(text[a:b], k) for a, b, k in mentions(text)] == [
        ("@ana", "MENTION"),
        ("#BuildInPublic", "HASHTAG"),
    ]


def test_unknown_product_only_for_confident_product_names() -> None:
    text = "Install SyncHub 2.0 and verify the SHA1 sums with the CLI."
    model = ents(text, [("SyncHub", "ORG", 0.8), ("SHA1", "MISC", 0.9), ("CLI", "ORG", 0.9)])
    entities, findings = analyze_entities(text, model, EMPTY)
    assert [(f.rule_id, f.matched) for f in findings] == [(RULE_UNKNOWN, "SyncHub 2.0")]
    assert [(e.text, e.label) for e in entities] == [("SyncHub 2.0", "PRODUCT")]


def test_greeting_or_title_tagged_apart_is_not_merged_into_the_name() -> None:
    text = "Hi Dana, welcome aboard. CEO Ana Ruiz says hello."
    got = names(
        text,
        [("Hi", "ORG", 0.6), ("Dana", "PER", 0.9), ("CEO", "ORG", 0.9), ("Ana Ruiz", "PER", 0.9)],
    )
    assert got == [("Dana", "PER"), ("Ana Ruiz", "PER")]


def test_committed_span_typer_fits_its_features(tmp_path: Path) -> None:
    import json

    from analyzers.models.span_typer import CLASSES, FEATURES, WEIGHTS, SpanTyper, default_typer

    typer = default_typer()
    assert typer.weights.shape == (len(FEATURES), len(CLASSES))
    data = json.loads(WEIGHTS.read_text())
    data["features"] = data["features"][:-1]
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="retrain"):
        SpanTyper.from_file(stale)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        (
            "We're hiring a Senior Backend Engineer in Lisbon.",
            [("Senior Backend Engineer", "ORG", 0.7), ("Lisbon", "LOC", 0.9)],
        ),
        (
            "You'll report to our VP of Engineering in Lisbon.",
            [("VP of Engineering", "ORG", 0.7), ("Lisbon", "LOC", 0.9)],
        ),
    ],
)
def test_roles_are_not_entities(text: str, pieces: list) -> None:
    assert names(text, pieces) == [("Lisbon", "LOC")]


def test_a_place_the_heads_are_sure_of_stays_a_place() -> None:
    # the shipped example draft, where the typer alone reads "Europe" as a product
    text = (
        "LumaSync never fails. We are the #1 smart lighting brand in Europe, and every order is "
        "guaranteed to ship fast with Lumen Cloud."
    )
    at = text.index
    model = [Entity("Europe", "LOC", Span(at("Europe"), at("Europe") + 6), score=0.97)]
    entities, _ = run(text, model)
    assert {e.text: e.label for e in entities}["Europe"] == "LOC"


def test_nationalities_and_languages_are_never_products() -> None:
    text = "Lumen Cloud now serves Canadian customers from Montreal, in English and French."
    pieces = [("Lumen Cloud", "ORG", 0.8), ("Canadian", "MISC", 0.9), ("Montreal", "LOC", 0.9),
              ("English", "MISC", 0.9), ("French", "MISC", 0.9)]  # fmt: skip
    got = dict(names(text, pieces))
    assert got["Canadian"] == got["English"] == got["French"] == "MISC"
    _, findings = analyze_entities(text, ents(text, pieces), EMPTY)
    assert not any("Canadian" in f.message or "English" in f.message for f in findings)


def test_a_persons_first_name_typed_otherwise_is_that_person() -> None:
    """An editor's pass: after "Maya Okafor" (PER), "Maya" typed PRODUCT made a kind customer
    story "disparaging"; a product-shaped name keeps its type."""
    text = "Maya Okafor runs the site. Maya's team likes it. Maya 2 ships. Okafor Maya Labs hires."

    def at(name: str, label: str, nth: int = 0) -> Entity:
        start = -1
        for _ in range(nth + 1):
            start = text.index(name, start + 1)
        return Entity(name, label, Span(start, start + len(name)), "model", 0.9)

    model = [
        at("Maya Okafor", "PER"),
        at("Maya", "PRODUCT", 1),
        at("Maya 2", "PRODUCT"),
        at("Okafor Maya Labs", "ORG"),
    ]
    entities, _ = analyze_entities(text, model, GUIDE, retype=False)
    assert [(e.text, e.label) for e in entities] == [
        ("Maya Okafor", "PER"),
        ("Maya", "PER"),
        ("Maya 2", "PRODUCT"),
        ("Okafor Maya Labs", "ORG"),
    ]
