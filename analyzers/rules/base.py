"""Shared pieces of the Vale-compatible rule engine: the alert record, scopes, the rule base class.

A rule runs on one *block* of prose at a time (``BaseRule.run``) and reports ``Match`` values in
that block's coordinates. ``BaseRule.check`` adapts this to a whole ``PlainText``: it cuts the
document into Vale-style scoped blocks (paragraph, sentence, text, heading.hN, list, blockquote,
table.cell, summary) and maps matches back to plain-text offsets. The ``brandbot vale`` command
(``analyzers.vale``) drives ``run`` directly with its own Markdown/HTML blocks instead.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import regex

from analyzers.rules.bounded import BoundedPattern, probe
from analyzers.text import PlainText
from analyzers.text.sentences import MONTH_ABBREVIATIONS
from analyzers.types import Severity


class RuleError(ValueError):
    """A rule definition is invalid; the message names the source, the rule and the key."""


@dataclass(frozen=True)
class Alert:
    check: str  # "Style.Rule"
    message: str
    severity: Severity
    start: int  # offsets into PlainText.text (half open)
    end: int
    matched: str
    suggestions: tuple[str, ...] = ()
    link: str | None = None
    action: str | None = None
    category: str | None = None
    # raw-scope hits match the markup itself: their exact range in ``PlainText.original``
    # (``start``/``end`` then only place them among the other alerts)
    original: tuple[int, int] | None = None


@dataclass
class RuleBudget:
    """A per-draft time budget for the rule engine: rules stop being started once ``seconds``
    have passed, and ``exhausted`` says so (with how many rules ran)."""

    seconds: float
    exhausted: bool = False
    rules_run: int = 0
    timed_out: list[str] = field(default_factory=list)  # rules whose pattern hit its timeout


@dataclass(frozen=True)
class Match:
    """One hit of a rule inside a block: ``[start, end)`` in the block's text."""

    start: int
    end: int
    matched: str
    message: str
    suggestions: tuple[str, ...] = ()
    whole_file: bool = False  # metric / readability: reported at 1:1, no span
    # A rule that bundles many terms (``brand-terms``) reports each under the term's own name,
    # level, link and action; ``None`` means the rule's own.
    check: str | None = None
    severity: Severity | None = None
    link: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class ScopedBlock:
    """A piece of text with a Vale scope such as ``text.heading.h2`` or ``sentence``."""

    scope: str
    text: str
    start: int = 0  # offset of ``text`` in the coordinates the caller maps back from


@dataclass
class FileState:
    """Per-document memory shared by the rules of one run (consistency, conditional, metric)."""

    sequences: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    summary: str = ""

    def seq(self, rule: str) -> list[str]:
        return self.sequences.setdefault(rule, [])


@dataclass(frozen=True)
class Action:
    name: str
    params: tuple[str, ...] = ()


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class _Selector:
    parts: tuple[str, ...]
    negated: bool


class Scope:
    """Vale's rule scope: a list of alternatives (OR); ``a & b`` is AND; ``~x`` negates."""

    KNOWN = frozenset(
        {
            "text",
            "paragraph",
            "sentence",
            "heading",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "list",
            "blockquote",
            "table",
            "header",
            "cell",
            "caption",
            "raw",
            "summary",
            "title",
            "alt",
            "attr",
            "link",
            "strong",
            "emphasis",
            "code",
            "comment",
            "line",
            "block",
            "md",
            "html",
            "txt",
        }
    )

    def __init__(self, values: Sequence[str]) -> None:
        self.values = tuple(values) or ("text",)
        self.options: list[list[_Selector]] = []
        for value in self.values:
            sels = []
            for part in value.split("&"):
                part = part.strip()
                neg = part.startswith("~")
                sels.append(_Selector(tuple(p for p in part.lstrip("~").split(".") if p), neg))
            self.options.append(sels)

    def matches(self, scope: str) -> bool:
        sections = set(scope.split("."))
        for sels in self.options:
            ok = True
            for sel in sels:
                contained = all(p in sections for p in sel.parts)
                if sel.negated:
                    if contained or "raw" in sections or "summary" in sections:
                        ok = False
                        break
                elif not contained:
                    ok = False
                    break
            if ok:
                return True
        return False

    @property
    def is_raw(self) -> bool:
        return any(not s.negated and "raw" in s.parts for sels in self.options for s in sels)

    def __repr__(self) -> str:
        return f"Scope({list(self.values)!r})"


# --------------------------------------------------------------------------- helpers


def format_message(message: str, *subs: str) -> str:
    """Go's ``fmt.Sprintf`` for the ``%s`` verbs Vale messages use."""
    out: list[str] = []
    i = 0
    k = 0
    while i < len(message):
        ch = message[i]
        if ch == "%" and i + 1 < len(message):
            nxt = message[i + 1]
            if nxt == "%":
                out.append("%")
                i += 2
                continue
            if nxt in "sqvd":
                if k < len(subs):
                    out.append(f'"{subs[k]}"' if nxt == "q" else subs[k])
                else:
                    out.append(f"%!{nxt}(MISSING)")
                k += 1
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def to_sentence(words: Sequence[str], conj: str) -> str:
    quoted = [f"'{w}'" for w in words]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} {conj} {quoted[1]}"
    return ", ".join(quoted[:-1]) + f", {conj} {quoted[-1]}"


_GO_FIXES = ((r"\z", r"\Z"),)


def go_pattern(pattern: str) -> str:
    """Translate the few Go RE2 / regexp2 spellings that Python's ``regex`` reads differently."""
    for old, new in _GO_FIXES:
        pattern = pattern.replace(old, new)
    return pattern


def compile_pattern(pattern: str, *, source: str, rule: str, key: str) -> BoundedPattern:
    """A user pattern, compiled with a time budget; one that backtracks catastrophically on a
    short probe is refused here, at load, naming the rule and key."""
    where = f"{source}: " if source else ""
    try:
        compiled = regex.compile(go_pattern(pattern))
    except (regex.error, ValueError, TypeError) as exc:
        raise RuleError(
            f"{where}rule {rule}: key '{key}': invalid pattern {pattern!r}: {exc}"
        ) from None
    problem = probe(compiled)
    if problem is not None:
        shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
        raise RuleError(
            f"{where}rule {rule}: key '{key}': pattern {shown!r} is too slow: {problem}"
        )
    return BoundedPattern(compiled)


# the look-behind starts a match only at the first mark of a run ("....x" is tried once, not
# once per mark: no quadratic retries)
_SENT_END = regex.compile(r"""(?<![.!?])[.!?]++['"’”)\]]*+(?=\s|$)""")
_NON_SPACE = regex.compile(r"\S")
_MAX_WORD = 64  # longer "words" are never abbreviations
_ABBREV = (
    frozenset(
        [
            "e.g",
            "i.e",
            "etc",
            "vs",
            "mr",
            "mrs",
            "ms",
            "dr",
            "prof",
            "sr",
            "jr",
            "st",
            "no",
            "fig",
            "inc",
            "ltd",
            "co",
            "corp",
            "approx",
            "dept",
            "est",
            "u.s",
            "a.m",
            "p.m",
        ]
    )
    | MONTH_ABBREVIATIONS
)


def _word_before(text: str, start: int, pos: int) -> str:
    """The last whitespace-free word of ``text[start:pos]`` (at most ``_MAX_WORD`` characters
    are looked at: linear time however long the word or the sentence)."""
    w = pos
    low = max(start, pos - _MAX_WORD - 1)
    while w > low and not text[w - 1].isspace():
        w -= 1
    if w == low and w > start and not text[w - 1].isspace():
        return text[w:pos].lower().strip("(\"'")[-_MAX_WORD:] + "\0"  # too long: no abbreviation
    return text[w:pos].lower().strip("(\"'")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges ``(start, end)`` in ``text``; trailing whitespace excluded.

    Linear in ``len(text)``: every look-around is bounded or consumed once.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    while start < n and text[start].isspace():
        start += 1
    for m in _SENT_END.finditer(text):
        end = m.end()
        if end <= start:
            continue
        prev = _word_before(text, start, m.start())
        if m.group().startswith(".") and len(m.group()) == 1:
            if prev in _ABBREV or (len(prev) == 1 and prev.isalpha()):
                continue
            nxt = _NON_SPACE.search(text, end)
            following = text[nxt.start()] if nxt else ""
            if following.islower():
                continue
            if prev and prev[-1].isdigit() and following.isdigit():
                continue
        spans.append((start, end))
        start = end
        while start < n and text[start].isspace():
            start += 1
    if start < n:
        end = n
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


# --------------------------------------------------------------------------- rule base

_COMMON_KEYS = frozenset(
    {
        "extends",
        "message",
        "level",
        "link",
        "scope",
        "action",
        "limit",
        "description",
        "category",
        "name",
        "path",
        "code",
        "vocab",
    }
)


class Fields:
    """Typed access to a rule's YAML mapping with errors that name source, rule and key."""

    def __init__(self, data: Mapping[str, Any], *, source: str, rule: str) -> None:
        self.data = data
        self.source = source
        self.rule = rule

    def error(self, key: str, what: str) -> RuleError:
        where = f"{self.source}: " if self.source else ""
        return RuleError(f"{where}rule {self.rule}: key '{key}': {what}")

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(key, f"expected a string, got {type(value).__name__}")
        return str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no"}:
            return value.strip().lower() in {"true", "yes"}
        if isinstance(value, int):
            return value != 0
        raise self.error(key, f"expected true or false, got {value!r}")

    def integer(self, key: str, default: int = 0) -> int:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool):
            raise self.error(key, f"expected a number, got {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self.error(key, f"expected a whole number, got {value!r}") from None

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return [str(value)]
        if isinstance(value, list):
            out = []
            for item in value:
                if isinstance(item, dict | list) or item is None:
                    raise self.error(key, f"expected a list of strings, found {item!r}")
                out.append(str(item) if not isinstance(item, bool) else str(item).lower())
            return out
        raise self.error(key, f"expected a list of strings, got {type(value).__name__}")

    def mapping(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            return {}
        items: list[tuple[Any, Any]] = []
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):  # a list of one-entry mappings is accepted too
            for item in value:
                if not isinstance(item, dict):
                    raise self.error(key, f"expected a mapping, found {item!r}")
                items.extend(item.items())
        else:
            raise self.error(key, f"expected a mapping, got {type(value).__name__}")
        out: dict[str, str] = {}
        for k, v in items:
            kk = str(k).lower() if isinstance(k, bool) else str(k)
            vv = "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
            out[kk] = vv
        return out


class BaseRule:
    """Common fields of every rule type; subclasses implement ``run`` on one block."""

    extends: ClassVar[str] = ""
    keys: ClassVar[frozenset[str]] = frozenset()
    default_scope: ClassVar[tuple[str, ...]] = ("text",)
    default_category: ClassVar[str] = "style"
    supported: ClassVar[bool] = True

    def __init__(self, name: str, data: Mapping[str, Any], *, source: str = "") -> None:
        f = Fields(data, source=source, rule=name)
        self.fields = f
        self.name = name
        self.source = source
        self.message = f.text("message")
        self.description = f.text("description")
        # Vale (check/manager.go compileCheck): a rule file without `level` is a warning
        level = f.text("level", "warning")
        try:
            self.level = Severity.from_vale(level)
        except ValueError as exc:
            raise f.error("level", str(exc)) from None
        link = f.text("link")
        self.link: str | None = link or None
        scope_values = f.strings("scope")
        self.scope = Scope(scope_values or list(self.default_scope))
        self.limit = f.integer("limit")
        category = f.text("category")
        self.category: str | None = category or self.default_category
        self.vocab = f.flag("vocab", True)
        self.action: Action | None = None
        raw_action = data.get("action")
        if raw_action is not None:
            if not isinstance(raw_action, dict):
                raise f.error("action", "expected a mapping with 'name' and optional 'params'")
            aname = str(raw_action.get("name", "")).strip()
            if aname not in {"replace", "remove", "suggest", "edit", "convert", ""}:
                raise f.error(
                    "action", f"unknown action {aname!r}: expected replace, remove or suggest"
                )
            params = raw_action.get("params") or []
            if not isinstance(params, list):
                params = [params]
            self.action = Action(aname, tuple(str(p) for p in params)) if aname else None
        allowed = _COMMON_KEYS | self.keys
        for key in data:
            if key not in allowed:
                raise f.error(
                    str(key), f"unknown key for extends: {self.extends} (known: {sorted(allowed)})"
                )

    # -- to implement ---------------------------------------------------------------------
    def run(self, block: ScopedBlock, state: FileState) -> list[Match]:
        raise NotImplementedError

    def accept(self, terms: Sequence[str]) -> None:
        """Vocabulary terms that this rule must not flag (Vale's accept.txt); default: none."""

    # -- helpers --------------------------------------------------------------------------
    @property
    def action_name(self) -> str | None:
        return self.action.name if self.action else None

    def suggestions_for(self, matched: str, expected: Sequence[str] = ()) -> tuple[str, ...]:
        if self.action is None:
            return tuple(expected)
        if self.action.name == "replace":
            return self.action.params or tuple(expected)
        if self.action.name == "remove":
            return ("",)
        if self.action.name == "suggest":
            return tuple(expected) or self.action.params
        return tuple(expected)

    def make(self, text: str, start: int, end: int, *subs: str) -> Match:
        matched = text[start:end]
        return Match(
            start,
            end,
            matched,
            format_message(self.message, *(subs or (matched,))),
            self.suggestions_for(matched),
        )

    def check(self, doc: PlainText) -> list[Alert]:
        return run_on_plaintext([self], doc)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} scope={list(self.scope.values)}>"


# --------------------------------------------------------------------------- vocabulary exceptions


def exception_pattern(terms: Sequence[str], ignorecase: bool) -> BoundedPattern | None:
    """Whole-match pattern for ``exceptions`` (longest first, as Vale sorts them)."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    body = "|".join(terms)
    flags = "(?i)" if ignorecase else ""
    try:
        compiled = regex.compile(flags + f"(?:{body})")
        if probe(compiled) is None:
            return BoundedPattern(compiled)
    except regex.error:
        pass
    escaped = "|".join(regex.escape(t) for t in terms)  # literal terms: never slow
    return BoundedPattern(regex.compile(flags + f"(?:{escaped})"))


def phrase_pattern(terms: Sequence[str], ignorecase: bool) -> BoundedPattern | None:
    """Accepted multi-word vocabulary phrases, as whole words (longest first)."""
    phrases = sorted({t for t in terms if " " in t.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    flags = "(?i)" if ignorecase else ""
    try:
        compiled = regex.compile(flags + r"\b(?:" + "|".join(phrases) + r")\b")
        if probe(compiled) is None:
            return BoundedPattern(compiled)
    except regex.error:
        pass
    escaped = "|".join(map(regex.escape, phrases))
    return BoundedPattern(regex.compile(flags + r"\b(?:" + escaped + r")\b"))


def accepted_spans(pattern: BoundedPattern | None, text: str) -> list[tuple[int, int]]:
    """Where accepted phrases occur in ``text``: matches inside them are exempt (Vale #1035)."""
    return [m.span() for m in pattern.finditer(text)] if pattern is not None else []


def within(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Does ``[start, end)`` lie inside one of ``spans``?"""
    return any(s <= start and end <= e for s, e in spans)


class VocabRule(BaseRule):
    """A word rule whose ``exceptions`` grow by the accepted vocabulary (existence, substitution).

    Accepted terms become whole-match exceptions and accepted multi-word phrases exempt the
    words inside them; a ``nonword`` rule (or ``vocab: false``) takes no vocabulary.
    Subclasses set ``exceptions``, ``ignorecase`` and ``nonword``, then call
    ``_init_exceptions``.
    """

    exceptions: list[str]
    ignorecase: bool
    nonword: bool

    def _init_exceptions(self) -> None:
        self._except = exception_pattern(self.exceptions, self.ignorecase)
        self._phrases: regex.Pattern[str] | None = None

    def accept(self, terms: Sequence[str]) -> None:
        if self.vocab and not self.nonword:
            self._except = exception_pattern([*self.exceptions, *terms], self.ignorecase)
            self._phrases = phrase_pattern(terms, self.ignorecase)

    def excepted(self, matched: str) -> bool:
        """Is all of ``matched`` one of the exceptions (or accepted terms)?"""
        return self._except is not None and self._except.fullmatch(matched) is not None

    def phrase_spans(self, text: str) -> list[tuple[int, int]]:
        """Where accepted multi-word phrases occur in ``text``."""
        return accepted_spans(self._phrases, text)


# --------------------------------------------------------------------------- PlainText driver

_KIND_SCOPE = {
    "list": "text.list",
    "blockquote": "text.blockquote",
    "table": "text.table.cell",
}


def plaintext_blocks(doc: PlainText) -> list[ScopedBlock]:
    """Vale-style scoped blocks for a ``PlainText`` (coordinates: ``doc.text``)."""
    out: list[ScopedBlock] = []
    blocks = list(doc.blocks)
    if not blocks and doc.text.strip():
        from analyzers.text import Block

        blocks = [Block("paragraph", 0, len(doc.text))]
    for b in blocks:
        text = doc.text[b.start : b.end]
        if not text.strip():
            continue
        if b.kind == "heading":
            out.append(ScopedBlock(f"text.heading.h{max(1, min(6, b.level or 1))}", text, b.start))
        elif b.kind in _KIND_SCOPE:
            out.append(ScopedBlock(_KIND_SCOPE[b.kind], text, b.start))
        else:
            out.append(ScopedBlock("paragraph", text, b.start))
            for s, e in split_sentences(text):
                out.append(ScopedBlock("sentence", text[s:e], b.start + s))
            out.append(ScopedBlock("text", text, b.start))
    return out


def _metrics_for(blocks: Sequence[ScopedBlock]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for b in blocks:
        parts = b.scope.split(".")
        if parts[0] == "text" and len(parts) > 1:
            key = "_".join(parts[1:])
            counts[key] = counts.get(key, 0.0) + 1
    return counts


def run_on_plaintext(
    rules: Sequence[BaseRule], doc: PlainText, budget: RuleBudget | None = None
) -> list[Alert]:
    deadline = time.perf_counter() + budget.seconds if budget is not None else None
    blocks = plaintext_blocks(doc)
    state = FileState()
    state.metrics = _metrics_for(blocks)
    state.summary = " ".join(b.text for b in blocks if b.scope == "paragraph")
    summary = ScopedBlock("summary", state.summary, 0)
    raw = ScopedBlock("raw", doc.original, 0)
    seen: set[tuple[str, int, int]] = set()
    alerts: list[Alert] = []
    offsets = doc.offsets
    for rule in rules:
        if not rule.supported:
            continue
        if deadline is not None and budget is not None:
            if time.perf_counter() > deadline:
                budget.exhausted = True
                break
            budget.rules_run += 1
        for block in [*blocks, summary, raw]:
            if not rule.scope.matches(block.scope):
                continue
            try:  # a user pattern past its time budget skips the rule for this draft
                hits = list(rule.run(block, state))
            except TimeoutError:
                if budget is not None:
                    budget.timed_out.append(rule.name)
                break
            for m in hits:
                if m.whole_file or block.scope == "summary":
                    start = end = 0
                elif block.scope == "raw":
                    start = bisect.bisect_left(offsets, m.start, 0, max(0, len(offsets) - 1))
                    end = max(start, bisect.bisect_left(offsets, m.end, 0, len(offsets) - 1))
                else:
                    start, end = block.start + m.start, block.start + m.end
                check = m.check or rule.name
                raw_hit = block.scope == "raw" and not m.whole_file
                original = (m.start, m.end) if raw_hit else None
                key = (check, start, end) if original is None else (check, ~m.start, m.end)
                if key in seen:
                    continue
                seen.add(key)
                alerts.append(
                    Alert(
                        check=check,
                        message=m.message,
                        severity=m.severity or rule.level,
                        start=start,
                        end=end,
                        matched=m.matched,
                        suggestions=m.suggestions,
                        link=m.link or rule.link,
                        action=m.action or rule.action_name,
                        category=rule.category,
                        original=original,
                    )
                )
    alerts.sort(key=lambda a: (a.start, a.end, a.check))
    return alerts
