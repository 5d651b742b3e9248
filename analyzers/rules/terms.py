"""``extends: brand-terms`` — many literal terms in one pass, each reported as its own rule.

The brand guide compiles its plain (non-regex) banned and claim terms into one rule of this
type instead of one existence rule per term: 10,000 banned terms are one trie-shaped regular
expression, not 10,000 rules that each scan the draft. Each term keeps its own rule name,
message, level, suggestions, link and action in the alert.

Data::

    extends: brand-terms
    message: "%s"                 # unused; each term has its own
    terms:
      - name: Brand.Banned_Cheap  # the alert's check
        forms: [cheap, cheaper, cheapest]   # literal, matched case-insensitively
        message: "Avoid '%s'. ..."          # Vale printf message; %s is the matched text
        level: error
        suggestions: [affordable]           # optional: a replace action with these params
        link: https://...                   # optional

A form matches as a whole word: not after a letter, digit or underscore (nor after ``#`` or
``$`` when the form itself starts with a symbol, as the guide's ``#1``), and not before one.
Whitespace inside a form matches any run of whitespace. Accepted vocabulary exempts matches as
for ``existence``. Not a Vale rule type: only the guide produces it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from analyzers.rules.base import (
    FileState,
    Match,
    RuleError,
    ScopedBlock,
    VocabRule,
    compile_pattern,
    format_message,
    within,
)
from analyzers.types import Severity

_TRIE_MAX_CHARS = 300  # longer forms go in a plain alternation (keeps the recursion shallow)


@dataclass(frozen=True)
class Term:
    name: str
    message: str
    level: Severity
    suggestions: tuple[str, ...] = ()
    link: str | None = None


def normalize(text: str) -> str:
    return " ".join(text.lower().split())


def _char(ch: str) -> str:
    return r"\s+" if ch == " " else regex.escape(ch)


def trie_pattern(words: Sequence[str]) -> str:
    """One regular expression matching exactly ``words`` (longest first at each branch)."""
    root: dict[str, Any] = {}
    long: list[str] = []
    for w in words:
        if len(w) > _TRIE_MAX_CHARS:
            long.append(w)
            continue
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str | None:
        parts = []
        for ch in sorted(k for k in node if k):
            sub = emit(node[ch])
            parts.append(_char(ch) + (sub or ""))
        if not parts:
            return None
        body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        if "" in node:
            body = "(?:" + body + ")?"
        return body

    pieces = [emit(root) or ""] if root else []
    pieces += ["".join(_char(c) for c in w) for w in sorted(long, key=len, reverse=True)]
    pieces = [p for p in pieces if p]
    return "(?:" + "|".join(pieces) + ")" if pieces else ""


class TermList(VocabRule):
    extends = "brand-terms"
    keys = frozenset({"terms", "exceptions"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        raw_terms = data.get("terms")
        if not isinstance(raw_terms, list) or not raw_terms:
            raise f.error("terms", "a brand-terms rule needs a non-empty list of terms")
        self.ignorecase = True
        self.nonword = False
        self.exceptions = f.strings("exceptions")
        self.terms: list[Term] = []
        self.index: dict[str, int] = {}
        word_forms: list[str] = []
        symbol_forms: list[str] = []
        for i, t in enumerate(raw_terms):
            if not isinstance(t, Mapping) or not t.get("name") or not t.get("forms"):
                raise f.error("terms", f"term {i + 1}: needs 'name' and a list of 'forms'")
            try:
                level = Severity.from_vale(str(t.get("level", "error")))
            except ValueError as exc:
                raise f.error("terms", f"term {t['name']}: {exc}") from None
            link = t.get("link")
            self.terms.append(
                Term(
                    name=str(t["name"]),
                    message=str(t.get("message", "")),
                    level=level,
                    suggestions=tuple(str(s) for s in t.get("suggestions") or ()),
                    link=str(link) if link else None,
                )
            )
            for form in t["forms"]:
                key = normalize(str(form))
                if not key or key in self.index:
                    continue
                self.index[key] = i
                (word_forms if regex.match(r"\w", key) else symbol_forms).append(key)
        branches = []
        if word_forms:
            branches.append(r"(?<!\w)" + trie_pattern(word_forms))
        if symbol_forms:
            branches.append(r"(?<![\w#$])" + trie_pattern(symbol_forms))
        if not branches:
            raise RuleError(f"{source}: rule {name}: key 'terms': no term has a usable form")
        pattern = "(?i)(?:" + "|".join(branches) + r")(?!\w)"
        self.pattern = compile_pattern(pattern, source=source, rule=name, key="terms")
        self._init_exceptions()

    def _term_for(self, matched: str) -> Term | None:
        i = self.index.get(normalize(matched))
        if i is None:  # a case folding that lower() does not reproduce
            folded = normalize(matched.casefold())
            i = next((j for k, j in self.index.items() if k.casefold() == folded), None)
        return None if i is None else self.terms[i]

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        out: list[Match] = []
        text = block.text
        inside = self.phrase_spans(text)
        for m in self.pattern.finditer(text):
            if m.end() == m.start() or self.excepted(m.group()):
                continue
            if within(inside, m.start(), m.end()):
                continue
            term = self._term_for(m.group())
            if term is None:
                continue
            out.append(
                Match(
                    m.start(),
                    m.end(),
                    m.group(),
                    format_message(term.message, m.group()),
                    term.suggestions,
                    check=term.name,
                    severity=term.level,
                    link=term.link,
                    action="replace" if term.suggestions else None,
                )
            )
        return out
