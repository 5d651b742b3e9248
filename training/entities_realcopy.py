"""Entities on real company copy: typed and untyped F1 on realcopy-dev, @-mention recall on BTC.

    PYTHONPATH=$PWD .venv/bin/python -m training.entities_realcopy [--baseline] [--json]

Runs the review path (plain text → sentences → embedded model → ``analyze_entities`` under the
example guide) over ``../shared/data/realcopy-dev/dev.jsonl`` and prints, with exact-span
matching:

* typed precision / recall / F1 over PER, ORG, LOC and PRODUCT, overall (micro) and per type.
  Gold entities typed "other" (licences, formats, protocols, architectures, events …) are
  ignored: a prediction on exactly such a span counts neither way, and they are never missed.
  Predictions typed MISC, MENTION or HASHTAG are not PER/ORG/LOC/PRODUCT predictions. Guide
  labels map to the four types (guide PRODUCT → PRODUCT, BRAND and COMPETITOR → ORG);
* untyped span F1: every predicted span (any label) against every gold span ("other"
  included);
* ``Entities.UnknownProduct`` findings per 1,000 words of the set;
* on the Broad Twitter Corpus ``btc/btc.dev``: the share of gold @-mention entities found as an
  entity with exactly their span (the quirk of the corpus — "@" and the handle both tagged
  ``B-`` — is read as one entity; the tokens are joined with spaces, "@" glued to its handle).

``--baseline`` scores the embedded heads' own entities instead (the labels they emit, with
WNUT's corporation and group read as ORG), which is what the review used before the span typer.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from analyzers.entities import analyze_entities
from analyzers.guide import load_guide
from analyzers.models.base import ModelInput
from analyzers.models.datasets import read_tagged
from analyzers.models.span_typer import SpanTyper
from analyzers.models.suite import (
    EmbeddedModelSuite,
    load_default_suite,
    model_entities,
    sentence_ranges,
)
from analyzers.text import to_plain
from analyzers.types import Entity

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TYPES = ("PER", "ORG", "LOC", "PRODUCT")
LABEL_MAP = {
    "PER": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    "PRODUCT": "PRODUCT",
    "BRAND": "ORG",
    "COMPETITOR": "ORG",
    "CORPORATION": "ORG",
    "GROUP": "ORG",
}

Span = tuple[int, int]


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn}


def score(
    gold: Sequence[dict[Span, str]], pred: Sequence[Iterable[tuple[Span, str]]]
) -> dict[str, dict[str, float]]:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    utp = ufp = ufn = 0
    for g, p_iter in zip(gold, pred, strict=True):
        p = list(p_iter)
        spans = {s for s, _ in p}
        utp += len(spans & set(g))
        ufp += len(spans - set(g))
        ufn += len(set(g) - spans)
        typed = {s: LABEL_MAP[lab] for s, lab in p if lab in LABEL_MAP}
        for s, lab in typed.items():
            if g.get(s) == "other":
                continue
            if g.get(s) == lab:
                tp[lab] += 1
            else:
                fp[lab] += 1
        for s, lab in g.items():
            if lab in TYPES and typed.get(s) != lab:
                fn[lab] += 1
    out = {t: prf(tp[t], fp[t], fn[t]) for t in TYPES}
    out["typed"] = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    out["untyped"] = prf(utp, ufp, ufn)
    return out


def _inputs(texts: Sequence[str]) -> list[ModelInput]:
    out = []
    for t in texts:
        plain = to_plain(t)
        out.append(ModelInput(plain, tuple(plain.sentences())))
    return out


def run_entities(
    suite: EmbeddedModelSuite,
    texts: Sequence[str],
    baseline: bool,
    typers: Sequence[SpanTyper] | None = None,
) -> tuple[list[list[Entity]], int]:
    """Entities per text (plain = original here) and the number of UnknownProduct findings.

    ``typers``: one span typer per text (cross-validation) instead of the committed one; the
    entities then come from ``analyze_entities`` over the suite's own model entities, which is
    what ``EmbeddedModelSuite.analyze`` does.
    """
    guide = load_guide(ROOT / "examples" / "brand-guide.yaml")
    docs = _inputs(texts)
    for d, t in zip(docs, texts, strict=True):
        if d.plain.text != t:
            raise SystemExit("the plain text of a sample differs from its source: offsets break")
    if baseline or typers is not None:
        out = []
        unknown = 0
        for i, d in enumerate(docs):
            ranges = sentence_ranges(d)
            preds = suite.predictor.predict([d.plain.text[s:e] for s, e in ranges])
            ents = model_entities(d.plain.text, ranges, [p.entities for p in preds])
            if typers is not None:
                ents, findings = analyze_entities(d.plain.text, ents, guide, typer=typers[i])
                unknown += sum(f.rule_id == "Entities.UnknownProduct" for f in findings)
            out.append(ents)
        return out, unknown
    outputs = suite.analyze(docs, guide, analyses=("entities",))
    unknown = sum(f.rule_id == "Entities.UnknownProduct" for o in outputs for f in o.findings)
    return [o.entities for o in outputs], unknown


def btc_mentions(path: Path) -> tuple[list[str], list[set[Span]]]:
    texts, golds = [], []
    for sent in read_tagged(path):
        text, gold = "", set()
        words, tags = list(sent.words), list(sent.tags)
        i = 0
        while i < len(words):
            glued = words[i] == "@" and i + 1 < len(words)
            token = "@" + words[i + 1] if glued else words[i]
            start = len(text) + (1 if text else 0)
            text = f"{text} {token}" if text else token
            if glued and tags[i] != "O":
                gold.add((start, start + len(token)))
            i += 2 if glued else 1
        texts.append(text)
        golds.append(gold)
    return texts, golds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--baseline", action="store_true", help="score the heads' raw entities")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--cv-dir",
        type=Path,
        help="type each source repository's paragraphs with the typer trained without it "
        "(the fold weights written by `training.span_typer --fold-dir`)",
    )
    args = ap.parse_args()
    suite = load_default_suite(device="cpu", quantize=False)

    rows = [
        json.loads(x)
        for x in (args.data / "realcopy-dev" / "dev.jsonl").read_text().split("\n")
        if x
    ]
    texts = [r["text"] for r in rows]
    gold = [
        {(e["start"], e["end"]): e["type"] for s in r["sentences"] for e in s["entities"]}
        for r in rows
    ]
    typers = None
    if args.cv_dir is not None:
        typers = [
            SpanTyper.from_file(args.cv_dir / (r["source"]["repo"].replace("/", "__") + ".json"))
            for r in rows
        ]
    ents, unknown = run_entities(suite, texts, args.baseline, typers)
    result: dict[str, object] = score(
        gold, [[((e.span.start, e.span.end), e.label) for e in x] for x in ents]
    )
    words = sum(len(t.split()) for t in texts)
    result["unknown_product_per_1000_words"] = round(1000 * unknown / words, 2)

    btexts, bgold = btc_mentions(args.data / "btc" / "btc.dev")
    bents, _ = run_entities(suite, btexts, args.baseline)
    found = sum(
        len(g & {(e.span.start, e.span.end) for e in x}) for g, x in zip(bgold, bents, strict=True)
    )
    total = sum(len(g) for g in bgold)
    result["btc_mention_recall"] = {
        "found": found,
        "total": total,
        "recall": round(found / total, 3),
    }

    if args.json:
        print(json.dumps(result, indent=1))
        return
    label = "heads' raw entities (baseline)" if args.baseline else "review entities"
    if typers is not None:
        label += ", typer held out by source repository"
    print(f"realcopy-dev, {len(rows)} paragraphs, {words} words — {label}; exact spans")
    for k in (*TYPES, "typed", "untyped"):
        m = result[k]
        assert isinstance(m, dict)
        print(
            f"  {k:<8} P {m['p']:.3f}  R {m['r']:.3f}  F1 {m['f1']:.3f}"
            f"  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"
        )
    print(f"  Entities.UnknownProduct per 1,000 words: {result['unknown_product_per_1000_words']}")
    b = result["btc_mention_recall"]
    assert isinstance(b, dict)
    print(f"BTC dev @-mentions found: {b['found']}/{b['total']} = {b['recall']:.3f}")


if __name__ == "__main__":
    main()
