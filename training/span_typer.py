"""Train the span typer (``analyzers/models/weights/span_typer.json``) and cross-validate it.

    PYTHONPATH=$PWD .venv/bin/python -m training.span_typer            # CV report + write weights
    PYTHONPATH=$PWD .venv/bin/python -m training.span_typer --cv-only  # report only

Data (read from ``../shared/data``, never copied):

* WNUT-17 ``dev.conll`` (person / location / corporation / product / group / creative-work;
  the embedded heads never trained on it) and the first 1,000 sentences of CoNLL-2003
  ``valid.txt`` (PER / ORG / LOC / MISC), tokens joined by spaces;
* ``realcopy-dev/dev.jsonl`` (PER / ORG / LOC / PRODUCT / other), weighted ``--dev-weight``.

Each text goes through the embedded predictor and :func:`analyzers.entity_spans.candidate_spans`
exactly as in a review; a candidate whose span equals a gold entity's is a training example with
that type (WNUT corporation and group → ORG, creative-work, CoNLL MISC and realcopy "other" →
MISC); candidates that match no gold span are not used (the typer types names, the span rules
decide what is a name). Public examples weigh ``--public-weight`` (0.3), realcopy-dev ones
``--dev-weight`` (10): the public sets teach people, places and organisations, realcopy-dev
teaches that company copy names mostly products. Softmax regression, full-batch Adam with L2,
fixed steps and seed: the weights are reproducible to the printed digest. ``--cache FILE`` keeps
the model's spans between runs (the predictor pass is most of the time).

Cross-validation: realcopy-dev is split by source repository (leave one repository out); each
fold trains on the public sets plus the other repositories and types the held-out one. The
report prints the typed F1 of those held-out folds and, for comparison, the in-sample F1 of
the final model (trained on everything).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from analyzers.entity_spans import candidate_spans, is_sentence_start
from analyzers.models.datasets import read_tagged
from analyzers.models.span_typer import CLASSES, FEATURES, WEIGHTS, SpanTyper, features

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GOLD_MAP = {
    "PER": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    "PRODUCT": "PRODUCT",
    "other": "MISC",
    "MISC": "MISC",
    "person": "PER",
    "location": "LOC",
    "corporation": "ORG",
    "group": "ORG",
    "product": "PRODUCT",
    "creative-work": "MISC",
}


@dataclass
class Doc:
    text: str
    sentences: list[tuple[int, int]]
    gold: dict[tuple[int, int], str]  # span -> class
    group: str  # "public" or the realcopy source repository


def tagged_docs(path: Path, limit: int | None = None) -> list[Doc]:
    docs = []
    for sent in read_tagged(path)[:limit]:
        text, offsets = "", []
        for w in sent.words:
            if text:
                text += " "
            offsets.append((len(text), len(text) + len(w)))
            text += w
        gold: dict[tuple[int, int], str] = {}
        start, kind = -1, ""
        for i, tag in enumerate([*sent.tags, "O"]):
            if kind and not (tag.startswith("I-") and tag[2:] == kind):
                gold[(offsets[start][0], offsets[i - 1][1])] = GOLD_MAP[kind]
                kind = ""
            if tag.startswith("B-") or (tag.startswith("I-") and not kind):
                start, kind = i, tag[2:]
        docs.append(Doc(text, [(0, len(text))], gold, "public"))
    return docs


def realcopy_docs(path: Path) -> list[Doc]:
    from analyzers.text import to_plain

    docs = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        gold = {
            (e["start"], e["end"]): GOLD_MAP[e["type"]]
            for s in row["sentences"]
            for e in s["entities"]
        }
        text = row["text"]
        docs.append(Doc(text, to_plain(text).sentences(), gold, row["source"]["repo"]))
    return docs


def model_spans(docs: list[Doc]) -> list[list[tuple[int, int, str, float]]]:
    from analyzers.models.predictor import load_embedded_predictor

    predictor = load_embedded_predictor(device="cpu", quantize=False)
    flat = [d.text[s:e] for d in docs for s, e in d.sentences]
    preds = []
    for i in range(0, len(flat), 256):
        preds.extend(predictor.predict(flat[i : i + 256]))
    out, k = [], 0
    for d in docs:
        spans = []
        for s, _e in d.sentences:
            spans.extend((s + t.start, s + t.end, t.label, t.score) for t in preds[k].entities)
            k += 1
        out.append(spans)
    return out


@dataclass
class Rows:
    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.int64]
    doc: npt.NDArray[np.int64]
    spans: list[tuple[int, int]]


def build_rows(docs: list[Doc], spans: list[list[tuple[int, int, str, float]]]) -> Rows:
    xs, ys, ids, where = [], [], [], []
    for i, (d, ms) in enumerate(zip(docs, spans, strict=True)):
        for c in candidate_spans(d.text, ms):
            xs.append(
                features(
                    d.text,
                    c.start,
                    c.end,
                    c.label,
                    c.score,
                    sentence_start=is_sentence_start(d.text, c.start),
                )
            )
            gold = d.gold.get((c.start, c.end))
            ys.append(-1 if gold is None else CLASSES.index(gold))
            ids.append(i)
            where.append((c.start, c.end))
    return Rows(np.stack(xs), np.asarray(ys), np.asarray(ids), where)


def train(
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.int64],
    w: npt.NDArray[np.float32],
    *,
    l2: float = 1e-3,
    steps: int = 3000,
    lr: float = 0.5,
    seed: int = 13,
) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.01, (x.shape[1], len(CLASSES))).astype(np.float64)
    X = x.astype(np.float64)
    Y = np.eye(len(CLASSES))[y]
    sw = (w / w.sum())[:, None]
    m = np.zeros_like(W)
    v = np.zeros_like(W)
    for t in range(1, steps + 1):  # Adam, full batch
        z = X @ W
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = X.T @ ((p - Y) * sw) + l2 * W
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        W -= lr * 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return W.astype(np.float32)


TYPES = ("PER", "ORG", "LOC", "PRODUCT")


def typed_f1(docs: list[Doc], preds: dict[int, dict[tuple[int, int], str]]) -> dict[str, float]:
    """Exact-span typed F1 over TYPES; predictions on gold MISC ("other") spans are ignored."""
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for i, d in preds.items():
        gold = docs[i].gold
        for span, label in d.items():
            if label not in TYPES or gold.get(span) == "MISC":
                continue
            if gold.get(span) == label:
                tp[label] += 1
            else:
                fp[label] += 1
        for span, label in gold.items():
            if label in TYPES and d.get(span) != label:
                fn[label] += 1
    out = {}
    for t in (*TYPES, "all"):
        a = sum(tp.values()) if t == "all" else tp[t]
        b = sum(fp.values()) if t == "all" else fp[t]
        c = sum(fn.values()) if t == "all" else fn[t]
        out[t] = 2 * a / (2 * a + b + c) if a + b + c else 0.0
    return out


def predictions(
    rows: Rows, W: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_]
) -> dict[int, dict[tuple[int, int], str]]:
    out: dict[int, dict[tuple[int, int], str]] = {}
    typed = SpanTyper(W, "cv").classify(rows.x[mask])
    for k, t in zip(np.flatnonzero(mask), typed, strict=True):
        out.setdefault(int(rows.doc[k]), {})[rows.spans[k]] = t.label
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--dev-weight", type=float, default=10.0)
    ap.add_argument("--public-weight", type=float, default=0.3)
    ap.add_argument("--no-dev", action="store_true", help="train on the public sets only")
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--fold-dir", type=Path, help="also write each fold's weights here")
    ap.add_argument("--show-errors", action="store_true", help="list held-out typing errors")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--cache", type=Path, help="keep the model's spans in this JSON file")
    args = ap.parse_args()

    public = tagged_docs(args.data / "wnut17" / "dev.conll")
    public += tagged_docs(args.data / "conll2003" / "valid.txt", limit=1000)
    dev = realcopy_docs(args.data / "realcopy-dev" / "dev.jsonl")
    docs = public + dev
    spans = None
    if args.cache is not None and args.cache.is_file():
        spans = [[tuple(x) for x in d] for d in json.loads(args.cache.read_text())]
    if spans is None or len(spans) != len(docs):
        spans = model_spans(docs)
        if args.cache is not None:
            args.cache.write_text(json.dumps(spans))
    rows = build_rows(docs, spans)  # type: ignore[arg-type]
    groups = np.asarray([docs[i].group for i in rows.doc])
    is_dev = groups != "public"
    weight = np.where(is_dev, 0.0 if args.no_dev else args.dev_weight, args.public_weight)
    weight = weight.astype(np.float32)
    typed = rows.y >= 0  # the typer learns from candidates whose span is a gold entity's
    dev_ids = {i for i, d in enumerate(docs) if d.group != "public"}
    dev_docs_only = {i: docs[i] for i in dev_ids}
    print(f"candidates: {len(rows.y)} ({int(is_dev.sum())} realcopy-dev)")
    print(
        "realcopy-dev candidate classes:",
        Counter(CLASSES[k] if k >= 0 else "no gold entity" for k in rows.y[is_dev]),
    )
    reachable = sum(
        1
        for i in dev_ids
        for span, lab in docs[i].gold.items()
        if lab in TYPES and any(rows.spans[k] == span for k in np.flatnonzero(rows.doc == i))
    )
    total = sum(1 for i in dev_ids for lab in docs[i].gold.values() if lab in TYPES)
    print(f"gold PER/ORG/LOC/PRODUCT entities with an exact candidate span: {reachable}/{total}")

    held: dict[int, dict[tuple[int, int], str]] = {}
    for repo in sorted(set(groups[is_dev])):
        train_mask = (groups != repo) & typed
        W = train(rows.x[train_mask], rows.y[train_mask], weight[train_mask])
        fold = predictions(rows, W, groups == repo)
        if args.fold_dir is not None:
            args.fold_dir.mkdir(parents=True, exist_ok=True)
            SpanTyper(W, f"fold-without-{repo}").to_file(
                args.fold_dir / (repo.replace("/", "__") + ".json")
            )
        held.update(fold)
        scores = typed_f1(docs, fold)
        print(f"  held out {repo:<26} typed F1 {scores['all']:.3f}")
    for i in dev_ids:
        held.setdefault(i, {})
    cv = typed_f1(docs, held)
    if args.show_errors:
        for i in sorted(dev_ids):
            d = docs[i]
            for span in sorted(set(held[i]) | set(d.gold)):
                g, p = d.gold.get(span, "-"), held[i].get(span, "-")
                if g != p:
                    print(f"    {d.text[span[0] : span[1]]!r:40} gold {g:8} pred {p}")
    W = train(rows.x[typed], rows.y[typed], weight[typed])
    full = predictions(rows, W, is_dev)
    for i in dev_ids:
        full.setdefault(i, {})
    ins = typed_f1(docs, full)
    print("typer alone, exact spans, realcopy-dev (gold 'other' ignored):")
    print("  held out by source: " + " ".join(f"{k} {v:.3f}" for k, v in cv.items()))
    print("  in-sample:          " + " ".join(f"{k} {v:.3f}" for k, v in ins.items()))
    _ = dev_docs_only
    if args.cv_only:
        return
    digest = hashlib.sha256(np.ascontiguousarray(W).tobytes()).hexdigest()[:12]
    SpanTyper(W, f"span-typer-{digest}").to_file(
        args.out,
        trained_on="wnut17/dev.conll, conll2003/valid.txt[:1000], realcopy-dev/dev.jsonl"
        + ("" if not args.no_dev else " (weight 0)"),
        dev_weight=0.0 if args.no_dev else args.dev_weight,
        cv_typed_f1={k: round(v, 4) for k, v in cv.items()},
        insample_typed_f1={k: round(v, 4) for k, v in ins.items()},
    )
    print(f"wrote {args.out} ({len(FEATURES)} features x {len(CLASSES)} classes, {digest})")


if __name__ == "__main__":
    main()
