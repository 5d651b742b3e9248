"""int8 vs fp32 on the held-out task data: each task's metric and label agreement.

    python bench/quant_quality.py                 # 1000 examples per task (all formality rows)
    python bench/quant_quality.py --limit 0       # everything

Loads the fp32 predictor, scores every task, converts the same predictor's encoder to the
engine's int8 (W8A8, calibrated) in place and scores again, so both see identical inputs. Also
reports ``quantize_dynamic`` (the stock PyTorch int8) for comparison. Data: ``../shared/data``
(CoNLL-2003 valid, WNUT-17 dev, GoEmotions dev, formality validation) and the SST-2 split the
model card holds out (``training/out/heldout/sst2_heldout_ge5words.tsv``) when present.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import ROOT, machine_info


def task_files(shared: Path) -> dict[str, Path]:
    files = {
        "sst2": ROOT / "training" / "out" / "heldout" / "sst2_heldout_ge5words.tsv",
        "conll": shared / "data" / "conll2003" / "valid.txt",
        "wnut": shared / "data" / "wnut17" / "dev.conll",
        "goemotions": shared / "data" / "goemotions" / "dev.tsv",
        "formality": shared / "data" / "formality" / "pavlick" / "validation.csv",
    }
    return {k: v for k, v in files.items() if v.is_file()}


def run_task(task: str, path: Path, model: Any, limit: int) -> tuple[dict[str, Any], Any]:
    """(metrics, labels per example) for one task."""
    from analyzers.models import datasets as ds
    from analyzers.models import evaluate as ev
    from analyzers.models.heads import CONLL_TAGS, GOEMOTIONS_LABELS, WNUT_TAGS

    def cut(xs: list[Any]) -> list[Any]:
        return xs[:limit] if limit > 0 else xs

    if task == "sst2":
        rows = cut(ds.read_sst2(path))
        raws = ev._batched(model, [t for t, _ in rows])
        res = ev.score_sst2(
            [y for _, y in rows], [r.sentiment[0] for r in raws], [r.sentiment[2] for r in raws]
        )
        return res, {"sentiment3": [int(np.argmax(r.sentiment)) for r in raws]}
    if task in ("conll", "wnut"):
        sents = cut(ds.read_tagged(path))
        raws = ev._batched(model, [" ".join(s.words) for s in sents])
        tagset = CONLL_TAGS if task == "conll" else WNUT_TAGS
        pred = ev.word_tags(sents, raws, task, tagset)
        return ev.score_tagged([list(s.tags) for s in sents], pred), {"tags": pred}
    if task == "goemotions":
        ge = cut(ds.read_goemotions(path))
        raws = ev._batched(model, [t for t, _ in ge])
        probs = np.stack([r.emotions for r in raws])
        th = np.asarray([model.emotion_thresholds[k] for k in GOEMOTIONS_LABELS])
        res = ev.score_goemotions([ids for _, ids in ge], probs, list(th))
        return res, {
            "emotions": probs >= th[None, :],
            "sentiment3": [int(np.argmax(r.sentiment)) for r in raws],
        }
    fo = cut(ds.read_formality(path))
    raws = ev._batched(model, [t for t, _ in fo])
    res = ev.score_formality([y for _, y in fo], [r.formality for r in raws])
    return res, {"formal": [r.formality >= 0.5 for r in raws]}


METRIC = {
    "sst2": "accuracy",
    "conll": "f1",
    "wnut": "f1",
    "goemotions": "macro_f1",
    "formality": "spearman",
}


def agreement(ref: dict[str, Any], other: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, a in ref.items():
        b = other[key]
        if key == "tags":
            flat_a = [t for s in a for t in s]
            flat_b = [t for s in b for t in s]
            out["tags_per_word"] = float(
                np.mean([x == y for x, y in zip(flat_a, flat_b, strict=True)])
            )
            out["sentences_all_tags_equal"] = float(
                np.mean([x == y for x, y in zip(a, b, strict=True)])
            )
        elif key == "emotions":
            per_label = (a == b).mean(axis=0)
            out["emotions_min_per_label"] = float(per_label.min())
            out["emotions_all_labels"] = float((a == b).mean())
            out["emotion_sets_equal"] = float((a == b).all(axis=1).mean())
        else:
            out[key] = float(np.mean([x == y for x, y in zip(a, b, strict=True)]))
    return {k: round(v, 4) for k, v in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=1000, help="examples per task (0 = all)")
    ap.add_argument("--tasks", default="sst2,conll,wnut,goemotions,formality")
    ap.add_argument("--no-dynamic", action="store_true", help="skip the quantize_dynamic row")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import torch

    from analyzers.models.int8 import convert_predictor
    from analyzers.models.predictor import _quantize, load_embedded_predictor
    from analyzers.paths import shared_dir

    files = task_files(shared_dir())
    tasks = [t for t in args.tasks.split(",") if t in files]
    fp32 = load_embedded_predictor(device="cpu", quantize=False)
    variants: dict[str, Any] = {"fp32": fp32}
    if not args.no_dynamic:
        dyn = copy.copy(fp32)
        dyn.model = copy.deepcopy(fp32.model)
        dyn.model.bert = _quantize(dyn.model.bert)  # stock dynamic int8 of the encoder's Linears
        variants["dynamic_int8"] = dyn
    w8 = copy.copy(fp32)
    w8.model = copy.deepcopy(fp32.model)
    variants["engine_int8"] = w8
    source = convert_predictor(w8)

    report: dict[str, Any] = {
        "machine": machine_info(),
        "command": " ".join(sys.argv),
        "limit": args.limit,
        "calibration": source,
        "threads": torch.get_num_threads(),
        "tasks": {},
    }
    for task in tasks:
        row: dict[str, Any] = {"data": str(files[task])}
        labels: dict[str, Any] = {}
        for name, model in variants.items():
            t0 = time.perf_counter()
            res, labels[name] = run_task(task, files[task], model, args.limit)
            row[name] = {
                "metric": round(float(res[METRIC[task]]), 4),
                "n": res["n"],
                "seconds": round(time.perf_counter() - t0, 1),
            }
        for name in variants:
            if name != "fp32":
                row[name]["delta_points"] = round(
                    (row[name]["metric"] - row["fp32"]["metric"]) * 100, 2
                )
                row[name]["agreement"] = agreement(labels["fp32"], labels[name])
        report["tasks"][task] = row
        print(task, json.dumps(row), flush=True)
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
