"""Markdown -> :class:`PlainText`: block structure from markdown-it-py, inline from our scanner."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from analyzers.text.buffers import _Buf, _Doc
from analyzers.text.html_text import _html_text
from analyzers.text.inline import _emit
from analyzers.text.lines import _Joined, _lines
from analyzers.text.markdown_inline import _md_inline, _MdCtx
from analyzers.text.plaintext import PlainText


@lru_cache(maxsize=1)
def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # only the block structure is used (inline offsets come from our own scanner)
    return md.disable(["inline", "text_join"])


_FRONT_MATTER_OPEN = re.compile(r"(?:---|\+\+\+)[ \t]*")
_MD_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?[ \t]*)*(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$))?")
_QUOTE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?[ \t]*)*")


def _locate(src: str, content: str, after: int = 0) -> tuple[int, int]:
    """Where a markdown-it content line sits in its source line (containers stripped)."""
    c = content.strip()
    s2 = src.rstrip()
    if not c:
        return len(s2), len(s2)
    if s2.endswith(c) and len(s2) - len(c) >= after:
        return len(s2) - len(c), len(s2)
    i = src.find(c, after)
    if i >= 0:
        return i, i + len(c)
    mt = _MD_PREFIX.match(src, after)
    a = mt.end() if mt else after
    return min(a, len(s2)), len(s2)


def _markdown(text: str) -> PlainText:
    doc = _Doc(text)
    lines = _lines(text)
    src_lines = [text[a:b] for a, b, _ in lines]
    # YAML / TOML front matter is not prose: blank it for the parser (line numbers stay put)
    if src_lines and (fm := _FRONT_MATTER_OPEN.fullmatch(src_lines[0])):
        close = fm.group().strip()
        for k in range(1, len(src_lines)):
            if src_lines[k].rstrip() in (close, "..." if close == "---" else close):
                for q in range(k + 1):
                    src_lines[q] = ""
                break
    env: dict[str, Any] = {}
    tokens = _markdown_parser().parse("\n".join(src_lines).replace("\0", "\ufffd"), env)
    refs: Mapping[str, Any] = env.get("references", {})
    containers: list[str] = []
    list_depth = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        typ = t.type
        if typ == "blockquote_open":
            containers.append("blockquote")
        elif typ == "list_item_open":
            containers.append("list")
        elif typ in ("blockquote_close", "list_item_close"):
            if containers:
                containers.pop()
        elif typ in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif typ in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif typ in ("paragraph_open", "heading_open") and i + 1 < len(tokens):
            inline = tokens[i + 1]
            if typ == "heading_open":
                kind, level = "heading", int(t.tag[1:] or 1)
            elif containers:
                kind = containers[-1]
                level = list_depth if kind == "list" else 0
            else:
                kind, level = "paragraph", 0
            joined = _join_content(text, lines, inline, heading=t.markup.startswith("#"))
            if joined is not None:
                buf = _Buf()
                ctx = _MdCtx(joined.s, refs)
                _emit(_md_inline(ctx, 0, len(ctx.s)), ctx.s, joined.m, buf)
                doc.add(kind, buf, level)
            i += 2
            continue
        elif typ == "tr_open" and t.map:
            ncells = 0
            k = i + 1
            while k < len(tokens) and tokens[k].type != "tr_close":
                ncells += tokens[k].type == "inline"
                k += 1
            _table_row(doc, text, lines[t.map[0]], ncells, refs)
            i = k
            continue
        elif typ == "html_block" and t.map:
            joined = _Joined(text)
            content_lines = t.content.split("\n")
            for q in range(t.map[0], min(t.map[1], len(lines))):
                a, b, _ = lines[q]
                cl = content_lines[q - t.map[0]] if q - t.map[0] < len(content_lines) else ""
                la, lb = _locate(text[a:b], cl)
                joined.add(a + la, a + lb, a - 1 if q > t.map[0] and a > 0 else None)
            buf = _Buf()
            _emit(_html_text(joined.s), joined.s, joined.m, buf)
            kind = containers[-1] if containers else "paragraph"
            doc.add(kind, buf, list_depth if kind == "list" else 0)
        i += 1
    return doc.result()


def _join_content(
    text: str, lines: list[tuple[int, int, int]], inline: Any, heading: bool
) -> _Joined | None:
    if not inline.map:
        return None
    first, last = inline.map
    content_lines = inline.content.split("\n")
    joined = _Joined(text)
    for q in range(first, min(last, len(lines))):
        k = q - first
        if k >= len(content_lines):
            break
        a, b, _ = lines[q]
        src = text[a:b]
        after = 0
        if heading:
            hm = re.match(r"[ \t]*(?:>[ \t]?[ \t]*)*#+", src)
            after = hm.end() if hm else 0
            c = content_lines[k].strip()
            idx = src.find(c, after) if c else -1
            la, lb = (idx, idx + len(c)) if idx >= 0 else (after, after)
        else:
            la, lb = _locate(src, content_lines[k])
        joined.add(a + la, a + lb, a - 1 if k and a > 0 else None)
    return joined


def _table_row(
    doc: _Doc, text: str, line: tuple[int, int, int], ncells: int, refs: Mapping[str, Any]
) -> None:
    a, b, _ = line
    pm = _QUOTE_PREFIX.match(text, a, b)
    p = pm.end() if pm else a
    stop = a + len(text[a:b].rstrip())
    cells: list[tuple[int, int]] = []
    cell_start = p
    q = p
    while q < stop:
        ch = text[q]
        if ch == "\\":
            q += 2
            continue
        if ch == "|":
            cells.append((cell_start, q))
            cell_start = q + 1
        q += 1
    cells.append((cell_start, stop))
    if (cells and cells[0][0] == cells[0][1] == p and text[p : p + 1] == "|") or (
        cells and not text[cells[0][0] : cells[0][1]].strip()
    ):
        cells = cells[1:]
    if cells and not text[cells[-1][0] : cells[-1][1]].strip():
        cells = cells[:-1]
    ident = range(len(text))
    for ca, cb in cells[: ncells or None]:
        cell = text[ca:cb]
        ca2 = ca + len(cell) - len(cell.lstrip())
        cb2 = ca + len(cell.rstrip())
        if cb2 <= ca2:
            continue
        sub = text[ca2:cb2]
        c2 = _MdCtx(sub, refs)
        buf = _Buf()
        _emit(_md_inline(c2, 0, len(sub)), sub, ident[ca2:cb2], buf)
        doc.add("table", buf, 0)
