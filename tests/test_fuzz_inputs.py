"""Fuzz: Vale linting, brand guides, documents and Block Kit rendering.

Invariants: no exception escapes except the documented, user-facing error type (``ValeError``,
``GuideError``, ``DocumentError``); Vale alerts point inside the file; every rendered message
keeps Slack's limits and carries no control sequence a user could have injected."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from botkit import finding, make_review
from fuzzkit import FEW, FUZZ, texts
from hypothesis import given
from hypothesis import strategies as st
from test_bot_blocks import check_limits
from test_mrkdwn_escaping import assert_inert

from analyzers import DocumentError, GuideError, read_document
from analyzers.documents import extract_document
from analyzers.guide import parse_guide
from analyzers.vale.config import ValeError, parse_config
from analyzers.vale.linter import Linter
from bot import blocks

# -- Vale --------------------------------------------------------------------------------------

_LINTER: Linter | None = None


def _linter() -> Linter:
    global _LINTER
    if _LINTER is None:
        cfg = parse_config("MinAlertLevel = suggestion\n[*]\nBasedOnStyles = Vale\n", None)
        _LINTER = Linter(cfg)
    return _LINTER


@FUZZ
@given(text=texts, ext=st.sampled_from([".md", ".txt", ".html", ".markdown"]))
def test_vale_lints_anything_and_points_inside_the_file(text: str, ext: str) -> None:
    result = _linter().lint_text(text, f"draft{ext}", ext)
    if result is None:
        return
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for a in result.alerts:
        assert 1 <= a.line <= len(lines) + 1, a
        assert a.column >= 1 and a.end_column >= a.column - 1, a


ini_lines = st.lists(
    st.sampled_from(
        [
            "StylesPath = styles",
            "MinAlertLevel = suggestion",
            "MinAlertLevel = nope",
            "[*.md]",
            "[[z-a].md]",
            "[{a,b}.md]",
            "[*.{md,txt}]",
            "BasedOnStyles = Vale",
            "Vale.Spelling = NO",
            "BlockIgnores = (?s)```.*?```",
            "TokenIgnores = (a|a)+$",
            "TokenIgnores = (",
            "Packages = x",
            "= =",
            "[",
        ]
    )
    | st.text(max_size=40),
    max_size=8,
).map("\n".join)


@FUZZ
@given(ini=ini_lines)
def test_vale_config_fails_only_with_vale_errors(ini: str) -> None:
    try:
        linter = Linter(parse_config(ini, None))
        linter.lint_text("Hello world. This is a test.", "a.md", ".md")
    except ValeError:
        pass


# -- guides ------------------------------------------------------------------------------------

guide_lines = st.lists(
    st.sampled_from(
        [
            "name: Acme",
            "name: !!int hello",
            "name: !!timestamp hello",
            "name: A\x07B",
            "banned:",
            "  - term: synergy",
            "  - term: '(a|a)+$'",
            "    regex: true",
            "    reason: x",
            "limits:",
            "  max_exclamations: .inf",
            "  max_exclamations: .nan",
            "  max_exclamations: 2",
            "products: [Acme Cloud]",
            "thresholds: {pass: 80, alert: 50}",
            "profiles: {social: {limits: {max_exclamations: 3}}}",
            "a: &x [*x]",
            "- nope",
            "styles: [../../etc]",
        ]
    )
    | st.text(max_size=30),
    max_size=10,
).map("\n".join)


@FUZZ
@given(text=guide_lines)
def test_guides_load_or_fail_with_a_guide_error(text: str) -> None:
    try:
        guide = parse_guide(text, source="<fuzz>", base_dir=Path.cwd())
    except GuideError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)
        return
    guide.rule_definitions()


# -- documents ---------------------------------------------------------------------------------


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in dict(entries).items():
            zf.writestr(name, data)
    return buf.getvalue()


documents = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=200).map(lambda b: b"%PDF-1.4\n" + b),
    st.lists(
        st.tuples(
            st.sampled_from(["word/document.xml", "[Content_Types].xml", "x.xml", "a"]),
            st.binary(max_size=100),
        ),
        max_size=3,
    ).map(_zip),
)


@FUZZ
@given(data=documents, name=st.sampled_from(["a.pdf", "a.docx", "a.txt", "a.md", "a.exe"]))
def test_documents_parse_or_fail_with_a_document_error(data: bytes, name: str) -> None:
    try:
        draft = extract_document(data, name)
    except DocumentError as exc:
        assert str(exc).strip()
        return
    assert draft.text.strip()


@FEW
@given(data=documents, name=st.sampled_from(["a.pdf", "a.docx"]))
def test_documents_through_the_worker_process(data: bytes, name: str) -> None:
    try:
        read_document(data, name)
    except DocumentError as exc:
        assert str(exc).strip()


# -- Block Kit ---------------------------------------------------------------------------------


@FUZZ
@given(
    text=texts,
    message=texts,
    suggestion=texts,
    title=texts,
    n=st.integers(0, 60),
)
def test_block_kit_rendering_keeps_limits_and_is_inert(
    text: str, message: str, suggestion: str, title: str, n: int
) -> None:
    found = [
        finding(text[:40] or "x", rule=f"Brand.R{i}", message=message, suggestions=(suggestion,))
        for i in range(n)
    ]
    review = make_review(found, text=text or "x")
    for msg in (
        blocks.review_message(review, title=f"Brand check: {title}"),
        blocks.alert_message(
            review, author=title, channel="C0DRAFTS", permalink=None, reasons=[message]
        ),
        blocks.notice_message(":page_facing_up: " + blocks.escape(message)),
    ):
        check_limits(msg)
        assert_inert(msg)
