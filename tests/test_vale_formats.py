"""``brandbot vale``: reStructuredText / AsciiDoc offsets, front matter, --filter, piped stdin."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from pathlib import Path

import pytest

from analyzers.vale import converters
from analyzers.vale.filter import FilterError, compile_filter, read_filter
from analyzers.vale.frontmatter import front_matter_segments

RULE = """extends: existence
message: "'%s' left in text"
level: error
tokens:
  - TODO
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    style = tmp_path / "styles" / "T"
    style.mkdir(parents=True)
    (style / "Todo.yml").write_text(RULE, encoding="utf-8")
    (style / "Cap.yml").write_text(
        "extends: capitalization\nmessage: \"'%s' should be in title case\"\n"
        "level: warning\nscope: text.frontmatter.title\nmatch: $title\n",
        encoding="utf-8",
    )
    (tmp_path / ".vale.ini").write_text(
        "StylesPath = styles\n[*]\nBasedOnStyles = T\n", encoding="utf-8"
    )
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _vale(cwd: Path, *args: str, stdin: str | None = None) -> tuple[int, list[str]]:
    from bot.cli import main

    out = io.StringIO()
    old_cwd, old_stdin = os.getcwd(), sys.stdin
    os.chdir(cwd)
    sys.stdin = io.StringIO(stdin if stdin is not None else "")
    if stdin is None:
        sys.stdin.isatty = lambda: True  # type: ignore[method-assign]
    try:
        with contextlib.redirect_stdout(out):
            code = main(["vale", "--output=line", "--sort", *args])
    finally:
        os.chdir(old_cwd)
        sys.stdin = old_stdin
    return code, out.getvalue().splitlines()


RST = """Title TODO here
===============

Some *emphasised* text with ``TODO`` in code and a TODO in prose.

.. vale off

A TODO that is switched off.

.. vale on

.. code-block:: python

   x = 1  # TODO in a Sphinx code block

Last TODO.
"""


def test_rst_alerts_point_at_the_source(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"doc.rst": RST})
    code, lines = _vale(cwd, "doc.rst")
    assert code == 1
    assert lines == [
        "doc.rst:1:7:T.Todo:'TODO' left in text",
        "doc.rst:4:52:T.Todo:'TODO' left in text",
        "doc.rst:16:6:T.Todo:'TODO' left in text",
    ]


@pytest.mark.skipif(shutil.which("asciidoctor") is None, reason="needs asciidoctor")
def test_asciidoc_alerts_point_at_the_source(tmp_path: Path) -> None:
    adoc = (
        "= Doc TODO\n\nA `TODO` in code, a TODO in prose.\n\n"
        "pass:[<!-- vale off -->]\n\nTODO off.\n"
    )
    cwd = _project(tmp_path, {"doc.adoc": adoc})
    code, lines = _vale(cwd, "doc.adoc")
    assert code == 1
    assert lines == [
        "doc.adoc:1:7:T.Todo:'TODO' left in text",
        "doc.adoc:3:21:T.Todo:'TODO' left in text",
    ]


def test_missing_asciidoctor_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(converters.shutil, "which", lambda name: None)
    cwd = _project(tmp_path, {"doc.adoc": "A TODO.\n"})
    code, lines = _vale(cwd, "doc.adoc")
    assert code == 2
    assert "AsciiDoc needs asciidoctor, which is not installed" in "\n".join(lines)


ORG = """#+title: A TODO title keyword

* Heading TODO here

Some /emphasised/ text with =TODO= verbatim and a TODO in prose.

# vale off

A TODO that is switched off.

# vale on

#+begin_src python
x = 1  # TODO in code
#+end_src

#+RESULTS:
| cell | TODO |
"""


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")
def test_org_alerts_point_at_the_source(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"doc.org": ORG})
    code, lines = _vale(cwd, "doc.org")
    assert code == 1
    # keyword lines and verbatim are code, comments are controls, source blocks are skipped, a
    # block's #+RESULTS: table is prose (as go-org exports it)
    assert lines == [
        "doc.org:3:11:T.Todo:'TODO' left in text",
        "doc.org:5:51:T.Todo:'TODO' left in text",
        "doc.org:18:10:T.Todo:'TODO' left in text",
    ]


def test_missing_pandoc_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converters.shutil, "which", lambda name: None)
    cwd = _project(tmp_path, {"doc.org": "A TODO.\n"})
    code, lines = _vale(cwd, "doc.org")
    assert code == 2
    assert "Org needs pandoc, which is not installed" in "\n".join(lines)


def test_front_matter_values_are_scoped_blocks(tmp_path: Path) -> None:
    md = '---\ntitle: "my document"\ndescription: |\n  first line\n  TODO later\n---\n\n# Hi\n'
    segs = front_matter_segments(md, ".md", frozenset())
    assert {s.scope for s in segs} == {
        "text.frontmatter.title.md",
        "text.frontmatter.description.md",
    }
    desc = next(s for s in segs if "description" in s.scope)
    assert desc.text == "first line\nTODO later"
    assert md[desc.offsets[11] : desc.offsets[11] + 4] == "TODO"
    assert front_matter_segments(md, ".mdx", frozenset({"frontmatter.title.mdx"}))[0].scope == (
        "text.frontmatter.description.mdx"
    )
    cwd = _project(tmp_path, {"doc.md": md})
    code, lines = _vale(cwd, "doc.md")
    assert code == 1
    assert lines == [
        "doc.md:2:9:T.Cap:'my document' should be in title case",
        "doc.md:5:3:T.Todo:'TODO' left in text",
    ]


def test_filter_expressions() -> None:
    rule = {"Name": "demo.Cap", "Level": "error", "Extends": "capitalization", "Scope": ["text"]}
    assert compile_filter(".Level in ['error', 'warning'] and .Name != 'demo.X'")(rule)
    assert not compile_filter(".Extends in ['existence']")(rule)
    assert compile_filter("not (.Level == 'suggestion') && .Name startsWith 'demo.'")(rule)
    assert compile_filter("'text' in .Scope || false")(rule)
    assert compile_filter(".Name matches '^demo\\\\.C'")(rule)
    assert compile_filter(".Level not in ['suggestion']")(rule)
    with pytest.raises(FilterError, match=r"unknown field \.Nme"):
        compile_filter(".Nme == 'x'")(rule)
    with pytest.raises(FilterError, match="ends early"):
        compile_filter(".Name == ")(rule)
    with pytest.raises(FilterError, match="unexpected"):
        compile_filter(".Name === 'x'")


def test_filter_cli_and_files(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"doc.md": "# My title\n\nA TODO here.\n"})
    (cwd / "only.expr").write_text(".Extends == 'capitalization'", encoding="utf-8")
    assert read_filter("only.expr", cwd) == ".Extends == 'capitalization'"
    code, lines = _vale(cwd, "--filter=.Name == 'T.Todo'", "doc.md")
    assert lines == ["doc.md:3:3:T.Todo:'TODO' left in text"]
    code, lines = _vale(cwd, "--filter=only.expr", "doc.md")
    assert (code, lines) == (0, [])
    code, lines = _vale(cwd, "--filter=missing.expr", "doc.md")
    assert code == 2 and "failed to read filter 'missing.expr'" in "\n".join(lines)
    code, lines = _vale(cwd, "--filter=.Level ==", "doc.md")
    assert code == 2 and "--filter" in "\n".join(lines)


def test_piped_stdin_is_linted_as_stdin_ext(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {})
    code, lines = _vale(cwd, "--ext=.md", stdin="Some `TODO` code and a TODO.\n")
    assert (code, lines) == (1, ["stdin.md:1:24:T.Todo:'TODO' left in text"])


def test_mdx_jsx_and_expressions_are_code() -> None:
    from analyzers.vale.mdx import mask_jsx

    src = (
        "An <Note kind={'a'}>TODO</Note> here and {1 + 2} TODO.\n"
        "\n"
        "<Box\n  open\n>\n  TODO inside\n</Box>\n"
        "\n"
        "```js\n<Fenced>TODO</Fenced> {x}\n```\n"
        "Inline `<Code>` and a <Self /> end, 1 < 2 {unclosed\n"
    )
    masked = mask_jsx(src)
    assert len(masked.text) == len(src)
    lines = masked.text.split("\n")
    assert lines[0] == "An `" + "*" * 26 + "` here and `*****` TODO."
    assert all(not ln.strip() for ln in lines[2:7])  # a multi-line element blanks (a block)
    assert masked.blocks == 1
    # fenced and inline code, a lone '<' and an unclosed brace stay as they are
    assert "<Fenced>TODO</Fenced> {x}" in masked.text
    assert "`<Code>`" in masked.text
    assert "a `******` end, 1 < 2 {unclosed" in masked.text


def test_mdx_file_skips_jsx_text(tmp_path: Path) -> None:
    mdx = "# Title\n\nSee <Tip>TODO</Tip> and {TODO} but TODO here.\n\n<Box>\nTODO\n</Box>\n"
    cwd = _project(tmp_path, {"doc.mdx": mdx})
    code, lines = _vale(cwd, "doc.mdx")
    assert code == 1
    assert lines == ["doc.mdx:3:36:T.Todo:'TODO' left in text"]


def test_mdx_masking_is_bounded_on_unclosed_tags() -> None:
    from analyzers.vale.mdx import mask_jsx

    # every '<a>' opens an element that never closes: a full scan from each would be quadratic,
    # so the scan stops when its budget (characters read per character of input) is spent and
    # leaves the rest as it is (prose, not lost)
    hostile = "<a>" * 20_000 + "</b> TODO"
    masked = mask_jsx(hostile)
    assert not masked.complete
    assert masked.text == hostile
    normal = mask_jsx("Some <Tip>TODO</Tip> text.\n" * 2_000)
    assert normal.complete
    assert "TODO" not in normal.text


def test_style_level_settings_cover_the_style(tmp_path: Path) -> None:
    cwd = _project(tmp_path, {"doc.md": "# Title\n\nA TODO here.\n"})
    ini = "StylesPath = styles\nMinAlertLevel = suggestion\n[*]\nBasedOnStyles = T\n"
    # a style's level covers its rules; a rule's own setting still wins
    (cwd / ".vale.ini").write_text(ini + "T = suggestion\n", encoding="utf-8")
    code, lines = _vale(cwd, "--output=JSON", "doc.md")
    assert code == 0 and '"Severity": "suggestion"' in "\n".join(lines)
    (cwd / ".vale.ini").write_text(ini + "T = NO\nT.Todo = warning\n", encoding="utf-8")
    code, lines = _vale(cwd, "doc.md")
    assert code == 0 and lines == ["doc.md:3:3:T.Todo:'TODO' left in text"]
    (cwd / ".vale.ini").write_text(ini + "T = NO\n", encoding="utf-8")
    code, lines = _vale(cwd, "doc.md")
    assert code == 0 and lines == []


def test_inline_tags_pad_to_one_space() -> None:
    from analyzers.vale.markup import parse_html

    # Vale trims each text token and puts one space before text after an inline tag: the
    # whitespace already around the tag is that space, never a second one
    doc = parse_html("<p>Some text <b><b>ACT test</b></b> here, <a>link</a>() and x<i>y</i></p>")
    para = next(s for s in doc.segments if s.scope == "paragraph")
    assert para.text == "Some text ACT test here, link () and x y"
    pairs = zip(para.offsets, para.text, strict=True)
    assert all(doc.original[o] == c for o, c in pairs if c != " ")


def test_scopes_name_the_file_format(tmp_path: Path) -> None:
    # Vale's block scopes end in the file's extension: `scope: text.html` skips Markdown
    (tmp_path / "styles" / "F").mkdir(parents=True)
    (tmp_path / "styles" / "F" / "Html.yml").write_text(
        "extends: existence\nmessage: \"'%s' in HTML\"\nlevel: error\nscope: text.html\n"
        "tokens:\n  - TODO\n",
        encoding="utf-8",
    )
    (tmp_path / ".vale.ini").write_text(
        "StylesPath = styles\n[*]\nBasedOnStyles = F\n", encoding="utf-8"
    )
    (tmp_path / "a.html").write_text("<p>A TODO here.</p>\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("A TODO here.\n", encoding="utf-8")
    code, lines = _vale(tmp_path, "a.html", "b.md")
    assert (code, lines) == (1, ["a.html:1:6:F.Html:'TODO' in HTML"])


def test_a_match_split_by_markup_is_placed_where_vale_finds_its_text(tmp_path: Path) -> None:
    # "_another_ heading" reads "another heading" only once the markup is gone: Vale searches
    # the source for the matched text from the block on, so the alert lands on the next
    # verbatim occurrence, or at the start of the line when there is none
    (tmp_path / "styles" / "P").mkdir(parents=True)
    (tmp_path / "styles" / "P" / "Phrase.yml").write_text(
        "extends: existence\nmessage: \"'%s'\"\nlevel: error\ntokens:\n  - another heading\n",
        encoding="utf-8",
    )
    (tmp_path / ".vale.ini").write_text(
        "StylesPath = styles\n[*]\nBasedOnStyles = P\n", encoding="utf-8"
    )
    (tmp_path / "a.md").write_text(
        "## this is _another_ heading\n\nText.\n\n## this is another heading\n", encoding="utf-8"
    )
    (tmp_path / "b.md").write_text("## this is _another_ heading\n", encoding="utf-8")
    code, lines = _vale(tmp_path, "a.md", "b.md")
    assert lines == ["a.md:5:12:P.Phrase:'another heading'", "b.md:1:1:P.Phrase:'another heading'"]
    assert code == 1


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")
def test_org_include_reads_no_other_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("A TODO from another file.\n", encoding="utf-8")
    cwd = _project(tmp_path, {"doc.org": f'Text.\n\n#+INCLUDE: "{secret}"\n'})
    code, lines = _vale(cwd, "doc.org")
    assert (code, lines) == (0, [])


def test_alt_text_with_references_points_into_the_page() -> None:
    """A hostile pass: `<img alt="Tom &amp; Jerry are cheap">` reported "cheap" at [1, 5]: the
    decoded value was searched for in the page, not found, and given offsets from -1."""
    from analyzers.vale.markup import parse_html

    page = '<p>Hi.</p>\n<img alt="Tom &amp; Jerry are cheap" src=x>\n<img alt=plain>'
    alts = [s for s in parse_html(page).segments if s.scope == "text.attr.alt"]
    assert [s.text for s in alts] == ["Tom & Jerry are cheap", "plain"]
    first = alts[0]
    at = first.text.index("cheap")
    assert page[first.offsets[at] : first.offsets[at + 4] + 1] == "cheap"
    assert page[first.offsets[first.text.index("&")]] == "&"
    assert page[alts[1].offsets[0] : alts[1].offsets[-1] + 1] == "plain"
