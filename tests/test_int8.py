"""The engine's int8 Linear: close to fp32, smoothing-invariant, calibration round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from analyzers.models.int8 import (
    Int8Linear,
    calibrate,
    int_mm_available,
    load_calibration,
    quantize_linears,
    save_calibration,
)

pytestmark = pytest.mark.skipif(not int_mm_available(), reason="torch._int_mm unavailable")


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def test_int8_linear_matches_fp32_within_quantization_error() -> None:
    torch.manual_seed(0)
    lin = nn.Linear(384, 1536)
    x = torch.randn(2, 17, 384)
    q = Int8Linear.from_linear(lin)
    with torch.inference_mode():
        y, want = q(x), lin(x)
    assert y.shape == want.shape == (2, 17, 1536)
    assert y.dtype == torch.float32
    assert rel_err(y, want) < 0.02


def test_each_token_gets_its_own_scale() -> None:
    """An outlier token must not destroy the precision of the ordinary ones (the failure of
    per-tensor dynamic quantization)."""
    torch.manual_seed(0)
    lin = nn.Linear(64, 32)
    x = torch.randn(8, 64)
    x[0] *= 1000.0  # one huge token, as BERT's [SEP] or padding rows can be
    q = Int8Linear.from_linear(lin)
    with torch.inference_mode():
        y, want = q(x), lin(x)
    assert rel_err(y[1:], want[1:]) < 0.02


def test_smoothing_moves_channel_outliers_into_the_weight() -> None:
    torch.manual_seed(0)
    lin = nn.Linear(64, 32)
    x = torch.randn(50, 64)
    x[:, 3] *= 80.0  # an outlier channel
    amax = x.abs().amax(dim=0)
    plain = Int8Linear.from_linear(lin)
    smooth = Int8Linear.from_linear(lin, amax, alpha=0.7)
    with torch.inference_mode():
        want = lin(x)
        assert rel_err(smooth(x), want) < rel_err(plain(x), want)
        assert rel_err(smooth(x), want) < 0.02


def test_calibrate_and_quantize_a_model_in_place(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 4))
    data = {s: torch.randn(3, 16) for s in ("a", "b", "c")}
    amax = calibrate(model, lambda s: model(data[s]), data)
    assert set(amax) == {"0", "2"}
    assert torch.allclose(amax["0"], torch.cat(list(data.values())).abs().amax(0))

    path = tmp_path / "cal.safetensors"
    save_calibration(path, amax, "weights-v1")
    loaded = load_calibration(path, "weights-v1")
    assert loaded is not None and torch.equal(loaded["0"], amax["0"])
    assert load_calibration(path, "weights-v2") is None  # made for other weights
    assert load_calibration(tmp_path / "missing.safetensors") is None

    x = torch.randn(5, 16)
    with torch.inference_mode():
        want = model(x)
    assert quantize_linears(model, amax) == ["0", "2"]
    assert isinstance(model[0], Int8Linear) and isinstance(model[2], Int8Linear)
    with torch.inference_mode():
        assert rel_err(model(x), want) < 0.03


def test_quantize_rejects_a_name_that_is_not_a_linear() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    with pytest.raises(TypeError, match=r"1 is ReLU, not nn\.Linear"):
        quantize_linears(model, names=["1"])


@pytest.mark.models
def test_the_committed_calibration_matches_the_committed_weights() -> None:
    """Retraining the weights without `python -m analyzers.models.int8` fails here (the engine
    would fall back to calibrating on built-in sentences, slower to start and less exact)."""
    from analyzers.models.int8 import CALIBRATION_FILE, convert_predictor
    from analyzers.models.predictor import load_embedded_predictor

    predictor = load_embedded_predictor(device="cpu", quantize=False)
    assert load_calibration(CALIBRATION_FILE, predictor.version) is not None
    assert convert_predictor(predictor) == str(CALIBRATION_FILE)
    (pred,) = predictor.predict(["We are thrilled to launch this wonderful product today!"])
    assert max(pred.sentiment, key=pred.sentiment.get) == "positive"
