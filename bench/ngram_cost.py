"""What the sentiment head's word n-grams cost: the predictor's ``raw`` over sentences of
developer-tool copy with the n-gram table as shipped against the same predictor without it (the
baseline), alternating in one process, best of N.

    PYTHONPATH=. python bench/ngram_cost.py [--repeats 5] [--sentences 512]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import torch

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
    heads = predictor.model.heads
    table = heads.sentiment_ngrams
    if table is None:
        raise SystemExit("these weights have no n-gram table")
    for name, batch in (("sentences", texts), ("long", long)):
        best = {"shipped": float("inf"), "without n-grams": float("inf")}
        for _ in range(args.repeats):
            for label, part in (("shipped", table), ("without n-grams", None)):
                heads.sentiment_ngrams = part
                t0 = time.perf_counter()
                predictor.raw(batch)
                best[label] = min(best[label], time.perf_counter() - t0)
        heads.sentiment_ngrams = table
        ratio = best["shipped"] / best["without n-grams"]
        print(
            f"{name}: {len(batch)} texts, shipped {best['shipped'] * 1000:.0f} ms, "
            f"without n-grams {best['without n-grams'] * 1000:.0f} ms, ratio {ratio:.3f}"
        )


if __name__ == "__main__":
    main()
