"""Hostile files that used to be read wrongly and pass (audit-hostile2, findings 2 and 10).

- A ``.docx`` whose XML part declares a DTD was refused only when ``<!DOCTYPE`` (ASCII) was in
  the first 4 kB of a ``*.xml``/``*.rels`` part: a long comment, processing instruction or run
  of blank lines before it, a UTF-16 part, or a main part with another name hid it, and the
  entity ``&x;`` then cut the text ("host: &x; cheap" read as "host:", a Pass).
- ``brandbot review`` read a UTF-32 file as UTF-16 (NUL-interleaved text, a Pass), and a UTF-16
  byte order mark in front of binary data skipped the binary test.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

import hostile_inputs as hi
import pytest

from analyzers.cli.inputs import InputError, collect, decode
from analyzers.documents import DocumentError, DocumentLimits, extract_document, read_document

BODY = "host: &x; our lumasync app is the cheapest on the market."
DTD = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _rebuild(base: bytes, replace: dict[str, bytes], rename: dict[str, str] | None = None) -> bytes:
    """``base`` (a .docx) with some parts' bytes replaced and some parts renamed."""
    rename = rename or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info))
            dst.writestr(rename.get(info.filename, info.filename), data)
        for extra, data in replace.items():
            if extra not in src.namelist():
                dst.writestr(extra, data)
    return out.getvalue()


def _document_xml(prolog: str, text: str = BODY) -> str:
    """python-docx's own word/document.xml, with ``prolog`` in place of its XML declaration
    and one paragraph of ``text`` (XML, not escaped) after "Intro line"."""
    base = hi.docx(["Intro line for the team.", "PLACEHOLDER"])
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    root = xml[xml.index("<w:document") :]
    return prolog + root.replace("PLACEHOLDER", text)


def _docx_with(prolog: str, *, encoding: str = "utf-8", text: str = BODY) -> bytes:
    xml = _document_xml(prolog, text).encode(encoding)
    return _rebuild(hi.docx(["x"]), {"word/document.xml": xml})


PROLOGS = {
    "plain": (DECL + DTD, "utf-8"),
    "after_5000_byte_comment": (DECL + "<!--" + " " * 5000 + "-->\n" + DTD, "utf-8"),
    "after_5000_byte_pi": (DECL + "<?pad " + "x" * 5000 + "?>\n" + DTD, "utf-8"),
    "after_5000_newlines": (DECL + "\n" * 5000 + DTD, "utf-8"),
    "after_100k_of_comments": (DECL + "<!-- c -->" * 10_000 + DTD, "utf-8"),
    "utf16": ('<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\n' + DTD, "utf-16"),
    "utf16be_no_decl": ("\ufeff" + DTD, "utf-16-be"),
    "latin1": ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- é -->' + DTD, "latin-1"),
    "external_only": (DECL + '<!DOCTYPE w:document SYSTEM "http://example.com/x.dtd">', "utf-8"),
}


@pytest.mark.parametrize("case", sorted(PROLOGS))
def test_a_dtd_after_any_prolog_or_in_any_encoding_is_refused(case: str) -> None:
    prolog, encoding = PROLOGS[case]
    data = _docx_with(prolog, encoding=encoding)
    with pytest.raises(DocumentError, match=r"word/document\.xml declares a DTD") as caught:
        extract_document(data, f"{case}.docx")
    assert "save the document again from Word" in str(caught.value)


def test_the_refusal_also_holds_through_the_worker_process() -> None:
    prolog, encoding = PROLOGS["utf16"]
    with pytest.raises(DocumentError, match=r"declares a DTD"):
        read_document(_docx_with(prolog, encoding=encoding), "utf16.docx")


def test_the_same_documents_without_a_dtd_are_read_whole() -> None:
    """The control: the prologs alone (comments, PIs, blank lines, UTF-16) are fine."""
    text = "host: our lumasync app is the cheapest on the market."
    for prolog, encoding in [
        (DECL + "<!--" + " " * 5000 + "-->\n", "utf-8"),
        (DECL + "\n" * 5000, "utf-8"),
        ('<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\n', "utf-16"),
    ]:
        draft = extract_document(_docx_with(prolog, encoding=encoding, text=text), "ok.docx")
        assert draft.text == "Intro line for the team.\n\n" + text


def _renamed_main_part(xml: bytes, to: str = "word/main.dat") -> bytes:
    """A .docx whose main part is ``to`` (``word/main.dat``): [Content_Types].xml and the
    package relationships route it to python-docx's XML parser whatever its name. A clean,
    unused ``word/document.xml`` stays as a decoy."""
    base = hi.docx(["Decoy."])
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        decoy = zf.read("word/document.xml")
        types = zf.read("[Content_Types].xml").replace(b"/word/document.xml", b"/" + to.encode())
        rels = zf.read("_rels/.rels").replace(b"word/document.xml", to.encode())
    renamed = _rebuild(
        base,
        {"word/document.xml": xml, "[Content_Types].xml": types, "_rels/.rels": rels},
        rename={
            "word/document.xml": to,
            "word/_rels/document.xml.rels": to.replace("word/", "word/_rels/", 1) + ".rels",
        },
    )
    return _rebuild(renamed, {"word/document.xml": decoy})


def test_a_dtd_in_a_main_part_with_another_name_is_refused() -> None:
    clean = _document_xml(DECL, "host: our lumasync app is the cheapest.").encode()
    # python-docx does read such a package (so the refusal below is the DTD's, not a failure)
    read = extract_document(_renamed_main_part(clean), "renamed.docx").text
    assert "cheapest" in read and "Decoy" not in read
    hostile = _renamed_main_part(_document_xml(DECL + DTD).encode())
    with pytest.raises(DocumentError, match=r"word/main\.dat declares a DTD"):
        extract_document(hostile, "renamed.docx")


def test_an_xml_part_named_in_capitals_is_checked() -> None:
    base = hi.docx(["x"])
    data = _rebuild(base, {"customXml/ITEM1.XML": (DECL + DTD + "<a/>").encode()})
    with pytest.raises(DocumentError, match=r"customXml/ITEM1\.XML declares a DTD"):
        extract_document(data, "caps.docx")


# The XML cap: python-docx's default template holds about 0.82 MB of XML; a 1 MB cap and a
# 0.5 MB main part put a document past it.
SMALL_CAP = DocumentLimits(max_expanded_bytes=1_000_000)
LONG = "host: our lumasync app is the cheapest. " * 12_000


@pytest.mark.parametrize("to", ["word/main.dat", "word/DOCUMENT.XML", "word/media/image1.png"])
def test_the_xml_cap_counts_a_main_part_whatever_its_name(to: str) -> None:
    """The cap counted ``*.xml`` / ``*.rels`` names only (and case-sensitively): a main part
    named otherwise was parsed whole past it (48 MB of XML in a 0.2 MB file: 845 MB of
    memory, 7 s)."""
    data = _renamed_main_part(_document_xml(DECL, LONG).encode(), to=to)
    # python-docx does parse such a part (a cap of 10 MB: the document is read)
    assert "cheapest" in extract_document(data, "renamed.docx").text
    with pytest.raises(DocumentError) as caught:
        extract_document(data, "renamed.docx", limits=SMALL_CAP)
    assert str(caught.value) == (
        "renamed.docx: this Word document expands past the 1 MB text limit: its XML parts "
        f"hold 1.3 MB decompressed ({to}: 482 kB); send a shorter document (or paste the part "
        "to check)"
    )


def test_the_xml_cap_leaves_out_images() -> None:
    """An image cannot be parsed as XML (its first byte stops the parser), whatever the
    content types say: a large picture does not count as text."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2_000  # 0.5 MB
    data = _rebuild(hi.docx(["Our launch is calm."]), {"word/media/image1.png": png})
    assert extract_document(data, "photo.docx", limits=SMALL_CAP).text == "Our launch is calm."


def test_no_xml_parser_reads_past_the_first_byte_of_a_part_left_out_of_the_cap() -> None:
    from docx.oxml.parser import oxml_parser
    from lxml import etree  # type: ignore[import-untyped]

    from analyzers.documents import _NOT_XML_SIGNATURES

    for signature in _NOT_XML_SIGNATURES:
        with pytest.raises(etree.XMLSyntaxError, match=r"line 1, column 1\b"):
            etree.fromstring(signature + b"<w:document/>", oxml_parser)


def test_a_doctype_in_a_part_word_does_not_parse_as_xml_is_not_refused() -> None:
    """An SVG image often has a DOCTYPE; it is an image (a blob), never read as text."""
    svg = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg/>'
    )
    data = _rebuild(hi.docx(["Our launch is calm."]), {"word/media/image1.svg": svg})
    assert extract_document(data, "svg.docx").text == "Our launch is calm."


def test_an_undefined_entity_without_a_dtd_is_refused_not_cut() -> None:
    data = _docx_with(DECL)  # BODY has "&x;" and nothing declares it
    with pytest.raises(DocumentError, match=r"could not be read as a Word document"):
        extract_document(data, "entity.docx")


@pytest.mark.parametrize(
    "inner", ["<!-- a note -->", "<?pad x?>", "<!---->", "<!-- a --><?p?><!-- b -->"]
)
def test_a_comment_or_pi_inside_a_text_run_does_not_cut_the_text(inner: str) -> None:
    """python-docx reads a <w:t>'s text up to its first child node only."""
    text = f"host: {inner}our lumasync app is the cheapest on the market."
    draft = extract_document(_docx_with(DECL, text=text), "comment.docx")
    assert draft.text.endswith("host: our lumasync app is the cheapest on the market.")


# -- finding 10: UTF-32 and byte order marks in front of binary data -----------------------

PARAGRAPH = "Title\n\nOur lumasync hub.\n\nIt is cheap.\n"


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_with_a_byte_order_mark_is_decoded(codec: str) -> None:
    data = PARAGRAPH.encode(codec)
    if codec != "utf-32":
        bom = codecs.BOM_UTF32_LE if codec.endswith("le") else codecs.BOM_UTF32_BE
        data = bom + data
    assert decode(data, 2_000_000) == PARAGRAPH


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe" + b"\x00" * 2_000,  # FF FE 00 00: valid UTF-32, all NULs
        b"\xff\xfe" + b"\x00" * 2_002,  # not UTF-32 (length): UTF-16, all NULs
        b"\xfe\xff" + b"\x00" * 2_000,
        b"\x00\x00\xfe\xff" + b"\x00" * 2_000,
        # UTF-32-LE text behind a UTF-16-LE mark only: NUL-interleaved
        b"\xff\xfe" + b"T\x00\x00\x00" + "his is text.".encode("utf-32-le"),
        # control characters, as a binary file decodes
        codecs.BOM_UTF16_LE + ("Our hub\x01\x02\x03\x04 is cheap." * 3).encode("utf-16-le"),
        codecs.BOM_UTF32_LE + ("Our hub\x01\x02\x03\x04 is cheap." * 3).encode("utf-32-le"),
    ],
)
def test_a_byte_order_mark_in_front_of_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(InputError, match=r"looks like a binary file"):
        decode(data, 2_000_000)


def test_the_binary_refusal_happens_on_the_whole_stdin_size() -> None:
    with pytest.raises(InputError, match=r"looks like a binary file"):
        decode(b"\xff\xfe" + b"\x00" * 1_999_998, 2_000_000)


def test_invalid_utf32_gets_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"not valid UTF-32"):
        decode(codecs.BOM_UTF32_BE + "Hello".encode("utf-32-be") + b"\x00", 2_000_000)
    with pytest.raises(InputError, match=r"not valid UTF-32"):
        decode(codecs.BOM_UTF32_BE + b"\x00\x11\x00\x00", 2_000_000)  # past U+10FFFF


def test_utf16_and_utf8_still_read() -> None:
    assert decode(PARAGRAPH.encode("utf-16"), 2_000_000) == PARAGRAPH
    assert decode(codecs.BOM_UTF16_BE + PARAGRAPH.encode("utf-16-be"), 2_000_000) == PARAGRAPH
    assert decode(codecs.BOM_UTF8 + PARAGRAPH.encode(), 2_000_000) == PARAGRAPH
    assert decode("Tab\tand\fform feed.".encode("utf-16"), 2_000_000) == "Tab\tand\fform feed."
    with pytest.raises(InputError, match=r"empty draft"):
        decode(codecs.BOM_UTF32_LE, 2_000_000)


def test_a_utf32_file_is_reviewed_as_its_text(tmp_path: Path) -> None:
    note = tmp_path / "utf32.txt"
    note.write_bytes(codecs.BOM_UTF32_LE + PARAGRAPH.encode("utf-32-le"))
    sources, errors = collect([str(note)], None, 2_000_000)
    assert errors == []
    assert sources[0].draft.text == PARAGRAPH
    assert re.search(r"\bcheap\b", sources[0].draft.text)


def test_an_uploaded_utf32_text_file_is_decoded() -> None:
    data = codecs.BOM_UTF32_BE + "Café copy".encode("utf-32-be")
    assert extract_document(data, "a.txt").text == "Café copy"
    with pytest.raises(DocumentError, match=r"binary"):
        extract_document(b"\xff\xfe" + b"\x00" * 2_002, "a.txt")
