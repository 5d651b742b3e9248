"""MDX's JSX elements and ``{expressions}`` as code, the way Vale's ``mdx2vast`` renders them.

Vale converts MDX with ``mdx2vast`` (micromark's MDX extension → HTML), which renders every JSX
element — its children included — and every ``{expression}`` as code: ``<pre><code>`` when its
source spans lines, ``<code>`` when it does not. So none of their text is prose: ``<Note>TODO
</Note>`` and ``{(() => { const TODO = 1 })()}`` are never linted, while the Markdown around them
is. Here the same constructs are found in the source (outside fenced and inline code) and
rewritten before markdown-it parses the file, keeping every offset: a one-line construct becomes
a code span of the same length (```****```), a longer one blanks (a code block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(
    r"(?m)^[ \t]{0,3}(`{3,}|~{3,})[^\n]*\n(?:.*?\n)??[ \t]{0,3}\1[`~]*[ \t]*$", re.S
)
_TICKS = re.compile(r"`+")
_NAME = re.compile(r"[A-Za-z_$][\w$.:-]*")
# a construct longer than this is not looked for further, and the whole scan reads at most
# _BUDGET_PER_CHAR characters per character of the file (+ a floor): past that, the rest of the
# file stays as it is (linted as prose, never lost), so unclosed tags cannot make it quadratic
_MAX_CONSTRUCT = 20_000
_BUDGET_PER_CHAR = 20
_BUDGET_FLOOR = 200_000


class _Budget:
    def __init__(self, chars: int) -> None:
        self.left = chars

    def spend(self, chars: int) -> None:
        self.left -= max(1, chars)


@dataclass(frozen=True)
class Masked:
    text: str
    blocks: int  # constructs rendered as code blocks (Vale counts them as ``pre``)
    complete: bool = True  # False: the scan budget ran out and the rest was left as it is


def mask_jsx(text: str) -> Masked:
    """``text`` with its JSX elements and expressions turned into code (offsets unchanged)."""
    fences = [(m.start(), m.end()) for m in _FENCE.finditer(text)]
    out = list(text)
    blocks = 0
    i, n, f = 0, len(text), 0
    budget = _Budget(_BUDGET_PER_CHAR * n + _BUDGET_FLOOR)
    while i < n and budget.left > 0:
        while f < len(fences) and fences[f][1] <= i:
            f += 1
        if f < len(fences) and fences[f][0] <= i:
            i = fences[f][1]
            continue
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            i = _code_span_end(text, i)
            continue
        end = None
        if c == "{":
            end = _braces_end(text, i, budget)
        elif c == "<" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] in "_$>"):
            end = _element_end(text, i, budget)
        if end is None:
            i += 1
            continue
        if "\n" in text[i:end] or end - i < 3:
            blocks += "\n" in text[i:end]
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
        else:
            out[i] = out[end - 1] = "`"
            for k in range(i + 1, end - 1):
                out[k] = "*"
        i = end
    return Masked("".join(out), blocks, complete=i >= n)


def _code_span_end(text: str, i: int) -> int:
    m = _TICKS.match(text, i)
    ticks = m.group() if m else "`"
    close = text.find(ticks, i + len(ticks))
    return close + len(ticks) if close >= 0 else i + len(ticks)


def _skip_string(text: str, i: int) -> int:
    """Index after the string literal that opens at ``i`` (or the end of the text)."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        if quote != "`" and text[j] == "\n":
            return j
        j += 1
    return len(text)


def _braces_end(text: str, i: int, budget: _Budget) -> int | None:
    """Index after the ``{...}`` that opens at ``i`` (strings skipped), or None if unclosed."""
    end = _braces_scan(text, i)
    budget.spend((end or min(len(text), i + _MAX_CONSTRUCT)) - i)
    return end


def _braces_scan(text: str, i: int) -> int | None:
    depth = 0
    j = i
    limit = min(len(text), i + _MAX_CONSTRUCT)
    while j < limit:
        c = text[j]
        if c in "\"'`":
            j = _skip_string(text, j)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _tag_end(text: str, i: int, budget: _Budget) -> tuple[int, str, bool] | None:
    """The tag opening at ``i``: (index after it, its name, self-closing?)."""
    found = _tag_scan(text, i, budget)
    budget.spend((found[0] if found else min(len(text), i + 64)) - i)
    return found


def _tag_scan(text: str, i: int, budget: _Budget) -> tuple[int, str, bool] | None:
    j = i + 1
    closing = text.startswith("/", j)
    if closing:
        j += 1
    m = _NAME.match(text, j)
    name = m.group() if m else ""
    j = m.end() if m else j
    limit = min(len(text), i + _MAX_CONSTRUCT)
    while j < limit:
        c = text[j]
        if c in "\"'":
            j = _skip_string(text, j)
            continue
        if c == "{":
            end = _braces_end(text, j, budget)
            if end is None:
                return None
            j = end
            continue
        if c == "<":
            return None
        if c == ">":
            return j + 1, ("/" if closing else "") + name, text[j - 1] == "/"
        j += 1
    return None


def _element_end(text: str, i: int, budget: _Budget) -> int | None:
    """Index after the JSX element that opens at ``i`` (children included), or None."""
    first = _tag_end(text, i, budget)
    if first is None:
        return None
    end, name, self_closing = first
    if self_closing:
        return end
    if name.startswith("/"):
        return None
    depth = 1
    j = end
    limit = min(len(text), i + _MAX_CONSTRUCT)
    while j < limit and budget.left > 0:
        k = text.find("<", j, limit)
        if k < 0:
            return None
        budget.spend(k - j)
        tag = _tag_end(text, k, budget)
        if tag is None:
            j = k + 1
            continue
        j, other, closes_itself = tag
        if other == name and not closes_itself:
            depth += 1
        elif other == "/" + name:
            depth -= 1
            if depth == 0:
                return j
    return None
