"""Hosted-inference settings: which analyses run remotely, where, and within which limits.

One setting per analysis switches it to a hosted model: the same ``BRANDBOT_SENTIMENT_MODEL``
/ ``BRANDBOT_NER_MODEL`` / ``BRANDBOT_TONE_MODEL`` / ``BRANDBOT_SAFETY_MODEL`` that names a
local model takes

* ``hf:owner/name`` — a Hub model through the Inference Providers router (``provider``
  configurable, ``hf-inference`` by default), called with ``huggingface_hub``'s
  ``AsyncInferenceClient``;
* ``https://…`` — a dedicated Inference Endpoint (or any server speaking the serverless
  API's request format);
* ``tei+https://…`` (or ``tei+http://``) — a text-embeddings-inference server: sentences go to
  its ``/predict`` route in batches (text classification only: TEI serves
  sequence-classification models).

Anything else (empty, a local folder, a bare Hub id) stays local, as before.

``BRANDBOT_SAFETY_MODEL`` (the brand-safety checks) takes a comma-separated list of such values,
all hosted or all local, with ``BRANDBOT_SAFETY_LABELS`` mapping their labels onto offensive /
sarcasm / disparage / scold (:mod:`analyzers.safety_labels`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from analyzers.bounds import BoundedParser
from analyzers.safety_labels import parse_labels, split_models

Kind = Literal["router", "endpoint", "tei"]

ROUTER_URL = "https://router.huggingface.co"
HUB_URL = "https://huggingface.co"
TASKS = {
    "sentiment": "text-classification",
    "entities": "token-classification",
    "tone": "zero-shot-classification",
    "safety": "text-classification",
}
_MODEL_VARS = {
    "sentiment": "BRANDBOT_SENTIMENT_MODEL",
    "entities": "BRANDBOT_NER_MODEL",
    "tone": "BRANDBOT_TONE_MODEL",
}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
_SENTIMENT_TARGETS = ("negative", "neutral", "positive")
MAX_SAFETY_MODELS = 4


class RemoteConfigError(ValueError):
    """Invalid hosted-inference settings; ``problems`` has one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class RemoteTarget:
    """Where one analysis runs remotely. ``model`` is a Hub id (router) or a base URL."""

    kind: Kind
    model: str

    @property
    def display(self) -> str:
        """What a review shows: the model id, or the URL's host (never its path or query)."""
        if self.kind == "router":
            return self.model
        host = urlsplit(self.model).hostname or "?"
        return f"{'TEI' if self.kind == 'tei' else 'endpoint'} {host}"


def parse_target(value: str | None) -> RemoteTarget | None:
    """The remote target a model setting names; ``None`` for embedded or local models.

    Raises ``ValueError`` for a value that asks for a remote backend but is malformed.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    low = value.lower()
    if low.startswith("hf:"):
        model = value[3:].strip()
        if not _HUB_ID.match(model):
            raise ValueError(f"{value!r}: expected hf:owner/name (a Hugging Face model id)")
        return RemoteTarget("router", model)
    if low.startswith("tei+"):
        url = value[4:]
        _check_url(value, url)
        return RemoteTarget("tei", url.rstrip("/"))
    if low.startswith(("http://", "https://")):
        _check_url(value, value)
        return RemoteTarget("endpoint", value.rstrip("/"))
    return None


def _check_url(value: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r}: expected an http(s) URL")
    if parts.username or parts.password:
        raise ValueError(f"{value!r}: put credentials in HF_TOKEN, not in the URL")


def parse_label_map(raw: str | None, what: str) -> dict[str, str]:
    """``"LABEL_0=negative, LABEL_1=positive"`` -> a dict; ``ValueError`` naming the bad item."""
    out: dict[str, str] = {}
    for item in re.split(r"[,;]", raw or ""):
        item = item.strip()
        if not item:
            continue
        key, sep, target = item.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(f"{item!r} is not MODEL_LABEL=target")
        target = target.strip()
        if what == "sentiment" and target.lower() not in _SENTIMENT_TARGETS:
            raise ValueError(f"{item!r}: the target must be negative, neutral or positive")
        out[key.strip()] = target.lower() if what == "sentiment" else target.upper()
    return out


def _env_token() -> str | None:
    return os.environ.get("HF_TOKEN") or None


@dataclass(frozen=True)
class RemoteConfig:
    """Hosted inference for the analyses in ``targets``; the limits apply to all of them."""

    targets: Mapping[str, RemoteTarget] = field(default_factory=dict)
    provider: str = "hf-inference"
    base_url: str = ROUTER_URL  # the Inference Providers router (tests point it at a fake)
    hub_url: str = HUB_URL  # model lookups and whoami
    token: str | None = field(default_factory=_env_token, repr=False)
    timeout_s: float = 10.0  # one HTTP request
    deadline_s: float = 30.0  # one analysis of one batch, retries and waits included
    daily_budget: int = 1000  # requests per UTC day; 0 = no limit
    per_minute: int = 60  # requests per rolling minute; 0 = no limit
    concurrency: int = 4  # requests in flight at once
    batch_size: int = 32  # sentences per request where the service takes batches (TEI)
    redact: bool = True
    local_only_channels: tuple[str, ...] = ()
    local_only_profiles: tuple[str, ...] = ()
    sentiment_labels: Mapping[str, str] = field(default_factory=dict)
    entity_labels: Mapping[str, str] = field(default_factory=dict)
    cache_size: int = 20_000
    # the brand-safety checks: one or more text classifiers, each with its label map
    safety: tuple[RemoteTarget, ...] = ()
    safety_labels: tuple[Mapping[str, str], ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.timeout_s <= 0 or self.deadline_s <= 0:
            problems.append("timeouts must be positive")
        if self.concurrency < 1 or self.batch_size < 1:
            problems.append("concurrency and batch size must be at least 1")
        if self.daily_budget < 0 or self.per_minute < 0:
            problems.append("budgets cannot be negative")
        if not _PROVIDER.match(self.provider):
            problems.append(f"provider {self.provider!r} is not a provider name")
        if self.safety_labels and len(self.safety_labels) != len(self.safety):
            problems.append("safety: one label map per safety model")
        for analysis, target in self.targets.items():
            if analysis not in TASKS or analysis == "safety":
                problems.append(f"unknown analysis {analysis!r}")
            elif target.kind == "tei" and analysis != "sentiment":
                problems.append(
                    f"{analysis}: TEI serves sequence-classification models only "
                    "(use hf:owner/name or an Inference Endpoint URL)"
                )
        if problems:
            raise RemoteConfigError(problems)

    @property
    def enabled(self) -> bool:
        return bool(self.targets or self.safety)

    def endpoints(self) -> dict[str, RemoteTarget]:
        """Every hosted model by key: the analyses' names, and ``safety``, ``safety.2``, … for
        the safety models."""
        out = dict(self.targets)
        out.update({safety_key(i): t for i, t in enumerate(self.safety)})
        return out

    def labels_for_safety(self, i: int) -> Mapping[str, str]:
        return self.safety_labels[i] if i < len(self.safety_labels) else {}

    def router_url(self, model_id: str) -> str:
        return f"{self.base_url.rstrip('/')}/{self.provider}/models/{model_id}"

    def sends_token_to(self, url: str) -> bool:
        """The token goes to the router and to Hugging Face hosts only, never to a
        self-hosted server (which would then hold a credential for the Hub)."""
        host = (urlsplit(url).hostname or "").lower()
        router = (urlsplit(self.base_url).hostname or "").lower()
        return host == router or host.endswith((".huggingface.cloud", ".huggingface.co"))

    def local_only(self, profile: str | None, source: str | None) -> str | None:
        """Why a draft must not leave the machine (``None`` when it may)."""
        if profile and profile in self.local_only_profiles:
            return f"profile {profile} is local-only"
        channel = (source or "").split("/", 1)[0]
        if channel and channel in self.local_only_channels:
            return f"channel {channel} is local-only"
        return None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RemoteConfig:
        """From the environment (empty = unset); raises :class:`RemoteConfigError` listing
        every problem, one per variable."""
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def get(key: str) -> str | None:
            value = env.get(key, "").strip()
            return value or None

        bounded = BoundedParser(get, problems)
        number, integer = bounded.number, bounded.integer

        def url(key: str, default: str) -> str:
            raw = get(key)
            if raw is None:
                return default
            parts = urlsplit(raw)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"{key}={raw!r} must be an http(s) URL")
                return default
            return raw.rstrip("/")

        def items(key: str) -> tuple[str, ...]:
            return tuple(x for x in re.split(r"[,\s]+", get(key) or "") if x)

        targets: dict[str, RemoteTarget] = {}
        for analysis, key in _MODEL_VARS.items():
            try:
                target = parse_target(get(key))
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
                continue
            if target is not None:
                targets[analysis] = target
        safety, safety_labels = _safety_from_env(get, problems)
        labels: dict[str, dict[str, str]] = {}
        for what, key in (
            ("sentiment", "BRANDBOT_SENTIMENT_LABELS"),
            ("entities", "BRANDBOT_ENTITY_LABELS"),
        ):
            try:
                labels[what] = parse_label_map(get(key), what)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
                labels[what] = {}
        redact_raw = (get("BRANDBOT_REMOTE_REDACT") or "true").lower()
        if redact_raw not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            problems.append(f"BRANDBOT_REMOTE_REDACT={redact_raw!r} must be true or false")
        provider = (get("BRANDBOT_HF_PROVIDER") or "hf-inference").lower()
        if not _PROVIDER.match(provider):
            problems.append(f"BRANDBOT_HF_PROVIDER={provider!r} is not a provider name")
            provider = "hf-inference"
        channels = items("BRANDBOT_LOCAL_ONLY_CHANNELS")
        for channel in channels:
            if not re.match(r"^[CGD][A-Z0-9]{2,}$", channel):
                problems.append(
                    f"BRANDBOT_LOCAL_ONLY_CHANNELS: {channel!r} is not a channel id (C0123ABCD); "
                    "to forbid a channel by name, map it to a profile in the guide and list the "
                    "profile in BRANDBOT_LOCAL_ONLY_PROFILES"
                )
        base_url = url("BRANDBOT_HF_BASE_URL", ROUTER_URL)
        hub_url = url("BRANDBOT_HF_HUB_URL", HUB_URL)
        timeout_s = number("BRANDBOT_REMOTE_TIMEOUT", 10.0, 0.1, 600.0)
        deadline_s = number("BRANDBOT_REMOTE_DEADLINE", 30.0, 0.1, 3600.0)
        daily_budget = integer("BRANDBOT_REMOTE_DAILY_BUDGET", 1000, 0, 10_000_000)
        per_minute = integer("BRANDBOT_REMOTE_PER_MINUTE", 60, 0, 1_000_000)
        concurrency = integer("BRANDBOT_REMOTE_CONCURRENCY", 4, 1, 256)
        batch_size = integer("BRANDBOT_REMOTE_BATCH", 32, 1, 1024)
        if problems:
            raise RemoteConfigError(problems)
        try:
            return cls(
                targets=targets,
                provider=provider,
                base_url=base_url,
                hub_url=hub_url,
                token=get("HF_TOKEN"),
                timeout_s=timeout_s,
                deadline_s=deadline_s,
                daily_budget=daily_budget,
                per_minute=per_minute,
                concurrency=concurrency,
                batch_size=batch_size,
                redact=redact_raw in ("true", "1", "yes", "on"),
                local_only_channels=channels,
                local_only_profiles=items("BRANDBOT_LOCAL_ONLY_PROFILES"),
                sentiment_labels=labels["sentiment"],
                entity_labels=labels["entities"],
                safety=safety,
                safety_labels=safety_labels,
            )
        except RemoteConfigError as exc:
            raise RemoteConfigError([f"BRANDBOT_*_MODEL: {p}" for p in exc.problems]) from None


def safety_key(i: int) -> str:
    """The key of the ``i``-th safety model (services, cache, results): safety, safety.2, …"""
    return "safety" if i == 0 else f"safety.{i + 1}"


def parse_safety(
    models_raw: str | None, labels_raw: str | None
) -> tuple[tuple[RemoteTarget, ...], tuple[Mapping[str, str], ...]]:
    """``BRANDBOT_SAFETY_MODEL`` / ``BRANDBOT_SAFETY_LABELS`` -> the hosted safety models and
    their label maps (empty for a list of local models: the pipelines load those). Raises
    :class:`RemoteConfigError` with one line per problem."""
    key = "BRANDBOT_SAFETY_MODEL"
    problems: list[str] = []
    models = split_models(models_raw)
    maps: list[dict[str, str]] = [{} for _ in models]
    try:
        maps = parse_labels(labels_raw, models)
    except ValueError as exc:
        problems.append(f"BRANDBOT_SAFETY_LABELS: {exc}")
    targets: list[RemoteTarget | None] = []
    for value in models:
        try:
            targets.append(parse_target(value))
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    hosted = [t for t in targets if t is not None]
    if hosted and len(hosted) != len(models):
        problems.append(
            f"{key}: list only hosted models (hf:, https://, tei+) or only local ones, not both"
        )
    if len(models) > MAX_SAFETY_MODELS:
        problems.append(f"{key}: at most {MAX_SAFETY_MODELS} models")
    if problems:
        raise RemoteConfigError(problems)
    return (tuple(hosted), tuple(maps)) if hosted else ((), ())


def _safety_from_env(
    get: Callable[[str], str | None], problems: list[str]
) -> tuple[tuple[RemoteTarget, ...], tuple[Mapping[str, str], ...]]:
    try:
        return parse_safety(get("BRANDBOT_SAFETY_MODEL"), get("BRANDBOT_SAFETY_LABELS"))
    except RemoteConfigError as exc:
        problems.extend(exc.problems)
        return (), ()
