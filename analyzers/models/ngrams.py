"""Hashed word n-grams: the sentiment head's second input, beside the pooled encoder vector.

The frozen encoder's mean-pooled vector misses the plain-word cues of company copy ("includes
CPU performance improvements", "is on par with"): a linear head on it reads many benefit
statements as neutral. A bag of the sentence's words and word pairs, hashed into a fixed table
of per-class weights, adds those cues at no encoder cost (docs/models.md, "Word n-grams beside
the encoder").

Tokens are lower-cased ASCII words and numbers (an apostrophe suffix stays on its word: "don't",
"we're"; a curly apostrophe counts as a straight one) and the marks ``!`` and ``?``. Each
unigram and bigram is hashed with CRC-32 into ``buckets`` rows; a sentence's n-gram logits are
the sum of its rows divided by the square root of their count, so long sentences do not shout.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence

import torch
from torch import nn

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def ngram_ids(text: str, buckets: int) -> list[int]:
    """The hashed unigrams and bigrams of ``text`` (possibly empty)."""
    words = TOKEN.findall(text.translate(_APOSTROPHES).lower())
    grams = [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]
    return [zlib.crc32(g.encode()) % buckets for g in grams]


class NgramBag(nn.Module):
    """Per-class weights of hashed n-grams; ``forward(texts)`` gives (B, n_out) logits."""

    def __init__(self, buckets: int, n_out: int) -> None:
        super().__init__()
        self.buckets = buckets
        self.bag = nn.EmbeddingBag(buckets, n_out, mode="sum")
        nn.init.zeros_(self.bag.weight)

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        return self.of_ids([ngram_ids(t, self.buckets) for t in texts])

    def of_ids(self, ids: Sequence[Sequence[int]]) -> torch.Tensor:
        """The logits of texts already hashed with :func:`ngram_ids` (training hashes once)."""
        device = self.bag.weight.device
        flat = torch.tensor([j for g in ids for j in g], dtype=torch.long, device=device)
        lengths = torch.tensor([len(g) for g in ids], dtype=torch.long, device=device)
        offsets = torch.cumsum(lengths, 0) - lengths
        scale = lengths.clamp(min=1).to(self.bag.weight.dtype).rsqrt().unsqueeze(-1)
        out: torch.Tensor = self.bag(flat, offsets) * scale  # an empty bag sums to zero
        return out
