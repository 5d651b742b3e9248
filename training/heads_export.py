"""Writing the sentence heads into a weights folder (``training.sentence_heads --export``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from analyzers.models.heads import SAFETY_LABELS
from training.fitting import SentimentModel

WEIGHTS = Path("analyzers/models/weights")


def export(
    sentiment: SentimentModel,
    temperature: float,
    safety: nn.Module,
    thresholds: Sequence[float],
    report: dict[str, Any],
    weights: Path = WEIGHTS,
) -> None:
    """Write the heads into the weights in ``weights`` (the shipped ones by default) and re-stamp
    the int8 calibration there.

    The temperature is folded into the sentiment weights (``W / T``, ``b / T``) and each safety
    label's operating threshold into its output layer's bias (``b - logit(t)``), so the shipped
    model emits calibrated sentiment probabilities and safety probabilities whose decision point
    is 0.5. The safety head reads the mean- and max-pooled vectors when it has twice the
    sentiment head's inputs (the model's ``safety_max``), the mean-pooled one alone otherwise;
    it is linear, or ``fit_linear``'s one-hidden-layer MLP (the model's ``safety_hidden``).
    """
    from safetensors import safe_open
    from safetensors.torch import save_file

    tensor_path = weights / "multitask.safetensors"
    meta_path = weights / "multitask.json"
    with safe_open(str(tensor_path), framework="pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    dtype = tensors["heads.sentiment.weight"].dtype
    head = sentiment.head
    if not isinstance(head, nn.Linear):
        raise SystemExit("only a linear sentiment head can be exported (--hidden 0)")
    ngram_key = "heads.sentiment_ngrams.bag.weight"
    tensors.pop(ngram_key, None)
    with torch.no_grad():
        tensors["heads.sentiment.weight"] = (head.weight / temperature).to(dtype).contiguous()
        tensors["heads.sentiment.bias"] = (head.bias / temperature).to(dtype).contiguous()
        if sentiment.ngrams is not None:
            bag = sentiment.ngrams.bag.weight / temperature
            tensors[ngram_key] = bag.detach().to(dtype).contiguous()
        t = torch.tensor([float(np.log(v / (1 - v))) for v in thresholds])
        for key in [k for k in tensors if k.startswith("heads.safety.")]:
            del tensors[key]  # a linear head's keys, or an MLP's
        state = dict(safety.state_dict())
        last_bias = list(state)[-1]  # the output layer's bias: each label's threshold goes in it
        state[last_bias] = state[last_bias] - t
        for name, value in state.items():
            tensors[f"heads.safety.{name}"] = value.detach().to(dtype).contiguous()
    save_file(tensors, str(tensor_path))
    meta = json.loads(meta_path.read_text())
    meta["heads"]["safety"] = len(SAFETY_LABELS)
    layers = _safety_layers(safety)
    meta["heads"]["safety_max"] = layers[0].in_features == 2 * head.in_features
    meta["heads"]["safety_hidden"] = 0 if len(layers) == 1 else layers[-1].in_features
    meta["heads"]["sentiment_ngrams"] = sentiment.ngrams.buckets if sentiment.ngrams else 0
    meta["labels"]["safety"] = list(SAFETY_LABELS)
    meta["sentence_heads"] = {
        "trained_by": "training/sentence_heads.py (frozen int8 encoder features)",
        "sentiment_temperature": round(temperature, 4),
        "safety_thresholds": {
            k: round(v, 4) for k, v in zip(SAFETY_LABELS, thresholds, strict=True)
        },
        "report": report,
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    digest = hashlib.sha256(tensor_path.read_bytes()).hexdigest()[:12]
    version = f"{meta.get('name', 'multitask')}-{digest}"
    cal = weights / "int8_calibration.safetensors"
    with safe_open(str(cal), framework="pt") as f:
        amax = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
        cal_meta = dict(f.metadata() or {})
    cal_meta["version"] = version
    save_file(amax, str(cal), metadata=cal_meta)
    print(f"exported {tensor_path} ({version}); calibration re-stamped")


def _safety_layers(safety: nn.Module) -> list[nn.Linear]:
    """The Linear layers of a safety head, first to last (one for a linear head)."""
    layers = [m for m in safety.modules() if isinstance(m, nn.Linear)]
    if not layers or (not isinstance(safety, nn.Linear) and not isinstance(safety, nn.Sequential)):
        raise SystemExit("the safety head must be a Linear layer or fit_linear's MLP")
    return layers
