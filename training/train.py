"""Trains the shipped multi-task model: MiniLM + one shared LoRA adapter + every head.

    python -m training.data                       # tokenised arrays -> training/out/data.npz
    python -m training.train --out training/out/multitask
    python -m training.train --out DIR --tasks sentiment      # a single-task model (comparison)

Deterministic for a given seed and device (CPU runs are bit-reproducible; a GPU run reproduces
up to floating-point non-determinism of cuDNN/cuBLAS). Writes ``model.safetensors`` (fp16 LoRA
A/B matrices + head weights), ``model.json`` (labels, thresholds, config, held-out metrics) and
``metrics.json``. Copy the first two to ``analyzers/models/weights/`` to ship them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn
from torch.nn import functional as F

from analyzers.models.encoder import Batch, MultiTaskModel, base_model_dir, load_bert
from analyzers.models.heads import (
    CONLL_TAGS,
    GOEMOTIONS_LABELS,
    SENTIMENT_LABELS,
    WNUT_TAGS,
    HeadConfig,
    Heads,
)
from analyzers.models.lora import apply_lora, lora_state, set_lora_enabled
from analyzers.models.metrics import accuracy, entity_prf, macro_f1, spearman, tune_thresholds
from analyzers.models.tokenize import CLS_ID, PAD_ID, SEP_ID

TASK_GROUPS = {
    "sentiment": ("sst2", "tweets"),
    "emotions": ("goemotions",),
    "formality": ("formality",),
    "entities": ("conll", "wnut"),
}
ALL_TASKS = ("sst2", "tweets", "goemotions", "formality", "conll", "wnut")
TRAIN_SPLIT = {
    "sst2": "sst2_train",
    "tweets": "tw_train",
    "goemotions": "ge_train",
    "formality": "form_train",
    "conll": "conll_train",
    "wnut": "wnut_train",
}
TOKEN_TASKS = ("conll", "wnut")


@dataclass
class Config:
    tasks: tuple[str, ...] = ALL_TASKS
    epochs: int = 3
    batch: int = 64  # sentences per batch (sentence tasks)
    token_batch: int = 32  # sentences per batch (entity tasks)
    lr_lora: float = 5e-4
    lr_heads: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    r: int = 16
    alpha: float = 32.0
    lora_dropout: float = 0.05
    repeats: dict[str, int] = field(default_factory=lambda: {"wnut": 2, "formality": 4})
    loss_weights: dict[str, float] = field(
        default_factory=lambda: {"goemotions": 10.0, "formality": 5.0}
    )
    distill: float = 0.0  # weight of (1 - cos(adapted, base)) on the pooled sentence vector
    fraction: float = 1.0  # fraction of each training set used (smoke tests / quick CPU runs)
    seed: int = 13


class Ragged:
    """One split of the npz: word pieces, shapes and labels per example."""

    def __init__(self, npz: Any, name: str) -> None:
        self.name = name
        self.ids = npz[f"{name}.ids"]
        self.off = npz[f"{name}.off"]
        self.shape = npz[f"{name}.shape"]
        self.wshape = npz[f"{name}.wshape"]
        self.extra = {k.split(".", 1)[1]: npz[k] for k in npz if k.startswith(name + ".")}

    def __len__(self) -> int:
        return len(self.off) - 1

    def length(self, i: int) -> int:
        return int(self.off[i + 1] - self.off[i])

    def piece(self, arr: np.ndarray, i: int) -> np.ndarray:
        return arr[self.off[i] : self.off[i + 1]]


def collate(ds: Ragged, idx: Sequence[int], tags: bool) -> tuple[Batch, torch.Tensor | None]:
    n = len(idx)
    T = max(ds.length(i) for i in idx) + 2
    ids = np.full((n, T), PAD_ID, dtype=np.int64)
    mask = np.zeros((n, T), dtype=np.int64)
    shapes = np.zeros((n, T), dtype=np.int64)
    wshapes = np.zeros((n, T), dtype=np.int64)
    tag_arr = np.full((n, T), -100, dtype=np.int64) if tags else None
    for r, i in enumerate(idx):
        L = ds.length(i)
        ids[r, 0], ids[r, L + 1] = CLS_ID, SEP_ID
        ids[r, 1 : L + 1] = ds.piece(ds.ids, i)
        mask[r, : L + 2] = 1
        shapes[r, 1 : L + 1] = ds.piece(ds.shape, i)
        wshapes[r, 1 : L + 1] = ds.piece(ds.wshape, i)
        if tag_arr is not None:
            tag_arr[r, 1 : L + 1] = ds.piece(ds.extra["tags"], i)
    batch = Batch(*(torch.from_numpy(a) for a in (ids, mask, shapes, wshapes)))
    return batch, (torch.from_numpy(tag_arr) if tag_arr is not None else None)


def length_batches(
    lengths: np.ndarray, idx: np.ndarray, size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffle, then sort within pools of 50 batches by length (less padding), then split."""
    idx = idx[rng.permutation(len(idx))]
    out: list[np.ndarray] = []
    pool = size * 50
    for s in range(0, len(idx), pool):
        chunk = idx[s : s + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out.extend(chunk[k : k + size] for k in range(0, len(chunk), size))
    return out


def loss_for(task: str, out: Any, y: Any, tags: torch.Tensor | None, cfg: Config) -> torch.Tensor:
    w = cfg.loss_weights.get(task, 1.0)
    if task == "sst2":  # binary labels: softmax over (negative, positive) only
        return w * F.cross_entropy(out.sentiment[:, [0, 2]].float(), y)
    if task == "tweets":
        return w * F.cross_entropy(out.sentiment.float(), y)
    if task == "goemotions":
        return w * F.binary_cross_entropy_with_logits(out.emotions.float(), y)
    if task == "formality":
        return w * F.mse_loss(torch.sigmoid(out.formality.float()), y)
    assert tags is not None
    logits = out.conll if task == "conll" else out.wnut
    return w * F.cross_entropy(logits.float().flatten(0, 1), tags.flatten(), ignore_index=-100)


def labels_tensor(task: str, ds: Ragged, idx: np.ndarray) -> torch.Tensor | None:
    if task in TOKEN_TASKS:
        return None
    y = ds.extra["y"][idx]
    if task in ("sst2", "tweets"):
        return torch.from_numpy(y.astype(np.int64))
    return torch.from_numpy(y.astype(np.float32))


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(cfg: Config, device: torch.device) -> MultiTaskModel:
    bert = load_bert(base_model_dir())
    apply_lora(bert, cfg.r, cfg.alpha, cfg.lora_dropout)
    model = MultiTaskModel(bert, Heads(HeadConfig()))
    return model.to(device)


# ----------------------------------------------------------------------------------- evaluation


@torch.no_grad()
def run_split(
    model: MultiTaskModel, ds: Ragged, device: torch.device, tokens: bool, lora: bool = True
) -> dict[str, Any]:
    """Heads' outputs on every example of ``ds`` (original order)."""
    model.eval()
    set_lora_enabled(model.bert, lora)
    lengths = np.diff(ds.off)
    order = np.argsort(lengths, kind="stable")
    res: dict[str, list[Any]] = {"sent": [], "emo": [], "form": [], "pooled": [], "tags": []}
    bs = 128
    amp = device.type == "cuda"
    for s in range(0, len(order), bs):
        idx = order[s : s + bs]
        batch, _ = collate(ds, idx, tags=False)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out, pooled = model(batch.to(device), tokens=tokens)
        res["sent"].append(out.sentiment.float().cpu().numpy())
        res["emo"].append(torch.sigmoid(out.emotions.float()).cpu().numpy())
        res["form"].append(torch.sigmoid(out.formality.float()).cpu().numpy())
        res["pooled"].append(pooled.float().cpu().numpy())
        if tokens:
            for r, i in enumerate(idx):
                L = ds.length(int(i))
                res["tags"].append(
                    (
                        int(i),
                        out.conll[r, 1 : L + 1].argmax(-1).cpu().numpy(),
                        out.wnut[r, 1 : L + 1].argmax(-1).cpu().numpy(),
                    )
                )
    set_lora_enabled(model.bert, True)
    inv = np.empty(len(order), dtype=np.int64)
    inv[order] = np.arange(len(order))
    out_d: dict[str, Any] = {
        k: np.concatenate(res[k])[inv] for k in ("sent", "emo", "form", "pooled")
    }
    if tokens:
        out_d["tags"] = {i: (c, w) for i, c, w in res["tags"]}
    return out_d


def word_tags(
    ds: Ragged,
    piece_tags: dict[int, tuple[np.ndarray, np.ndarray]],
    which: int,
    tagset: Sequence[str],
) -> tuple[list[list[str]], list[list[str]]]:
    gold, pred = [], []
    for i in range(len(ds)):
        a, b = ds.extra["woff"][i], ds.extra["woff"][i + 1]
        first = ds.extra["wfirst"][a:b]
        g = [tagset[t] for t in ds.extra["wtags"][a:b]]
        pt = piece_tags[i][which]
        p = [tagset[int(pt[f])] if 0 <= f < len(pt) else "O" for f in first]
        gold.append(g)
        pred.append(p)
    return gold, pred


def crossfit_macro_f1(gold: np.ndarray, probs: np.ndarray, seed: int) -> float:
    """Thresholds tuned on one half of the dev set, applied to the other half, and vice versa."""
    rng = np.random.default_rng(seed)
    half = rng.permutation(len(gold)) < len(gold) // 2
    pred = np.zeros_like(gold, dtype=bool)
    for a, b in ((half, ~half), (~half, half)):
        th = tune_thresholds(gold[a], probs[a])
        pred[b] = probs[b] >= th
    return macro_f1(gold, pred)


def evaluate(model: MultiTaskModel, npz: Any, device: torch.device, cfg: Config) -> dict[str, Any]:
    m: dict[str, Any] = {}
    tasks = set(cfg.tasks)
    if tasks & {"sst2", "tweets"}:
        ds = Ragged(npz, "sst2_hold")
        r = run_split(model, ds, device, tokens=False)
        y = ds.extra["y"].astype(int)
        pred = (r["sent"][:, 2] > r["sent"][:, 0]).astype(int)
        long = ds.extra["nwords"] >= 5
        root = ds.extra["root"]
        m["sst2_acc_all"] = accuracy(list(y), list(pred))
        m["sst2_acc_ge5words"] = accuracy(list(y[long]), list(pred[long]))
        m["sst2_acc_sentences"] = accuracy(list(y[root]), list(pred[root]))
        m["sst2_n"] = [len(y), int(long.sum()), int(root.sum())]
        base = run_split(model, ds, device, tokens=False, lora=False)["pooled"]
        cos = (r["pooled"] * base).sum(1) / (
            np.linalg.norm(r["pooled"], axis=1) * np.linalg.norm(base, axis=1) + 1e-9
        )
        m["embedding_cos_to_base"] = float(cos[long].mean())
        ds = Ragged(npz, "tw_hold")
        r = run_split(model, ds, device, tokens=False)
        m["tweets_acc3"] = accuracy(list(ds.extra["y"].astype(int)), list(r["sent"].argmax(1)))
    if "goemotions" in tasks:
        ds = Ragged(npz, "ge_dev")
        r = run_split(model, ds, device, tokens=False)
        gold = ds.extra["y"].astype(bool)
        th = tune_thresholds(gold, r["emo"])
        m["goemotions_macro_f1_crossfit"] = crossfit_macro_f1(gold, r["emo"], cfg.seed)
        m["goemotions_macro_f1_tuned_on_dev"] = macro_f1(gold, r["emo"] >= th)
        m["goemotions_macro_f1_at_0.5"] = macro_f1(gold, r["emo"] >= 0.5)
        m["_thresholds"] = [float(t) for t in th]
    if "formality" in tasks:
        ds = Ragged(npz, "form_valid")
        r = run_split(model, ds, device, tokens=False)
        m["formality_spearman"] = spearman(list(ds.extra["y"]), list(r["form"]))
    for task, split, tagset, which in (
        ("conll", "conll_valid", CONLL_TAGS, 0),
        ("wnut", "wnut_dev", WNUT_TAGS, 1),
    ):
        if task in tasks:
            ds = Ragged(npz, split)
            r = run_split(model, ds, device, tokens=True)
            gold_t, pred_t = word_tags(ds, r["tags"], which, tagset)
            overall, per = entity_prf(gold_t, pred_t)
            m[f"{task}_f1"] = overall.f1
            m[f"{task}_per_type"] = {k: v.as_dict() for k, v in per.items()}
    return m


# -------------------------------------------------------------------------------------- training


def plan_epoch(
    cfg: Config,
    splits: dict[str, Ragged],
    train_idx: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> list[tuple[str, np.ndarray]]:
    batches: list[tuple[str, np.ndarray]] = []
    for task in cfg.tasks:
        ds = splits[task]
        size = cfg.token_batch if task in TOKEN_TASKS else cfg.batch
        for _ in range(cfg.repeats.get(task, 1)):
            batches.extend(
                (task, b) for b in length_batches(np.diff(ds.off), train_idx[task], size, rng)
            )
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def train(
    cfg: Config, data: Path, out: Path, device_name: str, deadline_s: float, do_eval: bool = True
) -> dict[str, Any]:
    t_start = time.time()
    seed_all(cfg.seed)
    device = torch.device(device_name)
    with np.load(data) as f:
        npz = {k: f[k] for k in f.files}
    splits = {t: Ragged(npz, TRAIN_SPLIT[t]) for t in cfg.tasks}
    rng = np.random.default_rng(cfg.seed)
    train_idx = {}
    for t, ds in splits.items():
        idx = np.arange(len(ds))
        if cfg.fraction < 1.0:
            idx = np.sort(rng.choice(idx, max(8, int(len(idx) * cfg.fraction)), replace=False))
        train_idx[t] = idx
    model = build_model(cfg, device)
    lora_params = [p for n, p in model.named_parameters() if "lora_" in n]
    head_params = list(model.heads.parameters())
    opt = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": cfg.lr_lora},
            {"params": head_params, "lr": cfg.lr_heads},
        ],
        weight_decay=cfg.weight_decay,
    )
    epochs = cfg.epochs
    plans = [plan_epoch(cfg, splits, train_idx, rng) for _ in range(epochs)]
    steps_per_epoch = len(plans[0])
    total = [steps_per_epoch * epochs]

    def lr_lambda(step: int) -> float:
        warm = max(1, int(cfg.warmup * total[0]))
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total[0] - step) / max(1, total[0] - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    amp = device.type == "cuda"
    n_trainable = sum(p.numel() for p in lora_params) + sum(p.numel() for p in head_params)
    print(
        f"[{out.name}] tasks={cfg.tasks} trainable={n_trainable:,} steps/epoch={steps_per_epoch}"
        f" epochs={epochs}",
        flush=True,
    )
    step = 0
    t_train = time.time()
    eval_reserve = 45.0 if device.type == "cuda" else 0.0
    stopped_early = False
    ep = -1
    while ep + 1 < epochs:
        ep += 1
        model.train()
        losses: dict[str, list[float]] = {}
        for task, idx in plans[ep]:
            ds = splits[task]
            batch, tags = collate(ds, idx, tags=task in TOKEN_TASKS)
            y = labels_tensor(task, ds, idx)
            batch = batch.to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                out_h, pooled = model(batch, tokens=task in TOKEN_TASKS)
                loss = loss_for(
                    task,
                    out_h,
                    None if y is None else y.to(device),
                    None if tags is None else tags.to(device),
                    cfg,
                )
                if cfg.distill > 0:
                    with torch.no_grad():
                        set_lora_enabled(model.bert, False)
                        base_h = model.encode(batch).float()
                        set_lora_enabled(model.bert, True)
                        m = batch.mask.unsqueeze(-1).float()
                        base = (base_h * m).sum(1) / m.sum(1)
                    loss = loss + cfg.distill * (1 - F.cosine_similarity(pooled, base)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(lora_params + head_params, 1.0)
            opt.step()
            sched.step()
            step += 1
            losses.setdefault(task, []).append(float(loss.detach()))
            if step == 60 and deadline_s > 0:
                per_step = (time.time() - t_train) / step
                budget = deadline_s - (time.time() - t_start) - eval_reserve
                fit = int((budget / per_step + step) // steps_per_epoch)
                if fit < epochs:
                    epochs = max(1, fit)
                    total[0] = steps_per_epoch * epochs
                    print(
                        f"[{out.name}] {per_step * 1000:.1f} ms/step: only {epochs} epoch(s) fit"
                        f" the deadline",
                        flush=True,
                    )
            if step % 500 == 0:
                el = time.time() - t_train
                print(
                    f"[{out.name}] step {step}/{total[0]} {el:.0f}s "
                    f"({el / step * 1000:.1f} ms/step) "
                    + " ".join(f"{k}={np.mean(v[-200:]):.3f}" for k, v in losses.items()),
                    flush=True,
                )
            if deadline_s > 0 and time.time() - t_start > deadline_s - eval_reserve:
                stopped_early = True
                print(f"[{out.name}] deadline: stopping at step {step}", flush=True)
                break
        if stopped_early:
            break
    train_s = time.time() - t_train
    metrics = evaluate(model, npz, device, cfg) if do_eval else {}
    thresholds = metrics.pop("_thresholds", [0.5] * len(GOEMOTIONS_LABELS))
    metrics.update(
        train_seconds=round(train_s, 1),
        steps=step,
        ms_per_step=round(train_s / max(1, step) * 1000, 2),
        epochs_run=epochs,
        stopped_early=stopped_early,
        device=torch.cuda.get_device_name() if amp else "cpu",
    )
    save(model, cfg, thresholds, metrics, out)
    print(
        f"[{out.name}] "
        + json.dumps({k: v for k, v in metrics.items() if not k.endswith("per_type")}),
        flush=True,
    )
    return metrics


def save(
    model: MultiTaskModel,
    cfg: Config,
    thresholds: Sequence[float],
    metrics: dict[str, Any],
    out: Path,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tensors = {f"lora.{k}": v.half().contiguous() for k, v in lora_state(model.bert).items()}
    for k, v in model.heads.state_dict().items():
        tensors[f"heads.{k}"] = v.detach().cpu().half().contiguous()
    save_file(tensors, str(out / "model.safetensors"))
    meta = {
        "format": 1,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "lora": {"r": cfg.r, "alpha": cfg.alpha, "scale": cfg.alpha / cfg.r},
        "heads": dataclasses.asdict(HeadConfig()),
        "labels": {
            "sentiment": list(SENTIMENT_LABELS),
            "goemotions": list(GOEMOTIONS_LABELS),
            "conll": list(CONLL_TAGS),
            "wnut": list(WNUT_TAGS),
        },
        "emotion_thresholds": dict(zip(GOEMOTIONS_LABELS, thresholds, strict=True)),
        "tasks": list(cfg.tasks),
        "config": dataclasses.asdict(cfg),
        "heldout_metrics": metrics,
    }
    (out / "model.json").write_text(json.dumps(meta, indent=1) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, argparse.Namespace]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("training/out/data.npz"))
    ap.add_argument("--out", type=Path, default=Path("training/out/multitask"))
    ap.add_argument(
        "--tasks", default="all", help="all, or a comma list of groups: " + ", ".join(TASK_GROUPS)
    )
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument(
        "--deadline-s",
        type=float,
        default=0.0,
        help="wall-clock budget: fewer epochs (decided after 60 steps) if needed",
    )
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--skip-eval", action="store_true", help="no held-out evaluation (timing)")
    ap.add_argument(
        "--repeat",
        action="append",
        default=[],
        help="TASK=N: pass over TASK's training set N times per epoch",
    )
    for f in dataclasses.fields(Config):
        if f.name in ("tasks", "repeats", "loss_weights"):
            continue
        ap.add_argument(
            f"--{f.name.replace('_', '-')}",
            type=type(getattr(Config(), f.name)),
            default=getattr(Config(), f.name),
        )
    args = ap.parse_args(argv)
    tasks = (
        ALL_TASKS
        if args.tasks == "all"
        else tuple(t for g in args.tasks.split(",") for t in TASK_GROUPS[g.strip()])
    )
    values = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(Config)
        if f.name not in ("tasks", "repeats", "loss_weights")
    }
    cfg = Config(tasks=tasks, **values)
    for item in args.repeat:
        task, _, n = item.partition("=")
        cfg.repeats[task] = int(n)
    return cfg, args


def main(argv: Sequence[str] | None = None) -> None:
    cfg, args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.backends.cuda.matmul.allow_tf32 = True
    train(cfg, args.data, args.out, args.device, args.deadline_s, not args.skip_eval)


if __name__ == "__main__":
    main()
