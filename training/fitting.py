"""Fitting the sentence heads on frozen features: weighted logistic regressions (the safety
head, and the sentiment head's linear part) and the sentiment head with hashed word n-grams,
optionally averaged over their last iterates; and the temperature that calibrates sentiment.

Every fit seeds torch with ``seed`` first, so one seed gives one head bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torch.optim import swa_utils

from analyzers.models.ngrams import NgramBag, ngram_ids

SEED = 13  # the shipped heads' torch seed


def fit_linear(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    n_out: int,
    *,
    multilabel: bool = False,
    mask: np.ndarray | None = None,
    l2: float = 1e-4,
    epochs: int = 30,
    hidden: int = 0,
    average_from: int = 0,
    seed: int = SEED,
) -> nn.Module:
    """Weighted (multinomial or multi-label) logistic regression, or a one-hidden-layer MLP;
    ``average_from``: see :class:`Averager`; ``seed``: torch's seed for the initialisation and
    the batch order."""
    torch.manual_seed(seed)
    d = x.shape[1]
    model: nn.Module = (
        nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Dropout(0.1), nn.Linear(hidden, n_out))
        if hidden
        else nn.Linear(d, n_out)
    )
    xt, yt, wt = torch.tensor(x), torch.tensor(y), torch.tensor(w, dtype=torch.float32)
    mt = torch.tensor(mask, dtype=torch.float32) if mask is not None else None
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=l2)
    model.train()
    avg = Averager(model, len(xt), epochs, average_from)
    for b in _batches(len(xt), epochs):
        out = model(xt[b])
        if multilabel:
            loss_el = nn.functional.binary_cross_entropy_with_logits(
                out, yt[b].float(), reduction="none"
            )
            if mt is not None:
                loss_el = loss_el * mt[b]
            loss = (loss_el.sum(1) * wt[b]).sum() / wt[b].sum()
        else:
            loss_el = nn.functional.cross_entropy(out, yt[b].long(), reduction="none")
            loss = (loss_el * wt[b]).sum() / wt[b].sum()
        _step(opt, loss)
        avg.update()
    avg.finish()
    model.eval()
    return model


class Averager:
    """Polyak averaging of the iterates from epoch ``average_from`` on (0, or not before the
    last epoch: off, the last iterate is kept). The average moves far less with the batch order
    than the last iterate does (docs/models.md, *An averaged sentiment head*)."""

    def __init__(
        self, model: nn.Module, n: int, epochs: int, average_from: int, size: int = 256
    ) -> None:
        self.model = model
        self.start = average_from * -(-n // size)  # the steps before averaging begins
        self.steps = 0
        on = 0 < average_from < epochs
        self.avg = swa_utils.AveragedModel(model) if on else None

    def update(self) -> None:
        self.steps += 1
        if self.avg is not None and self.steps > self.start:
            self.avg.update_parameters(self.model)

    def finish(self) -> None:
        if self.avg is not None:
            with torch.no_grad():
                for mine, mean in zip(
                    self.model.parameters(), self.avg.module.parameters(), strict=True
                ):
                    mine.copy_(mean)


def _batches(n: int, epochs: int, size: int = 256) -> Iterator[torch.Tensor]:
    """Row indices of each mini-batch: a fresh seeded permutation per epoch."""
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, size):
            yield perm[s : s + size]


def _step(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    opt.zero_grad()
    loss.backward()
    opt.step()


@torch.no_grad()
def logits_of(model: nn.Module, x: np.ndarray) -> np.ndarray:
    return model(torch.tensor(x)).numpy()


class SentimentModel(nn.Module):
    """The sentiment head: a linear layer (or MLP) on the pooled vector, plus, with ``--ngrams``,
    the hashed word n-grams of the sentence (:class:`analyzers.models.ngrams.NgramBag`)."""

    def __init__(self, head: nn.Module, ngrams: NgramBag | None = None) -> None:
        super().__init__()
        self.head = head
        self.ngrams = ngrams

    def forward(self, x: torch.Tensor, texts: Sequence[str]) -> torch.Tensor:
        out: torch.Tensor = self.head(x)
        return out if self.ngrams is None else out + self.ngrams(texts)


@torch.no_grad()
def sentiment_logits(
    model: SentimentModel, d: dict[str, np.ndarray], rows: np.ndarray | None = None
) -> np.ndarray:
    """Sentiment logits of a feature set ``d`` (its ``x`` and ``text``), or of its ``rows``."""
    x, texts = d["x"], d["text"]
    if rows is not None:
        x, texts = x[rows], texts[rows]
    out = [
        model(torch.tensor(x[s : s + 4096]), [str(t) for t in texts[s : s + 4096]]).numpy()
        for s in range(0, len(x), 4096)
    ]
    return np.concatenate(out) if out else np.zeros((0, 3), np.float32)


def fit_sentiment(
    x: np.ndarray,
    texts: Sequence[str],
    y: np.ndarray,
    w: np.ndarray,
    *,
    buckets: int,
    ngram_l2: float,
    epochs: int,
    average_from: int = 0,
    seed: int = SEED,
) -> SentimentModel:
    """Weighted multinomial logistic regression on ``[pooled vector, hashed n-grams]``, jointly:
    AdamW on the linear part (weight decay 1e-4, as :func:`fit_linear`), an L2 penalty of
    ``ngram_l2`` on the n-gram rows each batch touches; ``average_from``: see
    :class:`Averager`; ``seed``: as :func:`fit_linear`."""
    torch.manual_seed(seed)
    head = nn.Linear(x.shape[1], 3)
    ngrams = NgramBag(buckets, 3)
    model = SentimentModel(head, ngrams)
    bag = ngrams.bag
    ids = [ngram_ids(t, buckets) for t in texts]  # hashed once, read every epoch
    xt, yt, wt = torch.tensor(x), torch.tensor(y).long(), torch.tensor(w, dtype=torch.float32)
    opt = torch.optim.AdamW(
        [
            {"params": head.parameters(), "weight_decay": 1e-4},
            {"params": bag.parameters(), "weight_decay": 0.0},
        ],
        lr=2e-3,
    )
    model.train()
    avg = Averager(model, len(xt), epochs, average_from)
    for b in _batches(len(xt), epochs):
        rows = b.tolist()
        out = head(xt[b]) + ngrams.of_ids([ids[i] for i in rows])
        loss_el = nn.functional.cross_entropy(out, yt[b], reduction="none")
        loss = (loss_el * wt[b]).sum() / wt[b].sum()
        touched = sorted({j for i in rows for j in ids[i]})
        if touched:
            loss = loss + ngram_l2 * bag.weight[torch.tensor(touched)].pow(2).sum()
        _step(opt, loss)
        avg.update()
    avg.finish()
    model.eval()
    return model


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    lt, yt = torch.tensor(logits), torch.tensor(y).long()
    best, best_t = float("inf"), 1.0
    for t in np.exp(np.linspace(np.log(0.3), np.log(5.0), 120)):
        nll = float(nn.functional.cross_entropy(lt / float(t), yt))
        if nll < best:
            best, best_t = nll, float(t)
    return best_t
