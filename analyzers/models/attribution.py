"""Which words drove a model's score for a sentence: occlusion, the model's own answer.

Each word is removed in turn and the sentence is scored again in one batch; the words whose
removal lowers the score most are the ones that drove it. Run only for sentences that produced a
finding (a handful per draft), so its cost (one extra batched pass over at most
``MAX_WORDS`` variants) stays small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from analyzers.profanity import MESSAGE as PROFANITY_MESSAGE
from analyzers.scolding import MESSAGE as SCOLDING_MESSAGE

if TYPE_CHECKING:
    from analyzers.models.suite import SentencePrediction

MAX_WORDS = 40
MIN_DROP = 0.05  # a word counts when removing it lowers the score by at least this much
# function words are never reported as drivers (removing them garbles a sentence, which moves
# the score without saying anything to the writer); negations are kept: they carry meaning
_FUNCTION_WORDS = (
    "a an the and or but if of to in on at by for with from as is are was were be been being "
    "it its this that these those there here we our us you your they their them he she his her "
    "i me my who which what when where how so than then also just do does did has have had "
    "will would can could should may might must about into over up out all any some such"
)
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")


class _Predictor(Protocol):
    def predict(self, sentences: Sequence[str]) -> Sequence[SentencePrediction]: ...


def score_of(prediction: SentencePrediction, name: str) -> float:
    """``name`` is a sentiment class (``negative``...), a safety label (``disparage``...),
    ``formal`` / ``casual``, or ``emotion:<group>`` (a tone emotion group, 0..1)."""
    if name in prediction.sentiment:
        return float(prediction.sentiment[name])
    if name == "formal":
        return float(prediction.formality)
    if name == "casual":
        return 1.0 - float(prediction.formality)
    if name.startswith("emotion:"):
        from analyzers.tone import group_emotions

        groups, _ = group_emotions(prediction.emotions, prediction.emotion_thresholds)
        return float(groups.get(name.partition(":")[2], 0.0))
    safety: Mapping[str, float] = getattr(prediction, "safety", {}) or {}
    return float(safety.get(name, 0.0))


def occlusion_words(predictor: _Predictor, sentence: str, name: str, *, top: int = 3) -> list[str]:
    """Up to ``top`` words of ``sentence`` that raise score ``name`` most, strongest first."""
    return occlusion_batch(predictor, [(sentence, name)], top=top)[0]


def occlusion_batch(
    predictor: _Predictor, requests: Sequence[tuple[str, str]], *, top: int = 3
) -> list[list[str]]:
    """:func:`occlusion_words` for many (sentence, score name) pairs in ONE predict call."""
    plans: list[tuple[int, list[re.Match[str]]]] = []  # (index of the sentence, its words)
    variants: list[str] = []
    for sentence, _ in requests:
        words = [m for m in _WORD.finditer(sentence) if m.group(0).lower() not in FUNCTION_WORDS]
        words = words[:MAX_WORDS] if len(words) >= 2 else []
        plans.append((len(variants), words))
        variants.append(sentence)
        variants.extend((sentence[: m.start()] + sentence[m.end() :]).strip() for m in words)
    preds = predictor.predict(variants) if any(w for _, w in plans) else []
    out: list[list[str]] = []
    for (first, words), (_, name) in zip(plans, requests, strict=True):
        if not words:
            out.append([])
            continue
        base = score_of(preds[first], name)
        drops = [(base - score_of(preds[first + 1 + k], name), k) for k in range(len(words))]
        drops.sort(key=lambda d: (-d[0], d[1]))
        out.append([words[k].group(0) for drop, k in drops[:top] if drop >= MIN_DROP])
    return out


LIST_MESSAGES = (SCOLDING_MESSAGE, PROFANITY_MESSAGE)
POLICY_SCORES = {
    "Sentiment.Disparaging": "disparage",
    "Sentiment.Blame": "scold",
    "Tone.Offensive": "offensive",
    "Tone.Sarcasm": "sarcasm",
    "Sentiment.Floor": "negative",
}


def finding_score_name(rule_id: str, message: str) -> str | None:
    """The model score behind a finding that words can explain, or None (a finding from a
    phrase list names its words already)."""
    if message.startswith(LIST_MESSAGES):
        return None
    return POLICY_SCORES.get(rule_id) or tone_score_name(rule_id, message)


def with_drivers(message: str, words: Sequence[str]) -> str:
    """The message with "driven by “a”, “b”" after its "(confidence …)" part, or at the end."""
    if not words:
        return message
    drivers = "driven by " + ", ".join(f"“{w}”" for w in words)
    mark = message.find("(confidence ")
    close = message.find(")", mark) if mark >= 0 else -1
    if close >= 0:
        return f"{message[: close + 1]} — {drivers}{message[close + 1 :]}"
    return message.rstrip(".") + f"; {drivers}."


def tone_score_name(rule_id: str, message: str) -> str | None:
    """The score behind a tone finding that words can raise (None when words can't explain it:
    too *little* of something, hedging from the lexicon, voice match)."""
    if rule_id == "Tone.Formality":
        return "casual" if "too casual" in message else "formal"
    if rule_id == "Tone.Emotion" and message.startswith("Too much "):
        return "emotion:" + message[len("Too much ") :].split(":")[0]
    if rule_id == "Tone.AvoidEmotion" and message.startswith("This sentence reads as "):
        return "emotion:" + message[len("This sentence reads as ") :].split(" ")[0]
    return None
