"""Issue 8, severe 2: hostile documents are read in a killable worker process, within limits.

Decompression bombs (a PDF stream and a .docx part that inflate to many MB) get a clear
message and never a stall; time and memory are bounded by the worker process; the CLI uses the
same guarded path; and the bot keeps acknowledging other events while a document is read.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bot_scenarios as sc
import hostile_inputs as hi
import pytest
from botkit import GOOD, FakeReviewer, running
from fakeslack.fixtures import fake_slack  # noqa: F401

from analyzers.documents import DocumentError, DocumentLimits, extract_document, read_document
from analyzers.sandbox import SandboxLimit, run_sandboxed

ROOT = Path(__file__).resolve().parents[1]


def test_normal_documents_still_read_through_the_worker() -> None:
    pdf = read_document(hi.text_pdf("Our launch is calm and clear."), "ok.pdf")
    assert "calm and clear" in pdf.text
    doc = read_document(hi.docx(["First paragraph.", "Second one."]), "ok.docx")
    assert doc.text == "First paragraph.\n\nSecond one."


def test_pdf_stream_bomb_gets_a_clear_message() -> None:
    data = hi.inflating_pdf(12_000_000)
    assert len(data) < 100_000  # small on the wire
    with pytest.raises(DocumentError, match=r"this PDF expands past the 10 MB text limit"):
        read_document(data, "bomb.pdf")
    # and in process too (the limit is not just the worker being killed)
    with pytest.raises(DocumentError, match=r"expands past the 10 MB text limit"):
        extract_document(data, "bomb.pdf")


def test_pdf_character_and_page_limits() -> None:
    data = hi.inflating_pdf(400_000)
    with pytest.raises(DocumentError, match=r"expands past the 5,000-character text limit"):
        read_document(data, "long.pdf", limits=DocumentLimits(max_chars=5_000))
    with pytest.raises(DocumentError, match=r"has 1 pages; PDFs over 0 pages"):
        extract_document(hi.text_pdf("Hi there."), "p.pdf", limits=DocumentLimits(max_pages=0))


def test_docx_zip_bomb_gets_a_clear_message() -> None:
    data = hi.docx_bomb(80_000_000)
    assert len(data) < 1_500_000
    with pytest.raises(DocumentError, match=r"this Word document expands past the 10 MB"):
        read_document(data, "bomb.docx")


def test_docx_character_limit() -> None:
    data = hi.docx(["word " * 500] * 10)
    with pytest.raises(DocumentError, match=r"expands past the 1,000-character text limit"):
        read_document(data, "long.docx", limits=DocumentLimits(max_chars=1_000))


def test_a_docx_with_a_dtd_is_refused() -> None:
    """A hostile pass: "<!DOCTYPE …>" declaring an entity in word/document.xml made the text
    after "&x;" vanish ("host: &x; cheap" read as "host:"), and the draft passed."""
    import io
    import zipfile

    plain = hi.docx(["host: cheap"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/document.xml":
                head, rest = body.split(b"?>", 1)
                body = head + b'?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + rest
                body = body.replace(b"host: cheap", b"host: &x; cheap")
            dst.writestr(info, body)
    with pytest.raises(DocumentError, match=r"word/document.xml declares a DTD"):
        read_document(out.getvalue(), "xxe.docx")
    assert read_document(plain, "ok.docx").text == "host: cheap"


def test_slow_extraction_is_killed_at_the_wall_time_limit() -> None:
    # 6 MB of text operators is allowed by the size limits but takes seconds to extract
    data = hi.inflating_pdf(6_000_000)
    limits = DocumentLimits(wall_s=0.3, max_chars=10**9, max_expanded_bytes=10**8)
    with pytest.raises(DocumentError, match=r"slow\.pdf took longer than 0\.3 s to read"):
        read_document(data, "slow.pdf", limits=limits)


def test_sandbox_bounds_memory_and_time() -> None:
    with pytest.raises(SandboxLimit, match=r"needs more than 100 MB of memory"):
        run_sandboxed(bytearray, 2_000_000_000, wall_s=30, memory_bytes=100_000_000)
    with pytest.raises(SandboxLimit, match=r"took longer than 0\.2 s"):
        run_sandboxed(time.sleep, 30, wall_s=0.2, memory_bytes=100_000_000)
    assert run_sandboxed(sum, [1, 2, 3], wall_s=30, memory_bytes=100_000_000) == 6


def test_cli_reports_a_docx_bomb_with_exit_2_not_memoryerror(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(hi.docx_bomb(80_000_000))
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "review", "--no-models", str(bomb)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "expands past the 10 MB text limit" in proc.stderr
    assert "MemoryError" not in proc.stderr and "Traceback" not in proc.stderr


async def test_bot_keeps_acking_while_a_hostile_pdf_is_read(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake = fake_slack
    reviewer = FakeReviewer()
    async with running(fake, tmp_path, "socket", reviewer) as h:
        # ~2 MB of text operators: seconds of pypdf work (it is super-linear on one long page)
        ev = fake.upload_as_user(sc.DRAFTS, "slow.pdf", hi.inflating_pdf(2_000_000), text="")
        await sc.acked(await fake.send_event(ev))
        # the worker is downloading or reading the PDF; other events are still acknowledged,
        # and their drafts reviewed, before the PDF's answer is posted
        await fake.wait_for(lambda: fake.downloads)
        others = []
        for i in range(3):
            msg = fake.post_as_user(sc.DRAFTS, f"{GOOD} Other draft {i}.")
            others.append(msg)
            await sc.acked(await fake.send_event(msg))
        for msg in others:
            await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=msg["ts"], timeout=30)
        assert fake.thread_replies(sc.DRAFTS, ev["ts"]) == []  # still reading the PDF
        await h.idle(60)
        [answer] = await fake.wait_for_messages(sc.DRAFTS, 1, thread_ts=ev["ts"], timeout=60)
        assert "slow.pdf" in sc.all_text(answer)
