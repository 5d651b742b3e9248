"""How `brandbot review` reads its arguments: long text, empty text, folders with bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzers.cli.inputs import classify
from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", "--no-models", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_paragraph_longer_than_a_file_name_is_text(capsys: pytest.CaptureFixture[str]) -> None:
    paragraph = "Our lumasync app helps teams plan their lighting. " * 12  # ~600 bytes
    assert len(paragraph.encode()) > 255
    code, out, err = run(capsys, "--format", "json", paragraph)
    assert code in (0, 1), err
    data = json.loads(out)
    assert data["errors"] == []
    assert data["reviews"][0]["draft"]["text"] == paragraph
    assert "Traceback" not in err and "OSError" not in err


def test_one_long_word_is_text_not_an_os_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--format", "json", "x" * 5000)
    assert json.loads(out)["errors"] == [] and code in (0, 1), err


@pytest.mark.parametrize("arg", ["", "   ", "\n"])
def test_an_empty_argument_is_an_empty_draft(
    arg: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "note.md").write_text("Our lumasync app.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # "" must not review the current folder
    code, out, err = run(capsys, "--format", "json", arg)
    assert code == 2
    assert "empty draft" in err
    assert json.loads(out)["reviews"] == []


def test_classify() -> None:
    assert classify("-") == "stdin"
    assert classify("") == "empty"
    assert classify("drafts/missing.md") == "missing"
    assert classify("missing.md") == "missing"
    assert classify("Hello there.") == "text"
    assert classify("Hello") == "text"
    assert classify("a/b " * 100) == "text"
    assert classify("/" * 300) == "path"  # exists: it is the root folder


def test_folder_walk_skips_tool_folders_and_goes_on_after_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "drafts"
    (root / "a").mkdir(parents=True)
    (root / "a" / "1-good.md").write_text("Our lumasync app is here.", encoding="utf-8")
    (root / "a" / "2-binary.txt").write_bytes(b"\x00\x01\x02")
    (root / "a" / "3-latin.txt").write_bytes("caf\xe9\nna\xefve".encode("latin-1"))
    (root / "a" / "4-good.md").write_text("A second lumasync note.", encoding="utf-8")
    (root / "b.md").write_text("Our lumasync app again.", encoding="utf-8")
    for tool in (".venv", ".git", ".pytest_cache", "node_modules", "__pycache__", "pkg.egg-info"):
        (root / tool).mkdir()
        (root / tool / "README.md").write_text("lumasync", encoding="utf-8")
    code, out, err = run(capsys, "--format", "json", str(root))
    data = json.loads(out)
    reviewed = sorted(Path(r["input"]).name for r in data["reviews"])
    assert reviewed == ["1-good.md", "4-good.md", "b.md"]
    failed = {Path(e["input"]).name: e["error"] for e in data["errors"]}
    assert set(failed) == {"2-binary.txt", "3-latin.txt"}
    assert "binary" in failed["2-binary.txt"]
    assert "line 1" in failed["3-latin.txt"] and "UTF-8" in failed["3-latin.txt"]
    assert code == 2
    assert err.count("2-binary.txt") == 1 and err.count("3-latin.txt") == 1


def test_help_says_how_arguments_are_read_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "anything else = the text of a draft" in out
    assert "exit codes" in out and "2 a usage, guide or input error" in out
    assert "--format {text,json} text: one line per finding" in out


def test_guide_from_the_environment_is_named_when_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRANDBOT_GUIDE", "/nope.yaml")
    code, _, err = run(capsys, "Some text.")
    assert code == 2
    assert "BRANDBOT_GUIDE" in err and "omit --guide" not in err


def test_latin1_guide_says_line_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = tmp_path / "guide.yaml"
    guide.write_bytes("name: Acme\ntagline: caf\xe9\n".encode("latin-1"))
    code, _, err = run(capsys, "--guide", str(guide), "Some text.")
    assert code == 2
    assert "guide.yaml:2" in err and "column" in err and "UTF-8" in err
    assert "iconv" in err


def test_an_html_file_is_read_for_its_text_not_its_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .html page was reviewed as raw text: a script's `var users = "cheap"` got two findings."""
    page = tmp_path / "launch.html"
    page.write_text(
        '<!doctype html>\n<html>\n<head><script>\nvar users = "cheap";\n</script>\n'
        "<style>p { color: red }</style>\n</head>\n<body>\n\n"
        # indented after a blank line (Markdown's code block) and block tags back to back
        "    <p>Our lumasync app &amp; hub.</p><p>Pairing</p><p>Larger rooms</p>\n"
        "</body>\n</html>\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--format", "json", str(page))
    (review,) = json.loads(out)["reviews"]
    found = [(f["rule_id"], f["matched"]) for f in review["findings"]]
    assert found == [("Brand.Products", "lumasync")]
    (finding,) = review["findings"]
    span = finding["span"]
    assert page.read_text(encoding="utf-8")[span["start"] : span["end"]] == "lumasync"
    assert code == 0


def test_an_html_page_names_its_entities_as_the_reader_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The summary printed "Kamp &amp; Lee": an entity's name was sliced from the page's markup."""
    page = tmp_path / "meet.html"
    source = "<p>Meet the Northwind&nbsp;Lumen fixtures &amp; hubs.</p>"
    page.write_text(source, encoding="utf-8")
    code, out, _ = run(capsys, "--format", "json", str(page))
    (review,) = json.loads(out)["reviews"]
    (entity,) = review["entities"]
    assert entity["text"] == "Northwind\xa0Lumen"  # the text as read, no "&nbsp;"
    span = entity["span"]
    assert source[span["start"] : span["end"]] == "Northwind&nbsp;Lumen"  # the place in the page
    assert code == 0


def test_a_lone_cr_in_an_html_page_moves_no_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hostile pass: one stray CR made the third paragraph vanish (100 Pass) and pointed a
    finding at " the lu": the offset table counted the CR as a line, HTMLParser does not."""
    page = tmp_path / "cr.html"
    source = (
        "<p>Welcome.\r</p>\n<p>Hello there friend, our gizmo is great.</p>\n"
        "<p>Our lumasync app is here.</p>\n"
    )
    page.write_bytes(source.encode())
    code, out, _ = run(capsys, "--format", "json", str(page))
    (review,) = json.loads(out)["reviews"]
    (finding,) = [f for f in review["findings"] if f["rule_id"] == "Brand.Products"]
    span = finding["span"]
    assert source[span["start"] : span["end"]] == "lumasync"
    assert review["word_count"] == 13 and code == 0  # every paragraph read


def test_unclosed_markup_hides_the_rest_of_a_page_as_a_browser_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """475,000 unclosed "<!--" (1.9 MB) ran past 600 s: HTMLParser rescans to the end for each
    (CPython gh-135462). A browser reads an unclosed comment to the end of the page."""
    page = tmp_path / "open.html"
    page.write_text("<p>Our lumasync app.</p>" + "<!--" * 60_000 + "<p>Hidden!</p>")
    code, out, _ = run(capsys, "--format", "json", str(page))
    (review,) = json.loads(out)["reviews"]
    assert [f["rule_id"] for f in review["findings"]] == ["Brand.Products"]  # no "!" finding
    assert review["word_count"] == 3 and code == 0


def test_a_long_character_reference_is_spanned_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "gamechange&DifferentialD;" was spanned as "gamechange&": only 12 characters were looked
    at for the reference's ";" (HTML5 names run to 33)."""
    page = tmp_path / "ent.html"
    source = "<p>The gamechange&DifferentialD; plan is cheap &amp cheerful.</p>"
    page.write_text(source, encoding="utf-8")
    _, out, _ = run(capsys, "--format", "json", str(page))
    (review,) = json.loads(out)["reviews"]
    spans = {f["rule_id"]: f["span"] for f in review["findings"]}
    spelled = spans["Brand.Spelling"]
    assert source[spelled["start"] : spelled["end"]] == "gamechange&DifferentialD;"
    cheap = spans["Brand.Banned_Cheap"]
    assert source[cheap["start"] : cheap["end"]] == "cheap"


def test_a_utf16_file_with_its_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows tools save UTF-16: it was refused as "a binary file" (Slack uploads read it)."""
    note = tmp_path / "note.txt"
    note.write_bytes("Our lumasync app.".encode("utf-16"))
    _, out, _ = run(capsys, "--format", "json", str(note))
    (review,) = json.loads(out)["reviews"]
    assert [f["rule_id"] for f in review["findings"]] == ["Brand.Products"]


def test_a_document_error_names_the_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken .docx printed "brandbot review: x.docx: x.docx is a damaged zip archive ...":
    the document's message names its file, and the CLI named it again."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "fake.pdf").write_bytes(b"not a PDF at all")
    code, out, err = run(capsys, "drafts/broken.docx", "fake.pdf")
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith("brandbot review:")] == [
        "brandbot review: drafts/broken.docx is a damaged zip archive, not a readable Word "
        "document",
        "brandbot review: fake.pdf is not a PDF (no %PDF header)",
    ]
    code, out, err = run(capsys, "--format", "json", "drafts")  # found by the folder walk
    assert json.loads(out)["errors"] == [
        {
            "input": "drafts/broken.docx",
            "error": "drafts/broken.docx is a damaged zip archive, not a readable Word document",
        }
    ]
    assert err.count("broken.docx") == 1
    # errors that do not name their input still get its label in front
    code, out, err = run(capsys, "drafts/missing.md")
    assert "brandbot review: drafts/missing.md: no such file or directory" in err
