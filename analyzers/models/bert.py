"""A minimal BERT encoder in plain torch, with the module names of transformers' ``BertModel``.

Importing transformers costs 3-6 s per process on the 2-core target (bench/cli_start.py), more
than loading the weights; the encoder needs none of it. This module builds the same network
from the model folder's ``config.json`` and ``model.safetensors`` (keys, LoRA targets and int8
calibration names are unchanged: ``embeddings.*``, ``encoder.layer.N.attention.self.query``...)
and returns the same ``last_hidden_state``; ``tests/test_bert.py`` checks it against
transformers to 1e-5.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    hidden_act: str = "gelu"

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {raw.get('hidden_act')!r}")
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in raw.items() if k in names})


@dataclass
class EncoderOutput:
    last_hidden_state: torch.Tensor
    # the branch's token states (see :meth:`BertEncoder.add_branch`); None without a branch
    branch_hidden_state: torch.Tensor | None = None


class _Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = (
            self.word_embeddings(ids)
            + self.position_embeddings(positions)[None]
            + self.token_type_embeddings.weight[0]
        )
        out: torch.Tensor = self.dropout(self.LayerNorm(x))
        return out


class _SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.heads = c.num_attention_heads
        self.head_dim = c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout_p = c.attention_probs_dropout_prob

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        ctx = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=bias,
            dropout_p=self.dropout_p if self.training else 0.0,
            scale=1.0 / math.sqrt(self.head_dim),
        )
        b, _, t, _ = ctx.shape
        return ctx.transpose(1, 2).reshape(b, t, self.heads * self.head_dim)


class _DenseNorm(nn.Module):
    """``dense`` → dropout → LayerNorm(+ residual): BertSelfOutput and BertOutput."""

    def __init__(self, c: BertConfig, n_in: int) -> None:
        super().__init__()
        self.dense = nn.Linear(n_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.LayerNorm(self.dropout(self.dense(x)) + residual)
        return out


class _Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c, c.hidden_size)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.output(self.self(x, bias), x)
        return out


class _Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c, c.intermediate_size)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        a = self.attention(x, bias)
        out: torch.Tensor = self.output(self.intermediate(a), a)
        return out


class _Encoder(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        for layer in self.layer:
            x = layer(x, bias)
        return x


class BertEncoder(nn.Module):
    """``BertModel`` without the pooler: ``forward(input_ids, attention_mask)``.

    An optional *branch* (:meth:`add_branch`) is a second copy of the top layers with weights of
    its own: the pass runs the shared lower layers once, then both tops, and returns the
    branch's token states beside the shared ones.
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)
        self.branch: nn.ModuleList | None = None
        self.branch_from = config.num_hidden_layers

    def add_branch(self, layers: int) -> None:
        """Copy the top ``layers`` layers (as they are now) into the branch; its weights are
        ``branch.<i>.…`` where ``i`` counts from the branch's first layer."""
        total = len(self.encoder.layer)
        if not 0 < layers <= total:
            raise ValueError(f"a branch has 1..{total} layers, not {layers}")
        self.branch_from = total - layers
        self.branch = nn.ModuleList(
            copy.deepcopy(layer) for layer in self.encoder.layer[self.branch_from :]
        )

    def shared_name(self, name: str) -> str:
        """``branch.<i>.x`` -> the name of the shared layer it is a copy of (the inverse of
        :meth:`branch_name`), as the weights file names a branch's adapter."""
        head, index, tail = name.split(".", 2)
        if head != "branch" or not index.isdigit():
            raise ValueError(f"{name} is not in the branch")
        return f"encoder.layer.{int(index) + self.branch_from}.{tail}"

    def branch_name(self, name: str) -> str:
        """``encoder.layer.N.x`` of a layer the branch copies -> the branch copy's name."""
        prefix, _, rest = name.partition("encoder.layer.")
        index, _, tail = rest.partition(".")
        if prefix or not index.isdigit() or int(index) < self.branch_from:
            raise ValueError(f"{name} is not in a layer the branch copies")
        return f"branch.{int(index) - self.branch_from}.{tail}"

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> EncoderOutput:
        x = self.embeddings(input_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        dtype = x.dtype
        bias = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        if self.branch is None:
            return EncoderOutput(self.encoder(x, bias))
        for layer in self.encoder.layer[: self.branch_from]:
            x = layer(x, bias)
        shared = branch = x
        for layer in self.encoder.layer[self.branch_from :]:
            shared = layer(shared, bias)
        for layer in self.branch:
            branch = layer(branch, bias)
        return EncoderOutput(shared, branch)


def load_bert_encoder(model_dir: Path) -> BertEncoder:
    """The encoder in fp32 and eval mode from ``config.json`` + ``model.safetensors``.
    Raises ``OSError`` / ``ValueError`` / ``RuntimeError`` when the folder does not fit."""
    from safetensors.torch import load_file

    config = BertConfig.from_json(model_dir / "config.json")
    model = BertEncoder(config)
    tensors = load_file(str(model_dir / "model.safetensors"))
    state = {
        k.removeprefix("bert."): v.float()
        for k, v in tensors.items()
        if not k.removeprefix("bert.").startswith(("pooler.", "embeddings.position_ids"))
    }
    model.load_state_dict(state, strict=True)
    return model.eval()
