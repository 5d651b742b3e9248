"""Lint files the way ``vale`` does: config → rules per file → scoped blocks → positioned alerts."""

from __future__ import annotations

import bisect
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from analyzers.rules.base import BaseRule, FileState, RuleError, ScopedBlock, go_pattern
from analyzers.rules.bounded import BoundedPattern, probe
from analyzers.rules.registry import (
    avoid_rule,
    load_rule,
    load_style,
    read_rule_file,
    terms_rule,
    vocab_terms,
)
from analyzers.rules.spelling import Spelling
from analyzers.types import Severity
from analyzers.vale.config import LEVELS, Config, Section, ValeError, glob_match
from analyzers.vale.converters import CONVERTED_EXTS, ConverterMissing, parse_converted
from analyzers.vale.filter import FilterError, compile_filter
from analyzers.vale.frontmatter import front_matter_segments
from analyzers.vale.markup import (
    DEFAULT_IGNORED_CLASSES,
    HTML_EXTS,
    MARKDOWN_EXTS,
    UNSUPPORTED_EXTS,
    Document,
    MarkupOptions,
    Segment,
    parse,
)

_IGNORED_DIRS = frozenset({"node_modules", ".git", "__pycache__", ".svn", ".hg", ".venv"})
_LEVEL_RANK = {"suggestion": 0, "warning": 1, "error": 2}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValeAlert:
    path: str
    line: int
    column: int
    end_column: int
    check: str
    message: str
    severity: str
    matched: str
    link: str
    action: str | None
    params: tuple[str, ...] = ()


@dataclass
class FileResult:
    path: str
    alerts: list[ValeAlert] = field(default_factory=list)


def builtin_vale_rules() -> list[BaseRule]:
    rep = load_rule(
        "Vale.Repetition",
        {
            "extends": "repetition",
            "message": "'%s' is repeated!",
            "level": "error",
            "alpha": True,
            "ignorecase": True,
            "tokens": [r"[^\s]+"],
        },
        source="<builtin>",
    )
    spelling = load_rule(
        "Vale.Spelling",
        {"extends": "spelling", "message": "Did you really mean '%s'?", "level": "error"},
        source="<builtin>",
    )
    return [rep, spelling]


class Linter:
    def __init__(
        self,
        cfg: Config,
        *,
        min_level: str | None = None,
        cwd: Path | None = None,
        rule_filter: str | None = None,
    ) -> None:
        self.cfg = cfg
        self.cwd = cwd or Path.cwd()
        self._filter = compile_filter(rule_filter) if rule_filter else None
        self.min_level = min_level or cfg.min_alert_level
        if self.min_level not in LEVELS:
            raise ValeError("flags", f"--minAlertLevel must be one of {LEVELS}")
        self.rules: dict[str, BaseRule] = {}
        self._loaded_styles: set[str] = set()
        self.accepted: list[str] = []
        # (path, rule) pairs enabled by name rather than through BasedOnStyles: an in-text
        # ``<!-- vale style = X -->`` switch does not turn these off
        self._explicit: set[tuple[str, str]] = set()
        self._options: dict[str, MarkupOptions] = {}
        self._load()
        if rule_filter and ".Level" in rule_filter:
            # Vale: a filter on .Level can lower MinAlertLevel to the levels it selects
            levels = [r.level.value for r in self.rules.values() if self._passes(r)]
            if levels:
                lowest = min(levels, key=lambda lv: _LEVEL_RANK[lv])
                if _LEVEL_RANK[lowest] < _LEVEL_RANK[self.min_level]:
                    self.min_level = lowest

    def _passes(self, rule: BaseRule) -> bool:
        """Does ``rule`` pass ``--filter``? (Always, without one.)"""
        if self._filter is None:
            return True
        env = {
            "Name": rule.name,
            "Level": rule.level.value,
            "Scope": list(rule.scope.values),
            "Extends": rule.extends,
            "Message": rule.message,
            "Description": rule.description,
            "Link": rule.link or "",
            "Limit": rule.limit,
        }
        try:
            return self._filter(env)
        except (FilterError, TypeError) as exc:
            raise ValeError("--filter", str(exc)) from None

    # -- loading ----------------------------------------------------------------------
    def _style_names(self) -> set[str]:
        names: set[str] = set()
        for sec in [self.cfg.global_section, *self.cfg.sections]:
            names.update(sec.based_on or [])
        return names

    def _load_style(self, style: str) -> None:
        if style in self._loaded_styles:
            return
        self._loaded_styles.add(style)
        if style == "Vale":
            for r in builtin_vale_rules():
                self.rules[r.name] = r
            return
        sp = self.cfg.styles_path
        if sp is None or not (sp / style).is_dir():
            raise ValeError("loadStyles", f"style '{style}' does not exist on StylesPath {sp}")
        for r in load_style(sp, style):
            self.rules[r.name] = r

    def _load(self) -> None:
        try:
            for style in sorted(self._style_names()):
                self._load_style(style)
            for sec in [self.cfg.global_section, *self.cfg.sections]:
                for name in sec.checks:
                    if name in self.rules or "." not in name:
                        continue  # a style-wide setting loads nothing by itself (as in Vale)
                    style, rule = name.split(".", 1)
                    if style == "Vale":
                        self._load_style("Vale")
                        continue
                    sp = self.cfg.styles_path
                    candidate = None
                    if sp is not None:
                        for ext in (".yml", ".yaml"):
                            if (sp / style / f"{rule}{ext}").is_file():
                                candidate = sp / style / f"{rule}{ext}"
                    if candidate is not None:
                        self.rules[name] = read_rule_file(candidate, style)
            if self.cfg.vocab:
                sp = self.cfg.styles_path
                if sp is None:
                    raise ValeError("loadVocab", "Vocab needs a StylesPath")
                rejected: list[str] = []
                for vocab in self.cfg.vocab:
                    acc, rej = vocab_terms(sp, vocab)
                    self.accepted.extend(acc)
                    rejected.extend(rej)
                for vrule in (terms_rule(self.accepted), avoid_rule(rejected)):
                    if vrule is not None:
                        self.rules[vrule.name] = vrule
                for loaded in self.rules.values():
                    if loaded.name not in ("Vale.Terms", "Vale.Avoid"):
                        loaded.accept(self.accepted)
            for loaded in self.rules.values():
                if isinstance(loaded, Spelling):
                    # Vale builds the speller when it loads the rule: a missing dictionary is
                    # a load error, not a lint-time one
                    loaded.configure(self.cfg.styles_path, self.cwd)
                    loaded.checker()
        except RuleError as exc:
            raise ValeError("loadStyles", str(exc)) from None

    # -- per file ---------------------------------------------------------------------
    def _sections_for(self, path: str) -> list[Section]:
        return [s for s in self.cfg.sections if glob_match(s.pattern, path)]

    def rules_for(self, path: str) -> list[tuple[BaseRule, Severity]]:
        sections = self._sections_for(path)
        base = self.cfg.global_section.based_on or []
        for sec in sections:
            if sec.based_on is not None:
                base = sec.based_on
        settings: dict[str, str] = dict(self.cfg.global_section.checks)
        for sec in sections:
            settings.update(sec.checks)
        out: list[tuple[BaseRule, Severity]] = []
        for name, rule in self.rules.items():
            style = name.split(".", 1)[0]
            # a rule's own setting wins; a style's (``proselint = NO`` / ``= suggestion``)
            # covers the rest of that style (Vale: lint.lookup / check.checkSetting)
            setting = settings.get(name, settings.get(style))
            enabled = style in base
            level = rule.level
            if setting is not None:
                if setting.upper() == "NO":
                    enabled = False
                elif setting.upper() == "YES":
                    enabled = True
                elif setting.lower() in LEVELS:
                    enabled = True
                    level = Severity(setting.lower())
            if not enabled or not rule.supported or not self._passes(rule):
                continue
            if setting is not None and style not in base:
                self._explicit.add((path, name))
            if _LEVEL_RANK[level.value] < _LEVEL_RANK[self.min_level]:
                continue
            out.append((rule, level))
        out.sort(key=lambda rl: rl[0].name)
        return out

    def has_any(self, path: str) -> bool:
        if self.cfg.global_section.based_on or self.cfg.global_section.checks:
            return True
        return bool(self._sections_for(path))

    def markup_options(self, ext: str) -> MarkupOptions:
        """SkippedScopes / IgnoredScopes / IgnoredClasses and the ignore patterns for ``ext``.

        Like Vale, a section's ``BlockIgnores`` (or ``IgnorePatterns``) and ``TokenIgnores``
        apply when the section's glob matches the file's normalised extension (``.md``).
        """
        ext = ext.lower()
        normed = ".md" if ext in MARKDOWN_EXTS and ext != ".mdx" else ext
        normed = ".html" if ext in HTML_EXTS else normed
        if normed in self._options:
            return self._options[normed]
        core = self.cfg.options

        def listed(key: str) -> list[str] | None:
            return _split(core[key]) if key in core and _split(core[key]) else None

        skipped = listed("SkippedScopes")
        ignored = listed("IgnoredScopes")
        classes = listed("IgnoredClasses") or []
        blocks: list[str] = []
        tokens: list[str] = []
        for sec in [self.cfg.global_section, *self.cfg.sections]:
            if sec is not self.cfg.global_section and not glob_match(sec.pattern, normed):
                continue
            for key in ("IgnorePatterns", "BlockIgnores"):
                if key in sec.options:
                    blocks = _split(sec.options[key])
            if "TokenIgnores" in sec.options:
                tokens = _split(sec.options["TokenIgnores"])
        defaults = MarkupOptions()
        opts = MarkupOptions(
            skipped_tags=frozenset(skipped) if skipped else defaults.skipped_tags,
            ignored_classes=frozenset((*DEFAULT_IGNORED_CLASSES, *classes)),
            ignored_scopes=frozenset(ignored) if ignored else defaults.ignored_scopes,
            block_ignores=tuple(_compile_ignore(p, "BlockIgnores") for p in blocks),
            token_ignores=tuple(_compile_ignore(p, "TokenIgnores") for p in tokens),
        )
        self._options[normed] = opts
        return opts

    def lint_text(self, text: str, path: str, ext: str) -> FileResult | None:
        low = ext.lower()
        if low in CONVERTED_EXTS:
            if not self.rules_for(path):
                return FileResult(path)
            try:
                converted = parse_converted(
                    text, low, self.markup_options(ext), self._adoc_attributes()
                )
            except ConverterMissing as exc:
                raise ValeError("lint", f"{path}: {exc}") from None
            self._add_front_matter(converted, text, low)
            return self.lint_document(converted, path)
        doc = parse(text, ext, self.markup_options(ext))
        if doc is None:
            return None
        for cut in doc.notes:  # what a browser does not show is not linted either: say so
            log.warning("%s: %s", path, cut)
        if low in MARKDOWN_EXTS:
            self._add_front_matter(doc, text, low)
        return self.lint_document(doc, path)

    def _add_front_matter(self, doc: Document, text: str, ext: str) -> None:
        ignored = frozenset(_split(self.cfg.options.get("IgnoredScopes", "")))
        doc.segments.extend(front_matter_segments(text, ext, ignored))

    def _adoc_attributes(self) -> dict[str, str]:
        """``[asciidoctor]`` section of ``.vale.ini``: attributes passed to asciidoctor."""
        for sec in self.cfg.sections:
            if sec.pattern == "asciidoctor":
                return dict(sec.checks) | dict(sec.options)
        return {}

    def lint_document(self, doc: Document, path: str) -> FileResult:
        result = FileResult(path)
        rules = self.rules_for(path)
        if not rules:
            return result
        line_starts = [0] + [m.end() for m in re.finditer("\n", doc.original)]
        controls = _ControlTimeline(doc)
        real_ext = os.path.splitext(path)[1]
        state = FileState(metrics=dict(doc.metrics))
        raw = Segment("raw", doc.original, list(range(len(doc.original))))
        summary_text = " ".join(s.text for s in doc.summary)
        state.summary = summary_text
        seen: set[tuple[int, int, str]] = set()
        counts: dict[str, int] = {}
        for rule, level in rules:
            for seg in [*doc.segments, raw, Segment("summary", summary_text, [])]:
                # Vale's block scopes end in the file's extension (``text.heading.h1.md``), so
                # ``scope: text.html`` only runs on HTML files
                if not rule.scope.matches(seg.scope + real_ext):
                    continue
                try:  # a user pattern past its time budget skips the rule here, nothing more
                    hits = list(rule.run(ScopedBlock(seg.scope, seg.text, 0), state))
                except TimeoutError:
                    log.warning("rule %s timed out on %s; skipped there", rule.name, path)
                    continue
                for m in hits:
                    if m.whole_file or seg.scope == "summary":
                        start, end = 0, 0
                    else:
                        start, end = seg.span(m.start, m.end)
                    if seg.scope in ("raw", "summary"):
                        # sized scopes run after the walk, with per-rule controls reset
                        if controls.off_at_end():
                            continue
                    elif controls.disabled(
                        rule.name, start, m.matched, (path, rule.name) in self._explicit
                    ):
                        continue
                    unplaced = (
                        seg.scope not in ("raw", "summary")
                        and bool(m.matched)
                        and doc.original[start:end] != m.matched
                    )
                    if unplaced:
                        # Vale finds a match by searching the source for its text from the
                        # block on (core.initialPosition): a later verbatim occurrence wins
                        found = _search_match(doc.original, m.matched, seg.offsets[0])
                        if found >= 0:
                            start, end, unplaced = found, found + len(m.matched), False
                    line = bisect.bisect_right(line_starts, start)
                    col = start - line_starts[line - 1] + 1
                    if unplaced:
                        # markup sits inside the matched words: the start of the line
                        col = 1
                    moved = _on_block_line(doc.original, line_starts, seg, line, m.matched)
                    if moved is not None:
                        line, col = moved
                    key = (line, col, rule.name)
                    if key in seen:
                        continue
                    if rule.limit and counts.get(rule.name, 0) >= rule.limit:
                        continue
                    seen.add(key)
                    counts[rule.name] = counts.get(rule.name, 0) + 1
                    result.alerts.append(
                        ValeAlert(
                            path=path,
                            line=line,
                            column=col,
                            end_column=col + max(0, end - start - 1),
                            check=rule.name,
                            # Vale's FormatAlert: a newline in a message becomes a space
                            message=m.message.replace("\n", " "),
                            severity=level.value,
                            matched=m.matched,
                            link=rule.link or "",
                            action=rule.action_name,
                            params=m.suggestions,
                        )
                    )
        result.alerts.sort(key=lambda a: (a.line, a.column, a.check))
        return result

    def lint_paths(
        self,
        inputs: Sequence[str],
        cwd: Path,
        glob: str | None = None,
        ext: str | None = None,
    ) -> list[FileResult]:
        """Lint files and folders; ``ext`` (``--ext``) lints every file as that format."""
        results: list[FileResult] = []
        for src in inputs:
            p = (cwd / src) if not os.path.isabs(src) else Path(src)
            if p.is_dir():
                files = list(_walk(p))
                shown = [os.path.join(src, os.path.relpath(f, p)) for f in files]
            elif p.is_file():
                files, shown = [p], [src]
            else:
                continue
            for fp, name in zip(files, shown, strict=True):
                name = os.path.normpath(name)
                # Vale matches --glob against the file's full path: ``!**/*.md`` excludes
                # ./test.md too
                if glob and not _glob_filter(glob, [name, str(fp.resolve())]):
                    continue
                if not self.has_any(name):
                    continue
                fext = ext or fp.suffix
                if fext.lower() in UNSUPPORTED_EXTS:
                    continue
                try:
                    text = fp.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                res = self.lint_text(text.replace("\r\n", "\n"), name, fext)
                if res is not None:
                    results.append(res)
        return results


# Vale lints these tag-scoped blocks without a text search: an alert goes on the block's
# last line, wherever that line holds the matched text (see ``_on_block_line``).
_TAG_SCOPES = ("text.blockquote", "text.list", "text.table", "text.heading", "text.figure")


def _search_match(source: str, matched: str, start: int) -> int:
    """Vale's search for a match's text in the source, from ``start`` on (-1: not there).

    The first occurrence with a word boundary (or ``_``) on both sides that is not next to a
    backtick or a hyphen, else the first occurrence at all (``core.initialPosition``).
    """
    pattern = regex.compile(r"(?:^|\b|_)" + regex.escape(matched) + r"(?:_|\b|$)")
    for m in pattern.finditer(source, start):
        at = int(m.start()) + (1 if source.startswith("_", m.start()) else 0)
        before = source[at - 1 : at]
        after = source[at + len(matched) : at + len(matched) + 1]
        if before not in ("`", "-") and after not in ("`", "-"):
            return at
    return source.find(matched, start)


def _on_block_line(
    original: str, line_starts: list[int], seg: Segment, line: int, matched: str
) -> tuple[int, int] | None:
    """Where Vale puts a match found on an earlier line of a multi-line tag-scoped block.

    Vale places such an alert on the line its walker last reached for the block (the block's
    last line) when that line contains the matched text (as a word first, else anywhere); so
    a term found on both lines of a two-line quote is reported once, on the second line.
    """
    if not matched or not seg.offsets or not seg.scope.startswith(_TAG_SCOPES):
        return None
    last = len(seg.text.rstrip()) - 1
    if last < 0:
        return None
    last_line = bisect.bisect_right(line_starts, seg.offsets[last])
    if last_line <= line:
        return None
    lo = line_starts[last_line - 1]
    hi = line_starts[last_line] - 1 if last_line < len(line_starts) else len(original)
    text = original[lo:hi]
    word = re.search(r"(?:^|\b|_)" + re.escape(matched) + r"(?:_|\b|$)", text)
    idx = word.start() if word else text.find(matched)
    if idx < 0:
        return None
    if text[idx:].startswith("_") and not matched.startswith("_"):
        idx += 1
    return last_line, idx + 1


def _glob_filter(pattern: str, names: Sequence[str]) -> bool:
    if pattern.startswith("!"):
        return not any(glob_match(pattern[1:], n) for n in names)
    return any(glob_match(pattern, n) for n in names)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _compile_ignore(pattern: str, key: str) -> BoundedPattern:
    try:
        compiled = regex.compile(go_pattern(pattern))
    except (regex.error, ValueError) as exc:
        raise ValeError("loadConfig", f"{key}: invalid pattern {pattern!r}: {exc}") from None
    problem = probe(compiled)
    if problem is not None:
        raise ValeError("loadConfig", f"{key}: pattern {pattern[:80]!r} is too slow: {problem}")
    return BoundedPattern(compiled)


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS)
        for f in sorted(filenames):
            if f in (".vale.ini", "_vale.ini", ".vale", "_vale"):
                continue
            yield Path(dirpath) / f


# --------------------------------------------------------------------------- comments

_RULE_CTRL = re.compile(
    r"^vale\s+([\w-]+(?:\.[\w-]+)?)(\[(.*)\])?\s*=\s*(YES|NO|on|off)$", re.IGNORECASE
)


# ``<!-- vale style = A -->`` / ``<!-- vale styles = A, B -->``: from here on, only these
# styles apply (rules enabled by name in the config still run)
_STYLE_CTRL = re.compile(r"^vale\s+styles?\s*=\s*(?!(?:YES|NO|on|off)$)(.+)$", re.IGNORECASE)


class _ControlTimeline:
    """``vale off|on``, ``vale Style[.Rule][["m",...]] = NO|YES`` and ``vale style(s) = ...``."""

    def __init__(self, doc: Document) -> None:
        self.events = sorted((c.offset, c.command.strip()) for c in doc.controls)

    def off_at_end(self) -> bool:
        off = False
        for _, cmd in self.events:
            if cmd in ("vale off", "vale on"):
                off = cmd == "vale off"
        return off

    def disabled(self, check: str, offset: int, matched: str, explicit: bool = False) -> bool:
        off = False
        styles: set[str] | None = None
        rules: dict[str, bool] = {}
        matches: dict[tuple[str, str], bool] = {}
        style = check.split(".", 1)[0]
        for pos, cmd in self.events:
            if pos > offset:
                break
            if cmd == "vale off":
                off = True
            elif cmd == "vale on":
                off = False
            elif (sm := _STYLE_CTRL.match(cmd)) is not None:
                styles = {x.strip() for x in sm.group(1).split(",") if x.strip()}
            else:
                m = _RULE_CTRL.match(cmd)
                if not m:
                    continue
                target, items = m.group(1), m.group(3)
                state = m.group(4).upper() in ("NO", "OFF")
                if items is not None:
                    for item in re.findall(r'"([^"]*)"', items):
                        matches[(target, item)] = state
                else:
                    rules[target] = state
        if off:
            return True
        if styles is not None and not explicit and style not in styles:
            return True
        if rules.get(check) or rules.get(style):
            return True
        return matches.get((check, matched), False)
