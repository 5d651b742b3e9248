"""What ``brandbot review`` reads: text arguments, files, folders and stdin, as drafts.

How an argument is read (also in ``brandbot review --help``):

- ``-`` is stdin;
- an argument that names an existing file or folder is that file or folder;
- an argument that looks like a path (one short word with ``/`` or ``\\`` or a known suffix,
  no spaces or line breaks) but does not exist is an error, not a draft;
- anything else is the draft's text. An empty (or blank) argument is an error: "empty draft".

Text is never handed to the file system unless it could be a path: a paragraph over the file
system's name limit is text, not an ``OSError``.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzers.types import Draft, SourceFormat

TEXT_SUFFIXES = {
    ".md": SourceFormat.MARKDOWN,
    ".markdown": SourceFormat.MARKDOWN,
    ".html": SourceFormat.HTML,
    ".htm": SourceFormat.HTML,
}
MRKDWN_SUFFIXES = (".mrkdwn", ".mrkdwn.txt", ".slack", ".slack.txt")
PLAIN_SUFFIXES = (".txt", ".text")
DOCUMENT_SUFFIXES = (".docx", ".pdf")
PATH_SUFFIXES = {
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".txt",
    ".text",
    ".mrkdwn",
    ".slack",
    ".docx",
    ".pdf",
}
MAX_BYTES = 2_000_000
# longest argument still tried as a path (Linux PATH_MAX); a longer one is always text
MAX_PATH_CHARS = 4096
# folders a walk never enters besides hidden ones (.git, .venv, .pytest_cache, ...)
SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "venv", "site-packages", "dist-packages", "bower_components"}
)

HOW_ARGUMENTS_ARE_READ = (
    "Each argument is read as: '-' = stdin; an existing file or folder = that file or folder "
    "(folders are walked, skipping hidden and tool folders such as .git, .venv, node_modules); "
    "a single word that looks like a path (has / or \\ or ends in .md, .txt, .docx, .pdf ...) "
    "but does not exist = an error; anything else = the text of a draft. "
    "An empty argument is an error."
)


class InputError(Exception):
    """An input that cannot be reviewed; the message is one line meant for the user."""


@dataclass(frozen=True)
class Source:
    """One draft to review. ``label`` names it in headers and JSON; ``location`` prefixes
    ``line:col`` in findings (the file's path, ``<stdin>`` or ``<text>``)."""

    label: str
    draft: Draft
    location: str = ""


def collect(
    inputs: Sequence[str], input_format: str | None, max_bytes: int
) -> tuple[list[Source], list[tuple[str, str]]]:
    """Every reviewable draft in ``inputs``, and one ``(input, message)`` per input that could
    not be read (a bad file inside a folder is reported on its own; the walk goes on)."""
    sources: list[Source] = []
    errors: list[tuple[str, str]] = []
    fmt = SourceFormat(input_format) if input_format else None
    for arg in inputs:
        try:
            for item in expand(arg, fmt, max_bytes):
                if isinstance(item, Source):
                    sources.append(item)
                else:
                    errors.append(item)
        except InputError as exc:
            errors.append((_arg_label(arg), str(exc)))
    return sources, errors


def error_line(label: str, message: str) -> str:
    """One line for an input that could not be read: ``label: message``, or the message alone
    when it already names the input (a document's errors start with its path)."""
    if message.startswith((label + " ", label + ":")):
        return message
    return f"{label}: {message}"


def _arg_label(arg: str) -> str:
    return _preview(arg) if classify(arg) == "text" else arg or '""'


def classify(arg: str) -> str:
    """``"stdin"``, ``"path"`` (exists), ``"missing"`` (looks like a path, does not exist),
    ``"empty"`` or ``"text"``."""
    if arg == "-":
        return "stdin"
    if not arg.strip():
        return "empty"
    if _could_be_path(arg) and _exists(arg):
        return "path"
    if _looks_like_path(arg):
        return "missing"
    return "text"


def _could_be_path(arg: str) -> bool:
    return len(arg) <= MAX_PATH_CHARS and "\n" not in arg and "\x00" not in arg


def _exists(arg: str) -> bool:
    try:
        os.stat(arg)
    except (OSError, ValueError):  # ENAMETOOLONG, ENOENT, EACCES, embedded NUL ...
        return False
    return True


def _looks_like_path(arg: str) -> bool:
    if any(c.isspace() for c in arg) or len(arg) > 255:
        return False
    return "/" in arg or "\\" in arg or Path(arg).suffix.lower() in PATH_SUFFIXES


def expand(
    arg: str, fmt: SourceFormat | None, max_bytes: int
) -> Iterator[Source | tuple[str, str]]:
    kind = classify(arg)
    if kind == "empty":
        raise InputError("empty draft: nothing to review")
    if kind == "stdin":
        data = sys.stdin.buffer.read(max_bytes + 1)  # never more than the limit in memory
        if len(data) > max_bytes:
            raise InputError(f"over the {max_bytes / 1e6:.0f} MB limit for one draft")
        draft = Draft(decode(data, max_bytes), "stdin", fmt or SourceFormat.PLAIN)
        yield Source("<stdin>", draft, "<stdin>")
        return
    if kind == "missing":
        raise InputError("no such file or directory")
    if kind == "text":
        yield Source(_preview(arg), Draft(arg, None, fmt or SourceFormat.PLAIN), "<text>")
        return
    path = Path(arg)
    if path.is_dir():
        yield from _walk(path, fmt, max_bytes)
        return
    if not path.is_file():
        raise InputError("not a regular file")
    yield read_file(path, fmt, max_bytes)


def _walk(
    root: Path, fmt: SourceFormat | None, max_bytes: int
) -> Iterator[Source | tuple[str, str]]:
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        files.extend(Path(folder) / n for n in names if reviewable(n))
    if not files:
        raise InputError(
            "no text files found (looked for .md, .markdown, .txt, .mrkdwn, .docx, .pdf)"
        )
    for f in sorted(files):
        try:
            yield read_file(f, fmt, max_bytes)
        except InputError as exc:
            yield (str(f), str(exc))


def skipped_dir(name: str) -> bool:
    """Hidden folders (.git, .venv, .pytest_cache, ...) and tool folders are never walked."""
    return name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info")


def reviewable(name: str) -> bool:
    lower = name.lower()
    if lower.startswith("."):
        return False
    return lower.endswith(
        tuple(TEXT_SUFFIXES) + MRKDWN_SUFFIXES + PLAIN_SUFFIXES + DOCUMENT_SUFFIXES
    )


def format_for(path: Path) -> SourceFormat:
    name = path.name.lower()
    if name.endswith(MRKDWN_SUFFIXES):
        return SourceFormat.MRKDWN
    return TEXT_SUFFIXES.get(path.suffix.lower(), SourceFormat.PLAIN)


def read_file(path: Path, fmt: SourceFormat | None, max_bytes: int) -> Source:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(_too_big(size, max_bytes))
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    label = str(path)
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        return Source(label, _extract_document(data, path.name, label, max_bytes), label)
    draft = Draft(decode(data, max_bytes), label, fmt or format_for(path))
    return Source(label, draft, label)


def _too_big(size: int, max_bytes: int) -> str:
    return f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit for one draft"


def _extract_document(data: bytes, name: str, label: str, max_bytes: int) -> Draft:
    from analyzers.documents import DocumentError, DocumentLimits, read_document

    try:
        # the same guarded path as the bot: a killable worker process with limits
        draft = read_document(data, name, limits=DocumentLimits(max_bytes=max_bytes))
    except DocumentError as exc:
        # its message starts with the file name (for the bot's reply): here the file is named
        # by the path it was given as, once (``error_line``), not "x.docx: x.docx is ..."
        message = str(exc)
        if message.startswith(name):
            message = label + message[len(name) :]
        raise InputError(message) from None
    if not draft.text.strip():
        raise InputError("empty draft: the document holds no text")
    return draft


# byte order marks, longest first (a UTF-32-LE mark starts with the UTF-16-LE one), with the
# codecs to try: FF FE 00 00 that is not valid UTF-32 is UTF-16 starting with a NUL (binary)
_BOMS: tuple[tuple[bytes, tuple[str, ...], str], ...] = (
    (codecs.BOM_UTF32_LE, ("utf-32", "utf-16"), "UTF-32"),
    (codecs.BOM_UTF32_BE, ("utf-32",), "UTF-32"),
    (codecs.BOM_UTF16_LE, ("utf-16",), "UTF-16"),
    (codecs.BOM_UTF16_BE, ("utf-16",), "UTF-16"),
)
_BINARY_CONTROL = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) - {0x1B}
_SAMPLE_CHARS = 8192


def decode(data: bytes, max_bytes: int) -> str:
    """The draft's text: UTF-32 or UTF-16 with a byte order mark, else UTF-8 (a UTF-8 mark is
    dropped). Raises ``InputError`` for binary data (NULs or many control characters, also
    after a byte order mark), text that does not decode, and blank text."""
    if len(data) > max_bytes:
        raise InputError(_too_big(len(data), max_bytes))
    for bom, codecs_to_try, label in _BOMS:
        if data.startswith(bom):
            text = _decode_first(data, codecs_to_try)
            if text is None:
                raise InputError(f"not valid {label} (it starts with a {label} byte order mark)")
            _refuse_binary(text)
            break
    else:
        if b"\x00" in data[:_SAMPLE_CHARS]:
            raise InputError("looks like a binary file, not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(
                f"not valid UTF-8 (line {line}, byte 0x{data[exc.start]:02x}); "
                "save the file as UTF-8"
            ) from None
    if not text.strip():
        raise InputError("empty draft: nothing to review")
    return text


def _decode_first(data: bytes, codecs_to_try: tuple[str, ...]) -> str | None:
    for codec in codecs_to_try:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def _refuse_binary(text: str) -> None:
    """The decoded text's head holds a NUL or more control characters than real text has: a
    byte order mark in front of binary data, or text in another encoding (UTF-32 read as
    UTF-16 is NUL-interleaved)."""
    sample = text[:_SAMPLE_CHARS]
    controls = sum(1 for ch in sample if ord(ch) in _BINARY_CONTROL)
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise InputError("looks like a binary file, not text")


def _preview(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return f"“{flat[:width]}…”" if len(flat) > width else f"“{flat}”"
