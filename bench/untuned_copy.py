"""Sentence sentiment on ``bench/data/untuned-copy.tsv``, a check nothing was chosen on, for one or
more sets of weights in one process (int8, as the bot serves).

    PYTHONPATH=. python bench/untuned_copy.py [--weights DIR ...]

The file holds 59 sentences of release notes, incident reports, security advisories, job ads and
launch copy, written and labelled by hand (realcopy-dev's guidelines) before the training round
that followed it was trained, and never used to choose a model, a threshold or a round. It names
none of the sources realcopy-dev keeps for the independent check. Prints argmax and the
product's rule (``analyzers.sentiment.label_for``) macro-F1, accuracy, ECE and the neutral →
negative rate per weights folder.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from analyzers.paths import REPO_ROOT
from bench.official_int8 import LABELS, SHIPPED, load_int8, probabilities, scores3

DATA = REPO_ROOT / "bench" / "data" / "untuned-copy.tsv"


def read(path: Path = DATA) -> tuple[list[str], list[int]]:
    texts, gold = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            text, label = line.split("\t")
            texts.append(text)
            gold.append(LABELS.index(label))
    return texts, gold


def measure(weights: Path) -> dict[str, Any]:
    predictor, _ = load_int8(weights)
    texts, gold = read()
    out, rule = scores3(probabilities(predictor, texts), gold)
    neutral = rule[np.asarray(gold) == LABELS.index("neutral")]
    out["neutral_to_negative"] = round(float((neutral == LABELS.index("negative")).mean()), 4)
    out["version"] = str(predictor.version)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, action="append", help="weights folder (repeatable)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    for w in args.weights or [SHIPPED]:
        print(json.dumps({"weights": str(w), **measure(w)}))


if __name__ == "__main__":
    main()
