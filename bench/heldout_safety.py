"""The brand-safety head on hand-written copy it never saw: out-of-fold precision, recall and F1
per label, on company copy and on each round of developer-tool copy, as docs/models.md reports.

    PYTHONPATH=. python bench/heldout_safety.py [--feats DIR] [--safety-mean-only]

Five folds (company copy by row, developer-tool copy by paragraph, the folds of
``training.sentence_heads``); each fold is scored by a head trained without it, with the
shipped recipe (TweetEval offensive and irony + both copy files). Each label's threshold is the
one that maximises F1 on all the out-of-fold predictions, as the shipped head's is
(``training.sentence_heads.safety_out_of_fold`` and ``best_threshold``, which choose it). Rounds of
developer-tool copy are the paragraph groups' first letters: ``A``-``H`` the first round,
``I``-``L`` the flag round (subtle sniping, blame, scolding).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import torch

from analyzers.models.heads import SAFETY_LABELS
from training import handwritten as C
from training import sentence_heads as H
from training.scores import best_threshold

ROUNDS = {"first round (A-H)": "ABCDEFGH", "flag round (I-L)": C.FLAG_ROUND}


def prf(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    return {
        "precision": round(tp / max(tp + fp, 1), 3),
        "recall": round(tp / max(tp + fn, 1), 3),
        "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 3),
        "flagged": int(gold.sum()),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feats", type=Path, help="feature folder (default: training/out/feats)")
    ap.add_argument("--safety-mean-only", action="store_true")
    args = ap.parse_args(argv)
    feats = ["--feats", str(args.feats)] if args.feats is not None else []
    H.shipped_recipe(*feats, *(["--safety-mean-only"] if args.safety_mean_only else []))
    random.seed(C.SEED)
    torch.manual_seed(C.SEED)
    oof, flags, dev_oof, dev_flags = H.safety_out_of_fold()
    every, gold = np.concatenate([oof, dev_oof]), np.concatenate([flags, dev_flags]) == 1
    report: dict[str, object] = {}
    for k, name in enumerate(SAFETY_LABELS):
        t = best_threshold(every[:, k], gold[:, k])
        row: dict[str, object] = {
            "threshold": round(t, 3),
            "company copy": prf(oof[:, k] >= t, flags[:, k] == 1),
        }
        for label, first in ROUNDS.items():
            part = C.devcopy_rounds(first)
            row[label] = prf(dev_oof[part, k] >= t, dev_flags[part, k] == 1)
        report[name] = row
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
