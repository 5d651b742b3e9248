"""What the sentiment head's word n-grams cost: the predictor's ``raw`` over sentences of
developer-tool copy with the n-gram table as shipped against the same predictor without it (the
baseline), alternating in one process, best of N.

    PYTHONPATH=. python bench/ngram_cost.py [--repeats 5] [--sentences 512]
"""

from __future__ import annotations

from bench.common import predictor_cost_main, without_part


def main(argv: list[str] | None = None) -> None:
    variants = without_part(lambda p: p.model.heads, "sentiment_ngrams", "without n-grams")
    predictor_cost_main(__doc__, variants, argv)


if __name__ == "__main__":
    main()
