"""training/heads_export.py: a sentiment head with word n-grams survives export and loading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.models


def test_export_folds_the_temperature_into_both_parts(tmp_path: Path) -> None:
    from analyzers.models.predictor import load_embedded_predictor
    from training.features import pooled_features
    from training.fitting import fit_sentiment, logits_of, sentiment_logits
    from training.heads_export import WEIGHTS, export
    from training.scores import softmax

    weights = tmp_path / "weights"
    shutil.copytree(WEIGHTS, weights)
    before = load_embedded_predictor(device="cpu", quantize=False, weights_dir=weights)
    texts = [
        "We are thrilled to ship faster builds today.",
        "The outage lasted four hours and we are sorry.",
        "Version 2.1 is available from the downloads page.",
        "Thanks to everyone who tested the beta!",
    ]
    x, _ = pooled_features(before, texts)
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
