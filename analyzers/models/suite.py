"""The embedded model suite: one encoder pass per sentence feeds sentiment, entities and tone.

``EmbeddedModelSuite(predictor).analyze(docs, guide)`` collects the sentences of *all* documents
in the batch, calls ``predictor.predict`` once, then runs the three analyses
(:mod:`analyzers.sentiment`, :mod:`analyzers.entities`, :mod:`analyzers.tone`) per document.

Robustness, per document:

* every analysis is guarded: an exception becomes ``skipped[name] = reason``, never a crash;
  a failed ``predict`` call skips the model analyses of the whole batch with the reason, while
  the guide's gazetteer (entities) still runs;
* empty, whitespace-only, punctuation-only and emoji-only text skips sentiment and tone with
  "no prose to analyse";
* text in another language (see :mod:`analyzers.language`) skips sentiment, tone and the
  model's entities with the reason (the embedded models read English only); the guide's
  gazetteer still runs (the reviewer does not even send such drafts here);
* sentence ranges are clamped and trimmed; a document without ranges is one sentence; run-on
  sentences longer than ``MAX_SENTENCE_CHARS`` are split at whitespace so scores stay
  attributable (the predictor also windows anything over the encoder limit; nothing is
  truncated).

Timings per document (seconds): ``models.predict`` (the batch's encoder time, shared out in
proportion to the document's characters), ``models.sentiment``, ``models.entities``,
``models.tone``.

The suite codes against the small :class:`Predictor` protocol below (the shape of
``analyzers.models.predictor``), so tests can pass a deterministic fake.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from analyzers.entities import analyze_entities
from analyzers.incidents import incident
from analyzers.language import non_english_reason
from analyzers.models.attribution import finding_score_name, occlusion_batch, with_drivers
from analyzers.models.base import ModelInput, ModelOutput
from analyzers.policy import SentenceEvidence, policy_findings
from analyzers.prose import chunk_range, has_prose, trim_range
from analyzers.sentiment import analyze_sentiment
from analyzers.tone import SentenceSignals, VoiceReference, analyze_tone, group_emotions
from analyzers.types import Entity, Span

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide

# "safety" is the brand-safety checks (analyzers/policy.py): disparaging, blaming, offensive and
# sarcastic sentences, from the safety head and the sentiment probabilities
ANALYSES = ("sentiment", "entities", "tone", "safety")
MAX_EXPLAINED = 8  # findings per document whose driving words are computed (one batched pass)
MAX_SENTENCE_CHARS = 1500
NO_PROSE = "no prose to analyse: the text is empty or only emoji, symbols or punctuation"


class TokenEntity(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def score(self) -> float: ...


class SentencePrediction(Protocol):
    @property
    def sentiment(self) -> Mapping[str, float]: ...
    @property
    def emotions(self) -> Mapping[str, float]: ...
    @property
    def emotion_thresholds(self) -> Mapping[str, float]: ...
    @property
    def formality(self) -> float: ...
    @property
    def embedding(self) -> NDArray[np.float32]: ...
    @property
    def entities(self) -> Sequence[TokenEntity]: ...


class Predictor(Protocol):
    @property
    def version(self) -> str: ...
    def predict(self, sentences: Sequence[str]) -> Sequence[SentencePrediction]: ...
    def embed(self, sentences: Sequence[str]) -> NDArray[np.float32]: ...


def sentence_ranges(doc: ModelInput, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """The document's sentence ranges: clamped, trimmed, non-empty, run-ons split."""
    text = doc.plain.text
    raw = list(doc.sentences) or [(0, len(text))]
    out: list[tuple[int, int]] = []
    for start, end in raw:
        s, e = trim_range(text, start, end)
        if s < e:
            out.extend(chunk_range(text, s, e, max_chars))
    return out


def model_entities(
    text: str, ranges: Sequence[tuple[int, int]], per_sentence: Sequence[Sequence[TokenEntity]]
) -> list[Entity]:
    """Sentence-relative token entities -> :class:`Entity` in document coordinates."""
    out: list[Entity] = []
    for (s, e), ents in zip(ranges, per_sentence, strict=True):
        for ent in ents:
            start, end = s + int(ent.start), s + int(ent.end)
            if not (s <= start < end <= e):
                continue  # an offset outside its sentence: drop rather than mislabel text
            out.append(
                Entity(
                    text=text[start:end],
                    label=str(ent.label),
                    span=Span(start, end),
                    source="model",
                    score=float(ent.score),
                )
            )
    return out


def guarded(out: ModelOutput, name: str, fn: Callable[[], None]) -> None:
    """Run one analysis; on failure record ``skipped[name]`` instead of raising."""
    t0 = time.perf_counter()
    try:
        fn()
    except Exception as exc:
        out.skipped[name] = incident(f"{name} analysis failed", exc)
    finally:
        out.timings[f"models.{name}"] = time.perf_counter() - t0


def prose_gate(text: str) -> str | None:
    """Why sentiment and tone cannot be read from ``text`` (``None`` when they can)."""
    if not has_prose(text):
        return NO_PROSE
    return non_english_reason(text)


@dataclass
class _Plan:
    ranges: list[tuple[int, int]]
    gate: str | None  # reason sentiment / tone are skipped
    first: int = 0  # index of its first sentence in the batch
    preds: list[SentencePrediction] = field(default_factory=list)


class EmbeddedModelSuite:
    """:class:`~analyzers.models.base.ModelSuite` over one multi-task :class:`Predictor`."""

    def __init__(self, predictor: Predictor, *, name: str | None = None) -> None:
        self.predictor = predictor
        self.name = name or f"embedded ({predictor.version})"
        self._voice_cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], VoiceReference] = {}

    # -- voice -------------------------------------------------------------------------------

    def voice_reference(self, guide: BrandGuide) -> VoiceReference | None:
        """The guide's example embeddings, computed once per (weights, examples)."""
        on, off = tuple(guide.voice.on_voice), tuple(guide.voice.off_voice)
        if not any(s.strip() for s in on):
            return None
        key = (self.predictor.version, on, off)
        ref = self._voice_cache.get(key)
        if ref is None:
            ref = VoiceReference.build(self.predictor.embed, on, off)
            if ref is None:
                return None
            if len(self._voice_cache) >= 8:
                self._voice_cache.pop(next(iter(self._voice_cache)))
            self._voice_cache[key] = ref
        return ref

    # -- the suite ---------------------------------------------------------------------------

    def analyze(
        self,
        docs: Sequence[ModelInput],
        guide: BrandGuide,
        *,
        analyses: Sequence[str] = ANALYSES,
    ) -> list[ModelOutput]:
        """One :class:`ModelOutput` per document, same order. ``analyses`` restricts the work
        (the pipeline suite uses it for the analyses left on the embedded default)."""
        unknown = set(analyses) - set(ANALYSES)
        if unknown:
            raise ValueError(f"unknown analyses {sorted(unknown)}: expected some of {ANALYSES}")
        outputs = [ModelOutput() for _ in docs]
        plans: list[_Plan] = []
        batch: list[str] = []
        for doc in docs:
            text = doc.plain.text
            ranges = sentence_ranges(doc)
            # the sentences given (a mixed draft's foreign ones are already left out), not the
            # whole text: one German sentence must not switch off the English ones' review
            plan = _Plan(ranges, prose_gate(" ".join(text[s:e] for s, e in ranges)))
            plan.first = len(batch)
            batch.extend(text[s:e] for s, e in plan.ranges)
            plans.append(plan)

        t0 = time.perf_counter()
        failure: str | None = None
        failures: dict[int, str] = {}  # document index -> why its inference failed
        try:
            preds = self._predict(batch)
        except Exception as exc:
            if sum(1 for p in plans if p.ranges) <= 1:
                failure = incident("model inference failed", exc)
                preds = []
            else:  # one document's failure must not cost the others their analysis
                preds, failures = self._predict_each(batch, plans)
        predict_s = time.perf_counter() - t0
        total_chars = sum(e - s for p in plans for s, e in p.ranges) or 1

        voice: VoiceReference | None = None
        voice_error: str | None = None
        if "tone" in analyses and failure is None and any(p.gate is None for p in plans):
            try:
                voice = self.voice_reference(guide)
            except Exception as exc:
                voice_error = incident("voice match failed", exc)

        for i, (doc, plan, out) in enumerate(zip(docs, plans, outputs, strict=True)):
            chars = sum(e - s for s, e in plan.ranges)
            out.timings["models.predict"] = predict_s * chars / total_chars
            doc_failure = failure or failures.get(i)
            if doc_failure is None:
                plan.preds = preds[plan.first : plan.first + len(plan.ranges)]
            self._analyze_doc(doc, plan, out, guide, analyses, doc_failure, voice, voice_error)
        return outputs

    def _predict(self, batch: list[str]) -> list[SentencePrediction]:
        preds = list(self.predictor.predict(batch)) if batch else []
        if len(preds) != len(batch):
            raise RuntimeError(f"predictor returned {len(preds)} rows for {len(batch)}")
        return preds

    def _predict_each(
        self, batch: list[str], plans: list[_Plan]
    ) -> tuple[list[SentencePrediction], dict[int, str]]:
        """The batch again, one document at a time; rows of a failing document stay empty."""
        preds: list[SentencePrediction | None] = [None] * len(batch)
        failures: dict[int, str] = {}
        for i, plan in enumerate(plans):
            if not plan.ranges:
                continue
            part = batch[plan.first : plan.first + len(plan.ranges)]
            try:
                preds[plan.first : plan.first + len(part)] = self._predict(part)
            except Exception as exc:
                failures[i] = incident("model inference failed", exc)
        return preds, failures  # type: ignore[return-value]

    def _analyze_doc(
        self,
        doc: ModelInput,
        plan: _Plan,
        out: ModelOutput,
        guide: BrandGuide,
        analyses: Sequence[str],
        failure: str | None,
        voice: VoiceReference | None,
        voice_error: str | None,
    ) -> None:
        text = doc.plain.text

        if "entities" in analyses:
            foreign = plan.gate is not None and plan.gate != NO_PROSE

            def run_entities() -> None:
                model = (
                    model_entities(text, plan.ranges, [p.entities for p in plan.preds])
                    if failure is None and not foreign
                    else []
                )
                entities, findings = analyze_entities(text, model, guide)
                out.entities.extend(entities)
                out.findings.extend(findings)

            guarded(out, "entities", run_entities)
            if failure is not None:
                # the gazetteer still ran; say that the model half did not
                out.skipped.setdefault("entities.model", failure)
            elif foreign and plan.gate is not None:
                out.skipped.setdefault("entities.model", plan.gate)

        for name in ("sentiment", "tone"):
            if name not in analyses:
                continue
            if failure is not None:
                out.skipped[name] = failure
                continue
            if plan.gate is not None:
                out.skipped[name] = plan.gate
                continue
            if name == "sentiment":
                guarded(out, name, lambda: self._sentiment(text, plan, out, guide))
            else:
                guarded(out, name, lambda: self._tone(text, plan, out, guide, voice, voice_error))
        if failure is None and plan.gate is None and plan.preds:
            # the per-sentence evidence is kept whichever analyses ran: another safety backend
            # (a pipeline, a hosted model) re-runs the policy on it with its own probabilities
            out.evidence = self._evidence(text, plan)
            if "safety" in analyses:
                # the brand-safety checks read this model's own heads, also when another model
                # (a Hugging Face pipeline, a hosted endpoint) serves the draft's sentiment
                guarded(out, "policy", lambda: self._policy(text, out, guide))
            guarded(out, "explain", lambda: self._explain(text, out))

    @staticmethod
    def _sentiment(text: str, plan: _Plan, out: ModelOutput, guide: BrandGuide) -> None:
        result, findings = analyze_sentiment(
            text, plan.ranges, [p.sentiment for p in plan.preds], guide
        )
        if result is None:
            out.skipped["sentiment"] = NO_PROSE
            return
        out.sentiment = result
        out.findings.extend(findings)

    @staticmethod
    def _evidence(text: str, plan: _Plan) -> list[SentenceEvidence]:
        """What the heads said about each sentence (one per ``plan.ranges`` item, in order)."""
        evidence = []
        for (start, end), p in zip(plan.ranges, plan.preds, strict=True):
            s, e = trim_range(text, start, end)
            evidence.append(SentenceEvidence(Span(s, e), p.sentiment, getattr(p, "safety", {})))
        return evidence

    @staticmethod
    def _policy(text: str, out: ModelOutput, guide: BrandGuide) -> None:
        """Disparaging, blaming, offensive and sarcastic sentences (:mod:`analyzers.policy`)."""
        out.findings.extend(policy_findings(text, out.evidence, out.entities, guide))

    def _explain(self, text: str, out: ModelOutput) -> None:
        """Add the words that drove each model finding (policy and tone) to its message: one
        batched occlusion pass for the document, for at most ``MAX_EXPLAINED`` findings."""
        todo: list[tuple[int, str]] = []
        for k, f in enumerate(out.findings):
            score = finding_score_name(f.rule_id, f.message)
            if score is not None and len(todo) < MAX_EXPLAINED:
                todo.append((k, score))
        if not todo:
            return
        words = occlusion_batch(
            self.predictor, [(out.findings[k].span.slice(text), name) for k, name in todo]
        )
        for (k, _), w in zip(todo, words, strict=True):
            f = out.findings[k]
            out.findings[k] = dataclasses.replace(f, message=with_drivers(f.message, w))

    @staticmethod
    def _tone(
        text: str,
        plan: _Plan,
        out: ModelOutput,
        guide: BrandGuide,
        voice: VoiceReference | None,
        voice_error: str | None,
    ) -> None:
        matches: NDArray[np.float32] | None = None
        nearest: list[str | None] | None = None
        off_sims: list[float | None] = [None] * len(plan.preds)
        if voice is not None and plan.preds:
            emb = np.stack([np.asarray(p.embedding, dtype=np.float32) for p in plan.preds])
            matches = voice.match(emb)
            nearest = [voice.nearest_off_voice(row) for row in emb]
            off_sims = [voice.off_voice_similarity(row) for row in emb]
        signals = []
        for i, p in enumerate(plan.preds):
            groups, dominant = group_emotions(p.emotions, p.emotion_thresholds)
            signals.append(
                SentenceSignals(
                    formality=float(p.formality),
                    emotions=groups,
                    dominant=dominant,
                    voice=None if matches is None else float(matches[i]),
                    off_voice=off_sims[i],
                )
            )
        profile, findings = analyze_tone(
            text, plan.ranges, signals, guide, nearest_off_voice=nearest
        )
        if profile is None:
            out.skipped["tone"] = NO_PROSE
            return
        out.tone = profile
        out.findings.extend(findings)
        if voice_error is not None:
            out.skipped["voice"] = voice_error


def load_default_suite(
    *, device: str | None = None, quantize: bool | None = None
) -> EmbeddedModelSuite:
    """The embedded suite over the committed weights; raises ``ModelLoadError`` with the reason.

    ``ModelLoadError`` is :class:`analyzers.models.encoder.ModelLoadError` (re-exported by
    ``analyzers.models.predictor``).
    """
    try:
        predictor_module = importlib.import_module("analyzers.models.predictor")
    except ImportError as exc:
        from analyzers.models.encoder import ModelLoadError

        raise ModelLoadError(
            f"the embedded predictor is not available ({exc}); reinstall brandbot"
        ) from exc
    predictor: Predictor = predictor_module.load_embedded_predictor(
        device=device, quantize=quantize
    )
    return EmbeddedModelSuite(predictor)
