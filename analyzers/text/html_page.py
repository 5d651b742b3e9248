"""An HTML page -> :class:`PlainText`: the text of its block elements, one block each.

The walk is Vale's (:func:`analyzers.vale.markup.parse_html`): script, style, code and pre are
never prose, entities are decoded, every character keeps its offset in the page, so a finding
points at the page's own line and column. Block elements are separated by a blank line, so
``<p>pairing</p><p>Larger</p>`` never reads "pairingLarger"; indentation means nothing (in
Markdown an indented line is code).
"""

from __future__ import annotations

import re

from analyzers.text.plaintext import Block, PlainText

# a character reference as HTMLParser reads it: a name or a number, the ";" optional
_CHAR_REF = re.compile(r"&(?:#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][-.A-Za-z0-9]*);?")
_KINDS = {"heading": "heading", "list": "list", "blockquote": "blockquote", "table": "table"}


def _kind(scope: str) -> tuple[str, int]:
    if scope == "paragraph":
        return "paragraph", 0
    part = scope.removeprefix("text.").split(".")
    kind = _KINDS.get(part[0], "paragraph")
    level = int(part[1][1:]) if kind == "heading" and len(part) > 1 and part[1][1:].isdigit() else 0
    return kind, level


def html_page(text: str) -> PlainText:
    from analyzers.vale.markup import parse_html  # the Vale side imports the rule engine

    doc = parse_html(text)
    # "paragraph" and the other block scopes; a paragraph's "sentence" / "text" copies and an
    # image's alt text ("text.attr.alt") are not blocks of the page's prose
    pieces = sorted(
        (
            seg
            for seg in doc.segments
            if seg.offsets
            and (seg.scope == "paragraph" or seg.scope.startswith("text."))
            and seg.scope != "text.attr.alt"
        ),
        key=lambda seg: seg.offsets[0],
    )
    out: list[str] = []
    offsets: list[int] = []
    blocks: list[Block] = []
    for seg in pieces:
        body = seg.text.strip()
        if not body:
            continue
        lead = len(seg.text) - len(seg.text.lstrip())
        first = seg.offsets[lead]
        if offsets and first < offsets[-1]:
            continue  # never out of order (a block inside another's text)
        if out:
            out.append("\n\n")
            offsets.extend([first] * 2)
        start = len(offsets)
        out.append(body)
        offsets.extend(seg.offsets[lead : lead + len(body)])
        kind, level = _kind(seg.scope)
        blocks.append(Block(kind, start, start + len(body), level))
    plain = "".join(out)
    ends, replaced = _ends(text, plain, offsets)
    offsets.append(len(text))
    return PlainText(
        original=text,
        text=plain,
        offsets=tuple(offsets),
        blocks=tuple(blocks),
        ends=tuple(ends),
        replaced=tuple(replaced),
        notes=tuple(doc.notes),
    )


def _ends(page: str, plain: str, offsets: list[int]) -> tuple[list[int], list[tuple[int, int]]]:
    """Where each plain character's source ends (an entity "&amp;" is five characters) and the
    plain ranges that are not verbatim copies (entities, the blank lines between blocks)."""
    ends: list[int] = []
    replaced: list[tuple[int, int]] = []
    for i, ch in enumerate(plain):
        o = offsets[i]
        if o < len(page) and page[o] == ch:
            ends.append(o + 1)
            continue
        ref = _CHAR_REF.match(page, o) if o < len(page) else None
        if ref is not None:
            ends.append(ref.end())  # the whole reference ("&DifferentialD;" is 15 characters)
        else:
            ends.append(o)  # a separator: it stands for no character of the page
        if replaced and replaced[-1][1] == i:
            replaced[-1] = (replaced[-1][0], i + 1)
        else:
            replaced.append((i, i + 1))
    return ends, replaced
