"""Files → Vale-scoped blocks whose every character maps back to the original text.

Vale turns markup into HTML and lints each block element's text under a scope: headings as
``text.heading.hN``, list items as ``text.list``, quotes as ``text.blockquote``, table cells as
``text.table.cell`` / ``text.table.header`` and everything else as a paragraph (``paragraph``,
each ``sentence`` and ``text``). Code is never prose: fenced and indented blocks are dropped,
inline code is masked with ``*`` so words on both sides stay apart. Here each block keeps an
offset map, so an alert's line and column come from the exact characters it matched.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from analyzers.rules.base import split_sentences
from analyzers.rules.bounded import BoundedPattern
from analyzers.vale.mdx import mask_jsx

MARKDOWN_EXTS = frozenset({".md", ".mdx", ".markdown", ".mdown", ".mkd", ".mkdn"})
HTML_EXTS = frozenset({".html", ".htm", ".xhtml"})
# .json: Vale reports matches in JSON keys and values as in plain text (its JSON fixture)
TEXT_EXTS = frozenset({".txt", ".text", ".json"})
HASH_COMMENT_EXTS = frozenset({".py", ".rb", ".r", ".pl", ".sh", ".bash", ".yml", ".yaml", ".toml"})
SLASH_COMMENT_EXTS = frozenset(
    {
        ".c",
        ".cc",
        ".cpp",
        ".cxx",
        ".h",
        ".hpp",
        ".java",
        ".js",
        ".jsx",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".swift",
        ".kt",
        ".scala",
        ".cs",
        ".php",
        ".css",
        ".less",
        ".scss",
        ".proto",
    }
)
UNSUPPORTED_EXTS = frozenset(
    {
        ".dita",
        ".xml",
        ".tex",
        ".ipynb",
        ".jl",
        ".clj",
        ".hs",
        ".lua",
        ".ps1",
        ".rst.txt",
    }
)


# Vale's defaults: HTML elements never linted (``SkippedScopes``), classes whose elements are
# never linted (``IgnoredClasses`` adds to these) and inline elements whose text is masked
# (``IgnoredScopes``).
DEFAULT_SKIPPED_TAGS = ("script", "style", "pre", "figure", "noscript", "iframe")
DEFAULT_IGNORED_CLASSES = ("problematic", "pre", "code")
DEFAULT_IGNORED_SCOPES = ("tt", "code", "kbd")


@dataclass(frozen=True)
class MarkupOptions:
    """What ``.vale.ini`` says to leave out of a file's prose.

    ``skipped_tags`` (``SkippedScopes``) drops whole elements, ``ignored_classes``
    (``IgnoredClasses``) drops block elements with such a class and masks the text that opens
    an inline one, ``ignored_scopes`` (``IgnoredScopes``) masks the text that opens such an
    inline element. ``block_ignores`` / ``token_ignores`` (``BlockIgnores`` / ``TokenIgnores``)
    are patterns whose first group (or whole match) becomes a code block / a code span.
    """

    skipped_tags: frozenset[str] = frozenset(DEFAULT_SKIPPED_TAGS)
    ignored_classes: frozenset[str] = frozenset(DEFAULT_IGNORED_CLASSES)
    ignored_scopes: frozenset[str] = frozenset(DEFAULT_IGNORED_SCOPES)
    block_ignores: tuple[BoundedPattern, ...] = ()
    token_ignores: tuple[BoundedPattern, ...] = ()


DEFAULT_OPTIONS = MarkupOptions()


@dataclass
class Segment:
    """A scoped piece of text; ``offsets[i]`` is the original index of ``text[i]``."""

    scope: str
    text: str
    offsets: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        if not self.offsets:
            return 0, 0
        if start >= len(self.offsets):
            o = self.offsets[-1] + 1
            return o, o
        s = self.offsets[start]
        e = self.offsets[end - 1] + 1 if end > start else s
        return s, e


@dataclass
class Control:
    """A ``<!-- vale ... -->`` comment at an original offset."""

    offset: int
    command: str


@dataclass
class Document:
    original: str
    segments: list[Segment] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    summary: list[Segment] = field(default_factory=list)

    def add_prose(self, scope: str, text: str, offsets: list[int]) -> None:
        """Add one block; ``scope`` is ``paragraph`` or a ``text.*`` scope."""
        if not text.strip():
            return
        if scope == "paragraph":
            self.segments.append(Segment("paragraph", text, offsets))
            for s, e in split_sentences(text):
                self.segments.append(Segment("sentence", text[s:e], offsets[s:e]))
            self.segments.append(Segment("text", text, offsets))
            self.summary.append(Segment("summary", text, offsets))
        else:
            lead = len(text) - len(text.lstrip(" "))
            self.segments.append(Segment(scope, text[lead:], offsets[lead:]))
            key = scope.removeprefix("text.").replace(".", "_")
            self.metrics[key] = self.metrics.get(key, 0.0) + 1
        if scope.startswith("text.heading"):
            self.metrics["heading"] = self.metrics.get("heading", 0.0) + 1


_COMMENT_RE = re.compile(r"<!--\s*(.*?)\s*-->", re.S)
_URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]")


def _blank(text: str, start: int, end: int) -> str:
    """Replace ``text[start:end]`` by spaces, keeping newlines (offsets stay valid)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def strip_front_matter(text: str) -> str:
    m = re.match(r"\A(---|\+\+\+)[ \t]*\n.*?\n\1[ \t]*(?:\n|\Z)", text, re.S)
    if m:
        return _blank(text, 0, m.end())
    return text


def _align(content: str, src: str, start: int, limit: int) -> tuple[list[int], int]:
    """Map each char of ``content`` (a near-subsequence of ``src[start:limit]``) to an offset."""
    out: list[int] = []
    cur = start
    for ch in content:
        j = src.find(ch, cur, min(limit, cur + 400))
        if j < 0:
            out.append(min(cur, max(0, len(src) - 1)))
            continue
        out.append(j)
        cur = j + 1
    return out, cur


# --------------------------------------------------------------------------- Markdown


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _line_starts(text: str) -> list[int]:
    """Where each line starts; ``\r\n``, a lone ``\r`` and ``\n`` end a line, as for
    markdown-it (so its line numbers always index this list)."""
    starts = [0]
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "\n" or (ch == "\r" and (i + 1 >= n or text[i + 1] != "\n")):
            starts.append(i + 1)
    return starts


def _scope_for(stack: list[str], heading: str | None) -> str:
    for tag in stack:
        if tag == "blockquote":
            return "text.blockquote"
        if tag == "li":
            return "text.list"
        if tag == "th":
            return "text.table.header"
        if tag == "td":
            return "text.table.cell"
        if tag == "caption":
            return "text.table.caption"
        if tag == "figcaption":
            return "text.figure.caption"
    if heading:
        return f"text.heading.{heading}"
    return "paragraph"


_TAG_RE = re.compile(r"<([A-Za-z][\w-]*)([^>]*)>")
_CLASS_RE = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _inline_text(
    tok: Token,
    content_offsets: list[int],
    doc: Document,
    source: str,
    opts: MarkupOptions = DEFAULT_OPTIONS,
) -> tuple[str, list[int]]:
    """Prose of one inline token and its offsets (code masked, markup and URLs dropped)."""
    content = tok.content
    out: list[str] = []
    offs: list[int] = []
    cur = 0
    depth_link = 0
    after_code = -1
    # Vale masks the text that opens an IgnoredScopes element (``strong``, ``code``...) or an
    # inline element with an ignored class
    mask_next = False

    def emit(piece: str, piece_offs: list[int]) -> None:
        nonlocal after_code
        # bare URLs are link targets, not prose (Vale's Markdown autolinks them)
        for um in reversed(list(_URL_RE.finditer(piece))):
            piece = piece[: um.start()] + piece[um.end() :]
            piece_offs = piece_offs[: um.start()] + piece_offs[um.end() :]
        if not piece:
            return
        if after_code >= 0 and out and not out[-1][-1:].isspace() and not piece[0].isspace():
            out.append(" ")  # keep the words around a code span apart
            offs.append(after_code)
        after_code = -1
        out.append(piece)
        offs.extend(piece_offs)

    children = tok.children or []
    for child in children:
        t = child.type
        if t == "text":
            piece = child.content
            masked = mask_next and bool(piece.strip())
            if masked:
                mask_next = False
            j = content.find(piece, cur)
            if j >= 0:
                piece_offs = content_offsets[j : j + len(piece)]
                cur = j + len(piece)
            else:
                local, cur = _align(piece, content, cur, len(content))
                piece_offs = [content_offsets[k] if k < len(content_offsets) else 0 for k in local]
            emit("*" * len(piece) if masked else piece, piece_offs)
        elif t.endswith("_open") and t != "link_open" and child.tag in opts.ignored_scopes:
            mask_next = True
        elif t == "code_inline" and "code" not in opts.ignored_scopes:
            piece = child.content
            j = content.find(piece, cur)
            if j >= 0:
                emit(piece, content_offsets[j : j + len(piece)])
                cur = j + len(piece)
        elif t == "code_inline":
            fence = child.markup or "`"
            j = content.find(fence, cur)
            if j < 0:
                continue
            k = content.find(child.content, j + len(fence))
            if k < 0:
                k = j + len(fence)
            end = content.find(fence, k + len(child.content))
            end = end + len(fence) if end >= 0 else k + len(child.content)
            # Vale masks code with '*': words around it stay apart, the span keeps its length
            out.append("*" * (end - j))
            offs.extend(content_offsets[j:end])
            cur = end
        elif t in ("softbreak", "hardbreak"):
            j = content.find("\n", cur)
            if j < 0:
                j = cur
            out.append("\n")
            offs.append(content_offsets[j] if j < len(content_offsets) else content_offsets[-1])
            cur = j + 1
        elif t == "link_open":
            if "a" in opts.ignored_scopes:
                mask_next = True
            depth_link += 1
            j = content.find("[", cur)
            if j >= 0 and content[cur:j].strip() == "":
                cur = j + 1
        elif t == "link_close":
            depth_link -= 1
            rest = content[cur:]
            m = re.match(r"\s*\](\([^)]*\)|\[[^\]]*\])?", rest)
            if m:
                cur += m.end()
            elif rest.startswith(">"):
                cur += 1
        elif t == "image" and "alt" in opts.skipped_tags:
            m = re.compile(r"!\[(.*?)\](\([^)]*\)|\[[^\]]*\])?", re.S).match(
                content, content.find("![", cur)
            )
            if m:
                cur = m.end()
        elif t == "image":
            m = re.compile(r"!\[(.*?)\](\([^)]*\)|\[[^\]]*\])?", re.S).match(
                content, content.find("![", cur)
            )
            if m:
                alt = m.group(1)
                a0 = m.start(1)
                doc.add_prose("text.attr.alt", alt, content_offsets[a0 : a0 + len(alt)])
                cur = m.end()
        elif t == "html_inline":
            j = content.find(child.content, cur)
            if j >= 0:
                cm = _COMMENT_RE.fullmatch(child.content.strip())
                if cm:
                    doc.controls.append(Control(content_offsets[j], cm.group(1)))
                tm = _TAG_RE.match(child.content)
                if tm:
                    name = tm.group(1).lower()
                    km = _CLASS_RE.search(tm.group(2))
                    classes = next((g for g in km.groups() if g is not None), "") if km else ""
                    mask_next = name in opts.ignored_scopes or (
                        name in _INLINE_TAGS
                        and any(c in opts.ignored_classes for c in classes.split())
                    )
                cur = j + len(child.content)
    del source
    return "".join(out), offs


_JSX_COMMENT_RE = re.compile(r"\{/\*\s*(.*?)\s*\*/\}", re.S)


def apply_ignores(text: str, opts: MarkupOptions) -> str:
    """``TokenIgnores`` become code spans, ``BlockIgnores`` code blocks (offsets kept).

    Vale rewrites a token match as a code span and a block match as a fenced block before it
    converts the file, so their text is never prose. Here a token match turns into a code span
    of the same length and a block match into blanks.
    """
    for rx in opts.token_ignores:
        for m in _matches(rx, text):
            s, e = m.span()
            if e - s < 2 or "\n" in m.group() or "`" in text[max(0, s - 1) : e + 1]:
                text = _blank(text, s, e)
            else:
                text = text[:s] + "`" + "*" * (e - s - 2) + "`" + text[e:]
    for rx in opts.block_ignores:
        for m in _matches(rx, text):
            text = _blank(text, *m.span())
    return text


def _matches(rx: BoundedPattern, text: str) -> list[Any]:
    """All matches, or none when the pattern runs past its time budget (the ignore is skipped
    for this file: the text is then linted, never lost)."""
    try:
        return list(rx.finditer(text))
    except TimeoutError:
        return []


def parse_markdown(text: str, mdx: bool = False, opts: MarkupOptions = DEFAULT_OPTIONS) -> Document:
    doc = Document(text)
    prepared = apply_ignores(strip_front_matter(text), opts)
    if mdx:
        for m in _JSX_COMMENT_RE.finditer(prepared):
            doc.controls.append(Control(m.start(), m.group(1)))
        for m in re.finditer(r"(?m)^(?:import|export)\b.*$", prepared):
            prepared = _blank(prepared, m.start(), m.end())
        for m in _JSX_COMMENT_RE.finditer(prepared):
            prepared = _blank(prepared, m.start(), m.end())
        masked = mask_jsx(prepared)
        prepared = masked.text
        if masked.blocks:
            doc.metrics["pre"] = doc.metrics.get("pre", 0.0) + masked.blocks
    for m in re.finditer(r"(?m)^\$\$[ \t]*\n.*?\n\$\$[ \t]*$", prepared, re.S):
        prepared = _blank(prepared, m.start(), m.end())
    md = _md()
    if mdx:
        md.disable("code")  # MDX has no indented code blocks: indented lines are prose
    tokens = md.parse(prepared)
    starts = _line_starts(prepared)
    stack: list[str] = []
    heading: str | None = None
    row_cursor: dict[int, int] = {}
    for tok in tokens:
        if tok.nesting == 1:
            stack.append(tok.tag)
            if tok.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                heading = tok.tag
            if tok.type in ("fence", "code_block"):
                pass
        elif tok.nesting == -1:
            if stack:
                stack.pop()
            if tok.tag == heading:
                heading = None
        if tok.type in ("fence", "code_block"):
            doc.metrics["pre"] = doc.metrics.get("pre", 0.0) + 1
            continue
        if tok.type == "html_block":
            line0 = tok.map[0] if tok.map else 0
            base = starts[line0] if line0 < len(starts) else 0
            if _COMMENT_RE.sub("", tok.content).strip():
                # raw HTML passes through to Vale's HTML walker: lint it as HTML, in place
                end = base + len(tok.content)
                _walk_html(_blank(_blank(prepared, 0, base), end, len(prepared)), doc, opts)
            else:
                for cm in _COMMENT_RE.finditer(tok.content):
                    doc.controls.append(Control(base + cm.start(), cm.group(1)))
            continue
        if tok.type != "inline" or tok.map is None:
            continue
        if any(t in opts.skipped_tags for t in stack):
            continue
        first, last = tok.map
        if first >= len(starts):
            continue
        begin = starts[first]
        if stack and stack[-1] in ("th", "td"):
            begin = max(begin, row_cursor.get(first, begin))
        limit = starts[last] if last < len(starts) else len(prepared)
        content_offsets, end = _align(tok.content, prepared, begin, limit)
        if stack and stack[-1] in ("th", "td"):
            row_cursor[first] = end
        inner = [t for t in stack if t in ("blockquote", "li", "th", "td")]
        scope = _scope_for(inner, heading)
        prose, offs = _inline_text(tok, content_offsets, doc, prepared, opts)
        doc.add_prose(scope, prose, offs)
    return doc


# --------------------------------------------------------------------------- HTML

_SCOPED_TAGS = ("blockquote", "li", "th", "td", "caption", "figcaption")
# always dropped, whatever SkippedScopes says (Vale lints a <head>'s <title> as text)
_ALWAYS_SKIPPED: frozenset[str] = frozenset()
_INLINE_TAGS = frozenset(
    {
        "b",
        "big",
        "i",
        "small",
        "abbr",
        "acronym",
        "cite",
        "dfn",
        "em",
        "kbd",
        "strong",
        "a",
        "br",
        "img",
        "span",
        "sub",
        "sup",
        "code",
        "tt",
        "del",
        "mark",
        "u",
        "s",
        "q",
        "time",
    }
)
# Vale's inline tags (internal/lint/ast.go): text after one of these is padded with a space
_VALE_INLINE = _INLINE_TAGS - {"mark", "u", "s", "q", "time"}
_PAD_PUNCT = frozenset({".", "?", "!", ",", ":", ";", ")", "]", "}", "\u2014", "\u2013"})
_VOID_TAGS = frozenset({"br", "hr", "meta", "link", "input", "img", "wbr", "source", "area"})


def _has_class(attrs: list[tuple[str, str | None]], classes: frozenset[str]) -> bool:
    for k, v in attrs:
        if k == "class" and v:
            return any(c in classes for c in v.split())
    return False


# deeper elements are not tracked (their text is still read): the scope of a block is found by
# scanning the open elements, which was quadratic for 5,000 nested <div>s (7 s for 30 kB)
MAX_HTML_DEPTH = 100
_COMMENT_CLOSE = re.compile(r"--!?\s*>")  # what ends a comment, for browsers and for HTMLParser


def unclosed_markup_at(text: str) -> int:
    """Where the page's first markup construct that is never closed starts (``<!--`` with no
    ``-->``, or ``<!``, ``<?``, ``</`` or a start tag with no ``>``), else ``len(text)``.
    Browsers read such a construct to the end of the page, so nothing after it is text;
    Python's HTMLParser instead rescans to the end of the input for each of them (CPython
    gh-135462: 475,000 unclosed ``<!--`` in a 1.9 MB page ran past 600 s). Linear: every search
    starts where the last one did, or is answered by it."""
    n = len(text)
    gt = comment = -2  # the last '>' / comment close found (-1: none left), -2: not searched
    gt_from = comment_from = 0
    i = text.find("<")
    while 0 <= i < n - 1:
        nxt = text[i + 1]
        if text.startswith("<!--", i):
            if comment == -2 or (comment != -1 and comment < i + 4) or i + 4 < comment_from:
                found = _COMMENT_CLOSE.search(text, i + 4)
                comment, comment_from = (found.start() if found else -1), i + 4
            if comment == -1:
                return i
            i = text.find("<", comment + 3)
            continue
        if nxt in "!?/" or nxt.isalpha():
            if gt == -2 or (gt != -1 and gt < i) or i < gt_from:
                gt, gt_from = text.find(">", i), i
            if gt == -1:
                return i
        i = text.find("<", i + 1)
    return n


_ALT_ATTR = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_REFERENCE = re.compile(r"&(?:#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][-.A-Za-z0-9]*);?")


def _decoded(raw: str, at: int) -> tuple[str, list[int]]:
    """An attribute value with its character references decoded, and where each character of it
    is in the page (a reference's characters all point at its "&")."""
    out: list[str] = []
    offs: list[int] = []
    i = 0
    for m in _REFERENCE.finditer(raw):
        out.append(raw[i : m.start()])
        offs.extend(range(at + i, at + m.start()))
        value = html.unescape(m.group())
        out.append(value)
        offs.extend([at + m.start()] * len(value))
        i = m.end()
    out.append(raw[i:])
    offs.extend(range(at + i, at + len(raw)))
    return "".join(out), offs


class _HTMLWalker(HTMLParser):
    def __init__(self, text: str, doc: Document, opts: MarkupOptions) -> None:
        super().__init__(convert_charrefs=False)
        self.src = text
        self.doc = doc
        self.opts = opts
        # HTMLParser counts lines at "\n" only: a lone "\r" is no line break here (a table that
        # counted it moved every later offset, dropping prose and mis-pointing findings)
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.stack: list[str] = []
        self.skip = 0  # depth inside SkippedScopes elements
        self.cls_tag: str | None = None  # block element with an ignored class ...
        self.cls_depth = 0  # ... and how deep we are in elements of that tag
        self.masking = False  # mask the text that follows an IgnoredScopes / ignored-class tag
        self.masked = False
        self.pad = False  # the last start tag was one of Vale's inline tags
        self.buf: list[str] = []
        self.offs: list[int] = []

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def _flush(self) -> None:
        text = "".join(self.buf)
        if text.strip():
            heading = next((t for t in self.stack if re.fullmatch(r"h[1-6]", t)), None)
            inner = [t for t in self.stack if t in _SCOPED_TAGS]
            self.doc.add_prose(_scope_for(inner, heading), text, list(self.offs))
        self.buf.clear()
        self.offs.clear()

    def _skipped(self, tag: str) -> bool:
        return tag in self.opts.skipped_tags or tag in _ALWAYS_SKIPPED

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        inline = tag in _INLINE_TAGS
        if self.cls_tag == tag:
            self.cls_depth += 1
        elif self.cls_tag is None and not inline and _has_class(attrs, self.opts.ignored_classes):
            # Vale skips a block element with an ignored class up to its matching end tag
            self.cls_tag, self.cls_depth = tag, 1
        if self._skipped(tag) and tag not in _VOID_TAGS:
            self.skip += 1
        self.masking = tag in self.opts.ignored_scopes or (
            inline and _has_class(attrs, self.opts.ignored_classes)
        )
        self.masked = False
        self.pad = tag in _VALE_INLINE
        if tag == "img":
            if self.skip or self.cls_tag or "alt" in self.opts.skipped_tags:
                return
            if any(k == "alt" and v for k, v in attrs):
                alt = _ALT_ATTR.search(self.get_starttag_text() or "")
                if alt is not None:
                    # decoded here with each character's place in the page: the decoded value
                    # ("Tom & Jerry") is not in the page, and got offsets from -1
                    group = next(g for g in (1, 2, 3) if alt.group(g) is not None)
                    text, offs = _decoded(alt.group(group), self._pos() + alt.start(group))
                    if text:
                        self.doc.add_prose("text.attr.alt", text, offs)
            return
        if not inline:
            self._flush()
        if tag not in _VOID_TAGS and len(self.stack) < MAX_HTML_DEPTH:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.cls_tag == tag:
            self.cls_depth -= 1
            if self.cls_depth <= 0:
                self.cls_tag, self.cls_depth = None, 0
        if self._skipped(tag):
            self.skip = max(0, self.skip - 1)
        if self.masked:
            self.masking = self.masked = False
        if tag not in _INLINE_TAGS:
            self._flush()
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def _add(self, data: str, pos: int) -> None:
        if self.skip or self.cls_tag is not None:
            return
        starter = data[:1] in _PAD_PUNCT and not self.masking
        if self.masking:
            data = "*" * len(data)
            self.masked = True
        if self.pad and data and not starter and self.buf:
            # Vale pads text that follows an inline tag with a space, so "<a>word</a>()" reads
            # "word ()" (not after an opening bracket or a dash). It trims every text token
            # first, so whitespace already there is that one space, never a second one
            last = self.buf[-1][-1:]
            if (
                last
                and last not in "([{\u2014\u2013"
                and not last.isspace()
                and not data[0].isspace()
            ):
                self.buf.append(" ")
                self.offs.append(pos)
        self.buf.append(data)
        self.offs.extend(range(pos, pos + len(data)))

    def handle_data(self, data: str) -> None:
        self._add(data, self._pos())

    def handle_entityref(self, name: str) -> None:
        self._add(html.unescape(f"&{name};")[:1], self._pos())

    def handle_charref(self, name: str) -> None:
        self._add(html.unescape(f"&#{name};")[:1], self._pos())

    def handle_comment(self, data: str) -> None:
        self.doc.controls.append(Control(self._pos(), data.strip()))


def _walk_html(text: str, doc: Document, opts: MarkupOptions = DEFAULT_OPTIONS) -> None:
    walker = _HTMLWalker(text, doc, opts)
    walker.feed(text[: unclosed_markup_at(text)])  # what follows is markup to a browser
    walker.close()
    walker._flush()


def parse_html(text: str, opts: MarkupOptions = DEFAULT_OPTIONS) -> Document:
    doc = Document(text)
    _walk_html(text, doc, opts)
    return doc


# --------------------------------------------------------------------------- text and code


def parse_text(text: str) -> Document:
    doc = Document(text)
    for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text):
        doc.add_prose("paragraph", m.group(), list(range(m.start(), m.end())))
    return doc


def parse_code(text: str, ext: str) -> Document:
    """Line and block comments of source code, as ``text.comment`` blocks."""
    doc = Document(text)
    if ext in HASH_COMMENT_EXTS:
        line_re = re.compile(r"(?m)^[ \t]*#+[ \t]?(.*)$|[ \t]#[ \t]?(.*)$")
        block_re = None
    else:
        line_re = re.compile(r"(?m)//+[ \t]?(.*)$")
        block_re = re.compile(r"/\*+(.*?)\*/", re.S)
    for m in line_re.finditer(text):
        g = 1 if m.group(1) is not None else 2
        if m.group(g) is None:
            continue
        s = m.start(g)
        doc.add_prose("text.comment.line", m.group(g), list(range(s, m.end(g))))
    if block_re is not None:
        for m in block_re.finditer(text):
            s = m.start(1)
            doc.add_prose("text.comment.block", m.group(1), list(range(s, m.end(1))))
    return doc


def parse(text: str, ext: str, opts: MarkupOptions = DEFAULT_OPTIONS) -> Document | None:
    """A ``Document`` for a supported format, or ``None`` (unsupported format)."""
    ext = ext.lower()
    if ext in MARKDOWN_EXTS:
        return parse_markdown(text, mdx=ext == ".mdx", opts=opts)
    if ext in HTML_EXTS:
        return parse_html(text, opts)
    if ext in TEXT_EXTS:
        return parse_text(text)
    if ext in HASH_COMMENT_EXTS or ext in SLASH_COMMENT_EXTS:
        return parse_code(text, ext)
    return None
