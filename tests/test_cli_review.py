"""`brandbot review` through the real entry point (in-process and as a console script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analyzers.paths import REPO_ROOT
from bot.cli import main

DRAFTS = REPO_ROOT / "examples" / "drafts"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", "--no-models", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_argument_reviewed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "Our new lumasync app lets you login fast.")
    assert code == 0, err
    assert "Brand.Products" in out and "LumaSync" in out
    assert "sign in" in out


def test_json_output_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    from analyzers.types import Review

    code, out, _ = run(capsys, "--format", "json", "Our revolutionary lumasync app.")
    data = json.loads(out)
    review = Review.from_dict({k: v for k, v in data["reviews"][0].items() if k != "input"})
    assert {f.rule_id for f in review.findings} >= {"Brand.Products"}
    assert review.skipped["tone"].startswith("rules only")
    assert data["errors"] == []
    assert code in (0, 1)


def test_directory_reviews_every_draft(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--format", "json", str(DRAFTS))
    data = json.loads(out)
    assert len(data["reviews"]) == len([p for p in DRAFTS.iterdir() if p.is_file()])
    verdicts = {r["input"].split("/")[-1]: r["verdict"] for r in data["reviews"]}
    assert any(v == "pass" for v in verdicts.values())
    assert any(v != "pass" for v in verdicts.values())
    assert code in (0, 1)


def test_summary_says_tone_and_sentiment_were_off_with_no_models(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, str(DRAFTS))
    summary = out.strip().splitlines()[-1]
    assert summary.endswith(" · tone and sentiment off (--no-models)"), summary
    assert "not reviewed for tone and sentiment" not in summary


def test_summary_counts_drafts_not_reviewed_only_when_there_are_some() -> None:
    from rich.console import Console

    from analyzers.cli.report import print_summary
    from analyzers.types import Draft, Review, Verdict

    def review(verdict: Verdict) -> Review:
        return Review(Draft("x"), findings=(), category_scores={}, score=90.0, verdict=verdict)

    out = Console(record=True, width=200)
    print_summary(out, [review(Verdict.PASS), review(Verdict.PASS)])
    print_summary(out, [review(Verdict.PASS), review(Verdict.NOT_REVIEWED)])
    first, second = out.export_text().splitlines()
    assert first.endswith("2 pass · 0 needs work · 0 fail")
    assert second.endswith("1 pass · 0 needs work · 0 fail · 1 not reviewed for tone and sentiment")


def test_fail_under_sets_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    bad = "Our revolutionary lumasync app is the best!!!"  # scores 58 with rules only
    code, _, err = run(capsys, "--fail-under", "99", "A plain sentence about LumaSync.", bad)
    assert code == 1
    [line] = [ln for ln in err.splitlines() if "--fail-under" in ln]
    assert line.startswith("brandbot review: exit 1: 1 draft under --fail-under 99: ")
    assert "revolutionary" in line and "plain sentence" not in line
    code, _, err = run(capsys, "--fail-under", "10", "A plain sentence about LumaSync.")
    assert code == 0 and "--fail-under" not in err


@pytest.mark.parametrize("value", ["150", "-1", "101", "nan", "inf", "high"])
def test_fail_under_outside_0_to_100_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["review", "--no-models", "--fail-under", value, "A plain sentence."])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --fail-under: '{value}' is not a score from 0 to 100" in err


def test_bad_inputs_get_one_line_errors_and_the_rest_is_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.md"
    good.write_text("Our lumasync app is here.", encoding="utf-8")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"word " * 1_000_000)  # 5 MB
    nodir = tmp_path / "nothing-here"
    nodir.mkdir()
    (nodir / "data.bin").write_bytes(b"\x00\x01")
    args = [str(p) for p in (good, binary, latin, empty, huge, nodir)]
    code, out, err = run(capsys, *args, str(tmp_path / "missing.md"))
    assert code == 2
    assert "Brand.Products" in out  # the good file was still reviewed
    # notes about the guide (an optional style missing where ../shared is absent) are not errors
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note:")]
    assert len(lines) == 6, err
    assert "Traceback" not in err
    expected = {
        "image.txt": "binary",
        "latin.txt": "not valid UTF-8",
        "empty.md": "empty draft",
        "huge.txt": "5.0 MB is over",
        "nothing-here": "no text files found",
        "missing.md": "no such file",
    }
    for name, words in expected.items():
        assert any(name in line and words in line for line in lines), (name, err)


def test_guide_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "guide.yaml"
    broken.write_text("name: X\nvoice:\n  formalty: 0.5\n", encoding="utf-8")
    code, _, err = run(capsys, "--guide", str(broken), "Some text here.")
    assert code == 2
    assert "guide.yaml" in err and "formalty" in err
    assert "Traceback" not in err


def test_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--profile", "nope", "Some text here.")
    assert code == 2 and "nope" in err


def test_stdin_with_markdown(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    class FakeStdin:
        buffer = io.BytesIO(b"# Title\n\nOur **lumasync** app.\n")

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    code, out, _ = run(capsys, "--format", "json", "--input-format", "markdown", "-")
    review = json.loads(out)["reviews"][0]
    f = next(f for f in review["findings"] if f["rule_id"] == "Brand.Products")
    assert review["draft"]["text"][f["span"]["start"] : f["span"]["end"]] == "lumasync"
    assert code in (0, 1)


def test_stdin_is_read_no_further_than_the_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """800 MB piped in took 844 MB of memory (3 GB: a MemoryError traceback) before the limit
    was checked."""
    import io

    asked: list[int] = []

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            b[:] = b"a" * len(b)
            return len(b)

        def read(self, size: int = -1) -> bytes:
            assert size > 0, "stdin read without a limit"
            asked.append(size)
            return b"a" * size

    class FakeStdin:
        buffer = Endless()

    monkeypatch.setattr(sys, "stdin", FakeStdin)
    code, _, err = run(capsys, "--max-bytes", "1000", "-")
    assert code == 2 and "over the" in err and "limit" in err
    assert asked == [1001]


def test_lines_are_counted_at_every_line_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with CR-only line ends reported its findings on line 1."""
    for name, brk in (("cr.txt", "\r"), ("crlf.txt", "\r\n")):
        (tmp_path / name).write_bytes(f"Intro.{brk}{brk}Our lumasync app.{brk}".encode())
        _, out, _ = run(capsys, str(tmp_path / name))
        assert f"{name}:3:5:" in out, out
        assert "3 │ Our lumasync app." in out


def test_console_script_entry_point() -> None:
    exe = Path(sys.executable).parent / "brandbot"
    if not exe.exists():
        pytest.skip("brandbot console script not installed in this environment")
    proc = subprocess.run(
        [str(exe), "review", "--no-models", "Our lumasync app."],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "LumaSync" in proc.stdout


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("brandbot ")
