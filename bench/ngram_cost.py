"""What the sentiment head's word n-grams cost: the predictor's ``raw`` over sentences of
developer-tool copy with the n-gram table as shipped against the same predictor without it (the
baseline), alternating in one process, best of N.

    PYTHONPATH=. python bench/ngram_cost.py [--repeats 5] [--sentences 512]
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
    table: dict[str, Any] = {}

    def shipped(predictor: Any) -> None:
        heads = predictor.model.heads
        table.setdefault("bag", heads.sentiment_ngrams)
        if table["bag"] is None:
            raise SystemExit("these weights have no n-gram table")
        heads.sentiment_ngrams = table["bag"]

    def without(predictor: Any) -> None:
        predictor.model.heads.sentiment_ngrams = None

    predictor_cost(
        [("shipped", shipped), ("without n-grams", without)], args.repeats, args.sentences
    )


if __name__ == "__main__":
    main()
