"""reStructuredText, AsciiDoc and Org: converted to HTML as Vale does it, mapped back to the source.

Vale lints these formats by running an external converter (``rst2html`` from docutils,
``asciidoctor``; for Org the go-org library) and walking the HTML. Here docutils runs in-process
(it is a dependency), asciidoctor and pandoc (Org; there is no maintained Python Org-to-HTML
converter) run as subprocesses when they are on ``PATH``; ``ConverterMissing`` says what to
install when they are not. The HTML is walked like any HTML file; then every block's text is
located in the source, word by word and in document order, so each character keeps an exact
source offset (a word the converter rewrote — a smart quote, an ellipsis — is placed after the
word before it). ``<!-- vale ... -->`` comments (rST ``.. vale off``, AsciiDoc
``pass:[<!-- vale off -->]``, Org ``# vale off``) go where their text occurs in the source.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

from analyzers.vale.frontmatter import front_matter_block
from analyzers.vale.markup import (
    DEFAULT_OPTIONS,
    Control,
    Document,
    MarkupOptions,
    Segment,
    parse_html,
)

RST_EXTS = frozenset({".rst", ".rest"})
ADOC_EXTS = frozenset({".adoc", ".asciidoc", ".asc"})
ORG_EXTS = frozenset({".org"})
CONVERTED_EXTS = RST_EXTS | ADOC_EXTS | ORG_EXTS
_TIMEOUT_S = 30


class ConverterMissing(RuntimeError):
    """The external converter a format needs is not installed; the message says what to do."""


# Vale (internal/lint/rst.go): Sphinx-only directives become literal blocks before rst2html
_RST_CODE_BLOCK = re.compile(r"\.\. (?:raw|code(?:-block)?):: *(?:[\w-]+)?(?:\s+:\w+:.*)*")
_RST_SPHINX = re.compile(r".. (?:glossary|contents)::")
# docutils splits an inline literal into <span class="pre"> pieces; Vale skips all of its text
_RST_TT = re.compile(r"<tt\b[^>]*>.*?</tt>", re.S)

# Vale (internal/lint/adoc.go): asciidoctor's arguments, and the quotes it rewrites
_ADOC_ARGS = ("-s", "-a", "notitle!", "-a", "attribute-missing=drop", "-a", "sectnums!")
_ADOC_ARGS2 = ("-a", "toc!")
_ADOC_QUOTES = {
    "\u2018": "&apos;",
    "\u2019": "&apos;",
    "\u201c": "&#8220;",
    "\u201d": "&#8221;",
    "&#8217;": "&apos;",
    "&rsquo;": "&apos;",
}
_ADOC_SOURCE = re.compile(r"\[source,.+\]")
_ADOC_COMMENT = re.compile(r"// .+")


def rst_to_html(text: str) -> str:
    """docutils' HTML body, with the options Vale passes to ``rst2html``."""
    from docutils.core import publish_parts  # type: ignore[import-untyped]

    text = _RST_CODE_BLOCK.sub("::", _RST_SPHINX.sub(".. code::", text))
    settings = {
        "report_level": 5,
        "halt_level": 5,
        "file_insertion_enabled": False,
        "toc_backlinks": "none",
        "footnote_backlinks": False,
        "sectnum_xform": False,
        "embed_stylesheet": False,
        "warning_stream": False,
    }
    parts = publish_parts(source=text, writer="html4css1", settings_overrides=settings)
    body = str(parts["html_body"])
    return _RST_TT.sub(lambda m: re.sub(r"</?span[^>]*>", "", m.group()), body)


def _adoc_quotes(text: str) -> str:
    for old, new in _ADOC_QUOTES.items():
        text = text.replace(old, new)
    return text


def adoc_to_html(text: str, attributes: Mapping[str, str] | None = None) -> str:
    """``asciidoctor`` output for ``text``, run with Vale's arguments."""
    exe = shutil.which("asciidoctor")
    if exe is None:
        raise ConverterMissing(
            "AsciiDoc needs asciidoctor, which is not installed "
            "(Debian/Ubuntu: apt-get install asciidoctor; or gem install asciidoctor)"
        )
    args = [exe, *_ADOC_ARGS, *_ADOC_ARGS2]
    for key, value in (attributes or {}).items():
        entry = key if value == "YES" else f"{key}!" if value == "NO" else f"{key}={value}"
        args += ["-a", entry]
    return _adoc_quotes(
        _convert("asciidoctor", [*args, "--safe-mode", "secure", "-"], _adoc_quotes(text))
    )


# Vale (internal/lint/org.go): keyword lines (``#+title: ...``) become verbatim paragraphs,
# property drawers example blocks, and ``#+BEGIN_SRC`` lines are starred in the searched source
_ORG_ATTRIBUTE = re.compile(r"(#(?:\+| )[^\s]+:.+)")
_ORG_PROPS = re.compile(r"(:PROPERTIES:\n.+\n:END:)")
_ORG_SRC = re.compile(r"(?i)#\+BEGIN_SRC .+")
# go-org writes an Org comment line as an HTML comment (so ``# vale off`` works); pandoc drops
# comments, so they go through as raw HTML
_ORG_COMMENT = re.compile(r"(?m)^# (.*)$")
# go-org exports a source block's ``#+RESULTS:``; pandoc follows Org's default (code only)
_ORG_SRC_HEADER = re.compile(r"(?im)^([ \t]*#\+BEGIN_SRC\b.*)$")


def org_to_html(text: str) -> str:
    """``pandoc``'s HTML for the Org source ``text``, prepared as Vale prepares it for go-org."""
    exe = shutil.which("pandoc")
    if exe is None:
        raise ConverterMissing(
            "Org needs pandoc, which is not installed (Debian/Ubuntu: apt-get install pandoc)"
        )
    text = _ORG_COMMENT.sub(
        lambda m: f"#+BEGIN_EXPORT html\n<!-- {m.group(1)} -->\n#+END_EXPORT", text
    )
    text = _ORG_SRC_HEADER.sub(lambda m: m.group(1) + " :exports both", text)
    return _convert("pandoc", [exe, "--from=org", "--to=html", "--wrap=none", "--sandbox"], text)


def _convert(name: str, argv: list[str], text: str) -> str:
    """``argv``'s standard output for ``text`` on its standard input, within the time bound; a
    converter that cannot run, times out or fails is :class:`ConverterMissing` with the reason."""
    try:
        done = subprocess.run(
            argv, input=text, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConverterMissing(f"{name} failed: {exc}") from None
    if done.returncode != 0:
        raise ConverterMissing(f"{name} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def _org_prepared(text: str) -> str:
    text = _ORG_ATTRIBUTE.sub(lambda m: "\n=" + m.group(1) + "=\n", text)
    return _ORG_PROPS.sub(lambda m: "\n#+BEGIN_EXAMPLE\n" + m.group(1) + "\n#+END_EXAMPLE\n", text)


def _adoc_masked(source: str) -> str:
    """The source Vale searches: ``[source,lang]`` attributes and ``//`` comments starred."""

    def source_attr(m: re.Match[str]) -> str:
        text, extra = m.group(), 0
        if text.endswith(",]"):
            extra, text = 1, text.replace(",]", "]", 1)
        last = text.split(",")[-1]
        return "[source, " + "*" * (len(last) - 2 + extra) + "]"

    out = _ADOC_SOURCE.sub(source_attr, source)
    return _ADOC_COMMENT.sub(lambda m: "// " + "*" * len(m.group()[3:]), out)


def _apply_ignores(text: str, ext: str, opts: MarkupOptions) -> str:
    """``BlockIgnores`` / ``TokenIgnores`` as Vale applies them: into code blocks / spans."""
    for pat in opts.block_ignores:
        if ext in RST_EXTS:
            text = pat.sub(lambda m: "\n::\n\n" + _indent(_group(m)) + "\n", text)
        elif ext in ORG_EXTS:
            text = pat.sub(lambda m: "\n#+BEGIN_EXAMPLE\n" + _group(m) + "\n#+END_EXAMPLE\n", text)
        else:
            text = pat.sub(lambda m: "\n----\n" + _group(m) + "\n----\n", text)
    tick = "``" if ext in RST_EXTS else "=" if ext in ORG_EXTS else "`"
    for pat in opts.token_ignores:
        text = pat.sub(lambda m: tick + _group(m) + tick, text)
    return text


def _group(m: Any) -> str:
    """A match's first group (Vale's ``$1``), or the whole match when it has none."""
    groups = m.groups()
    first = groups[0] if groups else m.group()
    return str(first or "")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def _locate(source: str, text: str, cursor: int) -> tuple[list[int], int]:
    """Source offset of each character of ``text``, searching words from ``cursor`` on.

    A block written in the source as it reads is found whole; otherwise word by word, each at
    its first occurrence that the next word follows closely (so a sentence repeated in a
    skipped block before it is not taken for it).
    """
    if not text.strip("* \t\n"):  # nothing but masked code: nothing to find
        return list(range(cursor, cursor + len(text))), cursor
    whole = source.find(text, cursor)
    if whole >= 0:
        return list(range(whole, whole + len(text))), whole + len(text)
    offsets: list[int] = []
    pos = cursor
    last = cursor - 1
    pieces = [m.group() for m in re.finditer(r"\S+|\s+", text)]
    for k, piece in enumerate(pieces):
        if piece.isspace():
            offsets.extend(range(last + 1, last + 1 + len(piece)))
            last += len(piece)
            continue
        # masked code ("****") is not in the source: it stays where it is, after the last word
        nxt = pieces[k + 2] if k + 2 < len(pieces) and pieces[k + 2].strip("*") else ""
        at = -1 if piece.strip("*") == "" else _find_word(source, piece, pos, nxt)
        if at < 0:
            offsets.extend(range(last + 1, last + 1 + len(piece)))
            last += len(piece)
            continue
        offsets.extend(range(at, at + len(piece)))
        last = at + len(piece) - 1
        pos = at + len(piece)
    return offsets, pos


def _find_word(source: str, word: str, pos: int, following: str) -> int:
    """The first occurrence of ``word`` from ``pos`` that ``following`` comes soon after."""
    first = at = source.find(word, pos)
    tries = 0
    while following and at >= 0 and tries < 20:
        gap = source.find(following, at + len(word), at + len(word) + 40)
        if gap >= 0:
            return at
        at = source.find(word, at + 1)
        tries += 1
    return first


def _remap(original: str, source: str, converted: Document, plain: Document) -> Document:
    """``converted``'s blocks placed in ``source`` (``original`` with Vale's masks).

    ``plain`` is ``converted`` without inline masks: where its blocks line up with
    ``converted``'s, their text is what is searched for.
    """
    unmasked = [s.text for s in plain.segments]
    if [len(t) for t in unmasked] != [len(s.text) for s in converted.segments]:
        unmasked = [s.text for s in converted.segments]
    doc = Document(original)
    doc.metrics = dict(converted.metrics)
    cursor = 0
    # segments of one block share one ``offsets`` list object: locate each block once
    located: dict[int, list[int]] = {}
    for seg, search_text in zip(converted.segments, unmasked, strict=True):
        if seg.scope == "sentence":  # sliced from its paragraph below
            doc.segments.append(Segment(seg.scope, seg.text, []))
            continue
        key = id(seg.offsets)
        if key in located:
            offs = located[key]
        else:
            offs, end = _locate(source, search_text, cursor)
            cursor = max(cursor, end)
            offs = [min(o, max(0, len(source) - 1)) for o in offs]
            located[key] = offs
        doc.segments.append(Segment(seg.scope, seg.text, offs))
    sentences = [s for s in doc.segments if s.scope == "paragraph"]
    doc.summary = [Segment("summary", s.text, s.offsets) for s in sentences]
    _resync_sentences(doc)
    at = 0
    for ctl in converted.controls:
        found = source.find(ctl.command, at)
        if found < 0:
            found = source.find(ctl.command)
        if found >= 0:
            doc.controls.append(Control(found, ctl.command))
            at = found + len(ctl.command)
    return doc


def _resync_sentences(doc: Document) -> None:
    """A sentence's offsets are the slice of its paragraph's (located once, kept in step)."""
    para: Segment | None = None
    for i, seg in enumerate(doc.segments):
        if seg.scope == "paragraph":
            para = seg
            start = 0
        elif seg.scope == "sentence" and para is not None:
            at = para.text.find(seg.text, start)
            if at >= 0:
                offs = para.offsets[at : at + len(seg.text)]
                doc.segments[i] = Segment("sentence", seg.text, offs)
                start = at + len(seg.text)


def parse_converted(
    text: str,
    ext: str,
    opts: MarkupOptions = DEFAULT_OPTIONS,
    attributes: Mapping[str, str] | None = None,
) -> Document:
    """A ``Document`` over rST / AsciiDoc / Org source ``text``; ``ConverterMissing`` if needed."""
    # Vale turns ---/+++ front matter into a literal block before converting (frontmatter.py
    # lints its values)
    block = "\n::\n\n%s\n" if ext in RST_EXTS else "\n----\n$1\n----\n"
    prepped = _apply_ignores(front_matter_block(text, block), ext, opts)
    search = _blank_ignored(text, opts)
    if ext in RST_EXTS:
        html = rst_to_html(prepped)
    elif ext in ORG_EXTS:
        html = org_to_html(_apply_ignores(_org_prepared(text), ext, opts))
        search = _ORG_SRC.sub(lambda m: "*" * len(m.group()), search)
    else:
        html = adoc_to_html(prepped, attributes)
        search = _adoc_masked(search)
    # the same blocks with inline code unmasked: its words are found in the source too, so a
    # later block's words are not matched there
    plain = parse_html(html, dataclasses.replace(opts, ignored_scopes=frozenset()))
    return _remap(text, search, parse_html(html, opts), plain)


def _blank_ignored(text: str, opts: MarkupOptions) -> str:
    """``text`` with what the ignore patterns turn into code blanked: no prose is found there."""
    for pat in (*opts.block_ignores, *opts.token_ignores):
        text = pat.sub(lambda m: re.sub(r"[^\n]", "\0", m.group()), text)
    return text
