"""Blaming and talking down to the reader, from a phrase list: ``Sentiment.Blame``.

The brand-safety head finds blame that comes with an insult ("You idiots.") but not plain
accusation or condescension, which has no insulting word: "Your lights went offline because you
ignored the firmware update", "Next time, please read the instructions before contacting
support", "grow up", "some people cannot read" all scored 100 Pass. These are a matter of set
phrases, like swearing (:mod:`analyzers.profanity`), so a list finds them: a sentence that uses
one gets ``Sentiment.Blame`` (the rule the head's findings use), naming the words, unless the
head already flagged that sentence.

The list is brandbot's own and narrow on purpose: phrases that put the fault on the reader,
customers or users ("you ignored / forgot to / failed to / didn't bother", "if you had read /
followed", "your own fault", "user error", "you should have read / known", "read the docs
before / next time"), and set phrases of condescension ("grow up", "learn to read", "people
cannot read", "it's not rocket science", "stop whining", "deal with it", "don't bother
applying", "not here to babysit"). A sentence about what *we* failed to do ("we failed to
renew the certificate") is an apology, not blame, and does not match. Measured against the
hand-labelled ``scold`` flag of the training copy: ``bench/scolding.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzers.types import Category, Finding, Severity, Span

RULE_BLAME = "Sentiment.Blame"
MESSAGE = "This sentence blames or talks down to the reader"
ADVICE = "Say what happened and what the reader can do, without blame"
MAX_FINDINGS = 3

_WHO = r"(?:you|you all|y['’]all|customers|users|some (?:of you|people|users|customers)|people)"
_FAULT = (
    r"(?:ignored|forgot to|failed to|neglected to|refused to|chose not to|skipped"
    r"|did(?:n['’]t| not) (?:bother|read|follow|listen|check|test))"
)
_BOTHER = (
    r"(?:never bothered|could(?:n['’]t| not) be bothered|can['’]?t be bothered|cannot be bothered)"
)
_PHRASES = (
    # the fault put on the reader: "because you ignored", "you simply ignored", "you never
    # bothered"; not "variables you forgot to list" (documentation) nor "we failed to" (apology)
    r"(?:because|since|as|after) " + _WHO + r"\s+(?:(?:simply|just|clearly|obviously|still"
    r"|repeatedly)\s+)?" + _FAULT,
    _WHO + r"\s+(?:simply|clearly|obviously|repeatedly|conveniently) " + _FAULT,
    _WHO + r"\s+(?:(?:simply|clearly|obviously|just)\s+)?" + _BOTHER,
    r"if " + _WHO + r"(?:\s+had|\s+would have|['’]d)\s+(?:(?:just|actually|simply|only|even)\s+)?"
    r"(?:read|followed|checked|listened|paid attention|bothered|tested)",
    _WHO + r" should have (?:known|read|checked|followed|tested|listened|asked)",
    r"(?:your|the (?:customer|user)['’]?s?|their) own (?:fault|mistake|doing)",
    r"(?:it|this|that) (?:was|is) (?:entirely |completely |totally |all )?your (?:fault|mistake"
    r"|doing)",
    r"(?:that|this|it)(?:['’]s| is| one is) on you",
    r"(?:nobody|no one|no-one) (?:else )?(?:to blame )?but (?:themselves|yourself|yourselves)",
    r"(?:you['’]re|you are|they['’]re|they are|is|are) doing it wrong",
    r"(?:was|is|it['’]s|just|simply) user error",
    r"rtfm",
    r"pebkac",
    r"(?:we|i)(?:['’]ve| have)? (?:already |clearly )?told you",
    r"as (?:we|i)(?:['’]ve| have)? (?:already |repeatedly )?(?:said|told you|explained)"
    r"(?: (?:many|several|countless|a hundred|\w+) times| over and over| again)",
    r"(?:we|i) (?:shouldn['’]t|should not) have to (?:explain|say|repeat|tell)",
    r"(?:read|check|consult) the (?:docs|documentation|manual|instructions|faq|fine manual)"
    r"(?: (?:next time|for once|for a change|before (?:contacting|asking|complaining"
    r"|emailing|writing|opening|filing)))",
    r"next time,? (?:please |try to |make sure (?:to |you )?)(?:read|check|follow|test|think|look)",
    # talking down
    # an imperative: not "watch your kids grow up"
    r"(?:^|(?<=[:;,—–] )|(?<=just )|(?<=please )|(?<=please, ))grow up",
    r"(?:apparently|clearly|obviously|evidently) " + _WHO + r"[^.!?]{0,20}?\b"
    r"(?:can['’]?t|cannot|can not|could(?:n['’]t| not)) (?:even )?read",
    r"(?:stop|quit) (?:whining|complaining|moaning|crying)",
    r"(?:just|so),? (?:deal with it|get over it)",
    r"knock it off",
    r"use your (?:brain|head)",
    r"and you know it",
    r"(?:don['’]?t|do not) (?:even )?bother (?:applying|asking|emailing|contacting|complaining"
    r"|writing|calling)",
    r"not (?:here )?to (?:babysit|hold (?:your|anyone['’]?s|everyone['’]?s) hands?)",
)
SCOLDING = re.compile(r"(?<![\w-])(?:" + "|".join(_PHRASES) + r")(?![\w-])", re.IGNORECASE)


def scolding_words(text: str) -> list[str]:
    """The blaming or condescending phrases in ``text``, in order (as written)."""
    return [m.group(0) for m in SCOLDING.finditer(text.strip())]


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
        found = list(SCOLDING.finditer(text[start : sentence.end].rstrip()))
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
