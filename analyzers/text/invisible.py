"""Characters a reader never sees, taken out of the plain text: "ch\\u200beap" (a zero-width
space), "ch&shy;eap" (a soft hyphen) or a bidirectional control inside a word render as "cheap"
in Slack and browsers, and hid the word from every rule. The source keeps them: a word's span
runs over them, so it still slices the original."""

from __future__ import annotations

from dataclasses import replace

import regex

from analyzers.text.plaintext import Block, PlainText

# dropped wherever they stand: soft hyphen, zero-width space, word joiner, BOM, Mongolian vowel
# separator, Arabic letter mark, left-to-right / right-to-left marks and the bidirectional
# embeddings and isolates
_ALWAYS = frozenset("\u00ad\u200b\u2060\ufeff\u180e\u061c\u200e\u200f") | frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
# every default-ignorable code point (Unicode's Default_Ignorable_Code_Point: the joiners,
# invisible operators, the combining grapheme joiner, variation selectors, tag characters,
# Hangul fillers ...), in runs: a run between two letters or digits is dropped whole
# ("ch\u200b\u200ceap", "ch\u2062eap", "ch\U000e0041eap" all render as "cheap"); elsewhere it
# may build an emoji (a ZWJ sequence, a variation selector, a flag's tags) and only the
# characters above are dropped
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")
_BEFORE = regex.compile(r"[\p{L}\p{N}\p{M}]")  # a letter, a digit, or an accent on one
_AFTER = regex.compile(r"[\p{L}\p{N}]")  # not a mark: "1\ufe0f\u20e3" is a keycap emoji


def _dropped(text: str) -> set[int]:
    drop: set[int] = set()
    for m in _IGNORABLE.finditer(text):
        a, b = m.span()
        inside = (
            a > 0
            and b < len(text)
            and _BEFORE.match(text, a - 1) is not None
            and _AFTER.match(text, b) is not None
        )
        drop.update(i for i in range(a, b) if inside or text[i] in _ALWAYS)
    return drop


def without_invisible(doc: PlainText) -> PlainText:
    """``doc`` without its invisible characters, every map kept in step."""
    drop = _dropped(doc.text)
    if not drop:
        return doc
    keep = [i for i in range(len(doc.text)) if i not in drop]
    new_of = [0] * (len(doc.text) + 1)  # old plain index -> new, for boundaries
    n = 0
    for i in range(len(doc.text)):
        new_of[i] = n
        if i not in drop:
            n += 1
    new_of[len(doc.text)] = n
    ends = doc.ends or tuple(o + 1 for o in doc.offsets[: len(doc.text)])
    kept_ends = []
    for k, i in enumerate(keep):
        # a kept character's source runs on over the invisible ones after it, up to the next
        # kept one: a word's span covers "ch\u200beap" whole
        nxt = keep[k + 1] if k + 1 < len(keep) else None
        run_end = ends[i]
        j = i + 1
        while j < len(doc.text) and j in drop and (nxt is None or j < nxt):
            run_end = max(run_end, ends[j])
            j += 1
        kept_ends.append(run_end)
    offsets = [doc.offsets[i] for i in keep]
    offsets.extend(doc.offsets[len(doc.text) :])  # the end sentinel, when there is one
    return replace(
        doc,
        text="".join(doc.text[i] for i in keep),
        offsets=tuple(offsets),
        ends=tuple(kept_ends),
        blocks=tuple(Block(b.kind, new_of[b.start], new_of[b.end], b.level) for b in doc.blocks),
        replaced=_ranges(doc.replaced, new_of),
        groups=tuple((new_of[a], new_of[b], c, d) for a, b, c, d in doc.groups),
    )


def _ranges(ranges: tuple[tuple[int, int], ...], new_of: list[int]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        a, b = new_of[a], new_of[b]
        if a >= b:
            continue
        if out and out[-1][1] >= a:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)
