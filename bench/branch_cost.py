"""What the sentiment/safety branch costs: the predictor's ``raw`` over sentences of
developer-tool copy with the encoder's branch as shipped against the same predictor without it
(the baseline: sentiment and safety then read the shared layers), alternating in one process,
best of N.

    PYTHONPATH=. python bench/branch_cost.py [--repeats 5] [--sentences 512]
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import predictor_cost


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sentences", type=int, default=512)
    args = ap.parse_args(argv)
    kept: dict[str, Any] = {}

    def shipped(predictor: Any) -> None:
        bert = predictor.model.bert
        kept.setdefault("branch", bert.branch)
        if kept["branch"] is None:
            raise SystemExit("these weights have no branch")
        bert.branch = kept["branch"]
        predictor.has_branch = True

    def without(predictor: Any) -> None:
        predictor.model.bert.branch = None
        predictor.has_branch = False

    predictor_cost(
        [("shipped", shipped), ("without the branch", without)], args.repeats, args.sentences
    )


if __name__ == "__main__":
    main()
