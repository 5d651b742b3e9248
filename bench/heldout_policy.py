"""Policy findings on developer-tool copy the heads never saw, paragraph by paragraph, as an
editor meets them: the reviewer (rules + the embedded models, int8, the example guide) over each
fold of ``training/data/devcopy.tsv`` with sentiment and safety heads trained without that fold.

    PYTHONPATH=. python bench/heldout_policy.py [--safety-mean-only] [--train-without IJKL]
                                                [--rounds ABCDEFGH,IJKL] [--folds 0,1,2,3,4]
                                                [--json FILE] [--policy JSON]

A paragraph "needs a change" when one of its sentences carries a safety flag (disparage, scold,
hostile, profane, sarcasm); the others need none. Reported per round of the copy (the paragraph
groups' first letters): flagged paragraphs with at least one sentiment or tone finding (the
recall an editor cares about), and model findings (sentiment, tone, entities) per 1,000 words on
the unflagged paragraphs (the false alarms), as ``bench/realcopy.py`` counts them on
realcopy-dev. Heads: the shipped recipe (``training.sentence_heads.SHIPPED_FLAGS``), each fold
trained without that fold's paragraphs (and without one fifth of the company copy); each safety
label's operating threshold is the shipped one (a small leak: it was chosen on out-of-fold
predictions that include this fold). The encoder is the shipped one. ``--train-without IJKL``
keeps those rounds out of every fold's training (the heads before the flag round, scored on
copy they never saw).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

import analyzers.policy as policy
from analyzers import Draft, Reviewer, load_guide
from analyzers.engine import default_threads
from analyzers.models.heads import SAFETY_LABELS
from analyzers.paths import REPO_ROOT
from bench.common import print_report
from bench.realcopy import EDITOR_CATS, MODEL_CATS  # counted the same way as on realcopy-dev
from training import handwritten as C
from training import sentence_heads as H
from training.features import load_predictor
from training.fitting import fit_temperature, sentiment_logits
from training.heads_export import WEIGHTS, export


def fold_heads(args: argparse.Namespace, fold: int, out: Path, without: str = "") -> None:
    """Heads trained without ``fold`` (nor the rounds in ``without``), exported into the
    weights folder ``out``."""
    random.seed(C.SEED)
    torch.manual_seed(C.SEED)
    never = C.devcopy_rounds(without)
    sentiment = H.train_sentiment(args, held_out=fold, leave_out=never)
    cal = H.load("realcopy")
    temp = fit_temperature(sentiment_logits(sentiment, cal), cal["y"])
    company = C.company_split(len(C.company_flags()), fold)[0]
    dev = np.flatnonzero((C.devcopy_folds() != fold) & ~never)
    x, y, mask, w = H.safety_data(company, dev)
    safety = H.fit_safety(x, y, w, mask)
    shipped = json.loads((WEIGHTS / "multitask.json").read_text())["sentence_heads"]
    thresholds = [float(shipped["safety_thresholds"][k]) for k in SAFETY_LABELS]
    export(sentiment, temp, safety, thresholds, {"held_out_fold": fold}, out)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--safety-mean-only", action="store_true")
    ap.add_argument("--train-without", default="", help="rounds never trained on, e.g. IJKL")
    ap.add_argument("--rounds", default="ABCDEFGH,IJKL")
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--policy",
        type=json.loads,
        default={},
        help="a JSON object of analyzers.policy constants to use instead, e.g. "
        "'{\"NAMED_DISPARAGE_MIN\": 0.2}' (as bench/policy_sweep.py takes on realcopy-dev)",
    )
    args = ap.parse_args(argv)
    unknown = [k for k in args.policy if not (k.isupper() and hasattr(policy, k))]
    if unknown:
        raise SystemExit(f"--policy: no such constant in analyzers.policy: {', '.join(unknown)}")
    shipped = {k: getattr(policy, k) for k in args.policy}
    settings = {k: getattr(H, k) for k in H.SETTINGS}
    for k, val in args.policy.items():
        setattr(policy, k, val)
    try:
        return _measure(args)
    finally:
        for k, val in shipped.items():
            setattr(policy, k, val)
        for k, val in settings.items():
            setattr(H, k, val)


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(default_threads())
    head_args = H.shipped_recipe(*(["--safety-mean-only"] if args.safety_mean_only else []))
    rows = C.rows(C.DEVCOPY)
    folds = C.devcopy_folds()
    paragraphs: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        paragraphs[r["group"]].append(i)
    guide = load_guide(REPO_ROOT / "examples/brand-guide.yaml")
    from analyzers.models.suite import EmbeddedModelSuite

    tally: dict[str, dict[str, float]] = {
        r: {"flagged": 0, "caught": 0, "words_ok": 0, "findings_ok": 0}
        for r in args.rounds.split(",")
    }
    by_rule: dict[str, Counter[str]] = {r: Counter() for r in tally}
    for fold in (int(f) for f in args.folds.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            weights = Path(tmp) / "weights"
            shutil.copytree(WEIGHTS, weights)
            fold_heads(head_args, fold, weights, args.train_without)
            predictor = load_predictor("int8", weights)
        reviewer = Reviewer(guide, EmbeddedModelSuite(predictor))  # type: ignore[arg-type]
        todo = [
            (g, idx)
            for g, idx in paragraphs.items()
            if folds[idx[0]] == fold and any(g[0] in r for r in tally)
        ]
        reviews = reviewer.review(
            [Draft(text=" ".join(rows[i]["text"] for i in idx)) for _, idx in todo]
        )
        for (group, idx), review in zip(todo, reviews, strict=True):
            part = next(r for r in tally if group[0] in r)
            flagged = any(rows[i]["flags"] != "-" for i in idx)
            if flagged:
                tally[part]["flagged"] += 1
                tally[part]["caught"] += any(f.category in EDITOR_CATS for f in review.findings)
            else:
                model = [f for f in review.findings if f.category in MODEL_CATS]
                tally[part]["words_ok"] += sum(len(rows[i]["text"].split()) for i in idx)
                tally[part]["findings_ok"] += len(model)
                by_rule[part].update(f.rule_id for f in model)
        print(f"fold {fold}: {len(todo)} paragraphs", flush=True)
    result = {
        part: {
            "flagged_paragraphs_with_finding": f"{int(t['caught'])}/{int(t['flagged'])}"
            f" = {t['caught'] / max(t['flagged'], 1):.1%}",
            "model_findings_per_1000_words_unflagged": round(
                1000 * t["findings_ok"] / max(t["words_ok"], 1), 2
            ),
            "unflagged_findings_by_rule": dict(by_rule[part].most_common()),
        }
        for part, t in tally.items()
    }
    print_report(result, args.json)
    return result


if __name__ == "__main__":
    main()
