"""training/heads_export.py: a sentiment head with word n-grams survives export and loading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.models


def _features(tmp_path: Path, texts: list[str]) -> tuple[Path, np.ndarray, np.ndarray]:
    """A copy of the shipped weights in ``tmp_path`` to export into, and the mean- and
    max-pooled vectors of ``texts`` that the shipped heads read."""
    from analyzers.models.predictor import load_embedded_predictor
    from training.features import pooled_features
    from training.heads_export import WEIGHTS

    weights = tmp_path / "weights"
    shutil.copytree(WEIGHTS, weights)
    before = load_embedded_predictor(device="cpu", quantize=False, weights_dir=weights)
    mean, top = pooled_features(before, texts)
    return weights, mean, top


def test_export_folds_the_temperature_into_both_parts(tmp_path: Path) -> None:
    from analyzers.models.predictor import load_embedded_predictor
    from training.fitting import fit_sentiment, logits_of, sentiment_logits
    from training.heads_export import export
    from training.scores import softmax

    texts = [
        "We are thrilled to ship faster builds today.",
        "The outage lasted four hours and we are sorry.",
        "Version 2.1 is available from the downloads page.",
        "Thanks to everyone who tested the beta!",
    ]
    weights, x, _ = _features(tmp_path, texts)
    model = fit_sentiment(
        x, texts, np.array([2, 0, 1, 2]), np.ones(4, np.float32),
        buckets=64, ngram_l2=1e-4, epochs=20,
    )  # fmt: skip
    assert model.ngrams is not None
    assert torch.count_nonzero(model.ngrams.bag.weight) > 0  # the n-grams learned something
    temperature = 1.7
    export(model, temperature, torch.nn.Linear(768, 4), [0.5] * 4, {}, weights)
    assert json.loads((weights / "multitask.json").read_text())["heads"]["sentiment_ngrams"] == 64

    after = load_embedded_predictor(device="cpu", quantize=False, weights_dir=weights)
    logits = sentiment_logits(model, {"x": x, "text": np.array(texts)})
    expected = softmax(logits / temperature)
    got = np.array([[p.sentiment[k] for k in ("negative", "neutral", "positive")]
                    for p in after.predict(texts)])  # fmt: skip
    np.testing.assert_allclose(got, expected, atol=2e-3)  # the weights are stored as fp16
    # without the n-gram part the same head gives other probabilities: the part is exported
    alone = softmax(logits_of(model.head, x) / temperature)
    assert np.abs(alone - got).max() > 0.01


def test_a_safety_head_with_a_hidden_layer_survives_export(tmp_path: Path) -> None:
    """``--safety-hidden``: the MLP's layers are written, each label's threshold goes into the
    output layer's bias (0.5 is the decision point after loading), and the old linear keys go."""
    from safetensors import safe_open

    from analyzers.models.predictor import load_embedded_predictor
    from training.fitting import fit_linear, fit_sentiment, logits_of
    from training.heads_export import export

    texts = [
        "Unlike the clunky tools other vendors ship, ours just works.",
        "Our CDN provider had a regional outage on Tuesday.",
        "Thanks to everyone who tested the beta!",
        "Their support team takes a week to answer an email.",
    ]
    weights, mean, top = _features(tmp_path, texts)
    x = np.concatenate([mean, top], 1)
    y = np.array([[0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]], np.float32)
    safety = fit_linear(x, y, np.ones(4, np.float32), 4, multilabel=True, hidden=8, epochs=20)
    sentiment = fit_sentiment(
        mean,
        texts,
        np.array([2, 0, 2, 0]),
        np.ones(4, np.float32),
        buckets=16,
        ngram_l2=1e-4,
        epochs=2,
    )
    thresholds = [0.3, 0.6, 0.4, 0.5]
    export(sentiment, 1.0, safety, thresholds, {}, weights)
    heads = json.loads((weights / "multitask.json").read_text())["heads"]
    assert heads["safety_hidden"] == 8 and heads["safety_max"]
    with safe_open(str(weights / "multitask.safetensors"), framework="pt") as f:
        keys = {k for k in f.keys() if k.startswith("heads.safety.")}  # noqa: SIM118
    assert keys == {f"heads.safety.{n}.{p}" for n in (0, 3) for p in ("weight", "bias")}

    after = load_embedded_predictor(device="cpu", quantize=False, weights_dir=weights)
    shift = np.log(np.array(thresholds) / (1 - np.array(thresholds)))
    expected = 1 / (1 + np.exp(-(logits_of(safety, x) - shift)))
    got = np.array([r.safety for r in after.raw(texts)])
    np.testing.assert_allclose(got, expected, atol=3e-3)  # the weights are stored as fp16
