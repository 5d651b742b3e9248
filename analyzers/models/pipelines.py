"""Other model choices: any Hugging Face model id or local model folder, per analysis.

:class:`ModelSettings` names a model per analysis; ``None`` keeps the embedded default
(:mod:`analyzers.models.suite`). :class:`PipelineModelSuite` runs the named ones through
transformers pipelines and the rest through the embedded suite, and merges the outputs:

* **sentiment** — ``text-classification`` with all scores (``top_k=None``). Model labels map to
  negative / neutral / positive: names containing "neg" / "neu" / "pos", ``LABEL_0..1``
  (negative, positive) or ``LABEL_0..2`` (negative, neutral, positive), "1 star" .. "5 stars"
  (1-2 negative, 3 neutral, 4-5 positive); ``sentiment_labels`` overrides any of them. A model
  with a label that maps nowhere fails to load with the list of labels to map.
* **entities** — ``token-classification`` with ``aggregation_strategy="simple"``; labels lose
  their ``B-`` / ``I-`` prefix and PERSON / ORGANIZATION / LOCATION / GPE become PER / ORG /
  LOC (``entity_labels`` overrides). The guide's gazetteer is merged in exactly as for the
  embedded model, and still runs if the model fails.
* **tone** — ``zero-shot-classification`` (an NLI model with an "entailment" label) over the
  candidate labels formal / casual, confident / hesitant and the guide's emotion groups, with
  ``multi_label=True``: formality = p(formal) / (p(formal) + p(casual)); model confidence =
  p(confident) / (p(confident) + p(hesitant)), averaged with the hedging lexicon; each emotion
  group's score is its entailment probability. Voice match needs sentence embeddings, which a
  zero-shot model does not give: it is reported as ``skipped["voice"]`` when the guide has
  voice examples.
* **safety** — one or more ``text-classification`` models (comma-separated), their labels
  mapped onto offensive / sarcasm / disparage / scold (:mod:`analyzers.safety_labels`,
  ``safety_labels`` = the ``BRANDBOT_SAFETY_LABELS`` text); the embedded model still runs (its
  sentiment reading and the labels no model gives) and the policy is re-run with the models'
  probabilities (:mod:`analyzers.models.safety`). Without a safety model the embedded head
  decides, which needs the embedded model: when every other analysis names a model it is not
  loaded, and ``skipped["safety"]`` says so.

Inputs longer than a model's limit are split into token windows on word boundaries (using the
model's own tokenizer), never truncated. A local folder loads offline; a Hub id downloads
through the normal Hugging Face cache when the machine is online (``HF_TOKEN`` from the
environment is passed on) and fails with a clear message when offline and not cached. A model
that fails to load becomes ``skipped[analysis]`` with the reason (or raises
:class:`ModelLoadError` with ``strict=True``). Text without prose skips sentiment and tone as in
the embedded suite; the English-only check is not applied to pipeline models (a chosen model may
well be multilingual).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from analyzers.entities import analyze_entities
from analyzers.incidents import incident
from analyzers.models.base import ModelInput, ModelLoadError, ModelOutput, ModelSuite
from analyzers.models.suite import (
    ANALYSES,
    NO_PROSE,
    EmbeddedModelSuite,
    sentence_ranges,
)
from analyzers.prose import has_prose
from analyzers.safety_labels import merge_max, parse_labels, safety_probs, split_models
from analyzers.sentiment import analyze_sentiment
from analyzers.tone import EMOTION_GROUPS, SentenceSignals, analyze_tone
from analyzers.types import Entity, Span

if TYPE_CHECKING:
    from analyzers.guide import BrandGuide
    from analyzers.remote.config import RemoteConfig

__all__ = [
    "ModelLoadError",
    "ModelSettings",
    "PipelineModelSuite",
    "load_models",
    "map_sentiment_label",
    "resolve_model",
]

_T = TypeVar("_T")

TASKS = {
    "sentiment": "text-classification",
    "entities": "token-classification",
    "tone": "zero-shot-classification",
    "safety": "text-classification",
}
TONE_PAIRS = (("formal", "casual"), ("confident", "hesitant"))
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")
_ENTITY_SYNONYMS = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC", "GPE": "LOC"}
_PIPELINE_PAIR_RESERVE = 24  # tokens kept free for the zero-shot hypothesis and special tokens


def _env_token() -> str | None:
    return os.environ.get("HF_TOKEN") or None


@dataclass(frozen=True)
class ModelSettings:
    """Which model runs each analysis. ``None`` = the embedded default.

    A value is a local model folder or a Hugging Face model id. The bot's option names
    (``sentiment_model``, ``ner_model``, ``tone_model``) are accepted as aliases.
    """

    sentiment: str | None = None
    entities: str | None = None
    tone: str | None = None
    safety: str | None = None  # one or more classifiers, comma-separated
    device: str | None = None  # None / "auto" / "cpu" / "cuda" / "cuda:1"
    hf_token: str | None = field(default_factory=_env_token, repr=False)
    precision: str | None = None  # embedded models: auto / int8 / fp32 (fp16 on GPU)
    threads: int | None = None
    sentiment_labels: Mapping[str, str] = field(default_factory=dict)
    entity_labels: Mapping[str, str] = field(default_factory=dict)
    safety_labels: str | None = None  # BRANDBOT_SAFETY_LABELS (analyzers.safety_labels)
    tone_template: str = "The tone of this text is {}."
    batch_size: int = 16
    # hosted inference (``hf:owner/name``, an endpoint or a ``tei+`` URL as the model); None =
    # built from the model values and HF_TOKEN with default limits
    remote: RemoteConfig | None = None
    sentiment_model: InitVar[str | None] = None
    ner_model: InitVar[str | None] = None
    tone_model: InitVar[str | None] = None
    safety_model: InitVar[str | None] = None

    def __post_init__(
        self,
        sentiment_model: str | None,
        ner_model: str | None,
        tone_model: str | None,
        safety_model: str | None,
    ) -> None:
        for name, alias in (
            ("sentiment", sentiment_model),
            ("entities", ner_model),
            ("tone", tone_model),
            ("safety", safety_model),
        ):
            if alias is not None and getattr(self, name) is None:
                object.__setattr__(self, name, alias)
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValueError(
                    f"ModelSettings.{name}: expected a model id or folder, got {value!r}"
                )
        parse_labels(self.safety_labels, split_models(self.safety))  # ValueError naming the item
        if "{}" not in self.tone_template:
            raise ValueError("ModelSettings.tone_template must contain '{}' for the label")
        if self.batch_size < 1:
            raise ValueError("ModelSettings.batch_size must be at least 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ModelSettings:
        """From ``BRANDBOT_SENTIMENT_MODEL``, ``BRANDBOT_NER_MODEL``, ``BRANDBOT_TONE_MODEL``,
        ``BRANDBOT_SAFETY_MODEL`` (+ ``BRANDBOT_SAFETY_LABELS``), ``BRANDBOT_DEVICE``,
        ``BRANDBOT_PRECISION`` and ``HF_TOKEN`` (empty = unset)."""
        env = os.environ if environ is None else environ

        def get(key: str) -> str | None:
            value = env.get(key, "").strip()
            return value or None

        from analyzers.remote.config import RemoteConfig

        remote = RemoteConfig.from_env(env)
        return cls(
            remote=remote if remote.enabled else None,
            sentiment=get("BRANDBOT_SENTIMENT_MODEL"),
            entities=get("BRANDBOT_NER_MODEL"),
            tone=get("BRANDBOT_TONE_MODEL"),
            safety=get("BRANDBOT_SAFETY_MODEL"),
            safety_labels=get("BRANDBOT_SAFETY_LABELS"),
            device=get("BRANDBOT_DEVICE"),
            precision=get("BRANDBOT_PRECISION"),
            hf_token=get("HF_TOKEN"),
        )

    def model_for(self, analysis: str) -> str | None:
        if analysis not in ANALYSES:
            raise ValueError(f"unknown analysis {analysis!r}: expected one of {ANALYSES}")
        value: str | None = getattr(self, analysis)
        return value

    @property
    def uses_pipelines(self) -> bool:
        return any(self.model_for(a) is not None for a in ANALYSES)

    def remote_config(self) -> RemoteConfig | None:
        """The hosted-inference settings, when some analysis names a remote model."""
        from analyzers.remote.config import RemoteConfig, parse_safety, parse_target

        if self.remote is not None:
            return self.remote if self.remote.enabled else None
        targets = {}
        for analysis in ("sentiment", "entities", "tone"):
            target = parse_target(self.model_for(analysis))
            if target is not None:
                targets[analysis] = target
        safety, safety_labels = parse_safety(self.safety, self.safety_labels)
        if not targets and not safety:
            return None
        return RemoteConfig(
            targets=targets,
            token=self.hf_token,
            sentiment_labels=dict(self.sentiment_labels),
            entity_labels=dict(self.entity_labels),
            safety=safety,
            safety_labels=safety_labels,
        )


# --------------------------------------------------------------------------------------------
# Loading


def resolve_model(spec: str) -> tuple[str, bool]:
    """``(path_or_id, is_local)``; raises :class:`ModelLoadError` for a bad local folder."""
    spec = spec.strip()
    path = Path(spec).expanduser()
    looks_local = (
        spec.startswith(("/", "./", "../", "~", ".\\"))
        or spec.count("/") > 1
        or "\\" in spec
        or bool(re.match(r"^[A-Za-z]:", spec))
    )
    if path.exists():
        if not path.is_dir():
            raise ModelLoadError(f"{path} is a file: a local model must be a folder")
        if not (path / "config.json").is_file():
            raise ModelLoadError(
                f"local model folder {path} has no config.json "
                "(save one with model.save_pretrained(folder))"
            )
        return str(path), True
    if looks_local:
        raise ModelLoadError(f"local model folder {path} does not exist")
    if not _HUB_ID.match(spec):
        raise ModelLoadError(
            f"{spec!r} is neither an existing local folder nor a Hugging Face model id (owner/name)"
        )
    return spec, False


def _device(setting: str | None) -> str | None:
    if setting is None or setting == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


def load_pipeline(analysis: str, spec: str, settings: ModelSettings) -> Any:
    """A transformers pipeline for ``analysis``; :class:`ModelLoadError` with the reason."""
    task = TASKS[analysis]
    where, local = resolve_model(spec)
    import transformers

    hf: Any = transformers  # transformers' overloads do not type a task chosen at run time
    hf.utils.logging.set_verbosity_error()
    kwargs: dict[str, Any] = {"device": _device(settings.device)}
    if settings.hf_token and not local:
        kwargs["token"] = settings.hf_token
    try:
        pipe = hf.pipeline(task, model=where, tokenizer=where, **kwargs)
    except Exception as exc:
        hint = (
            ""
            if local
            else " Hub models download on first use: this needs internet "
            "(HF_HUB_OFFLINE unset) or a local model folder."
        )
        raise ModelLoadError(
            f"could not load {spec!r} for {analysis} ({task}): {type(exc).__name__}: {exc}.{hint}"
        ) from exc
    if getattr(pipe.tokenizer, "is_fast", False) is False:
        raise ModelLoadError(
            f"{spec!r}: {analysis} needs a fast tokenizer (tokenizer.json) for character offsets"
        )
    if analysis == "tone" and getattr(pipe, "entailment_id", -1) < 0:
        labels = sorted(pipe.model.config.label2id)
        raise ModelLoadError(
            f"{spec!r} cannot do zero-shot classification: its labels {labels} have no "
            "'entailment' (use an NLI model)"
        )
    if analysis == "sentiment":
        sentiment_mapping(pipe.model.config.id2label, settings.sentiment_labels, spec)
    return pipe


def load_safety_pipelines(settings: ModelSettings) -> list[tuple[str, Any, Mapping[str, str]]]:
    """(model, pipeline, label map) per ``settings.safety`` model; :class:`ModelLoadError` when
    one cannot load or has labels that map nowhere."""
    specs = split_models(settings.safety)
    maps = parse_labels(settings.safety_labels, specs)
    out: list[tuple[str, Any, Mapping[str, str]]] = []
    for spec, labels in zip(specs, maps, strict=True):
        pipe = load_pipeline("safety", spec, settings)
        names = list(pipe.model.config.id2label.values())
        try:
            safety_probs([(n, 0.0) for n in names], labels, spec)
        except ValueError as exc:
            raise ModelLoadError(f"{spec!r}: {exc}") from None
        out.append((spec, pipe, labels))
    return out


def map_sentiment_label(label: str, n_labels: int) -> str | None:
    """The default mapping of one model label to negative / neutral / positive."""
    low = label.strip().lower()
    for key, value in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive")):
        if key in low:
            return value
    m = re.fullmatch(r"label_(\d+)", low)
    if m:
        idx = int(m.group(1))
        order = {2: ("negative", "positive"), 3: ("negative", "neutral", "positive")}
        return order[n_labels][idx] if n_labels in order and idx < n_labels else None
    m = re.fullmatch(r"(\d)\s*stars?", low)
    if m:
        stars = int(m.group(1))
        return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
    return None


def sentiment_mapping(
    id2label: Mapping[int, str], overrides: Mapping[str, str], spec: str
) -> dict[str, str]:
    labels = list(id2label.values())
    mapping: dict[str, str] = {}
    unmapped = []
    for label in labels:
        target = overrides.get(label) or map_sentiment_label(label, len(labels))
        if target not in ("negative", "neutral", "positive"):
            unmapped.append(label)
        else:
            mapping[label] = target
    if unmapped:
        raise ModelLoadError(
            f"{spec!r}: cannot map sentiment labels {unmapped} to negative/neutral/positive; "
            "set ModelSettings.sentiment_labels, e.g. {'LABEL_0': 'negative'}"
        )
    return mapping


# --------------------------------------------------------------------------------------------
# Windows under the model's limit


def token_limit(pipe: Any, reserve: int = 2) -> int:
    tok_max = int(getattr(pipe.tokenizer, "model_max_length", 0) or 0)
    pos_max = int(getattr(pipe.model.config, "max_position_embeddings", 0) or 0)
    limits = [n for n in (tok_max, pos_max) if 0 < n < 100_000]
    return max(8, (min(limits) if limits else 512) - reserve)


def token_windows(
    tokenizer: Any, text: str, start: int, end: int, limit: int
) -> list[tuple[int, int]]:
    """``[start, end)`` split into ranges of at most ``limit`` tokens, cut before a word."""
    enc = tokenizer(text[start:end], add_special_tokens=False, return_offsets_mapping=True)
    offsets = [(a, b) for a, b in enc["offset_mapping"] if b > a]
    if len(offsets) <= limit:
        return [(start, end)]
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(offsets):
        j = min(i + limit, len(offsets))
        if j < len(offsets):
            k = j
            while k > i + limit // 2 and not text[start + offsets[k][0] - 1].isspace():
                k -= 1
            if k > i + limit // 2:
                j = k
        windows.append((start + offsets[i][0], start + offsets[j - 1][1]))
        i = j
    return windows


# --------------------------------------------------------------------------------------------
# The suite


@dataclass
class _DocPlan:
    ranges: list[tuple[int, int]]
    prose: bool


class PipelineModelSuite:
    """Per-analysis transformers pipelines, with the embedded suite for the rest."""

    def __init__(
        self,
        settings: ModelSettings,
        *,
        embedded: EmbeddedModelSuite | None = None,
        strict: bool = False,
        load_embedded: Callable[[], EmbeddedModelSuite] | None = None,
        embedded_safety: bool = False,
    ) -> None:
        """``embedded_safety``: load the embedded model for the safety checks even when every
        other analysis names a model (the remote suite re-runs the policy on its evidence)."""
        self.settings = settings
        self.pipes: dict[str, Any] = {}
        self.load_errors: dict[str, str] = {}
        self.safety_pipes: list[tuple[str, Any, Mapping[str, str]]] = []
        for analysis in ANALYSES:
            spec = settings.model_for(analysis)
            if spec is None:
                continue
            try:
                if analysis == "safety":
                    self.safety_pipes = load_safety_pipelines(settings)
                else:
                    self.pipes[analysis] = load_pipeline(analysis, spec, settings)
            except ModelLoadError as exc:
                if strict:
                    raise
                self.load_errors[analysis] = str(exc)
        # a safety model that failed to load leaves the checks to the embedded head, and the
        # review says so (as the remote suite does)
        self.safety_fallback = self.load_errors.pop("safety", None)
        # the embedded model serves the analyses without a model; the safety checks need it
        # also under a safety model (its sentiment reading, and the labels no model gives)
        self.embedded_analyses = tuple(
            a for a in ANALYSES if settings.model_for(a) is None or a == "safety"
        )
        if (
            self.embedded_analyses == ("safety",)
            and settings.safety is None
            and not embedded_safety
        ):
            # every other analysis names a model: do not load the embedded one just for this
            self.embedded_analyses = ()
            self.load_errors["safety"] = (
                "the brand-safety checks need the embedded model or BRANDBOT_SAFETY_MODEL; "
                "every other analysis names a model, so the embedded model is not loaded"
            )
        self.embedded = embedded
        if self.embedded_analyses and embedded is None:
            try:
                self.embedded = (load_embedded or _load_embedded(settings))()
            except Exception as exc:
                if strict:
                    raise
                for analysis in self.embedded_analyses:
                    self.load_errors[analysis] = f"embedded models failed to load: {exc}"
        parts = [f"{a}={settings.model_for(a) or 'embedded'}" for a in ANALYSES]
        self.name = "pipelines (" + ", ".join(parts) + ")"
        self._sentiment_map = (
            sentiment_mapping(
                self.pipes["sentiment"].model.config.id2label,
                settings.sentiment_labels,
                settings.sentiment or "",
            )
            if "sentiment" in self.pipes
            else {}
        )

    def analyze(
        self,
        docs: Sequence[ModelInput],
        guide: BrandGuide,
        *,
        analyses: Sequence[str] = ANALYSES,
    ) -> list[ModelOutput]:
        """``analyses`` restricts the work (the remote suite uses it for its fallbacks)."""
        embedded = tuple(a for a in self.embedded_analyses if a in analyses)
        if self.embedded is not None and embedded:
            outputs = self.embedded.analyze(docs, guide, analyses=embedded)
        else:
            outputs = [ModelOutput() for _ in docs]
        plans = [_DocPlan(sentence_ranges(doc), has_prose(doc.plain.text)) for doc in docs]
        for analysis, reason in self.load_errors.items():
            if analysis not in analyses:
                continue
            for doc, out in zip(docs, outputs, strict=True):
                if analysis == "entities":
                    # the model is missing, the guide's gazetteer is not
                    self._guard(out, "entities", partial(self._gazetteer, doc, out, guide))
                    out.skipped["entities.model"] = reason
                else:
                    out.skipped[analysis] = reason
        if "sentiment" in self.pipes and "sentiment" in analyses:
            self._batched(docs, plans, outputs, "sentiment", guide, self._run_sentiment)
        if "entities" in self.pipes and "entities" in analyses:
            self._batched(docs, plans, outputs, "entities", guide, self._run_entities)
        if "tone" in self.pipes and "tone" in analyses:
            self._batched(docs, plans, outputs, "tone", guide, self._run_tone)
        if self.safety_fallback and "safety" in analyses and "safety" not in self.load_errors:
            for out in outputs:
                out.backends["safety"] = f"embedded ({self.safety_fallback[:200]})"
        if self.safety_pipes and "safety" in analyses:
            for doc, out in zip(docs, outputs, strict=True):
                self._guard(out, "safety", partial(self._run_safety, doc, out, guide))
        return outputs

    def _safety_scores(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """Every safety model over ``sentences`` -> mapped probabilities (max per label)."""
        per_model = []
        for spec, pipe, labels in self.safety_pipes:
            raw = pipe(
                list(sentences), top_k=None, batch_size=self.settings.batch_size, truncation=True
            )
            rows = _as_rows(raw, len(sentences))
            per_model.append(
                [
                    safety_probs([(str(i["label"]), float(i["score"])) for i in r], labels, spec)
                    for r in rows
                ]
            )
        return [merge_max(parts) for parts in zip(*per_model, strict=True)]

    def _run_safety(self, doc: ModelInput, out: ModelOutput, guide: BrandGuide) -> None:
        """The policy on the safety models' probabilities (needs the embedded evidence)."""
        if not out.evidence:
            return  # no prose, another language, or the embedded model did not run
        from analyzers.models.safety import replace_safety_findings

        t0 = time.perf_counter()
        text = doc.plain.text
        served = self._safety_scores([ev.span.slice(text) for ev in out.evidence])
        replace_safety_findings(out, text, served, guide, self._safety_scores)
        out.timings["models.safety"] = time.perf_counter() - t0

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _guard(out: ModelOutput, name: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:
            out.skipped[name] = incident(f"{name} analysis failed", exc)

    @staticmethod
    def _gazetteer(doc: ModelInput, out: ModelOutput, guide: BrandGuide) -> None:
        entities, findings = analyze_entities(doc.plain.text, [], guide)
        out.entities.extend(entities)
        out.findings.extend(findings)

    def _batched(
        self,
        docs: Sequence[ModelInput],
        plans: Sequence[_DocPlan],
        outputs: Sequence[ModelOutput],
        analysis: str,
        guide: BrandGuide,
        run: Callable[
            [Sequence[ModelInput], Sequence[list[tuple[int, int]]], BrandGuide],
            list[Callable[[ModelOutput], None]],
        ],
    ) -> None:
        """Window every document for this pipeline, run it once, hand results back per doc."""
        t0 = time.perf_counter()
        pipe = self.pipes[analysis]
        reserve = _PIPELINE_PAIR_RESERVE if analysis == "tone" else 2
        limit = token_limit(pipe, reserve)
        active = [i for i, p in enumerate(plans) if p.prose or analysis == "entities"]
        try:
            windows = [
                [
                    w
                    for s, e in plans[i].ranges
                    for w in token_windows(pipe.tokenizer, docs[i].plain.text, s, e, limit)
                ]
                for i in active
            ]
            finishers = run([docs[i] for i in active], windows, guide)
        except Exception as exc:
            reason = incident(f"{analysis} model failed", exc)
            for i in active:
                outputs[i].skipped[analysis] = reason
            finishers = []
        elapsed = time.perf_counter() - t0
        for i, out in enumerate(outputs):
            if not plans[i].prose and analysis != "entities":
                out.skipped[analysis] = NO_PROSE
            out.timings[f"models.{analysis}"] = elapsed / max(len(outputs), 1)
        for i, finish in zip(active, finishers, strict=True):
            self._guard(outputs[i], analysis, partial(finish, outputs[i]))

    def _texts(
        self, docs: Sequence[ModelInput], windows: Sequence[list[tuple[int, int]]]
    ) -> list[str]:
        return [doc.plain.text[s:e] for doc, ws in zip(docs, windows, strict=True) for s, e in ws]

    def _run_sentiment(
        self,
        docs: Sequence[ModelInput],
        windows: Sequence[list[tuple[int, int]]],
        guide: BrandGuide,
    ) -> list[Callable[[ModelOutput], None]]:
        texts = self._texts(docs, windows)
        raw = (
            self.pipes["sentiment"](
                texts, top_k=None, batch_size=self.settings.batch_size, truncation=True
            )
            if texts
            else []
        )
        probs = [self._map_sentiment(r) for r in _as_rows(raw, len(texts))]
        finishers: list[Callable[[ModelOutput], None]] = []
        for doc, ws, mine in _per_doc(docs, windows, probs):

            def finish(
                out: ModelOutput, doc: ModelInput = doc, ws: Any = ws, mine: Any = mine
            ) -> None:
                result, findings = analyze_sentiment(doc.plain.text, ws, mine, guide)
                if result is None:
                    out.skipped["sentiment"] = NO_PROSE
                    return
                out.sentiment = result
                out.findings.extend(findings)

            finishers.append(finish)
        return finishers

    def _map_sentiment(self, row: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        probs = {"negative": 0.0, "neutral": 0.0, "positive": 0.0}
        for item in row:
            target = self._sentiment_map.get(str(item["label"]))
            if target is not None:
                probs[target] += float(item["score"])
        return probs

    def _entity_label(self, label: str) -> str:
        if label in self.settings.entity_labels:
            return self.settings.entity_labels[label]
        bare = re.sub(r"^[BIES]-", "", label).upper()
        return self.settings.entity_labels.get(bare, _ENTITY_SYNONYMS.get(bare, bare))

    def _run_entities(
        self,
        docs: Sequence[ModelInput],
        windows: Sequence[list[tuple[int, int]]],
        guide: BrandGuide,
    ) -> list[Callable[[ModelOutput], None]]:
        texts = self._texts(docs, windows)
        raw = (
            self.pipes["entities"](
                texts, aggregation_strategy="simple", batch_size=self.settings.batch_size
            )
            if texts
            else []
        )
        rows = _as_rows(raw, len(texts))
        finishers: list[Callable[[ModelOutput], None]] = []
        for doc, ws, doc_rows in _per_doc(docs, windows, rows):
            text = doc.plain.text
            ents: list[Entity] = []
            for (s, e), row in zip(ws, doc_rows, strict=True):
                for item in row:
                    a, b = item.get("start"), item.get("end")
                    if a is None or b is None:
                        continue
                    start, end = s + int(a), s + int(b)
                    # trim the whitespace some tokenizers include in a word's offsets
                    while start < end and text[start].isspace():
                        start += 1
                    if not (s <= start < end <= e):
                        continue
                    label = str(item.get("entity_group") or item.get("entity") or "MISC")
                    ents.append(
                        Entity(
                            text=text[start:end],
                            label=self._entity_label(label),
                            span=Span(start, end),
                            source="model",
                            score=float(item.get("score", 0.0)),
                        )
                    )

            def finish(out: ModelOutput, text: str = text, ents: Any = ents) -> None:
                entities, findings = analyze_entities(text, ents, guide, retype=False)
                out.entities.extend(entities)
                out.findings.extend(findings)

            finishers.append(finish)
        return finishers

    def _run_tone(
        self,
        docs: Sequence[ModelInput],
        windows: Sequence[list[tuple[int, int]]],
        guide: BrandGuide,
    ) -> list[Callable[[ModelOutput], None]]:
        texts = self._texts(docs, windows)
        labels = [w for pair in TONE_PAIRS for w in pair] + list(EMOTION_GROUPS)
        raw = (
            self.pipes["tone"](
                texts,
                candidate_labels=labels,
                hypothesis_template=self.settings.tone_template,
                multi_label=True,
                batch_size=self.settings.batch_size,
            )
            if texts
            else []
        )
        if isinstance(raw, dict):
            raw = [raw]
        signals = []
        for r in raw:
            scores = dict(zip(r["labels"], (float(x) for x in r["scores"]), strict=True))
            formal, casual = scores["formal"], scores["casual"]
            sure, unsure = scores["confident"], scores["hesitant"]
            groups = {g: scores[g] for g in EMOTION_GROUPS}
            top = max(groups, key=lambda g: groups[g])
            signals.append(
                SentenceSignals(
                    formality=formal / (formal + casual) if formal + casual > 0 else 0.5,
                    emotions=groups,
                    dominant=top if groups[top] >= 0.5 else None,
                    confidence=sure / (sure + unsure) if sure + unsure > 0 else None,
                )
            )
        voice_note = (
            f"voice match needs sentence embeddings, which the zero-shot tone model "
            f"{self.settings.tone!r} does not give; leave the tone model unset to use the "
            "embedded one"
            if any(s.strip() for s in guide.voice.on_voice)
            else None
        )
        finishers: list[Callable[[ModelOutput], None]] = []
        for doc, ws, mine in _per_doc(docs, windows, signals):

            def finish(
                out: ModelOutput, doc: ModelInput = doc, ws: Any = ws, mine: Any = mine
            ) -> None:
                profile, findings = analyze_tone(doc.plain.text, ws, mine, guide)
                if profile is None:
                    out.skipped["tone"] = NO_PROSE
                    return
                out.tone = profile
                out.findings.extend(findings)
                if voice_note:
                    out.skipped["voice"] = voice_note

            finishers.append(finish)
        return finishers


def _per_doc(
    docs: Sequence[ModelInput], windows: Sequence[list[tuple[int, int]]], flat: list[_T]
) -> Iterator[tuple[ModelInput, list[tuple[int, int]], list[_T]]]:
    """Each document with its windows and its share of ``flat`` (one item per window, in order)."""
    pos = 0
    for doc, ws in zip(docs, windows, strict=True):
        yield doc, ws, flat[pos : pos + len(ws)]
        pos += len(ws)


def _as_rows(raw: Any, n: int) -> list[list[dict[str, Any]]]:
    """Pipeline output for ``n`` inputs -> one list of dicts per input."""
    if n == 0:
        return []
    if n == 1 and isinstance(raw, list) and (not raw or isinstance(raw[0], dict)):
        return [list(raw)]
    rows = [list(r) if isinstance(r, list) else [r] for r in raw]
    if len(rows) != n:
        raise RuntimeError(f"pipeline returned {len(rows)} results for {n} inputs")
    return rows


def _load_embedded(settings: ModelSettings) -> Callable[[], EmbeddedModelSuite]:
    def load() -> EmbeddedModelSuite:
        return _embedded_suite(settings)

    return load


def _embedded_suite(settings: ModelSettings) -> EmbeddedModelSuite:
    """The embedded suite at the precision the server and the benchmarks use: int8 is the
    W8A8 per-token encoder of :mod:`analyzers.models.int8`, so a sentence scores the same
    whatever it is batched with (torch's dynamic int8 scales activations per batch, and one
    sentence's probabilities moved by up to 0.28 with its batch mates in `brandbot review`)."""
    from analyzers.serving import load_predictor_backend

    backend = load_predictor_backend(
        precision=settings.precision, device=_embedded_device(settings.device)
    )
    return EmbeddedModelSuite(backend.predictor)


def _embedded_device(device: str | None) -> str | None:
    return None if device in (None, "auto") else device


def load_models(
    settings: ModelSettings | None = None, *, strict: bool = False, embedded_safety: bool = False
) -> ModelSuite:
    """The suite ``settings`` ask for: the embedded one when no analysis names a model.

    Raises :class:`ModelLoadError` when the embedded models are needed and cannot load (and,
    with ``strict=True``, when a named model cannot load). ``embedded_safety``: see
    :class:`PipelineModelSuite` (the remote suite's local half asks for it).
    """
    settings = settings or ModelSettings()
    remote = settings.remote_config()
    if remote is not None:
        from analyzers.remote.suite import load_remote_suite

        return load_remote_suite(settings, remote, strict=strict)
    if settings.threads:
        import torch

        torch.set_num_threads(settings.threads)
    if not settings.uses_pipelines:
        return _embedded_suite(settings)
    return PipelineModelSuite(settings, strict=strict, embedded_safety=embedded_safety)
