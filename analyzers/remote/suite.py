"""The remote model suite: hosted models for some analyses, the local suite for the rest and as
the fallback.

``RemoteModelSuite.analyze`` is synchronous (the reviewer calls it off the event loop); the HTTP
calls run on an event loop of the suite's own, in a daemon thread. Per batch:

1. drafts from a local-only channel or profile run entirely on the local suite, and say why;
2. the local suite runs the analyses that are not remote;
3. with redaction on, people's names come from the embedded entity model (its entity output is
   kept as the entity fallback), and every sentence is redacted before it is sent;
4. every remote analysis sends each distinct sentence once (the cache first; TEI in batches,
   the serverless API one input per call), all under one deadline; the brand-safety checks
   send each sentence to each of their models, and the policy is re-run on the embedded
   evidence with those probabilities (:mod:`analyzers.models.safety`): the same rules, spans,
   messages and confidence, the driving words by occlusion against the hosted model (the
   redacted sentence's variants, through the same cache and budget);
5. a draft whose remote analysis failed (timeout, 429/503 past the deadline, budget spent,
   malformed answer, any other error) gets that analysis from the embedded model, and
   ``backends[analysis]`` says so: "embedded (remote unavailable: timeout)".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from analyzers.entities import analyze_entities
from analyzers.models.base import ModelInput, ModelOutput
from analyzers.models.suite import ANALYSES, NO_PROSE, sentence_ranges
from analyzers.prose import has_prose
from analyzers.remote.budget import RequestBudget
from analyzers.remote.cache import ResultCache, cache_key
from analyzers.remote.config import RemoteConfig, safety_key
from analyzers.remote.mapping import TONE_LABELS, entity_label, sentiment_probs, tone_signals
from analyzers.remote.redact import Redaction, personal_spans, redact_range
from analyzers.remote.services import HttpService, HubService, Service, TeiService
from analyzers.remote.transport import RemoteUnavailable, Transport, scrub
from analyzers.safety_labels import SAFETY_LABELS, merge_max, safety_probs
from analyzers.sentiment import analyze_sentiment
from analyzers.tone import analyze_tone
from analyzers.types import Entity, Span

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide
    from analyzers.models.pipelines import ModelSettings

log = logging.getLogger(__name__)
_T = TypeVar("_T")
TONE_TEMPLATE = "The tone of this text is {}."
_TASK_KEYS = {
    "sentiment": "text-classification",
    "entities": "token-classification:simple",
    "tone": "zero-shot:" + "|".join(TONE_LABELS) + ":" + TONE_TEMPLATE,
    "safety": "text-classification",
}


def _task_key(key: str) -> str:
    return _TASK_KEYS[key.split(".", 1)[0]]


class LocalSuite(Protocol):
    name: str

    def analyze(
        self, docs: Sequence[ModelInput], guide: BrandGuide, *, analyses: Sequence[str] = ...
    ) -> list[ModelOutput]: ...


class _LoopThread:
    """An event loop in a daemon thread; ``run`` submits a coroutine and waits for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="brandbot-remote", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float) -> _T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise RemoteUnavailable("timeout") from None

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        if not self.loop.is_running():
            self.loop.close()


@dataclass
class _Doc:
    """One draft's sentences as sent: redacted text per sentence and the map back."""

    index: int
    ranges: list[tuple[int, int]]
    redactions: list[Redaction]
    names: list[Entity] = field(default_factory=list)
    prose: bool = True


def _identity(text: str) -> Redaction:
    return Redaction(text, text, ((0, len(text), 0, len(text), False),))


class RemoteModelSuite:
    """:class:`~analyzers.models.base.ModelSuite` with hosted models for ``services``."""

    def __init__(
        self,
        local: LocalSuite,
        config: RemoteConfig,
        services: Mapping[str, Service],
        *,
        unavailable: Mapping[str, str] | None = None,
        keys: Mapping[str, str] | None = None,
        budget: RequestBudget | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.local = local
        self.config = config
        self.services = dict(services)
        self.unavailable = dict(unavailable or {})
        endpoints = config.endpoints()
        self.keys = dict(keys or {a: endpoints[a].model for a in self.services})
        self.budget = budget or RequestBudget(config.daily_budget, config.per_minute)
        self.transport = Transport(
            timeout_s=config.timeout_s,
            concurrency=config.concurrency,
            budget=self.budget,
            secrets=(config.token or "",),
            sleep=sleep,
        )
        self.cache = ResultCache(config.cache_size)
        self._inflight: dict[tuple[str, str, str], asyncio.Future[Any]] = {}  # loop thread only
        self._loop = _LoopThread()
        parts = [f"{a}={t.display}" for a, t in config.targets.items()]
        if config.safety:
            parts.append("safety=" + "+".join(t.display for t in config.safety))
        self.name = f"remote ({', '.join(parts)}) + {local.name}"

    def _hosted(self, analysis: str) -> bool:
        return analysis in self.config.targets or (
            analysis == "safety" and bool(self.config.safety)
        )

    def _keys_of(self, analysis: str) -> list[str]:
        """The service keys of one analysis (several for the safety checks)."""
        if analysis == "safety":
            return [safety_key(i) for i in range(len(self.config.safety))]
        return [analysis]

    def _display(self, analysis: str) -> str:
        if analysis == "safety":
            return ", ".join(t.display for t in self.config.safety)
        return self.config.targets[analysis].display

    # -- settings hooks ----------------------------------------------------------------------

    @property
    def on_budget_spent(self) -> Callable[[str], None] | None:
        return self.budget.on_spent

    @on_budget_spent.setter
    def on_budget_spent(self, hook: Callable[[str], None] | None) -> None:
        """Called once per UTC day when the daily budget runs out (the bot alerts managers)."""
        self.budget.on_spent = hook

    def close(self) -> None:
        async def shut() -> None:
            for service in self.services.values():
                try:
                    await service.aclose()
                except Exception:  # closing is best effort
                    log.debug("closing a remote client failed", exc_info=True)

        with contextlib.suppress(RemoteUnavailable):
            self._loop.run(shut(), 5.0)
        self._loop.stop()

    # -- the suite -----------------------------------------------------------------------------

    def analyze(
        self,
        docs: Sequence[ModelInput],
        guide: BrandGuide,
        *,
        analyses: Sequence[str] = ANALYSES,
    ) -> list[ModelOutput]:
        remote = [a for a in analyses if self._hosted(a)]
        if not remote or not docs:
            return self.local.analyze(docs, guide, analyses=tuple(analyses))
        outputs: list[ModelOutput | None] = [None] * len(docs)
        blocked: dict[int, str] = {}
        for i, doc in enumerate(docs):
            why = self.config.local_only(guide.profile, doc.source)
            if why is not None:
                blocked[i] = why
        if blocked:
            idx = sorted(blocked)
            for i, out in zip(idx, self._local(docs, idx, guide, analyses), strict=True):
                for a in remote:
                    out.backends[a] = f"embedded (local only: {blocked[i]})"
                outputs[i] = out
        allowed = [i for i in range(len(docs)) if i not in blocked]
        if allowed:
            for i, out in zip(allowed, self._remote(docs, allowed, guide, analyses), strict=True):
                outputs[i] = out
        return [o if o is not None else ModelOutput() for o in outputs]

    def _local(
        self, docs: Sequence[ModelInput], idx: Sequence[int], guide: BrandGuide, analyses: Any
    ) -> list[ModelOutput]:
        chosen = [docs[i] for i in idx]
        if not analyses or not chosen:
            return [ModelOutput() for _ in chosen]
        return self.local.analyze(chosen, guide, analyses=tuple(analyses))

    def _remote(
        self,
        docs: Sequence[ModelInput],
        idx: Sequence[int],
        guide: BrandGuide,
        analyses: Sequence[str],
    ) -> list[ModelOutput]:
        remote = [a for a in analyses if self._hosted(a)]
        local_set = [a for a in analyses if a not in remote]
        if "safety" in remote:
            # the embedded safety head runs anyway: its evidence (sentiment reading, the labels
            # no hosted model gives) feeds the policy, and it is the fallback
            local_set.append("safety")
        base = self._local(docs, idx, guide, local_set)
        entity_fallback: list[ModelOutput] | None = None
        names: list[list[Entity]] = [[] for _ in idx]
        if self.config.redact:
            source = base
            if "entities" not in local_set:  # names are needed even when entities are not
                source = self._local(docs, idx, guide, ("entities",))
                if "entities" in remote:
                    entity_fallback = source
            names = [
                [e for e in out.entities if e.source == "model" and e.label in ("PER", "PERSON")]
                for out in source
            ]
        plans = [self._plan(docs[i], k, names[k]) for k, i in enumerate(idx)]

        t0 = time.perf_counter()
        failures: dict[str, list[str | None]] = {}
        results: dict[str, dict[str, Any]] = {}
        blocked_by: dict[str, str] = {}
        for a in remote:
            for key in self._keys_of(a):
                if key in self.unavailable or key not in self.services:
                    blocked_by.setdefault(a, self.unavailable.get(key, "no client"))
        runnable = [k for a in remote if a not in blocked_by for k in self._keys_of(a)]
        try:
            results = self._loop.run(
                self._fetch_all(runnable, plans), self.config.deadline_s + self.config.timeout_s + 5
            )
        except RemoteUnavailable as exc:
            results = {k: {} for k in runnable}
            for a in remote:
                if a not in blocked_by:
                    failures[a] = [exc.reason] * len(plans)
        elapsed = time.perf_counter() - t0

        notes: dict[int, str] = {}  # plan -> what the hosted safety models decided
        for a in remote:
            if a in blocked_by:
                failures[a] = [blocked_by[a]] * len(plans)
                continue
            if a in failures:
                continue
            failures[a] = []
            for plan, out in zip(plans, base, strict=True):
                try:
                    note = self._apply(a, plan, docs[idx[plan.index]], out, guide, results)
                    if note:
                        notes[plan.index] = note
                    failures[a].append(None)
                except RemoteUnavailable as exc:
                    failures[a].append(exc.reason)
                except Exception as exc:
                    reason = scrub(f"{type(exc).__name__}: {exc}", (self.config.token or "",))
                    failures[a].append(reason[:200])
                out.timings[f"models.remote.{a}"] = elapsed / max(len(plans), 1)

        # fallbacks, grouped by the set of analyses that failed
        groups: dict[tuple[str, ...], list[int]] = {}
        for k in range(len(plans)):
            failed = tuple(a for a in remote if failures[a][k] is not None)
            for a in remote:
                why = failures[a][k]
                base[k].backends[a] = (
                    f"remote ({self._display(a)}{notes.get(k, '') if a == 'safety' else ''})"
                    if why is None
                    else f"embedded (remote unavailable: {why})"
                )
            if failed:
                groups.setdefault(failed, []).append(k)
        for failed, ks in groups.items():
            # the embedded safety checks already ran (in the local pass): nothing to redo
            rest = [
                a
                for a in failed
                if a != "safety" and not (a == "entities" and entity_fallback is not None)
            ]
            extra = self._local(docs, [idx[k] for k in ks], guide, rest)
            for k, fb in zip(ks, extra, strict=True):
                _merge(base[k], fb)
                if entity_fallback is not None and "entities" in failed:
                    _merge(base[k], entity_fallback[k])
        return base

    # -- planning and fetching -------------------------------------------------------------

    def _plan(self, doc: ModelInput, k: int, names: list[Entity]) -> _Doc:
        text = doc.plain.text
        ranges = sentence_ranges(doc)
        if self.config.redact:
            spans = personal_spans(text, [(n.span.start, n.span.end) for n in names])
            redactions = [redact_range(text, s, e, spans) for s, e in ranges]
        else:
            redactions = [_identity(text[s:e]) for s, e in ranges]
        return _Doc(k, ranges, redactions, names, has_prose(text))

    async def _fetch_all(
        self, analyses: Sequence[str], plans: Sequence[_Doc]
    ) -> dict[str, dict[str, Any]]:
        deadline = self.transport.clock() + self.config.deadline_s
        jobs = {}
        for a in analyses:
            texts = [
                r.sent
                for p in plans
                if p.prose or a == "entities"
                for r in p.redactions
                if r.sent.strip()
            ]
            jobs[a] = self._fetch(a, texts, deadline)
        done = await asyncio.gather(*jobs.values())
        return dict(zip(jobs, done, strict=True))

    async def _fetch(self, analysis: str, texts: Sequence[str], deadline: float) -> dict[str, Any]:
        """Distinct text -> result, or -> :class:`RemoteUnavailable` for the ones that failed.

        The cache answers first; a text another batch is already fetching waits for that
        request instead of paying for a second one."""
        service = self.services[analysis]
        key_model, key_task = self.keys[analysis], _task_key(analysis)
        classify = key_task == "text-classification"
        loop = asyncio.get_running_loop()
        out: dict[str, Any] = {}
        todo: list[str] = []
        waiting: list[tuple[str, asyncio.Future[Any]]] = []
        mine: dict[str, asyncio.Future[Any]] = {}
        for text in dict.fromkeys(texts):
            key = cache_key(key_model, key_task, text)
            hit = self.cache.get(key)
            if hit is not None:
                out[text] = hit
            elif key in self._inflight:
                waiting.append((text, self._inflight[key]))
            else:
                mine[text] = self._inflight[key] = loop.create_future()
                todo.append(text)
        size = service.batch_size if classify else 1
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]

        async def call(chunk: list[str]) -> list[Any]:
            if classify:
                return list(await service.classify(chunk))
            if analysis == "entities":
                return [await service.tokens(chunk[0])]
            return [await service.zero_shot(chunk[0], TONE_LABELS, TONE_TEMPLATE)]

        async def one(chunk: list[str]) -> None:
            try:
                got = await self.transport.request(lambda: call(chunk), deadline)
                if len(got) != len(chunk):
                    raise RemoteUnavailable(
                        f"malformed response: {len(got)} results for {len(chunk)} inputs"
                    )
            except RemoteUnavailable as exc:
                for text in chunk:
                    out[text] = exc
                return
            except Exception as exc:  # a client bug or an odd answer: report, never crash
                reason = scrub(f"{type(exc).__name__}: {exc}", (self.config.token or "",))
                for text in chunk:
                    out[text] = RemoteUnavailable(reason[:200])
                return
            for text, value in zip(chunk, got, strict=True):
                out[text] = value
                self.cache.put(cache_key(key_model, key_task, text), value)

        try:
            await asyncio.gather(*(one(c) for c in chunks))
        finally:
            for text, future in mine.items():
                self._inflight.pop(cache_key(key_model, key_task, text), None)
                if not future.done():
                    future.set_result(out.get(text, RemoteUnavailable("timeout")))
        for text, future in waiting:
            out[text] = await future
        return out

    # -- results -> findings ---------------------------------------------------------------

    def _rows(self, plan: _Doc, results: Mapping[str, Any]) -> list[Any]:
        rows: list[Any] = []
        for r in plan.redactions:
            if not r.sent.strip():
                rows.append(None)
                continue
            value = results.get(r.sent)
            if value is None:
                raise RemoteUnavailable("no result")
            if isinstance(value, RemoteUnavailable):
                raise value
            rows.append(value)
        return rows

    def _apply(
        self,
        analysis: str,
        plan: _Doc,
        doc: ModelInput,
        out: ModelOutput,
        guide: BrandGuide,
        all_results: Mapping[str, Mapping[str, Any]],
    ) -> str | None:
        """Results -> findings for one draft; for the safety checks, a note for the review on
        which labels the hosted models decided."""
        text = doc.plain.text
        if analysis == "safety":
            return self._safety(plan, text, out, guide, all_results)
        if analysis != "entities" and not plan.prose:
            out.skipped[analysis] = NO_PROSE
            return None
        rows = self._rows(plan, all_results[analysis])
        pairs = [(rng, row) for rng, row in zip(plan.ranges, rows, strict=True) if row is not None]
        ranges = [rng for rng, _ in pairs]
        if analysis == "sentiment":
            probs = [sentiment_probs(row, self.config.sentiment_labels) for _, row in pairs]
            result, findings = analyze_sentiment(text, ranges, probs, guide)
            if result is None:
                out.skipped["sentiment"] = NO_PROSE
                return None
            out.sentiment = result
            out.findings.extend(findings)
        elif analysis == "entities":
            model = self._entities(plan, text, rows)
            entities, findings = analyze_entities(text, model, guide, retype=False)
            out.entities.extend(entities)
            out.findings.extend(findings)
        else:
            signals = [tone_signals(row) for _, row in pairs]
            profile, findings = analyze_tone(text, ranges, signals, guide)
            if profile is None:
                out.skipped["tone"] = NO_PROSE
                return None
            out.tone = profile
            out.findings.extend(findings)
            if any(s.strip() for s in guide.voice.on_voice):
                out.skipped["voice"] = (
                    "voice match needs sentence embeddings, which a hosted zero-shot tone model "
                    "does not give; leave BRANDBOT_TONE_MODEL empty to use the embedded one"
                )
        return None

    # -- the brand-safety checks ---------------------------------------------------------------

    def _safety_rows(self, i: int, row: Any) -> dict[str, float]:
        try:
            return safety_probs(row, self.config.labels_for_safety(i), self._safety_model(i))
        except ValueError as exc:
            raise RemoteUnavailable(str(exc)) from None

    def _safety_model(self, i: int) -> str:
        """The Hub id (a hint for LABEL_0 / LABEL_1) of the i-th safety model; '' for URLs."""
        return self.config.safety[i].model if self.config.safety[i].kind == "router" else ""

    def _safety(
        self,
        plan: _Doc,
        text: str,
        out: ModelOutput,
        guide: BrandGuide,
        all_results: Mapping[str, Mapping[str, Any]],
    ) -> str | None:
        """The policy on the hosted models' probabilities, over the embedded evidence."""
        if not plan.prose or not out.evidence:
            return None  # no prose, or the embedded model did not run (its reason is shown)
        if len(out.evidence) != len(plan.ranges):
            raise RemoteUnavailable("sentence split differs from the embedded model's")
        per_model = []
        for i, key in enumerate(self._keys_of("safety")):
            rows = self._rows(plan, all_results[key])
            per_model.append([self._safety_rows(i, r) if r is not None else {} for r in rows])
        served = [merge_max(parts) for parts in zip(*per_model, strict=True)]
        by_span = {(s, e): r.sent for (s, e), r in zip(plan.ranges, plan.redactions, strict=True)}
        from analyzers.models.safety import replace_safety_findings

        rules = replace_safety_findings(
            out,
            text,
            served,
            guide,
            self._score_safety,
            occlude=lambda f: by_span.get((f.span.start, f.span.end), ""),
        )
        given = sorted({k for row in served for k in row})
        rest = [k for k in SAFETY_LABELS if k not in given]
        if not rules or not rest:
            return None
        return f" for {', '.join(given)}; embedded for {', '.join(rest)}"

    def _score_safety(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Hosted safety probabilities for ``texts`` (occlusion variants of redacted sentences),
        through the same cache, budget and deadline; raises when any request fails."""
        keys = self._keys_of("safety")

        async def fetch() -> list[dict[str, Any]]:
            deadline = self.transport.clock() + self.config.deadline_s
            return list(await asyncio.gather(*(self._fetch(k, texts, deadline) for k in keys)))

        got = self._loop.run(fetch(), self.config.deadline_s + self.config.timeout_s + 5)
        rows = []
        for text in texts:
            parts = []
            for i, by_text in enumerate(got):
                value = by_text.get(text)
                if value is None or isinstance(value, RemoteUnavailable):
                    raise RemoteUnavailable("no result")
                parts.append(self._safety_rows(i, value))
            rows.append(merge_max(parts))
        return rows

    def _entities(self, plan: _Doc, text: str, rows: Sequence[Any]) -> list[Entity]:
        ents: list[Entity] = list(plan.names) if self.config.redact else []
        for (s, e), red, row in zip(plan.ranges, plan.redactions, rows, strict=True):
            for hit in row or []:
                a, b = int(hit["start"]), int(hit["end"])
                if not (0 <= a < b <= len(red.sent)) or red.overlaps_placeholder(a, b):
                    continue
                oa, ob = red.to_original(a, b)
                start, end = s + oa, s + ob
                while start < end and text[start].isspace():
                    start += 1
                while end > start and text[end - 1].isspace():
                    end -= 1
                if not (s <= start < end <= e):
                    continue
                ents.append(
                    Entity(
                        text=text[start:end],
                        label=entity_label(str(hit["label"]), self.config.entity_labels),
                        span=Span(start, end),
                        source="model",
                        score=float(hit["score"]),
                    )
                )
        return ents


def _merge(into: ModelOutput, other: ModelOutput) -> None:
    into.findings.extend(other.findings)
    into.entities.extend(other.entities)
    if other.sentiment is not None:
        into.sentiment = other.sentiment
    if other.tone is not None:
        into.tone = other.tone
    for k, v in other.timings.items():
        into.timings[k] = into.timings.get(k, 0.0) + v
    into.skipped.update(other.skipped)


def build_services(config: RemoteConfig, urls: Mapping[str, str]) -> dict[str, Service]:
    services: dict[str, Service] = {}
    endpoints = config.endpoints()
    for analysis, url in urls.items():
        target = endpoints[analysis]
        token = config.token if config.sends_token_to(url) else None
        if target.kind == "tei":
            services[analysis] = TeiService(url, token, config.timeout_s, config.batch_size)
        elif target.kind == "router" or token is not None:
            services[analysis] = HubService(url, token, config.timeout_s)
        else:
            services[analysis] = HttpService(url, None, config.timeout_s)
    return services


def load_remote_suite(
    settings: ModelSettings,
    config: RemoteConfig,
    *,
    local: LocalSuite | None = None,
    strict: bool = False,
) -> RemoteModelSuite:
    """Resolve the remote targets (blocking Hub lookups: call it off the event loop), load the
    local suite for the other analyses and as the fallback, and build the suite."""
    from analyzers.models.pipelines import load_models
    from analyzers.remote.hub import resolve_targets

    if local is None:
        local_settings = replace(
            settings,
            sentiment=None if "sentiment" in config.targets else settings.sentiment,
            entities=None if "entities" in config.targets else settings.entities,
            tone=None if "tone" in config.targets else settings.tone,
            safety=None if config.safety else settings.safety,
            remote=None,
        )
        # hosted safety re-runs the policy on the embedded evidence: keep the embedded model
        local = load_models(  # type: ignore[assignment]
            local_settings, strict=strict, embedded_safety=bool(config.safety)
        )
    assert local is not None
    urls, unavailable = resolve_targets(config)
    for analysis, reason in unavailable.items():
        log.warning("hosted %s unavailable, using the embedded model: %s", analysis, reason)
    return RemoteModelSuite(
        local, config, build_services(config, urls), unavailable=unavailable, keys=urls
    )
