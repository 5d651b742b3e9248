"""``.vale.ini`` reading: StylesPath, MinAlertLevel, Vocab, per-glob sections and rule overrides."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAMES = (".vale.ini", "_vale.ini", ".vale", "_vale")
LEVELS = ("suggestion", "warning", "error")


class ValeError(Exception):
    """A runtime error reported the way Vale does (``E100 [context] Runtime error``)."""

    def __init__(self, context: str, detail: str = "") -> None:
        super().__init__(f"{context}: {detail}" if detail else context)
        self.context = context
        self.detail = detail

    def render(self) -> str:
        out = f"E100 [{self.context}] Runtime error"
        if self.detail:
            out += f"\n\n{self.detail}"
        return out


@dataclass
class Section:
    pattern: str
    based_on: list[str] | None = None
    checks: dict[str, str] = field(default_factory=dict)  # Style.Rule -> YES/NO/level
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Config:
    path: Path | None
    styles_path: Path | None = None
    min_alert_level: str = "suggestion"
    vocab: list[str] = field(default_factory=list)
    global_section: Section = field(default_factory=lambda: Section("*"))
    sections: list[Section] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def find_config(start: Path) -> Path | None:
    env = os.environ.get("VALE_CONFIG_PATH")
    if env and Path(env).is_file():
        return Path(env)
    here = start.resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


_RULE_KEY = re.compile(r"^[\w-]+\.[\w-]+$")
# a style's own setting (``proselint = NO``, ``proselint = suggestion``): Vale reads every
# section key that is not a syntax option as a check, a style name included
_STYLE_KEY = re.compile(r"^[\w-]+$")
_CHECK_VALUES = frozenset({"YES", "NO", *LEVELS})


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_config(text: str, path: Path | None) -> Config:
    cfg = Config(path)
    current: Section | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            pattern = line[1:-1].strip()
            if pattern == "*":
                current = cfg.global_section
            else:
                current = Section(pattern)
                cfg.sections.append(current)
            continue
        if "=" not in line:
            raise ValeError("loadConfig", f"{path}:{lineno}: expected 'key = value', got {line!r}")
        key, value = (p.strip() for p in line.split("=", 1))
        if current is None:
            if key == "StylesPath":
                base = path.parent if path is not None else Path.cwd()
                cfg.styles_path = (base / value).resolve() if value else None
            elif key == "MinAlertLevel":
                if value not in LEVELS:
                    raise ValeError("loadConfig", f"MinAlertLevel must be one of {LEVELS}")
                cfg.min_alert_level = value
            elif key == "Vocab":
                cfg.vocab = _split_list(value)
            else:
                cfg.options[key] = value
            continue
        if key == "BasedOnStyles":
            current.based_on = _split_list(value)
        elif _RULE_KEY.match(key) or (_STYLE_KEY.match(key) and value in _CHECK_VALUES):
            current.checks[key] = value
        else:
            current.options[key] = value
    return cfg


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValeError("loadConfig", f"cannot read {path}: {exc}") from None
    return parse_config(text, path.resolve())


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """gobwas/glob semantics as Vale uses them: ``*`` crosses folders, ``{a,b}``, ``[...]``."""
    out = []
    i = 0
    depth = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error as exc:
        raise ValeError(
            "loadConfig", f"section [{pattern}]: invalid file pattern: {exc.msg}"
        ) from None


def glob_match(pattern: str, path: str) -> bool:
    negated = pattern.startswith("!")
    rx = glob_to_regex(pattern[1:] if negated else pattern)
    path = path.replace(os.sep, "/")
    candidates = {path, path.removeprefix("./")}
    hit = any(rx.match(c) for c in candidates)
    return hit != negated
