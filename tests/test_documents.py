"""analyzers.documents: uploaded files -> Draft, with size/type checks before parsing."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from analyzers.documents import DocumentError, extract_document, kind_for_filename
from analyzers.types import SourceFormat


def make_pdf(lines: list[str]) -> bytes:
    """A minimal valid single-page PDF whose content stream draws ``lines`` in Helvetica."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_plain_text_and_markdown() -> None:
    d = extract_document(b"Launch day is here.\r\nTry Acme Cloud.\n", "draft.txt")
    assert d.text == "Launch day is here.\nTry Acme Cloud."
    assert d.format is SourceFormat.PLAIN and d.id == "draft.txt"
    md = extract_document(b"# Title\n\nSome *bold* copy.", "Post.MD")
    assert md.format is SourceFormat.MARKDOWN and md.text.startswith("# Title")
    assert extract_document(b"hi <@U1>", "x.mrkdwn").format is SourceFormat.MRKDWN
    assert extract_document(b"hi", "x.markdown").format is SourceFormat.MARKDOWN


def test_utf8_bom_and_utf16() -> None:
    assert extract_document("\ufeffCafé copy".encode(), "a.txt").text == "Café copy"
    assert extract_document("Café copy".encode("utf-16"), "a.txt").text == "Café copy"


def test_docx_paragraphs_and_tables() -> None:
    data = make_docx(["Meet Acme Cloud.", "", "It is fast."], table=[["Plan", "Price"]])
    d = extract_document(data, "launch.docx")
    assert d.text == "Meet Acme Cloud.\n\nIt is fast.\n\nPlan | Price"
    assert d.id == "launch.docx"


def test_pdf_text() -> None:
    d = extract_document(make_pdf(["Meet Acme Cloud (beta).", "It is fast."]), "launch.pdf")
    assert "Meet Acme Cloud (beta)." in d.text
    assert "It is fast." in d.text


def test_size_checked_before_parsing() -> None:
    with pytest.raises(DocumentError, match=r"drafts larger than 1 kB"):
        extract_document(b"a" * 1001, "big.txt", max_bytes=1000)
    # a corrupt PDF larger than the limit is rejected for size, not for corruption
    with pytest.raises(DocumentError, match="larger than"):
        extract_document(b"%PDF-" + b"\x00" * 2000, "big.pdf", max_bytes=1000)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"hello", "virus.exe", "unsupported file type"),
        (b"hello", "noext", "unsupported file type"),
        (b"", "empty.txt", "is empty"),
        (b"  \n\t ", "blank.md", "is empty"),
        (b"\xff\xfe\x00\xd8", "bad16.txt", "UTF-16"),
        (b"caf\xe9 copy", "latin1.txt", "not UTF-8 text"),
        (b"\x00\x01\x02\x03binary\x00\x00", "bin.txt", "binary"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "page.txt", "HTML page"),
        (b"%PDF-1.4 not really", "renamed.txt", "not plain text"),
        (b"just some text", "fake.docx", "not a Word document"),
        (b"PK\x03\x04garbage", "broken.docx", "damaged zip"),
        (b"just some text", "fake.pdf", "not a PDF"),
        (b"%PDF-1.4\ngarbage without objects", "broken.pdf", "PDF"),
    ],
)
def test_bad_inputs_raise_clear_errors(data: bytes, name: str, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        extract_document(data, name)


def test_zip_that_is_not_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(DocumentError, match="zip archive but not a Word document"):
        extract_document(buf.getvalue(), "archive.docx")


def test_docx_and_pdf_without_text() -> None:
    with pytest.raises(DocumentError, match="no text"):
        extract_document(make_docx(["", "  "]), "blank.docx")
    with pytest.raises(DocumentError, match="no extractable text"):
        extract_document(make_pdf([]), "scan.pdf")


def test_document_error_is_value_error() -> None:
    assert issubclass(DocumentError, ValueError)


def test_kind_for_filename() -> None:
    assert kind_for_filename("a.TXT") == "text"
    assert kind_for_filename("a.docx") == "docx"
    assert kind_for_filename("a.pdf") == "pdf"
    assert kind_for_filename("a.doc") is None
