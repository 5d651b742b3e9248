"""Task heads that all read one encoder pass.

Sentence heads read the mean-pooled vector (the brand-safety head, when its weights say
``safety_max``, also the max-pooled one: a few sharp words decide it, and the mean dilutes them);
the sentiment head, when its weights say ``sentiment_ngrams``, adds logits of the sentence's
hashed word n-grams (:mod:`analyzers.models.ngrams`), which whoever holds the text adds
(:meth:`Heads.ngram_sentiment`); the two entity heads read each word piece's vector
together with learned embeddings of its casing shapes (the encoder itself is uncased), through one
shared BiLSTM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from analyzers.models.ngrams import NgramBag
from analyzers.models.tokenize import SHAPES

SENTIMENT_LABELS = ("negative", "neutral", "positive")
GOEMOTIONS_LABELS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip
# brand-safety signals, independent sigmoids (see training/sentence_heads.py)
SAFETY_LABELS = ("offensive", "sarcasm", "disparage", "scold")
CONLL_TYPES = ("PER", "ORG", "LOC", "MISC")
WNUT_TYPES = ("person", "location", "corporation", "product", "creative-work", "group")


def bio_tags(types: tuple[str, ...]) -> tuple[str, ...]:
    return ("O", *(f"{p}-{t}" for t in types for p in ("B", "I")))


CONLL_TAGS = bio_tags(CONLL_TYPES)
WNUT_TAGS = bio_tags(WNUT_TYPES)


@dataclass(frozen=True)
class HeadConfig:
    hidden: int = 384
    shape_dim: int = 16
    rnn_hidden: int = 128
    formality_hidden: int = 64
    dropout: float = 0.1
    safety: int = 0  # number of safety outputs (0: weights without the safety head)
    safety_max: bool = False  # the safety head reads [mean-pooled, max-pooled] (2 * hidden)
    safety_hidden: int = 0  # one hidden GELU layer of this width in the safety head (0: linear)
    sentiment_ngrams: int = 0  # hashed word n-gram buckets added to the sentiment logits (0: none)


@dataclass
class HeadOutputs:
    sentiment: torch.Tensor  # (B, 3) logits
    emotions: torch.Tensor  # (B, 28) logits
    formality: torch.Tensor  # (B,) logits (sigmoid -> 0..1)
    conll: torch.Tensor | None  # (B, T, len(CONLL_TAGS)) logits
    wnut: torch.Tensor | None  # (B, T, len(WNUT_TAGS)) logits
    safety: torch.Tensor | None = None  # (B, len(SAFETY_LABELS)) logits


class Heads(nn.Module):
    def __init__(self, cfg: HeadConfig) -> None:
        super().__init__()
        self.cfg = cfg
        n_shapes = len(SHAPES)
        self.shape_emb = nn.Embedding(n_shapes, cfg.shape_dim)
        self.word_shape_emb = nn.Embedding(n_shapes, cfg.shape_dim)
        self.drop = nn.Dropout(cfg.dropout)
        self.rnn = nn.LSTM(
            cfg.hidden + 2 * cfg.shape_dim,
            cfg.rnn_hidden,
            batch_first=True,
            bidirectional=True,
        )
        self.conll = nn.Linear(2 * cfg.rnn_hidden, len(CONLL_TAGS))
        self.wnut = nn.Linear(2 * cfg.rnn_hidden, len(WNUT_TAGS))
        self.sentiment = nn.Linear(cfg.hidden, len(SENTIMENT_LABELS))
        # read from the sentence's words, not the encoder: see analyzers/models/ngrams.py
        self.sentiment_ngrams = (
            NgramBag(cfg.sentiment_ngrams, len(SENTIMENT_LABELS)) if cfg.sentiment_ngrams else None
        )
        self.emotions = nn.Linear(cfg.hidden, len(GOEMOTIONS_LABELS))
        safety_in = 2 * cfg.hidden if cfg.safety_max else cfg.hidden
        self.safety: nn.Module | None = None
        if cfg.safety and cfg.safety_hidden:  # the layout of training.fitting.fit_linear's MLP
            self.safety = nn.Sequential(
                nn.Linear(safety_in, cfg.safety_hidden),
                nn.GELU(),
                nn.Dropout(cfg.dropout),
                nn.Linear(cfg.safety_hidden, cfg.safety),
            )
        elif cfg.safety:
            self.safety = nn.Linear(safety_in, cfg.safety)
        # formality also sees the casing-shape histogram and the length: casual text is often
        # lower-case or shouty, and the uncased encoder cannot see that
        self.formality = nn.Sequential(
            nn.Linear(cfg.hidden + n_shapes + 1, cfg.formality_hidden),
            nn.GELU(),
            nn.Linear(cfg.formality_hidden, 1),
        )

    @property
    def dtype(self) -> torch.dtype:
        """Float type of the heads (embeddings are never quantized, unlike Linear layers)."""
        return self.shape_emb.weight.dtype

    def sentence(
        self,
        pooled: torch.Tensor,
        shape_hist: torch.Tensor,
        maxed: torch.Tensor | None = None,
        polar: tuple[torch.Tensor, torch.Tensor | None] | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """(sentiment, emotions, formality) logits, then safety logits when the head exists.
        ``maxed``: the max-pooled vector, which a ``safety_max`` head needs. ``polar``: the
        (mean, max) pooled vectors the sentiment and safety heads read instead of ``pooled`` and
        ``maxed`` (an encoder branch's, ``BertEncoder.add_branch``)."""
        x = self.drop(pooled)
        p, p_max = (x, maxed) if polar is None else (self.drop(polar[0]), polar[1])
        form_in = torch.cat([x, shape_hist.to(x.dtype)], dim=-1)
        out = (self.sentiment(p), self.emotions(x), self.formality(form_in).squeeze(-1))
        if self.safety is None:
            return out
        if self.cfg.safety_max:
            if p_max is None:
                raise ValueError("this safety head reads the max-pooled vector too")
            return (*out, self.safety(torch.cat([p, self.drop(p_max).to(p.dtype)], dim=-1)))
        return (*out, self.safety(p))

    def ngram_sentiment(self, texts: Sequence[str]) -> torch.Tensor | None:
        """The n-gram part of the sentiment logits of ``texts`` (None without that part):
        :meth:`sentence` reads pooled vectors only, so the caller adds this to its logits."""
        if self.sentiment_ngrams is None:
            return None
        out: torch.Tensor = self.sentiment_ngrams(texts)
        return out

    def tokens(
        self,
        hidden: torch.Tensor,
        shapes: torch.Tensor,
        word_shapes: torch.Tensor,
        lengths: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Tag logits for every position of ``hidden`` (B, T, H); ``lengths`` counts real tokens."""
        feats = torch.cat(
            [
                self.drop(hidden),
                self.shape_emb(shapes).to(hidden.dtype),
                self.word_shape_emb(word_shapes).to(hidden.dtype),
            ],
            dim=-1,
        )
        # the LSTM runs in its own weights' precision (cuDNN has no bf16 LSTM under autocast)
        dtype = self.dtype
        with torch.autocast(device_type=feats.device.type, enabled=False):
            packed = nn.utils.rnn.pack_padded_sequence(
                feats.to(dtype), lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            out, _ = self.rnn(packed)
        seq, _ = nn.utils.rnn.pad_packed_sequence(
            out, batch_first=True, total_length=hidden.shape[1]
        )
        seq = self.drop(seq)
        return self.conll(seq), self.wnut(seq)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Masked sum of token vectors and the token count (sentence-transformers' mean pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1), m.sum(dim=1)


def max_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The largest value of each dimension over the real tokens (padding never wins)."""
    real = mask.unsqueeze(-1).bool()
    return hidden.masked_fill(~real, torch.finfo(hidden.dtype).min).amax(dim=1)


def shape_histogram(shapes: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Fraction of each casing shape among real pieces, plus log length: (B, len(SHAPES) + 1)."""
    real = mask.bool() & (shapes != 0)
    onehot = torch.nn.functional.one_hot(shapes, len(SHAPES)).float() * real.unsqueeze(-1)
    counts = onehot.sum(dim=1)
    n = counts.sum(dim=1, keepdim=True)
    return torch.cat([counts / n.clamp(min=1.0), torch.log1p(n) / 5.0], dim=-1)
