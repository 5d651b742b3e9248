"""Sentiment on sentences the head never saw: the hand-written company copy, 5 folds, each
scored by a head trained without it (same recipe as ``training/sentence_heads.py``).

    python -m training.features      # once
    PYTHONPATH=. python bench/heldout_sentiment.py
    BRANDBOT_FEATS_DIR=DIR PYTHONPATH=. python bench/heldout_sentiment.py   # other features

Also prints fold 0 alone: an encoder fine-tuned by ``training/continue_lora.py`` never saw that
fold, so for such an encoder fold 0 is the only honest company-copy figure.
"""

import numpy as np

from training.sentence_heads import (
    company_split,
    decide,
    fit_linear,
    fit_temperature,
    load,
    logits_of,
    macro_f1,
    softmax,
    tweeteval_split,
)

cc = load("companycopy")
rc = load("realcopy")
srcs = {n: load(n) for n in ("sst2_train", "tw_train", "ge_train")}
te = load("te_sent_val")
te_tr, _ = tweeteval_split()
preds = np.zeros(len(cc["y"]), int)
for fold in range(5):
    tr, tst = company_split(len(cc["y"]), fold)
    xs, ys, ws = [], [], []
    for n, w in (("sst2_train", 1.0), ("tw_train", 1.0), ("ge_train", 1.0)):
        d = srcs[n]
        xs.append(d["x"])
        ys.append(d["y"])
        ws.append(np.full(len(d["y"]), w / len(d["y"]) * 10000, np.float32))
    xs += [cc["x"][tr], te["x"][te_tr]]
    ys += [cc["y"][tr], te["y"][te_tr]]
    ws += [np.full(len(tr), 2.0, np.float32), np.full(len(te_tr), 3.0, np.float32)]
    m = fit_linear(np.concatenate(xs), np.concatenate(ys), np.concatenate(ws), 3, epochs=8)
    T = fit_temperature(logits_of(m, rc["x"]), rc["y"])
    preds[tst] = decide(softmax(logits_of(m, cc["x"][tst]) / T), 0.5)
y = cc["y"]
f1, acc, neu = macro_f1(y, preds), (preds == y).mean(), (preds[y == 1] == 0).mean()
print(
    f"company copy, out-of-fold ({len(y)} sentences): macro-F1 {f1:.3f}, accuracy {acc:.3f}, "
    f"neutral->negative {neu:.3f}"
)
_, f0 = company_split(len(y), 0)
y0, p0 = y[f0], preds[f0]
print(
    f"fold 0 ({len(f0)} sentences): macro-F1 {macro_f1(y0, p0):.3f}, "
    f"accuracy {(p0 == y0).mean():.3f}, neutral->negative {(p0[y0 == 1] == 0).mean():.3f}"
)
