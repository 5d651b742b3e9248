"""The brand-safety checks on another model's probabilities (a transformers pipeline or a
hosted classifier), with the same policy and the same explanations as the embedded head.

The embedded suite always leaves each sentence's evidence on ``ModelOutput.evidence`` (its
sentiment and safety probabilities). :func:`replace_safety_findings` re-runs the policy with the
other model's probabilities for the labels that model gives (:func:`analyzers.policy.rescored`),
replaces the findings of those rules, and adds the words that drove each new finding by
occlusion against *that* model (at most ``MAX_EXPLAINED`` findings per draft, one batched call
per model; a failed call only leaves the drivers out).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from analyzers.models.attribution import POLICY_SCORES, occlusion_batch, with_drivers
from analyzers.models.base import ModelOutput
from analyzers.policy import rescored

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide
    from analyzers.types import Finding

MAX_EXPLAINED = 3  # new findings per draft whose driving words are computed
Scorer = Callable[[Sequence[str]], list[dict[str, float]]]  # sentences -> safety probabilities


@dataclass(frozen=True)
class SafetyScore:
    """A predictor-shaped row (for :func:`occlusion_batch`): safety probabilities only."""

    safety: Mapping[str, float]
    sentiment: Mapping[str, float] = field(default_factory=dict)


class _ScorerPredictor:
    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    def predict(self, sentences: Sequence[str]) -> list[SafetyScore]:
        return [SafetyScore(row) for row in self.scorer(sentences)]


def replace_safety_findings(
    out: ModelOutput,
    text: str,
    served: Sequence[Mapping[str, float]],
    guide: BrandGuide,
    scorer: Scorer | None = None,
    *,
    occlude: Callable[[Finding], str] | None = None,
) -> frozenset[str]:
    """Replace ``out``'s findings of the rules decided by ``served`` (one mapping per sentence
    of ``out.evidence``); returns those rules. ``occlude(finding)`` is the text whose words are
    removed in turn (default: the finding's sentence; the remote suite passes the redacted
    sentence, so nothing personal leaves the machine)."""
    rules, found = rescored(text, out.evidence, served, out.entities, guide)
    if scorer is not None and found:
        found = _explained(found, text, scorer, occlude)
    out.findings = [f for f in out.findings if f.rule_id not in rules] + found
    return rules


def _explained(
    found: list[Finding], text: str, scorer: Scorer, occlude: Callable[[Finding], str] | None
) -> list[Finding]:
    todo = [k for k, f in enumerate(found) if f.rule_id in POLICY_SCORES][:MAX_EXPLAINED]
    if not todo:
        return found
    requests = [
        (
            occlude(found[k]) if occlude else found[k].span.slice(text),
            POLICY_SCORES[found[k].rule_id],
        )
        for k in todo
    ]
    try:
        # score_of reads only .sentiment and .safety of a safety label's rows
        words = occlusion_batch(cast(Any, _ScorerPredictor(scorer)), requests)
    except Exception:  # the explanation is a courtesy: the finding stands without it
        return found
    out = list(found)
    for k, ws in zip(todo, words, strict=True):
        original = found[k].span.slice(text)
        kept = [w for w in ws if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", original)]
        out[k] = dataclasses.replace(found[k], message=with_drivers(found[k].message, kept))
    return out
