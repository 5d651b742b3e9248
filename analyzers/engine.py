"""The inference engine: one worker thread owns the models and batches work across callers.

Shape (after text-embeddings-inference's router, on a CPU):

* Callers hand the engine *sentences* — ``await engine.submit(sentences)`` from an event loop,
  ``engine.run(sentences)`` from a thread — and get one prediction per sentence, in order.
* One worker thread owns the backend (the models). Whenever it is free it takes what is queued,
  across requests, up to a token budget; there is no fixed wait, so a lone request starts at once.
* The taken sentences are de-duplicated, looked up in an LRU cache keyed by (backend version,
  sha256 of the text), sorted by length and cut into buckets of similar length, so padding stays
  small; each bucket is one backend call (one encoder pass feeding every head).
* A request completes as soon as its last sentence is done, from the worker thread, through
  ``loop.call_soon_threadsafe`` for asyncio callers. A bucket that fails is retried sentence by
  sentence, so an error reaches only the request whose sentence caused it.
* The backend is built in the worker (so the thread that owns the models created them), warmed
  up, and only then does ``engine.ready`` turn true.

This module is generic: it knows nothing of what a prediction is. ``analyzers.models.fast``
plugs the embedded predictor into it; tests plug in a small fake.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar, runtime_checkable

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

CacheKey = tuple[str, bytes]
Deliver = Callable[[list[T] | None, BaseException | None], None]

DEFAULT_WARMUP = (
    "Hello.",
    "Our new release makes onboarding faster for every team.",
    "We are thrilled to announce that the platform now ships with single sign-on, audit logs "
    "and a redesigned dashboard, so your administrators can spend less time on setup and more "
    "time on the work that matters to your customers.",
)


class EngineError(RuntimeError):
    """The engine cannot serve requests (its models failed to load, or it was closed)."""


class EngineClosed(EngineError):
    """A request was made after ``close()``."""


@runtime_checkable
class SentenceBackend(Protocol[T_co]):
    """What the engine drives: a batched, order-preserving per-sentence predictor.

    ``count_tokens`` is optional (``TokenCounter``); without it the engine estimates lengths.
    """

    @property
    def version(self) -> str: ...

    def predict(self, sentences: Sequence[str]) -> Sequence[T_co]: ...


@runtime_checkable
class TokenCounter(Protocol):
    def count_tokens(self, sentences: Sequence[str]) -> list[int]: ...


def estimate_tokens(text: str) -> int:
    """A cheap word-piece estimate (about 4 characters a piece, plus [CLS]/[SEP])."""
    return len(text) // 4 + 2


def usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Intra-op threads for the worker: every usable CPU but one (at least one).

    The spare CPU keeps the event loop and the rules (pure Python) off the model's cores: on
    the 2-core target, two OpenMP threads next to one busy Python thread stall at every
    operator's barrier (a 64-sentence batch went from 1.2 s with one thread to 11 s with two).
    """
    n = usable_cpus()
    return n - 1 if n > 1 else 1


@dataclass(frozen=True)
class EngineSettings:
    threads: int | None = None  # torch intra-op threads; None = default_threads()
    max_batch_tokens: int = 8192  # budget (estimated tokens) of one take from the queue
    max_bucket_tokens: int = 2048  # padded tokens (longest x count) of one backend call
    max_bucket_size: int = 64  # sentences in one backend call
    cache_size: int = 8192  # sentences remembered (0 disables the cache)
    warmup: tuple[str, ...] = DEFAULT_WARMUP

    def __post_init__(self) -> None:
        for name in ("max_batch_tokens", "max_bucket_tokens", "max_bucket_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"EngineSettings.{name} must be >= 1, got {getattr(self, name)}")
        if self.cache_size < 0:
            raise ValueError(f"EngineSettings.cache_size must be >= 0, got {self.cache_size}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"EngineSettings.threads must be >= 1, got {self.threads}")


@dataclass(frozen=True)
class BatchRecord:
    """One take from the queue: how many requests and sentences it served, and how."""

    requests: int
    sentences: int  # sentences asked for by those requests
    computed: int  # distinct sentences run through the backend
    cache_hits: int
    forwards: int  # backend calls (buckets)
    tokens: int  # real tokens of the computed sentences
    padded_tokens: int  # tokens including padding, summed over buckets


@dataclass
class EngineStats:
    requests: int = 0
    sentences: int = 0
    cache_hits: int = 0  # sentences answered from the cache (incl. duplicates within a batch)
    computed: int = 0
    batches: int = 0
    forwards: int = 0
    tokens: int = 0
    padded_tokens: int = 0
    busy_s: float = 0.0  # worker time spent in the backend
    failed_requests: int = 0
    history: deque[BatchRecord] = field(default_factory=lambda: deque(maxlen=1000))

    def snapshot(self) -> EngineStats:
        copy = EngineStats(**{k: v for k, v in vars(self).items() if k != "history"})
        copy.history = deque(self.history, maxlen=1000)
        return copy


class _LRU(Generic[T]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[CacheKey, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> T | None:
        if self.size == 0:
            return None
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: CacheKey, value: T) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class _Request(Generic[T]):
    __slots__ = ("deliver", "done", "estimate", "failed", "missing", "results", "texts")

    def __init__(self, texts: tuple[str, ...], deliver: Deliver[T]) -> None:
        self.texts = texts
        self.deliver = deliver
        self.results: list[T | None] = [None] * len(texts)
        self.missing = len(texts)
        self.done = False
        self.failed = False
        self.estimate = sum(estimate_tokens(t) for t in texts)

    def fill(self, index: int, value: T) -> None:
        if self.results[index] is None:
            self.results[index] = value
            self.missing -= 1

    def finish_if_complete(self) -> bool:
        if self.done or self.missing:
            return False
        self.done = True
        values: list[T] = [v for v in self.results if v is not None]
        _safe_deliver(self.deliver, values, None)
        return True

    def fail(self, exc: BaseException) -> bool:
        if self.done:
            return False
        self.done = self.failed = True
        _safe_deliver(self.deliver, None, exc)
        return True


def _safe_deliver(deliver: Deliver[T], values: list[T] | None, exc: BaseException | None) -> None:
    try:
        deliver(values, exc)
    except Exception:  # a caller that went away (closed loop) must not stop the worker
        log.debug("could not deliver an engine result", exc_info=True)


@dataclass
class _Item(Generic[T]):
    key: CacheKey
    text: str
    tokens: int
    waiters: list[tuple[_Request[T], int]]


_STOP = object()


def text_key(version: str, text: str) -> CacheKey:
    return (version, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())


class InferenceEngine(Generic[T]):
    """Batches per-sentence predictions from many callers onto one worker thread.

    ``loader`` builds the backend; it runs on the worker thread when ``start()`` is called.
    """

    def __init__(
        self,
        loader: Callable[[], SentenceBackend[T]],
        settings: EngineSettings | None = None,
        *,
        name: str = "brandbot-inference",
    ) -> None:
        self.settings = settings or EngineSettings()
        self.name = name
        self._loader = loader
        self._backend: SentenceBackend[T] | None = None
        self._cache: _LRU[T] = _LRU(self.settings.cache_size)
        self._queue: deque[_Request[T]] = deque()
        self._cond = threading.Condition()
        self._ready = threading.Event()  # set once loaded and warmed up
        self._settled = threading.Event()  # set once loading finished, well or badly
        self._load_error: BaseException | None = None
        self._closing = False
        self._busy = False
        self._thread: threading.Thread | None = None
        self.stats = EngineStats()
        self.load_seconds: float | None = None
        self.warmup_seconds: float | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> InferenceEngine[T]:
        """Start the worker (it loads and warms the models); returns at once."""
        with self._cond:
            if self._closing:
                raise EngineClosed("the inference engine was closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
                self._thread.start()
        return self

    @property
    def ready(self) -> bool:
        """True once the models are loaded and warmed up."""
        return self._ready.is_set()

    @property
    def load_error(self) -> BaseException | None:
        return self._load_error

    @property
    def backend(self) -> SentenceBackend[T]:
        if self._backend is None:
            raise EngineError("the inference engine is not ready")
        return self._backend

    @property
    def version(self) -> str:
        return self.backend.version

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until ready; raises ``EngineError`` if loading failed or timed out."""
        if self._thread is None:
            self.start()
        if not self._settled.wait(timeout):
            raise EngineError(f"the inference engine was not ready after {timeout} s")
        if self._load_error is not None:
            raise EngineError(f"the models failed to load: {self._load_error}") from (
                self._load_error
            )

    async def until_ready(self) -> None:
        """Awaitable form of ``wait_ready`` (never blocks the event loop)."""
        if self._thread is None:
            self.start()
        if not self._settled.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self._settled.wait)
        self.wait_ready(0)

    def close(self, timeout: float | None = 30.0) -> None:
        """Finish what is queued, then stop the worker. Later requests raise ``EngineClosed``."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> InferenceEngine[T]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running (its stats recorded); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- requests ----------------------------------------------------------------------------

    def submit_future(self, sentences: Sequence[str]) -> concurrent.futures.Future[list[T]]:
        """Queue sentences; a ``concurrent.futures.Future`` resolves to their predictions."""
        fut: concurrent.futures.Future[list[T]] = concurrent.futures.Future()

        def deliver(values: list[T] | None, exc: BaseException | None) -> None:
            if fut.done():
                return
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(values or [])

        self._enqueue(sentences, deliver)
        return fut

    async def submit(self, sentences: Sequence[str]) -> list[T]:
        """Predictions for ``sentences`` (same order), computed on the worker thread."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[T]] = loop.create_future()

        def settle(values: list[T] | None, exc: BaseException | None) -> None:
            if fut.done():  # cancelled by the caller
                return
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(values or [])

        def deliver(values: list[T] | None, exc: BaseException | None) -> None:
            loop.call_soon_threadsafe(settle, values, exc)

        self._enqueue(sentences, deliver)
        return await fut

    def run(self, sentences: Sequence[str], timeout: float | None = None) -> list[T]:
        """Blocking form of ``submit`` for threads (never call it on an event loop)."""
        return self.submit_future(sentences).result(timeout)

    def _enqueue(self, sentences: Sequence[str], deliver: Deliver[T]) -> None:
        texts = _check_sentences(sentences)
        if self._closing:
            raise EngineClosed("the inference engine was closed")
        if self._thread is None:
            self.start()
        req: _Request[T] = _Request(texts, deliver)
        if not texts:
            req.finish_if_complete()
            return
        with self._cond:
            self.stats.requests += 1
            self.stats.sentences += len(texts)
        if self._ready.is_set() and self._fill_from_cache(req):
            return  # fully answered from the cache, without waking the worker
        with self._cond:
            if self._load_error is not None:
                req.fail(EngineError(f"the models failed to load: {self._load_error}"))
                return
            self._queue.append(req)
            self._cond.notify_all()

    def _fill_from_cache(self, req: _Request[T]) -> bool:
        backend = self._backend
        if backend is None or self.settings.cache_size == 0:
            return False
        hits = 0
        for i, text in enumerate(req.texts):
            if req.results[i] is None:
                value = self._cache.get(text_key(backend.version, text))
                if value is not None:
                    req.fill(i, value)
                    hits += 1
        if hits:
            with self._cond:
                self.stats.cache_hits += hits
        return req.finish_if_complete()

    # -- the worker --------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            self._load()
        except BaseException as exc:
            log.exception("the inference engine could not load its models")
            self._load_error = exc
            self._settled.set()
            with self._cond:
                pending = list(self._queue)
                self._queue.clear()
            for req in pending:
                req.fail(EngineError(f"the models failed to load: {exc}"))
            return
        self._ready.set()
        self._settled.set()
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    break  # closing and drained
                taken = self._take()
                self._busy = True
            try:
                self._process(taken)
            except BaseException as exc:  # a bug in the engine itself: fail these, keep serving
                log.exception("inference batch failed")
                for req in taken:
                    req.fail(exc)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _load(self) -> None:
        threads = self.settings.threads or default_threads()
        _set_torch_threads(threads)
        t0 = time.perf_counter()
        backend = self._loader()
        if not isinstance(backend, SentenceBackend):
            raise TypeError(f"the engine loader returned {type(backend).__name__}, not a backend")
        _set_torch_threads(threads)  # the loader may have imported torch only now
        self.load_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        if self.settings.warmup:
            warm = list(self.settings.warmup)
            backend.predict(warm)
            backend.predict(warm[:1])
        self.warmup_seconds = time.perf_counter() - t0
        self._backend = backend
        log.info(
            "inference engine ready: %s, load %.2f s, warm-up %.2f s, %d threads",
            backend.version,
            self.load_seconds,
            self.warmup_seconds,
            threads,
        )

    def _take(self) -> list[_Request[T]]:
        """Everything queued up to the token budget (always at least one request)."""
        taken: list[_Request[T]] = []
        budget = self.settings.max_batch_tokens
        used = 0
        while self._queue:
            nxt = self._queue[0]
            if taken and used + nxt.estimate > budget:
                break
            taken.append(self._queue.popleft())
            used += nxt.estimate
        return taken

    def _process(self, taken: list[_Request[T]]) -> None:
        backend = self.backend
        version = backend.version
        items: dict[CacheKey, _Item[T]] = {}
        hits = 0
        n_sent = 0
        for req in taken:
            n_sent += len(req.texts)
            for i, text in enumerate(req.texts):
                if req.results[i] is not None:
                    continue  # answered from the cache at submission
                key = text_key(version, text)
                cached = self._cache.get(key)
                if cached is not None:
                    req.fill(i, cached)
                    hits += 1
                    continue
                item = items.get(key)
                if item is None:
                    items[key] = _Item(key, text, 0, [(req, i)])
                else:
                    item.waiters.append((req, i))
                    hits += 1  # a duplicate within the batch is computed once
        for req in taken:
            req.finish_if_complete()

        todo = self._count_tokens(backend, list(items.values()))
        todo.sort(key=lambda it: it.tokens)

        forwards = tokens = padded = 0
        t0 = time.perf_counter()
        for bucket in self._buckets(todo):
            forwards += 1
            tokens += sum(it.tokens for it in bucket)
            padded += bucket[-1].tokens * len(bucket)
            self._run_bucket(backend, bucket)
        busy = time.perf_counter() - t0

        record = BatchRecord(
            requests=len(taken),
            sentences=n_sent,
            computed=len(todo),
            cache_hits=hits,
            forwards=forwards,
            tokens=tokens,
            padded_tokens=padded,
        )
        with self._cond:
            s = self.stats
            s.batches += 1
            s.cache_hits += hits
            s.computed += len(todo)
            s.forwards += forwards
            s.tokens += tokens
            s.padded_tokens += padded
            s.busy_s += busy
            s.history.append(record)
        for req in taken:  # anything left (should be nothing) must not hang its caller
            if not req.done:
                req.fail(EngineError("the engine produced no result for a sentence"))

    def _count_tokens(self, backend: SentenceBackend[T], todo: list[_Item[T]]) -> list[_Item[T]]:
        """Token counts for bucketing. A text the tokenizer refuses fails only its own
        requests (counted one by one after a batch error); the others go on."""
        if not isinstance(backend, TokenCounter):
            for it in todo:
                it.tokens = max(1, estimate_tokens(it.text))
            return todo
        try:
            counts = backend.count_tokens([it.text for it in todo])
        except Exception:
            kept: list[_Item[T]] = []
            for it in todo:
                try:
                    [n] = backend.count_tokens([it.text])
                except Exception as exc:
                    self._fail_item(it, exc)
                    continue
                it.tokens = max(1, int(n))
                kept.append(it)
            return kept
        for it, n in zip(todo, counts, strict=True):
            it.tokens = max(1, int(n))
        return todo

    def _buckets(self, todo: list[_Item[T]]) -> list[list[_Item[T]]]:
        """Length-sorted items cut where padding the next one would exceed a bucket's budget."""
        buckets: list[list[_Item[T]]] = []
        cur: list[_Item[T]] = []
        for it in todo:
            if cur and (
                it.tokens * (len(cur) + 1) > self.settings.max_bucket_tokens
                or len(cur) >= self.settings.max_bucket_size
            ):
                buckets.append(cur)
                cur = []
            cur.append(it)
        if cur:
            buckets.append(cur)
        return buckets

    def _run_bucket(self, backend: SentenceBackend[T], bucket: list[_Item[T]]) -> None:
        try:
            values = list(backend.predict([it.text for it in bucket]))
            if len(values) != len(bucket):
                raise EngineError(
                    f"the backend returned {len(values)} predictions for {len(bucket)} sentences"
                )
        except Exception as exc:
            if len(bucket) == 1:
                self._fail_item(bucket[0], exc)
                return
            # isolate the culprit: only the requests whose sentence fails get the error
            for it in bucket:
                self._run_bucket(backend, [it])
            return
        for it, value in zip(bucket, values, strict=True):
            self._cache.put(it.key, value)
            for req, i in it.waiters:
                req.fill(i, value)
                req.finish_if_complete()

    def _fail_item(self, item: _Item[T], exc: BaseException) -> None:
        for req, _ in item.waiters:
            if req.fail(exc):
                with self._cond:
                    self.stats.failed_requests += 1


def _check_sentences(sentences: Sequence[str]) -> tuple[str, ...]:
    if isinstance(sentences, str):
        raise TypeError("the engine takes a sequence of sentences, not a single string")
    texts = tuple(sentences)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"sentence {i} is {type(t).__name__}, not str")
    return texts


def _set_torch_threads(n: int) -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            torch.set_num_threads(n)
        except RuntimeError:  # pragma: no cover - already set in a way torch refuses to change
            log.debug("could not set torch threads", exc_info=True)
