"""What the sentiment/safety branch costs: the predictor's ``raw`` over sentences of
developer-tool copy with the encoder's branch as shipped against the same predictor without it
(the baseline: sentiment and safety then read the shared layers), alternating in one process,
best of N.

    PYTHONPATH=. python bench/branch_cost.py [--repeats 5] [--sentences 512]
"""

from __future__ import annotations

from bench.common import predictor_cost_main, without_part


def main(argv: list[str] | None = None) -> None:
    variants = without_part(lambda p: p.model.bert, "branch", "without the branch")
    predictor_cost_main(__doc__, variants, argv)


if __name__ == "__main__":
    main()
