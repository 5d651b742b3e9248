"""Word-piece tokenisation with character offsets and casing shapes.

The encoder (all-MiniLM-L6-v2) is uncased: its tokenizer lower-cases and strips accents, so the
entity heads get the casing back as features. Every word piece carries two *shape* ids computed
from the caller's original characters: the shape of the piece itself and the shape of the whole
pre-token (the run of characters BERT's pre-tokenizer keeps together) it belongs to.

This module imports no torch; training and inference share it so features match exactly.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tokenizers import Tokenizer

SHAPES = ("special", "lower", "title", "upper", "mixed", "digit", "punct", "other")
SHAPE_SPECIAL, SHAPE_LOWER, SHAPE_TITLE, SHAPE_UPPER, SHAPE_MIXED = 0, 1, 2, 3, 4
SHAPE_DIGIT, SHAPE_PUNCT, SHAPE_OTHER = 5, 6, 7

CLS_ID = 101
SEP_ID = 102
PAD_ID = 0
MAX_PIECES = (
    126  # word pieces per window; + [CLS] and [SEP] = 128, the length the heads were trained on
)


def casing_shape(text: str) -> int:
    """Casing class of a piece of original text: lower / Title / UPPER / mixed / digit / punct."""
    letters = [c for c in text if c.isalpha()]
    if letters:
        cased = [c for c in letters if c.isupper() or c.islower()]
        if not cased:
            return SHAPE_OTHER  # scripts without case (CJK, Arabic, ...)
        if all(c.islower() for c in cased):
            return SHAPE_LOWER
        if all(c.isupper() for c in cased):
            return SHAPE_UPPER if len(cased) > 1 or len(text) == 1 else SHAPE_TITLE
        if cased[0].isupper() and all(c.islower() for c in cased[1:]):
            return SHAPE_TITLE
        return SHAPE_MIXED
    if any(c.isdigit() for c in text):
        return SHAPE_DIGIT
    if text and all(unicodedata.category(c)[0] in "PS" for c in text):
        return SHAPE_PUNCT
    return SHAPE_OTHER


@dataclass(frozen=True)
class Encoded:
    """One text as word pieces (no special tokens)."""

    ids: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]  # character ranges into the original text
    shapes: tuple[int, ...]  # casing shape of each piece's own characters
    word_shapes: tuple[int, ...]  # casing shape of the pre-token the piece belongs to
    word_ids: tuple[int, ...]  # index of that pre-token

    def __len__(self) -> int:
        return len(self.ids)


class PieceTokenizer:
    """The MiniLM word-piece tokenizer with truncation and padding switched off."""

    def __init__(self, tokenizer_json: Path) -> None:
        self._tok = Tokenizer.from_file(str(tokenizer_json))
        self._tok.no_truncation()
        self._tok.no_padding()

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        encodings = self._tok.encode_batch(list(texts), add_special_tokens=False)
        out: list[Encoded] = []
        for text, enc in zip(texts, encodings, strict=True):
            offsets = tuple((int(a), int(b)) for a, b in enc.offsets)
            words = tuple(-1 if w is None else int(w) for w in enc.word_ids)
            spans: dict[int, tuple[int, int]] = {}
            for (a, b), w in zip(offsets, words, strict=True):
                lo, hi = spans.get(w, (a, b))
                spans[w] = (min(lo, a), max(hi, b))
            shapes = tuple(casing_shape(text[a:b]) for a, b in offsets)
            wshapes = tuple(casing_shape(text[spans[w][0] : spans[w][1]]) for w in words)
            out.append(Encoded(tuple(enc.ids), offsets, shapes, wshapes, words))
        return out


@lru_cache(maxsize=4)
def load_tokenizer(model_dir: str) -> PieceTokenizer:
    return PieceTokenizer(Path(model_dir) / "tokenizer.json")


def windows(
    n: int, size: int = MAX_PIECES, stride: int | None = None
) -> list[tuple[int, int, int, int]]:
    """Cover ``n`` pieces with windows of at most ``size`` pieces.

    Returns ``(start, end, core_start, core_end)``: each window encodes ``[start, end)`` and owns
    the predictions for ``[core_start, core_end)``; the cores partition ``[0, n)`` so every piece
    is predicted once, from a window where it has context on both sides where possible.
    """
    if n <= size:
        return [(0, n, 0, n)]
    stride = stride or max(1, size * 3 // 4)
    starts = [*range(0, n - size, stride), n - size]
    out: list[tuple[int, int, int, int]] = []
    for i, s in enumerate(starts):
        e = s + size
        core_s = 0 if i == 0 else (out[-1][3])
        if i + 1 < len(starts):
            nxt = starts[i + 1]
            core_e = (nxt + e) // 2  # hand over in the middle of the overlap
        else:
            core_e = n
        out.append((s, e, core_s, core_e))
    return out
