"""Frozen sentence features for training and measuring the sentence heads.

    python -m training.features [--sets NAME,...] [--precision int8|fp32]
    python -m training.features --encoder DIR --out training/out/feats-DIR [--limits NAME=N,...]


Runs the shipped encoder exactly as the bot serves it (int8 W8A8 on CPU by default) and stores,
per data set, the mean-pooled vector that every sentence head reads and the max-pooled one that
the brand-safety head reads too (both captured at the heads' input), with the texts and labels:
``training/out/feats/<set>-<precision>.npz`` (never committed). The heads trained on these
features (``training/sentence_heads.py``) therefore see at training time the same inputs they see
in production.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from analyzers.engine import default_threads
from analyzers.models.datasets import read_goemotions, read_sst2, read_tweets
from analyzers.paths import shared_dir

OUT = Path("training/out/feats")
SEED = 13
LABELS3 = ("negative", "neutral", "positive")

# GoEmotions -> sentiment, the grouping of the GoEmotions paper (ambiguous emotions are dropped)
GE_POSITIVE = {
    "admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude", "joy",
    "love", "optimism", "pride", "relief",
}  # fmt: skip
GE_NEGATIVE = {
    "anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment", "fear",
    "grief", "nervousness", "remorse", "sadness",
}  # fmt: skip

Rows = list[tuple[str, int]]


def _data() -> Path:
    return shared_dir() / "data"


def _tweeteval(task: str, split: str) -> Rows:
    folder = _data() / "tweeteval" / task
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    texts = texts[: len(labels)]
    return [(t.strip(), int(y)) for t, y in zip(texts, labels, strict=True)]


def _sst2(part: str) -> Rows:
    from training.data import sst2_holdout

    rows = read_sst2(_data() / "sst2" / "train.tsv")
    train, hold, _ = sst2_holdout(rows)
    if part == "hold":  # the held-out phrases of >= 5 words (docs/models.md's SST-2 figure)
        return [(rows[i][0], rows[i][1] * 2) for i in hold if len(rows[i][0].split()) >= 5]
    keep = [i for i in train if len(rows[i][0].split()) >= 3]
    random.Random(SEED).shuffle(keep)
    return [(rows[i][0], rows[i][1] * 2) for i in keep[:30000]]  # 0 -> negative, 1 -> positive


def _tweets(part: str) -> Rows:
    from training.data import TWEET_HOLDOUT, tweets_path

    tw = read_tweets(tweets_path())
    order = list(range(len(tw)))
    random.Random(SEED).shuffle(order)
    n_hold = int(len(tw) * TWEET_HOLDOUT)
    hold = sorted(order[:n_hold])
    if part == "hold":
        return [tw[i] for i in hold]
    held = {tw[i][0] for i in hold}
    return [tw[i] for i in sorted(order[n_hold:]) if tw[i][0] not in held]


def _goemotions(split: str) -> Rows:
    from analyzers.models.heads import GOEMOTIONS_LABELS

    out: Rows = []
    for text, ids in read_goemotions(_data() / "goemotions" / f"{split}.tsv"):
        names = {GOEMOTIONS_LABELS[i] for i in ids}
        pos, neg = bool(names & GE_POSITIVE), bool(names & GE_NEGATIVE)
        if names == {"neutral"}:
            out.append((text, 1))
        elif pos and not neg:
            out.append((text, 2))
        elif neg and not pos:
            out.append((text, 0))
    return out


def _realcopy() -> Rows:
    out: Rows = []
    path = _data() / "realcopy-dev" / "dev.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for s in row["sentences"]:
            out.append((row["text"][s["start"] : s["end"]], LABELS3.index(s["sentiment"])))
    return out


def _labelled_copy(name: str) -> Rows:
    """A hand-written copy file in ``training/data/`` (``text`` and ``sentiment`` columns)."""
    path = Path("training/data") / name
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            (r["text"], LABELS3.index(r["sentiment"]))
            for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def _companycopy() -> Rows:
    return _labelled_copy("companycopy.tsv")


def _devcopy() -> Rows:
    return _labelled_copy("devcopy.tsv")


SETS: dict[str, Callable[[], Rows]] = {
    "realcopy": _realcopy,
    "te_sent_val": lambda: _tweeteval("sentiment", "val"),
    "te_off_train": lambda: _tweeteval("offensive", "train"),
    "te_off_val": lambda: _tweeteval("offensive", "val"),
    "te_irony_train": lambda: _tweeteval("irony", "train"),
    "te_irony_val": lambda: _tweeteval("irony", "val"),
    "sst2_train": lambda: _sst2("train"),
    "sst2_hold": lambda: _sst2("hold"),
    "tw_train": lambda: _tweets("train"),
    "tw_hold": lambda: _tweets("hold"),
    "ge_train": lambda: _goemotions("train"),
    "ge_dev": lambda: _goemotions("dev"),
    "companycopy": _companycopy,
    "devcopy": _devcopy,
}


# the seeded samples the shipped heads were trained on (``--limit`` overrides; 0: every row)
LIMITS = {"sst2_train": 15000, "ge_train": 15000}


def load_predictor(precision: str, weights: Path | None = None) -> object:
    """The predictor as the bot serves it; ``weights``: another weights folder (a candidate),
    int8 with that folder's ``int8_calibration.safetensors`` (``python -m analyzers.models.int8
    --weights DIR``)."""
    if weights is None:
        from analyzers.serving import load_predictor_backend

        backend = load_predictor_backend(precision=precision, device="cpu")
        return backend.predictor
    from analyzers.models.int8 import convert_predictor
    from analyzers.models.predictor import load_embedded_predictor

    predictor = load_embedded_predictor(device="cpu", quantize=False, weights_dir=weights)
    if precision == "int8":
        convert_predictor(predictor, calibration=weights / "int8_calibration.safetensors")
    return predictor


def pooled_features(predictor: object, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The vectors the sentiment and safety heads read, for every text: the mean-pooled one
    and the max-pooled one (which a ``safety_max`` safety head reads too); the encoder branch's
    when the weights have one."""
    means: list[np.ndarray] = []
    maxes: list[np.ndarray] = []
    for s in range(0, len(texts), 512):
        mean, top = predictor.polar_vectors(texts[s : s + 512])  # type: ignore[attr-defined]
        means.append(mean)
        maxes.append(top)
    if not means:
        return np.zeros((0, 384), np.float32), np.zeros((0, 384), np.float32)
    return np.concatenate(means), np.concatenate(maxes)


class FrozenEncoder:
    """Another sentence encoder, read frozen, for comparing encoders (``--encoder``): a
    sentence-transformers folder on disk (e.g. all-mpnet-base-v2), its last hidden states mean-
    and max-pooled over the text's tokens, with dynamic int8 linear layers when ``precision`` is
    int8. An experiment's features; the bot serves only the shipped encoder."""

    def __init__(self, folder: Path, precision: str) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        if precision == "int8":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, torch.qint8)
        self.model = model

    def polar_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        dim = int(self.model.config.hidden_size)
        means = np.zeros((len(texts), dim), np.float32)
        maxes = np.zeros((len(texts), dim), np.float32)
        with torch.inference_mode():
            for s in range(0, len(order), 32):
                idx = order[s : s + 32]
                batch = self.tokenizer(
                    [texts[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                top = hidden.masked_fill(mask == 0, float("-inf")).max(1).values
                means[idx] = mean.numpy()
                maxes[idx] = top.numpy()
        return means, maxes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--precision", default="int8")
    ap.add_argument(
        "--limit",
        type=int,
        default=-1,
        help="a seeded sample of at most N rows a set (default: LIMITS, the shipped heads' data)",
    )
    ap.add_argument("--out", type=Path, default=OUT, help="where the feature files go")
    ap.add_argument("--weights", type=Path, help="a weights folder other than the shipped one")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument(
        "--encoder",
        type=Path,
        help="a sentence-transformers folder read frozen instead of the shipped encoder",
    )
    ap.add_argument(
        "--limits",
        default="",
        help="per-set seeded samples, NAME=N,... (over --limit and LIMITS for those sets)",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads or default_threads())
    args.out.mkdir(parents=True, exist_ok=True)
    limits = dict(LIMITS)
    explicit: set[str] = set()
    for item in filter(None, args.limits.split(",")):
        name, _, n = item.partition("=")
        if name not in SETS or not n.isdigit():
            raise SystemExit(f"--limits: {item!r} is not NAME=N with a known set")
        limits[name] = int(n)
        explicit.add(name)
    predictor: object = (
        FrozenEncoder(args.encoder, args.precision)
        if args.encoder
        else load_predictor(args.precision, args.weights)
    )
    for name in args.sets.split(","):
        path = args.out / f"{name}-{args.precision}.npz"
        rows = SETS[name]()
        limit = limits.get(name, 0) if args.limit < 0 or name in explicit else args.limit
        if limit and len(rows) > limit:
            rows = random.Random(SEED).sample(rows, limit)
        t0 = time.time()
        texts = [t for t, _ in rows]
        x, x_max = pooled_features(predictor, texts)
        y = np.array([y for _, y in rows])
        np.savez(path, x=x.astype(np.float32), x_max=x_max.astype(np.float32), y=y, text=texts)
        print(f"{name}: {len(rows)} rows in {time.time() - t0:.0f}s -> {path}", flush=True)


if __name__ == "__main__":
    main()
