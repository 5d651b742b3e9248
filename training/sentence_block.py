"""An experiment, not shipped: a sentence block (one trained transformer layer over the frozen
encoder's token states) feeding the sentiment and safety heads.

Result (docs/models.md, "Sentiment and brand safety on real copy"): better on held-out company
copy (disparage AUC 0.937 vs 0.922, scold 0.963 vs 0.924), worse on real copy (realcopy-dev
sentence AUC 0.796 vs 0.830) and no better for sentiment, at about a sixth more encoder compute,
so the shipped heads stay linear. ``--export`` would need the block wired back into
``analyzers/models/heads.py``; it is kept to reproduce the comparison.

    python -m training.token_features      # once: frozen token states (int8, as served)
    python -m training.sentence_block [--epochs 3] [--export]

The block is pre-norm with zero-initialised output projections, so before training it is the
identity and the heads start from the linear heads of ``training/sentence_heads.py`` (already in
the shipped weights). Sentiment and safety are trained together (cross-entropy / masked binary
cross-entropy: sentiment is an auxiliary task that keeps the block's vector general); the
sentiment numbers it prints are for comparison only (on realcopy-dev the block did not beat the
linear sentiment head, so ``--export`` writes the block and the safety head only). Each safety
threshold is chosen on a company-copy fold held out of training (``--holdout-fold``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from analyzers.engine import default_threads
from analyzers.models.heads import SAFETY_LABELS
from training.fitting import fit_temperature
from training.handwritten import company_flags, company_split
from training.scores import decide, ece, macro_f1, softmax
from training.sentence_heads import tweeteval_split

TOKENS = Path("training/out/tokens")


class SentenceBlock(nn.Module):
    """One pre-norm transformer layer over the encoder's token states, mean-pooled: the sentence
    vector that the safety head reads. Zero-initialised output projections make
    it the identity before training (``training/sentence_block.py``)."""

    def __init__(self, hidden: int, heads: int = 6, ffn: int = 768) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(
            hidden, heads, ffn, dropout=0.1, activation="gelu", batch_first=True, norm_first=True
        )
        nn.init.zeros_(self.layer.self_attn.out_proj.weight)
        nn.init.zeros_(self.layer.self_attn.out_proj.bias)
        nn.init.zeros_(self.layer.linear2.weight)
        nn.init.zeros_(self.layer.linear2.bias)

    def sums(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Masked sum over positions of the layer's output: (B, H); ``mask`` is True on tokens."""
        out: torch.Tensor = self.layer(hidden, src_key_padding_mask=~mask.bool())
        summed: torch.Tensor = (out * mask.unsqueeze(-1).to(out.dtype)).sum(dim=1)
        return summed

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        count = mask.sum(dim=1, keepdim=True).clamp(min=1).to(hidden.dtype)
        return self.sums(hidden, mask) / count


WEIGHTS = Path("analyzers/models/weights")
SEED = 13


class Rows:
    """Token states of one set: ``h`` (pieces, 384) fp16 and ``off`` row offsets."""

    def __init__(self, name: str) -> None:
        d = np.load(TOKENS / f"{name}.npz")
        self.h, self.off, self.y = d["h"], d["off"], d["y"]

    def __len__(self) -> int:
        return len(self.off) - 1

    def batch(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        lens = [int(self.off[r + 1] - self.off[r]) for r in rows]
        T = max(lens)
        x = np.zeros((len(rows), T, self.h.shape[1]), np.float32)
        m = np.zeros((len(rows), T), np.bool_)
        for i, (r, n) in enumerate(zip(rows, lens, strict=True)):
            x[i, :n] = self.h[self.off[r] : self.off[r] + n]
            m[i, :n] = True
        return torch.from_numpy(x), torch.from_numpy(m)


class Model(nn.Module):
    def __init__(self, sentiment: nn.Linear, safety: nn.Linear) -> None:
        super().__init__()
        self.block = SentenceBlock(384)
        self.sentiment = sentiment
        self.safety = safety

    def forward(self, x: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.block.pool(x, m)
        return self.sentiment(pooled), self.safety(pooled)


def shipped_heads() -> tuple[nn.Linear, nn.Linear]:
    from safetensors.torch import load_file

    t = load_file(str(WEIGHTS / "multitask.safetensors"))
    if "heads.safety.weight" not in t or t["heads.safety.weight"].shape[1] != 384:
        raise SystemExit(
            "the shipped safety head is not one linear layer on the mean-pooled vector (it reads "
            "[mean-pooled, max-pooled] vectors, or has a hidden layer); this experiment feeds a "
            "linear head the block's mean-pooled vector only (it compares against the mean-only "
            "heads)"
        )
    sent, safe = nn.Linear(384, 3), nn.Linear(384, len(SAFETY_LABELS))
    sent.weight.data, sent.bias.data = (
        t["heads.sentiment.weight"].float(),
        t["heads.sentiment.bias"].float(),
    )
    safe.weight.data, safe.bias.data = (
        t["heads.safety.weight"].float(),
        t["heads.safety.bias"].float(),
    )
    return sent, safe


@torch.no_grad()
def predict(
    model: Model, rows: Rows, idx: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    idx = np.arange(len(rows)) if idx is None else idx
    outs_s, outs_f = [], []
    for s in range(0, len(idx), 256):
        x, m = rows.batch(idx[s : s + 256])
        a, b = model(x, m)
        outs_s.append(a.numpy())
        outs_f.append(b.numpy())
    return np.concatenate(outs_s), np.concatenate(outs_f)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--w-company", type=float, default=4.0)
    ap.add_argument("--holdout-fold", type=int, default=0, help="company-copy fold kept out")
    ap.add_argument("--tau", type=float, default=0.5)
    args = ap.parse_args(argv)
    torch.manual_seed(SEED)
    torch.set_num_threads(default_threads())
    rng = np.random.default_rng(SEED)
    sets = {
        n: Rows(n)
        for n in (
            "tw_train",
            "ge_train",
            "sst2_train",
            "companycopy",
            "te_sent_val",
            "te_off_train",
            "te_irony_train",
            "realcopy",
        )
    }
    flags = company_flags()
    cc_train, cc_test = company_split(len(flags), args.holdout_fold)
    te_train, te_hold = tweeteval_split()
    # (set, rows, task, weight): task "s" sentiment (label y), "o"/"i" safety column 0/1, "c" all
    plan: list[tuple[str, np.ndarray, str, float]] = [
        ("tw_train", np.arange(len(sets["tw_train"])), "s", 1.0),
        ("ge_train", np.arange(len(sets["ge_train"])), "s", 1.0),
        ("sst2_train", np.arange(len(sets["sst2_train"])), "s", 1.0),
        ("te_sent_val", te_train, "s", 3.0),
        ("companycopy", cc_train, "c", args.w_company),
        ("te_off_train", np.arange(len(sets["te_off_train"])), "o", 1.0),
        ("te_irony_train", np.arange(len(sets["te_irony_train"])), "i", 1.0),
    ]
    items = [(name, int(r), task, w) for name, rows, task, w in plan for r in rows]
    sent, safe = shipped_heads()
    model = Model(sent, safe)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    bce = nn.functional.binary_cross_entropy_with_logits
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(items))
        total = 0.0
        for s in range(0, len(order), 64):
            chunk = [items[k] for k in order[s : s + 64]]
            loss = torch.zeros(())
            by_set: dict[str, list[tuple[int, str, float]]] = {}
            for name, r, task, w in chunk:
                by_set.setdefault(name, []).append((r, task, w))
            for name, entries in by_set.items():
                rows = np.array([e[0] for e in entries])
                x, m = sets[name].batch(rows)
                ls, lf = model(x, m)
                w = torch.tensor([e[2] for e in entries])
                task = entries[0][1]
                if task in ("s", "c"):
                    y = torch.tensor(sets[name].y[rows]).long()
                    loss = loss + (nn.functional.cross_entropy(ls, y, reduction="none") * w).sum()
                if task == "c":
                    yf = torch.tensor(flags[rows])
                    loss = loss + (bce(lf, yf, reduction="none").sum(1) * w).sum()
                elif task in ("o", "i"):
                    col = 0 if task == "o" else 1
                    yf = torch.tensor(sets[name].y[rows]).float()
                    loss = loss + (bce(lf[:, col], yf, reduction="none") * w).sum()
            loss = loss / len(chunk)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
        print(f"epoch {epoch + 1}: mean loss {total / (len(order) / 64):.4f}", flush=True)

    rc = sets["realcopy"]
    ls_rc, _ = predict(model, rc)
    temp = fit_temperature(ls_rc, rc.y)
    report: dict[str, Any] = {"temperature": round(temp, 3), "tau": args.tau}
    p = softmax(ls_rc / temp)
    pred = decide(p, args.tau)
    report["realcopy"] = {
        "macro_f1": round(macro_f1(rc.y, pred), 3),
        "neutral_to_negative": round(float((pred[rc.y == 1] == 0).mean()), 3),
        "ece": round(ece(p, rc.y), 3),
    }
    te = sets["te_sent_val"]
    ls_te, _ = predict(model, te, te_hold)
    p = softmax(ls_te / temp)
    report["te_sent_val_heldout_third"] = {
        "macro_f1": round(macro_f1(te.y[te_hold], decide(p, args.tau)), 3),
        "argmax_macro_f1": round(macro_f1(te.y[te_hold], p.argmax(1)), 3),
    }
    for name in ("tw_hold", "sst2_hold"):
        if (TOKENS / f"{name}.npz").is_file():
            d = Rows(name)
            ls, _ = predict(model, d)
            p = softmax(ls / temp)
            if name == "sst2_hold":
                report[name] = {"acc": round(float(((p[:, 2] > p[:, 0]) * 2 == d.y).mean()), 3)}
            else:
                report[name] = {"macro_f1": round(macro_f1(d.y, decide(p, args.tau)), 3)}
    _, lf = predict(model, sets["companycopy"], cc_test)
    pf = 1 / (1 + np.exp(-lf))
    thresholds: list[float] = []
    report["safety"] = {}
    for k, name in enumerate(SAFETY_LABELS):
        best = (0.0, 0.5)
        for t in np.linspace(0.2, 0.9, 29):
            pr = pf[:, k] >= t
            yk = flags[cc_test][:, k] == 1
            tp, fp, fn = int((pr & yk).sum()), int((pr & ~yk).sum()), int((~pr & yk).sum())
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best[0] + 1e-9:
                best = (f1, float(t))
        thresholds.append(best[1])
        report["safety"][name] = {
            "threshold": round(best[1], 3),
            "heldout_fold_f1": round(best[0], 3),
        }
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
