"""The error a brand guide raises: :class:`GuideError`, one problem or many."""

from __future__ import annotations

from collections.abc import Sequence


class GuideError(ValueError):
    """A problem in a brand guide.

    ``str(err)`` reads ``<file>:<line>: <key.path>: <problem>. <hint>``. When several problems
    were found, the attributes describe the first one, ``errors`` holds all of them and
    ``str(err)`` lists one per line.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key_path: str = "",
        hint: str | None = None,
        errors: Sequence[GuideError] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.key_path = key_path
        self.problem = problem
        self.hint = hint
        self.errors: tuple[GuideError, ...] = tuple(errors) or (self,)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.errors) > 1:
            return "\n".join(e.one_line() for e in self.errors)
        return self.one_line()

    def one_line(self) -> str:
        where = self.file or "<guide>"
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: "
        if self.key_path:
            text += f"{self.key_path}: "
        text += self.problem.rstrip(".") + "."
        if self.hint:
            text += " " + self.hint
        return text

    def __str__(self) -> str:
        return self._text()
