"""The brand guide: one YAML file -> a validated, typed, frozen :class:`BrandGuide`.

The schema is documented in ``docs/brand-guide.md``; ``examples/brand-guide.yaml`` is a complete
example. Loading is all or nothing: every problem that can be found in one pass is collected, and
if there is any, :class:`GuideError` is raised and nothing is returned. Each error names the file,
the line, the key path and a hint, e.g.::

    brand-guide.yaml:12: voice.formalty: unknown key. Did you mean 'formality'?

The YAML is read with PyYAML's composer (node tree with line marks) rather than ``safe_load`` so
that every value keeps its line, duplicate keys are caught, and profile overrides merged over the
base guide still report the line where they were written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from analyzers.paths import REPO_ROOT, shared_dir
from analyzers.types import Category, Severity

__all__ = [
    "EMOTION_GROUPS",
    "BannedTerm",
    "BrandGuide",
    "Competitor",
    "GuideError",
    "Limits",
    "PreferredTerm",
    "Product",
    "Thresholds",
    "ToneTarget",
    "Voice",
    "default_guide_path",
    "load_guide",
    "parse_guide",
]

log = logging.getLogger(__name__)

EMOTION_GROUPS = ("joy", "gratitude", "anger", "sadness", "fear", "surprise", "neutral")
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
SCHEMA_VERSION = 1


# --------------------------------------------------------------------------------------------
# Errors


class GuideError(ValueError):
    """A problem in a brand guide.

    ``str(err)`` reads ``<file>:<line>: <key.path>: <problem>. <hint>``. When several problems
    were found, the attributes describe the first one, ``errors`` holds all of them and
    ``str(err)`` lists one per line.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key_path: str = "",
        hint: str | None = None,
        errors: Sequence[GuideError] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.key_path = key_path
        self.problem = problem
        self.hint = hint
        self.errors: tuple[GuideError, ...] = tuple(errors) or (self,)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.errors) > 1:
            return "\n".join(e.one_line() for e in self.errors)
        return self.one_line()

    def one_line(self) -> str:
        where = self.file or "<guide>"
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: "
        if self.key_path:
            text += f"{self.key_path}: "
        text += self.problem.rstrip(".") + "."
        if self.hint:
            text += " " + self.hint
        return text

    def __str__(self) -> str:
        return self._text()


# --------------------------------------------------------------------------------------------
# The typed guide


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


def default_guide_path() -> Path:
    return REPO_ROOT / "examples" / "brand-guide.yaml"


# --------------------------------------------------------------------------------------------
# YAML -> located node tree


@dataclass(eq=False)
class _Node:
    value: Any  # dict[str, _Node] | list[_Node] | scalar
    line: int | None  # 1-based line of the value
    path: str  # key path where it was written, e.g. "voice.formality.target"
    key_line: int | None = None  # line of the key that holds it (mappings only)

    @property
    def where(self) -> int | None:
        return self.key_line if self.key_line is not None else self.line

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_null(self) -> bool:
        return self.value is None


class _Ctx:
    def __init__(self, file: str | None, base_dir: Path) -> None:
        self.file = file
        self.base_dir = base_dir
        self.errors: list[GuideError] = []
        self.warnings: list[str] = []
        self.nodes = 0
        self._seen: set[tuple[int | None, str, str]] = set()
        # where each built entry came from, by id() of the built value (they all stay alive)
        self.origin: dict[int, _Node] = {}
        self.variant_nodes: dict[int, list[_Node]] = {}

    def error(
        self, node: _Node | None, problem: str, hint: str | None = None, *, path: str | None = None
    ) -> None:
        line = node.where if node is not None else None
        key_path = path if path is not None else (node.path if node is not None else "")
        key = (line, key_path, problem)
        if key in self._seen:
            return
        self._seen.add(key)
        self.errors.append(
            GuideError(problem, file=self.file, line=line, key_path=key_path, hint=hint)
        )

    def warn(self, node: _Node, text: str) -> None:
        line = f":{node.where}" if node.where is not None else ""
        msg = f"{self.file or '<guide>'}{line}: {node.path}: {text}"
        if msg not in self.warnings:
            self.warnings.append(msg)

    def raise_if_errors(self) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: e.line if e.line is not None else 0)
            first = self.errors[0]
            raise GuideError(
                first.problem,
                file=first.file,
                line=first.line,
                key_path=first.key_path,
                hint=first.hint,
                errors=self.errors,
            )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _compose(ctx: _Ctx, text: str) -> _Node | None:
    try:
        loader = yaml.SafeLoader(text)  # the reader checks the characters here already
    except yaml.YAMLError as exc:
        problem = getattr(exc, "reason", None) or "not valid YAML text"
        ctx.errors.append(GuideError(f"invalid YAML: {problem}", file=ctx.file, hint=_CONTROL_HINT))
        return None
    try:
        root = loader.get_single_node()
        if root is None:
            ctx.error(None, "the guide is empty", "It needs at least `name:`.")
            return None
        return _convert(ctx, loader, root, "", None, set())
    except _TooLarge:
        ctx.errors.append(
            GuideError(
                f"the guide expands to more than {MAX_NODES} values",
                file=ctx.file,
                hint="Check for aliases (*name) that repeat large anchors many times.",
            )
        )
        return None
    except RecursionError:
        ctx.errors.append(
            GuideError("nested too deeply", file=ctx.file, hint="A guide needs a few levels only.")
        )
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        ctx.errors.append(
            GuideError(
                f"invalid YAML: {problem}",
                file=ctx.file,
                line=mark.line + 1 if mark is not None else None,
                hint="Check the indentation and quoting on this line and the one before it; "
                "quote values that contain ': ' or start with '#', '*', '&', '!', '[' or '{'.",
            )
        )
        return None
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        problem = getattr(exc, "reason", None) or getattr(exc, "problem", None) or "invalid"
        ctx.errors.append(GuideError(f"invalid YAML: {problem}", file=ctx.file, hint=_CONTROL_HINT))
        return None
    except GuideError:
        raise
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # a tagged value PyYAML cannot build: `!!int hello`, `!!timestamp hello`
        ctx.errors.append(
            GuideError(
                f"a tagged value cannot be read ({type(exc).__name__})",
                file=ctx.file,
                hint="Remove the `!!tag` before the value, or fix the value it tags.",
            )
        )
        return None
    finally:
        with contextlib.suppress(NameError, AttributeError):
            loader.dispose()


_CONTROL_HINT = "Save the file as UTF-8 text without control characters."

MAX_DEPTH = 20
MAX_NODES = 200_000  # aliases expand: this stops a "billion laughs" guide


class _TooLarge(Exception):
    pass


def _convert(
    ctx: _Ctx,
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: str,
    key_line: int | None,
    active: set[int],
) -> _Node:
    line = node.start_mark.line + 1
    ctx.nodes += 1
    if ctx.nodes > MAX_NODES:
        raise _TooLarge
    if isinstance(node, yaml.CollectionNode):
        if id(node) in active or len(active) >= MAX_DEPTH:
            problem = "an alias refers to itself" if id(node) in active else "nested too deeply"
            ctx.error(
                _Node(None, line, path, key_line),
                problem,
                "Remove the self-reference or flatten the structure.",
            )
            return _Node(None, line, path, key_line)
        active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        own_keys: dict[str, int] = {}
        for k, _ in node.value:
            if k.tag == "tag:yaml.org,2002:merge":
                continue
            kv = loader.construct_object(k, deep=True) if isinstance(k, yaml.ScalarNode) else k
            if isinstance(kv, str | int | float | bool) or kv is None:
                skey = str(kv)
                kline = k.start_mark.line + 1
                if skey in own_keys:
                    ctx.error(
                        _Node(None, kline, _join(path, skey)),
                        f"duplicate key (first defined on line {own_keys[skey]})",
                        "Keep one of them; YAML would silently use the last one.",
                    )
                else:
                    own_keys[skey] = kline
        loader.flatten_mapping(node)  # resolves `<<: *anchor` merges
        out: dict[str, _Node] = {}
        for k, v in node.value:
            kline = k.start_mark.line + 1
            if not isinstance(k, yaml.ScalarNode):
                ctx.error(_Node(None, kline, path), "a key must be a plain word, not a collection")
                continue
            kv = loader.construct_object(k, deep=True)
            if not isinstance(kv, str):
                kv = "null" if kv is None else str(kv).lower() if isinstance(kv, bool) else str(kv)
            child_path = _join(path, kv)
            out[kv] = _convert(ctx, loader, v, child_path, kline, active)
        return _Node(out, line, path, key_line)
    if isinstance(node, yaml.SequenceNode):
        items = [
            _convert(ctx, loader, item, f"{path}[{i}]", None, active)
            for i, item in enumerate(node.value)
        ]
        return _Node(items, line, path, key_line)
    value = loader.construct_object(node, deep=True)
    if not isinstance(value, str | int | float | bool) and value is not None:
        value = str(value)  # dates and other exotic scalars: validated as strings later
    return _Node(value, line, path, key_line)


def _plain(node: _Node) -> Any:
    """Node tree -> deeply frozen plain values (for ``BrandGuide.profiles``)."""
    if node.is_map:
        return MappingProxyType({k: _plain(v) for k, v in node.value.items()})
    if node.is_seq:
        return tuple(_plain(v) for v in node.value)
    return node.value


# --------------------------------------------------------------------------------------------
# Scalar validators (each reports and returns None on a problem)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a true/false value ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            match = [lowered[word.lower()]]
    return f"Did you mean {match[0]!r}?" if match else None


def _expect_str(ctx: _Ctx, node: _Node, *, allow_empty: bool = False) -> str | None:
    if isinstance(node.value, str):
        text = node.value.strip()
        if not text and not allow_empty:
            ctx.error(node, "must not be empty", "Write some text or remove the key.")
            return None
        return text
    hint = "Expected a string."
    if isinstance(node.value, bool):
        hint = "Expected a string. YAML reads yes/no/on/off/true/false as true/false: quote it."
    elif node.value is None:
        hint = (
            "Expected a string. A value that starts with '#' is a YAML comment: quote it, "
            'e.g. "#1".'
        )
    elif isinstance(node.value, int | float):
        hint = "Expected a string: quote it."
    elif node.is_map:
        hint = (
            "Expected a string. An unquoted ': ' makes YAML read a key: value pair: "
            "put the text in quotes."
        )
    ctx.error(node, f"expected a string, got {_type_name(node.value)}", hint)
    return None


def _expect_num(
    ctx: _Ctx,
    node: _Node,
    lo: float,
    hi: float,
    *,
    integer: bool = False,
) -> float | None:
    kind = "a whole number" if integer else "a number"
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = f"Expected {kind} between {_fmt(lo)} and {_fmt(hi)}"
        if isinstance(value, str) and _looks_numeric(value):
            hint += ": remove the quotes or the unit"
        ctx.error(node, f"expected {kind}, got {_type_name(value)}", hint + ".")
        return None
    if integer and isinstance(value, float) and not value.is_integer():
        example = f"Use e.g. {round(value)}." if math.isfinite(value) else f"Use e.g. {_fmt(hi)}."
        ctx.error(node, f"expected a whole number, got {value}", example)
        return None
    if value != value or not (lo <= value <= hi):  # NaN or out of range
        ctx.error(
            node,
            f"{_fmt(value)} is out of range",
            f"Use a value between {_fmt(lo)} and {_fmt(hi)}.",
        )
        return None
    return float(value)


def _looks_numeric(text: str) -> bool:
    return bool(re.match(r"^\s*[-+]?\d+(\.\d+)?\s*%?\s*\w*\s*$", text))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _expect_bool(ctx: _Ctx, node: _Node) -> bool | None:
    if isinstance(node.value, bool):
        return node.value
    ctx.error(node, f"expected true or false, got {_type_name(node.value)}", "Use true or false.")
    return None


def _expect_severity(ctx: _Ctx, node: _Node) -> Severity | None:
    names = [s.value for s in Severity]
    if isinstance(node.value, str):
        try:
            return Severity.from_vale(node.value)
        except ValueError:
            pass
    hint = _did_you_mean(str(node.value).lower(), names) or ""
    ctx.error(
        node,
        f"unknown severity {node.value!r}",
        (hint + " " if hint else "") + f"Use one of: {', '.join(names)}.",
    )
    return None


def _expect_map(
    ctx: _Ctx,
    node: _Node,
    known: Sequence[str] | None,
    *,
    required: Sequence[str] = (),
    what: str = "a mapping of key: value",
) -> dict[str, _Node] | None:
    """A mapping node's children; reports unknown and missing keys. ``known=None``: any key."""
    if not node.is_map:
        ctx.error(node, f"expected {what}, got {_type_name(node.value)}")
        return None
    children: dict[str, _Node] = node.value
    if known is not None:
        for key, child in children.items():
            if key not in known:
                hint = _did_you_mean(key, known) or f"Known keys: {', '.join(known)}."
                ctx.error(child, "unknown key", hint)
    for key in required:
        if key not in children or children[key].is_null:
            ctx.error(
                node,
                f"missing required key {key!r}",
                f"Add `{key}:` here.",
                path=_join(node.path, key),
            )
    return children


def _expect_list(ctx: _Ctx, node: _Node, *, what: str = "a list") -> list[_Node] | None:
    """A list node's items; a single scalar counts as a one-item list."""
    if node.is_seq:
        return list(node.value)
    if node.is_null:
        return []
    if isinstance(node.value, str):
        return [node]
    ctx.error(node, f"expected {what}, got {_type_name(node.value)}", "Write one item per `- `.")
    return None


def _str_list(ctx: _Ctx, node: _Node) -> tuple[str, ...]:
    out: list[str] = []
    for item in _expect_list(ctx, node, what="a list of strings") or []:
        s = _expect_str(ctx, item)
        if s is not None:
            out.append(s)
    return tuple(out)


def _strs(ctx: _Ctx, children: Mapping[str, _Node], key: str) -> tuple[str, ...]:
    node = children.get(key)
    return () if node is None or node.is_null else _str_list(ctx, node)


def _present(children: Mapping[str, _Node], key: str) -> _Node | None:
    node = children.get(key)
    return None if node is None or node.is_null else node


T = TypeVar("T")


def _opt(children: Mapping[str, _Node], key: str, fn: Callable[[_Node], T | None], default: T) -> T:
    node = _present(children, key)
    if node is None:
        return default
    value = fn(node)
    return default if value is None else value


# --------------------------------------------------------------------------------------------
# Schema

TOP_KEYS = (
    "version",
    "name",
    "brand_names",
    "products",
    "preferred",
    "banned",
    "competitors",
    "voice",
    "limits",
    "thresholds",
    "weights",
    "claims",
    "claim_checks",
    "links",
    "styles",
    "vocabularies",
    "spelling",
    "accepted",
    "approvers",
    "profiles",
    "channels",
)
PROFILE_FORBIDDEN = ("version", "name", "profiles", "channels", "approvers")
PROFILE_KEYS = tuple(k for k in TOP_KEYS if k not in PROFILE_FORBIDDEN)
PRODUCT_KEYS = ("name", "aliases")
PREFERRED_KEYS = ("preferred", "variants", "reason", "severity", "regex", "inflect")
BANNED_KEYS = ("term", "reason", "severity", "suggestions", "regex", "inflect")
CLAIM_CHECK_KEYS = ("superlatives", "absolutes", "extra", "exceptions", "severity")
COMPETITOR_KEYS = ("name", "aliases", "tickers", "severity")
VOICE_KEYS = (
    "description",
    "formality",
    "confidence",
    "emotions",
    "avoid_emotions",
    "on_voice",
    "off_voice",
    "min_voice_match",
    "advice",
)
TONE_KEYS = ("target", "tolerance")
LIMIT_KEYS = ("readability_grade", "max_sentence_words", "max_exclamations", "sentiment_floor")
THRESHOLD_KEYS = ("pass_score", "alert_score")
STYLE_KEYS = ("path", "optional")
# Fields whose value is a list: a profile replaces them, or edits them with extend/remove.
LIST_FIELDS = {
    "brand_names": None,
    "products": "name",
    "preferred": "preferred",
    "banned": "term",
    "competitors": "name",
    "claims": "term",
    "styles": "path",
    "vocabularies": "path",
    "accepted": None,
    "voice.on_voice": None,
    "voice.off_voice": None,
    "voice.avoid_emotions": None,
    "claim_checks.extra": None,
    "claim_checks.exceptions": None,
}
LIST_OPS = ("extend", "remove")


@dataclass
class _Parts:
    """Validated fields of one (base or profile-merged) guide."""

    name: str = ""
    brand_names: tuple[str, ...] = ()
    products: tuple[Product, ...] = ()
    preferred: tuple[PreferredTerm, ...] = ()
    banned: tuple[BannedTerm, ...] = ()
    competitors: tuple[Competitor, ...] = ()
    voice: Voice = field(default_factory=Voice)
    limits: Limits = field(default_factory=Limits)
    thresholds: Thresholds = field(default_factory=Thresholds)
    weights: Mapping[str, float] = field(default_factory=_frozen_map)
    claims: tuple[BannedTerm, ...] = ()
    claim_checks: ClaimChecks = field(default_factory=ClaimChecks)
    links: Mapping[str, str] = field(default_factory=_frozen_map)
    styles: tuple[Path, ...] = ()
    vocabularies: tuple[Path, ...] = ()
    spelling: bool = True
    accepted: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()


def _build(ctx: _Ctx, root: _Node) -> _Parts:
    """Validate every field except profiles/channels; report problems into ``ctx``."""
    parts = _Parts()
    top = _expect_map(ctx, root, TOP_KEYS, required=("name",), what="a mapping of guide keys")
    if top is None:
        return parts
    version = _present(top, "version")
    if version is not None and version.value != SCHEMA_VERSION:
        ctx.error(version, f"unsupported schema version {version.value!r}", "Use `version: 1`.")
    parts.name = _opt(top, "name", lambda n: _expect_str(ctx, n), "")
    names = _strs(ctx, top, "brand_names")
    parts.brand_names = _unique((parts.name, *names)) if parts.name else _unique(names)
    parts.products = _opt(top, "products", lambda n: _products(ctx, n), ())
    parts.preferred = _opt(top, "preferred", lambda n: _preferred_terms(ctx, n), ())
    parts.banned = _opt(top, "banned", lambda n: _banned_terms(ctx, n, Severity.ERROR), ())
    parts.claims = _opt(top, "claims", lambda n: _banned_terms(ctx, n, Severity.WARNING), ())
    parts.claim_checks = _opt(top, "claim_checks", lambda n: _claim_checks(ctx, n), ClaimChecks())
    parts.competitors = _opt(top, "competitors", lambda n: _competitors(ctx, n), ())
    parts.voice = _opt(top, "voice", lambda n: _voice(ctx, n), Voice())
    parts.limits = _opt(top, "limits", lambda n: _limits(ctx, n), Limits())
    parts.thresholds = _opt(top, "thresholds", lambda n: _thresholds(ctx, n), Thresholds())
    parts.weights = _opt(top, "weights", lambda n: _weights(ctx, n), _frozen_map(_DEFAULT_WEIGHTS))
    parts.links = _opt(top, "links", lambda n: _links(ctx, n), _frozen_map())
    parts.styles = _opt(top, "styles", lambda n: _paths(ctx, n, vocab=False), ())
    parts.vocabularies = _opt(top, "vocabularies", lambda n: _paths(ctx, n, vocab=True), ())
    parts.spelling = _opt(top, "spelling", lambda n: _expect_bool(ctx, n), True)
    parts.accepted = _unique(t.strip() for t in _strs(ctx, top, "accepted") if t.strip())
    parts.approvers = _approvers(ctx, top)
    _cross_checks(ctx, parts)
    return parts


_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,20}")


def _approvers(ctx: _Ctx, top: Mapping[str, _Node]) -> tuple[str, ...]:
    node = _present(top, "approvers")
    if node is None:
        return ()
    out: list[str] = []
    for item in _expect_list(ctx, node, what="a list of Slack user ids") or []:
        value = _expect_str(ctx, item)
        if value is None:
            continue
        if not _USER_ID_RE.fullmatch(value.strip()):
            ctx.error(
                item,
                f"{value!r} is not a Slack user id",
                "Use member ids like U0123ABCD (profile → ⋮ → Copy member ID).",
            )
            continue
        out.append(value.strip())
    return _unique(out)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _entries(
    ctx: _Ctx, node: _Node, known: Sequence[str], shorthand: str | None
) -> list[tuple[_Node, dict[str, _Node]]]:
    """List items as mappings; a bare string item means ``{shorthand: item}`` when allowed."""
    out: list[tuple[_Node, dict[str, _Node]]] = []
    if not node.is_seq:
        ctx.error(
            node,
            f"expected a list, got {_type_name(node.value)}",
            "Write one entry per `- ` line.",
        )
        return out
    for item in node.value:
        if item.is_null:
            ctx.error(
                item,
                "empty entry",
                "Remove the bare `-`, or quote the value: YAML reads text after '#' as a "
                'comment, so write "#1".',
            )
            continue
        if shorthand is not None and isinstance(item.value, str):
            out.append((item, {shorthand: item}))
            continue
        children = _expect_map(ctx, item, known, required=(known[0],))
        if children is not None:
            out.append((item, children))
    return out


def _listed_twice(
    ctx: _Ctx, seen: dict[str, _Node], node: _Node, value: str, what: str, fix: str
) -> bool:
    """Report ``value`` if an earlier entry had it (case-insensitive), else remember it."""
    first = seen.get(value.lower())
    if first is not None:
        ctx.error(node, f"{what} is listed twice (first on line {first.where})", fix)
        return True
    seen[value.lower()] = node
    return False


def _products(ctx: _Ctx, node: _Node) -> tuple[Product, ...] | None:
    out: list[Product] = []
    seen: dict[str, _Node] = {}
    for _item, c in _entries(ctx, node, PRODUCT_KEYS, "name"):
        name = _opt(c, "name", lambda n: _expect_str(ctx, n), "")
        if not name:
            continue
        if _listed_twice(ctx, seen, c["name"], name, f"product {name!r}", "Remove one entry."):
            continue
        aliases = _strs(ctx, c, "aliases")
        for a_node, alias in zip(_items(c, "aliases"), aliases, strict=False):
            if alias == name:
                ctx.error(a_node, "an alias equal to the name has no effect", "Remove it.")
        out.append(Product(name, tuple(a for a in aliases if a != name)))
    return tuple(out)


def _items(children: Mapping[str, _Node], key: str) -> list[_Node]:
    node = children.get(key)
    if node is None or node.is_null:
        return []
    return list(node.value) if node.is_seq else [node]


def _preferred_terms(ctx: _Ctx, node: _Node) -> tuple[PreferredTerm, ...] | None:
    out: list[PreferredTerm] = []
    for _item, c in _entries(ctx, node, PREFERRED_KEYS, None):
        if "variants" not in c or c["variants"].is_null:
            ctx.error(
                c.get("preferred"),
                "missing required key 'variants'",
                "List the words to replace under `variants:`.",
                path=_join(_item.path, "variants"),
            )
        preferred = _opt(c, "preferred", lambda n: _expect_str(ctx, n), "")
        variants = _strs(ctx, c, "variants")
        regex_ = _opt(c, "regex", lambda n: _expect_bool(ctx, n), False)
        for v_node, v in zip(_items(c, "variants"), variants, strict=False):
            if preferred and v.lower() == preferred.lower():
                ctx.error(
                    v_node,
                    f"variant {v!r} is the preferred term itself",
                    "Remove it; for casing rules list the name under `products:`.",
                )
            if regex_:
                _check_regex(ctx, v_node, v)
        if not preferred or not variants:
            continue
        term = PreferredTerm(
            preferred=preferred,
            variants=variants,
            reason=_opt(c, "reason", lambda n: _expect_str(ctx, n, allow_empty=True), ""),
            severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), Severity.WARNING),
            regex=regex_,
            inflect=_opt(c, "inflect", lambda n: _expect_bool(ctx, n), True),
        )
        ctx.origin[id(term)] = c["preferred"]
        ctx.variant_nodes[id(term)] = [n for n in _items(c, "variants") if isinstance(n.value, str)]
        out.append(term)
    return tuple(out)


def _banned_terms(ctx: _Ctx, node: _Node, default: Severity) -> tuple[BannedTerm, ...] | None:
    out: list[BannedTerm] = []
    seen: dict[str, _Node] = {}
    for _item, c in _entries(ctx, node, BANNED_KEYS, None):
        term = _opt(c, "term", lambda n: _expect_str(ctx, n), "")
        if "reason" not in c or c["reason"].is_null:
            ctx.error(
                c.get("term"),
                "missing required key 'reason'",
                "Say why it is banned: the reason is shown to the writer.",
                path=_join(_item.path, "reason"),
            )
        reason = _opt(c, "reason", lambda n: _expect_str(ctx, n), "")
        regex_ = _opt(c, "regex", lambda n: _expect_bool(ctx, n), False)
        if term and regex_:
            _check_regex(ctx, c["term"], term)
        if not term:
            continue
        if _listed_twice(ctx, seen, c["term"], term, repr(term), "Remove one entry."):
            continue
        banned = BannedTerm(
            term=term,
            reason=reason,
            severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), default),
            suggestions=_strs(ctx, c, "suggestions"),
            regex=regex_,
            inflect=_opt(c, "inflect", lambda n: _expect_bool(ctx, n), True),
        )
        ctx.origin[id(banned)] = c["term"]
        out.append(banned)
    return tuple(out)


def _claim_checks(ctx: _Ctx, node: _Node) -> ClaimChecks | None:
    c = _expect_map(ctx, node, CLAIM_CHECK_KEYS)
    if c is None:
        return None
    extra = _strs(ctx, c, "extra")
    for item, pattern in zip(_items(c, "extra"), extra, strict=False):
        _check_regex(ctx, item, pattern)
    return ClaimChecks(
        superlatives=_opt(c, "superlatives", lambda n: _expect_bool(ctx, n), True),
        absolutes=_opt(c, "absolutes", lambda n: _expect_bool(ctx, n), True),
        extra=extra,
        exceptions=_strs(ctx, c, "exceptions"),
        severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), Severity.WARNING),
    )


def _check_regex(ctx: _Ctx, node: _Node, pattern: str) -> None:
    import regex as re2

    from analyzers.rules.bounded import probe

    try:
        compiled = re2.compile(pattern)
    except re2.error as exc:
        ctx.error(
            node,
            f"invalid regular expression: {exc}",
            "Fix the pattern, or drop `regex: true` to match the text literally.",
        )
        return
    problem = probe(compiled)
    if problem is not None:
        ctx.error(
            node,
            f"regular expression {pattern[:80]!r} is too slow: {problem}",
            "Rewrite it without nested or overlapping repetition, or drop `regex: true`.",
        )


def _competitors(ctx: _Ctx, node: _Node) -> tuple[Competitor, ...] | None:
    out: list[Competitor] = []
    seen: dict[str, _Node] = {}
    for _item, c in _entries(ctx, node, COMPETITOR_KEYS, "name"):
        name = _opt(c, "name", lambda n: _expect_str(ctx, n), "")
        if not name:
            continue
        if _listed_twice(
            ctx, seen, c["name"], name, f"competitor {name!r}", "Merge the two entries."
        ):
            continue
        aliases = _strs(ctx, c, "aliases")
        tickers = _strs(ctx, c, "tickers")
        for t_node, t in zip(_items(c, "tickers"), tickers, strict=False):
            if not re.fullmatch(r"[A-Z][A-Z0-9.]{0,9}", t.lstrip("$")):
                ctx.error(
                    t_node,
                    f"{t!r} does not look like a stock ticker",
                    "Tickers are 1-10 capital letters or digits, e.g. BRTL; put other names "
                    "under `aliases:`.",
                )
        comp = Competitor(
            name=name,
            aliases=_unique(a for a in (*aliases, *tickers) if a != name),
            severity=_opt(c, "severity", lambda n: _expect_severity(ctx, n), Severity.ERROR),
            tickers=tickers,
        )
        ctx.origin[id(comp)] = c["name"]
        out.append(comp)
    return tuple(out)


def _tone(ctx: _Ctx, node: _Node) -> ToneTarget | None:
    if not node.is_map:
        target = _expect_num(ctx, node, 0.0, 1.0)
        return None if target is None else ToneTarget(target)
    c = _expect_map(ctx, node, TONE_KEYS, required=("target",))
    if c is None:
        return None
    target = _opt(c, "target", lambda n: _expect_num(ctx, n, 0.0, 1.0), None)
    tolerance = _opt(c, "tolerance", lambda n: _expect_num(ctx, n, 0.0, 1.0), 0.2)
    return None if target is None else ToneTarget(target, tolerance)


def _voice(ctx: _Ctx, node: _Node) -> Voice | None:
    c = _expect_map(ctx, node, VOICE_KEYS)
    if c is None:
        return None
    emotions: dict[str, ToneTarget] = {}
    em_node = _present(c, "emotions")
    if em_node is not None:
        for key, child in (_expect_map(ctx, em_node, EMOTION_GROUPS) or {}).items():
            if key in EMOTION_GROUPS and not child.is_null:
                t = _tone(ctx, child)
                if t is not None:
                    emotions[key] = t
    avoid = _strs(ctx, c, "avoid_emotions")
    for a_node, a in zip(_items(c, "avoid_emotions"), avoid, strict=False):
        if a not in EMOTION_GROUPS:
            hint = _did_you_mean(a, EMOTION_GROUPS) or ""
            ctx.error(
                a_node,
                f"unknown emotion {a!r}",
                (hint + " " if hint else "") + f"Use one of: {', '.join(EMOTION_GROUPS)}.",
            )
        elif a in emotions:
            ctx.error(
                a_node,
                f"{a!r} is both a target under voice.emotions and in avoid_emotions",
                "Keep it in one place.",
            )
    return Voice(
        description=_opt(c, "description", lambda n: _expect_str(ctx, n, allow_empty=True), ""),
        formality=_opt(c, "formality", lambda n: _tone(ctx, n), None),
        confidence=_opt(c, "confidence", lambda n: _tone(ctx, n), None),
        emotions=MappingProxyType(emotions),
        avoid_emotions=tuple(a for a in avoid if a in EMOTION_GROUPS),
        on_voice=_strs(ctx, c, "on_voice"),
        off_voice=_strs(ctx, c, "off_voice"),
        min_voice_match=_opt(c, "min_voice_match", lambda n: _expect_num(ctx, n, 0.0, 1.0), None),
        advice=_opt(c, "advice", lambda n: _expect_str(ctx, n, allow_empty=True), "").strip(),
    )


def _limits(ctx: _Ctx, node: _Node) -> Limits | None:
    c = _expect_map(ctx, node, LIMIT_KEYS)
    if c is None:
        return None

    def as_int(n: _Node, lo: int, hi: int) -> int | None:
        v = _expect_num(ctx, n, lo, hi, integer=True)
        return None if v is None else int(v)

    return Limits(
        readability_grade=_opt(c, "readability_grade", lambda n: _expect_num(ctx, n, 1, 24), None),
        max_sentence_words=_opt(c, "max_sentence_words", lambda n: as_int(n, 3, 200), None),
        max_exclamations=_opt(c, "max_exclamations", lambda n: as_int(n, 0, 100), None),
        sentiment_floor=_opt(c, "sentiment_floor", lambda n: _expect_num(ctx, n, -1, 1), None),
    )


def _thresholds(ctx: _Ctx, node: _Node) -> Thresholds | None:
    c = _expect_map(ctx, node, THRESHOLD_KEYS)
    if c is None:
        return None
    pass_score = _opt(c, "pass_score", lambda n: _expect_num(ctx, n, 0, 100), 80.0)
    alert_score = _opt(c, "alert_score", lambda n: _expect_num(ctx, n, 0, 100), 50.0)
    if alert_score > pass_score:
        ctx.error(
            c.get("alert_score") or node,
            f"alert_score ({_fmt(alert_score)}) is above pass_score ({_fmt(pass_score)})",
            "Alerts are for drafts that fail badly: make alert_score lower than pass_score.",
            path=_join(node.path, "alert_score"),
        )
    return Thresholds(pass_score, alert_score)


_DEFAULT_WEIGHTS = dict.fromkeys(CATEGORIES, 1.0)


def _weights(ctx: _Ctx, node: _Node) -> Mapping[str, float] | None:
    c = _expect_map(ctx, node, CATEGORIES)
    if c is None:
        return None
    weights = dict(_DEFAULT_WEIGHTS)
    for key, child in c.items():
        if key in CATEGORIES and not child.is_null:
            w = _expect_num(ctx, child, 0, 100)
            if w is not None:
                weights[key] = w
    if not any(weights.values()):
        ctx.error(node, "every weight is 0", "Give at least one category a weight above 0.")
    return MappingProxyType(weights)


def _links(ctx: _Ctx, node: _Node) -> Mapping[str, str] | None:
    c = _expect_map(ctx, node, None)
    if c is None:
        return None
    links: dict[str, str] = {}
    for key, child in c.items():
        url = _expect_str(ctx, child)
        if url is None:
            continue
        if not re.match(r"^(https?://\S+|mailto:\S+)$", url):
            ctx.error(child, f"{url!r} is not a link", "Use a full URL, e.g. https://...")
            continue
        links[key] = url
    return MappingProxyType(links)


_ENV_RE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _expand(text: str) -> tuple[str, list[str]]:
    """Expand ``${VAR}`` / ``${VAR:-default}`` and ``~``; returns the text and unset names.

    ``${BRANDBOT_SHARED}`` falls back to :func:`analyzers.paths.shared_dir` when unset.
    """
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = os.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        if name == "BRANDBOT_SHARED":
            return str(shared_dir())
        missing.append(name)
        return m.group(0)

    return os.path.expanduser(_ENV_RE.sub(sub, text)), missing


def _paths(ctx: _Ctx, node: _Node, *, vocab: bool) -> tuple[Path, ...] | None:
    out: list[Path] = []
    for _item, c in _entries(ctx, node, STYLE_KEYS, "path"):
        raw = _opt(c, "path", lambda n: _expect_str(ctx, n), "")
        optional = _opt(c, "optional", lambda n: _expect_bool(ctx, n), False)
        if not raw:
            continue
        p_node = c["path"]
        expanded, missing = _expand(raw)
        problem: str | None = None
        hint = ""
        resolved: Path | None = None
        if missing:
            problem = f"environment variable {', '.join(missing)} is not set"
            hint = f"Set it, or write ${{{missing[0]}:-fallback}} in the path."
        else:
            path = Path(expanded)
            if not path.is_absolute():
                path = ctx.base_dir / path
            path = path.resolve()
            resolved, problem, hint = _check_folder(path, vocab=vocab)
        if problem is not None:
            if optional:
                ctx.warn(p_node, f"{problem}; skipped (optional)")
            else:
                ctx.error(
                    p_node,
                    problem,
                    f"{hint} Relative paths start at the guide's folder ({ctx.base_dir}); "
                    "add `optional: true` to make a missing folder a warning.",
                )
            continue
        if resolved is not None and resolved not in out:
            out.append(resolved)
    return tuple(out)


def _check_folder(path: Path, *, vocab: bool) -> tuple[Path | None, str | None, str]:
    if not path.exists():
        return None, f"{path} does not exist", "Check the path."
    if not path.is_dir():
        return None, f"{path} is not a folder", "Point at the folder, not a file in it."
    if vocab:
        if (path / "accept.txt").is_file() or (path / "reject.txt").is_file():
            return path, None, ""
        return (
            None,
            f"{path} holds neither accept.txt nor reject.txt",
            "A Vale vocabulary folder holds accept.txt and/or reject.txt.",
        )
    if _has_rules(path):
        return path, None, ""
    nested = path / path.name  # a repository that keeps the style in a same-named subfolder
    if nested.is_dir() and _has_rules(nested):
        return nested, None, ""
    return (
        None,
        f"{path} holds no Vale rules (*.yml)",
        "Point at the style folder itself (the one with the .yml rule files).",
    )


def _has_rules(path: Path) -> bool:
    return any(path.glob("*.yml")) or any(path.glob("*.yaml"))


def _cross_checks(ctx: _Ctx, parts: _Parts) -> None:
    """Contradictions between sections (line numbers come from the recorded origins)."""

    def origin(obj: object) -> _Node | None:
        return ctx.origin.get(id(obj))

    def line_of(node: _Node | None) -> str:
        return f" (line {node.where})" if node is not None and node.where else ""

    # a variant listed under two preferred terms; a preferred term that is another's variant
    variant_owner: dict[str, tuple[str, _Node | None]] = {}
    for entry in parts.preferred:
        v_nodes = ctx.variant_nodes.get(id(entry), [])
        for i, v in enumerate(entry.variants):
            v_node = v_nodes[i] if i < len(v_nodes) else origin(entry)
            key = v.lower()
            if key in variant_owner and variant_owner[key][0] != entry.preferred:
                first, first_node = variant_owner[key]
                ctx.error(
                    v_node,
                    f"variant {v!r} is listed under two preferred terms: "
                    f"{first!r}{line_of(first_node)} and {entry.preferred!r}",
                    "Keep it under one preferred term.",
                )
            variant_owner.setdefault(key, (entry.preferred, v_node))
    for entry in parts.preferred:
        owner = variant_owner.get(entry.preferred.lower())
        if owner is not None and owner[0] != entry.preferred:
            ctx.error(
                origin(entry),
                f"preferred term {entry.preferred!r} is also a variant of {owner[0]!r}"
                f"{line_of(owner[1])}",
                "A preferred term must not be replaced by another: remove one of the two.",
            )
    preferred = {p.preferred.lower(): p for p in parts.preferred}
    for kind, terms in (("banned", parts.banned), ("claims", parts.claims)):
        for term in terms:
            key = term.term.lower()
            if key in preferred:
                ctx.error(
                    origin(term),
                    f"{term.term!r} is banned but also a preferred term",
                    "Remove it from `preferred:` or from `" + kind + ":`.",
                )
            elif key in variant_owner:
                owner_name, o_node = variant_owner[key]
                ctx.error(
                    origin(term),
                    f"{term.term!r} is banned but also a variant of preferred term "
                    f"{owner_name!r}{line_of(o_node)}",
                    "List it in one place only: as a variant it already gets flagged with the "
                    "suggestion.",
                )
    # a competitor that is also one of our names
    ours = {n.lower() for n in parts.brand_names} | {p.name.lower() for p in parts.products}
    for comp in parts.competitors:
        for n in (comp.name, *comp.aliases):
            if n.lower() in ours:
                ctx.error(
                    origin(comp),
                    f"competitor name {n!r} is also one of our brand or product names",
                    "Remove it from one of the two lists.",
                )


# --------------------------------------------------------------------------------------------
# Profiles


def _merge(ctx: _Ctx, base: _Node | None, over: _Node, schema: str) -> _Node:
    """Profile override ``over`` applied to ``base``: mappings merge, lists replace or edit."""
    if schema in LIST_FIELDS and over.is_map:
        return _list_ops(ctx, base, over, schema)
    if over.is_map and base is not None and base.is_map:
        merged = dict(base.value)
        for key, child in over.value.items():
            merged[key] = _merge(ctx, base.value.get(key), child, _join(schema, key))
        return _Node(merged, over.line, over.path, over.key_line)
    return over


def _list_ops(ctx: _Ctx, base: _Node | None, over: _Node, schema: str) -> _Node:
    ops = _expect_map(ctx, over, LIST_OPS, what="a list, or a mapping with extend/remove")
    items: list[_Node] = list(base.value) if base is not None and base.is_seq else []
    if ops is None:
        return _Node(items, over.line, over.path, over.key_line)
    id_key = LIST_FIELDS[schema]

    def ident(n: _Node) -> str | None:
        if isinstance(n.value, str):
            return n.value.strip().lower()
        if id_key and n.is_map and id_key in n.value and isinstance(n.value[id_key].value, str):
            return str(n.value[id_key].value).strip().lower()
        return None

    remove = _present(ops, "remove")
    if remove is not None:
        known = {ident(n): n for n in items}
        drop: set[str] = set()
        for r_node in _expect_list(ctx, remove) or []:
            r = _expect_str(ctx, r_node)
            if r is None:
                continue
            if r.lower() not in known:
                choices = [str(k) for k in known if k]
                hint = _did_you_mean(r.lower(), choices) or (
                    f"The base guide lists: {', '.join(choices)}." if choices else ""
                )
                ctx.error(r_node, f"{r!r} is not in the base guide's {schema}", hint)
            drop.add(r.lower())
        items = [n for n in items if ident(n) not in drop]
    extend = _present(ops, "extend")
    if extend is not None:
        if extend.is_seq:
            items.extend(extend.value)
        else:
            ctx.error(extend, f"expected a list, got {_type_name(extend.value)}")
    return _Node(items, over.line, over.path, over.key_line)


def _resolve_profiles(
    ctx: _Ctx, root: _Node, top: Mapping[str, _Node]
) -> tuple[dict[str, _Node], Mapping[str, Mapping[str, Any]]]:
    merged: dict[str, _Node] = {}
    raw: dict[str, Mapping[str, Any]] = {}
    p_node = _present(top, "profiles")
    if p_node is None:
        return merged, raw
    profiles = _expect_map(ctx, p_node, None, what="a mapping of profile name: overrides")
    for name, over in (profiles or {}).items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            ctx.error(
                over,
                f"invalid profile name {name!r}",
                "Use letters, digits, '-' and '_' only.",
            )
            continue
        if over.is_null:
            over = _Node({}, over.line, over.path, over.key_line)
        o = _expect_map(ctx, over, None, what="a mapping of overrides")
        if o is None:
            continue
        valid: dict[str, _Node] = {}
        for key, child in o.items():
            if key in PROFILE_FORBIDDEN:
                ctx.error(child, f"a profile cannot override {key!r}", "Set it in the base guide.")
            elif key not in PROFILE_KEYS:
                hint = _did_you_mean(key, PROFILE_KEYS) or f"Known keys: {', '.join(PROFILE_KEYS)}."
                ctx.error(child, "unknown key", hint)
            else:
                valid[key] = child
        # the bad keys are reported; the rest is still merged and validated for more errors
        over = _Node(valid, over.line, over.path, over.key_line)
        base_map = {k: v for k, v in root.value.items() if k not in ("profiles", "channels")}
        merged_root = _merge(ctx, _Node(base_map, root.line, root.path), over, "")
        merged[name] = merged_root
        raw[name] = _plain(over)
    return merged, raw


def _channels(
    ctx: _Ctx, top: Mapping[str, _Node], profiles: Mapping[str, Any]
) -> Mapping[str, str]:
    out: dict[str, str] = {}
    node = _present(top, "channels")
    if node is None:
        return MappingProxyType(out)
    for key, child in (
        _expect_map(ctx, node, None, what="a mapping of channel: profile") or {}
    ).items():
        value = _expect_str(ctx, child)
        if value is None:
            continue
        if value not in profiles:
            available = ", ".join(sorted(profiles)) or "none defined"
            hint = _did_you_mean(value, profiles) or ""
            ctx.error(
                child,
                f"unknown profile {value!r}",
                (hint + " " if hint else "") + f"Profiles defined under `profiles:`: {available}.",
            )
            continue
        out[key] = value
    return MappingProxyType(out)


# --------------------------------------------------------------------------------------------
# Entry points


def parse_guide(
    text: str, *, source: str = "<string>", base_dir: str | Path | None = None
) -> BrandGuide:
    """Parse and validate a guide from YAML text; raises :class:`GuideError`.

    Relative ``styles:`` paths start at ``base_dir``, by default the folder of ``source`` when
    it names a file, else the current directory.
    """
    if base_dir is None:
        src = Path(source)
        base_dir = src.parent if source != "<string>" and src.suffix else Path.cwd()
    ctx = _Ctx(source, Path(base_dir).resolve())
    if "\x00" in text:
        ctx.error(None, "the file contains NUL bytes", "Is it a YAML text file?")
        ctx.raise_if_errors()
    root = _compose(ctx, text)
    if root is None:
        ctx.raise_if_errors()
        raise GuideError("the guide could not be read", file=source)  # pragma: no cover
    if not root.is_map:
        ctx.error(
            root,
            f"the guide must be a mapping of keys, got {_type_name(root.value)}",
            "Start with `name: Your Company`.",
        )
        ctx.raise_if_errors()
    top: dict[str, _Node] = root.value
    base_root = _Node(
        {k: v for k, v in top.items() if k not in ("profiles", "channels")}, root.line, ""
    )
    parts = _build(ctx, _Node({**top}, root.line, root.path))
    merged, raw = _resolve_profiles(ctx, base_root, top)
    profile_parts = {name: _build(ctx, node) for name, node in merged.items()}
    declared = top["profiles"].value if "profiles" in top and top["profiles"].is_map else {}
    channels = _channels(ctx, top, declared)
    ctx.raise_if_errors()

    src_path = None if source == "<string>" else Path(source)
    common: dict[str, Any] = {
        "profiles": MappingProxyType(raw),
        "channels": channels,
        "source": src_path,
        "warnings": tuple(ctx.warnings),
    }
    for w in ctx.warnings:
        log.info("brand guide: %s", w)  # optional parts only; kept in guide.warnings
    base = BrandGuide(**_fields(parts), **common)
    resolved: dict[str, BrandGuide] = {"": base}
    for name, pp in profile_parts.items():
        resolved[name] = BrandGuide(**_fields(pp), **common, profile=name)
    frozen = MappingProxyType(resolved)
    for g in resolved.values():
        object.__setattr__(g, "_resolved", frozen)
    return base


def _fields(parts: _Parts) -> dict[str, Any]:
    return {f.name: getattr(parts, f.name) for f in dataclasses.fields(parts)}


def load_guide(path: str | Path) -> BrandGuide:
    """Load and validate a guide file; raises :class:`GuideError` (never half-loads)."""
    p = Path(path)
    shown = str(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise GuideError(
            "file not found",
            file=shown,
            hint=f"Check the path; without a guide setting brandbot uses {default_guide_path()}.",
        ) from None
    except IsADirectoryError:
        raise GuideError(
            "is a folder, not a file", file=shown, hint="Point at the .yaml file."
        ) from None
    except OSError as exc:
        raise GuideError(f"cannot read the file: {exc.strerror}", file=shown) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise GuideError(
            f"not valid UTF-8 at column {column} (byte 0x{data[exc.start]:02x}; "
            "the file looks like Latin-1 or Windows-1252 text)",
            file=shown,
            line=line,
            hint="Save the guide as UTF-8 in your editor, or convert it: "
            f"iconv -f latin1 -t utf-8 {shown} > guide-utf8.yaml",
        ) from None
    return parse_guide(text, source=shown, base_dir=p.resolve().parent)


# --------------------------------------------------------------------------------------------
# Terminology -> Vale rule dicts


READABILITY_MIN_WORDS = 30  # drafts shorter than this get no readability grade
FK_FORMULA = "(0.39 * (words / sentences)) + (11.8 * (syllables / words)) - 15.59"
_SPECIAL = set("\\.^$*+?()[]{}|")


def _escape(text: str) -> str:
    """Escape regex metacharacters but keep spaces and '#' readable (valid in Go and Python)."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def _pattern(text: str, is_regex: bool) -> str:
    return text if is_regex else _escape(text)


def _pct(text: str) -> str:
    """Vale messages go through printf: a literal '%' must be written '%%'."""
    return text.replace("%", "%%")


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _slug(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Term"


def _link(guide: BrandGuide, *keys: str) -> dict[str, str]:
    for key in (*keys, "guide"):
        if key in guide.links:
            return {"link": guide.links[key]}
    return {}


def _name_pattern(name: str) -> str:
    """A case-insensitive pattern for every spacing/casing of ``name`` ("Luma Sync", "lumasync")."""
    parts = [p for chunk in re.split(r"[\s-]+", name) for p in _camel_parts(chunk) if p]
    return "(?i:" + "[ -]?".join(_escape(p) for p in parts) + ")"


def _camel_parts(word: str) -> list[str]:
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[^A-Za-z0-9]+", word) or [word]


def _compile_rules(guide: BrandGuide) -> list[tuple[str, dict[str, Any]]]:
    rules: list[tuple[str, dict[str, Any]]] = []
    used: set[str] = set()

    def name_for(prefix: str, label: str) -> str:
        name = f"Brand.{prefix}" if not label else f"Brand.{prefix}_{_slug(label)}"
        base, n = name, 2
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        return name

    def add(prefix: str, label: str, rule: dict[str, Any]) -> None:
        rules.append((name_for(prefix, label), rule))

    term_link = _link(guide, "terminology")
    for p in guide.preferred:
        variants = sorted(p.variants, key=len, reverse=True)
        message = "Use '%s' instead of '%s'."
        if p.reason:
            message += " " + _pct(_sentence(p.reason))
        add(
            "Preferred",
            p.preferred,
            {
                "extends": "substitution",
                "message": message,
                "level": p.severity.value,
                "ignorecase": True,
                "swap": _swap(p, variants),
                "action": {"name": "replace"},
                "category": Category.TERMINOLOGY.value,
                **term_link,
            },
        )
    _terms(guide.banned, "Banned", "Avoid '%s'.", Category.TERMINOLOGY, term_link, name_for, rules)

    names = [*guide.brand_names, *(p.name for p in guide.products)]
    if names:
        swap: dict[str, str] = {}
        for n in names:
            swap.setdefault(_name_pattern(n), n)
        for prod in guide.products:
            for alias in prod.aliases:
                swap.setdefault(_name_pattern(alias), prod.name)
        add(
            "Products",
            "",
            {
                "extends": "substitution",
                "message": "Write '%s', not '%s': brand and product names keep their exact "
                "spelling and casing.",
                "level": Severity.WARNING.value,
                "ignorecase": False,
                "swap": dict(sorted(swap.items(), key=lambda kv: len(kv[0]), reverse=True)),
                "exceptions": [f"^{_escape(n)}$" for n in names],
                "action": {"name": "replace"},
                "category": Category.TERMINOLOGY.value,
                **_link(guide, "products", "terminology"),
            },
        )
    claim_link = _link(guide, "claims", "legal")
    _terms(
        guide.claims, "Claims", "Check the claim '%s'.", Category.STYLE, claim_link, name_for, rules
    )
    checks = guide.claim_checks
    if checks.superlatives or checks.absolutes or checks.extra:
        add(
            "ClaimCheck",
            "",
            {
                "extends": "brand-claims",
                "message": "Check the claim '%s': superlative and absolute claims need "
                "substantiation.",
                "level": checks.severity.value,
                "superlatives": checks.superlatives,
                "absolutes": checks.absolutes,
                "extra": list(checks.extra),
                "exceptions": list(checks.exceptions),
                # the guide's own claims report these words; the built-in check stays quiet there
                "defer": [_claim_pattern(c) for c in guide.claims],
                "category": Category.STYLE.value,
                **claim_link,
            },
        )

    lim = guide.limits
    read_link = _link(guide, "readability")
    if lim.readability_grade is not None:
        grade = _fmt(lim.readability_grade)
        add(
            "Readability",
            "",
            {
                "extends": "metric",
                "message": f"Aim for a Flesch-Kincaid grade of {grade} or lower (this text: %s).",
                # a grade read off a handful of words is noise: short drafts are not graded
                "formula": f"({FK_FORMULA}) * (words >= {READABILITY_MIN_WORDS})",
                "condition": f"> {grade}",
                "level": Severity.WARNING.value,
                "category": Category.READABILITY.value,
                **read_link,
            },
        )
    if lim.max_sentence_words is not None:
        add(
            "SentenceLength",
            "",
            {
                "extends": "occurrence",
                "message": f"Keep sentences to {lim.max_sentence_words} words or fewer.",
                "scope": "sentence",
                "token": r"\b\w+\b",
                "max": lim.max_sentence_words,
                "level": Severity.WARNING.value,
                "category": Category.READABILITY.value,
                **read_link,
            },
        )
    if lim.max_exclamations is not None:
        style_link = _link(guide, "style", "voice")
        if lim.max_exclamations == 0:
            rule: dict[str, Any] = {
                "extends": "existence",
                "message": "Don't use exclamation marks.",
                "nonword": True,
                "tokens": ["!"],
            }
        else:
            most = lim.max_exclamations
            plural = "s" if most != 1 else ""
            rule = {
                "extends": "occurrence",
                "message": f"Use at most {most} exclamation mark{plural} per draft.",
                "scope": "text",
                "token": "!",
                "max": most,
            }
        rule.update(level=Severity.WARNING.value, category=Category.STYLE.value, **style_link)
        add("Exclamation", "", rule)
    return rules


def _swap(p: PreferredTerm, variants: Sequence[str]) -> dict[str, str]:
    """A preferred term's swap table: each variant, and with ``inflect`` each of its forms
    mapped to the preferred term in the same form ("logged in" -> "signed in")."""
    from analyzers.inflect import inflect_regex, variant_forms

    swap: dict[str, str] = {}
    for v in variants:
        if p.regex:
            swap[inflect_regex(v) if p.inflect else v] = p.preferred
            continue
        swap[_escape(v)] = p.preferred
        if not p.inflect:
            continue
        for form, replacement in variant_forms(v, p.preferred).items():
            swap.setdefault(_escape(form), replacement)
    return dict(sorted(swap.items(), key=lambda kv: len(kv[0]), reverse=True))


def _claim_pattern(term: BannedTerm) -> str:
    from analyzers.inflect import inflect_regex, phrase_pattern

    if term.regex:
        return inflect_regex(term.term) if term.inflect else term.term
    return phrase_pattern(term.term) if term.inflect else _escape(term.term)


def _terms(
    terms: Sequence[BannedTerm],
    prefix: str,
    lead: str,
    category: Category,
    link: Mapping[str, str],
    name_for: Callable[[str, str], str],
    rules: list[tuple[str, dict[str, Any]]],
) -> None:
    """Plain terms -> one ``brand-terms`` rule named ``Brand.<prefix>`` (each term keeps its own
    name, message, level and suggestions); regular-expression terms -> one existence rule each."""
    from analyzers.inflect import inflect_regex, phrase_forms

    entries: list[dict[str, Any]] = []
    at = len(rules)
    for t in terms:
        rule = _existence(t, lead, category, link)
        name = name_for(prefix, t.term)
        if t.regex:
            if t.inflect:
                rule["tokens"] = [inflect_regex(t.term)]
            rules.append((name, rule))
            continue
        entry: dict[str, Any] = {
            "name": name,
            "forms": phrase_forms(t.term) if t.inflect else [t.term],
            "message": rule["message"],
            "level": rule["level"],
        }
        if t.suggestions:
            entry["suggestions"] = list(t.suggestions)
        entry.update(link)
        entries.append(entry)
    if entries:
        bundle = {
            "extends": "brand-terms",
            "message": "%s",
            "terms": entries,
            "category": category.value,
            **link,
        }
        rules.insert(at, (name_for(prefix, ""), bundle))


def _existence(
    term: BannedTerm, lead: str, category: Category, link: Mapping[str, str]
) -> dict[str, Any]:
    message = lead
    if term.reason:
        message += " " + _pct(_sentence(term.reason))
    if term.suggestions:
        message += " Try " + " or ".join(f"'{_pct(s)}'" for s in term.suggestions) + "."
    rule: dict[str, Any] = {
        "extends": "existence",
        "message": message,
        "level": term.severity.value,
        "ignorecase": True,
        "tokens": [_pattern(term.term, term.regex)],
    }
    if not term.regex and (not term.term[:1].isalnum() or not term.term[-1:].isalnum()):
        # Vale wraps tokens in \b...\b, which never matches before '#' or after '%'.
        rule["nonword"] = True
        rule["tokens"] = [r"(?<![\w#$])" + _escape(term.term) + r"(?!\w)"]
    if term.suggestions:
        rule["action"] = {"name": "replace", "params": list(term.suggestions)}
    rule["category"] = category.value
    rule.update(link)
    return rule
