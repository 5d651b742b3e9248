"""Measurements for docs/models.md: one pass vs separate passes, fp32 vs int8.

    python -m training.measure [--reps 15] [--json training/out/measure.json]

1. Time per draft (the example drafts, split into sentences, ~80 words each on average and a
   seeded 150-word draft): the shipped design runs the encoder once per sentence and feeds every
   head; the alternative runs one encoder pass per analyzer (sentiment, entities, tone), which is
   what three separately fine-tuned models of this size would cost. fp32 and int8 (dynamic
   quantization of every Linear layer).
2. int8 vs fp32 agreement on held-out data: sentiment label, emotion decisions, entity tags, and
   the change of each task's metric on the same examples.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from analyzers.models.datasets import read_goemotions, read_tagged
from analyzers.models.evaluate import evaluate
from analyzers.models.heads import GOEMOTIONS_LABELS
from analyzers.models.predictor import EmbeddedPredictor, load_embedded_predictor
from analyzers.paths import REPO_ROOT, shared_dir
from analyzers.text import split_sentences

WORDS = [
    "our",
    "new",
    "release",
    "makes",
    "onboarding",
    "faster",
    "and",
    "the",
    "team",
    "is",
    "proud",
    "of",
    "the",
    "result",
    "we",
    "think",
    "customers",
    "in",
    "Berlin",
    "and",
    "Austin",
    "will",
    "love",
    "how",
    "simple",
    "the",
    "dashboard",
    "feels",
    "today",
]


def drafts() -> list[list[str]]:
    out = []
    for path in sorted((REPO_ROOT / "examples" / "drafts").glob("*")):
        text = path.read_text()
        out.append([text[a:b] for a, b in split_sentences(text)])
    rng = np.random.default_rng(7)
    words = [WORDS[int(i)] for i in rng.integers(0, len(WORDS), 150)]
    out.append([" ".join(words[i : i + 15]).capitalize() + "." for i in range(0, 150, 15)])
    return out


def time_per_draft(p: EmbeddedPredictor, docs: Sequence[list[str]], reps: int) -> dict[int, float]:
    """Median milliseconds per draft with 1 and with 3 encoder passes over its sentences.

    The two are measured in alternation, so load from other processes hits both alike.
    """
    for d in docs:  # warm-up
        p.raw(d)
    times: dict[int, list[float]] = {1: [], 3: []}
    for _ in range(reps):
        for passes in (1, 3):
            t0 = time.perf_counter()
            for d in docs:
                for _ in range(passes):
                    p.raw(d)
            times[passes].append((time.perf_counter() - t0) / len(docs) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def agreement(fp: EmbeddedPredictor, q: EmbeddedPredictor, n: int) -> dict[str, Any]:
    data = shared_dir() / "data"
    res: dict[str, Any] = {}
    # sentence heads on GoEmotions dev texts (short, informal), entity head on CoNLL valid
    ge = read_goemotions(data / "goemotions" / "dev.tsv")[:n]
    texts = [t for t, _ in ge]
    a, b = fp.raw(texts), q.raw(texts)
    res["sentiment_label_agreement"] = float(
        np.mean([x.sentiment.argmax() == y.sentiment.argmax() for x, y in zip(a, b, strict=True)])
    )
    th = np.array([fp.emotion_thresholds[k] for k in GOEMOTIONS_LABELS])
    ea = np.stack([x.emotions for x in a]) >= th
    eb = np.stack([x.emotions for x in b]) >= th
    res["emotion_decision_agreement"] = float((ea == eb).mean())
    res["emotion_set_agreement"] = float((ea == eb).all(axis=1).mean())
    res["formality_abs_diff_mean"] = float(
        np.mean([abs(x.formality - y.formality) for x, y in zip(a, b, strict=True)])
    )
    res["embedding_cos_mean"] = float(
        np.mean([float(x.embedding @ y.embedding) for x, y in zip(a, b, strict=True)])
    )
    sents = read_tagged(data / "conll2003" / "valid.txt")[:n]
    a = fp.raw([" ".join(s.words) for s in sents])
    b = q.raw([" ".join(s.words) for s in sents])
    tags_a = np.concatenate([x.conll.argmax(1) for x in a])
    tags_b = np.concatenate([x.conll.argmax(1) for x in b])
    res["conll_piece_tag_agreement"] = float((tags_a == tags_b).mean())
    res["n"] = n
    return res


def metric_deltas(fp: EmbeddedPredictor, q: EmbeddedPredictor, limit: int) -> dict[str, Any]:
    data = shared_dir() / "data"
    files = {
        "sst2": REPO_ROOT / "training" / "out" / "heldout" / "sst2_heldout_ge5words.tsv",
        "conll": data / "conll2003" / "valid.txt",
        "wnut": data / "wnut17" / "dev.conll",
        "goemotions": data / "goemotions" / "dev.tsv",
        "formality": data / "formality" / "pavlick" / "validation.csv",
    }
    key = {
        "sst2": "accuracy",
        "conll": "f1",
        "wnut": "f1",
        "goemotions": "macro_f1",
        "formality": "spearman",
    }
    out: dict[str, Any] = {}
    for task, path in files.items():
        if not path.is_file():
            continue
        m_fp = evaluate(task, path, fp, limit)[key[task]]
        m_q = evaluate(task, path, q, limit)[key[task]]
        out[task] = {"fp32": m_fp, "int8": m_q, "delta": m_q - m_fp, "limit": limit}
        print(task, out[task], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--n", type=int, default=1000, help="examples for int8 agreement")
    ap.add_argument("--limit", type=int, default=1000, help="examples per task for deltas")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timing-only", action="store_true")
    ap.add_argument("--json", type=Path, default=Path("training/out/measure.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    fp = load_embedded_predictor(device="cpu", quantize=False)
    q = load_embedded_predictor(device="cpu", quantize=True)
    docs = drafts()
    words = [sum(len(s.split()) for s in d) for d in docs]
    res: dict[str, Any] = {
        "drafts": len(docs),
        "mean_words": statistics.mean(words),
        "mean_sentences": statistics.mean(len(d) for d in docs),
        "threads": args.threads,
    }
    for name, p in (("fp32", fp), ("int8", q)):
        for passes, ms in time_per_draft(p, docs, args.reps).items():
            res[f"ms_per_draft_{name}_{passes}pass"] = ms
            print(name, passes, ms, flush=True)
    if args.timing_only:
        print(json.dumps(res, indent=1))
        return
    res["int8_agreement"] = agreement(fp, q, args.n)
    print(res["int8_agreement"], flush=True)
    res["int8_metric_deltas"] = metric_deltas(fp, q, args.limit)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
