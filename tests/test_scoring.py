from __future__ import annotations

import json

import pytest

from analyzers.diff import compare_reviews, is_alert_worthy
from analyzers.scoring import category_scores, overall_score, verdict
from analyzers.types import (
    Draft,
    Entity,
    Finding,
    Review,
    SentenceScore,
    SentimentResult,
    Severity,
    SourceFormat,
    Span,
    ToneProfile,
    Verdict,
)


def finding(
    rule: str = "Brand.Banned",
    category: str = "terminology",
    severity: Severity = Severity.WARNING,
    start: int = 0,
    matched: str = "cheap",
) -> Finding:
    return Finding(rule, category, severity, "msg", Span(start, start + len(matched)), matched)


def test_clean_categories_score_100() -> None:
    assert category_scores([], 300, ["terminology", "tone"]) == {
        "terminology": 100.0,
        "tone": 100.0,
    }


def test_one_warning_in_75_words_halves_the_category() -> None:
    scores = category_scores([finding()], 75, ["terminology", "tone"])
    assert scores == {"terminology": 50.0, "tone": 100.0}


def test_same_finding_costs_less_in_a_longer_draft() -> None:
    short = category_scores([finding()], 75, ["terminology"])["terminology"]
    long = category_scores([finding()], 750, ["terminology"])["terminology"]
    assert long > short
    assert long == pytest.approx(100 * 10 / 11, abs=0.1)


def test_severity_weights_order() -> None:
    s = {
        sev: category_scores([finding(severity=sev)], 75, ["terminology"])["terminology"]
        for sev in Severity
    }
    assert s[Severity.SUGGESTION] > s[Severity.WARNING] > s[Severity.ERROR]
    assert s[Severity.ERROR] == 25.0


def test_short_drafts_are_not_punished_below_the_floor() -> None:
    # N is floored at 1: a 10-word draft with one warning scores 50, not 100*0.13/1.13
    assert category_scores([finding()], 10, ["terminology"])["terminology"] == 50.0


def test_overall_is_weighted_mean() -> None:
    assert overall_score({"a": 50.0, "b": 100.0}, {"a": 3.0, "b": 1.0}) == 62.5
    assert overall_score({"a": 50.0, "b": 100.0}, {}) == 75.0


def test_verdicts() -> None:
    warn = [finding()]
    err = [finding(severity=Severity.ERROR)]
    assert verdict(90, warn, 80, 50) is Verdict.PASS
    assert verdict(90, err, 80, 50) is Verdict.NEEDS_WORK  # an error never passes
    assert verdict(70, [], 80, 50) is Verdict.NEEDS_WORK
    assert verdict(49.9, [], 80, 50) is Verdict.FAIL
    # one category far under the alert threshold keeps a good mean from passing
    assert verdict(85, warn, 80, 50, {"sentiment": 30.0, "style": 100.0}) is Verdict.NEEDS_WORK
    assert verdict(85, warn, 80, 50, {"sentiment": 50.0, "style": 100.0}) is Verdict.PASS


def full_review(findings: tuple[Finding, ...] = (), score: float = 72.5) -> Review:
    return Review(
        draft=Draft("Our cheap plan 🚀 beats Brightwave.", "d1", SourceFormat.MRKDWN),
        findings=findings,
        category_scores={"terminology": 50.0, "tone": 95.0},
        score=score,
        verdict=Verdict.NEEDS_WORK,
        word_count=6,
        profile="social",
        sentiment=SentimentResult(
            "positive",
            0.8,
            {"positive": 0.8, "neutral": 0.15, "negative": 0.05},
            (SentenceScore(Span(0, 34), "positive", 0.8, {"positive": 0.8}),),
        ),
        tone=ToneProfile(
            0.4, 0.9, {"joy": 0.7}, 0.66, (SentenceScore(Span(0, 34), "casual", 0.6),)
        ),
        entities=(Entity("Brightwave", "COMPETITOR", Span(23, 33), "guide", 1.0, "Brightwave"),),
        timings={"rules": 0.001},
        skipped={"tone": "because"},
    )


def test_review_json_round_trip_is_lossless() -> None:
    review = full_review(
        (finding(start=4), finding("X.Y", "style", Severity.ERROR, 23, "Brightwave"))
    )
    data = json.loads(json.dumps(review.to_dict()))
    assert Review.from_dict(data) == review
    assert data["verdict"] == "needs_work"
    assert data["findings"][0]["span"] == {"start": 4, "end": 9}


def test_compare_reviews_reports_fixed_and_new_by_words_not_offsets() -> None:
    old = full_review((finding(start=4), finding("A.B", matched="synergy", start=20)), score=60)
    new = full_review((finding(start=10), finding("C.D", matched="leverage", start=1)), score=80)
    diff = compare_reviews(old, new)
    assert diff.score_delta == 20.0
    assert [f.matched for f in diff.fixed] == ["synergy"]
    assert [f.matched for f in diff.new] == ["leverage"]
    assert not diff.verdict_changed


def test_alert_reasons() -> None:
    calm = full_review()
    assert is_alert_worthy(calm) == (False, [])
    alert, reasons = is_alert_worthy(full_review((finding(severity=Severity.ERROR),)))
    assert alert and "error-level" in reasons[0]
    failing = Review(calm.draft, (), {}, 20.0, Verdict.FAIL)
    assert is_alert_worthy(failing)[0]
    negative = Review(
        calm.draft,
        (),
        {},
        90.0,
        Verdict.PASS,
        sentiment=SentimentResult("negative", 0.9, {"negative": 0.9}),
    )
    alert, reasons = is_alert_worthy(negative)
    assert alert and "negative" in reasons[0]
