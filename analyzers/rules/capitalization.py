"""``extends: capitalization`` — a whole scope (a heading, usually) must be $title, $sentence,
$lower, $upper or match a pattern."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import regex

from analyzers.rules.base import BaseRule, FileState, Match, ScopedBlock, compile_pattern
from analyzers.rules.bounded import BoundedPattern, probe

_SMALL = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "en",
        "for",
        "if",
        "in",
        "nor",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "v",
        "v.",
        "via",
        "vs",
        "vs.",
        "from",
        "into",
        "onto",
        "with",
    ]
)
_AP_SMALL = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "if",
        "in",
        "nor",
        "of",
        "off",
        "on",
        "or",
        "out",
        "per",
        "so",
        "the",
        "to",
        "up",
        "v",
        "v.",
        "via",
        "vs",
        "vs.",
        "yet",
    ]
)
_CHICAGO_SMALL = _SMALL | frozenset(
    [
        "about",
        "above",
        "across",
        "after",
        "against",
        "along",
        "among",
        "around",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "between",
        "beyond",
        "down",
        "during",
        "except",
        "inside",
        "like",
        "near",
        "off",
        "out",
        "outside",
        "over",
        "past",
        "since",
        "through",
        "throughout",
        "till",
        "toward",
        "under",
        "underneath",
        "until",
        "up",
        "upon",
        "within",
        "without",
        "so",
        "yet",
    ]
)
_WORD_RE = regex.compile(r"[\p{L}\p{N}'’\-.]+")


def title_case(s: str, small: frozenset[str]) -> str:
    """A title converter in the spirit of prose/transform (AP or Chicago small words)."""
    matches = list(_WORD_RE.finditer(s))
    out = list(s)
    for i, m in enumerate(matches):
        word = m.group()
        first = i == 0 or s[: m.start()].rstrip().endswith((":", "?", "!", "—"))
        last = i == len(matches) - 1
        if word.lower() in small and not first and not last:
            new = word.lower()
        else:
            new = word[:1].upper() + word[1:]
        out[m.start() : m.end()] = list(new)
    return "".join(out)


def make_exceptions(ignore: Sequence[str]) -> BoundedPattern:
    """Word tokens, the (user-supplied) exceptions first; a time budget on every search, and
    exceptions that do not compile or backtrack catastrophically are matched literally."""
    s = ""
    if ignore:
        s = r"\b(?:" + "|".join(ignore) + r")\b|"
    try:
        compiled = regex.compile(s + r"[\p{N}\p{L}*]+[^\s]*")
        if not ignore or probe(compiled) is None:
            return BoundedPattern(compiled)
    except regex.error:
        pass
    s = r"\b(?:" + "|".join(regex.escape(i) for i in ignore) + r")\b|"
    return BoundedPattern(regex.compile(s + r"[\p{N}\p{L}*]+[^\s]*"))


def _title(
    s: str,
    ignore: Sequence[str],
    small: frozenset[str],
    exc: Callable[[str], bool],
    threshold: float = 0.8,
) -> bool:
    re = make_exceptions(ignore)
    expected = re.findall(title_case(s, small))
    words = re.findall(s)
    if not words:
        return True
    count = 0
    for i, word in enumerate(words):
        if i >= len(expected) or word == expected[i] or exc(word) or word == word.upper():
            count += 1
    return count / len(words) > threshold


def _go_title(w: str) -> str:
    return str(regex.sub(r"(?<![\p{L}\p{N}'])(\p{L})", lambda m: m.group(1).upper(), w))


def _sentence(
    s: str,
    ignore: Sequence[str],
    indicators: Sequence[str],
    exc: Callable[[str], bool],
    threshold: float = 0.8,
) -> bool:
    re = make_exceptions(ignore)
    # list numbering such as "1. " is not a word
    tokens = re.findall(regex.sub(r"^\d+\.\s+", "", s).rstrip("?!.:"))
    if not tokens:
        return True
    count = 0
    for i, w in enumerate(tokens):
        prev = tokens[i - 1] if i > 0 else ""
        if exc(w):
            count += 1
            continue
        if "-" in w:
            w = w.split("-")[0]
        elif "'" in w:
            w = w.split("'")[0]
        elif "’" in w:
            w = w.split("’")[0]
        if w == w.upper() or (prev and prev.endswith(tuple(indicators))) or exc(w):
            count += 1
        elif i == 0 and w != _go_title(w.lower()):
            return False
        elif i == 0 or w == w.lower():
            count += 1
    return count / len(tokens) > threshold


class Capitalization(BaseRule):
    extends = "capitalization"
    keys = frozenset({"match", "style", "exceptions", "indicators", "threshold", "prefix"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.match = f.text("match")
        if not self.match:
            raise f.error("match", "a capitalization rule needs 'match' ($title, $sentence, ...)")
        self.style = f.text("style", "AP")
        if self.style not in {"AP", "Chicago"}:
            raise f.error("style", f"expected AP or Chicago, got {self.style!r}")
        self.exceptions = f.strings("exceptions")
        self.indicators = f.strings("indicators")
        self.prefix = f.text("prefix")
        try:
            self.threshold = float(f.text("threshold", "0.8") or 0.8)
        except ValueError:
            raise f.error("threshold", "expected a number between 0 and 1") from None
        self._set_exceptions(self.exceptions)
        self._regex: regex.Pattern[str] | None = None
        if not self.match.startswith("$"):
            self._regex = compile_pattern(self.match, source=source, rule=name, key="match")
        elif self.match not in {"$title", "$sentence", "$lower", "$upper"}:
            raise f.error("match", f"unknown value {self.match!r}")

    def _set_exceptions(self, terms: Sequence[str]) -> None:
        self._all_exceptions = sorted(set(terms), key=len, reverse=True)
        self._except_re: BoundedPattern | None = None
        if self._all_exceptions:
            body = "|".join(self._all_exceptions)
            try:
                compiled = regex.compile(rf"(?m)\b(?:{body})\b")
                if probe(compiled) is None:
                    self._except_re = BoundedPattern(compiled)
            except regex.error:
                pass
            if self._except_re is None:  # invalid or too slow: the terms, literally
                esc = "|".join(regex.escape(t) for t in self._all_exceptions)
                self._except_re = BoundedPattern(regex.compile(rf"(?m)\b(?:{esc})\b"))

    def accept(self, terms: Sequence[str]) -> None:
        if self.vocab:
            self._set_exceptions([*self.exceptions, *terms])

    def _exc(self, word: str) -> bool:
        return self._except_re is not None and self._except_re.search(word) is not None

    def ok(self, s: str) -> bool:
        ignore = self._all_exceptions
        if self.match == "$title":
            small = _CHICAGO_SMALL if self.style == "Chicago" else _AP_SMALL
            return _title(s, ignore, small, self._exc, self.threshold)
        if self.match == "$sentence":
            return _sentence(s, ignore, self.indicators, self._exc, self.threshold)
        if self.match == "$lower":
            return s == s.lower() or s in ignore
        if self.match == "$upper":
            return s == s.upper() or s in ignore
        assert self._regex is not None
        return self._regex.search(s) is not None or s in ignore

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        text = block.text
        checked = text
        if self.prefix:
            m = regex.match(self.prefix, checked)
            if m:
                checked = checked[m.end() :]
        if self.ok(checked.strip()):
            return []
        return [self.make(text, 0, len(text))]
