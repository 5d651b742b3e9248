"""What the max-pooled input of the safety head costs: the predictor's ``raw`` over sentences of
real copy, with the max pooling as shipped against the same predictor with it stubbed out (the
baseline), alternating in one process, best of N.

    PYTHONPATH=. python bench/maxpool_cost.py [--repeats 5] [--sentences 512]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import torch

import analyzers.models.predictor as predictor_module
from analyzers.engine import default_threads
from analyzers.serving import load_predictor_backend


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sentences", type=int, default=512)
    args = ap.parse_args(argv)
    torch.set_num_threads(default_threads())
    path = Path("training/data/devcopy.tsv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = [r["text"] for r in rows[: args.sentences]]
    long = [" ".join(texts[i : i + 12]) for i in range(0, 96, 12)]  # 8 windowed "sentences"
    predictor = load_predictor_backend(precision="int8", device="cpu").predictor
    shipped = predictor_module.max_pool

    def stub(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return hidden[:, 0]  # same shape, no reduction: the baseline's cost

    for name, batch in (("sentences", texts), ("long", long)):
        best = {"shipped": float("inf"), "without max": float("inf")}
        for _ in range(args.repeats):
            for label, fn in (("shipped", shipped), ("without max", stub)):
                predictor_module.max_pool = fn  # type: ignore[assignment]
                t0 = time.perf_counter()
                predictor.raw(batch)
                best[label] = min(best[label], time.perf_counter() - t0)
        predictor_module.max_pool = shipped
        ratio = best["shipped"] / best["without max"]
        print(
            f"{name}: {len(batch)} texts, shipped {best['shipped'] * 1000:.0f} ms, "
            f"without max {best['without max'] * 1000:.0f} ms, ratio {ratio:.3f}"
        )


if __name__ == "__main__":
    main()
