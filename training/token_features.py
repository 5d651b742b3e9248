"""Frozen token states (the encoder's last layer, int8 as served) for training the sentence block.

    python -m training.token_features [--limit N]

Writes ``training/out/tokens/<set>.npz``: ``h`` (all pieces of all texts, fp16, [CLS] and [SEP]
included, at most ``MAX_PIECES`` + 2 per text), ``off`` (row offsets), ``y``. Never committed.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch

from analyzers.engine import default_threads
from analyzers.models.encoder import Batch
from analyzers.models.tokenize import CLS_ID, PAD_ID, SEP_ID
from training.features import SEED, SETS, load_predictor

OUT = Path("training/out/tokens")
MAX_PIECES = 62  # sentences are short; longer ones keep their first 62 pieces for training
LIMITS = {"tw_train": 12000, "ge_train": 8000, "sst2_train": 8000, "te_off_train": 6000}
DEFAULT_SETS = (
    "realcopy,companycopy,te_sent_val,te_irony_train,te_off_train,tw_train,ge_train,sst2_train,"
    "sst2_hold,tw_hold,te_off_val,te_irony_val"
)


@torch.inference_mode()
def token_states(predictor: object, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    tok = predictor.tokenizer  # type: ignore[attr-defined]
    model = predictor.model  # type: ignore[attr-defined]
    encs = tok.encode(texts)
    chunks: list[np.ndarray] = []
    for s in range(0, len(encs), 64):
        part = encs[s : s + 64]
        lens = [min(len(e), MAX_PIECES) for e in part]
        T = max(lens) + 2
        ids = np.full((len(part), T), PAD_ID, np.int64)
        mask = np.zeros((len(part), T), np.int64)
        for r, (e, n) in enumerate(zip(part, lens, strict=True)):
            ids[r, 0], ids[r, n + 1] = CLS_ID, SEP_ID
            ids[r, 1 : n + 1] = e.ids[:n]
            mask[r, : n + 2] = 1
        zeros = np.zeros_like(ids)
        batch = Batch(*(torch.from_numpy(a) for a in (ids, mask, zeros, zeros)))
        hidden = model.encode(batch).float().numpy()
        for r, n in enumerate(lens):
            chunks.append(hidden[r, : n + 2].astype(np.float16))
    off = np.zeros(len(chunks) + 1, np.int64)
    off[1:] = np.cumsum([len(c) for c in chunks])
    return np.concatenate(chunks), off


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sets", default=DEFAULT_SETS)
    args = ap.parse_args()
    torch.set_num_threads(default_threads())
    OUT.mkdir(parents=True, exist_ok=True)
    predictor = load_predictor("int8")
    for name in args.sets.split(","):
        rows = SETS[name]()
        if name in LIMITS and len(rows) > LIMITS[name]:
            rows = random.Random(SEED).sample(rows, LIMITS[name])
        t0 = time.time()
        h, off = token_states(predictor, [t for t, _ in rows])
        np.savez(OUT / f"{name}.npz", h=h, off=off, y=np.array([y for _, y in rows]))
        print(f"{name}: {len(rows)} rows, {len(h)} pieces in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
