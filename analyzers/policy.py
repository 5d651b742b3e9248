"""Findings by policy: what a brand editor asks to rewrite, not every sentence that reads negative.

Bad news reported plainly is not a finding. These are (each one per sentence, with the words
that drove it and the model's confidence):

* ``Sentiment.Disparaging`` — a sentence that belittles or snipes at a competitor, vendor or
  another company. It needs a target: another organisation or product named in the sentence, or
  words that point at other parties ("other apps", "competitors", "much of our industry", "the
  city council"); a pronoun ("their team") or a person's name counts only in a sentence that
  reads negative (0.5+), since "classrooms dim when they empty out" and the customer of a case
  study are no one disparaged, and "they" after "our lamps" is ours; then the
  safety head's ``disparage`` probability is at least 0.75 (sniping inside
  praise of our own product reads positive), or it and the sentence's negative probability are
  both at least 0.5, or it is at least 0.5 and the sentence names another organisation or
  product (the head alone false-alarms on enthusiastic copy; a factual negative sentence about
  another company is not enough), or the sentence names another organisation or product, reads
  negative at 0.6+ and the head leans that way (0.3+), or it names a competitor the guide
  lists and reads negative at 0.6+ (the issue's own definition: a negative sentence about a
  competitor; a vendor named in our own incident report is not a listed competitor), or it
  speaks of competing products unnamed ("other brands", "theirs") and reads negative at 0.6+. The
  finding names the other organisation or product when the entity analysis found one.
* ``Sentiment.Blame`` — blaming, scolding or belittling the reader, users or customers: the
  safety head's ``scold``, or its ``disparage`` (0.5+) in a negative sentence (0.5+) whose only
  target is customers or people at large ("a handful of stubborn customers refuse to give up"
  passed before: customers are no company).
* ``Tone.Offensive`` — hostile, offensive or profane language.
* ``Tone.Sarcasm`` — sarcasm or irony, which reads as contempt in brand copy.
* ``Tone.Profanity`` — swearing, from a word list (:mod:`analyzers.profanity`), whatever the
  models say.

(``limits.sentiment_floor``, a draft-level expectation, lives in :mod:`analyzers.sentiment`.)

The thresholds were chosen on hand-written company copy and the realcopy-dev set
(``training/sentence_heads.py``, ``bench/realcopy.py``; numbers in docs/models.md). Advice follows
the profile: ``voice.advice`` in the guide replaces the default advice (an incident profile says
"acknowledge, explain, say what happens next").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from analyzers.profanity import profanity_findings
from analyzers.scolding import scolding_findings, scolding_words
from analyzers.types import Category, Entity, Finding, Severity, Span

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide

RULE_DISPARAGING = "Sentiment.Disparaging"
RULE_BLAME = "Sentiment.Blame"
RULE_OFFENSIVE = "Tone.Offensive"
RULE_SARCASM = "Tone.Sarcasm"

# decision thresholds on the calibrated head probabilities (see the module docstring)
DISPARAGE_CLEAR = 0.75  # the safety head alone, when it is this sure
DISPARAGE_MIN = 0.5  # the safety head's disparage probability ...
DISPARAGE_NEGATIVE_MIN = 0.5  # ... and the sentence must read negative too; or, when the
NAMED_DISPARAGE_MIN = 0.3  # sentence names another organisation or product, a lower lean
NAMED_NEGATIVE_MIN = 0.6  # with a clearer negative reading
SCOLD_MIN = 0.6  # the scold head false-alarms on plain critical remarks at 0.5
OFFENSIVE_MIN = 0.6
SARCASM_MIN = 0.8
# the safety checks that read one label each: (label, threshold, rule, category, message)
_SAFETY_CHECKS = (
    (
        "scold",
        SCOLD_MIN,
        RULE_BLAME,
        Category.SENTIMENT,
        "This sentence blames or scolds the reader",
    ),
    (
        "offensive",
        OFFENSIVE_MIN,
        RULE_OFFENSIVE,
        Category.TONE,
        "This sentence reads as hostile, offensive or profane",
    ),
    ("sarcasm", SARCASM_MIN, RULE_SARCASM, Category.TONE, "This sentence reads as sarcastic"),
)
BELITTLES = "This sentence belittles the reader or customers"
MAX_PER_RULE = 3
# what an editor asks to rewrite stops a pass when the model is sure of it: a disparaging,
# blaming or hostile sentence at this confidence or more is an error (as naming a competitor the
# guide lists is); below it, a warning (it halves a short draft's category, and does not stop a
# pass on its own). Sarcasm, the weakest head, always warns. At 0.6-0.8 the heads also fire on
# kind copy ("Take it that week or the next; just tell your manager": blame 0.69).
SURE = 0.8
ERROR_WHEN_SURE = frozenset({RULE_DISPARAGING, RULE_BLAME, RULE_OFFENSIVE})

OTHER_KINDS = ("ORG", "PRODUCT", "COMPETITOR", "CORPORATION", "MISC")
# words that point at other parties when no organisation is named ("other apps", "their team",
# "much of our industry"; "competitors" and "rivals" are in RIVAL_WORDS below)
OTHER_PARTIES = re.compile(
    r"\b(?:others?|competition|vendors?|providers?|suppliers?|"
    r"manufacturers?|incumbents?|industry|council|government|regulators?|everyone else)\b",
    re.IGNORECASE,
)
# words that name competing products or companies without naming one ("other brands", "the
# other notebook tools we tried", "theirs", "the cheapest lamps on the market"): a sentence that
# reads negative about them (0.6+) disparages, as one about a competitor the guide lists does,
# whatever the safety head says ("Other brands sell flimsy lamps, and they break within a year":
# disparage 0.39). Vendors, providers and services are left out: our own incident reports name
# them plainly ("a vendor outage took down our login page").
RIVAL_WORDS = re.compile(
    r"\b(?:other|cheaper|cheap|budget|knock-?off|rival|competing)\s+(?:[a-z-]+\s+)?"
    r"(?:brands?|compan(?:y|ies)|products?|apps?|tools?|platforms?|solutions?|offerings?|"
    r"devices?)\b|\btheirs\b|\bcompetitors?\b|\brivals?\b|\b[a-z]+s on the market\b",
    re.IGNORECASE,
)
# a pronoun or a person's name is weak evidence of a target ("classrooms dim when they empty
# out", "Tessel now runs cupping sessions for wholesale customers", a customer in a case study):
# it counts only when the sentence also reads negative
OTHER_PRONOUNS = re.compile(r"\b(?:they|their|theirs|them|those)\b", re.IGNORECASE)
# ... and "they" or "them" after "our <things>" in the same sentence is most often ours ("Our
# lamps are the cheapest on the market and they never break": disparage 0.83; "Our customers
# asked for dimming, so we gave them a dial"; "most of our flaky tests weren't flaky, they were
# order-dependent"). "We would not trust them" still points at someone else.
OUR_THINGS = re.compile(r"\bour\s+(?:[a-z-]+\s+){0,2}?[a-z-]+s\b", re.IGNORECASE)
# customers or people at large: belittling them is blame, not disparagement (the reader in the
# second person is the scold head's: "your H1" is no target)
READERS = re.compile(
    r"\b(?:customers?|users?|people|folks|readers?|members?|subscribers?|clients?|owners?|"
    r"buyers?|anyone|everyone)\b",
    re.IGNORECASE,
)

_WORD = re.compile(r"[^\W\d_]{4,}")  # the distinctive words of a name (not "the", "co")

DEFAULT_ADVICE = {
    RULE_DISPARAGING: "Say what we do well, with facts; knocking others costs the reader's trust",
    RULE_BLAME: "Say what happened and what the reader can do, without blame",
    RULE_OFFENSIVE: "Keep the language professional, even when the news is bad",
    RULE_SARCASM: "Say it plainly: sarcasm reads as contempt in writing",
}


@dataclass(frozen=True)
class SentenceEvidence:
    """What the models said about one sentence (plain-text range, already trimmed)."""

    span: Span
    sentiment: Mapping[str, float]  # calibrated probabilities over negative/neutral/positive
    safety: Mapping[str, float]  # probabilities over the safety labels; empty without the head


def policy_findings(
    text: str,
    sentences: Sequence[SentenceEvidence],
    entities: Sequence[Entity],
    guide: BrandGuide,
) -> list[Finding]:
    """Policy findings for one document (plain-text coordinates). The words that drove each
    one are added by the model suite (:mod:`analyzers.models.attribution`), in one batch."""
    own = {n.casefold() for n in (guide.name, *guide.brand_names) if n}
    own |= {p.name.casefold() for p in guide.products}
    # a name made with one of the brand's own words is ours too ("Lumen Desk Lamp" for the brand
    # Northwind Lumen); the guide's competitors are typed COMPETITOR and stay theirs
    own_words = {
        w for n in (guide.name, *guide.brand_names) if n for w in _WORD.findall(n.casefold())
    }

    def ours(e: Entity) -> bool:
        folded = e.text.casefold()
        return folded in own or (
            e.label != "COMPETITOR" and bool(own_words & set(_WORD.findall(folded)))
        )

    advice = dict(DEFAULT_ADVICE)
    custom = guide.voice.advice
    link = guide.link_for("voice", "tone")
    out: list[Finding] = []
    counts: dict[str, int] = {}

    def add(rule: str, category: Category, i: int, what: str, conf: float) -> None:
        if counts.get(rule, 0) >= MAX_PER_RULE:
            return
        counts[rule] = counts.get(rule, 0) + 1
        s = sentences[i]
        tip = custom or advice[rule]
        out.append(
            Finding(
                rule_id=rule,
                category=category.value,
                severity=Severity.ERROR
                if rule in ERROR_WHEN_SURE and conf >= SURE
                else Severity.WARNING,
                message=f"{what} (confidence {conf:.2f}). {tip}.",
                span=s.span,
                matched=s.span.slice(text),
                link=link,
                action="edit",
            )
        )

    for i, s in enumerate(sentences):
        others = [
            e
            for e in entities
            if s.span.start <= e.span.start
            and e.span.end <= s.span.end
            and e.label in OTHER_KINDS
            and not ours(e)
        ]
        rivals = [e for e in others if e.label == "COMPETITOR"]  # the guide's competitors
        neg = float(s.sentiment.get("negative", 0.0))
        dis = float(s.safety.get("disparage", 0.0))
        if neg >= DISPARAGE_NEGATIVE_MIN:
            others += [
                e
                for e in entities
                if s.span.start <= e.span.start and e.span.end <= s.span.end and e.label == "PER"
            ]
        # disparaging needs someone to disparage: a named organisation, product or person that
        # is not ours, or words that point at other parties ("other lighting apps", "their
        # team" in a sentence that reads negative)
        said = s.span.slice(text)
        rival_said = RIVAL_WORDS.search(said) is not None
        target = (
            bool(others)
            or rival_said
            or OTHER_PARTIES.search(said) is not None
            or (neg >= DISPARAGE_NEGATIVE_MIN and _points_elsewhere(said))
        )
        # the head's contempt aimed at the reader or customers ("a handful of stubborn
        # customers refuse to give up"): blame
        belittles = (
            not target
            and dis >= DISPARAGE_MIN
            and neg >= DISPARAGE_NEGATIVE_MIN
            and READERS.search(said) is not None
        )
        if belittles:
            add(RULE_BLAME, Category.SENTIMENT, i, BELITTLES, dis)
        elif target and (
            dis >= DISPARAGE_CLEAR
            or (dis >= DISPARAGE_MIN and (neg >= DISPARAGE_NEGATIVE_MIN or bool(others)))
            or (bool(others) and dis >= NAMED_DISPARAGE_MIN and neg >= NAMED_NEGATIVE_MIN)
            or ((bool(rivals) or rival_said) and neg >= NAMED_NEGATIVE_MIN)
        ):
            named = rivals or others
            who = f"“{named[0].text}”" if named else "another company"
            add(
                RULE_DISPARAGING,
                Category.SENTIMENT,
                i,
                f"This sentence disparages {who}",
                dis if dis >= DISPARAGE_MIN else neg,  # the named path fires on the reading
            )
        for label, minimum, rule, category, message in _SAFETY_CHECKS:
            score = float(s.safety.get(label, 0.0))
            if score >= minimum and not (belittles and rule == RULE_BLAME):
                add(rule, category, i, message, score)

    spans = [s.span for s in sentences]
    out.extend(profanity_findings(text, spans, advice=custom, link=link))
    blamed = [f.span for f in out if f.rule_id == RULE_BLAME]
    out.extend(scolding_findings(text, spans, skip=blamed, advice=custom, link=link))
    # the head's blame in a sentence that also uses a set scolding phrase is sure
    out = [
        replace(f, severity=Severity.ERROR)
        if f.rule_id == RULE_BLAME and f.severity is Severity.WARNING and scolding_words(f.matched)
        else f
        for f in out
    ]
    out.sort(key=lambda f: (f.span.start, f.rule_id))
    return out


def _points_elsewhere(said: str) -> bool:
    """Whether a pronoun of the sentence may point at another party: any "their", "theirs" or
    "those", or a "they" / "them" with no "our <things>" before it."""
    ours = OUR_THINGS.search(said)
    ours_end = ours.end() if ours else len(said) + 1  # "our <things>" ends here, or never
    return any(
        m.group(0).casefold() not in ("they", "them") or m.start() < ours_end
        for m in OTHER_PRONOUNS.finditer(said)
    )


RULE_OF_LABEL = {
    "disparage": RULE_DISPARAGING,
    "scold": RULE_BLAME,
    "offensive": RULE_OFFENSIVE,
    "sarcasm": RULE_SARCASM,
}


def rescored(
    text: str,
    evidence: Sequence[SentenceEvidence],
    served: Sequence[Mapping[str, float]],
    entities: Sequence[Entity],
    guide: BrandGuide,
) -> tuple[frozenset[str], list[Finding]]:
    """The policy again with another model's safety probabilities (``served``, one mapping per
    sentence of ``evidence``, over the labels that model gives) in place of the embedded
    head's: (the rules those labels decide, their findings). The other rules keep the embedded
    head's findings; same thresholds, spans, messages and confidence as :func:`policy_findings`.
    """
    if len(served) != len(evidence):
        raise ValueError(f"{len(served)} safety rows for {len(evidence)} sentences")
    labels = {k for row in served for k in row if k in RULE_OF_LABEL}
    rules = frozenset(RULE_OF_LABEL[k] for k in labels)
    merged = [
        SentenceEvidence(ev.span, ev.sentiment, {**ev.safety, **row})
        for ev, row in zip(evidence, served, strict=True)
    ]
    found = policy_findings(text, merged, entities, guide)
    return rules, [f for f in found if f.rule_id in rules]
