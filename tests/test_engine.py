"""The inference engine's batching, caching and error routing, with a small fake backend.

Assertions are on behaviour and counters (what the backend was asked, what each caller got),
never on time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from analyzers.engine import (
    EngineClosed,
    EngineError,
    EngineSettings,
    EngineStats,
    InferenceEngine,
    estimate_tokens,
)

WAIT = 10.0  # generous upper bound so a broken engine fails instead of hanging


def label(text: str) -> str:
    return f"{len(text.split())}:{text.upper()}"


class FakeBackend:
    """Predicts ``label(text)``; records every call; can hold its first call until released."""

    def __init__(self, *, hold_first: bool = False, version: str = "fake-1") -> None:
        self.version = version
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def count_tokens(self, sentences: Sequence[str]) -> list[int]:
        return [len(s.split()) + 2 for s in sentences]

    def predict(self, sentences: Sequence[str]) -> list[str]:
        self.calls.append(list(sentences))
        self.entered.set()
        assert self.release.wait(WAIT), "test never released the backend"
        bad = [s for s in sentences if "BOOM" in s]
        if bad:
            raise ValueError(f"cannot read {bad[0]!r}")
        return [label(s) for s in sentences]


def make_engine(backend: FakeBackend, **kw: object) -> InferenceEngine[str]:
    settings = EngineSettings(warmup=(), threads=1, **kw)  # type: ignore[arg-type]
    engine: InferenceEngine[str] = InferenceEngine(lambda: backend, settings)
    engine.start().wait_ready(WAIT)
    return engine


def settled(engine: InferenceEngine[str]) -> EngineStats:
    """The engine's counters once the worker has recorded its last batch."""
    assert engine.wait_idle(WAIT)
    return engine.stats


def occupy(engine: InferenceEngine[str], backend: FakeBackend) -> object:
    """Submit one request and wait until the worker is inside the backend with it."""
    fut = engine.submit_future(["the worker is busy with this"])
    assert backend.entered.wait(WAIT)
    return fut


def test_results_come_back_in_order_and_match_the_backend() -> None:
    backend = FakeBackend()
    with make_engine(backend) as engine:
        texts = ["a much longer sentence than the others here", "short one", "mid size text"]
        assert engine.run(texts, WAIT) == [label(t) for t in texts]
        # one backend call served all three, sorted by length (shortest first)
        assert backend.calls == [sorted(texts, key=lambda t: len(t.split()))]


def test_a_lone_request_is_served_at_once_in_its_own_batch() -> None:
    backend = FakeBackend()
    with make_engine(backend) as engine:
        assert engine.run(["just me"], WAIT) == [label("just me")]
        assert settled(engine).batches == 1
        (record,) = settled(engine).history
        assert (record.requests, record.sentences, record.forwards) == (1, 1, 1)
        # the worker did not hold the request back waiting for company
        assert backend.calls == [["just me"]]


def test_requests_queued_while_the_worker_is_busy_share_one_batch() -> None:
    backend = FakeBackend(hold_first=True)
    with make_engine(backend) as engine:
        first = occupy(engine, backend)
        later = [
            engine.submit_future([f"draft {i} sentence one", f"draft {i} two"]) for i in range(5)
        ]
        backend.release.set()
        for i, fut in enumerate(later):
            assert fut.result(WAIT) == [label(f"draft {i} sentence one"), label(f"draft {i} two")]
        assert first.result(WAIT) == [label("the worker is busy with this")]  # type: ignore[attr-defined]
        records = list(settled(engine).history)
        assert [r.requests for r in records] == [1, 5]
        assert records[1].computed == 10
        # all ten sentences went through the backend together, grouped by length
        assert len(backend.calls) == 2
        assert sorted(backend.calls[1]) == sorted(
            s for i in range(5) for s in (f"draft {i} sentence one", f"draft {i} two")
        )


def test_one_take_respects_the_token_budget() -> None:
    backend = FakeBackend(hold_first=True)
    text = "x" * 40  # estimate_tokens -> 12
    per_request = 2 * estimate_tokens(text)
    with make_engine(backend, max_batch_tokens=2 * per_request) as engine:
        first = occupy(engine, backend)
        futs = [engine.submit_future([text + str(i), text + str(i) + "!"]) for i in range(5)]
        backend.release.set()
        for fut in futs:
            fut.result(WAIT)
        first.result(WAIT)  # type: ignore[attr-defined]
        taken = [r.requests for r in settled(engine).history][1:]
        assert taken == [2, 2, 1]  # FIFO, never more than the budget allows


def test_a_request_bigger_than_the_budget_still_runs() -> None:
    backend = FakeBackend()
    with make_engine(backend, max_batch_tokens=1) as engine:
        texts = [f"sentence number {i}" for i in range(4)]
        assert engine.run(texts, WAIT) == [label(t) for t in texts]


def test_buckets_keep_padding_within_budget_and_sort_by_length() -> None:
    backend = FakeBackend()
    with make_engine(backend, max_bucket_tokens=12, max_bucket_size=3) as engine:
        texts = ["w " * n for n in (9, 1, 4, 2, 1, 3, 1, 1)]
        texts = [t + str(i) for i, t in enumerate(texts)]
        assert engine.run(texts, WAIT) == [label(t) for t in texts]
        lengths = [backend.count_tokens(call) for call in backend.calls]
        for call in lengths:
            assert len(call) <= 3
            assert len(call) == 1 or max(call) * len(call) <= 12
        flat = [n for call in lengths for n in call]
        assert flat == sorted(flat)
        (record,) = settled(engine).history
        assert record.forwards == len(backend.calls) > 1
        assert record.tokens == sum(flat)
        assert record.padded_tokens == sum(max(c) * len(c) for c in lengths)


def test_cache_skips_work_for_text_seen_before() -> None:
    backend = FakeBackend()
    with make_engine(backend) as engine:
        engine.run(["alpha beta", "gamma"], WAIT)
        calls = len(backend.calls)
        assert engine.run(["gamma", "alpha beta"], WAIT) == [label("gamma"), label("alpha beta")]
        assert len(backend.calls) == calls  # nothing recomputed
        assert settled(engine).cache_hits == 2
        # a new sentence next to a cached one computes only the new one
        engine.run(["alpha beta", "delta"], WAIT)
        assert backend.calls[-1] == ["delta"]


def test_duplicates_within_a_batch_are_computed_once() -> None:
    backend = FakeBackend(hold_first=True)
    with make_engine(backend) as engine:
        first = occupy(engine, backend)
        a = engine.submit_future(["same text", "other"])
        b = engine.submit_future(["same text"])
        backend.release.set()
        assert a.result(WAIT) == [label("same text"), label("other")]
        assert b.result(WAIT) == [label("same text")]
        first.result(WAIT)  # type: ignore[attr-defined]
        assert sorted(backend.calls[1]) == ["other", "same text"]
        assert settled(engine).history[-1].cache_hits == 1


def test_cache_is_keyed_by_model_version() -> None:
    backend = FakeBackend()
    with make_engine(backend) as engine:
        engine.run(["hello there"], WAIT)
        backend.version = "fake-2"
        engine.run(["hello there"], WAIT)
        assert backend.calls == [["hello there"], ["hello there"]]


def test_cache_can_be_disabled() -> None:
    backend = FakeBackend()
    with make_engine(backend, cache_size=0) as engine:
        engine.run(["again"], WAIT)
        engine.run(["again"], WAIT)
        assert len(backend.calls) == 2


def test_an_error_reaches_only_the_request_that_caused_it() -> None:
    backend = FakeBackend(hold_first=True)
    with make_engine(backend) as engine:
        first = occupy(engine, backend)
        good = engine.submit_future(["a fine sentence", "another fine one"])
        bad = engine.submit_future(["this one goes BOOM", "fine"])
        good2 = engine.submit_future(["fine"])
        backend.release.set()
        assert good.result(WAIT) == [label("a fine sentence"), label("another fine one")]
        assert good2.result(WAIT) == [label("fine")]
        with pytest.raises(ValueError, match="cannot read 'this one goes BOOM'"):
            bad.result(WAIT)
        first.result(WAIT)  # type: ignore[attr-defined]
        assert settled(engine).failed_requests == 1
        # the engine keeps serving afterwards
        assert engine.run(["still alive"], WAIT) == [label("still alive")]


async def test_async_submit_batches_concurrent_callers() -> None:
    backend = FakeBackend(hold_first=True)
    engine = make_engine(backend)
    try:
        first = asyncio.ensure_future(engine.submit(["occupy the worker"]))
        assert await asyncio.to_thread(backend.entered.wait, WAIT)
        tasks = [asyncio.ensure_future(engine.submit([f"caller {i}"])) for i in range(8)]
        await asyncio.sleep(0)  # let every task enqueue
        backend.release.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
        assert results == [[label(f"caller {i}")] for i in range(8)]
        assert await first == [label("occupy the worker")]
        assert [r.requests for r in settled(engine).history] == [1, 8]
    finally:
        engine.close()


async def test_async_submit_propagates_errors_and_cached_answers() -> None:
    backend = FakeBackend()
    engine = make_engine(backend)
    try:
        with pytest.raises(ValueError, match="BOOM"):
            await engine.submit(["BOOM"])
        assert await engine.submit(["ok"]) == [label("ok")]
        assert await engine.submit(["ok"]) == [label("ok")]  # from the cache
        assert backend.calls == [["BOOM"], ["ok"]]
        await engine.until_ready()
    finally:
        engine.close()


def test_ready_only_after_load_and_warm_up() -> None:
    backend = FakeBackend()
    loading = threading.Event()
    proceed = threading.Event()

    def loader() -> FakeBackend:
        loading.set()
        assert proceed.wait(WAIT)
        return backend

    engine: InferenceEngine[str] = InferenceEngine(
        loader, EngineSettings(warmup=("warm one", "warm two"), threads=1)
    )
    engine.start()
    assert loading.wait(WAIT)
    assert not engine.ready
    queued = engine.submit_future(["asked before ready"])  # accepted, served once ready
    proceed.set()
    engine.wait_ready(WAIT)
    assert engine.ready
    assert queued.result(WAIT) == [label("asked before ready")]
    assert backend.calls[0] == ["warm one", "warm two"]  # warm-up ran first
    assert engine.load_seconds is not None and engine.warmup_seconds is not None
    engine.close()


async def test_a_failed_load_is_reported_to_waiters_and_callers() -> None:
    def loader() -> FakeBackend:
        raise RuntimeError("weights file is missing")

    engine: InferenceEngine[str] = InferenceEngine(loader, EngineSettings(warmup=()))
    engine.start()
    with pytest.raises(EngineError, match="weights file is missing"):
        engine.wait_ready(WAIT)
    with pytest.raises(EngineError, match="weights file is missing"):
        await engine.until_ready()
    with pytest.raises(EngineError, match="failed to load"):
        engine.run(["anything"], WAIT)
    assert not engine.ready


def test_bad_input_gets_a_clear_error() -> None:
    backend = FakeBackend()
    with make_engine(backend) as engine:
        with pytest.raises(TypeError, match="not a single string"):
            engine.run("a string, not a list")
        with pytest.raises(TypeError, match="sentence 1 is int"):
            engine.run(["ok", 3])  # type: ignore[list-item]
        assert engine.run([]) == []
        assert engine.run(["", "   "], WAIT) == [label(""), label("   ")]


def test_close_finishes_queued_work_then_refuses_more() -> None:
    backend = FakeBackend(hold_first=True)
    engine = make_engine(backend)
    first = occupy(engine, backend)
    queued = engine.submit_future(["queued before close"])
    closer = threading.Thread(target=engine.close)
    closer.start()
    backend.release.set()
    closer.join(WAIT)
    assert queued.result(WAIT) == [label("queued before close")]
    first.result(WAIT)  # type: ignore[attr-defined]
    with pytest.raises(EngineClosed):
        engine.run(["too late"])


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="max_bucket_tokens must be >= 1"):
        EngineSettings(max_bucket_tokens=0)
    with pytest.raises(ValueError, match="cache_size"):
        EngineSettings(cache_size=-1)


@pytest.mark.models
def test_engine_output_equals_direct_predictor_output() -> None:
    import numpy as np

    from analyzers.models.encoder import base_model_dir
    from analyzers.models.predictor import load_embedded_predictor
    from analyzers.serving import PredictorBackend

    predictor = load_embedded_predictor(device="cpu", quantize=False)
    backend = PredictorBackend(predictor, base_model_dir() / "tokenizer.json", "fp32")
    # small buckets, so the engine's batches differ from the predictor's own
    settings = EngineSettings(threads=1, max_bucket_tokens=64, warmup=("Warm up.",))
    texts = [
        "Northwind Lumen ships today in Berlin and Paris!",
        "The outage was terrible and we are sorry.",
        "",
        "🎉🎉",
        "lol u guys r gonna love this",
        "Maria Lopez met Satya Nadella at Microsoft in Redmond. " * 14,  # longer than a window
        "Please find attached the quarterly report.",
    ]
    with InferenceEngine(lambda: backend, settings) as engine:
        got = engine.run(texts, 120)
        assert len(settled(engine).history) == 1
        assert settled(engine).history[0].forwards > 1
    want = predictor.predict(texts)
    for g, w in zip(got, want, strict=True):
        assert g.sentiment.keys() == w.sentiment.keys()
        for k in w.sentiment:
            assert g.sentiment[k] == pytest.approx(w.sentiment[k], abs=1e-4)
        for k in w.emotions:
            assert g.emotions[k] == pytest.approx(w.emotions[k], abs=1e-4)
        assert g.formality == pytest.approx(w.formality, abs=1e-4)
        assert np.allclose(g.embedding, w.embedding, atol=1e-4)
        assert [(e.start, e.end, e.label) for e in g.entities] == [
            (e.start, e.end, e.label) for e in w.entities
        ]
