"""Uploaded documents -> ``Draft``: plain text, Markdown, Word (.docx) and PDF.

Slack-free and synchronous. The size and the type (file extension *and* magic bytes) are checked
before any parser sees the bytes, so a renamed executable or an HTML login page never reaches
python-docx or pypdf. Every problem is a ``DocumentError`` (a ``ValueError``) whose message can be
shown to the person who uploaded the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from analyzers.types import Draft, SourceFormat

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "DocumentError",
    "DocumentLimits",
    "extract_document",
    "kind_for_filename",
    "read_document",
]

DEFAULT_MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class DocumentLimits:
    """Bounds on what one uploaded document may cost.

    ``max_bytes``: the file itself. ``max_expanded_bytes``: decompressed content (a .docx's XML
    parts, a PDF's page content streams). ``max_pages`` (PDF), ``max_chars``: extracted text.
    ``wall_s`` / ``memory_bytes``: the worker process reading a .docx or .pdf is killed past
    them (``read_document``).
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_expanded_bytes: int = 10_000_000
    max_archive_bytes: int = 60_000_000
    max_pages: int = 500
    max_chars: int = 2_000_000
    wall_s: float = 20.0
    memory_bytes: int = 1_000_000_000


def read_document(data: bytes, filename: str, *, limits: DocumentLimits | None = None) -> Draft:
    """``extract_document`` with every limit: Word and PDF files are parsed in a worker process
    that is killed past ``limits.wall_s`` or ``limits.memory_bytes``. Synchronous (it waits for
    the worker): async code calls it through ``asyncio.to_thread``. Raises ``DocumentError``."""
    from analyzers.sandbox import SandboxLimit, run_sandboxed

    limits = limits or DocumentLimits()
    name = filename.strip() or "(unnamed)"
    if kind_for_filename(name) not in ("docx", "pdf") or len(data) > limits.max_bytes:
        return extract_document(data, filename, limits=limits)  # cheap, linear, in process
    try:
        found = run_sandboxed(
            _extract_in_child,
            bytes(data),
            filename,
            limits,
            wall_s=limits.wall_s,
            memory_bytes=limits.memory_bytes,
            what=name,
            passthrough=(DocumentError,),
        )
    except SandboxLimit as exc:
        raise DocumentError(str(exc)) from None
    return Draft(text=str(found["text"]), id=name, format=SourceFormat(found["format"]))


def _extract_in_child(data: bytes, filename: str, limits: DocumentLimits) -> dict[str, str]:
    draft = extract_document(data, filename, limits=limits)
    return {"text": draft.text, "format": draft.format.value}


_TEXT_KINDS = {
    ".txt": SourceFormat.PLAIN,
    ".text": SourceFormat.PLAIN,
    ".md": SourceFormat.MARKDOWN,
    ".markdown": SourceFormat.MARKDOWN,
    ".mrkdwn": SourceFormat.MRKDWN,
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = (*_TEXT_KINDS, ".docx", ".pdf")

# Bytes that never occur in real text documents (NUL and most C0 controls).
_BINARY_CONTROL = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) - {0x1B}


class DocumentError(ValueError):
    """The file cannot be turned into a draft; the message says why, for the uploader."""


def kind_for_filename(filename: str) -> str | None:
    """``"text"``, ``"docx"``, ``"pdf"`` or ``None`` when the extension is not supported."""
    ext = PurePosixPath(filename.strip()).suffix.lower()
    if ext in _TEXT_KINDS:
        return "text"
    if ext == ".docx":
        return "docx"
    if ext == ".pdf":
        return "pdf"
    return None


def extract_document(
    data: bytes,
    filename: str,
    *,
    max_bytes: int | None = None,
    limits: DocumentLimits | None = None,
) -> Draft:
    """Turn an uploaded file into a ``Draft`` (id = the file name), in this process.

    Raises ``DocumentError`` when the file is too large, expands past ``limits`` (decompressed
    bytes, pages, characters), is empty, of an unsupported type, does not look like its
    extension says (magic bytes), cannot be parsed, or has no text. Only time and memory are
    not bounded here: untrusted uploads go through ``read_document``.
    """
    limits = limits or DocumentLimits()
    max_bytes = limits.max_bytes if max_bytes is None else max_bytes
    name = filename.strip() or "(unnamed)"
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DocumentError(f"{name}: expected the file's bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise DocumentError(
            f"{name} is {_human(len(data))}; "
            f"drafts larger than {_human(max_bytes)} are not reviewed"
        )
    kind = kind_for_filename(name)
    if kind is None:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        raise DocumentError(f"{name}: unsupported file type; send one of {supported}")
    if not data.strip():
        raise DocumentError(f"{name} is empty")
    if kind == "text":
        ext = PurePosixPath(name).suffix.lower()
        text, fmt = _decode_text(data, name), _TEXT_KINDS[ext]
    elif kind == "docx":
        text, fmt = _docx_text(data, name, limits), SourceFormat.PLAIN
    else:
        text, fmt = _pdf_text(data, name, limits), SourceFormat.PLAIN
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DocumentError(f"{name} contains no text to review")
    return Draft(text=text, id=name, format=fmt)


def _human(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.0f} kB"
    return f"{n} bytes"


def _decode_text(data: bytes, name: str) -> str:
    if data.startswith(b"%PDF") or data.startswith(b"PK\x03\x04"):
        raise DocumentError(
            f"{name} is a PDF or Office file, not plain text; rename it accordingly"
        )
    # a UTF-32-LE mark (FF FE 00 00) starts with the UTF-16-LE one: try UTF-32 first; what is
    # not valid UTF-32 is UTF-16 starting with a NUL, which the binary test below refuses
    utf32 = data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"))
    if utf32 or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        label = "UTF-32" if utf32 else "UTF-16"
        for codec in ("utf-32", "utf-16") if utf32 else ("utf-16",):
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise DocumentError(f"{name} is not valid {label} text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"{name} is not UTF-8 text (undecodable byte at position {exc.start}); "
                "save it as UTF-8 and upload it again"
            ) from None
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) in _BINARY_CONTROL)
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise DocumentError(f"{name} looks like a binary file, not text")
    lowered = sample.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        raise DocumentError(f"{name} is an HTML page, not a draft")
    return text


def _too_much_text(name: str, what: str, limit: int, unit: str) -> DocumentError:
    amount = f"{limit / 1e6:g} MB" if unit == "bytes" else f"{limit:,}-character"
    return DocumentError(
        f"{name}: this {what} expands past the {amount} text limit; "
        "send a shorter document (or paste the part to check)"
    )


def _docx_text(data: bytes, name: str, limits: DocumentLimits) -> str:
    if not data.startswith(b"PK\x03\x04"):
        raise DocumentError(f"{name} is not a Word document (.docx files are zip archives)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile:
        raise DocumentError(
            f"{name} is a damaged zip archive, not a readable Word document"
        ) from None
    if "word/document.xml" not in names:
        raise DocumentError(f"{name} is a zip archive but not a Word document")
    _xml_within_cap(data, infos, name, limits.max_expanded_bytes)
    if sum(i.file_size for i in infos) > limits.max_archive_bytes:
        raise DocumentError(
            f"{name}: this Word document expands past {_human(limits.max_archive_bytes)}; "
            "send a smaller document"
        )
    _no_dtd(data, infos, name)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for corrupt files
        raise DocumentError(f"{name} could not be read as a Word document: {exc}") from None
    _check_loaded_parts(document, name)
    parts: list[str] = []
    chars = 0

    def add(text: str) -> None:
        nonlocal chars
        chars += len(text) + 2
        if chars > limits.max_chars:
            raise _too_much_text(name, "Word document", limits.max_chars, "chars")
        parts.append(text)

    for p in document.paragraphs:
        add(p.text)
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                add(" | ".join(cells))
    return "\n\n".join(p for p in (part.strip() for part in parts) if p)


# Formats Word embeds (images, metafiles, embedded packages and OLE objects, PDF): a part that
# starts with one of these is refused by an XML parser at its first byte, whatever its name or
# content type says, so it costs no parsing. Any other part may be XML.
_NOT_XML_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"BM",  # BMP
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"\x01\x00\x00\x00",  # EMF
    b"\xd7\xcd\xc6\x9a",  # WMF (placeable)
    b"\x01\x00\x09\x00",  # WMF
    b"\x02\x00\x09\x00",
    b"RIFF",  # WebP, WAV, AVI
    b"PK\x03\x04",  # an embedded package (a chart's .xlsx)
    b"\xd0\xcf\x11\xe0",  # OLE compound file
    b"%PDF",
)


def _xml_within_cap(data: bytes, infos: list[zipfile.ZipInfo], name: str, cap: int) -> None:
    """The parts python-docx may parse as XML hold at most ``cap`` bytes, decompressed.

    Which parts are XML is decided by ``[Content_Types].xml`` and the relationships, not by
    the names: a main part named ``word/main.dat`` or ``word/DOCUMENT.XML`` is parsed all the
    same, and 48 MB of it (in a 0.2 MB file) once passed a cap that counted ``*.xml`` and
    ``*.rels`` names only. So every part counts, except one whose first bytes are an image or
    embedded-file signature (an XML parser stops at its first byte). zipfile never inflates an
    entry past its declared size (the CRC check fails instead), so the declared sizes bound what
    python-docx can be made to read.
    """
    sized = [i for i in infos if i.file_size > 0 and not i.is_dir()]
    if sum(i.file_size for i in sized) <= cap:
        return
    counted: list[zipfile.ZipInfo] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in sized:
            try:
                with zf.open(info) as part:
                    head = part.read(8)
            except Exception:  # unreadable: counted (python-docx refuses it if it is reached)
                head = b""
            if not head.startswith(_NOT_XML_SIGNATURES):
                counted.append(info)
    total = sum(i.file_size for i in counted)
    if total > cap:
        largest = max(counted, key=lambda i: i.file_size)
        raise DocumentError(
            f"{name}: this Word document expands past the {cap / 1e6:g} MB text limit: its "
            f"XML parts hold {_human(total)} decompressed ({largest.filename}: "
            f"{_human(largest.file_size)}); send a shorter document (or paste the part to check)"
        )


_DTD_REFUSAL = (
    "{name}: {part} declares a DTD (document type definition, <!DOCTYPE …>), which Word never "
    "writes; brandbot does not read those: save the document again from Word or Google Docs"
)
_PROLOG_CHUNK = 65_536


class _DTDFound(Exception):
    pass


class _RootReached(Exception):
    pass


class _PrologTarget:
    """An lxml parser target that stops at the root element's start tag. A DTD can only come
    before it, so the prolog is read whole (any number of comments, processing instructions
    and blank lines, in any encoding libxml2 reads, the same parser python-docx uses) and no
    further."""

    def doctype(self, name: object, pubid: object, system: object) -> None:
        raise _DTDFound

    def start(self, tag: object, attrib: object, nsmap: object = None) -> None:
        raise _RootReached

    def end(self, tag: object) -> None:
        pass

    def data(self, data: object) -> None:
        pass

    def comment(self, text: object) -> None:
        pass

    def pi(self, target: object, data: object = None) -> None:
        pass

    def close(self) -> None:
        return None


def _declares_dtd(part: IO[bytes]) -> bool:
    """Whether this XML part has a ``<!DOCTYPE …>``; ``False`` for anything that is not XML
    (python-docx's parser, the same libxml2, refuses it before any DTD too). Reads in chunks and
    stops at the root element, so a part costs at most its (capped) size and little memory."""
    from lxml import etree  # type: ignore[import-untyped]

    parser = etree.XMLParser(
        target=_PrologTarget(), resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        while chunk := part.read(_PROLOG_CHUNK):
            parser.feed(chunk)
        parser.close()
    except _DTDFound:
        return True
    except (_RootReached, etree.XMLSyntaxError):
        return False
    return False


def _no_dtd(data: bytes, infos: list[zipfile.ZipInfo], name: str) -> None:
    """Word never writes a DTD. One in a part declares entities: an undefined one cut the text
    after it ("host: &x; cheap" was read as "host:", and passed), a defined one could add text
    the writer never sees; either way the document is not what Word shows, so it is refused.

    Every ``*.xml`` / ``*.rels`` part (any case; ``[Content_Types].xml`` and the relationships
    are parsed by python-docx too) is read by an XML parser up to its root element: a prolog of
    any length (comments, processing instructions, blank lines) or encoding (UTF-16 ...) no
    longer hides the DTD. Parts with other names that ``[Content_Types].xml`` routes to the XML
    parser are checked after loading (``_check_loaded_parts``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
                continue
            try:
                with zf.open(info) as part:
                    found = _declares_dtd(part)
            except (
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
                NotImplementedError,
                RuntimeError,
                EOFError,
                OSError,
                zlib.error,
            ):
                raise DocumentError(
                    f"{name}: {info.filename} is damaged or compressed in a way Word never "
                    "uses; save the document again from Word or Google Docs"
                ) from None
            if found:
                raise DocumentError(_DTD_REFUSAL.format(name=name, part=info.filename))


def _check_loaded_parts(document: Any, name: str) -> None:
    """After python-docx has loaded the package: every part it parsed as XML (whatever its name)
    must be free of a DTD, and the main document must hold no entity reference (one would end
    the text of its ``<w:t>`` there, silently). Comments and processing instructions inside the
    body are dropped with their following text kept: python-docx reads a ``<w:t>``'s text only up
    to its first child node, so ``<w:t>host: <!-- x -->cheap</w:t>`` was read as "host:"."""
    from lxml import etree  # type: ignore[import-untyped]

    seen: set[int] = set()
    stack = [rel for rel in document.part.package.rels.values() if not rel.is_external]
    while stack:
        part = stack.pop().target_part
        if id(part) in seen:
            continue
        seen.add(id(part))
        element = getattr(part, "_element", None)
        if element is not None:
            docinfo = element.getroottree().docinfo
            if docinfo.doctype or docinfo.internalDTD is not None:
                raise DocumentError(_DTD_REFUSAL.format(name=name, part=str(part.partname)[1:]))
        stack.extend(rel for rel in part.rels.values() if not rel.is_external)
    root = document.element
    for node in list(root.iter(etree.Entity, etree.Comment, etree.PI)):
        if isinstance(node, etree._Entity):
            raise DocumentError(
                f"{name}: the document uses an entity ({node.text}), which Word never writes; "
                "save the document again from Word or Google Docs"
            )
        _drop_keeping_tail(node)


def _drop_keeping_tail(node: Any) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def _pdf_text(data: bytes, name: str, limits: DocumentLimits) -> str:
    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise DocumentError(f"{name} is not a PDF (no %PDF header)")
    try:
        from pypdf import PdfReader, apply_configuration
        from pypdf.errors import LimitReachedError

        with apply_configuration(
            zlib_maximum_output_length=limits.max_expanded_bytes + 1,
            brotli_maximum_output_length=limits.max_expanded_bytes + 1,
        ):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    ok = bool(reader.decrypt(""))
                except Exception:
                    ok = False
                if not ok:
                    raise DocumentError(f"{name} is a password-protected PDF")
            if len(reader.pages) > limits.max_pages:
                raise DocumentError(
                    f"{name} has {len(reader.pages):,} pages; PDFs over {limits.max_pages:,} "
                    "pages are not reviewed"
                )
            pages: list[str] = []
            expanded = chars = 0
            for page in reader.pages:
                contents = page.get_contents()
                expanded += len(contents.get_data()) if contents is not None else 0
                if expanded > limits.max_expanded_bytes:
                    raise _too_much_text(name, "PDF", limits.max_expanded_bytes, "bytes")
                text = (page.extract_text() or "").strip()
                chars += len(text) + 2
                if chars > limits.max_chars:
                    raise _too_much_text(name, "PDF", limits.max_chars, "chars")
                pages.append(text)
    except DocumentError:
        raise
    except LimitReachedError:
        raise _too_much_text(name, "PDF", limits.max_expanded_bytes, "bytes") from None
    except Exception as exc:  # pypdf raises many types for corrupt files
        raise DocumentError(f"{name} could not be read as a PDF: {exc}") from None
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise DocumentError(f"{name} has no extractable text (a scanned PDF needs OCR first)")
    return text
