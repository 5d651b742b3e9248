"""The typed guide: frozen dataclasses, from :class:`Product` to :class:`BrandGuide`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analyzers.guide.errors import GuideError
from analyzers.guide.messages import _did_you_mean
from analyzers.guide.rule_dicts import _compile_rules
from analyzers.types import Severity

EMOTION_GROUPS = ("joy", "gratitude", "anger", "sadness", "fear", "surprise", "neutral")


def _frozen_map(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Product:
    name: str  # exact casing
    aliases: tuple[str, ...] = ()  # other ways it gets written; corrected to ``name``


@dataclass(frozen=True)
class PreferredTerm:
    preferred: str
    variants: tuple[str, ...]
    reason: str = ""
    severity: Severity = Severity.WARNING
    regex: bool = False  # variants are Vale regular expressions instead of literal phrases
    inflect: bool = True  # variants also match their inflections ("log in" -> "logged in")


@dataclass(frozen=True)
class BannedTerm:
    term: str
    reason: str
    severity: Severity = Severity.ERROR
    suggestions: tuple[str, ...] = ()
    regex: bool = False  # term is a Vale regular expression instead of a literal phrase
    inflect: bool = True  # the term also matches its inflections ("cheap" -> "cheapest")
    name: str = ""  # the rule's name (``Brand.Claims_<name>``); default: from the term


@dataclass(frozen=True)
class ClaimChecks:
    """The built-in superlative and absolute claim checks (see ``analyzers.rules.claims``)."""

    superlatives: bool = True  # "the best", "brightest", "most efficient", "#1", "number one"
    absolutes: bool = True  # "never fails", "100%", "guaranteed", "zero downtime"
    extra: tuple[str, ...] = ()  # more claim patterns (regular expressions)
    exceptions: tuple[str, ...] = ()  # phrases that are never claims ("best practice")
    severity: Severity = Severity.WARNING


@dataclass(frozen=True)
class Competitor:
    name: str
    aliases: tuple[str, ...] = ()  # includes the tickers
    severity: Severity = Severity.ERROR
    tickers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToneTarget:
    target: float  # 0..1
    tolerance: float = 0.2  # 0..1


@dataclass(frozen=True)
class Voice:
    description: str = ""
    formality: ToneTarget | None = None  # 0 casual .. 1 formal
    confidence: ToneTarget | None = None  # 0 hedging .. 1 confident
    emotions: Mapping[str, ToneTarget] = field(default_factory=_frozen_map)
    avoid_emotions: tuple[str, ...] = ()
    on_voice: tuple[str, ...] = ()
    off_voice: tuple[str, ...] = ()
    min_voice_match: float | None = None  # 0..1
    advice: str = ""  # replaces the default advice of policy findings (e.g. an incident profile)

    def __hash__(self) -> int:
        emotions = tuple(sorted(self.emotions.items()))
        return hash((self.description, self.formality, self.confidence, emotions, self.on_voice))


@dataclass(frozen=True)
class Limits:
    readability_grade: float | None = None  # max Flesch-Kincaid grade
    max_sentence_words: int | None = None
    max_exclamations: int | None = None  # per draft
    sentiment_floor: float | None = None  # -1..1 on p(positive) - p(negative)


@dataclass(frozen=True)
class Thresholds:
    pass_score: float = 80.0
    alert_score: float = 50.0


@dataclass(frozen=True)
class BrandGuide:
    name: str
    brand_names: tuple[str, ...]
    products: tuple[Product, ...]
    preferred: tuple[PreferredTerm, ...]
    banned: tuple[BannedTerm, ...]
    competitors: tuple[Competitor, ...]
    voice: Voice
    limits: Limits
    thresholds: Thresholds
    weights: Mapping[str, float]
    claims: tuple[BannedTerm, ...]
    profiles: Mapping[str, Mapping[str, Any]]
    channels: Mapping[str, str]
    styles: tuple[Path, ...]
    vocabularies: tuple[Path, ...]
    links: Mapping[str, str]
    spelling: bool = True  # spell-check drafts (Hunspell en_US; names and accepted terms known)
    # the Hunspell dictionaries to spell-check with ("spelling: en_GB"); empty: en_US
    dictionaries: tuple[str, ...] = ()
    # words the team accepted (Vale's accept.txt, in the guide): exceptions to the guide's word
    # rules and known to its spelling
    accepted: tuple[str, ...] = ()
    # Slack user ids who may approve drafts (with the bot's BRANDBOT_APPROVER_IDS)
    approvers: tuple[str, ...] = ()
    source: Path | None = None
    profile: str | None = None
    warnings: tuple[str, ...] = ()  # non-fatal notes, e.g. a missing optional style
    claim_checks: ClaimChecks = field(default_factory=ClaimChecks)
    _resolved: Mapping[str, BrandGuide] = field(
        default_factory=_frozen_map, repr=False, compare=False
    )

    def __hash__(self) -> int:  # equal guides hash equal; the mappings are left out
        return hash((self.name, self.source, self.profile, self.products, self.preferred))

    def link_for(self, *keys: str) -> str | None:
        """The first non-empty link under ``keys``, then under ``guide``; ``None`` if none."""
        for key in (*keys, "guide"):
            url = self.links.get(key)
            if url:
                return url
        return None

    def with_profile(self, name: str) -> BrandGuide:
        """The guide with profile ``name`` applied (profiles do not stack: each applies to base)."""
        if name and name in self._resolved:
            return self._resolved[name]
        names = [n for n in self._resolved if n]
        available = ", ".join(sorted(names)) or "none defined"
        hint = _did_you_mean(name, names) or ""
        raise GuideError(
            f"unknown profile {name!r}",
            file=str(self.source) if self.source else None,
            key_path="profiles",
            hint=(hint + " " if hint else "") + f"Available profiles: {available}.",
        )

    def profile_for_channel(self, channel_id: str, channel_name: str | None = None) -> str | None:
        """The profile mapped to a Slack channel: by id first, then by name (``#`` optional)."""
        if channel_id in self.channels:
            return self.channels[channel_id]
        if channel_name:
            key = _channel_key(channel_name)
            for k, v in self.channels.items():
                if _channel_key(k) == key:
                    return v
        return None

    def rule_definitions(self) -> list[tuple[str, dict[str, Any]]]:
        """The guide's own terminology and limits as Vale rule dicts (see docs/brand-guide.md).

        Each dict is a Vale rule plus a ``category`` key. Competitors are not here: the entity
        analyzer owns them.
        """
        return _compile_rules(self)

    @property
    def base(self) -> BrandGuide:
        """The guide without any profile applied."""
        if self.profile is None:
            return self
        base = self._resolved.get("")
        return base if base is not None else self


def _channel_key(name: str) -> str:
    return name.strip().lstrip("#").lower()
