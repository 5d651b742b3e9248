"""Remote results -> the same signals the local models give (labels mapped as settings say)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from analyzers.models.pipelines import TONE_PAIRS, map_sentiment_label
from analyzers.remote.transport import RemoteUnavailable
from analyzers.tone import EMOTION_GROUPS, SentenceSignals

_ENTITY_SYNONYMS = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC", "GPE": "LOC"}
TONE_LABELS = tuple(w for pair in TONE_PAIRS for w in pair) + tuple(EMOTION_GROUPS)


def sentiment_probs(
    scores: Sequence[tuple[str, float]], overrides: Mapping[str, str]
) -> dict[str, float]:
    """negative / neutral / positive probabilities from every label's score.

    ``LABEL_0``…, ``NEGATIVE`` / ``negative``, "1 star" … "5 stars" map by default; the
    ``BRANDBOT_SENTIMENT_LABELS`` overrides win. A label that maps nowhere fails the analysis
    with the list to map (the review then says so and uses the embedded model).
    """
    probs = {"negative": 0.0, "neutral": 0.0, "positive": 0.0}
    unmapped = []
    for label, score in scores:
        target = overrides.get(label) or map_sentiment_label(label, len(scores))
        if target not in probs:
            unmapped.append(label)
            continue
        probs[target] += score
    if unmapped:
        raise RemoteUnavailable(
            f"cannot map sentiment labels {sorted(set(unmapped))} "
            "(set BRANDBOT_SENTIMENT_LABELS, e.g. LABEL_0=negative)"
        )
    total = sum(probs.values())
    if total <= 0:
        raise RemoteUnavailable("malformed response: no sentiment scores")
    return {k: v / total for k, v in probs.items()}


def entity_label(label: str, overrides: Mapping[str, str]) -> str:
    if label in overrides:
        return overrides[label]
    bare = re.sub(r"^[BIES]-", "", label).upper()
    return overrides.get(bare, _ENTITY_SYNONYMS.get(bare, bare))


def tone_signals(scores: Sequence[tuple[str, float]]) -> SentenceSignals:
    """Zero-shot scores over :data:`TONE_LABELS` -> one sentence's tone signals."""
    got = dict(scores)
    missing = [label for label in TONE_LABELS if label not in got]
    if missing:
        raise RemoteUnavailable(f"malformed response: no score for {missing}")
    formal, casual = got["formal"], got["casual"]
    sure, unsure = got["confident"], got["hesitant"]
    groups = {g: got[g] for g in EMOTION_GROUPS}
    top = max(groups, key=lambda g: groups[g])
    return SentenceSignals(
        formality=formal / (formal + casual) if formal + casual > 0 else 0.5,
        emotions=groups,
        dominant=top if groups[top] >= 0.5 else None,
        confidence=sure / (sure + unsure) if sure + unsure > 0 else None,
    )
