"""Reviews through the engine: same answers as the direct reviewer, batching across callers,
rules-only when the models fail to load, and the precision setting."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from model_fakes import FakePredictor, make_guide

from analyzers.engine import EngineSettings, InferenceEngine
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.reviewer import Reviewer
from analyzers.serving import (
    EnginePredictor,
    EngineReviewService,
    PredictorBackend,
    load_engine,
    resolve_precision,
)
from analyzers.types import Draft

WAIT = 10.0

DRAFTS = [
    Draft("We are thrilled to launch Brightwave Pro in Paris. Maria loves it!", id="a"),
    Draft("The outage was terrible and customers are angry. We failed them.", id="b"),
    Draft("Hey guys, SyncDeck is super easy. Acme Corp is gonna hate it lol", id="c"),
    Draft("", id="empty"),
]


def engine_over(predictor: FakePredictor, **kw: Any) -> InferenceEngine[Any]:
    engine: InferenceEngine[Any] = InferenceEngine(
        lambda: PredictorBackend(predictor), EngineSettings(warmup=(), threads=1, **kw)
    )
    engine.start().wait_ready(WAIT)
    return engine


def comparable(review: Any) -> dict[str, Any]:
    d: dict[str, Any] = review.to_dict()
    d.pop("timings")
    return d


async def test_engine_reviews_equal_direct_reviews() -> None:
    guide = make_guide()
    direct = Reviewer(guide, EmbeddedModelSuite(FakePredictor())).review(DRAFTS)
    service = EngineReviewService(guide, engine_over(FakePredictor()), threads=3)
    try:
        assert service.ready
        got = await asyncio.gather(*(service.review([d]) for d in DRAFTS))
        assert [comparable(r) for (r,) in got] == [comparable(r) for r in direct]
        assert "embedded models loaded" in service.models_status
        assert await service.review([]) == []
    finally:
        await service.aclose()


async def test_concurrent_reviews_share_the_engine_and_its_cache() -> None:
    fake = FakePredictor()
    engine = engine_over(fake)
    service = EngineReviewService(make_guide(), engine, threads=4)
    try:
        await asyncio.gather(*(service.review([d]) for d in DRAFTS[:3]))
        assert engine.wait_idle(WAIT)
        computed = engine.stats.computed
        first_calls = len(fake.calls)
        # the same drafts again: every sentence comes from the cache, the model is not called
        again = await asyncio.gather(*(service.review([d]) for d in DRAFTS[:3]))
        assert len(fake.calls) == first_calls
        assert engine.stats.computed == computed
        assert all(r.sentiment is not None for (r,) in again)
    finally:
        await service.aclose()


async def test_models_that_fail_to_load_leave_the_rules_working() -> None:
    def broken() -> PredictorBackend:
        raise RuntimeError("multitask.safetensors is missing")

    engine: InferenceEngine[Any] = InferenceEngine(broken, EngineSettings(warmup=()))
    service = EngineReviewService(make_guide(), engine.start(), threads=1)
    try:
        (review,) = await service.review([DRAFTS[2]])
        assert not service.ready
        assert "multitask.safetensors is missing" in service.models_status
        # users see a reference id; the load error is the operator's (status, log)
        assert "multitask.safetensors" not in review.skipped["sentiment"]
        assert "failed (reference " in review.skipped["sentiment"]
        # the gazetteer half of entities still ran: the competitor is found without the model
        assert any(f.category == "entities" for f in review.findings)
    finally:
        await service.aclose()


def test_engine_predictor_embeds_through_the_engine() -> None:
    fake = FakePredictor()
    engine = engine_over(fake)
    try:
        pred = EnginePredictor(engine, timeout=WAIT)
        vecs = pred.embed(["one sentence", "another one"])
        assert vecs.shape == (2, 384)
        assert pred.embed([]).shape == (0, 384)
        assert pred.version == "fake-1"
    finally:
        engine.close()


def test_precision_setting_is_validated() -> None:
    assert resolve_precision("auto", "cpu") == ("int8", "cpu")
    assert resolve_precision("fp32", "cpu") == ("fp32", "cpu")
    assert resolve_precision("auto", "cuda") == ("fp16", "cuda")
    with pytest.raises(ValueError, match="int8 runs on the CPU only"):
        resolve_precision("int8", "cuda")
    with pytest.raises(ValueError, match="fp16 needs CUDA"):
        resolve_precision("fp16", "cpu")
    with pytest.raises(ValueError, match="unknown precision 'int4'"):
        load_engine(precision="int4")


def test_backend_counts_word_pieces_with_the_tokenizer() -> None:
    from analyzers.models.encoder import base_model_dir

    backend = PredictorBackend(FakePredictor(), base_model_dir() / "tokenizer.json", "fp32")
    assert backend.version == "fake-1+fp32"
    short, long = backend.count_tokens(["Hi.", "Internationalization of tokenizers " * 3])
    assert short == 4  # [CLS] hi . [SEP]
    assert long > 10


async def test_queued_drafts_are_reviewed_as_one_batch() -> None:
    import threading

    release = threading.Event()
    entered = threading.Event()

    class Held(FakePredictor):
        def predict(self, sentences: Any) -> Any:
            entered.set()
            assert release.wait(WAIT)
            return super().predict(sentences)

    fake = Held()
    service = EngineReviewService(make_guide(), engine_over(fake), threads=1, max_batch=8)
    try:
        first = asyncio.ensure_future(service.review([DRAFTS[0]]))
        assert await asyncio.to_thread(entered.wait, WAIT)
        later = [asyncio.ensure_future(service.review([d])) for d in DRAFTS[1:3] * 3]
        await asyncio.sleep(0.05)  # let every review enqueue (no timing is asserted)
        release.set()
        done = await asyncio.wait_for(asyncio.gather(first, *later), WAIT)
        assert all(r.sentiment is not None for (r,) in done[:3])
        assert list(service.batches) == [1, 6]  # the six queued drafts went through in one batch
        # ...and their sentences reached the predictor in one call; the one call after it
        # explains a finding ("Acme Corp is gonna hate it" disparages a listed competitor)
        assert len(fake.calls) == 3
        assert sorted(fake.calls[1]) == sorted(
            s.strip() for d in DRAFTS[1:3] for s in d.text.replace(". ", ".|").split("|")
        )
        taunt = {"Acme", "Corp", "is", "gonna", "hate", "it", "lol"}
        assert all(set(v.split()) < taunt for v in fake.calls[2])  # that sentence, words left out
    finally:
        await service.aclose()


async def test_a_long_draft_is_never_batched_with_short_ones() -> None:
    """Issue 8: a long draft is a batch of its own, so the short drafts queued behind it are
    reviewed together (and by the other drain loop), not held up by it."""
    import threading

    from analyzers import Draft

    release = threading.Event()
    entered = threading.Event()

    class Held(FakePredictor):
        def predict(self, sentences: Any) -> Any:
            entered.set()
            assert release.wait(WAIT)
            return super().predict(sentences)

    fake = Held()
    service = EngineReviewService(make_guide(), engine_over(fake), threads=1, max_batch=8)
    long_draft = Draft("Our team ships a calm update for every customer. " * 150)
    try:
        first = asyncio.ensure_future(service.review([DRAFTS[0]]))
        assert await asyncio.to_thread(entered.wait, WAIT)
        queued = [
            asyncio.ensure_future(service.review([d]))
            for d in (DRAFTS[1], long_draft, DRAFTS[2], DRAFTS[1])
        ]
        await asyncio.sleep(0.05)  # let every review enqueue (no timing is asserted)
        release.set()
        await asyncio.wait_for(asyncio.gather(first, *queued), WAIT)
        assert list(service.batches) == [1, 3, 1]  # the short ones together, the long one alone
    finally:
        await service.aclose()
