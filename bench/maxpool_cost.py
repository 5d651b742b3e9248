"""What the max-pooled input of the safety head costs: the predictor's ``raw`` over sentences of
real copy, with the max pooling as shipped against the same predictor with it stubbed out (the
baseline), alternating in one process, best of N.

    PYTHONPATH=. python bench/maxpool_cost.py [--repeats 5] [--sentences 512]
"""

from __future__ import annotations

from typing import Any

import torch

import analyzers.models.predictor as predictor_module
from bench.common import predictor_cost_main

SHIPPED = predictor_module.max_pool


def _stub(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return hidden[:, 0]  # same shape, no reduction: the baseline's cost


def use(fn: Any) -> Any:
    def setup(_: Any) -> None:
        predictor_module.max_pool = fn  # type: ignore[assignment]

    return setup


def main(argv: list[str] | None = None) -> None:
    predictor_cost_main(__doc__, [("shipped", use(SHIPPED)), ("without max", use(_stub))], argv)


if __name__ == "__main__":
    main()
