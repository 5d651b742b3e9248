"""A minimal LoRA (low-rank adaptation) for the encoder's Linear layers.

Training wraps the targeted ``nn.Linear`` modules in :class:`LoRALinear` (base frozen, ``A``/``B``
trainable). Shipping stores only ``A`` and ``B``; loading *merges* ``W += scale * B @ A`` into a
plain ``BertModel``, so inference is an ordinary encoder pass with no adapter overhead.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

import torch
from torch import nn

# the Linear layers of every BertLayer that get an adapter
TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        self.base = base
        self.r = r
        self.scale = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.enabled = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = self.base(x)
        if self.enabled:
            y = y + (self.dropout(x) @ self.lora_A.t() @ self.lora_B.t()) * self.scale
        return y


def _target_names(encoder: nn.Module) -> list[str]:
    names = []
    for name, module in encoder.named_modules():
        in_layer = ".layer." in f".{name}" or name.startswith("branch.")  # a branch's copies too
        if isinstance(module, nn.Linear) and in_layer and any(name.endswith(t) for t in TARGETS):
            names.append(name)
    return names


def _set_module(root: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, module)


def apply_lora(encoder: nn.Module, r: int, alpha: float, dropout: float = 0.0) -> list[str]:
    """Freeze ``encoder`` and wrap its target Linear layers; returns the wrapped names."""
    for p in encoder.parameters():
        p.requires_grad_(False)
    names = _target_names(encoder)
    for name in names:
        base = encoder.get_submodule(name)
        assert isinstance(base, nn.Linear)
        _set_module(encoder, name, LoRALinear(base, r, alpha, dropout))
    return names


def lora_modules(encoder: nn.Module) -> Iterator[tuple[str, LoRALinear]]:
    for name, module in encoder.named_modules():
        if isinstance(module, LoRALinear):
            yield name, module


def set_lora_enabled(encoder: nn.Module, enabled: bool) -> None:
    for _, module in lora_modules(encoder):
        module.enabled = enabled


def lora_state(encoder: nn.Module) -> dict[str, torch.Tensor]:
    """``{name}.lora_A`` / ``{name}.lora_B`` tensors of every adapter."""
    state: dict[str, torch.Tensor] = {}
    for name, module in lora_modules(encoder):
        state[f"{name}.lora_A"] = module.lora_A.detach().cpu()
        state[f"{name}.lora_B"] = module.lora_B.detach().cpu()
    return state


def merge_lora(encoder: nn.Module, state: Mapping[str, torch.Tensor], scale: float) -> int:
    """Add ``scale * B @ A`` to each plain Linear named in ``state``; returns how many merged."""
    merged = 0
    for key, a in state.items():
        if not key.endswith(".lora_A"):
            continue
        name = key[: -len(".lora_A")]
        b = state[f"{name}.lora_B"]
        module = encoder.get_submodule(name)
        if not isinstance(module, nn.Linear):
            raise TypeError(f"{name} is not a Linear layer")
        delta = (b.float() @ a.float()) * scale
        if delta.shape != module.weight.shape:
            raise ValueError(f"{name}: adapter shape {tuple(delta.shape)} != weight shape")
        with torch.no_grad():
            module.weight.add_(delta.to(module.weight.dtype))
        merged += 1
    return merged
