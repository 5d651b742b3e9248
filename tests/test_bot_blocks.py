"""bot.blocks: Slack's limits on a huge review, escaping, fallback text, update/alert variants."""

from __future__ import annotations

from typing import Any

from botkit import FakeGuide, finding, make_review
from slack_sdk.models.blocks import Block

from analyzers import Severity, Verdict, compare_reviews
from bot import blocks


def check_limits(msg: dict[str, Any]) -> None:
    assert msg["text"] and len(msg["text"]) <= 3000
    bl = msg["blocks"]
    assert 1 <= len(bl) <= 50
    for b in bl:
        Block.parse(b).validate_json()  # slack_sdk's own model checks
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            if "text" in b:
                assert len(b["text"]["text"]) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in b.get("fields", []))
        if b["type"] == "context":
            assert len(b["elements"]) <= 10


def all_text(msg: dict[str, Any]) -> str:
    out = [msg["text"]]
    for b in msg["blocks"]:
        if "text" in b:
            out.append(b["text"]["text"])
        out += [f["text"] for f in b.get("fields", [])]
        out += [e.get("text", "") for e in b.get("elements", [])]
    return "\n".join(out)


def test_small_review_has_header_overview_and_findings() -> None:
    r = make_review(
        [finding("synergy", suggestions=("teamwork",), link="https://brand.example/terms")],
        score=72,
        verdict=Verdict.NEEDS_WORK,
    )
    msg = blocks.review_message(r)
    check_limits(msg)
    assert msg["blocks"][0]["type"] == "header"
    assert "72/100" in msg["blocks"][0]["text"]["text"]
    assert "Needs work" in msg["blocks"][0]["text"]["text"]
    text = all_text(msg)
    for needle in (
        "“synergy”",
        "*teamwork*",
        "<https://brand.example/terms|guide>",
        "Tone",
        "Sentiment",
        "positive",
        "Acme (ORG)",
        "Terminology",
    ):
        assert needle in text, needle
    assert "72/100" in msg["text"] and "“synergy”" in msg["text"]


def test_huge_review_respects_every_limit_and_summarises_the_rest() -> None:
    many = [
        finding(
            f"word{i} " + "x" * 300,
            rule=f"R{i}",
            category=("terminology", "style", "tone", "readability", "cat" * 60)[i % 5],
            severity=(Severity.ERROR, Severity.WARNING, Severity.SUGGESTION)[i % 3],
            message="m" * 800,
            suggestions=tuple("s" * 100 for _ in range(5)),
            start=i,
        )
        for i in range(400)
    ]
    r = make_review(many, text="t " * 5000, score=3, verdict=Verdict.FAIL)
    msg = blocks.review_message(r, title="T" * 400)
    check_limits(msg)
    assert len(msg["blocks"]) <= 50
    summary = [e["text"] for b in msg["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any("more suggestion" in s and s.startswith("+") for s in summary), summary
    # the number announced is exactly the number not shown
    shown = all_text(msg).count("“word")
    n = int(next(s for s in summary if "more suggestion" in s).split()[0].lstrip("+"))
    assert shown - msg["text"].count("“word") + n == 400


def test_user_text_is_escaped() -> None:
    evil = "<!channel> & <https://evil.example|click> <@U123>"
    r = make_review([finding(evil, message=f"bad {evil}", suggestions=(evil,))], text=evil)
    msg = blocks.review_message(r)
    check_limits(msg)
    text = all_text(msg)
    assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "&amp;amp;" not in text


def test_truncation_never_splits_an_entity() -> None:
    s = blocks.truncate("a" * 8 + "&amp;", 10)
    assert s.endswith("…") and "&am" not in s


def test_fallback_text_without_findings() -> None:
    msg = blocks.review_message(make_review([], score=100))
    check_limits(msg)
    assert "on brand" in msg["text"]


def test_update_message_shows_change_and_fixed_findings() -> None:
    old = make_review(
        [finding("synergy", rule="A"), finding("leverage", rule="B")],
        score=70,
        verdict=Verdict.NEEDS_WORK,
    )
    new = make_review([finding("leverage", rule="B")], score=85, verdict=Verdict.PASS)
    msg = blocks.update_message(new, compare_reviews(old, new))
    check_limits(msg)
    text = all_text(msg)
    assert "+15" in text and "Fixed 1 finding" in text and "“synergy”" in text
    assert "updated" in msg["text"] and "+15" in msg["text"]


def test_fixed_findings_on_one_sentence_are_listed_once() -> None:
    sentence = "We are the best and we crush the competition."
    old = make_review(
        [
            finding(sentence, rule="Tone.Arrogant", category="tone"),
            finding(sentence, rule="Policy.Disparaging", category="tone"),
            finding("synergy", rule="A", start=60),
        ],
        score=50,
        verdict=Verdict.NEEDS_WORK,
    )
    new = make_review([], score=100, verdict=Verdict.PASS)
    msg = blocks.update_message(new, compare_reviews(old, new))
    check_limits(msg)
    text = all_text(msg)
    assert "Fixed 3 findings" in text
    assert text.count("We are the best") == 1 and "(×2)" in text and "“synergy”" in text


def test_alert_message() -> None:
    r = make_review(
        [finding("Globex", severity=Severity.ERROR), finding("a"), finding("b"), finding("c")],
        score=30,
        verdict=Verdict.FAIL,
    )
    msg = blocks.alert_message(
        r,
        author="U0AUTHOR",
        channel="C0DRAFTS",
        permalink="https://fake.slack.com/archives/C0DRAFTS/p123",
        reasons=["score 30 is under the alert threshold", "1 error-level finding (“Globex”)"],
    )
    check_limits(msg)
    text = all_text(msg)
    assert "<@U0AUTHOR>" in text and "<#C0DRAFTS>" in text and "30/100" in text
    assert "<https://fake.slack.com/archives/C0DRAFTS/p123|Open the thread>" in text
    assert "+1 more suggestion" in text
    assert "https://fake.slack.com/archives/C0DRAFTS/p123" in msg["text"]


def test_guide_help_and_notices() -> None:
    for msg in (
        blocks.guide_message(FakeGuide(), reviewer_status="rules only"),
        blocks.help_message(),
        blocks.deleted_message(),
        blocks.busy_message(),
        blocks.apology_message("abc123"),
        blocks.notice_message("x"),
    ):
        check_limits(msg)
    assert "profile &lt;name&gt; &lt;draft&gt;" in all_text(blocks.help_message())
    assert "abc123" in blocks.apology_message("abc123")["text"]


def test_whole_draft_findings_quote_no_words() -> None:
    from bot.blocks import fallback_text, finding_line

    f = finding("", rule="Brand.Readability", category="readability", message="Aim for grade 9")
    assert "“”" not in finding_line(f) and "Aim for grade 9" in finding_line(f)
    assert "“”" not in fallback_text(make_review([f], score=70.0))
