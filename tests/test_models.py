"""The real embedded predictor: MiniLM from the wheel + the committed adapter and heads."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from analyzers.models.predictor import (
    GOEMOTIONS_LABELS,
    NER_LABELS,
    SENTIMENT_LABELS,
    EmbeddedPredictor,
    ModelLoadError,
    load_embedded_predictor,
)
from analyzers.models.tokenize import MAX_PIECES, windows

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def predictor() -> EmbeddedPredictor:
    return load_embedded_predictor(device="cpu", quantize=False)


def ents(p: EmbeddedPredictor, text: str) -> list[tuple[str, str]]:
    (pred,) = p.predict([text])
    return [(text[e.start : e.end], e.label) for e in pred.entities]


def test_outputs_have_the_contract_shapes(predictor: EmbeddedPredictor) -> None:
    texts = ["We are thrilled to launch Nimbus.", "Honestly, it kinda works?", "Fine."]
    preds = predictor.predict(texts)
    assert len(preds) == 3
    for pred in preds:
        assert tuple(pred.sentiment) == SENTIMENT_LABELS
        assert sum(pred.sentiment.values()) == pytest.approx(1.0, abs=1e-5)
        assert tuple(pred.emotions) == GOEMOTIONS_LABELS
        assert all(0.0 <= v <= 1.0 for v in pred.emotions.values())
        assert set(pred.emotion_thresholds) == set(GOEMOTIONS_LABELS)
        assert 0.0 <= pred.formality <= 1.0
        assert pred.embedding.shape == (384,) and pred.embedding.dtype == np.float32
        assert np.linalg.norm(pred.embedding) == pytest.approx(1.0, abs=1e-5)
        assert all(e.label in NER_LABELS for e in pred.entities)
    emb = predictor.embed(texts)
    assert emb.shape == (3, 384)
    np.testing.assert_allclose(emb[1], preds[1].embedding, atol=1e-6)
    assert predictor.embed([]).shape == (0, 384)
    assert predictor.predict([]) == []
    assert predictor.version.startswith("minilm-l6-mtl")


def test_entities_with_offsets_into_the_callers_string(predictor: EmbeddedPredictor) -> None:
    found = ents(predictor, "Satya Nadella leads Microsoft in Redmond.")
    assert ("Satya Nadella", "PER") in found
    assert ("Microsoft", "ORG") in found
    assert ("Redmond", "LOC") in found
    # without the full stop the span is still found; its type is less sure (ORG, see the card)
    found = ents(predictor, "Satya Nadella leads Microsoft in Redmond")
    assert ("Satya Nadella", "PER") in found and "Redmond" in [t for t, _ in found]
    # offsets stay right with odd spacing, accents and a possessive
    text = "  Ángela   Merkel's visit to   Paris\u00a0was short."
    found = ents(predictor, text)
    assert ("Ángela   Merkel", "PER") in found
    assert ("Paris", "LOC") in found


def test_clear_sentiment(predictor: EmbeddedPredictor) -> None:
    pos, neg, neu = predictor.predict(
        [
            "This is a wonderful, delightful product and our customers love it.",
            "The update is a disaster: slow, broken and a waste of money.",
            "The meeting is scheduled for 3 pm on Tuesday in room 4.",
        ]
    )
    assert max(pos.sentiment, key=pos.sentiment.__getitem__) == "positive"
    assert max(neg.sentiment, key=neg.sentiment.__getitem__) == "negative"
    assert neu.sentiment["neutral"] > max(neu.sentiment["positive"], neu.sentiment["negative"])
    assert pos.emotions["love"] > neg.emotions["love"]
    formal, casual = predictor.predict(
        [
            "We would be grateful if you could review the attached proposal at your convenience.",
            "lol ok wanna grab pizza later?? haha",
        ]
    )
    assert formal.formality > casual.formality + 0.2


NAMES = (
    "Satya Nadella",
    "Tim Cook",
    "Angela Merkel",
    "Sundar Pichai",
    "Emma Watson",
    "Lionel Messi",
    "Barack Obama",
    "Serena Williams",
)
CITIES = ("Seattle", "Paris", "Berlin", "Tokyo", "Madrid", "Chicago", "Sydney", "Toronto")


def test_long_input_is_windowed_not_truncated(predictor: EmbeddedPredictor) -> None:
    parts = [
        f"{NAMES[i % 8]} flew to {CITIES[(i * 3) % 8]} on day {i} and praised the team ,"
        for i in range(40)
    ]
    text = " ".join(parts)  # one "sentence" of 550 word pieces: six windows
    assert len(predictor.tokenizer.encode([text])[0]) > 4 * MAX_PIECES
    (pred,) = predictor.predict([text])
    spans = {(e.start, e.end): e.label for e in pred.entities}
    pos, found_per = 0, 0
    for i, part in enumerate(parts):
        name = NAMES[i % 8]
        start = text.index(name, pos)
        assert (start, start + len(name)) in spans, f"{name} in part {i} was missed"
        found_per += spans[(start, start + len(name))] == "PER"
        pos = start + len(part)
    assert found_per >= 36  # the type is right almost everywhere, the last window included
    assert np.isfinite(pred.embedding).all()
    # windows partition the pieces and stay within the limit
    ws = windows(600)
    assert all(e - s <= MAX_PIECES for s, e, _, _ in ws)
    assert ws[0][2] == 0 and ws[-1][3] == 600
    assert all(a[3] == b[2] for a, b in itertools.pairwise(ws))


def test_odd_inputs_give_valid_outputs(predictor: EmbeddedPredictor) -> None:
    texts = ["", "   ", "😀🚀🎉", "Das Produkt ist großartig.", "这个产品很好", "x" * 5000]
    preds = predictor.predict(texts)
    assert len(preds) == len(texts)
    for pred in preds:
        assert sum(pred.sentiment.values()) == pytest.approx(1.0, abs=1e-5)
        assert np.isfinite(pred.embedding).all()
    assert preds[0].entities == () and preds[1].entities == ()
    with pytest.raises(TypeError, match="sentence 0"):
        predictor.predict([None])  # type: ignore[list-item]


def test_batching_does_not_change_results(predictor: EmbeddedPredictor) -> None:
    a = "Our new release makes onboarding twice as fast."
    alone = predictor.predict([a])[0]
    batched = predictor.predict(["Short.", a, "word " * 300])[1]
    for k in SENTIMENT_LABELS:
        assert batched.sentiment[k] == pytest.approx(alone.sentiment[k], abs=1e-4)
    np.testing.assert_allclose(batched.embedding, alone.embedding, atol=1e-4)
    # the safety head also reads the max-pooled vector: padding must never win the max
    assert batched.safety is not None and alone.safety is not None
    for k in alone.safety:
        assert batched.safety[k] == pytest.approx(alone.safety[k], abs=1e-4)


def test_safety_head_reads_the_mean_and_the_max_of_the_tokens(
    predictor: EmbeddedPredictor,
) -> None:
    import torch

    from analyzers.models.heads import Heads, max_pool
    from analyzers.models.tokenize import CLS_ID, SEP_ID

    heads = predictor.model.heads
    assert heads.cfg.safety_max and heads.safety is not None
    first = next(m for m in heads.safety.modules() if isinstance(m, torch.nn.Linear))
    assert first.in_features == 2 * heads.cfg.hidden  # a linear head or an MLP's first layer
    text = "You are still stuck with their clunky dashboard."
    (raw,) = predictor.raw([text])
    ids = torch.tensor([[CLS_ID, *predictor.tokenizer.encode([text])[0].ids, SEP_ID]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        out = predictor.model.bert(input_ids=ids, attention_mask=mask)
        # the token states the safety head reads: the encoder's branch when it has one
        hidden = (
            out.last_hidden_state if out.branch_hidden_state is None else out.branch_hidden_state
        )
        both = torch.cat([hidden.mean(1), max_pool(hidden, mask)], dim=-1)
        expected = torch.sigmoid(heads.safety(both))[0].numpy()
        without_max = torch.sigmoid(heads.safety(torch.cat([hidden.mean(1)] * 2, -1)))[0]
    assert raw.safety is not None
    np.testing.assert_allclose(raw.safety, expected, atol=1e-4)
    assert not np.allclose(raw.safety, without_max.numpy(), atol=1e-3)
    with pytest.raises(ValueError, match="max-pooled"):
        Heads(heads.cfg).sentence(hidden.mean(1), torch.zeros(1, 9))


def test_missing_weights_raise_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="model weights missing"):
        load_embedded_predictor(device="cpu", weights_dir=tmp_path)


def test_eval_command_runs_the_shipped_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    data = tmp_path / "sst.tsv"
    data.write_text(
        "sentence\tlabel\na moving , beautifully acted film \t1\na dull , lifeless mess \t0\n"
    )
    assert main(["eval", "--task", "sst2", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "accuracy  1.0000" in out and "2 examples" in out
    assert main(["eval", "--task", "sst2", "--data", str(tmp_path / "nope.tsv")]) == 2


def test_int8_agrees_with_fp32_on_clear_cases(predictor: EmbeddedPredictor) -> None:
    q = load_embedded_predictor(device="cpu", quantize=True)
    assert q.version.endswith("-int8")
    texts = [
        "This is a wonderful, delightful product and our customers love it.",
        "The update is a disaster: slow, broken and a waste of money.",
        "Satya Nadella leads Microsoft in Redmond.",
    ]
    for a, b in zip(predictor.predict(texts), q.predict(texts), strict=True):
        assert max(a.sentiment, key=a.sentiment.__getitem__) == max(
            b.sentiment, key=b.sentiment.__getitem__
        )
        assert float(a.embedding @ b.embedding) > 0.95  # measured: 0.96-0.99
    found = ents(q, texts[2])
    assert ("Satya Nadella", "PER") in found and ("Microsoft", "ORG") in found
