"""realcopy-dev under variants of the policy thresholds (``analyzers/policy.py``'s constants).

    PYTHONPATH=. python bench/policy_sweep.py '[{}, {"NAMED_DISPARAGE_MIN": 0.1}]'

For each variant (a JSON object of constant -> value; ``{}`` is the shipped policy) prints the
model findings per 1,000 words on the paragraphs that need no change, the tone-change paragraphs
with a sentiment or tone finding, the ones missed, and every sentiment / tone finding on
no-change copy (the false alarms an editor would see), counted as ``bench/realcopy.py`` does.
One encoder, one reviewer, int8 as the bot serves it. A variant that looks better here is
tuned on the data it is measured on: check it on copy it was not chosen on before shipping.
"""

from __future__ import annotations

import json
import sys

import torch

import analyzers.policy as policy
from analyzers import Draft, Reviewer, load_guide
from analyzers.engine import default_threads
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.paths import REPO_ROOT, shared_dir
from analyzers.serving import load_predictor_backend

MODEL_CATS = ("sentiment", "tone", "entities")
EDITOR_CATS = ("sentiment", "tone")


def main(argv: list[str]) -> None:
    torch.set_num_threads(default_threads())
    variants = json.loads(argv[0]) if argv else [{}]
    path = shared_dir() / "data/realcopy-dev/dev.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    predictor = load_predictor_backend(precision="int8", device="cpu").predictor
    reviewer = Reviewer(
        load_guide(REPO_ROOT / "examples/brand-guide.yaml"), EmbeddedModelSuite(predictor)
    )
    shipped = {k: getattr(policy, k) for v in variants for k in v}
    for variant in variants:
        for k, val in {**shipped, **variant}.items():
            setattr(policy, k, val)
        reviews = reviewer.review([Draft(text=r["text"]) for r in rows])
        words = found = 0
        caught: dict[str, bool] = {}
        alarms: list[tuple[str, str, str]] = []
        for r, rev in zip(rows, reviews, strict=True):
            if r["tone_change_needed"] == "no":
                model = [f for f in rev.findings if f.category in MODEL_CATS]
                words += len(r["text"].split())
                found += len(model)
                alarms += [
                    (r["id"], f.rule_id, f.matched[:70]) for f in model if f.category in EDITOR_CATS
                ]
            else:
                caught[r["id"]] = any(f.category in EDITOR_CATS for f in rev.findings)
        missed = sorted(k for k, v in caught.items() if not v)
        print(
            f"{json.dumps(variant)}: {1000 * found / words:.2f} model findings / 1,000 words "
            f"(no-change copy); tone-change paragraphs {sum(caught.values())}/{len(caught)}, "
            f"missed {missed}"
        )
        for a in alarms:
            print(f"    {a[0]} {a[1]}: {a[2]!r}")
    for k, val in shipped.items():
        setattr(policy, k, val)


if __name__ == "__main__":
    main(sys.argv[1:])
