"""training.features: another encoder read frozen (``--encoder``) and per-set samples
(``--limits``), for comparing encoders on the sentence heads' data."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from analyzers.models.encoder import base_model_dir
from training import features


def test_frozen_encoder_pools_like_sentence_transformers() -> None:
    """The mean pool is sentence-transformers' own (the same direction as its normalised
    embedding), over the text's tokens only, whatever the batch's padding; the max pool is the
    largest token state, so never below the mean."""
    from sentence_transformers import SentenceTransformer

    folder = base_model_dir()
    enc = features.FrozenEncoder(folder, "fp32")
    texts = ["Short.", "A much longer sentence about our new lamp, which ships next week.", "Ok"]
    means, maxes = enc.polar_vectors(texts)
    assert means.shape == maxes.shape == (3, 384)
    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    ref = st.encode(texts, normalize_embeddings=True)
    ours = means / np.linalg.norm(means, axis=1, keepdims=True)
    assert np.allclose(ours, ref, atol=1e-4)
    assert (maxes >= means - 1e-6).all()
    alone, _ = enc.polar_vectors(texts[:1])  # no padding in a batch of one
    assert np.allclose(alone[0], means[0], atol=1e-4)


def test_limits_sample_the_named_sets(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(f"text {i}", i % 3) for i in range(50)]
    monkeypatch.setitem(features.SETS, "toy", lambda: rows)

    class Fake:
        def polar_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
            x = np.array([[float(t.split()[1])] for t in texts], np.float32)
            return x, x

    monkeypatch.setattr(features, "load_predictor", lambda *a: Fake())
    argv = ["features", "--sets", "toy", "--out", str(tmp_path), "--limits", "toy=7"]
    monkeypatch.setattr(sys, "argv", argv)
    features.main()
    d = np.load(tmp_path / "toy-int8.npz")
    assert len(d["y"]) == 7
    assert [f"text {int(v)}" for v in d["x"][:, 0]] == list(d["text"])  # rows stay whole
    monkeypatch.setattr(sys, "argv", [*argv[:-1], "nosuchset=3"])
    with pytest.raises(SystemExit, match="nosuchset=3"):
        features.main()
