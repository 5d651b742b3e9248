"""Continued LoRA training (``training/continue_lora.py``) starts from the shipped model exactly
and keeps the held-out parts of its data out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from analyzers.models.predictor import WEIGHTS_DIR, load_embedded_predictor
from bench.official_int8 import tweeteval_heldout_third
from training.continue_lora import (
    company_train_rows,
    load_shipped,
    save,
    task_loss,
    tweeteval_train_rows,
)
from training.data import pack, sentence_split
from training.handwritten import company_split
from training.train import Ragged

TEXTS = [
    "We are thrilled to launch LumaBeam Pro, and our customers love it.",
    "The outage lasted two hours and some customers could not sign in.",
    "Maria Garcia flew from Paris to Berlin to meet the Acme team.",
]


def test_held_out_parts_stay_out() -> None:
    for n in (2000, 1999):
        train, held = set(tweeteval_train_rows(n)), set(tweeteval_heldout_third(n))
        assert not train & held and len(train | held) == n
        assert len(held) == n - n * 2 // 3
    n = 1436
    train = set(company_train_rows(n))
    _, fold0 = company_split(n, 0)
    assert not train & set(fold0) and len(train) + len(fold0) == n


@pytest.mark.models
def test_starts_from_the_shipped_model_and_saves_what_it_loaded(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    model, meta = load_shipped(WEIGHTS_DIR)
    model.eval()
    save(model, meta, tmp_path)
    shipped = load_embedded_predictor(device="cpu", quantize=False)
    again = load_embedded_predictor(device="cpu", quantize=False, weights_dir=tmp_path)
    a, b = shipped.raw(TEXTS), again.raw(TEXTS)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x.sentiment, y.sentiment, atol=1e-5)
        np.testing.assert_allclose(x.emotions, y.emotions, atol=1e-5)
        assert x.safety is not None and y.safety is not None
        np.testing.assert_allclose(x.safety, y.safety, atol=1e-5)
        assert (x.conll.argmax(-1) == y.conll.argmax(-1)).all()
    # the unmerged adapter in training gives the merged model's sentiment (training batches
    # carry word pieces, not text: the n-gram part of the sentiment head is added here, as the
    # predictor adds it)
    arrays: dict[str, np.ndarray] = {}
    pack("t", sentence_split(shipped.tokenizer, TEXTS), 62, arrays)
    ds = Ragged(arrays, "t")
    from training.train import collate

    batch, _ = collate(ds, list(range(len(TEXTS))), tags=False)
    with torch.no_grad():
        out, _ = model(batch, tokens=False)
        grams = model.heads.ngram_sentiment(TEXTS)
    logits = out.sentiment if grams is None else out.sentiment + grams
    probs = torch.softmax(logits, -1).numpy()
    np.testing.assert_allclose(probs, np.stack([x.sentiment for x in a]), atol=2e-3)


@pytest.mark.models
def test_company_loss_trains_sentiment_and_safety() -> None:
    torch.set_num_threads(1)
    model, _ = load_shipped(WEIGHTS_DIR)
    from analyzers.models.encoder import base_model_dir
    from analyzers.models.tokenize import PieceTokenizer

    tok = PieceTokenizer(base_model_dir() / "tokenizer.json")
    arrays: dict[str, np.ndarray] = {}
    flags = np.zeros((len(TEXTS), 4), np.float32)
    flags[1, 3] = 1
    pack("company", sentence_split(tok, TEXTS, y=np.array([2, 1, 1]), flags=flags), 62, arrays)
    loss = task_loss("company", model, Ragged(arrays, "company"), np.arange(len(TEXTS)))
    loss.backward()
    grads = [p.grad for n, p in model.named_parameters() if "lora_" in n]
    assert torch.isfinite(loss.detach()) and float(loss.detach()) > 0
    assert any(g is not None and float(g.abs().sum()) > 0 for g in grads)
    assert model.heads.safety is not None
    assert all(p.grad is not None for p in model.heads.safety.parameters())


SHARED_HEADS = ("heads.sentiment.", "heads.safety.")


@pytest.mark.models
def test_branch_training_moves_only_the_branch_and_its_two_heads(
    tmp_path: Path, shared: Path
) -> None:
    """``--branch 2`` grows a branch from weights without one and continues the branch of
    weights with one; either way the shared adapter and the other heads are saved as loaded."""
    import json

    from safetensors.torch import load_file, save_file

    from training.continue_lora import main

    model, meta = load_shipped(WEIGHTS_DIR)
    save(model, meta, tmp_path / "shipped")  # the shipped weights as they load
    # the same weights without a branch (whether or not the shipped ones have one)
    plain = tmp_path / "plain"
    plain.mkdir()
    start = load_file(str(tmp_path / "shipped" / "multitask.safetensors"))
    shared_only = {k: v for k, v in start.items() if not k.startswith("branch.")}
    save_file(shared_only, str(plain / "multitask.safetensors"))
    meta.pop("branch", None)
    (plain / "multitask.json").write_text(json.dumps(meta))

    def run(start: Path, out: Path, layers: str = "2") -> dict[str, torch.Tensor]:
        quick = ["--max-steps", "3", "--scale", "0.05"]
        main(["--weights", str(start), "--out", str(out), "--branch", layers, *quick])
        return load_file(str(out / "multitask.safetensors"))

    grown = run(plain, tmp_path / "grown")
    continued = run(tmp_path / "grown", tmp_path / "continued")
    for after, origin in ((grown, shared_only), (continued, grown)):
        branch = [k for k in after if k.startswith("branch.")]
        assert len(branch) == 2 * 2 * 6  # A and B of 6 Linear layers in each of 2 layers
        assert all(".layer.4." in k or ".layer.5." in k for k in branch)
        for k, v in after.items():
            if k.startswith("lora.") or (k.startswith("heads.") and not k.startswith(SHARED_HEADS)):
                assert torch.equal(v, origin[k]), k
        assert not torch.equal(after["heads.sentiment.weight"], origin["heads.sentiment.weight"])
        was = {k: origin.get(k, origin[k.replace("branch.", "lora.", 1)]) for k in branch}
        assert any(not torch.equal(after[k], was[k]) for k in branch)
    with pytest.raises(SystemExit, match="branch has 2 layers"):
        run(tmp_path / "grown", tmp_path / "x", layers="3")
