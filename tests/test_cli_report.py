"""The text report of `brandbot review`: where, severity, rule, message, the excerpt underlined."""

from __future__ import annotations

import re
import shlex
from io import StringIO

import pytest
from rich.console import Console

from analyzers.cli.report import excerpt_lines, print_review
from analyzers.guide import default_guide_path, load_guide
from analyzers.paths import REPO_ROOT
from analyzers.reviewer import Reviewer
from analyzers.types import Draft, Review, SourceFormat
from bot.cli import main


def render(review: Review, location: str = "draft.md", width: int = 100) -> str:
    buf = StringIO()
    console = Console(file=buf, width=width, color_system=None, highlight=False, soft_wrap=True)
    print_review(console, location, review, location)
    return buf.getvalue()


def review_of(text: str, fmt: SourceFormat = SourceFormat.PLAIN) -> Review:
    reviewer = Reviewer(load_guide(default_guide_path()), None, models_status="rules only")
    return reviewer.review([Draft(text, "draft.md", fmt)])[0]


def caret_columns(lines: list[str], index: int) -> tuple[int, int]:
    carets = lines[index + 1]
    first = carets.index("^")
    last = carets.rindex("^")
    return first, last + 1


def test_flagged_words_are_underlined() -> None:
    out = render(review_of("We love our lumasync app.")).splitlines()
    row = next(i for i, line in enumerate(out) if line.startswith("draft.md:1:13:"))
    assert "warning" in out[row] and "Brand.Products" in out[row]
    source = next(i for i in range(row, len(out)) if "│ We love" in out[i])
    start, end = caret_columns(out, source)
    assert out[source][start:end] == "lumasync"


def test_columns_line_up_across_one_and_two_digit_lines() -> None:
    text = "Our lumasync app.\n" + "Fine line.\n" * 10 + "Another lumasync mention."
    out = render(review_of(text)).splitlines()
    sources = [line for line in out if "│" in line and "lumasync" in line]
    assert len(sources) == 2
    assert sources[0].index("│") == sources[1].index("│")  # " 1 │" and "12 │"
    for i, line in enumerate(out):
        if line in sources:
            start, end = caret_columns(out, i)
            assert line[start:end] == "lumasync"
    rows = [line for line in out if line.startswith("draft.md:")]
    severity_cols = {re.search(r"(warning|error|suggestion)", r).start() for r in rows}  # type: ignore[union-attr]
    assert len(severity_cols) == 1


def test_entities_are_decoded_and_carets_stay_aligned() -> None:
    out = render(review_of("Tom &amp; Jerry use the lumasync app.", SourceFormat.MRKDWN))
    lines = out.splitlines()
    i = next(i for i, line in enumerate(lines) if "│ Tom" in line)
    assert "&amp;" not in lines[i] and "Tom & Jerry" in lines[i]
    start, end = caret_columns(lines, i)
    assert lines[i][start:end] == "lumasync"


def test_long_lines_are_cut_around_the_span() -> None:
    text = "word " * 100 + "lumasync" + " word" * 100
    rows = [r.plain for r in excerpt_lines(text, 500, 508, gutter=1, budget=60)]
    assert rows[0].startswith("1 │ …") and rows[0].endswith("…")
    assert len(rows[0]) <= 60 + 5
    start, end = caret_columns(rows, 0)
    assert rows[0][start:end] == "lumasync"


def test_a_span_over_several_lines_keeps_the_gutter() -> None:
    text = "first line\nsecond line\nthird line\nfourth\nfifth"
    rows = [r.plain for r in excerpt_lines(text, 6, len(text) - 2, gutter=1, budget=80)]
    assert all(r.startswith(("1 │", "2 │", "3 │", "  │")) for r in rows), rows
    assert rows[0] == "1 │ first line" and rows[1] == "  │       ^^^^"
    assert rows[2] == "2 │ second line" and rows[3] == "  │ ^^^^^^^^^^^"
    assert rows[-1] == "  │ …"


def test_the_example_guides_own_check_command_works(capsys: pytest.CaptureFixture[str]) -> None:
    header = (REPO_ROOT / "examples" / "brand-guide.yaml").read_text(encoding="utf-8")
    command = re.search(r"Check it with `brandbot ([^`]+)`", header)
    assert command is not None
    code = main([*shlex.split(command.group(1)), "--no-models"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "nothing to review" not in err and "/100" in out
