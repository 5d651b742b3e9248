"""Serving reviews through the inference engine (Slack-free; asyncio-friendly).

* :func:`load_engine` starts an :class:`~analyzers.engine.InferenceEngine` over the embedded
  multi-task predictor (int8 dynamic quantization on CPU by default, fp16 on CUDA, fp32 as a
  setting). It returns at once; the models load and warm up on the engine's worker thread.
* :class:`EnginePredictor` is a predictor-compatible view of an engine: ``predict`` and
  ``embed`` go through the engine's cross-caller batching and cache, so
  :class:`~analyzers.models.suite.EmbeddedModelSuite` runs on it unchanged.
* :class:`EngineReviewService` is what the bot awaits: ``await service.review(drafts,
  profile)`` runs the rules (in a small thread pool) and the model analyses (on the engine) and
  never blocks the event loop. It matches ``bot.jobs.ReviewService``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from analyzers.engine import EngineError, EngineSettings, InferenceEngine
from analyzers.models.suite import EmbeddedModelSuite, Predictor, SentencePrediction
from analyzers.precision import PRECISIONS, resolve_precision
from analyzers.reviewer import Reviewer
from analyzers.text import word_count
from analyzers.types import Draft, Review

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide

log = logging.getLogger(__name__)

EMBED_DIM = 384


class PredictorBackend:
    """Adapts a predictor to the engine's backend protocol, with exact word-piece counts."""

    def __init__(
        self, predictor: Predictor, tokenizer_json: Path | None = None, tag: str = ""
    ) -> None:
        self.predictor = predictor
        self.tag = tag
        self._tok: Any = None
        if tokenizer_json is not None and tokenizer_json.is_file():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(tokenizer_json))
            tok.no_truncation()
            tok.no_padding()
            self._tok = tok

    @property
    def version(self) -> str:
        """The weights' version plus the precision (int8 answers are not fp32 answers)."""
        return f"{self.predictor.version}+{self.tag}" if self.tag else self.predictor.version

    def predict(self, sentences: Sequence[str]) -> Sequence[SentencePrediction]:
        return self.predictor.predict(sentences)

    def count_tokens(self, sentences: Sequence[str]) -> list[int]:
        if self._tok is None:
            return [len(s) // 4 + 2 for s in sentences]
        encs = self._tok.encode_batch(list(sentences), add_special_tokens=False)
        return [len(e.ids) + 2 for e in encs]


def load_predictor_backend(
    *, precision: str | None = None, device: str | None = None
) -> PredictorBackend:
    """The embedded predictor at a precision, wrapped for the engine (call it on the engine's
    worker thread: it loads, converts and calibrates the models)."""
    from analyzers.models.encoder import base_model_dir
    from analyzers.models.predictor import load_embedded_predictor

    prec, dev = resolve_precision(precision, device)
    tokenizer_json = base_model_dir() / "tokenizer.json"
    if prec == "int8":
        from analyzers.models.int8 import convert_predictor, int_mm_available

        if int_mm_available():
            predictor = load_embedded_predictor(device="cpu", quantize=False)
            source = convert_predictor(predictor)
            log.info("int8 (W8A8, per-token) encoder; calibration from %s", source)
            return PredictorBackend(predictor, tokenizer_json, "w8a8")
        log.warning("torch._int_mm is unavailable here: falling back to dynamic int8")
        return PredictorBackend(
            load_embedded_predictor(device="cpu", quantize=True), tokenizer_json, "int8-dynamic"
        )
    if prec == "fp16":
        return PredictorBackend(
            load_embedded_predictor(device=dev, quantize=None), tokenizer_json, "fp16"
        )
    return PredictorBackend(
        load_embedded_predictor(device=dev, quantize=False), tokenizer_json, "fp32"
    )


def load_engine(
    *,
    precision: str | None = None,
    device: str | None = None,
    settings: EngineSettings | None = None,
) -> InferenceEngine[SentencePrediction]:
    """Start an engine over the embedded models. Returns at once; ``engine.ready`` turns true
    after load and warm-up (``await engine.until_ready()`` / ``engine.wait_ready()``).

    ``precision`` defaults to ``$BRANDBOT_PRECISION``, else ``auto``; a bad value raises
    ``ValueError`` here, before any thread starts."""
    chosen = precision or os.environ.get("BRANDBOT_PRECISION") or "auto"
    v = chosen.strip().lower()
    if v not in PRECISIONS:
        raise ValueError(f"unknown precision {chosen!r}: expected one of {', '.join(PRECISIONS)}")
    loader = functools.partial(load_predictor_backend, precision=v, device=device)
    engine: InferenceEngine[SentencePrediction] = InferenceEngine(loader, settings)
    return engine.start()


class EnginePredictor:
    """A predictor whose work is done by an engine (batched with every other caller, cached)."""

    def __init__(self, engine: InferenceEngine[SentencePrediction], timeout: float | None = None):
        self.engine = engine
        self.timeout = timeout

    @property
    def version(self) -> str:
        self.engine.wait_ready(self.timeout)
        return self.engine.version

    def predict(self, sentences: Sequence[str]) -> list[SentencePrediction]:
        return self.engine.run(sentences, self.timeout)

    def embed(self, sentences: Sequence[str]) -> NDArray[np.float32]:
        preds = self.predict(sentences)
        if not preds:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        return np.stack([np.asarray(p.embedding, dtype=np.float32) for p in preds])


@dataclass
class _Job:
    draft: Draft
    profile: str | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Review]


def _settle(
    future: asyncio.Future[Review], review: Review | None, exc: BaseException | None
) -> None:
    if future.done():  # the caller gave up
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        assert review is not None
        future.set_result(review)


class EngineReviewService:
    """Async reviews on top of an engine: rules in a few threads, models on the engine.

    Drafts queue here; up to ``threads`` drain loops (pool threads) each take what is queued for
    one profile, up to ``max_batch`` drafts, and review it as one batch: the rules in the pool
    thread, every sentence of the batch in one engine request. A lone draft starts at once;
    with two drain loops one can run rules while the other waits on the engine. Matches
    ``bot.jobs.ReviewService`` (``ready``, ``review``, ``aclose``).
    """

    def __init__(
        self,
        guide: BrandGuide,
        engine: InferenceEngine[SentencePrediction],
        *,
        threads: int = 2,
        max_batch: int = 16,
        own_engine: bool = True,
    ) -> None:
        self.engine = engine
        self.own_engine = own_engine
        self.threads = max(1, threads)
        self.max_batch = max(1, max_batch)
        self.suite = EmbeddedModelSuite(EnginePredictor(engine), name="embedded (engine)")
        self.reviewer = Reviewer(guide, self.suite)
        # sizes of the newest batches reviewed (for tests and metrics; bounded)
        self.batches: deque[int] = deque(maxlen=10_000)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="brandbot-review"
        )
        self._pending: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._active = 0

    @property
    def guide(self) -> BrandGuide:
        return self.reviewer.guide

    @property
    def ready(self) -> bool:
        return self.engine.ready

    @property
    def models_status(self) -> str:
        if self.engine.load_error is not None:
            return f"rules only: the models failed to load: {self.engine.load_error}"
        if not self.engine.ready:
            return "models loading"
        return f"embedded models loaded ({self.engine.version})"

    status = models_status

    async def until_ready(self) -> None:
        """Wait for the models (raises ``EngineError`` if they failed to load)."""
        await self.engine.until_ready()

    def review_sync(self, drafts: Sequence[Draft], profile: str | None = None) -> list[Review]:
        return self.reviewer.review(drafts, profile=profile)

    async def review(self, drafts: Sequence[Draft], profile: str | None = None) -> list[Review]:
        if not drafts:
            return []
        loop = asyncio.get_running_loop()
        jobs = [_Job(d, profile, loop, loop.create_future()) for d in drafts]
        with self._lock:
            self._pending.extend(jobs)
            start = self._active < self.threads
            if start:
                self._active += 1
        if start:
            self._executor.submit(self._drain)
        return list(await asyncio.gather(*(j.future for j in jobs)))

    def _take(self) -> list[_Job]:
        """The next batch: drafts of one profile; a long draft (over ``LONG_DRAFT_WORDS``
        words) is always a batch of its own, so short drafts never wait for it."""
        first = self._pending.popleft()
        batch, keep = [first], deque[_Job]()
        if _is_long(first.draft):
            return [j for j in batch if not j.future.done()]
        while self._pending and len(batch) < self.max_batch:
            job = self._pending.popleft()
            fits = job.profile == first.profile and not _is_long(job.draft)
            (batch if fits else keep).append(job)
        keep.extend(self._pending)
        self._pending = keep
        return [j for j in batch if not j.future.done()]

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._active -= 1
                    return
                batch = self._take()
            if not batch:
                continue
            self.batches.append(len(batch))
            try:
                reviews = self.reviewer.review([j.draft for j in batch], profile=batch[0].profile)
            except Exception as exc:  # e.g. an unknown profile: every caller of the batch hears
                for j in batch:
                    _call_soon(j, None, exc)
                continue
            for j, r in zip(batch, reviews, strict=True):
                _call_soon(j, r, None)

    async def aclose(self) -> None:
        with self._lock:
            pending, self._pending = list(self._pending), deque()
        for j in pending:
            j.future.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self.own_engine:
            await asyncio.get_running_loop().run_in_executor(None, self.engine.close)


LONG_DRAFT_WORDS = 1_000
# ... or this many characters per word allowed: the rules' work grows with characters, and 999
# words followed by 35,000 "!" is not a short draft
LONG_DRAFT_CHARS_PER_WORD = 12


def is_long_draft(text: str, long_words: int = LONG_DRAFT_WORDS) -> bool:
    """Does ``text`` go to the long lane: over ``long_words`` words, or over
    ``LONG_DRAFT_CHARS_PER_WORD`` characters for each of them?"""
    if len(text) > long_words * LONG_DRAFT_CHARS_PER_WORD:
        return True
    # a cheap upper bound first: a draft of few characters cannot have many words
    return len(text) > long_words * 2 and word_count(text) > long_words


def _is_long(draft: Draft) -> bool:
    return is_long_draft(draft.text)


def _call_soon(job: _Job, review: Review | None, exc: BaseException | None) -> None:
    try:
        job.loop.call_soon_threadsafe(_settle, job.future, review, exc)
    except RuntimeError:  # the caller's loop is closed
        log.debug("review finished after its event loop closed")


__all__ = [
    "EngineError",
    "EnginePredictor",
    "EngineReviewService",
    "PredictorBackend",
    "load_engine",
    "load_predictor_backend",
    "resolve_precision",
]
