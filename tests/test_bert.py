"""The plain-torch encoder (analyzers/models/bert.py) computes what transformers' BertModel does."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from analyzers.models.bert import BertEncoder, load_bert_encoder
from analyzers.models.encoder import base_model_dir, load_bert
from analyzers.models.tokenize import load_tokenizer


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    tok = load_tokenizer(str(base_model_dir()))
    enc = tok.encode(["Our new LumaSync app is here!", "A longer second sentence, with padding."])
    width = max(len(e.ids) for e in enc)
    ids = torch.zeros(len(enc), width, dtype=torch.long)
    mask = torch.zeros(len(enc), width, dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
        mask[i, : len(e.ids)] = 1
    return ids, mask


def test_matches_transformers_bert() -> None:
    transformers = pytest.importorskip("transformers")
    ids, mask = _batch()
    ours = load_bert_encoder(base_model_dir())
    theirs = transformers.BertModel.from_pretrained(
        str(base_model_dir()), local_files_only=True, add_pooling_layer=False
    ).eval()
    with torch.no_grad():
        a = ours(input_ids=ids, attention_mask=mask).last_hidden_state
        b = theirs(input_ids=ids, attention_mask=mask).last_hidden_state
    real = mask.bool()
    assert torch.allclose(a[real], b[real], atol=1e-5)
    # same module names, so LoRA targets and the int8 calibration still apply
    assert {n for n, _ in ours.named_modules()} >= {
        n for n, m in theirs.named_modules() if isinstance(m, torch.nn.Linear)
    }


def test_load_bert_uses_the_plain_encoder() -> None:
    assert isinstance(load_bert(base_model_dir()), BertEncoder)


def test_loading_the_models_does_not_import_transformers() -> None:
    code = (
        "import sys; from analyzers.models.predictor import load_embedded_predictor; "
        "load_embedded_predictor(device='cpu'); print('transformers' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip().endswith("False"), out.stdout + out.stderr
