"""Front matter values as ``text.frontmatter.KEY.EXT`` blocks (Vale's ``lintMetadata``).

A file may open with YAML (``---``), TOML (``+++``) or JSON (``;;;``) front matter. Vale lints
each top-level string value as a block with the scope ``text.frontmatter.<key><ext>`` (so a rule
with ``scope: text.frontmatter.title`` checks titles, and ``text`` rules see every value), placed
on the front-matter line that holds it. Here each line of a value is located in the front matter,
so alerts get the exact line and column.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml

from analyzers.rules.base import Scope
from analyzers.vale.markup import Segment

_FRONT = re.compile(r"\A(---|\+\+\+|;;;)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.S)


def _parse(delim: str, body: str) -> dict[str, Any]:
    try:
        if delim == "---":
            data = yaml.safe_load(body)
        elif delim == "+++":
            data = tomllib.loads(body)
        else:
            data = json.loads(body)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _locate(value: str, text: str, start: int, end: int) -> list[int] | None:
    offsets: list[int] = []
    pos = start
    for i, line in enumerate(value.split("\n")):
        if i:
            offsets.append(offsets[-1] + 1 if offsets else pos)
        if not line:
            continue
        at = text.find(line, pos, end)
        if at < 0:
            return None
        offsets.extend(range(at, at + len(line)))
        pos = at + len(line)
    return offsets


def front_matter_segments(text: str, ext: str, ignored: frozenset[str]) -> list[Segment]:
    """One segment per top-level string value; ``ignored`` holds ``IgnoredScopes`` entries."""
    m = _FRONT.match(text)
    if m is None:
        return []
    data = _parse(m.group(1), m.group(2))
    selectors = [Scope([s]) for s in ignored if "." in s]
    out: list[Segment] = []
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            continue
        scope = f"text.frontmatter.{key}{ext}"
        if any(sel.matches(scope) for sel in selectors):
            continue
        shown = value.rstrip("\n")
        # search from the key's own line, so a value that repeats another key's is its own
        key_at = text.find(str(key), m.start(2), m.end(2))
        offsets = _locate(shown, text, max(key_at, m.start(2)), m.end(2))
        if offsets is None:
            offsets = _locate(shown, text, m.start(2), m.end(2))
        if offsets is not None and len(offsets) == len(shown):
            out.append(Segment(scope, shown, offsets))
    return out


def front_matter_block(text: str, block: str) -> str:
    """Vale's rewrite before converting: ``---`` / ``+++`` front matter becomes ``block``."""
    m = re.match(r"(?s)(?:---|\+\+\+)\n(.+?)\n(?:---|\+\+\+)", text)
    if m is None:
        return text
    return block.replace("$1", m.group(1)) + text[m.end() :]
