"""Brand-safety labels of other models -> our four: offensive, sarcasm, disparage, scold.

The embedded safety head gives independent probabilities for ``SAFETY_LABELS``. A Hugging Face
classifier (local or hosted) gives its own labels; this module maps them, so the same policy
rules (:mod:`analyzers.policy`) run on either. Settings:

* ``BRANDBOT_SAFETY_MODEL`` — one or more models, separated by commas (offensive language and
  irony are separate public models), each in the syntax of the other ``BRANDBOT_*_MODEL``
  settings: ``hf:owner/name``, an endpoint URL, ``tei+URL``, or a local model id / folder.
* ``BRANDBOT_SAFETY_LABELS`` — ``MODEL_LABEL=target`` items separated by commas, target one of
  ``offensive``, ``sarcasm``, ``disparage``, ``scold`` or ``none`` (the label says "safe"). An
  item applies to every safety model unless its key names one: ``2:LABEL_1=sarcasm`` (the
  second model in the list) or ``hf:owner/name:LABEL_1=sarcasm`` (the model as written).

Defaults (:func:`default_label`): ``non-offensive`` / ``non_irony`` / ``not …`` / ``neutral``
mean none; labels containing offens / toxic / hate / insult / obscen / profan / threat mean
offensive; iron / sarcas mean sarcasm; ``LABEL_0`` / ``LABEL_1`` of a two-label model mean
none / the kind the model's id names (``…-offensive``, ``…-irony``, ``…toxic…``). Several labels
(or models) mapped to one target combine by their maximum, so a multi-label toxicity model's
sigmoids never add up past what any one of them says. Our labels that no model gives stay with
the embedded head (``disparage`` and ``scold`` have no public model).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

SAFETY_LABELS = ("offensive", "sarcasm", "disparage", "scold")
TARGETS = (*SAFETY_LABELS, "none")
_NONE = re.compile(r"^(?:non|not|no)[\s_\-]?|^(?:neutral|normal|none|safe|clean|ok|other)$")
_KINDS = (
    ("sarcasm", re.compile(r"iron|sarcas")),
    ("offensive", re.compile(r"offens|toxic|hate|insult|obscen|profan|threat|abus|vulgar")),
    ("disparage", re.compile(r"disparag")),
    ("scold", re.compile(r"scold|blam")),
)


def kind_of(text: str) -> str | None:
    """The safety kind a label or a model id names (``None`` when it names none)."""
    low = text.strip().lower()
    for kind, pattern in _KINDS:
        if pattern.search(low):
            return kind
    return None


def default_label(label: str, n_labels: int, model: str = "") -> str | None:
    """The default target of one model label (``none`` for "safe"; ``None``: unmapped)."""
    low = label.strip().lower()
    if _NONE.search(low):
        return "none"
    kind = kind_of(low)
    if kind is not None:
        return kind
    m = re.fullmatch(r"label_(\d+)", low)
    if m and n_labels == 2:
        return "none" if m.group(1) == "0" else kind_of(model.rsplit("/", 1)[-1])
    return None


def safety_probs(
    scores: Sequence[tuple[str, float]], overrides: Mapping[str, str], model: str = ""
) -> dict[str, float]:
    """One sentence's scores from one model -> probabilities of the targets it gives.

    Raises ``ValueError`` naming the labels that map nowhere."""
    out: dict[str, float] = {}
    unmapped = []
    for label, score in scores:
        target = overrides.get(label) or default_label(label, len(scores), model)
        if target is None:
            unmapped.append(label)
        elif target != "none":
            out[target] = max(out.get(target, 0.0), float(score))
    if unmapped:
        raise ValueError(
            f"cannot map safety labels {sorted(set(unmapped))} of {model or 'the model'} "
            "(set BRANDBOT_SAFETY_LABELS, e.g. LABEL_1=offensive,LABEL_0=none)"
        )
    return out


def merge_max(parts: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Several models' probabilities for one sentence: the maximum per target."""
    out: dict[str, float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = max(out.get(k, 0.0), v)
    return out


def split_models(raw: str | None) -> list[str]:
    """``BRANDBOT_SAFETY_MODEL`` -> its model values, in order."""
    return [x.strip() for x in (raw or "").split(",") if x.strip()]


def parse_labels(raw: str | None, models: Sequence[str]) -> list[dict[str, str]]:
    """``BRANDBOT_SAFETY_LABELS`` -> one label map per model of ``models`` (as written).

    Raises ``ValueError`` naming the first bad item."""
    maps: list[dict[str, str]] = [{} for _ in models]
    for item in re.split(r"[,;]", raw or ""):
        item = item.strip()
        if not item:
            continue
        key, sep, target = item.rpartition("=")
        key, target = key.strip(), target.strip().lower()
        if not sep or not key or not target:
            raise ValueError(f"{item!r} is not MODEL_LABEL=target")
        if target not in TARGETS:
            raise ValueError(f"{item!r}: the target must be one of {', '.join(TARGETS)}")
        which, colon, label = key.rpartition(":")
        if not colon or which.lower() in ("hf", "http", "https", "tei+http", "tei+https"):
            which, label = "", key  # no qualifier (or a model value that is not one)
        label = label.strip()
        if not label:
            raise ValueError(f"{item!r} is not MODEL_LABEL=target")
        chosen = range(len(models))
        if which:
            chosen = range(0)
            if which.isdigit() and 1 <= int(which) <= len(models):
                chosen = range(int(which) - 1, int(which))
            else:
                found = [i for i, m in enumerate(models) if which in (m, m.removeprefix("hf:"))]
                if not found:
                    raise ValueError(
                        f"{item!r}: {which!r} is not a position (1..{len(models)}) or a model "
                        "of BRANDBOT_SAFETY_MODEL"
                    )
                chosen = range(found[0], found[0] + 1)
        for i in chosen:
            maps[i][label] = target
    return maps
