"""``extends: substitution`` — ``swap`` observed → expected, with a suggestion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

from analyzers.rules.base import (
    FileState,
    Match,
    ScopedBlock,
    VocabRule,
    compile_pattern,
    format_message,
    to_sentence,
    within,
)
from analyzers.rules.bounded import PATTERN_TIMEOUT_S


def is_phrase(s: str) -> bool:
    """Vale's ``IsPhrase``: only letters (then ``expected`` is compared literally)."""
    return all(ch.isalpha() for ch in s)


def _top_level_alternatives(expected: str) -> list[str] | None:
    """``expected`` split at its unescaped ``|`` outside any group, or ``None`` if it has none."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(expected):
        ch = expected[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "|" and depth == 0:
            parts.append(expected[start:i])
            start = i + 1
        i += 1
    if not parts:
        return None
    return [*parts, expected[start:]]


def matches_expected(expected: str, observed: str) -> bool:
    """Is ``observed`` already what the rule wants?

    Top-level alternatives (``a|b``, ``,|...``) compare literally, as Vale's suite shows
    (``,,,`` is still flagged by ``',{2,}': ',|...'``); a plain phrase compares literally;
    anything else is a pattern that must match all of ``observed`` (Vale's ``^(?:%s)$``), so
    ``CAUTION: \\*\\*(?:Caution|Warning):\\*\\*`` accepts ``CAUTION: **Warning:**``.
    """
    options = _top_level_alternatives(expected)
    if options is not None:
        return observed in options
    if is_phrase(expected) or expected == observed:
        return expected == observed
    try:
        found = regex.fullmatch(f"(?:{expected})", observed, timeout=PATTERN_TIMEOUT_S)
        return found is not None
    except TimeoutError:  # a user pattern past its time budget: not a match
        return False
    except regex.error:
        return expected == observed


def convert_message(message: str) -> str:
    """Drop the quotes around the first ``%s`` when the expected side becomes a list."""
    for spec in ("'%s'", '"%s"'):
        if message.count(spec) == 2:
            message = message.replace(spec, "%s", 1)
    return message


class Substitution(VocabRule):
    extends = "substitution"
    keys = frozenset({"ignorecase", "nonword", "swap", "exceptions", "pos", "capitalize"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.swap = f.mapping("swap")
        if not self.swap:
            raise f.error("swap", "a substitution rule needs a non-empty 'swap' mapping")
        self.ignorecase = f.flag("ignorecase")
        self.nonword = f.flag("nonword")
        self.capitalize = f.flag("capitalize")
        self.exceptions = f.strings("exceptions")
        # longest pattern first, so that "MPL 2.0" wins over "MPL" (leftmost-first alternation)
        keys = sorted(self.swap, key=len, reverse=True)
        self.replacements = [self.swap[k] for k in keys]
        self.bases: list[int] = []
        index = 1
        for key in keys:
            self.bases.append(index)
            inner = compile_pattern(key, source=source, rule=name, key=f"swap: {key}")
            index += 1 + inner.groups
        groups = "|".join(f"(?P<s{i}>{key})" for i, key in enumerate(keys))
        body = rf"(?m)\b(?:{groups})\b" if not self.nonword else f"(?m)(?:{groups})"
        pattern = ("(?i)" if self.ignorecase else "") + body
        self.pattern = compile_pattern(pattern, source=source, rule=name, key="swap")
        self._init_exceptions()

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        out: list[Match] = []
        text = block.text
        inside = self.phrase_spans(text)
        for m in self.pattern.finditer(text):
            if within(inside, m.start(), m.end()):
                continue  # part of an accepted multi-word phrase
            for i, expected in enumerate(self.replacements):
                start, end = m.span(f"s{i}")
                if start < 0:
                    continue
                raw = text[start:end]
                observed = raw.strip()
                if not observed or matches_expected(expected, observed):
                    break
                if self.excepted(observed):
                    break
                base = self.bases[i]
                expected = regex.sub(
                    r"\$(\d+)",
                    lambda g, m=m, base=base: m.group(base + int(g.group(1))) or "",  # type: ignore[misc]
                    expected,
                )
                if self.capitalize and observed[:1].isupper():
                    expected = expected[:1].upper() + expected[1:]
                message = self.message
                options = tuple(expected.split("|"))
                shown = expected
                if self.action is not None and self.action.name == "replace":
                    if not self.action.params:
                        shown = to_sentence(options, "or") if any(options) else ""
                        message = convert_message(message)
                    suggestions = self.action.params or options
                else:
                    suggestions = options
                out.append(Match(start, end, raw, format_message(message, shown, raw), suggestions))
                break
        return out
