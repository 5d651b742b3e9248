"""Accepted guide changes: the file stays valid and as written, a backup is kept, a change that
would break the guide (or a file changed meanwhile) leaves it untouched; the guide's
``accepted`` words are exceptions to its word rules."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from analyzers import Draft, Reviewer, Severity, default_guide_path, load_guide
from bot import guide_file
from bot.guide_file import GuideEditError, apply_change, describe_entry, suggestion_kind


@pytest.fixture
def guide(tmp_path: Path) -> Path:
    folder = tmp_path / "g"
    shutil.copytree(Path(default_guide_path()).parent, folder)
    return folder / "brand-guide.yaml"


def test_lower_severity_keeps_the_file_as_written(guide: Path) -> None:
    before = guide.read_text()
    assert suggestion_kind(guide, "cheap") == "lower_severity"
    assert describe_entry(guide, "Cheap") == "banned, error → warning"
    edit = apply_change(guide, "lower_severity", "cheap")
    after = guide.read_text()
    assert edit.summary == "lowered “cheap” in banned from error to warning"
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert [d for d in diff if d.startswith(("+ ", "- "))] == ["+     severity: warning"]
    assert edit.backup.read_text() == before and edit.before_sha256 != edit.after_sha256
    [cheap] = [b for b in load_guide(guide).banned if b.term == "cheap"]
    assert cheap.severity is Severity.WARNING
    # again: warning -> suggestion, then it is the lowest
    apply_change(guide, "lower_severity", "cheap")
    assert suggestion_kind(guide, "cheap") == "accept_term"
    with pytest.raises(GuideEditError, match="lowest severity"):
        apply_change(guide, "lower_severity", "cheap")
    # preferred variants and competitors are found too; regex entries are not
    assert describe_entry(guide, "utilize") == "preferred, warning → suggestion"
    assert suggestion_kind(guide, "setup") == "accept_term"


def test_accept_term_adds_the_word_and_the_reviewer_honours_it(guide: Path) -> None:
    draft = Draft("Our team ships a zorblat update with real synergy for every customer today.")
    before = Reviewer(load_guide(guide), None).review([draft])[0]
    assert {"zorblat", "synergy"} <= {f.matched.lower() for f in before.findings}
    apply_change(guide, "accept_term", "zorblat")
    apply_change(guide, "accept_term", "synergy")
    with pytest.raises(GuideEditError, match="already"):
        apply_change(guide, "accept_term", "Synergy")
    loaded = load_guide(guide)
    assert loaded.accepted == ("zorblat", "synergy")
    after = Reviewer(loaded, None).review([draft])[0]
    assert not {"zorblat", "synergy"} & {f.matched.lower() for f in after.findings}
    # reloading into a running reviewer (no restart) has the same effect
    running = Reviewer(load_guide(default_guide_path()), None)
    running.review([draft])
    running.replace_guide(loaded)
    assert running.review([draft])[0].findings == after.findings


def test_a_change_that_would_break_the_guide_is_refused(guide: Path) -> None:
    guide.write_text(guide.read_text() + "\naccepted: nope\n")
    before = guide.read_bytes()
    with pytest.raises(GuideEditError, match="not a list"):
        apply_change(guide, "accept_term", "zorblat")
    assert guide.read_bytes() == before
    with pytest.raises(GuideEditError, match="1 to 100"):
        apply_change(guide, "accept_term", "x" * 101)
    assert list(guide.parent.glob("*.tmp")) == [] and list(guide.parent.glob("*.bak")) == []


def test_an_invalid_result_or_a_concurrent_edit_leaves_the_file(
    guide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = guide.read_bytes()
    # the written file fails validation (a vocabulary folder the temp file cannot see)
    (guide.parent / "vocabularies").rename(guide.parent / "elsewhere")
    with pytest.raises(GuideEditError, match="would not be valid"):
        apply_change(guide, "accept_term", "zorblat")
    assert guide.read_bytes() == before
    (guide.parent / "elsewhere").rename(guide.parent / "vocabularies")

    real = guide_file.load_guide

    def edit_meanwhile(path: Path) -> object:
        guide.write_text(guide.read_text() + "\n# someone else's edit\n")
        return real(path)

    monkeypatch.setattr(guide_file, "load_guide", edit_meanwhile)
    with pytest.raises(GuideEditError, match="changed on disk"):
        apply_change(guide, "accept_term", "zorblat")
    assert guide.read_text().endswith("# someone else's edit\n")
    assert "zorblat" not in guide.read_text()
    assert list(guide.parent.glob("*.tmp")) == []


def test_the_guide_names_approvers(guide: Path) -> None:
    from analyzers import GuideError

    guide.write_text(guide.read_text() + "\napprovers: [U0MAYA, W0LEAD]\n")
    assert load_guide(guide).approvers == ("U0MAYA", "W0LEAD")
    guide.write_text(guide.read_text().replace("W0LEAD", "maya@example.com"))
    with pytest.raises(GuideError, match="not a Slack user id"):
        load_guide(guide)
