"""brandbot's judgements on real company copy (``realcopy-dev``), as docs/models.md reports them.

    python bench/realcopy.py [--guide examples/brand-guide.yaml] [--precision int8]
                                     [--data ../shared/data/realcopy-dev/dev.jsonl] [--json FILE]

1. **Sentence sentiment**: the embedded model on each gold sentence, labelled by the same
   decision rule the product uses (:func:`analyzers.sentiment.label_for`): accuracy,
   macro-F1, the neutral -> negative error rate, the confusion matrix.
2. **Model findings**: every paragraph is reviewed by the real reviewer (rules + the embedded
   models, on the inference engine's precision) under the guide; a model finding is one from
   the sentiment, tone or entity analyses. Reported: findings per 1,000 words on paragraphs that
   need no tone change (``tone_change_needed = no``), and which of the paragraphs that need one
   get at least one sentiment or tone finding (the recall an editor cares about).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import torch

from analyzers import Draft, Reviewer, load_guide
from analyzers.engine import default_threads
from analyzers.paths import REPO_ROOT, shared_dir
from analyzers.types import Category

LABELS = ("negative", "neutral", "positive")
MODEL_CATS = {Category.SENTIMENT.value, Category.TONE.value, Category.ENTITIES.value}
EDITOR_CATS = {Category.SENTIMENT.value, Category.TONE.value}


def macro_f1(gold: list[str], pred: list[str]) -> tuple[float, dict[str, float]]:
    per: dict[str, float] = {}
    for lab in LABELS:
        tp = sum(g == p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(p == lab != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab != p for g, p in zip(gold, pred, strict=True))
        per[lab] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return sum(per.values()) / len(per), per


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=shared_dir() / "data/realcopy-dev/dev.jsonl")
    ap.add_argument("--guide", type=Path, default=REPO_ROOT / "examples/brand-guide.yaml")
    ap.add_argument("--precision", default="int8")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--show", action="store_true", help="print every model finding")
    args = ap.parse_args(argv)
    torch.set_num_threads(default_threads())
    rows = [json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x]

    from analyzers.models.suite import EmbeddedModelSuite
    from analyzers.sentiment import label_for
    from analyzers.serving import load_predictor_backend

    predictor = load_predictor_backend(precision=args.precision, device="cpu").predictor
    gold: list[str] = []
    sents: list[str] = []
    for r in rows:
        for s in r["sentences"]:
            sents.append(r["text"][s["start"] : s["end"]])
            gold.append(s["sentiment"])
    preds = predictor.predict(sents)
    pred = [label_for(p.sentiment)[0] for p in preds]
    f1, per = macro_f1(gold, pred)
    n_neutral = sum(g == "neutral" for g in gold)
    neu_neg = sum(g == "neutral" and p == "negative" for g, p in zip(gold, pred, strict=True))
    confusion = {
        g: dict(Counter(p for gg, p in zip(gold, pred, strict=True) if gg == g)) for g in LABELS
    }

    reviewer = Reviewer(load_guide(args.guide), EmbeddedModelSuite(predictor))
    reviews = reviewer.review([Draft(text=r["text"]) for r in rows])
    words_ok = findings_ok = 0
    by_rule: Counter[str] = Counter()
    caught: dict[str, bool] = {}
    for r, rev in zip(rows, reviews, strict=True):
        model = [f for f in rev.findings if f.category in MODEL_CATS]
        if r["tone_change_needed"] == "no":
            words_ok += len(r["text"].split())
            findings_ok += len(model)
            by_rule.update(f.rule_id for f in model)
        else:
            caught[r["id"]] = any(f.category in EDITOR_CATS for f in rev.findings)
        if args.show:
            for f in model:
                print(
                    f"{r['id']} [{r['tone_change_needed']}] {f.rule_id}: {f.message[:90]}"
                    f" | {r['text'][f.span.start : f.span.end][:80]!r}"
                )
    result = {
        "sentences": len(gold),
        "sentiment_accuracy": round(
            sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold), 3
        ),
        "sentiment_macro_f1": round(f1, 3),
        "sentiment_f1_per_class": {k: round(v, 3) for k, v in per.items()},
        "neutral_called_negative": f"{neu_neg}/{n_neutral} = {neu_neg / n_neutral:.1%}",
        "confusion_gold_to_pred": confusion,
        "model_findings_per_1000_words_no_change": round(1000 * findings_ok / words_ok, 2),
        "model_findings_no_change_by_rule": dict(by_rule.most_common()),
        "tone_change_paragraphs_with_finding": f"{sum(caught.values())}/{len(caught)}",
        "tone_change_missed": sorted(k for k, v in caught.items() if not v),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
