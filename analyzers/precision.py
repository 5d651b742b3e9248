"""The models' numeric precision, resolved the same way by every entry point (the server, the
CLI without a server, the benches): thresholds were chosen on int8 outputs, and an fp32 CLI run
gave other verdicts than the server on the same draft (4 of 63 in an independent pass)."""

from __future__ import annotations

# ``BRANDBOT_PRECISION``: auto | int8 | fp32 | fp16. auto = fp16 on CUDA when present, else the
# CPU default below (int8 was measured to agree with fp32: docs/benchmarks.md).
PRECISIONS = ("auto", "int8", "fp32", "fp16")
DEFAULT_CPU_PRECISION = "int8"


def resolve_precision(value: str | None, device: str | None = None) -> tuple[str, str]:
    """(precision, device) for a setting; ``auto`` and ``device=None`` look for CUDA."""
    v = (value or "auto").strip().lower()
    if v not in PRECISIONS:
        raise ValueError(f"unknown precision {value!r}: expected one of {', '.join(PRECISIONS)}")
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() and v in ("auto", "fp16") else "cpu"
    if v == "auto":
        v = "fp16" if device.startswith("cuda") else DEFAULT_CPU_PRECISION
    if v == "int8" and not device.startswith("cpu"):
        raise ValueError("int8 runs on the CPU only: use fp16 or fp32 on CUDA")
    if v == "fp16" and not device.startswith("cuda"):
        raise ValueError("fp16 needs CUDA: use int8 or fp32 on the CPU")
    return v, device
