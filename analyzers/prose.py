"""Small, dependency-free facts about a stretch of prose that the model analyses need.

* ``prose_weight(text)``: how much prose a sentence carries — the number of letters and digits,
  ignoring Slack emoji codes (``:tada:``). Emoji-only or punctuation-only text weighs 0. Model
  scores are averaged over sentences with these weights ("length-weighted").
* ``trim_range(text, start, end)``: a sentence range without surrounding whitespace.
* ``non_english_reason(text)``: ``None`` when the text may be English, else a sentence saying why
  it looks like another language. The embedded models are trained on English only, so the model
  suite skips sentiment and tone for such text instead of reporting confident nonsense.

The language check is a deliberately cautious heuristic (no language-ID model ships offline): a
text is called non-English only when most of its letters are outside the Latin script, or when it
has at least 8 words and the function words of one other major Latin-script language
(French, German, Spanish, Italian, Portuguese, Dutch) outnumber English ones at least 2 to 1
(and number at least 3). Short or ambiguous text is treated as English.
"""

from __future__ import annotations

import re
import unicodedata

_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]+:")
_ALNUM = re.compile(r"[^\W_]")
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ENGLISH = _words(
    "the and of to in is it you that for with on are this be your we our at by from or as an "
    "will can not have has was were they their its what when how all new more get just"
)
# Words that are also common English words (or shared between these languages) are left out.
_OTHER: dict[str, frozenset[str]] = {
    "French": _words(
        "le la les des et est une du pour dans vous nous avec sur pas que qui au aux ce cette "
        "sont plus mais tout votre notre"
    ),
    "German": _words(
        "der die das und ist nicht ein eine mit für sie wir ihr auf den dem zu von auch sich "
        "oder wie bei ihre unsere"
    ),
    "Spanish": _words(
        "el los las y es una por para con del su sus muy pero como nuestro nuestra este esta "
        "al lo más"
    ),
    "Italian": _words(
        "il gli della delle di è che non per con una sono anche nel nella questo questa più ma"
    ),
    "Portuguese": _words(
        "os uma não para com do da dos das em seu sua nosso nossa mais mas é são você"
    ),
    "Dutch": _words(
        "het een en van niet met voor zijn op ook maar wij jij ons onze deze dit wordt"
    ),
}


def prose_weight(text: str) -> int:
    """Number of letters and digits in ``text``, not counting ``:emoji_codes:``."""
    return len(_ALNUM.findall(_EMOJI_CODE.sub(" ", text)))


def has_prose(text: str) -> bool:
    return prose_weight(text) > 0


def trim_range(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` clamped to ``text`` and stripped of surrounding whitespace."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def non_english_reason(text: str) -> str | None:
    """Why ``text`` looks like it is not English, or ``None`` when it may be English."""
    sample = _EMOJI_CODE.sub(" ", text[:20_000])
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 20:
        return None
    latin = sum(1 for c in letters if _is_latin(c))
    if latin / len(letters) < 0.5:
        return "most of the text is not in the Latin script; the embedded models read English only"
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 8:
        return None
    english = sum(1 for w in words if w in _ENGLISH)
    counts = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _OTHER.items()}
    lang, best = max(counts.items(), key=lambda kv: kv[1])
    if best >= 3 and best > 2 * english:
        return f"the text looks like {lang}, not English; the embedded models read English only"
    return None


def chunk_range(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` into pieces of at most ``max_chars``, at whitespace when possible.

    Used for run-on "sentences" (a 100k-character draft without punctuation) so that scores stay
    attributable to a readable stretch of text; nothing is dropped: the pieces cover the range.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    out: list[tuple[int, int]] = []
    pos = start
    while end - pos > max_chars:
        cut = pos + max_chars
        space = text.rfind(" ", pos + max_chars // 2, cut + 1)
        if space < 0:
            space = max(
                text.rfind("\n", pos + max_chars // 2, cut + 1),
                text.rfind("\t", pos + max_chars // 2, cut + 1),
            )
        if space > pos:
            cut = space
        out.append((pos, cut))
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
    if pos < end:
        out.append((pos, end))
    return out
