"""Iterate averaging in the sentiment head's training (``training.sentence_heads --average-from``).

The heads are logistic regressions trained for a few epochs with AdamW; the last iterate moves
with the batch order (the torch seed) by ±0.02 macro-F1 on small evaluation sets. Averaging the
iterates of the last epochs keeps the same objective and removes most of that draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training import fitting as F  # noqa: E402
from training import sentence_heads as H  # noqa: E402


def _walk(model: Any, avg: F.Averager, steps: int) -> None:
    """Set every parameter to the step number (bias to its negative), updating after each."""
    for step in range(steps):
        with torch.no_grad():
            model.weight.fill_(float(step))
            model.bias.fill_(-float(step))
        avg.update()
    avg.finish()


def test_the_average_is_the_mean_of_the_iterates_after_the_start() -> None:
    model = torch.nn.Linear(3, 2)
    _walk(
        model, F.Averager(model, n=512, epochs=4, average_from=2, size=256), steps=8
    )  # 2 steps an epoch
    assert torch.allclose(model.weight, torch.full_like(model.weight, 5.5))  # mean of 4..7
    assert torch.allclose(model.bias, torch.full_like(model.bias, -5.5))


@pytest.mark.parametrize("start", [0, 4, 9])
def test_off_or_past_the_last_epoch_keeps_the_last_iterate(start: int) -> None:
    model = torch.nn.Linear(3, 2)
    _walk(model, F.Averager(model, n=512, epochs=4, average_from=start, size=256), steps=8)
    assert torch.allclose(model.weight, torch.full_like(model.weight, 7.0))


def _fit(order: int, average_from: int) -> np.ndarray:
    """The same data, initialisation and seed; only the order of the rows differs (as when a
    round of training copy is added), so the batches differ."""
    rng = np.random.default_rng(0)
    n = 40_000  # about 160 steps an epoch, as the heads' data gives a few hundred
    x = rng.normal(size=(n, 16)).astype(np.float32)
    y = ((x[:, :3].sum(1) * 0.3 + rng.normal(size=n)) > 0).astype(np.int64)
    perm = np.random.default_rng(order).permutation(n)
    w = np.ones(n, np.float32)
    model = F.fit_linear(x[perm], y[perm], w, 2, epochs=8, average_from=average_from)
    assert isinstance(model, torch.nn.Linear)
    out: np.ndarray = torch.cat([model.weight.flatten(), model.bias]).detach().numpy()
    return out


def test_averaging_moves_less_with_the_batch_order() -> None:
    torch.set_num_threads(1)
    last = np.linalg.norm(_fit(1, 0) - _fit(2, 0))
    averaged = np.linalg.norm(_fit(1, 4) - _fit(2, 4))
    assert averaged < 0.5 * last, (averaged, last)


def test_the_shipped_flags_average_the_sentiment_head() -> None:
    args = H.parser().parse_args(list(H.SHIPPED_FLAGS))
    assert 0 < args.average_from < args.epochs


def test_train_sentiment_passes_the_flag_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """``train_sentiment`` hands ``--average-from`` to the fit; the safety head's fits keep
    their last iterate (averaging cost it out-of-fold F1, docs/models.md)."""
    seen: list[int] = []

    def fit(*a: Any, average_from: int = 0, **k: Any) -> torch.nn.Module:
        seen.append(average_from)
        return torch.nn.Linear(2, 3)

    monkeypatch.setattr(H, "fit_linear", fit)
    monkeypatch.setattr(
        H,
        "load",
        lambda name: {
            "x": np.zeros((4, 2), np.float32),
            "y": np.zeros(4, np.int64),
            "text": np.array(["a"] * 4),
        },
    )
    monkeypatch.setattr(H, "has_devcopy", lambda: False)
    args = H.parser().parse_args(["--average-from", "3", "--w-company", "0", "--w-te", "0"])
    H.train_sentiment(args)
    assert seen == [3]
