"""Tone and brand voice: a profile marketers understand, and findings against the guide.

The inputs are per-sentence signals (:class:`SentenceSignals`) that a model suite fills in —
formality, grouped emotions, and optionally a voice-match score — so this module needs no model.
Every draft-level number is a mean over sentences weighted by prose length (letters and digits).

**Formality** — 0 casual .. 1 formal, from the model.

**Emotions** — GoEmotions' 28 labels grouped into the guide's groups (``EMOTION_MEMBERS``):

========== =====================================================================================
joy        joy, excitement, amusement, love, optimism, pride, admiration, relief, desire, caring,
           approval (approval is not in the brief's list; it is mild positive affect, so here)
gratitude  gratitude
anger      anger, annoyance, disapproval, disgust
sadness    sadness, disappointment, grief, remorse, embarrassment
fear       fear, nervousness
surprise   surprise, realization, confusion, curiosity
neutral    neutral
========== =====================================================================================

A sentence's group score is the highest calibrated probability among its members (the labels
are independent sigmoids; :func:`calibrate` maps each label's tuned decision threshold to 0.5,
so 0.5+ reads "expressed" for every label alike). A group *dominates* a sentence when its score
is the highest of all groups, neutral included, and at least 0.5. An avoided emotion raises a
finding only when it dominates with a score of at least ``AVOID_MIN_SCORE`` (0.55), so
borderline sentences do not.

**Confidence vs hedging** — no dataset exists, so a documented lexicon (``HEDGES``,
``BOOSTERS``) scores each sentence: ``0.7 - 0.3 × (hedge weight) + 0.12 × min(boosters, 2)``,
clipped to 0..1. A plain declarative sentence reads fairly confident (0.7); one strong hedge
("maybe", "might", "we think", "sort of", "hopefully", "could possibly", "try to") drops it to
0.4, two to 0.1; weak hedges ("may", "could", "seems", "probably") count half; boosters ("will",
"definitely", "proven", "we are confident") lift it. When a model also scores confidence (the
zero-shot tone pipeline), a sentence's confidence is the mean of the model's and the lexicon's.

**Brand-voice match** — per sentence, mean cosine of its embedding to its ``VOICE_TOP_K``
nearest on-voice examples versus its nearest off-voice examples, turned into 0..1 with a
two-way softmax at temperature ``VOICE_TEMPERATURE`` (0.5 = equally close to both). Without
off-voice examples it is the on-voice similarity rescaled (cosine 0.1 → 0, 0.6 → 1). ``None``
when the guide has no on-voice examples.

**Findings** (category ``tone``), each pointing at the one sentence that pulls the draft off
target most (largest ``weight × distance beyond the target``; at least one sentence is always
beyond the band when the draft is). Messages say which way, e.g. "Reads too casual: formality
0.31 vs target 0.70±0.15". Rules: ``Tone.Formality``, ``Tone.Confidence``, ``Tone.Emotion``
(a guide emotion target missed; suggestion), ``Tone.AvoidEmotion`` (an avoided emotion
dominates a sentence; one finding per such sentence, at most ``MAX_AVOID_FINDINGS``) and
``Tone.VoiceMatch`` (match under ``voice.min_voice_match``).

A finding fires only when the draft is clearly off target: more than ``CLEAR_MARGIN`` (0.1)
beyond the tolerance (or under ``min_voice_match``, unless a sentence all but repeats one of the
guide's off-voice examples: cosine ``ECHOES_OFF_VOICE``), so estimates near the edge do not nag;
a sentence that repeats or paraphrases an off-voice example (cosine ``REPEATS_OFF_VOICE``) gets
``Tone.VoiceMatch`` even when the rest of the draft keeps the draft's match up, as an error, so
the draft cannot pass (the guide itself calls that sentence off voice); and
"too little" of an emotion is shown in the tone profile but raises no finding (an editor asks to
tone excess down, rarely to add joy to a postmortem). Measured on realcopy-dev: docs/models.md.

The guide's examples define the voice: a sentence whose voice match is at least
``ON_VOICE_MATCH`` (0.9, i.e. it reads like an on-voice example) is never the culprit of a
formality, confidence or emotion-target finding; when only such sentences are beyond the band,
there is no finding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analyzers.prose import prose_weight, trim_range
from analyzers.types import Category, Finding, SentenceScore, Severity, Span, ToneProfile

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide, ToneTarget

EMOTION_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "joy": (
        "joy",
        "excitement",
        "amusement",
        "love",
        "optimism",
        "pride",
        "admiration",
        "relief",
        "desire",
        "caring",
        "approval",
    ),
    "gratitude": ("gratitude",),
    "anger": ("anger", "annoyance", "disapproval", "disgust"),
    "sadness": ("sadness", "disappointment", "grief", "remorse", "embarrassment"),
    "fear": ("fear", "nervousness"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}
EMOTION_GROUPS: tuple[str, ...] = tuple(EMOTION_MEMBERS)

# phrase -> weight (1 = a strong hedge). Matched case-insensitively on word boundaries, longest
# phrase first, without overlaps ("could possibly" counts once).
HEDGES: Mapping[str, float] = {
    "maybe": 1.0,
    "might": 1.0,
    "perhaps": 1.0,
    "possibly": 1.0,
    "could possibly": 1.0,
    "hopefully": 1.0,
    "we hope": 1.0,
    "hope to": 1.0,
    "we think": 1.0,
    "i think": 1.0,
    "i guess": 1.0,
    "we guess": 1.0,
    "sort of": 1.0,
    "kind of": 1.0,
    "try to": 1.0,
    "trying to": 1.0,
    "tries to": 1.0,
    "not sure": 1.0,
    "unsure": 1.0,
    "not certain": 1.0,
    "more or less": 1.0,
    "fingers crossed": 1.0,
    "if all goes well": 1.0,
    "it is possible that": 1.0,
    "to some extent": 1.0,
    "in theory": 1.0,
    "we believe": 0.5,
    "probably": 0.5,
    "likely": 0.5,
    "may": 0.5,
    "could": 0.5,
    "seems": 0.5,
    "seem": 0.5,
    "seemed": 0.5,
    "appears to": 0.5,
    "somewhat": 0.5,
    "a bit": 0.5,
    "a little": 0.5,
    "arguably": 0.5,
    "attempt to": 0.5,
    "should": 0.3,
    "fairly": 0.3,
    "relatively": 0.3,
    "rather": 0.3,
}
BOOSTERS: tuple[str, ...] = (
    "will",
    "definitely",
    "certainly",
    "clearly",
    "absolutely",
    "always",
    "every time",
    "proven",
    "without a doubt",
    "undoubtedly",
    "of course",
    "we know",
    "we are confident",
    "we're confident",
    "guaranteed",
    "ensures",
    "ensure",
    "delivers",
    "built to",
    "exactly",
)
CONFIDENCE_BASE = 0.7
HEDGE_PENALTY = 0.3
BOOSTER_BONUS = 0.12

VOICE_TOP_K = 3
VOICE_TEMPERATURE = 0.05
ON_VOICE_MATCH = 0.9
# a finding fires only when the draft is clearly off: this far beyond the guide's tolerance (or
# under its minimum voice match), so a model estimate near the edge does not nag the writer
CLEAR_MARGIN = 0.1
# ... unless a sentence all but repeats one of the guide's off-voice examples (cosine at least)
ECHOES_OFF_VOICE = 0.85
# ... and a sentence this close to one is a finding on its own, even in an on-voice draft: the
# encoder's cosines run high (unrelated developer-tool copy: median 0.61, maximum 0.88 over
# 5,322 sentences), while paraphrases of the guide's examples score 0.95+ (docs/models.md)
REPEATS_OFF_VOICE = 0.93
MAX_AVOID_FINDINGS = 5
AVOID_MIN_SCORE = 0.55

RULE_FORMALITY = "Tone.Formality"
RULE_CONFIDENCE = "Tone.Confidence"
RULE_EMOTION = "Tone.Emotion"
RULE_AVOID = "Tone.AvoidEmotion"
RULE_VOICE = "Tone.VoiceMatch"


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(
        r"\s+".join(re.escape(w) for w in p.split()).replace("'", "['’]") for p in ordered
    )
    return re.compile(rf"(?<![\w'’])(?:{body})(?![\w'’])", re.IGNORECASE)


_HEDGE_RE = _phrase_pattern(list(HEDGES))
_BOOST_RE = _phrase_pattern(BOOSTERS)


# --------------------------------------------------------------------------------------------
# Per-sentence signals


@dataclass(frozen=True)
class SentenceSignals:
    """What a model said about one sentence; the input to :func:`analyze_tone`."""

    formality: float
    emotions: Mapping[str, float]  # group -> 0..1
    dominant: str | None = None  # the group that clearly dominates the sentence, if any
    voice: float | None = None  # 0..1 brand-voice match; None when not computed
    confidence: float | None = None  # 0..1 from a model (zero-shot); averaged with the lexicon
    off_voice: float | None = None  # cosine to the nearest off-voice example


def calibrate(probability: float, threshold: float) -> float:
    """Map a label probability to 0..1 so that its tuned decision threshold lands on 0.5.

    Piecewise linear: ``0.5 * p / t`` below the threshold ``t``, ``0.5 + 0.5 * (p - t) / (1 - t)``
    above it. With the default threshold 0.5 it is the identity.
    """
    t = min(max(threshold, 1e-3), 1.0 - 1e-3)
    p = min(max(probability, 0.0), 1.0)
    return 0.5 * p / t if p < t else 0.5 + 0.5 * (p - t) / (1.0 - t)


def group_emotions(
    probabilities: Mapping[str, float], thresholds: Mapping[str, float] | None = None
) -> tuple[dict[str, float], str | None]:
    """GoEmotions label probabilities -> (calibrated group scores, dominant group or None).

    Labels the model does not know count as 0. ``thresholds`` default to 0.5.
    """
    groups: dict[str, float] = {}
    for group, members in EMOTION_MEMBERS.items():
        groups[group] = max(
            calibrate(
                float(probabilities.get(label, 0.0)),
                float((thresholds or {}).get(label, 0.5)),
            )
            for label in members
        )
    best = max(groups, key=lambda g: groups[g])
    return groups, (best if groups[best] >= 0.5 else None)


@dataclass(frozen=True)
class Hedging:
    score: float  # 0 hedging .. 1 confident
    hedges: tuple[str, ...]
    boosters: tuple[str, ...]


def hedging(sentence: str) -> Hedging:
    """Confidence of one sentence from the hedge / booster lexicon (see the module docstring)."""
    hedges: list[str] = []
    weight = 0.0
    for m in _HEDGE_RE.finditer(sentence):
        word = m.group(0)
        if word == "May" and sentence[: m.start()].strip():
            continue  # the month, mid-sentence
        hedges.append(word)
        weight += HEDGES[" ".join(word.lower().replace("’", "'").split())]
    boosters = [m.group(0) for m in _BOOST_RE.finditer(sentence)]
    score = CONFIDENCE_BASE - HEDGE_PENALTY * weight + BOOSTER_BONUS * min(len(boosters), 2)
    return Hedging(min(1.0, max(0.0, score)), tuple(hedges), tuple(boosters))


# --------------------------------------------------------------------------------------------
# Brand-voice reference


class VoiceReference:
    """The guide's on-voice / off-voice example embeddings; scores sentence embeddings 0..1."""

    def __init__(
        self,
        on_voice: NDArray[np.float32],
        off_voice: NDArray[np.float32] | None,
        off_texts: Sequence[str] = (),
        *,
        top_k: int = VOICE_TOP_K,
        temperature: float = VOICE_TEMPERATURE,
    ) -> None:
        if on_voice.ndim != 2 or on_voice.shape[0] == 0:
            raise ValueError("VoiceReference needs at least one on-voice example embedding")
        self.on = _unit(on_voice)
        self.off = None if off_voice is None or off_voice.shape[0] == 0 else _unit(off_voice)
        self.off_texts = tuple(off_texts)
        self.top_k = top_k
        self.temperature = temperature

    @classmethod
    def build(
        cls,
        embed: Callable[[Sequence[str]], NDArray[np.float32]],
        on_voice: Sequence[str],
        off_voice: Sequence[str],
    ) -> VoiceReference | None:
        """Embed the examples; ``None`` when there are no on-voice examples."""
        on = [s for s in on_voice if s.strip()]
        off = [s for s in off_voice if s.strip()]
        if not on:
            return None
        embeddings = np.asarray(embed(on + off), dtype=np.float32)
        return cls(embeddings[: len(on)], embeddings[len(on) :] if off else None, off)

    def _top(self, sims: NDArray[np.float32]) -> NDArray[np.float32]:
        k = min(self.top_k, sims.shape[1])
        part = np.sort(sims, axis=1)[:, -k:]
        top: NDArray[np.float32] = part.mean(axis=1).astype(np.float32)
        return top

    def match(self, embeddings: NDArray[np.float32]) -> NDArray[np.float32]:
        """Per-row voice match in 0..1 for ``(n, d)`` sentence embeddings."""
        if embeddings.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        emb = _unit(embeddings)
        on = self._top(emb @ self.on.T)
        if self.off is None:
            rescaled: NDArray[np.float32] = np.clip((on - 0.1) / 0.5, 0.0, 1.0).astype(np.float32)
            return rescaled
        off = self._top(emb @ self.off.T)
        z = np.clip((on - off) / self.temperature, -50.0, 50.0)
        contrast: NDArray[np.float32] = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return contrast

    def nearest_off_voice(self, embedding: NDArray[np.float32]) -> str | None:
        if self.off is None or not self.off_texts:
            return None
        sims = self.off @ _unit(embedding[None, :])[0]
        return self.off_texts[int(np.argmax(sims))]

    def off_voice_similarity(self, embedding: NDArray[np.float32]) -> float | None:
        """Cosine to the nearest off-voice example (None without off-voice examples)."""
        if self.off is None or not self.off_texts:
            return None
        return float(np.max(self.off @ _unit(embedding[None, :])[0]))


def _unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    unit: NDArray[np.float32] = (x / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


# --------------------------------------------------------------------------------------------
# The analysis


@dataclass
class _Row:
    span: Span
    weight: int
    signals: SentenceSignals
    hedge: Hedging


def _emotion(group: str, row: _Row) -> float:
    return float(row.signals.emotions.get(group, 0.0))


def _mean(rows: Sequence[_Row], value: Callable[[_Row], float]) -> float:
    total = sum(r.weight for r in rows)
    return sum(r.weight * value(r) for r in rows) / total


def analyze_tone(
    text: str,
    sentences: Sequence[tuple[int, int]],
    signals: Sequence[SentenceSignals],
    guide: BrandGuide,
    *,
    nearest_off_voice: Sequence[str | None] | None = None,
) -> tuple[ToneProfile | None, list[Finding]]:
    """Aggregate per-sentence signals into a :class:`ToneProfile` and findings.

    ``nearest_off_voice[i]`` (optional) names the off-voice example closest to sentence ``i``,
    quoted in voice findings. Returns ``(None, [])`` when no sentence carries prose.
    """
    if len(sentences) != len(signals):
        raise ValueError(
            f"{len(sentences)} sentences but {len(signals)} signal rows: they must match"
        )
    rows: list[_Row] = []
    nearest: list[str | None] = []
    for i, ((start, end), sig) in enumerate(zip(sentences, signals, strict=True)):
        s, e = trim_range(text, start, end)
        weight = prose_weight(text[s:e])
        if weight == 0:
            continue
        hedge = hedging(text[s:e])
        if sig.confidence is not None:
            both = (hedge.score + min(1.0, max(0.0, sig.confidence))) / 2
            hedge = Hedging(both, hedge.hedges, hedge.boosters)
        rows.append(_Row(Span(s, e), weight, sig, hedge))
        nearest.append(nearest_off_voice[i] if nearest_off_voice else None)
    if not rows:
        return None, []

    formality = _mean(rows, lambda r: r.signals.formality)
    confidence = _mean(rows, lambda r: r.hedge.score)
    emotions = {g: _mean(rows, partial(_emotion, g)) for g in EMOTION_GROUPS}
    has_voice = all(r.signals.voice is not None for r in rows)
    voice = _mean(rows, lambda r: r.signals.voice or 0.0) if has_voice else None

    sentence_scores = []
    for r in rows:
        label = r.signals.dominant or max(
            EMOTION_GROUPS, key=lambda g: r.signals.emotions.get(g, 0.0)
        )
        scores: dict[str, float] = {
            "formality": r.signals.formality,
            "confidence": r.hedge.score,
            **{g: float(r.signals.emotions.get(g, 0.0)) for g in EMOTION_GROUPS},
        }
        if r.signals.voice is not None:
            scores["voice_match"] = r.signals.voice
        sentence_scores.append(
            SentenceScore(r.span, label, float(r.signals.emotions.get(label, 0.0)), scores)
        )
    profile = ToneProfile(
        formality=formality,
        confidence=confidence,
        emotions=emotions,
        voice_match=voice,
        sentences=tuple(sentence_scores),
    )
    return profile, _findings(text, rows, profile, nearest, guide)


def _on_voice(row: _Row) -> bool:
    """Does the sentence read like one of the guide's own on-voice examples?"""
    return row.signals.voice is not None and row.signals.voice >= ON_VOICE_MATCH


def _culprit(
    rows: Sequence[_Row],
    value: Callable[[_Row], float],
    bound: float,
    low: bool,
    *,
    skip_on_voice: bool = False,
) -> int | None:
    """Index of the row that pulls the mean beyond ``bound`` most (in the ``low`` direction).

    With ``skip_on_voice``, sentences that match the guide's on-voice examples
    (:data:`ON_VOICE_MATCH`) are never blamed: the examples define the voice."""
    best, best_pull = None, 0.0
    for i, r in enumerate(rows):
        if skip_on_voice and _on_voice(r):
            continue
        gap = (bound - value(r)) if low else (value(r) - bound)
        if gap > 0 and r.weight * gap > best_pull:
            best, best_pull = i, r.weight * gap
    return best


def _down(value: float) -> str:
    """Two decimals rounded down: 0.548 under a minimum of 0.55 reads "0.54", not "0.55"."""
    return f"{math.floor(value * 100 + 1e-9) / 100:.2f}"


def _echo_severity(row: _Row) -> Severity:
    """A sentence that all but repeats one of the guide's off-voice examples is an error: the
    guide itself says not to write it, so the draft cannot pass however well the rest reads."""
    return (
        Severity.ERROR if (row.signals.off_voice or 0.0) >= REPEATS_OFF_VOICE else Severity.WARNING
    )


def _fmt_target(t: ToneTarget) -> str:
    return f"{t.target:.2f}±{t.tolerance:.2f}"


def _findings(
    text: str,
    rows: Sequence[_Row],
    profile: ToneProfile,
    nearest: Sequence[str | None],
    guide: BrandGuide,
) -> list[Finding]:
    voice = guide.voice
    link = guide.link_for("voice", "tone")
    out: list[Finding] = []

    def add(rule: str, severity: Severity, row: _Row, message: str) -> None:
        out.append(
            Finding(
                rule_id=rule,
                category=Category.TONE.value,
                severity=severity,
                message=message,
                span=row.span,
                matched=row.span.slice(text),
                link=link,
                action="edit",
            )
        )

    def dimension(
        rule: str,
        severity: Severity,
        target: ToneTarget | None,
        value: float,
        per_row: Callable[[_Row], float],
        words: tuple[str | None, str],  # (too low, too high); None: no finding for too low
        name: str,
        detail: Callable[[_Row], str] = lambda r: "",
    ) -> None:
        if target is None:
            return
        low_bound, high_bound = target.target - target.tolerance, target.target + target.tolerance
        if low_bound - CLEAR_MARGIN <= value <= high_bound + CLEAR_MARGIN:
            return
        low = value < low_bound
        if low and words[0] is None:
            return
        idx = _culprit(rows, per_row, low_bound if low else high_bound, low, skip_on_voice=True)
        if idx is None:  # only on-voice sentences are beyond the band
            return
        row = rows[idx]
        way = "down" if low else "up"
        add(
            rule,
            severity,
            row,
            f"{words[0] if low else words[1]}: {name} {value:.2f} vs target "
            f"{_fmt_target(target)}; this sentence pulls it {way} most "
            f"({per_row(row):.2f}){detail(row)}.",
        )

    dimension(
        RULE_FORMALITY,
        Severity.WARNING,
        voice.formality,
        profile.formality,
        lambda r: r.signals.formality,
        ("Reads too casual", "Reads too formal"),
        "formality",
    )

    def hedge_detail(r: _Row) -> str:
        if r.hedge.hedges:
            return ": " + ", ".join(f"“{h}”" for h in r.hedge.hedges[:4])
        if r.hedge.boosters:
            return ": " + ", ".join(f"“{b}”" for b in r.hedge.boosters[:3])
        return ""

    dimension(
        RULE_CONFIDENCE,
        Severity.WARNING,
        voice.confidence,
        profile.confidence,
        lambda r: r.hedge.score,
        ("Sounds hesitant (hedging)", "Sounds overconfident"),
        "confidence",
        hedge_detail,
    )
    for group, target in voice.emotions.items():
        if group not in profile.emotions:
            continue
        dimension(
            RULE_EMOTION,
            Severity.SUGGESTION,
            target,
            profile.emotions[group],
            partial(_emotion, group),
            (None, f"Too much {group}"),  # too little of an emotion is in the profile only
            group,
        )

    avoid = set(voice.avoid_emotions)
    if avoid:
        hits = [
            r
            for r in rows
            if r.signals.dominant in avoid
            and r.signals.emotions.get(r.signals.dominant or "", 0.0) >= AVOID_MIN_SCORE
        ]
        hits.sort(
            key=lambda r: -r.weight * float(r.signals.emotions.get(r.signals.dominant or "", 0))
        )
        for r in sorted(hits[:MAX_AVOID_FINDINGS], key=lambda r: r.span.start):
            group = r.signals.dominant or ""
            add(
                RULE_AVOID,
                Severity.WARNING,
                r,
                f"This sentence reads as {group} ({r.signals.emotions.get(group, 0.0):.2f}), "
                "an emotion the brand voice avoids.",
            )

    minimum = voice.min_voice_match
    echoes = any((r.signals.off_voice or 0.0) >= ECHOES_OFF_VOICE for r in rows)
    draft_off = (
        minimum is not None
        and profile.voice_match is not None
        and profile.voice_match < minimum - (0.0 if echoes else CLEAR_MARGIN)
    )
    if draft_off and minimum is not None and profile.voice_match is not None:
        idx = _culprit(rows, lambda r: r.signals.voice or 0.0, minimum, True)
        if idx is not None:
            row = rows[idx]
            near = nearest[idx]
            extra = f"; it is closest to the off-voice example “{near}”" if near else ""
            add(
                RULE_VOICE,
                _echo_severity(row),
                row,
                f"Off brand voice: match {_down(profile.voice_match)}, under the guide's minimum "
                f"{minimum:.2f}; this sentence is furthest from the on-voice examples "
                f"({row.signals.voice or 0.0:.2f}){extra}.",
            )
    elif minimum is not None:
        # the draft as a whole reads on voice, but a sentence all but repeats one of the
        # guide's off-voice examples: the guide itself says that sentence is off voice
        echoing = [
            (i, r) for i, r in enumerate(rows) if (r.signals.off_voice or 0.0) >= REPEATS_OFF_VOICE
        ]
        for i, r in echoing[:MAX_AVOID_FINDINGS]:
            add(
                RULE_VOICE,
                _echo_severity(r),
                r,
                f"Off brand voice: this sentence reads like the guide's off-voice example "
                f"“{nearest[i]}” (similarity {r.signals.off_voice or 0.0:.2f}).",
            )
    out.sort(key=lambda f: (f.span.start, f.rule_id))
    return out
