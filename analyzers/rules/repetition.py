"""``extends: repetition`` — the same token twice in a row ("the the")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analyzers.rules.base import (
    BaseRule,
    FileState,
    Match,
    ScopedBlock,
    compile_pattern,
    format_message,
    split_sentences,
)


class Repetition(BaseRule):
    extends = "repetition"
    keys = frozenset({"ignorecase", "alpha", "tokens", "max", "exceptions"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.tokens = f.strings("tokens")
        if not self.tokens:
            raise f.error("tokens", "a repetition rule needs 'tokens'")
        self.ignorecase = f.flag("ignorecase")
        self.alpha = f.flag("alpha")
        self.max = f.integer("max")
        self.exceptions = set(f.strings("exceptions"))
        self._accepted: set[str] = set()
        pattern = ("(?i)" if self.ignorecase else "") + "(" + "|".join(self.tokens) + ")"
        self.pattern = compile_pattern(pattern, source=source, rule=name, key="tokens")

    def accept(self, terms: Sequence[str]) -> None:
        if self.vocab:
            self._accepted = {t.lower() for t in terms}

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        text = block.text
        out: list[Match] = []
        prev = ""
        ploc = (0, 0)
        count = 0
        for m in self.pattern.finditer(text):
            raw_curr = m.group().strip()
            # "plan plan." repeats, "that. That" does not: trailing punctuation only on the right
            curr = raw_curr.rstrip(".,;:!?")
            if self.ignorecase:
                hit = curr != "" and curr.lower() == prev.lower()
            else:
                hit = curr != "" and curr == prev
            hit = hit and (not self.alpha or curr.isalpha()) and curr not in self.exceptions
            hit = hit and curr.lower() not in self._accepted
            if hit:
                count += 1
            if hit and count > self.max:
                between = text[ploc[0] : m.end()]
                # Vale: a pair that spans two sentences ("that. That") is not a repetition
                if len(split_sentences(between)) == 1:
                    out.append(
                        Match(
                            ploc[0],
                            m.end(),
                            between,
                            format_message(self.message, curr),
                            self.suggestions_for(between, (curr,)),
                        )
                    )
                    count = 0
            ploc = m.span()
            prev = raw_curr
        return out
