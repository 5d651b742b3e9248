"""``extends: brand-claims`` — superlative and absolute claims, found by default.

The guide compiles its ``claim_checks`` section into one rule of this type (``Brand.ClaimCheck``):

* superlatives: an adjective or adverb in its superlative form ("brightest", "best"; checked
  with LemmInflect, so "honest" and "interest" are not), "most" + an adjective ("most
  efficient"), rankings ("#1", "number one", "No. 1") and words such as "unbeatable",
  "unmatched", "world-class", "industry-leading" (not "least" + adjective: "the least risky
  option" is advice, not a claim); a leading "hands down" / "by far" / "the" and a
  trailing "in the world" / "on the market" / "ever" / "of all time" belong to the claim; a
  superlative ranked only within our own text ("the biggest change in this release") is none;
* absolutes: "100%", "100 percent", "guarantee(d)", "never fails / breaks / crashes / goes down /
  lets you down", "always works", "zero downtime", "risk-free", "foolproof", "flawless";
  comparisons with everyone ("faster than every other", "better than any") and exclusivity
  ("Only LumaSync can");
* ``extra``: more claim patterns (regular expressions, case-insensitive);
* ``exceptions``: phrases that are never claims (case-insensitive, whole words): a candidate that
  overlaps one is dropped. ``DEFAULT_EXCEPTIONS`` ("best practice", "at least", "latest", ...)
  always apply;
* ``defer``: the guide's own claim patterns: where one of them matches, the guide's claim rule
  reports the words, so this rule stays quiet there.

English only. Not a Vale rule type: only the guide produces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

from analyzers.inflect import is_adjective, is_superlative
from analyzers.rules.base import BaseRule, FileState, Match, ScopedBlock, compile_pattern

DEFAULT_EXCEPTIONS = (
    "at least",
    "at most",
    "at best",
    "at worst",
    "at the latest",
    "at the earliest",
    "latest",
    "best practice",
    "best practices",
    "best regards",
    "best wishes",
    "all the best",
    "best of luck",
    "best-effort",
    "best effort",
    "most likely",
    "most recent",
    "most recently",
    "most important",
    "most importantly",
    "most significant",
    "most significantly",
    "most common",
    "most commonly",
    "most notably",
    "most often",
    "do our best",
    "do your best",
    "did our best",
    "doing our best",
    "try our best",
    "tried our best",
    "trying our best",
    "our best guess",
    "best guess",
    "nearest",
    "suits you best",
    "suit you best",
    "fits you best",
    "fit you best",
    "works best",
    "work best",
    "best suited",
    "best suits",
    "as best",
    "what you do best",
    "what we do best",
    "earliest convenience",
)

_PREFIX = r"(?:(?:hands\s+down|by\s+far)\s+)?(?:(?:the|our|its)\s+)?"
_SUFFIX = (
    r"(?:\s+(?:in|on|of)\s+the\s+(?:world|market|planet|industry|universe)"
    r"|\s+of\s+all\s+time|\s+ever|\s+anywhere)?"
)
_SUPERLATIVE = regex.compile(
    r"(?i)(?<![\w#])" + _PREFIX + r"(?:(?P<compound>best-(?:selling|sellers?|rated|reviewed|loved)"
    r"|top-(?:rated|selling))"
    r"|(?P<most>most\s+(?P<adj>[a-z]+(?:-[a-z]+)?))"
    r"|(?P<est>[a-z]{2,}(?:est)|best|worst|most)"
    r"|(?P<rank>\#\s?1|number[- ]one|no\.\s?1)"
    r"|(?P<word>unbeatable|unmatched|unrivall?ed|unparalleled|second\s+to\s+none"
    r"|best-in-class|world-class|industry-leading|market-leading|world's\s+(?:best|first)))"
    + _SUFFIX
    + r"(?!\w)"
)
_ABSOLUTE = regex.compile(
    r"(?i)(?<!\w)(?:100\s?%|100(?:\s+|-)percent|one\s+hundred\s+percent"
    r"|guarantee[sd]?|guaranteeing"
    r"|never\s+(?:fail(?:s|ed)?|break(?:s)?|broke|crash(?:es|ed)?|goes\s+down|go\s+down"
    r"|stops?|lets?\s+you\s+down|misses|miss)"
    r"|always\s+(?:works?|on|available|up|reliable)"
    r"|zero\s+(?:downtime|risk|defects?|failures?|bugs?)"
    r"|risk[- ]free|(?:fool|bullet|fail)[- ]?proof|unbreakable|flawless(?:ly)?)"
    r"(?!\w)"
)


# a superlative ranked only within our own text is no market claim: "the biggest change in this
# release", "the most requested fix of this update" (a few words may sit between them)
_OWN_SCOPE = regex.compile(
    r"(?i)(?:\s+[\w'’-]+){0,3}?\s+(?:in|of|from)\s+(?:this|these|today's|today’s)\s+"
    r"(?:release|update|version|post|article|list|changelog|newsletter|issue|edition|round"
    r"|batch|sprint|cycle|roadmap|build|patch)(?:es|s)?(?!\w)"
    r"|(?:\s+[\w'’-]+){0,3}?\s+(?:in|of|from)\s+(?:version|release|v)\s?\d"
)


# better than everyone: "faster than every other hub", "brighter than any fixture", "more
# reliable than all the others"; not "faster than before" nor "better than ever"
_COMPARATIVE = regex.compile(
    r"(?i)(?<!\w)(?!(?:rather|other|whether|either|neither|together|ever|never|over|under|after"
    r"|greater|less|fewer)\s)(?:[a-z]{2,}er|more\s+[a-z]+|better)\s+than\s+(?:any|every|all)"
    r"(?:one|thing|body)?(?:\s+(?:other|the\s+others?|else))?(?!\w)"
)
# only we can: "Only LumaSync can do this", "only Northwind Lumen offers ..."
_EXCLUSIVE = regex.compile(
    r"(?<!\w)(?:[Oo]nly\s+(?:the\s+)?(?!(?:Admins?|Administrators?|Owners?|Members?|Users?"
    r"|Editors?|Managers?|Guests?|Staff|Employees?)\s)(?:[A-Z][\w-]*\s+){1,3}(?:[a-z]+\s+)?"
    r"|[Nn]o\s+other\s+(?:[\w-]+\s+){0,2})(?:can|does|lets|gives|offers|delivers)(?!\w)"
)
# "best" as an adverb after fit / suit / work: "the plan that suits your team best"
_ADVERB_BEST = regex.compile(r"(?i)(?:suits?|fits?|works?|suited)(?:\s+[\w'’-]+){0,3}\s+$")


def _phrases(items: list[str]) -> regex.Pattern[str] | None:
    words = sorted({" ".join(i.split()) for i in items if i.strip()}, key=len, reverse=True)
    if not words:
        return None
    body = "|".join(r"\s+".join(regex.escape(w) for w in p.split(" ")) for p in words)
    return regex.compile(rf"(?i)(?<!\w)(?:{body})(?!\w)")


class ClaimCheck(BaseRule):
    extends = "brand-claims"
    keys = frozenset({"superlatives", "absolutes", "extra", "exceptions", "defer"})

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        super().__init__(name, data, source=source)
        f = self.fields
        self.superlatives = f.flag("superlatives", True)
        self.absolutes = f.flag("absolutes", True)
        self.extra = [
            compile_pattern(f"(?i){p}", source=source, rule=name, key="extra")
            for p in f.strings("extra")
        ]
        self.exceptions = _phrases([*DEFAULT_EXCEPTIONS, *f.strings("exceptions")])
        defer = f.strings("defer")
        self.defer = (
            compile_pattern(
                "(?i)(?<!\\w)(?:" + "|".join(defer) + ")(?!\\w)",
                source=source,
                rule=name,
                key="defer",
            )
            if defer
            else None
        )

    def _candidates(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        if self.superlatives:
            for m in _SUPERLATIVE.finditer(text):
                if m.group("most") and not is_adjective(m.group("adj")):
                    continue
                est = m.group("est")
                if est and est.lower() != "most" and not is_superlative(est):
                    continue
                if est and est.lower() == "most":
                    continue  # "most" alone is a quantifier ("most customers")
                if m.group("rank") is None and _OWN_SCOPE.match(text, m.end(), m.end() + 80):
                    continue
                if est and est.lower() == "best" and _ADVERB_BEST.search(text, 0, m.start()):
                    continue
                out.append(m.span())
        if self.absolutes:
            out += [m.span() for m in _ABSOLUTE.finditer(text)]
            out += [m.span() for m in _COMPARATIVE.finditer(text)]
            out += [m.span() for m in _EXCLUSIVE.finditer(text)]
        for pattern in self.extra:
            out += [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        return out

    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        text = block.text
        spans = sorted(set(self._candidates(text)))
        if not spans:
            return []
        quiet = [m.span() for p in (self.exceptions, self.defer) if p for m in p.finditer(text)]
        out: list[Match] = []
        last_end = -1
        for start, end in spans:
            if start < last_end:
                continue  # overlaps the previous claim
            if any(s < end and start < e for s, e in quiet):
                continue
            out.append(self.make(text, start, end))
            last_end = end
        return out
