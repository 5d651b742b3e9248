"""The sentiment/safety branch: a copy of the encoder's top layers with an adapter of its own
(analyzers/models/bert.py ``add_branch``, the predictor's loader, training/continue_lora.py
``--branch``). The shared layers, and every head that reads them, must not notice it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from analyzers.models.bert import BertConfig, BertEncoder
from analyzers.models.lora import TARGETS

TINY = BertConfig(
    vocab_size=50, hidden_size=16, num_hidden_layers=4, num_attention_heads=2,
    intermediate_size=32, max_position_embeddings=32,
)  # fmt: skip


def _tiny() -> BertEncoder:
    torch.manual_seed(0)
    return BertEncoder(TINY).eval()


IDS = torch.tensor([[1, 5, 9, 7, 2], [1, 4, 2, 0, 0]])
MASK = (IDS != 0).long()


def _branched() -> tuple[BertEncoder, torch.Tensor]:
    """A tiny encoder's output without a branch, then the encoder with a 2-layer one added."""
    enc = _tiny()
    with torch.no_grad():
        plain = enc(IDS, MASK).last_hidden_state
    enc.add_branch(2)
    return enc, plain


def test_an_untouched_branch_computes_what_the_shared_layers_do() -> None:
    enc, plain = _branched()
    with torch.no_grad():
        out = enc(IDS, MASK)
    assert out.branch_hidden_state is not None
    assert torch.equal(out.last_hidden_state, plain)
    assert torch.allclose(out.branch_hidden_state, plain, atol=1e-6)


def test_changing_the_branch_leaves_the_shared_output_alone() -> None:
    enc, plain = _branched()
    assert enc.branch is not None
    with torch.no_grad():
        weight = enc.get_submodule(enc.branch_name("encoder.layer.3.intermediate.dense")).weight
        weight.add_(torch.randn_like(weight))
        out = enc(IDS, MASK)
    assert torch.equal(out.last_hidden_state, plain)
    assert out.branch_hidden_state is not None
    assert not torch.allclose(out.branch_hidden_state, plain, atol=1e-3)
    # the change went into the branch's copy, not the shared layer
    shared_weight = enc.encoder.layer[3].intermediate.dense.weight
    assert not torch.equal(enc.branch[1].intermediate.dense.weight, shared_weight)


def test_branch_names_and_bounds() -> None:
    enc = _tiny()
    enc.add_branch(3)
    assert enc.branch_from == 1
    assert (
        enc.branch_name("encoder.layer.1.attention.self.query") == "branch.0.attention.self.query"
    )
    assert enc.branch_name("encoder.layer.3.output.dense") == "branch.2.output.dense"
    for bad in ("encoder.layer.0.output.dense", "embeddings.word_embeddings", "layer.2.x"):
        with pytest.raises(ValueError):
            enc.branch_name(bad)
    for layers in (0, 5, -1):
        with pytest.raises(ValueError, match=r"1\.\.4"):
            _tiny().add_branch(layers)


def test_layer_of_reads_the_layer_from_a_parameter_name() -> None:
    from training.continue_lora import layer_of

    assert layer_of("bert.encoder.layer.4.attention.self.query.lora_A") == 4
    assert layer_of("encoder.layer.0.output.dense.lora_B") == 0
    assert layer_of("heads.sentiment.weight") == -1


TEXTS = [
    "We are thrilled to launch Lumen 2 today!",
    "The outage lasted three hours, and we are sorry.",
    "Maria Lopez joined Acme Corp in Berlin. " * 40,  # longer than one window
]


@pytest.fixture(scope="module")
def branch_weights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped weights without a branch (``plain``) and with a 2-layer one: ``same`` copies
    the shared adapter into it, ``moved`` nudges the branch adapter's B matrices."""
    from analyzers.models.predictor import WEIGHTS_DIR

    shipped = load_file(str(WEIGHTS_DIR / "multitask.safetensors"))
    tensors = {k: v for k, v in shipped.items() if not k.startswith("branch.")}
    meta = json.loads((WEIGHTS_DIR / "multitask.json").read_text())
    meta.pop("branch", None)
    root = tmp_path_factory.mktemp("branch")
    out = {}
    for name, nudge in (("plain", None), ("same", 0.0), ("moved", 0.02)):
        folder = root / name
        folder.mkdir()
        weights = dict(tensors)
        for k, v in tensors.items():
            top = k.startswith("lora.encoder.layer.") and int(k.split(".")[3]) >= 4
            if nudge is not None and top:
                moved = v + nudge if k.endswith("lora_B") else v.clone()
                weights[f"branch.{k[len('lora.') :]}"] = moved
        save_file(weights, str(folder / "multitask.safetensors"))
        branch = {} if nudge is None else {"branch": {"layers": 2}}
        (folder / "multitask.json").write_text(json.dumps({**meta, **branch}))
        out[name] = folder
    return out


def _same_shared_outputs(a: list, b: list) -> None:  # type: ignore[type-arg]
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.emotions, y.emotions)
        assert np.array_equal(x.embedding, y.embedding)
        assert np.array_equal(x.conll, y.conll) and np.array_equal(x.wnut, y.wnut)
        assert x.formality == y.formality


@pytest.mark.models
def test_weights_with_a_branch_load_and_only_move_sentiment_and_safety(
    branch_weights: dict[str, Path],
) -> None:
    """A branch whose adapter is the shipped one reproduces the shipped predictor; a changed
    branch adapter moves sentiment and safety only (emotions, formality, embedding, entities
    read the shared layers)."""
    from analyzers.models.predictor import load_embedded_predictor

    shipped = load_embedded_predictor(
        device="cpu", quantize=False, weights_dir=branch_weights["plain"]
    )
    same = load_embedded_predictor(device="cpu", quantize=False, weights_dir=branch_weights["same"])
    moved = load_embedded_predictor(
        device="cpu", quantize=False, weights_dir=branch_weights["moved"]
    )
    assert same.has_branch and not shipped.has_branch
    a, b, c = shipped.raw(TEXTS), same.raw(TEXTS), moved.raw(TEXTS)
    for x, y in zip(a, b, strict=True):
        assert np.allclose(x.sentiment, y.sentiment, atol=1e-5)
        assert x.safety is not None and y.safety is not None
        assert np.allclose(x.safety, y.safety, atol=1e-5)
    _same_shared_outputs(a, b)
    _same_shared_outputs(a, c)
    assert max(np.abs(x.sentiment - z.sentiment).max() for x, z in zip(a, c, strict=True)) > 1e-3
    mean, top = moved.polar_vectors(TEXTS)
    assert mean.shape == top.shape == (3, 384)
    shared_mean, _ = shipped.polar_vectors(TEXTS)
    assert not np.allclose(mean, shared_mean, atol=1e-4)


@pytest.mark.models
def test_int8_calibration_of_a_branch_keeps_the_shared_layers_bit_for_bit(
    branch_weights: dict[str, Path], shared: Path
) -> None:
    """``python -m analyzers.models.int8 --reuse`` calibrates the branch's layers only, so the
    int8 shared path (emotions, embedding, entities) is exactly the shipped int8 one."""
    from analyzers.models.int8 import (
        CALIBRATION_FILE,
        convert_predictor,
        load_calibration,
        main,
        save_calibration,
    )
    from analyzers.models.predictor import load_embedded_predictor

    shipped = load_calibration(CALIBRATION_FILE)
    assert shipped is not None
    kept = {k: v for k, v in shipped.items() if not k.startswith("branch.")}
    plain = load_embedded_predictor(
        device="cpu", quantize=False, weights_dir=branch_weights["plain"]
    )
    plain_cal = branch_weights["plain"] / "int8_calibration.safetensors"
    save_calibration(plain_cal, kept, plain.version)
    folder = branch_weights["moved"]
    cal = folder / "int8_calibration.safetensors"
    args = ["--weights", str(folder), "--out", str(cal), "--per-set", "4"]
    assert main([*args, "--reuse", str(plain_cal)]) == 0
    amax = load_calibration(cal)
    assert amax is not None
    assert all(torch.equal(amax[k], v) for k, v in kept.items())
    assert sorted(set(amax) - set(kept)) == sorted(
        f"branch.{i}.{t}" for i in (0, 1) for t in TARGETS
    )
    assert convert_predictor(plain, calibration=plain_cal) == str(plain_cal)
    moved = load_embedded_predictor(device="cpu", quantize=False, weights_dir=folder)
    assert convert_predictor(moved, calibration=cal) == str(cal)
    _same_shared_outputs(plain.raw(TEXTS), moved.raw(TEXTS))


@pytest.mark.models
def test_a_branch_without_its_adapter_is_refused(
    branch_weights: dict[str, Path], tmp_path: Path
) -> None:
    from analyzers.models.predictor import ModelLoadError, load_embedded_predictor

    out = tmp_path / "w"
    shutil.copytree(branch_weights["plain"], out)
    meta = json.loads((out / "multitask.json").read_text())
    (out / "multitask.json").write_text(json.dumps({**meta, "branch": {"layers": 2}}))
    with pytest.raises(ModelLoadError, match="branch has 0 adapters, 12 expected"):
        load_embedded_predictor(device="cpu", quantize=False, weights_dir=out)
