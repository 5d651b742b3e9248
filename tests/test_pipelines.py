"""Other model choices through transformers pipelines, on tiny random models built here.

Nothing is downloaded: the models are created from a config in a temporary folder, the Hub is
offline (HF_HUB_OFFLINE=1 from conftest) and every socket connection attempt fails the test.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from model_fakes import FakePredictor, doc, make_guide, target

from analyzers.guide import Limits, Voice
from analyzers.models.encoder import ModelLoadError
from analyzers.models.pipelines import (
    ModelSettings,
    PipelineModelSuite,
    load_models,
    map_sentiment_label,
    resolve_model,
    sentiment_mapping,
)
from analyzers.models.suite import EmbeddedModelSuite

WORDS = str.split(
    "[PAD] [UNK] [CLS] [SEP] [MASK] the a we love calm light lights brightwave acme is and "
    "##s tone of this text formal casual confident hesitant joy gratitude anger sadness fear "
    "surprise neutral maria paris terrible broken app old new . , ! ?"
)
MAX_POSITIONS = 64

GUIDE = make_guide(
    voice=Voice(formality=target(0.5, 0.5), on_voice=("We love calm light.",)),
    limits=Limits(sentiment_floor=-1.0),
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any attempt to open a network connection is recorded and fails the test."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args[:2]))
        raise OSError("network access attempted during tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == [], f"network access attempted: {attempts}"


def _tokenizer() -> object:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(WORDS)}
    tk = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tk.normalizer = normalizers.BertNormalizer(lowercase=True)
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tk.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tk.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tk,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=MAX_POSITIONS,
    )


def _save(folder: Path, model_cls: str, labels: list[str], bias: list[float] | None = None) -> Path:
    import torch
    import transformers

    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=len(WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=MAX_POSITIONS,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model = getattr(transformers, model_cls)(config)
    if bias is not None:  # a classifier that always answers the same way (sure of it)
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor(bias))
    folder.mkdir(parents=True)
    model.save_pretrained(folder)
    _tokenizer().save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {
        "sentiment": _save(
            root / "sentiment", "BertForSequenceClassification", ["NEGATIVE", "POSITIVE"]
        ),
        "entities": _save(
            root / "ner",
            "BertForTokenClassification",
            ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"],
        ),
        "tone": _save(
            root / "nli",
            "BertForSequenceClassification",
            ["contradiction", "neutral", "entailment"],
        ),
        "no-nli": _save(root / "no-nli", "BertForSequenceClassification", ["a", "b", "c"]),
        "emotion": _save(root / "emotion", "BertForSequenceClassification", ["joy", "anger"]),
        # brand-safety classifiers: one that finds nothing offensive, one that finds irony
        # everywhere (softmax of 4 vs -4: 0.9997)
        "calm": _save(
            root / "calm",
            "BertForSequenceClassification",
            ["non-offensive", "offensive"],
            bias=[4.0, -4.0],
        ),
        "ironic": _save(
            root / "ironic", "BertForSequenceClassification", ["LABEL_0", "LABEL_1"], bias=[-4, 4]
        ),
    }


def _all_pipelines(tiny: dict[str, Path]) -> ModelSettings:
    return ModelSettings(
        sentiment=str(tiny["sentiment"]),
        entities=str(tiny["entities"]),
        tone=str(tiny["tone"]),
        device="cpu",
    )


def _no_embedded() -> EmbeddedModelSuite:
    raise AssertionError("the embedded suite must not be loaded when every analysis has a model")


def test_full_pipeline_suite_structure_and_offsets(tiny: dict[str, Path]) -> None:
    suite = PipelineModelSuite(_all_pipelines(tiny), load_embedded=_no_embedded, strict=True)
    # the brand-safety checks read the embedded head, which is not loaded for them alone
    assert list(suite.load_errors) == ["safety"]
    assert "BRANDBOT_SAFETY_MODEL" in suite.load_errors["safety"]
    assert suite.name.startswith("pipelines (sentiment=")
    texts = [
        "We love calm light. Maria is in Paris with Brightwave!",
        "The old app is terrible and broken?",
        "",
    ]
    outputs = suite.analyze([doc(t) for t in texts], GUIDE)
    assert len(outputs) == 3
    for text, out in zip(texts[:2], outputs[:2], strict=True):
        assert out.sentiment is not None and out.tone is not None
        assert out.sentiment.label in {"negative", "neutral", "positive"}
        for s in out.sentiment.sentences:
            assert s.span.slice(text) and s.span.end <= len(text)
            assert sum(s.scores.values()) == pytest.approx(1.0)
            assert s.scores["neutral"] == 0.0  # a two-class model
        assert 0.0 <= out.tone.formality <= 1.0
        assert 0.0 <= out.tone.confidence <= 1.0
        assert set(out.tone.emotions) >= {"joy", "anger", "neutral"}
        assert "zero-shot" in out.skipped["voice"]
        for e in out.entities:
            assert e.span.slice(text) == e.text
            # the span typer re-reads every model span: MISC is one of its types
            assert e.label in {"PER", "ORG", "LOC", "MISC", "BRAND", "PRODUCT", "COMPETITOR"}
        for f in out.findings:
            assert f.span.slice(text) == f.matched
        assert {"models.sentiment", "models.entities", "models.tone"} <= set(out.timings)
    assert [e.text for e in outputs[0].entities if e.source == "guide"] == ["Brightwave"]
    empty = outputs[2]
    assert empty.sentiment is None and empty.tone is None
    assert "no prose" in empty.skipped["sentiment"]


def test_long_sentences_are_windowed_not_truncated(tiny: dict[str, Path]) -> None:
    suite = PipelineModelSuite(
        ModelSettings(sentiment=str(tiny["sentiment"]), entities=str(tiny["entities"])),
        embedded=EmbeddedModelSuite(FakePredictor()),
    )
    text = " ".join(["we love calm light and brightwave"] * 40) + "."  # ~200 word pieces
    (out,) = suite.analyze([doc(text, [(0, len(text))])], GUIDE)
    assert out.sentiment is not None
    windows = [s.span for s in out.sentiment.sentences]
    assert len(windows) >= 4
    tok = suite.pipes["sentiment"].tokenizer
    for span in windows:
        n = len(tok(span.slice(text), add_special_tokens=False)["input_ids"])
        assert n <= MAX_POSITIONS - 2
    # the windows cover every word, in order, with nothing dropped
    assert " ".join(w.slice(text) for w in windows) == text
    assert len([e for e in out.entities if e.source == "guide"]) == 40


def test_mixed_pipeline_and_embedded_default(tiny: dict[str, Path]) -> None:
    predictor = FakePredictor()
    suite = PipelineModelSuite(
        ModelSettings(sentiment=str(tiny["sentiment"])), embedded=EmbeddedModelSuite(predictor)
    )
    assert suite.embedded_analyses == ("entities", "tone", "safety")
    (out,) = suite.analyze([doc("Maria loves calm light. Thanks!")], GUIDE)
    assert len(predictor.calls) == 1  # entities and tone share one embedded pass
    assert out.tone is not None and out.tone.voice_match is not None  # embedded gives voice
    assert [e.text for e in out.entities] == ["Maria"]
    assert out.sentiment is not None and out.sentiment.scores["neutral"] == 0.0  # the pipeline


def test_nonexistent_local_folder_fails_clearly(tmp_path: Path, tiny: dict[str, Path]) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelLoadError, match=r"local model folder .*no-such-model does not exist"):
        PipelineModelSuite(ModelSettings(sentiment=str(missing)), strict=True)
    suite = PipelineModelSuite(
        ModelSettings(sentiment=str(missing), entities=str(missing), tone=str(tiny["tone"])),
        load_embedded=_no_embedded,
    )
    (out,) = suite.analyze([doc("Acme lights are calm.")], GUIDE)
    assert "does not exist" in out.skipped["sentiment"]
    assert "does not exist" in out.skipped["entities.model"]
    assert out.sentiment is None
    assert [f.rule_id for f in out.findings if f.category == "entities"] == [
        "Entities.Competitor"
    ]  # the gazetteer still runs without the model
    assert out.tone is not None


def test_bad_folders_and_ids(tmp_path: Path, tiny: dict[str, Path]) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match=r"has no config\.json"):
        resolve_model(str(tmp_path / "empty"))
    (tmp_path / "file.bin").write_text("x")
    with pytest.raises(ModelLoadError, match="is a file"):
        resolve_model(str(tmp_path / "file.bin"))
    with pytest.raises(ModelLoadError, match="neither an existing local folder"):
        resolve_model("not a model id!")
    assert resolve_model("distilbert/distilbert-base-uncased-finetuned-sst-2-english") == (
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        False,
    )
    assert resolve_model(str(tiny["sentiment"])) == (str(tiny["sentiment"]), True)


def test_hub_id_offline_fails_with_a_clear_message() -> None:
    with pytest.raises(ModelLoadError) as err:
        PipelineModelSuite(
            ModelSettings(sentiment="brandbot-tests/not-a-real-model"),
            strict=True,
            load_embedded=_no_embedded,
        )
    message = str(err.value)
    assert "could not load 'brandbot-tests/not-a-real-model' for sentiment" in message
    assert "needs internet" in message


def test_zero_shot_needs_an_entailment_label(tiny: dict[str, Path]) -> None:
    with pytest.raises(ModelLoadError, match="no 'entailment'"):
        PipelineModelSuite(
            ModelSettings(tone=str(tiny["no-nli"])), strict=True, load_embedded=_no_embedded
        )


def test_unmappable_sentiment_labels_fail_and_overrides_fix_them(tiny: dict[str, Path]) -> None:
    with pytest.raises(ModelLoadError, match=r"cannot map sentiment labels \['joy', 'anger'\]"):
        PipelineModelSuite(
            ModelSettings(sentiment=str(tiny["emotion"])), strict=True, load_embedded=_no_embedded
        )
    suite = PipelineModelSuite(
        ModelSettings(
            sentiment=str(tiny["emotion"]),
            sentiment_labels={"joy": "positive", "anger": "negative"},
        ),
        strict=True,
        embedded=EmbeddedModelSuite(FakePredictor()),
    )
    (out,) = suite.analyze([doc("We love calm light.")], GUIDE)
    assert out.sentiment is not None
    assert out.sentiment.scores["positive"] + out.sentiment.scores["negative"] == pytest.approx(1)


@pytest.mark.parametrize(
    ("label", "n", "expected"),
    [
        ("POSITIVE", 2, "positive"),
        ("negative", 3, "negative"),
        ("Neutral", 3, "neutral"),
        ("LABEL_0", 2, "negative"),
        ("LABEL_1", 2, "positive"),
        ("LABEL_1", 3, "neutral"),
        ("LABEL_2", 3, "positive"),
        ("LABEL_5", 3, None),
        ("1 star", 5, "negative"),
        ("3 stars", 5, "neutral"),
        ("5 stars", 5, "positive"),
        ("joy", 2, None),
    ],
)
def test_default_sentiment_label_mapping(label: str, n: int, expected: str | None) -> None:
    assert map_sentiment_label(label, n) == expected


def test_sentiment_mapping_overrides() -> None:
    mapping = sentiment_mapping({0: "LABEL_0", 1: "LABEL_1"}, {"LABEL_0": "positive"}, "m")
    assert mapping == {"LABEL_0": "positive", "LABEL_1": "positive"}


def test_model_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    s = ModelSettings(sentiment_model="a/b", ner_model="./ner", tone_model=None)
    assert (s.sentiment, s.entities, s.tone) == ("a/b", "./ner", None)
    assert s.hf_token == "hf_secret"
    assert "hf_secret" not in repr(s)
    assert s.uses_pipelines and not ModelSettings().uses_pipelines
    env = {"BRANDBOT_TONE_MODEL": "x/nli", "BRANDBOT_DEVICE": "cpu", "BRANDBOT_NER_MODEL": ""}
    s = ModelSettings.from_env(env)
    assert (s.sentiment, s.entities, s.tone, s.device, s.hf_token) == (
        None,
        None,
        "x/nli",
        "cpu",
        None,
    )
    with pytest.raises(ValueError, match="tone_template"):
        ModelSettings(tone_template="no placeholder")
    with pytest.raises(ValueError, match="expected a model id or folder"):
        ModelSettings(sentiment="  ")


def test_load_models_uses_the_embedded_default_without_named_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI loads the embedded models as the server does (the W8A8 backend): it ran torch's
    dynamic int8, whose per-batch scales moved a sentence's scores with its batch mates."""
    import analyzers.serving as serving_module
    from analyzers.serving import PredictorBackend

    calls: list[dict[str, object]] = []

    def fake_backend(**kwargs: object) -> PredictorBackend:
        calls.append(kwargs)
        return PredictorBackend(FakePredictor(), Path("tokenizer.json"), "fake")

    monkeypatch.setattr(serving_module, "load_predictor_backend", fake_backend)
    suite = load_models(ModelSettings(precision="int8", device="auto"))
    assert isinstance(suite, EmbeddedModelSuite)
    assert calls == [{"precision": "int8", "device": None}]
    load_models(ModelSettings(precision="auto", device="auto"))
    load_models(ModelSettings(precision="fp32", device="cpu"))
    assert calls[1:] == [
        {"precision": "auto", "device": None},
        {"precision": "fp32", "device": "cpu"},
    ]


def test_embedded_failure_in_a_mixed_suite_is_a_skip_not_a_crash(tiny: dict[str, Path]) -> None:
    def broken() -> EmbeddedModelSuite:
        raise ModelLoadError("weights missing")

    suite = PipelineModelSuite(
        ModelSettings(sentiment=str(tiny["sentiment"])), load_embedded=broken
    )
    (out,) = suite.analyze([doc("Acme lights. We love calm light.")], GUIDE)
    assert out.sentiment is not None
    assert out.skipped["tone"] == "embedded models failed to load: weights missing"
    assert [e.text for e in out.entities] == ["Acme"]  # gazetteer still runs


def test_local_safety_models_decide_their_rules(tiny: dict[str, Path]) -> None:
    from analyzers.policy import RULE_DISPARAGING, RULE_OFFENSIVE, RULE_SARCASM

    predictor = FakePredictor()
    settings = ModelSettings(
        safety=f"{tiny['calm']}, {tiny['ironic']}",
        safety_labels="2:LABEL_1=sarcasm",  # a folder name says nothing about its labels
    )
    suite = PipelineModelSuite(settings, embedded=EmbeddedModelSuite(predictor), strict=True)
    assert suite.embedded_analyses == ("sentiment", "entities", "tone", "safety")
    text = "Damn, it slipped. Globex are clowns."
    (out,) = suite.analyze([doc(text)], GUIDE)
    found = {(f.rule_id, f.span.slice(text)): f.message for f in out.findings}
    # the embedded head calls "Damn" offensive; the local offensive model decides: it is not
    assert (RULE_OFFENSIVE, "Damn, it slipped.") not in found
    # the irony model finds sarcasm everywhere, with its own confidence
    assert "(confidence 1.00)" in found[(RULE_SARCASM, "Damn, it slipped.")]
    # disparage has no local model: the embedded head's finding stays
    assert (RULE_DISPARAGING, "Globex are clowns.") in found
    assert "models.safety" in out.timings and "safety" not in out.skipped


def test_a_local_safety_model_that_cannot_load_leaves_the_embedded_head(
    tmp_path: Path, tiny: dict[str, Path]
) -> None:
    from analyzers.policy import RULE_OFFENSIVE

    with pytest.raises(ModelLoadError, match="cannot map safety labels"):
        PipelineModelSuite(
            ModelSettings(safety=str(tiny["emotion"])),
            embedded=EmbeddedModelSuite(FakePredictor()),
            strict=True,
        )
    suite = PipelineModelSuite(
        ModelSettings(safety=str(tmp_path / "missing")),
        embedded=EmbeddedModelSuite(FakePredictor()),
    )
    (out,) = suite.analyze([doc("Damn, it slipped.")], GUIDE)
    assert out.backends["safety"].startswith("embedded (local model folder")
    assert [f.rule_id for f in out.findings if f.rule_id == RULE_OFFENSIVE] == [RULE_OFFENSIVE]


def test_hosted_safety_keeps_the_embedded_evidence_under_three_pipelines(
    tiny: dict[str, Path],
) -> None:
    # the remote suite's local half: every other analysis is a pipeline, safety is hosted
    suite = PipelineModelSuite(
        _all_pipelines(tiny), embedded=EmbeddedModelSuite(FakePredictor()), embedded_safety=True
    )
    assert suite.embedded_analyses == ("safety",) and suite.load_errors == {}
    (out,) = suite.analyze([doc("Damn, it slipped.")], GUIDE)
    assert len(out.evidence) == 1 and out.evidence[0].safety["offensive"] == 0.9
    assert [f.rule_id for f in out.findings if f.rule_id == "Tone.Offensive"] == ["Tone.Offensive"]
