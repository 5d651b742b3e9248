"""``extends`` → rule class, and loading rules, styles and vocabularies from disk."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import regex
import yaml

from analyzers.rules.base import BaseRule, RuleError
from analyzers.rules.capitalization import Capitalization
from analyzers.rules.claims import ClaimCheck
from analyzers.rules.conditional import Conditional
from analyzers.rules.consistency import Consistency
from analyzers.rules.existence import Existence
from analyzers.rules.metric import Metric, Readability
from analyzers.rules.occurrence import Occurrence
from analyzers.rules.repetition import Repetition
from analyzers.rules.spelling import Spelling
from analyzers.rules.substitution import Substitution
from analyzers.rules.terms import TermList
from analyzers.rules.unsupported import LanguageTool, Script, Sequence

REGISTRY: dict[str, type[BaseRule]] = {
    cls.extends: cls
    for cls in (
        Existence,
        Substitution,
        Occurrence,
        Repetition,
        Consistency,
        Conditional,
        Capitalization,
        Metric,
        Readability,
        Spelling,
        Sequence,
        Script,
        LanguageTool,
        TermList,
        ClaimCheck,
    )
}


def load_rule(name: str, data: Mapping[str, Any], *, source: str = "") -> BaseRule:
    """Build one rule from its YAML mapping; ``RuleError`` names source, rule and key."""
    where = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise RuleError(
            f"{where}rule {name}: expected a mapping of keys, got {type(data).__name__}"
        )
    extends = data.get("extends")
    if extends is None:
        raise RuleError(f"{where}rule {name}: key 'extends': missing (one of {sorted(REGISTRY)})")
    cls = REGISTRY.get(str(extends))
    if cls is None:
        raise RuleError(
            f"{where}rule {name}: key 'extends': unknown rule type {extends!r} "
            f"(one of {sorted(REGISTRY)})"
        )
    if "message" not in data and cls.extends not in {"spelling", "lt"}:
        raise RuleError(f"{where}rule {name}: key 'message': missing")
    return cls(name, data, source=source)


# libyaml's safe loader when PyYAML has it: a style's 30-odd rule files load 5x faster
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_rule_file(path: Path, style: str) -> BaseRule:
    name = f"{style}.{path.stem}"
    if path.is_symlink():
        # a link out of the style folder could point at a secret (.env, a key); it is refused
        # unread, so no error message can ever show another file's contents
        try:
            inside = path.resolve(strict=True).is_relative_to(path.parent.resolve(strict=True))
        except OSError:
            inside = False
        if not inside:
            raise RuleError(
                f"{path}: rule {name}: is a symbolic link to a file outside the style folder; "
                "copy the rule into the folder instead"
            )
    try:
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.load(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            # Go's YAML reader (Vale's) accepts \' inside double quotes; PyYAML does not.
            data = yaml.load(text.replace("\\'", "'"), Loader=_FAST_LOADER)
    except yaml.YAMLError as exc:
        # the problem and its position only: PyYAML's full message quotes the file's text
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise RuleError(f"{path}:{line}: rule {name}: invalid YAML: {problem}") from None
    except UnicodeDecodeError:
        raise RuleError(f"{path}: rule {name}: cannot read: not UTF-8 text") from None
    except OSError as exc:
        raise RuleError(f"{path}: rule {name}: cannot read: {exc.strerror or exc}") from None
    if data is None:
        raise RuleError(f"{path}: rule {name}: the file is empty")
    return load_rule(name, data, source=str(path))


def load_style(styles_path: Path, style: str) -> list[BaseRule]:
    """Every ``*.yml`` rule of ``StylesPath/style`` (sorted by name)."""
    folder = Path(styles_path) / style
    if not folder.is_dir():
        raise RuleError(f"{folder}: style {style!r} not found under {styles_path}")
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    return [read_rule_file(p, style) for p in files]


def vocab_dir(styles_path: Path, vocab: str) -> Path | None:
    for candidate in (
        Path(styles_path) / "config" / "vocabularies" / vocab,
        Path(styles_path) / "Vocab" / vocab,
    ):
        if candidate.is_dir():
            return candidate
    return None


def read_terms(path: Path) -> list[str]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def vocab_terms(styles_path: Path, vocab: str) -> tuple[list[str], list[str]]:
    """(accepted, rejected) terms of one vocabulary."""
    folder = vocab_dir(styles_path, vocab)
    if folder is None:
        raise RuleError(
            f"vocabulary {vocab!r} not found in {Path(styles_path) / 'config/vocabularies'} "
            f"or {Path(styles_path) / 'Vocab'}"
        )
    return read_terms(folder / "accept.txt"), read_terms(folder / "reject.txt")


def terms_rule(accepted: list[str], *, source: str = "") -> BaseRule | None:
    # Vale keys its swap map by the lower-cased entry, so with several vocabularies the last
    # entry that differs only in case wins ("definately" then "Definately" → "Definately").
    by_key: dict[str, str] = {}
    for term in accepted:
        by_key[term.lower()] = term
    swap: dict[str, str] = {}
    for term in by_key.values():
        if term.startswith("(?i)"):
            continue  # case-insensitive entries accept any casing: nothing to enforce
        key = term
        try:
            regex.compile(key)
        except regex.error:
            key = regex.escape(term)
        swap[key] = term
    if not swap:
        return None
    return Substitution(
        "Vale.Terms",
        {
            "extends": "substitution",
            "message": "Use '%s' instead of '%s'.",
            "level": "error",
            "ignorecase": True,
            "swap": swap,
            "category": "terminology",
        },
        source=source,
    )


def avoid_rule(rejected: list[str], *, source: str = "") -> BaseRule | None:
    if not rejected:
        return None
    return Existence(
        "Vale.Avoid",
        {
            "extends": "existence",
            "message": "Avoid using '%s'.",
            "level": "error",
            "ignorecase": False,
            "tokens": rejected,
            "category": "terminology",
        },
        source=source,
    )


def load_vocab(styles_path: Path, vocab: str) -> list[BaseRule]:
    """``accept.txt`` → Vale.Terms (casing), ``reject.txt`` → Vale.Avoid (existence)."""
    accepted, rejected = vocab_terms(styles_path, vocab)
    src = str(vocab_dir(styles_path, vocab))
    rules = [terms_rule(accepted, source=src), avoid_rule(rejected, source=src)]
    return [r for r in rules if r is not None]
