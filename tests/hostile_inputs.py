"""Hostile inputs from the issue-8 audit, built in code (nothing binary is committed).

Used by the tests and by ``bench/hostile.py``.
"""

from __future__ import annotations

import io
import zipfile
import zlib

NORMAL_PROSE = (
    "Our team ships a calm, clear update for every customer this week. "
    "The new dashboard shows usage by project, and exports work in one click. "
    "We tested it with twelve design partners before the launch. "
    "Tell us what you think: reply in the thread or email the product team. "
)


def normal_prose(chars: int) -> str:
    return (NORMAL_PROSE * (chars // len(NORMAL_PROSE) + 1))[:chars]


def lowercase_chat(chars: int) -> str:
    """Lower-case chat without sentence punctuation (the audit's 24 s at 40,000 characters)."""
    unit = "ok so i think we should ship it tomorrow and then see what people say lol "
    return (unit * (chars // len(unit) + 1))[:chars]


def lowercase_sentences(chars: int) -> str:
    """Lower-case chat whose full stops are followed by lower case (no sentence ends)."""
    unit = "ok. so i think we ship it. then we see what people say. lol. "
    return (unit * (chars // len(unit) + 1))[:chars]


def a_dot(chars: int) -> str:
    """``"a. "`` repeated (the audit's 65 s at 40,000 characters)."""
    return ("a. " * (chars // 3 + 1))[:chars]


def punctuation_flood(chars: int) -> str:
    """999 words, then a run of "!" (the Slack pass's 35,000: Vale's split loop is quadratic)."""
    words = " ".join(["word"] * 999)
    return words + "!" * max(chars - len(words), 0)


def garbage_words(chars: int) -> str:
    """Distinct made-up words of 10 letters (each one a misspelling, each one a suggestion)."""
    letters = "bcdfghjklmnpqrstvwxz"
    out, i = [], 0
    while sum(len(w) + 1 for w in out) < chars:
        n = i * 2654435761
        out.append("".join(letters[(n >> (3 * k)) % 20] for k in range(10)))
        i += 1
    return " ".join(out)[:chars]


def vale_split(token: str) -> list[str]:
    """Vale's IterTokenizer loop as Vale writes it (one character a step): the reference that
    ``analyzers.rules.spelling._split`` must equal, and the baseline it is timed against."""
    from analyzers.rules.spelling import _PREFIXES, _SPECIAL, _SUFFIXES, _has_letter

    out: list[str] = []
    last = -1
    while token and len(token) != last:
        if _SPECIAL.search(token):
            if _has_letter(token):
                out.append(token)
            break
        last = len(token)
        if token.startswith(_PREFIXES):
            token = token[1:]
        elif token.endswith(_SUFFIXES):
            token = token[:-1]
        elif _has_letter(token):
            out.append(token)
    return out


def pdf(content: bytes, *, compress: bool = True) -> bytes:
    """A one-page PDF whose page content stream is ``content`` (FlateDecode when ``compress``)."""
    stream = zlib.compress(content, 9) if compress else content
    filt = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< "
        + filt
        + b"/Length "
        + str(len(stream)).encode()
        + b" >>\nstream\n"
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    return pdf(b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET")


def inflating_pdf(expanded_bytes: int) -> bytes:
    """A small PDF whose content stream inflates to ``expanded_bytes`` of text operators."""
    op = b"(Brand words keep coming. ) Tj 0 -1 Td\n"
    body = op * (expanded_bytes // len(op) + 1)
    return pdf(b"BT /F1 12 Tf 72 720 Td\n" + body + b"ET")


def docx(paragraphs: list[str]) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def docx_bomb(expanded_bytes: int) -> bytes:
    """A real .docx whose word/document.xml inflates to ``expanded_bytes`` (a zip bomb)."""
    base = docx(["Hello."])
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    run = b"<w:p><w:r><w:t>" + b"a" * 1000 + b"</w:t></w:r></w:p>"
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>"
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info.filename))
        with dst.open("word/document.xml", "w") as fh:
            fh.write(head)
            chunk = run * 1000
            written = 0
            while written < expanded_bytes:
                fh.write(chunk)
                written += len(chunk)
            fh.write(b"</w:body></w:document>")
    return out.getvalue()
