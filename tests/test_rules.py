"""Unit tests of the Vale-compatible rule engine: one per rule type and per field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzers.rules import Alert, RuleError, load_rule, load_style, load_vocab, run_rules
from analyzers.rules.base import Scope, format_message
from analyzers.text import Block, PlainText
from analyzers.types import Severity


def doc(text: str, blocks: list[Block] | None = None) -> PlainText:
    return PlainText(
        original=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        blocks=tuple(blocks if blocks is not None else [Block("paragraph", 0, len(text))]),
    )


def check(data: dict[str, Any], text: str, blocks: list[Block] | None = None) -> list[Alert]:
    rule = load_rule("Test.Rule", data)
    return run_rules([rule], doc(text, blocks))


def test_existence_tokens_are_words_and_message_has_match() -> None:
    alerts = check(
        {"extends": "existence", "message": "Avoid '%s'.", "tokens": ["very"]},
        "It is very every good.",
    )
    assert [(a.matched, a.start, a.message) for a in alerts] == [("very", 6, "Avoid 'very'.")]
    # no `level`: a warning, as Vale compiles a rule file without one
    assert alerts[0].check == "Test.Rule" and alerts[0].severity is Severity.WARNING


def test_existence_ignorecase_nonword_raw_append() -> None:
    base = {"extends": "existence", "message": "%s"}
    assert len(check({**base, "tokens": ["very"], "ignorecase": True}, "Very good.")) == 1
    assert check({**base, "tokens": ["very"]}, "Very good.") == []
    assert [a.matched for a in check({**base, "tokens": ["ery"], "nonword": True}, "every")] == [
        "ery"
    ]
    raw = check({**base, "raw": [r"\d+", r"\s?%"]}, "It grew 40 %.")
    assert [a.matched for a in raw] == ["40 %"]
    appended = check({**base, "tokens": ["grew"], "raw": [r" \d+"], "append": True}, "It grew 40.")
    assert [a.matched for a in appended] == ["grew 40"]


def test_existence_lookarounds_and_exceptions() -> None:
    data = {
        "extends": "existence",
        "message": "%s",
        "raw": [r"(?<!\bnot )\bbad\b"],
        "exceptions": ["Bad"],
    }
    assert [a.start for a in check(data, "not bad, bad, Bad")] == [9]


def test_level_link_action_and_category() -> None:
    alerts = check(
        {
            "extends": "existence",
            "message": "%s",
            "tokens": ["utilize"],
            "level": "error",
            "link": "https://x.test",
            "category": "terminology",
            "action": {"name": "replace", "params": ["use"]},
        },
        "We utilize it.",
    )
    a = alerts[0]
    assert (a.severity, a.link, a.action, a.category, a.suggestions) == (
        Severity.ERROR,
        "https://x.test",
        "replace",
        "terminology",
        ("use",),
    )
    removed = check(
        {
            "extends": "existence",
            "message": "%s",
            "tokens": ["really"],
            "action": {"name": "remove"},
        },
        "It is really.",
    )
    assert removed[0].suggestions == ("",)


def test_default_category() -> None:
    ex = load_rule("S.R", {"extends": "existence", "message": "m", "tokens": ["x"]})
    metric = load_rule(
        "S.M", {"extends": "metric", "message": "%s", "formula": "words", "condition": "> 1"}
    )
    assert (ex.category, metric.category) == ("style", "readability")


def test_substitution_swap_message_and_suggestions() -> None:
    data = {
        "extends": "substitution",
        "message": "Use '%s' instead of '%s'.",
        "ignorecase": True,
        "swap": {"javascript": "JavaScript", "e-mail": "email"},
    }
    alerts = check(data, "Send an E-mail about Javascript. JavaScript is fine.")
    assert [(a.matched, a.message, a.suggestions) for a in alerts] == [
        ("E-mail", "Use 'email' instead of 'E-mail'.", ("email",)),
        ("Javascript", "Use 'JavaScript' instead of 'Javascript'.", ("JavaScript",)),
    ]


def test_substitution_replace_action_lists_alternatives() -> None:
    data = {
        "extends": "substitution",
        "message": "Use '%s' instead of '%s'.",
        "action": {"name": "replace"},
        "swap": {"cell phone": "phone|mobile phone"},
    }
    a = check(data, "My cell phone.")[0]
    assert a.message == "Use 'phone' or 'mobile phone' instead of 'cell phone'."
    assert a.suggestions == ("phone", "mobile phone")


def test_substitution_capture_reference_and_capitalize() -> None:
    data = {
        "extends": "substitution",
        "message": "Use '%s'.",
        "capitalize": True,
        "ignorecase": True,
        "swap": {"change in(?: )?to the (\\w+) folder": "change to the $1 folder"},
    }
    assert (
        check(data, "Change into the etc folder.")[0].message == "Use 'Change to the etc folder'."
    )


def test_occurrence_max_and_min() -> None:
    too_long = {
        "extends": "occurrence",
        "message": "Too many words (%s).",
        "max": 3,
        "token": r"\b\w+\b",
        "scope": "sentence",
    }
    alerts = check(too_long, "One two three four. Five six.")
    assert [(a.start, a.message) for a in alerts] == [(0, "Too many words (4).")]
    too_short = {"extends": "occurrence", "message": "Short", "min": 10, "token": r"\w+"}
    assert len(check(too_short, "Just a few words.")) == 1


def test_repetition() -> None:
    data = {
        "extends": "repetition",
        "message": "'%s' is repeated!",
        "alpha": True,
        "tokens": [r"[^\s]+"],
        "ignorecase": True,
    }
    alerts = check(data, "This is is fine. The the end. Say that. That is ok.")
    assert [(a.matched, a.message) for a in alerts] == [
        ("is is", "'is' is repeated!"),
        ("The the", "'the' is repeated!"),
    ]


def test_consistency_flags_mixed_spellings() -> None:
    data = {
        "extends": "consistency",
        "message": "Inconsistent spelling of '%s'.",
        "either": {"color": "colour"},
        "ignorecase": True,
    }
    assert check(data, "The color is nice.") == []
    alerts = check(data, "The color is nice. The colour is odd.")
    assert [a.matched for a in alerts] == ["colour"]


def test_consistency_reports_the_first_occurrence_of_the_last_match() -> None:
    # Vale keeps the last match of a pair but places it by searching for its text
    data = {
        "extends": "consistency",
        "message": "Inconsistent use of '%s'",
        "nonword": True,
        "either": {'"': "[”“]"},
    }
    text = 'A "dumb" quote, a “smart” one and a "dumb" one.'
    alerts = check(data, text)
    assert [(a.matched, a.start) for a in alerts] == [('"', text.index('"'))]


def test_conditional_requires_definition() -> None:
    data = {
        "extends": "conditional",
        "message": "'%s' has no definition.",
        "first": r"\b([A-Z]{3,5})\b",
        "second": r"(?:\b[A-Z][a-z]+ )+\(([A-Z]{3,5})\)",
        "exceptions": ["USA"],
    }
    alerts = check(data, "The World Health Organization (WHO) helps. WHO and NASA and USA.")
    assert [a.matched for a in alerts] == ["NASA"]


def test_capitalization_heading_scope_and_styles() -> None:
    text = "this Is Bad\nGood title here"
    blocks = [Block("heading", 0, 11, 1), Block("paragraph", 12, len(text))]
    data = {
        "extends": "capitalization",
        "message": "'%s' should be sentence-cased",
        "scope": "heading",
        "match": "$sentence",
    }
    assert [a.matched for a in check(data, text, blocks)] == ["this Is Bad"]
    title = {**data, "match": "$title", "message": "'%s' title"}
    assert [a.matched for a in check(title, "A Guide to the Galaxy")] == []
    assert len(check({**data, "scope": "text", "match": "$title"}, "a guide to the galaxy")) == 1
    lower = {**data, "scope": "text", "match": "$lower"}
    assert len(check(lower, "Not lower")) == 1 and check(lower, "all lower") == []
    exc = {**data, "scope": "text", "exceptions": ["GitHub", "Actions"]}
    assert check(exc, "Use GitHub Actions daily") == []


def test_metric_formula_condition() -> None:
    data = {
        "extends": "metric",
        "message": "Grade %s is too high.",
        "formula": "(0.39 * (words / sentences)) + (11.8 * (syllables / words)) - 15.59",
        "condition": "> 8",
    }
    hard = (
        "Institutional communication necessitates extraordinarily comprehensive "
        "documentation regarding organizational responsibilities and considerations."
    )
    alerts = check(data, hard)
    assert len(alerts) == 1 and alerts[0].message.startswith("Grade ")
    assert check(data, "The cat sat. The dog ran.") == []


def test_readability_metrics() -> None:
    data = {
        "extends": "readability",
        "message": "Grade %s",
        "grade": 8,
        "metrics": [
            "Flesch-Kincaid",
            "Gunning Fog",
            "Coleman-Liau",
            "SMOG",
            "Automated Readability",
        ],
    }
    assert check(data, "We go. You run. It is fun.") == []


def test_scope_semantics() -> None:
    assert Scope(["heading"]).matches("text.heading.h2")
    assert not Scope(["heading.h1"]).matches("text.heading.h2")
    assert Scope(["heading.h1", "heading.h2"]).matches("text.heading.h2")
    assert Scope(["~blockquote & ~heading"]).matches("paragraph")
    assert not Scope(["~blockquote & ~heading"]).matches("text.blockquote")
    assert not Scope(["~heading"]).matches("raw")


def test_sentence_and_list_scope_on_plaintext() -> None:
    text = "Item TODO\nFirst TODO. Second one."
    blocks = [Block("list", 0, 9, 1), Block("paragraph", 10, len(text))]
    data = {"extends": "existence", "message": "%s", "tokens": ["TODO"], "scope": "list"}
    assert [a.start for a in check(data, text, blocks)] == [5]
    sent = {"extends": "existence", "message": "%s", "raw": [r"^First.*$"], "scope": "sentence"}
    assert [a.matched for a in check(sent, text, blocks)] == ["First TODO."]


def test_format_message() -> None:
    assert format_message("Use '%s' not '%s'", "a", "b") == "Use 'a' not 'b'"
    assert format_message("%s and %s", "a") == "a and %!s(MISSING)"
    assert format_message("100%% %s", "x") == "100% x"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"message": "m", "tokens": ["x"]}, "extends"),
        ({"extends": "nope", "message": "m"}, "extends"),
        ({"extends": "existence", "tokens": ["x"]}, "message"),
        ({"extends": "existence", "message": "m", "tokens": ["x"], "level": "fatal"}, "level"),
        ({"extends": "existence", "message": "m", "tokens": ["(x"]}, "tokens"),
        ({"extends": "existence", "message": "m", "tokens": ["x"], "tokenz": 1}, "tokenz"),
        ({"extends": "substitution", "message": "m"}, "swap"),
        ({"extends": "occurrence", "message": "m", "token": "x"}, "max"),
        (
            {"extends": "metric", "message": "m", "formula": "import os", "condition": "> 1"},
            "formula",
        ),
        (
            {"extends": "metric", "message": "m", "formula": "words", "condition": "big"},
            "condition",
        ),
        ({"extends": "capitalization", "message": "m", "match": "$weird"}, "match"),
        (
            {"extends": "existence", "message": "m", "tokens": ["x"], "action": {"name": "zap"}},
            "action",
        ),
    ],
)
def test_rule_errors_name_source_rule_and_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(RuleError) as info:
        load_rule("Brand.Rule", data, source="styles/Brand/Rule.yml")
    msg = str(info.value)
    assert "styles/Brand/Rule.yml" in msg and "Brand.Rule" in msg and f"'{key}'" in msg


def test_vocab_accept_and_reject(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "vocabularies" / "Brand"
    folder.mkdir(parents=True)
    (folder / "accept.txt").write_text("# comment\nBrandBot\nKubernetes\n")
    (folder / "reject.txt").write_text("synergy\n")
    rules = load_vocab(tmp_path, "Brand")
    alerts = run_rules(rules, doc("Brandbot runs kubernetes with synergy. BrandBot is fine."))
    assert [(a.check, a.matched) for a in alerts] == [
        ("Vale.Terms", "Brandbot"),
        ("Vale.Terms", "kubernetes"),
        ("Vale.Avoid", "synergy"),
    ]
    old = tmp_path / "old"
    (old / "Vocab" / "X").mkdir(parents=True)
    (old / "Vocab" / "X" / "reject.txt").write_text("foo\n")
    assert [r.name for r in load_vocab(old, "X")] == ["Vale.Avoid"]
    with pytest.raises(RuleError, match="not found"):
        load_vocab(tmp_path, "Missing")


STYLES = ["Google", "Microsoft", "write-good", "proselint", "alex"]
SAMPLE = (
    "# Getting started with our very awesome product\n\n"
    "There are many users who utilize it. Obviously, you'll want to e-mail the the team, "
    "e.g. via our website. He should click on the button!!\n"
)


@pytest.mark.shared
@pytest.mark.parametrize("style", STYLES)
def test_shipped_styles_load_and_run(style: str, shared: Path) -> None:
    root = shared / "vale" / "styles" / style
    rules = load_style(root, style)
    assert len(rules) >= 5
    text = SAMPLE
    blocks = [Block("heading", 0, 48, 1), Block("paragraph", 50, len(text) - 1)]
    alerts = run_rules(rules, doc(text, blocks))
    assert alerts, f"{style} found nothing in the sample"
    assert all(a.check.startswith(f"{style}.") for a in alerts)
    assert [a.start for a in alerts] == sorted(a.start for a in alerts)
    for a in alerts:
        assert text[a.start : a.end] == a.matched or a.start == a.end
