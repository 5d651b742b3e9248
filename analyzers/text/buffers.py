"""Output buffers: plain characters with their original positions, per block and per document."""

from __future__ import annotations

from collections.abc import Sequence

from analyzers.text.plaintext import Block, PlainText


class _Buf:
    """Plain characters of one block, each with its original start and end."""

    __slots__ = ("ends", "groups", "n", "parts", "replaced", "starts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.replaced: list[tuple[int, int]] = []
        self.groups: list[tuple[int, int, int, int]] = []
        self.n = 0

    def verbatim(self, s: str, m: Sequence[int], a: int, b: int) -> None:
        if a >= b:
            return
        self.parts.append(s[a:b])
        seg = m[a:b]
        self.starts.extend(seg)
        self.ends.extend([x + 1 for x in seg])
        self.n += b - a

    def replace(self, text: str, ostart: int, oend: int) -> None:
        k = len(text)
        if not k:
            return
        self.parts.append(text)
        self.starts.extend([ostart] * k)
        self.ends.extend([oend] * k)
        self.replaced.append((self.n, self.n + k))
        self.n += k

    def group(self, pstart: int, ostart: int, oend: int) -> None:
        if self.n > pstart:
            self.groups.append((pstart, self.n, ostart, oend))


class _Doc:
    def __init__(self, original: str) -> None:
        self.original = original
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.replaced: list[tuple[int, int]] = []
        self.groups: list[tuple[int, int, int, int]] = []
        self.blocks: list[Block] = []
        self.n = 0

    def add(self, kind: str, buf: _Buf, level: int = 0) -> None:
        text = "".join(buf.parts)
        lead = len(text) - len(text.lstrip())
        stop = len(text.rstrip())
        if stop <= lead:
            return
        if self.n:
            sep = self._end()
            self.parts.append("\n\n")
            self.starts += [sep, sep]
            self.ends += [sep, sep]
            self._add_replaced(self.n, self.n + 2)
            self.n += 2
        base = self.n - lead
        self.parts.append(text[lead:stop])
        self.starts.extend(buf.starts[lead:stop])
        self.ends.extend(buf.ends[lead:stop])
        for a, b in buf.replaced:
            a, b = max(a, lead), min(b, stop)
            if a < b:
                self._add_replaced(a + base, b + base)
        for pa, pb, oa, ob in buf.groups:
            if pa >= lead and pb <= stop:
                self.groups.append((pa + base, pb + base, oa, ob))
        self.blocks.append(Block(kind, self.n, self.n + stop - lead, level))
        self.n += stop - lead

    def _add_replaced(self, a: int, b: int) -> None:
        if self.replaced and self.replaced[-1][1] == a:
            self.replaced[-1] = (self.replaced[-1][0], b)
        else:
            self.replaced.append((a, b))

    def _end(self) -> int:
        """Original position just past the prose so far (a trailing mention's closing '>')."""
        end = self.ends[-1] if self.ends else 0
        if self.groups and self.groups[-1][1] == self.n:
            end = max(end, self.groups[-1][3])
        return end

    def result(self) -> PlainText:
        final = self._end()
        return PlainText(
            original=self.original,
            text="".join(self.parts),
            offsets=(*self.starts, final),
            blocks=tuple(self.blocks),
            ends=tuple(self.ends),
            replaced=tuple(self.replaced),
            groups=tuple(self.groups),
        )
