"""Vale-compatible rule engine: rules are data in Vale's YAML format.

Public API (the reviewer and the brand guide use exactly this)::

    Alert, Rule, RuleError, load_rule, load_style, load_vocab, run_rules

Each rule type lives in its own module (``existence``, ``substitution``, ``occurrence``,
``repetition``, ``consistency``, ``conditional``, ``capitalization``, ``metric``, ``spelling``)
and is registered under its ``extends`` name in ``registry.REGISTRY``. ``sequence`` and
``script`` rules load but never report (no POS tagger or Tengo here).
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzers.rules.base import Alert, BaseRule, RuleError, Scope, run_on_plaintext
from analyzers.rules.registry import REGISTRY, load_rule, load_style, load_vocab
from analyzers.text import PlainText

Rule = BaseRule


def run_rules(rules: Sequence[BaseRule], doc: PlainText) -> list[Alert]:
    """Run ``rules`` over ``doc``; alerts sorted by position (then rule name)."""
    return run_on_plaintext(rules, doc)


__all__ = [
    "REGISTRY",
    "Alert",
    "BaseRule",
    "Rule",
    "RuleError",
    "Scope",
    "load_rule",
    "load_style",
    "load_vocab",
    "run_rules",
]
