"""Blaming and talking down to the reader, from a phrase list: ``Sentiment.Blame`` (warning).

The brand-safety head finds blame that comes with an insult ("You idiots.") but rarely plain
accusation or condescension, which has no insulting word: "grow up", "that is your own fault",
"apparently some people cannot read" scored 100 Pass. Some of it is a matter of set phrases,
like swearing (:mod:`analyzers.profanity`), so a list finds those: a sentence that uses one gets
``Sentiment.Blame`` (the rule the head's findings use), naming the words, unless the head
already flagged that sentence.

The list is brandbot's own and **narrow on purpose**; a first, wider one fired on everyday copy
that uses the same words kindly or literally (an independent pass wrote 50 such drafts: "as
customers skipped the annual plan", "Last month we told you about", "Read the instructions
before opening the housing", "Grow up with music", "help babies stop crying", "Don't bother
writing a long cover letter", "If you'd checked the box at sign-up"). What is left puts the
fault on the reader outright ("your own fault", "you simply ignored", "nobody to blame but
yourself", "if you had actually read", "we told you so", "read the manual for once", "that's
on you", "that's your problem"), or talks
down in an imperative that ends its clause ("Grow up.", "Stop whining.", "Just deal with it.",
"Get over it."), or is a set put-down ("apparently some people cannot read", "don't bother
applying", "we're not here to babysit", "don't waste our time", "RTFM"). A negated fault
("it's not your fault") does
not match, nor does a phrase in quotation marks (someone else's words, reported: "'Don't waste
my time,' she said") or "that's on you" after "on us" (a treat). What is left is what an editor
asks to rewrite, so the finding is an **error** (it stops a pass), and a sentence the safety head
flagged as blame at warning level becomes an error when it also uses one of these phrases: the
list matched none of the 6,758 sentences of labelled copy without the ``scold`` flag, where
the head's own confidence does not separate kind copy from scolding (blame 0.61-0.79 on both).
Measured against the hand-labelled ``scold`` flag of the training copy: ``bench/scolding.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzers.types import Category, Finding, Severity, Span

RULE_BLAME = "Sentiment.Blame"
MESSAGE = "This sentence blames or talks down to the reader"
ADVICE = "Say what happened and what the reader can do, without blame"
MAX_FINDINGS = 3

# where an imperative may stand: the sentence's start, or after a colon, a dash, "just" ...
_IMPERATIVE = r"(?:^|(?<=[.!?:;—–] )|(?<=, )|(?<=just )|(?<=please )|(?<=so ))"
# the phrase ends its clause: "Grow up." but not "Grow up with music"
_CLAUSE_END = r"(?=\s*(?:[.!?;:,—–)]|$))"
_PHRASES = (
    # the fault put on the reader, said outright
    r"you (?:simply|clearly|obviously|repeatedly|conveniently) (?:ignored|refused to|failed to)",
    r"(?<!not )(?<!n['’]t )(?<!never )(?:entirely |completely |totally |all )?your (?:own )?fault",
    r"(?:nobody|no one|no-one) (?:else )?(?:to blame )?but (?:themselves|yourself|yourselves)",
    r"if you(?:['’]d| had) (?:actually|even|bothered to|only bothered to) (?:read|check|follow)",
    r"(?:we|i)(?:['’]ve| have)? (?:already )?told you (?:so|(?:\w+ )?times)",
    r"(?:read|check) the (?:docs|documentation|manual|instructions|faq|fine manual)"
    r" (?:for once|for a change)",
    r"next time,? (?:please )?(?:read|check) the (?:docs|documentation|manual|instructions|faq"
    r"|fine manual)",
    # the sentence ends there: "It's on you, quiz champion" is a treat
    r"that(?:['’]s| is) (?:all )?on you(?=\s*(?:[.;]|$))",
    r"(?:that|this|it)(?:['’]s| is) (?:entirely |all )?your (?:own )?problem" + _CLAUSE_END,
    r"your problem,? not ours",
    r"rtfm",
    r"pebkac",
    # talking down
    _IMPERATIVE + r"grow up" + _CLAUSE_END,
    _IMPERATIVE + r"(?:stop|quit) (?:whining|moaning)",
    _IMPERATIVE + r"(?:just )?deal with it" + _CLAUSE_END,
    _IMPERATIVE + r"get over it" + _CLAUSE_END,
    r"apparently (?:some people|some of you|you|people) (?:can['’]?t|cannot) (?:even )?read",
    r"(?:don['’]?t|do not) (?:even )?bother applying",
    r"(?:don['’]?t|do not) waste (?:our|my) time",
    r"(?:we['’]re|we are) not here to (?:babysit|hold (?:your|anyone['’]?s) hands?)",
)
SCOLDING = re.compile(r"(?<![\w-])(?:" + "|".join(_PHRASES) + r")(?![\w-])", re.IGNORECASE)


# quotation marks around a phrase: someone else's words, reported ("'Don't waste my time,' she
# said" is a story, not the brand talking down)
_QUOTE = re.compile(r"[\"“”]")
# "Lunch is on us. Dessert? That's on you." is a treat, not blame
_ON_US = re.compile(r"\bon (?:us|the house|the company)\b", re.IGNORECASE)
_ON_US_BEFORE = 200  # characters


def _quoted(sentence: str, m: re.Match[str]) -> bool:
    """``m`` stands between quotation marks (an odd number of them before it, one after)."""
    before = len(_QUOTE.findall(sentence, 0, m.start()))
    return before % 2 == 1 and _QUOTE.search(sentence, m.end()) is not None


def _a_treat(text: str, at: int, m: re.Match[str]) -> bool:
    return m.group(0).lower().endswith("on you") and (
        _ON_US.search(text, max(0, at - _ON_US_BEFORE), at) is not None
    )


def scolding_words(text: str) -> list[str]:
    """The blaming or condescending phrases in ``text``, in order (as written)."""
    text = text.strip()
    return [
        m.group(0)
        for m in SCOLDING.finditer(text)
        if not _quoted(text, m) and not _a_treat(text, m.start(), m)
    ]


def scolding_findings(
    text: str,
    sentences: Sequence[Span],
    *,
    skip: Sequence[Span] = (),
    advice: str = "",
    link: str | None = None,
) -> list[Finding]:
    """One ``Sentiment.Blame`` finding per sentence that blames or talks down to the reader (at
    most ``MAX_FINDINGS``), on its first phrase, naming them all; none for a sentence in
    ``skip`` (the safety head flagged it already). ``advice`` replaces the default advice."""
    out: list[Finding] = []
    for sentence in sentences:
        if sentence in skip:
            continue
        start = sentence.start + (len(sentence.slice(text)) - len(sentence.slice(text).lstrip()))
        found = [
            m
            for m in SCOLDING.finditer(text[start : sentence.end].rstrip())
            if not _quoted(text[start : sentence.end], m)
            and not _a_treat(text, start + m.start(), m)
        ]
        if not found:
            continue
        first = found[0]
        named = ", ".join(f"“{m.group(0)}”" for m in found[:5])
        out.append(
            Finding(
                rule_id=RULE_BLAME,
                category=Category.SENTIMENT.value,
                severity=Severity.ERROR,
                message=f"{MESSAGE}: {named}. {advice or ADVICE}.",
                span=Span(start + first.start(), start + first.end()),
                matched=first.group(0),
                link=link,
                action="edit",
            )
        )
        if len(out) >= MAX_FINDINGS:
            break
    return out
