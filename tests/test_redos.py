"""Issue 8, item 4: every user-supplied pattern has a time budget, and a pattern that backtracks
catastrophically on a short probe is refused at load, naming the rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from analyzers import Draft, GuideError, Reviewer, load_guide
from analyzers.rules import RuleBudget, RuleError, load_rule, run_rules
from analyzers.rules.bounded import BoundedPattern, probe
from analyzers.text import to_plain
from analyzers.types import SourceFormat

SLOW = "(a|a)+$"  # 31 s on 26 a's without a limit, doubling with each extra a
# fast on the 25-character probes, astronomically slow on 70 characters
SLOW_WHEN_LONG = "(a|aaa)+$"


def test_probe_rejects_catastrophic_patterns_only() -> None:
    assert probe(regex.compile(SLOW)) is not None
    for fine in ("synergy|leverage", r"\b(?:best|#1)\b", r"better than \w+", "set-?up"):
        assert probe(regex.compile(fine)) is None, fine


def test_guide_with_a_slow_term_is_refused_at_load_naming_it(tmp_path: Path) -> None:
    guide = tmp_path / "guide.yml"
    guide.write_text(
        "name: Acme\nbanned:\n  - term: ok\n  - term: '(a|a)+$'\n    regex: true\n"
        "    reason: slow\n"
    )
    with pytest.raises(GuideError) as err:
        load_guide(guide)
    text = str(err.value)
    assert "banned[1]" in text and "too slow" in text and "(a|a)+$" in text


def test_vale_rule_with_a_slow_token_is_refused_naming_the_rule() -> None:
    with pytest.raises(RuleError, match=r"rule Acme\.Slow: key 'tokens': .*too slow"):
        load_rule(
            "Acme.Slow",
            {"extends": "existence", "message": "%s", "tokens": [SLOW], "nonword": True},
            source="styles/Acme/Slow.yml",
        )


def test_a_pattern_past_its_budget_skips_the_rule_and_says_so() -> None:
    rule = load_rule(
        "Acme.Long",
        {"extends": "existence", "message": "%s", "tokens": [SLOW_WHEN_LONG], "nonword": True},
        source="test",
    )
    assert isinstance(rule.pattern, BoundedPattern)  # type: ignore[attr-defined]
    fast = load_rule(
        "Acme.Fast",
        {"extends": "existence", "message": "%s", "tokens": ["synergy"]},
        source="test",
    )
    doc = to_plain("synergy " + "a" * 70 + "!", SourceFormat.PLAIN)
    budget = RuleBudget(60.0)
    alerts = run_rules([rule, fast], doc, budget)  # returns: no hang, no exception
    assert budget.timed_out == ["Acme.Long"]
    assert [a.check for a in alerts] == ["Acme.Fast"]


def test_reviewer_notes_a_timed_out_rule(tmp_path: Path) -> None:
    guide = tmp_path / "guide.yml"
    guide.write_text(
        "name: Acme\nbanned:\n  - term: '(a|aaa)+$'\n    regex: true\n    reason: slow\n"
    )
    reviewer = Reviewer(load_guide(guide), None)
    review = reviewer.review_one(Draft("Hello " + "a" * 70 + "!"))
    assert "a pattern took too long" in review.skipped["rules that timed out"]


def test_capitalization_exceptions_are_bounded_too() -> None:
    rule = load_rule(
        "Acme.Headings",
        {
            "extends": "capitalization",
            "message": "'%s' should be in title case",
            "match": "$title",
            "scope": "heading",
            "exceptions": [SLOW, "iPhone"],
        },
        source="test",
    )
    doc = to_plain("# " + "a" * 30 + "!\n\nBody text.", SourceFormat.MARKDOWN)
    budget = RuleBudget(60.0)
    run_rules([rule], doc, budget)  # returns promptly: the slow exception is matched literally
    assert budget.timed_out == []


def test_substitution_expected_patterns_are_bounded() -> None:
    from analyzers.rules.substitution import matches_expected

    assert matches_expected("(a|a)+b", "a" * 40) is False  # returns: timed out, not a match
    assert matches_expected(r"set up|setup", "setup") is True
