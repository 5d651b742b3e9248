"""The text report of ``brandbot review``: one header per draft, then each finding as
``where:line:col  severity  rule  message`` with the excerpt and the flagged words underlined
(in the style of ruff and eslint's stylish formatter)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from analyzers.types import Finding, Review, Severity, Verdict

SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.SUGGESTION: "cyan",
}
VERDICT_STYLE = {
    Verdict.PASS: "bold green",
    Verdict.NEEDS_WORK: "bold yellow",
    Verdict.FAIL: "bold red",
    Verdict.NOT_REVIEWED: "bold magenta",
}
MAX_SPAN_LINES = 3  # lines of a multi-line excerpt shown before "…"
MIN_EXCERPT = 40  # narrowest excerpt, whatever the terminal


def same_length_lines(text: str) -> str:
    """``text`` with every line break ("\\r\\n", a lone "\\r") a "\\n", offsets unchanged: a
    file with CR-only line ends reported every finding on line 1, as editors show them apart."""
    return text.replace("\r\n", " \n").replace("\r", "\n") if "\r" in text else text


def line_col(text: str, offset: int) -> tuple[int, int]:
    text = same_length_lines(text)
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def print_review(out: Console, label: str, review: Review, location: str = "") -> None:
    head = Text()
    head.append(label, style="bold")
    head.append("  ")
    head.append(
        f"{review.score:.0f}/100 {review.verdict.label}", style=VERDICT_STYLE[review.verdict]
    )
    head.append(f"  ({review.word_count} words", style="dim")
    if review.profile:
        head.append(f", profile {review.profile}", style="dim")
    head.append(")", style="dim")
    out.print(head)
    out.print(
        Text(
            "  " + " · ".join(f"{k} {v:.0f}" for k, v in review.category_scores.items()),
            style="dim",
        )
    )
    if review.language is not None and review.language.note:
        out.print(Text(f"  language: {review.language.note}", style="magenta"))
    summary = model_summary(review)
    if summary:
        out.print(Text("  " + summary))
    by_reason: dict[str, list[str]] = {}
    for name, reason in review.skipped.items():
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():  # one line per reason, not per analysis
        out.print(Text(f"  skipped {', '.join(names)}: {reason}", style="dim"))
    for name, backend in review.backends.items():
        out.print(Text(f"  {name}: {backend}", style="dim"))
    out.print()
    text = review.draft.text
    widths = _Widths.of(text, review.findings, location or label)
    for f in review.findings:
        print_finding(out, text, f, location or label, widths)


def model_summary(review: Review) -> str:
    parts = []
    if review.sentiment:
        parts.append(f"sentiment {review.sentiment.label} ({review.sentiment.confidence:.2f})")
    if review.tone:
        t = review.tone
        tone = f"formality {t.formality:.2f}, confidence {t.confidence:.2f}"
        if t.voice_match is not None:
            tone += f", voice match {t.voice_match:.2f}"
        top = sorted(t.emotions.items(), key=lambda kv: -kv[1])[:2]
        if top:
            tone += ", " + ", ".join(f"{k} {v:.2f}" for k, v in top)
        parts.append(f"tone: {tone}")
    if review.entities:
        unique = list(dict.fromkeys(f"{e.text} ({e.label})" for e in review.entities))
        names = unique[:6]
        more = len(unique) - 6
        parts.append("entities: " + ", ".join(names) + (f" +{more} more" if more > 0 else ""))
    return " · ".join(parts)


@dataclass(frozen=True)
class _Widths:
    """Column widths shared by every finding of one draft, so the columns line up."""

    where: int
    severity: int
    rule: int
    gutter: int

    @classmethod
    def of(cls, text: str, findings: Sequence[Finding], location: str) -> _Widths:
        if not findings:
            return cls(0, 0, 0, 1)
        wheres = [_where(text, f, location) for f in findings]
        last_line = max(line_col(text, f.span.end)[0] for f in findings)
        return cls(
            where=max(cell_len(w) for w in wheres),
            severity=max(len(f.severity.value) for f in findings),
            rule=max(len(f.rule_id) for f in findings),
            gutter=len(str(last_line)),
        )


def _where(text: str, f: Finding, location: str) -> str:
    line, col = line_col(text, f.span.start)
    return f"{location}:{line}:{col}"


def print_finding(
    out: Console, text: str, f: Finding, location: str, widths: _Widths | None = None
) -> None:
    w = widths or _Widths.of(text, [f], location)
    where = _where(text, f, location)
    row = Text()
    row.append(where + ":", style="bold")
    row.append(" " * (w.where - cell_len(where) + 1))
    row.append(f"{f.severity.value:<{w.severity}}", style=SEVERITY_STYLE[f.severity])
    row.append(" ")
    row.append(f.rule_id, style="magenta")
    row.append(" ")
    row.append(_one_line(f.message))
    if out.is_terminal:  # wrap under the message, not at column 0; piped output stays 1 line
        indent = w.where + w.severity + 3
        row = _hang(row, out.width, indent)
    out.print(row)
    budget = max(MIN_EXCERPT, min(out.width, 160) - w.gutter - 4)
    lines = excerpt_lines(text, f.span.start, f.span.end, w.gutter, budget)
    if f.suggestions:
        lines[-1].append(" " + " / ".join(f.suggestions[:3]), style="green")
    for line in lines:
        out.print(line)
    if f.link:
        out.print(Text(f"{' ' * w.gutter} = see {f.link}", style="dim"))
    out.print()


def _hang(row: Text, width: int, indent: int) -> Text:
    """``row`` wrapped to ``width`` with continuation lines indented by ``indent``."""
    if cell_len(row.plain) <= width or width <= indent + 20:
        return row
    measure = Console(width=width)
    first = row.wrap(measure, width)[0]
    rest = _lstrip(row[len(first.plain) :])
    out = first.copy()
    out.rstrip()
    for part in rest.wrap(measure, width - indent):
        part.rstrip()
        out.append("\n" + " " * indent)
        out.append_text(part)
    return out


def _lstrip(t: Text) -> Text:
    n = len(t.plain) - len(t.plain.lstrip())
    return t[n:] if n else t


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _display(raw: str) -> str:
    """What a reader sees for a piece of the draft: entities decoded, tabs and control
    characters as single spaces (so the carets stay under the right cells)."""
    out = html.unescape(raw)
    return "".join(" " if (c < " " or c == "\x7f") else c for c in out)


def excerpt_lines(text: str, start: int, end: int, gutter: int, budget: int) -> list[Text]:
    """The lines the span ``[start, end)`` touches, each followed by a line of carets under
    the flagged words; long lines are cut around the span, a long span after three lines."""
    rows: list[Text] = []
    text = same_length_lines(text)
    line_start = text.rfind("\n", 0, start) + 1
    lineno = text.count("\n", 0, start) + 1
    shown = 0
    while True:
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end == -1 else line_end
        a = max(start, line_start)
        b = min(end, line_end)
        if shown == MAX_SPAN_LINES:
            rows.append(Text(f"{'':>{gutter}} │ …", style="dim"))
            break
        before = _display(text[line_start:a])
        marked = _display(text[a:b])
        after = _display(text[b:line_end])
        before, marked, after = _fit(before, marked, after, budget)
        src = Text()
        src.append(f"{lineno:>{gutter}} │ ", style="dim")
        src.append(before)
        src.append(marked, style="bold")
        src.append(after)
        rows.append(src)
        carets = Text(f"{'':>{gutter}} │ ", style="dim")
        carets.append(" " * cell_len(before))
        carets.append("^" * max(1, cell_len(marked)), style="bold red")
        rows.append(carets)
        shown += 1
        if end <= line_end or line_end >= len(text):
            break
        line_start = line_end + 1
        lineno += 1
    return rows


def _fit(before: str, marked: str, after: str, budget: int) -> tuple[str, str, str]:
    """Cut a line to about ``budget`` cells around the flagged words, marking cuts with …."""
    if cell_len(before) + cell_len(marked) + cell_len(after) <= budget:
        return before, marked, after
    if cell_len(marked) > budget - 2:
        marked = _cut_right(marked, budget - 2) + "…"
        return "", marked, ""
    room = budget - cell_len(marked)
    left_room = min(cell_len(before), max(room // 3, room - cell_len(after)))
    right_room = room - left_room
    if cell_len(before) > left_room:
        before = "…" + _cut_left(before, left_room - 1)
    if cell_len(after) > right_room:
        after = _cut_right(after, right_room - 1) + "…"
    return before, marked, after


def _cut_left(s: str, cells: int) -> str:
    """The last ``cells`` cells of ``s``."""
    taken, used = 0, 0
    for c in reversed(s):
        used += cell_len(c)
        if used > cells:
            break
        taken += 1
    return s[len(s) - taken :]


def _cut_right(s: str, cells: int) -> str:
    """The first ``cells`` cells of ``s``."""
    taken, used = 0, 0
    for c in s:
        used += cell_len(c)
        if used > cells:
            break
        taken += 1
    return s[:taken]


def print_summary(out: Console, reviews: Sequence[Review], *, models_off: bool = False) -> None:
    """The last line of a multi-draft report; drafts not reviewed (not English) are counted when
    there are any, and ``models_off`` (``--no-models``) says that tone and sentiment were off."""
    counts = {v: sum(r.verdict is v for r in reviews) for v in Verdict}
    mean = sum(r.score for r in reviews) / len(reviews)
    findings = sum(len(r.findings) for r in reviews)
    parts = [
        f"{n} {v.label.lower()}"
        for v, n in counts.items()
        if not (v is Verdict.NOT_REVIEWED and n == 0)
    ]
    if models_off:
        parts.append("tone and sentiment off (--no-models)")
    out.print(
        Text(
            f"{len(reviews)} drafts · {findings} findings · mean score {mean:.0f} · "
            + " · ".join(parts),
            style="bold",
        )
    )
