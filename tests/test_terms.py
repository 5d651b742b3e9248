"""The guide's terms match their forms; superlative and absolute claims; many terms, one rule."""

from __future__ import annotations

import pytest

from analyzers.guide import BrandGuide, default_guide_path, load_guide, parse_guide
from analyzers.inflect import inflect_regex, word_forms
from analyzers.reviewer import Reviewer, compile_rules
from analyzers.rules import load_rule, run_rules
from analyzers.text import to_plain
from analyzers.types import Draft, Severity


@pytest.fixture(scope="module")
def example() -> BrandGuide:
    return load_guide(default_guide_path())


def hits(guide: BrandGuide, text: str) -> list[tuple[str, str]]:
    return [(f.rule_id, f.matched) for f in Reviewer(guide).review_one(Draft(text)).findings]


def test_word_forms_are_inflections_without_suppletion() -> None:
    assert set(word_forms("cheap")) == {"cheap", "cheaper", "cheapest"}
    assert {"guarantee", "guarantees", "guaranteed"} <= set(word_forms("guaranteed"))
    assert {"break", "breaks", "broke", "broken"} <= set(word_forms("break"))
    assert "good" not in word_forms("better") and "go" not in word_forms("went")
    assert word_forms("of") == ("of",)


def test_inflect_regex_leaves_regex_syntax_alone() -> None:
    assert inflect_regex(r"colou?r") == r"colou?r"
    assert inflect_regex(r"[a-z]+ing\b") == r"[a-z]+ing\b"
    expanded = inflect_regex(r"never (?:fails|breaks)(?= now)")
    assert "broke" in expanded and "(?= now)" in expanded


def test_the_readme_ban_on_cheap_catches_cheapest(example: BrandGuide) -> None:
    found = hits(example, "The cheapest on the market, and cheaper than ever. Cheap thrills.")
    banned = [m for rule, m in found if rule == "Brand.Banned_Cheap"]
    assert banned == ["cheapest", "cheaper", "Cheap"]


def test_claims_match_their_forms(example: BrandGuide) -> None:
    found = hits(example, "It will never break, and it is backed by our guarantee.")
    assert ("Brand.Claims_NeverFailsBreaks", "never break") in found
    assert ("Brand.Claims_Guaranteed", "guarantee") in found


def test_banned_verbs_match_every_form() -> None:
    guide = parse_guide(
        "name: Acme\nbanned:\n  - term: break\n    reason: Say what happens instead\n"
        "claim_checks: {superlatives: false, absolutes: false}\n"
    )
    text = "It breaks. It broke. It is broken. Don't break it. A breakthrough."
    assert [m for _, m in hits(guide, text)] == ["breaks", "broke", "broken", "break"]


def test_preferred_variants_suggest_the_same_form(example: BrandGuide) -> None:
    review = Reviewer(example).review_one(Draft("Customers logged in and utilized scenes."))
    by_rule = {f.rule_id: f for f in review.findings}
    assert by_rule["Brand.Preferred_SignIn"].suggestions == ("signed in",)
    assert by_rule["Brand.Preferred_Use"].suggestions == ("used",)


def test_a_term_can_opt_out_of_inflection() -> None:
    guide = parse_guide(
        "name: Acme\nbanned:\n  - term: cheap\n    reason: Premium brand\n    inflect: false\n"
        "preferred:\n  - preferred: use\n    variants: [utilize]\n    inflect: false\n"
        "claim_checks: {superlatives: false}\n"
    )
    assert [m for _, m in hits(guide, "Cheap, cheaper, cheapest; utilize, utilized.")] == [
        "Cheap",
        "utilize",
    ]


def test_vale_styles_keep_vales_exact_semantics() -> None:
    rule = load_rule("Style.Cheap", {"extends": "existence", "message": "%s", "tokens": ["cheap"]})
    alerts = run_rules([rule], to_plain("cheap, cheaper, cheapest"))
    assert [a.matched for a in alerts] == ["cheap"]


@pytest.mark.parametrize(
    "text, claim",
    [
        ("It is hands down the best in the world.", "hands down the best in the world"),
        ("The brightest, most efficient fixture yet.", "The brightest"),
        ("The brightest, most efficient fixture yet.", "most efficient"),
        ("Voted number one by installers.", "number one"),
        ("Rated No. 1 for offices.", "No. 1"),
        ("Our hub never crashes.", "never crashes"),
        ("Backups are 100% safe.", "100%"),
        ("Every fixture comes guaranteed.", "guaranteed"),
        ("Enjoy zero downtime.", "zero downtime"),
        ("An unbeatable price.", "unbeatable"),
        ("The best hub in this price range.", "The best"),  # not "in this release"
        ("Our fastest release yet.", "Our fastest"),
        ("Our best-selling fixture.", "Our best-selling"),
        ("It offers 100-percent coverage.", "100-percent"),
        ("It works faster than every other hub on the market.", "faster than every other"),
        ("It is brighter than any fixture we tested.", "brighter than any"),
        ("Only LumaSync can do this.", "Only LumaSync can"),
        ("Only the LumaSync app can do this.", "Only the LumaSync app can"),
        ("No other hub can do this.", "No other hub can"),
    ],
)
def test_superlative_and_absolute_claims_are_found_by_default(text: str, claim: str) -> None:
    guide = parse_guide("name: Acme\n")
    assert ("Brand.ClaimCheck", claim) in hits(guide, text)


def test_ordinary_words_are_not_claims() -> None:
    guide = parse_guide("name: Acme\n")
    text = (
        "We follow best practice, at least most customers do. Our latest release is honest "
        "about its interest rates. Most people never notice. Do your best, best regards. Most "
        "importantly, pick the least risky option: there is no risk to your data. The biggest "
        "change in this release is the scheduler; the most requested fix of this update ships too. "
        "Visit the nearest showroom and pick the plan that suits you best; it works best on Wi-Fi. "
        "It is faster than before and better than ever, and only the admin can change it. Only "
        "Admins can change billing; pick a colour rather than everyone's favourite. The ID is "
        "greater than any existing ID. The biggest change in version 4.3 is speed. Pick the plan "
        "that suits your team best, at your earliest convenience."
    )
    assert [h for h in hits(guide, text) if h[0] == "Brand.ClaimCheck"] == []


def test_claim_checks_are_configurable() -> None:
    off = parse_guide("name: Acme\nclaim_checks: {superlatives: false}\n")
    found = hits(off, "The best hub, and 100% reliable.")
    assert [m for r, m in found if r == "Brand.ClaimCheck"] == ["100%"]
    custom = parse_guide(
        "name: Acme\nclaim_checks:\n  severity: error\n  extra: ['clinically proven']\n"
        "  exceptions: ['best friend']\n"
    )
    review = Reviewer(custom).review_one(Draft("Clinically proven light, your best friend."))
    claims = [f for f in review.findings if f.rule_id == "Brand.ClaimCheck"]
    assert [f.matched for f in claims] == ["Clinically proven"]
    assert claims[0].severity is Severity.ERROR


def test_the_guides_own_claims_are_not_reported_twice(example: BrandGuide) -> None:
    found = hits(example, "We are #1 and never fail, with 100% uptime.")
    claims = [h for h in found if h[0].startswith("Brand.Claim")]
    assert claims == [
        ("Brand.Claims_1", "#1"),
        ("Brand.Claims_NeverFailsBreaks", "never fail"),
        ("Brand.Claims_100Uptime", "100% uptime"),
    ]


def test_many_terms_are_one_rule_and_keep_their_own_messages() -> None:
    entries = "\n".join(
        f"  - term: word{i}\n    reason: reason {i}\n"
        + ("    severity: suggestion\n    suggestions: [better]\n" if i == 7 else "")
        for i in range(10_000)
    )
    guide = parse_guide(f"name: Acme\nbanned:\n{entries}\n")
    rules = compile_rules(guide)
    # Brand.Banned, Brand.Products, Brand.ClaimCheck (and Brand.Spelling, which is not a term list)
    assert len([r for r in rules if r.extends != "spelling"]) <= 3
    alerts = run_rules(rules, to_plain("Use word7 and WORD9999 but not word10000 or aword7."))
    assert [(a.check, a.matched, a.severity) for a in alerts] == [
        ("Brand.Banned_Word7", "word7", Severity.SUGGESTION),
        ("Brand.Banned_Word9999", "WORD9999", Severity.ERROR),
    ]
    assert "reason 7" in alerts[0].message and alerts[0].suggestions == ("better",)
    assert "reason 9999" in alerts[1].message and alerts[1].suggestions == ()


@pytest.mark.parametrize(
    "text",
    ["100% uptime", "100 % uptime", "100% up-time", "100-percent uptime", "100 percent uptime"],
)
def test_the_example_guides_uptime_claim_catches_its_spellings(
    example: BrandGuide, text: str
) -> None:
    review = Reviewer(example).review_one(Draft(f"Lumen Cloud has {text}."))
    (claim,) = [f for f in review.findings if f.rule_id == "Brand.Claims_100Uptime"]
    assert claim.matched == text and claim.severity is Severity.ERROR


def test_the_example_guide_leaves_the_unit_and_its_own_domain_alone(example: BrandGuide) -> None:
    """ "lumen" is the unit of light and part of the company's domain: the example vocabulary
    accepted "Lumen" alone, which made both (and "lumen Cloud", twice) errors."""
    text = (
        "The lumen output stays constant. See https://brand.northwind-lumen.example/guide or "
        "write to press@northwind-lumen.example. Open the lumen Cloud app."
    )
    found = hits(example, text)
    assert found == [("Brand.Products", "lumen Cloud")]
