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
from html.entities import html5 as _HTML5
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
    # what was not read and why ("the page is cut at line 3: an unclosed <!-- ...")
    notes: list[str] = field(default_factory=list)

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
    return _blank_spans(text, [(start, end)])


_NOT_NEWLINE_RE = re.compile(r"[^\n]")


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank every one of ``spans`` (sorted, not overlapping) in one pass over ``text``.

    One copy of the text for all the spans: blanking them one by one copied the whole file
    once per span, so a file of many small spans took time in the square of its size.
    """
    parts: list[str] = []
    cur = 0
    for start, end in spans:
        parts.append(text[cur:start])
        parts.append(_NOT_NEWLINE_RE.sub(" ", text[start:end]))
        cur = end
    parts.append(text[cur:])
    return "".join(parts)


_MATH_FENCE_RE = re.compile(r"\$\$[ \t]*")


def _math_spans(text: str) -> list[tuple[int, int]]:
    """``$$`` display-math blocks: a line ``$$`` opens, the next ``$$`` line at least two lines
    on closes (the span ends before the closing line's newline); an opener without a closer
    is text.

    One line scan, with the next ``$$`` line after each line worked out once from the end;
    each match of the regular expression it replaces blanked a fresh copy of the whole file.
    """
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    n = len(starts)
    ends = [s - 1 for s in starts[1:]] + [len(text)]  # each line's end, before its newline
    fence = [_MATH_FENCE_RE.fullmatch(text, starts[i], ends[i]) is not None for i in range(n)]
    next_fence = [n] * (n + 2)  # next_fence[i]: the first fence line at index >= i, or n
    for i in range(n - 1, -1, -1):
        next_fence[i] = i if fence[i] else next_fence[i + 1]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if fence[i] and i + 1 < n:  # an opener needs its newline
            j = next_fence[i + 2]
            if j < n:
                spans.append((starts[i], ends[j]))
                i = j + 1
                continue
        i += 1
    return spans


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


def _block_source(tok: Token, text: str, starts: list[int]) -> tuple[int, str]:
    """Where a block token's lines start in ``text``, and those lines with what their container
    put before each one (a list item's indent, a quote's ">") blanked: offsets stay exact."""
    if tok.map is None or tok.map[0] >= len(starts):
        return 0, tok.content
    first, last = tok.map
    base = starts[first]
    end = starts[last] if last < len(starts) else len(text)
    out: list[str] = []
    for k, line in zip(range(first, last), tok.content.split("\n"), strict=False):
        raw = text[starts[k] : starts[k + 1] if k + 1 < len(starts) else len(text)]
        body = raw.rstrip("\r\n")
        lead = len(body) - len(line)
        out.append(" " * lead + raw[lead:] if lead > 0 and body.endswith(line) else raw)
    block = "".join(out)
    return base, block + text[base + len(block) : end]


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
        lines = re.finditer(r"(?m)^(?:import|export)\b.*$", prepared)
        prepared = _blank_spans(prepared, [m.span() for m in lines])
        prepared = _blank_spans(prepared, [m.span() for m in _JSX_COMMENT_RE.finditer(prepared)])
        masked = mask_jsx(prepared)
        prepared = masked.text
        if masked.blocks:
            doc.metrics["pre"] = doc.metrics.get("pre", 0.0) + masked.blocks
    prepared = _blank_spans(prepared, _math_spans(prepared))
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
            # raw HTML passes through to Vale's HTML walker: lint it as HTML, in place (its
            # comments become controls). Only the block is read: a blanked copy of the whole
            # file for each block made 4,000 blocks take 18 s, and a regular expression that
            # looked for comments searched to the end of the block from each unclosed "<!--"
            base, block = _block_source(tok, prepared, starts)
            _walk_html(block, doc, opts, base)
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

# A page is tokenized here as a browser tokenizes it (the WHATWG "tokenization" section), not by
# CPython's HTMLParser, which rescans to the end of the input for every construct it finds
# unclosed (gh-135462: 1.9 MB of "<!--" ran past 600 s; "<!--.--!>" repeated, which it does not
# take as closed, took 15 s for 288 kB), reads textarea / title / xmp / noscript content as
# markup, and raises AssertionError on "<![foo[". Every search below is either consumed (the
# scan moves past what it read) or finds nothing, and that ends the page: one pass per page.
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DATA_SPECIAL = re.compile(r"[&<]")
_TAG_NAME = re.compile(r"[^\t\n\f\r />]*")
_ATTR_SEP = re.compile(r"[\t\n\f\r /]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r />=]*")
_ATTR_EQ = re.compile(r"[\t\n\f\r ]*=[\t\n\f\r ]*")
_UNQUOTED = re.compile(r"[^\t\n\f\r >]*")
# a browser ends a comment at "-->" and "--!>"; "-- >" ends one here too, as it did for
# HTMLParser: a page read a little further than a browser shows hides nothing
_COMMENT_END = re.compile(r"--!?\s*>")
_CDATA_END = re.compile(r"\]\]>")
_GT = re.compile(">")
# elements whose content is text up to their end tag: raw text (no markup, no references) and
# escapable raw text (references decoded); "plaintext" runs to the end of the page
_RAWTEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
_RCDATA = frozenset({"textarea", "title"})
_FOREIGN = frozenset({"svg", "math"})  # where "<![CDATA[" opens a CDATA section
_RAW_END: dict[str, re.Pattern[str]] = {}
_NEWLINE = re.compile(r"\r\n|\r|\n")
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,30}")
_REFERENCE = re.compile(r"&(?:#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][-.A-Za-z0-9]*);?")


def _raw_end(tag: str) -> re.Pattern[str]:
    """Where a raw text element ends: ``</tag`` followed by a space, "/" or ">"."""
    found = _RAW_END.get(tag)
    if found is None:
        found = _RAW_END[tag] = re.compile(rf"</{re.escape(tag)}(?=[\t\n\f\r />])", re.I)
    return found


def _end_name(text: str, at: int) -> str:
    m = _NAME_WORD.match(text, at)
    return m.group() if m is not None else ""


def _end_of(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where a match of ``pattern`` at ``text[at]`` ends (``at`` when there is none)."""
    m = pattern.match(text, at)
    return m.end() if m is not None else at


class _Cut(Exception):
    """Markup that is never closed: a browser reads it to the end of the page, showing nothing."""

    def __init__(self, at: int, what: str) -> None:
        super().__init__(at, what)
        self.at, self.what = at, what


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


class _Tokenizer:
    """A browser's HTML tokenizer, calling ``handle_*`` methods as HTMLParser does (data split at
    each "<" and "&", references reported on their own, ``self.at`` the page offset of the
    current token). An unclosed construct raises :class:`_Cut` where it starts."""

    def __init__(self) -> None:
        self.text = ""
        self.base = 0  # where ``text`` starts in the page
        self.at = 0  # page offset of the token being handled
        self.attr_spans: dict[str, tuple[int, int]] = {}  # an attribute's raw value, in the page
        self.foreign = 0  # depth inside <svg> / <math>

    # handlers, as HTMLParser names them
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None: ...
    def handle_endtag(self, tag: str) -> None: ...
    def handle_data(self, data: str) -> None: ...
    def handle_entityref(self, name: str) -> None: ...
    def handle_charref(self, name: str) -> None: ...
    def handle_comment(self, data: str) -> None: ...

    def _shows_text(self) -> bool:
        """Whether the text of the element just opened would be read (not a skipped one)."""
        return True

    def tokenize(self, text: str, base: int = 0) -> None:
        self.text, self.base = text, base
        n = len(text)
        i = 0
        while i < n:
            found = _DATA_SPECIAL.search(text, i)
            j = found.start() if found else n
            if j > i:
                self._data(text[i:j], i)
            if j >= n:
                break
            i = self._reference(j, n) if text[j] == "&" else self._markup(j)

    def _data(self, data: str, at: int) -> None:
        self.at = self.base + at
        self.handle_data(data)

    def _reference(self, i: int, limit: int) -> int:
        """A character reference at ``text[i]`` ("&"), or a lone "&" as data."""
        m = _REFERENCE.match(self.text, i, limit)
        if m is not None:
            ref = m.group()
            self.at = self.base + i
            if ref.startswith("&#"):
                self.handle_charref(ref[2:].rstrip(";"))
                return m.end()
            name = ref[1:].rstrip(";")
            if name + ";" in _HTML5:
                self.handle_entityref(name)
                return m.end()
            # "&copyright" reads "(c)right" (a legacy name needs no ";"); an unknown name is text
            for k in range(min(len(name) - 1, 8), 1, -1):
                if name[:k] in _HTML5:
                    self.handle_entityref(name[:k])
                    return i + 1 + k
        # a lone "&" is text, with the text after it (one text token: no space is put in)
        found = _DATA_SPECIAL.search(self.text, i + 1, limit)
        end = found.start() if found else limit
        self._data(self.text[i:end], i)
        return end

    def _text(self, start: int, end: int) -> None:
        """``text[start:end]`` as escapable raw text: references decoded, "<" is text."""
        i = start
        while i < end:
            found = _DATA_SPECIAL.search(self.text, i, end)
            j = found.start() if found else end
            if j > i:
                self._data(self.text[i:j], i)
            if j >= end:
                break
            if self.text[j] == "&":
                i = self._reference(j, end)
            else:
                self._data("<", j)
                i = j + 1

    def _find(self, pattern: re.Pattern[str], start: int, at: int, what: str) -> re.Match[str]:
        """The first match of ``pattern`` from ``start``; none: the construct at ``at`` is
        never closed."""
        found = pattern.search(self.text, start)
        if found is None:
            raise _Cut(self.base + at, what)
        return found

    def _markup(self, i: int) -> int:
        """The construct that starts with the "<" at ``text[i]``; where the scan goes on."""
        text = self.text
        nxt = text[i + 1 : i + 2]
        if nxt in _ASCII_LETTERS:
            return self._start_tag(i)
        if nxt == "/":
            after = text[i + 2 : i + 3]
            if after in _ASCII_LETTERS:
                name, _, end, _ = self._tag(i, i + 2)
                self.at = self.base + i
                if name in _FOREIGN and self.foreign:
                    self.foreign -= 1
                self.handle_endtag(name)
                return end
            if after == ">":
                return i + 3  # "</>" is dropped
            if not after:
                self._data("</", i)
                return len(text)
            return self._bogus(i, i + 2)
        if nxt == "!":
            if text.startswith("<!--", i):
                return self._comment(i)
            if self.foreign and text.startswith("<![CDATA[", i):
                return self._find(_CDATA_END, i + 9, i, "<![CDATA[").end()
            if text[i + 2 : i + 9].lower() == "doctype":
                return self._find(_GT, i + 2, i, "<!DOCTYPE").end()
            # anything else, "<![foo[" and (outside SVG and MathML) "<![CDATA[" included, is a
            # bogus comment up to the first ">"
            return self._bogus(i, i + 2, report=not text.startswith("<![", i))
        if nxt == "?":
            return self._bogus(i, i + 2, report=False)  # a processing instruction: a comment
        self._data("<", i)
        return i + 1

    def _comment(self, i: int) -> int:
        text = self.text
        start = i + 4
        if text.startswith(">", start):  # "<!-->": an empty comment
            body, end = "", start + 1
        elif text.startswith("->", start):  # "<!--->" as well
            body, end = "", start + 2
        else:
            close = self._find(_COMMENT_END, start, i, "<!--")
            body, end = text[start : close.start()], close.end()
        self.at = self.base + i
        self.handle_comment(body)
        return end

    def _bogus(self, i: int, start: int, report: bool = True) -> int:
        close = self._find(_GT, start, i, self.text[i:start])
        if report:
            self.at = self.base + i
            self.handle_comment(self.text[start : close.start()])
        return close.end()

    def _tag(self, i: int, name_at: int) -> tuple[str, list[tuple[str, str | None]], int, bool]:
        """The tag at ``text[i]`` whose name starts at ``name_at``: its name, attributes, end and
        whether it ends with "/>"."""
        text = self.text
        n = len(text)
        k = _end_of(_TAG_NAME, text, name_at)
        name = text[name_at:k].lower()
        what = text[i:name_at] + _end_name(text, name_at)  # "<a", "</div", for a note
        attrs: list[tuple[str, str | None]] = []
        spans: dict[str, tuple[int, int]] = {}
        while True:
            s = _end_of(_ATTR_SEP, text, k)
            if s >= n:
                raise _Cut(self.base + i, what)
            if text[s] == ">":
                self.attr_spans = spans
                return name, attrs, s + 1, s > k and text[s - 1] == "/"
            k = _end_of(_ATTR_NAME, text, s)
            key = text[s:k].lower()
            value: str | None = None
            eq = _end_of(_ATTR_EQ, text, k)
            if eq > k:
                k = eq
                quote = text[k : k + 1]
                if quote in ("'", '"'):
                    close = text.find(quote, k + 1)
                    if close < 0:
                        raise _Cut(self.base + i, what)
                    v0, k = k + 1, close + 1
                    value = text[v0:close]
                else:
                    v0, k = k, _end_of(_UNQUOTED, text, k)
                    value = text[v0:k]
                spans.setdefault(key, (self.base + v0, self.base + v0 + len(value)))
                if value:
                    value = html.unescape(value)
            attrs.append((key, value))

    def _start_tag(self, i: int) -> int:
        name, attrs, end, closed = self._tag(i, i + 1)
        self.at = self.base + i
        raw = name in _RAWTEXT or name in _RCDATA or name == "plaintext"
        self.handle_starttag(name, attrs)
        if closed and not raw:  # "<br/>" (a browser ignores "/" on <script/>: it opens one)
            self.handle_endtag(name)
        elif name in _FOREIGN:
            self.foreign += 1
        if not raw:
            return end
        text = self.text
        if name == "plaintext":
            self._data(text[end:], end)
            return len(text)
        close = _raw_end(name).search(text, end)
        stop = close.start() if close is not None else len(text)
        if name in _RCDATA:
            self._text(end, stop)
        elif stop > end:
            self._data(text[end:stop], end)
        if close is None:
            if name in _RAWTEXT and not self._shows_text() and text[end:].strip():
                raise _Cut(self.base + i, f"<{name}>")
            return stop
        _, _, after, _ = self._tag(stop, stop + 2)
        self.at = self.base + stop
        self.handle_endtag(name)
        return after


class _HTMLWalker(_Tokenizer):
    def __init__(self, doc: Document, opts: MarkupOptions) -> None:
        super().__init__()
        self.doc = doc
        self.opts = opts
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
        return self.at

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
            span = self.attr_spans.get("alt")  # the first "alt", as a browser reads it
            if span is not None and span[1] > span[0]:
                # decoded here with each character's place in the page: the decoded value
                # ("Tom & Jerry") is not in the page, and got offsets from -1
                raw = self.text[span[0] - self.base : span[1] - self.base]
                text, offs = _decoded(raw, span[0])
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

    def _shows_text(self) -> bool:
        return not self.skip and self.cls_tag is None


def _line_of(text: str, at: int) -> int:
    """The line of ``text[at]``, counted as an editor counts (CRLF, CR or LF end a line)."""
    return 1 + sum(1 for _ in _NEWLINE.finditer(text, 0, at))


def _walk_html(
    text: str, doc: Document, opts: MarkupOptions = DEFAULT_OPTIONS, base: int = 0
) -> None:
    """Read ``text``, which starts at ``base`` in ``doc.original``, as HTML into ``doc``.

    A construct that is never closed ends the page, as in a browser, and ``doc.notes`` says so
    (the first one only). A parser bug never crashes a review: the rest is read as text."""
    walker = _HTMLWalker(doc, opts)
    try:
        walker.tokenize(text, base)
    except _Cut as cut:
        hidden = text[cut.at - base :].strip()
        if hidden != cut.what and not any(n.startswith("the page is cut") for n in doc.notes):
            doc.notes.append(
                f"the page is cut at line {_line_of(doc.original, cut.at)}: an unclosed "
                f"{cut.what} hides what follows, as in a browser"
            )
    except Exception as exc:  # any failure: what is left is read as text
        walker._flush()
        at = max(walker.at, base)
        rest = text[at - base :]
        doc.add_prose("paragraph", rest, list(range(at, at + len(rest))))
        doc.notes.append(
            f"the page from line {_line_of(doc.original, at)} is read as text: its HTML could "
            f"not be parsed ({type(exc).__name__})"
        )
        return
    walker._flush()


def unclosed_markup_at(text: str) -> int:
    """Where the page's first construct that is never closed starts (a browser reads it to the
    end of the page, so nothing after it is shown), else ``len(text)``."""
    try:
        _Tokenizer().tokenize(text)
    except _Cut as cut:
        return cut.at
    return len(text)


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
