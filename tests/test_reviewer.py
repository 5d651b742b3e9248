"""The reviewer over the example guide: rules, spans in the original text, models seam."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from analyzers.guide import BrandGuide, default_guide_path, load_guide
from analyzers.models.base import ModelInput, ModelOutput
from analyzers.reviewer import Reviewer, _dedupe, finding_kind
from analyzers.types import (
    Draft,
    Entity,
    Finding,
    SentenceScore,
    SentimentResult,
    Severity,
    SourceFormat,
    Span,
    Verdict,
)


@pytest.fixture(scope="module")
def guide() -> BrandGuide:
    return load_guide(default_guide_path())


class FakeSuite:
    """Flags the word 'sad' as a negative-sentiment finding, in plain-text coordinates."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def analyze(self, docs: Sequence[ModelInput], guide: BrandGuide) -> list[ModelOutput]:
        self.calls.append(len(docs))
        outs = []
        for doc in docs:
            text = doc.plain.text
            out = ModelOutput(
                sentiment=SentimentResult(
                    "neutral",
                    0.5,
                    {"neutral": 0.5},
                    tuple(SentenceScore(Span(s, e), "neutral", 0.5) for s, e in doc.sentences),
                )
            )
            i = text.find("sad")
            if i >= 0:
                out.findings.append(
                    Finding(
                        "Sentiment.Floor",
                        "sentiment",
                        Severity.WARNING,
                        "too sad",
                        Span(i, i + 3),
                        "sad",
                    )
                )
            outs.append(out)
        return outs


class BrokenSuite:
    name = "broken"

    def analyze(self, docs: Sequence[ModelInput], guide: BrandGuide) -> list[ModelOutput]:
        raise RuntimeError("weights missing")


def test_findings_point_at_the_original_characters_through_mrkdwn(guide: BrandGuide) -> None:
    text = "Hey <@U123|sam> :wave: *our* _new_ lumasync app lets you <https://x.io|login> fast."
    review = Reviewer(guide).review_one(Draft(text, "d", SourceFormat.MRKDWN))
    by_rule = {f.rule_id: f for f in review.findings}
    casing = by_rule["Brand.Products"]
    assert text[casing.span.start : casing.span.end] == "lumasync" == casing.matched
    assert "LumaSync" in casing.suggestions
    login = next(f for f in review.findings if f.matched.lower() == "login")
    assert text[login.span.start : login.span.end] == "login"  # inside the link label


def test_findings_sorted_by_position_and_deduplicated(guide: BrandGuide) -> None:
    text = "Synergy! Our revolutionary lumasync and synergy synergy."
    review = Reviewer(guide).review_one(Draft(text))
    starts = [f.span.start for f in review.findings]
    assert starts == sorted(starts)
    keys = [(f.span, finding_kind(f)) for f in review.findings]
    assert len(keys) == len(set(keys)), "one finding per kind and exact span"


def _finding(rule: str, category: str, severity: Severity, span: Span, *sugg: str) -> Finding:
    return Finding(rule, category, severity, rule, span, "x", suggestions=sugg)


def test_dedupe_never_drops_a_finding_of_another_kind() -> None:
    sentence = Span(0, 76)
    floor = _finding("Sentiment.Floor", "sentiment", Severity.WARNING, sentence)
    voice = _finding("Tone.VoiceMatch", "tone", Severity.WARNING, sentence)
    avoid = _finding("Tone.AvoidEmotion", "tone", Severity.WARNING, sentence)
    kept = _dedupe([floor, voice, avoid])
    assert sorted(f.rule_id for f in kept) == [
        "Sentiment.Floor",
        "Tone.AvoidEmotion",
        "Tone.VoiceMatch",
    ]


def test_a_vale_style_and_the_guide_on_the_same_word_are_one_finding(guide: BrandGuide) -> None:
    from analyzers.reviewer import compile_rules, word_rule_names
    from analyzers.rules import load_rule

    style = load_rule(
        "House.Jargon",
        {
            "extends": "existence",
            "message": "'%s' is jargon.",
            "level": "error",
            "tokens": ["synergy"],
            "action": {"name": "replace", "params": ["teamwork"]},
        },
    )
    reviewer = Reviewer(guide)
    reviewer._rules[(None, True)] = (*compile_rules(guide), style)
    review = reviewer.review_one(Draft("Our synergy shows."))
    on_word = [f for f in review.findings if f.matched == "synergy"]
    # one finding: the guide's own (its reason), at the more severe level of the two, with the
    # style's fix carried over
    assert [f.rule_id for f in on_word] == ["Brand.Banned_Synergy"]
    assert "Jargon that says nothing" in on_word[0].message
    assert on_word[0].severity is Severity.ERROR
    assert "teamwork" in on_word[0].suggestions
    names = word_rule_names(reviewer.rules())
    assert {"Brand.Banned_Synergy", "House.Jargon", "Brand.Products"} <= names
    assert "Brand.Readability" not in names


def test_dedupe_merges_declared_equivalents_keeping_the_most_severe() -> None:
    span = Span(4, 12)
    casing = _finding("Entities.ProductCasing", "entities", Severity.ERROR, span, "LumaSync")
    brand = _finding("Brand.Products", "terminology", Severity.WARNING, span, "Luma Sync")
    same = _finding("Brand.Products", "terminology", Severity.WARNING, span)
    (kept,) = _dedupe([brand, casing, same])
    assert kept.rule_id == "Entities.ProductCasing"  # the most severe wins
    assert kept.suggestions == ("LumaSync", "Luma Sync")  # no fix is lost
    other_span = _finding("Brand.Products", "terminology", Severity.WARNING, Span(20, 28))
    assert len(_dedupe([casing, other_span])) == 2


def test_clean_on_voice_draft_passes(guide: BrandGuide) -> None:
    text = (
        "LumaSync keeps your files in step across every device. "
        "Set it up in a few minutes and get back to the work that matters."
    )
    review = Reviewer(guide).review_one(Draft(text))
    assert review.findings == ()
    assert review.score == 100.0
    assert review.verdict is Verdict.PASS


def test_error_finding_never_passes(guide: BrandGuide) -> None:
    review = Reviewer(guide).review_one(Draft("Our revolutionary LumaSync app is here for you."))
    assert any(f.severity is Severity.ERROR for f in review.findings)
    assert review.verdict is not Verdict.PASS


def test_model_suite_is_called_once_per_batch_and_spans_are_remapped(guide: BrandGuide) -> None:
    suite = FakeSuite()
    drafts = [Draft("**So** sad today.", "a", SourceFormat.MARKDOWN), Draft("Fine.", "b")]
    reviews = Reviewer(guide, suite).review(drafts)
    assert suite.calls == [2]
    sad = next(f for f in reviews[0].findings if f.rule_id == "Sentiment.Floor")
    assert drafts[0].text[sad.span.start : sad.span.end] == "sad"
    assert reviews[0].sentiment is not None
    sentence = reviews[0].sentiment.sentences[0].span
    assert drafts[0].text[sentence.start : sentence.end] == "So** sad today."
    assert "sentiment" in reviews[0].category_scores
    assert reviews[0].skipped == {}


def test_model_failure_leaves_rules_working_and_says_why(guide: BrandGuide) -> None:
    review = Reviewer(guide, BrokenSuite()).review_one(Draft("Our lumasync app."))
    assert any(f.rule_id == "Brand.Products" for f in review.findings)
    assert set(review.skipped) == {"sentiment", "tone", "entities (model)"}
    # the reason names a reference id; the exception text is in the log only
    assert "model analysis failed (reference " in review.skipped["tone"]
    assert "weights missing" not in review.skipped["tone"]
    # skipped categories are left out of the score rather than counted as perfect
    assert "tone" not in review.category_scores


def test_profiles_change_the_rules(guide: BrandGuide) -> None:
    names = list(guide.profiles)
    assert names, "the example guide defines profiles"
    reviewer = Reviewer(guide)
    for name in names:
        review = reviewer.review_one(Draft("A plain sentence about LumaSync."), profile=name)
        assert review.profile == name
    assert reviewer.rules(names[0]) is reviewer.rules(names[0])  # compiled once


@pytest.mark.parametrize("text", ["", "   ", "🎉🎉", "```\ncode only\n```"])
def test_degenerate_drafts_do_not_raise(guide: BrandGuide, text: str) -> None:
    review = Reviewer(guide).review_one(Draft(text, None, SourceFormat.MARKDOWN))
    assert 0.0 <= review.score <= 100.0


def test_competitors_are_found_without_models(guide: BrandGuide) -> None:
    competitor = guide.competitors[0]
    text = f"We beat {competitor.name}'s lamps on price."
    review = Reviewer(guide).review_one(Draft(text))
    hit = next(f for f in review.findings if f.category == "entities")
    assert hit.matched.startswith(competitor.name)
    assert any(e.source == "guide" for e in review.entities)
    assert "entities" in review.category_scores


def test_excerpt_is_the_prose_a_reader_sees(guide: BrandGuide) -> None:
    text = "Our *new* <https://x.io|lumasync> app &amp; more. Is it *great* today? Yes!!"
    review = Reviewer(guide).review_one(Draft(text, "d", SourceFormat.MRKDWN))
    casing = next(f for f in review.findings if f.rule_id == "Brand.Products")
    assert casing.matched == "lumasync" == casing.display
    for f in review.findings:
        assert "<" not in f.display and "&amp;" not in f.display


def test_mention_placeholders_are_never_flagged(guide: BrandGuide) -> None:
    # "<@U…>" reads as "@user" in the prose; the guide's "users -> customers" must not fire on it
    text = "<@U0ABC> and <#C0123> please review. Users love it."
    review = Reviewer(guide).review_one(Draft(text, None, SourceFormat.MRKDWN))
    flagged = [text[f.span.start : f.span.end] for f in review.findings if "Customers" in f.rule_id]
    assert flagged == ["Users"]


def test_short_drafts_get_no_readability_grade(guide: BrandGuide) -> None:
    hard = "Per the aforementioned specifications, the luminaire shall be operated herewith."
    short = Reviewer(guide).review_one(Draft(hard))
    assert not [f for f in short.findings if f.rule_id == "Brand.Readability"]
    long = Reviewer(guide).review_one(Draft(" ".join([hard] * 4)))
    assert [f.rule_id for f in long.findings if f.rule_id == "Brand.Readability"] == [
        "Brand.Readability"
    ]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("<!-- a comment only -->\n", SourceFormat.MARKDOWN),
        ("# \n\n```\nmake build\n```\n\n![](hero.png)\n", SourceFormat.MARKDOWN),
        ("🎉🔥💡 🚀🚀", SourceFormat.PLAIN),
    ],
)
def test_a_draft_without_prose_is_not_reviewed_rather_than_scored(
    guide: BrandGuide, text: str, fmt: SourceFormat
) -> None:
    """Nothing was read, so neither a failing score (it used to be 0/100 Needs work, which
    failed ``--fail-under``) nor a Pass: "not reviewed", and the review says why."""
    review = Reviewer(guide, FakeSuite()).review_one(Draft(text, "d", fmt))
    assert review.word_count == 0 and review.findings == ()
    assert review.verdict is Verdict.NOT_REVIEWED
    assert review.score == 100.0
    assert "no prose" in review.skipped["review"]


def test_a_rule_finding_without_prose_is_kept(guide: BrandGuide) -> None:
    review = Reviewer(guide).review_one(Draft("🚀!!! 🚀!!!", "d"))
    assert review.word_count == 0
    assert [f.rule_id for f in review.findings] == ["Brand.Exclamation"]
    assert review.verdict is Verdict.NOT_REVIEWED


class NamingSuite:
    """Types every capitalised word in ``names`` as a PRODUCT, as the entity model does."""

    name = "naming"

    def __init__(self, names: Sequence[str]) -> None:
        self.names = names

    def analyze(self, docs: Sequence[ModelInput], guide: BrandGuide) -> list[ModelOutput]:
        outs = []
        for doc in docs:
            text = doc.plain.text
            ents = []
            for name in self.names:
                at = text.find(name)
                while at >= 0:
                    ents.append(Entity(name, "PRODUCT", Span(at, at + len(name)), score=0.66))
                    at = text.find(name, at + 1)
            outs.append(ModelOutput(entities=ents))
        return outs


def test_a_word_the_entity_model_reads_as_a_name_is_not_misspelled(guide: BrandGuide) -> None:
    """realcopy-dev: "Gitpod" opening a paragraph got a spelling warning (a sentence's first
    capital says nothing about a name; the entity model typed it PRODUCT at 0.66-0.89). A typo
    the model does not call a name, and a near miss of the guide's own name, stay flagged."""
    text = "Gitpod is ahead. Recieve updates daily. Lumasinc ships today."
    spelled = [
        f.matched
        for f in Reviewer(guide, NamingSuite(["Gitpod", "Lumasinc"]))  # type: ignore[arg-type]
        .review_one(Draft(text))
        .findings
        if f.rule_id == "Brand.Spelling"
    ]
    assert spelled == ["Recieve", "Lumasinc"]
    without = Reviewer(guide).review_one(Draft(text)).findings  # rules only: no model to ask
    assert [f.matched for f in without if f.rule_id == "Brand.Spelling"] == [
        "Gitpod",
        "Recieve",
        "Lumasinc",
    ]
