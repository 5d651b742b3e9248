"""`brandbot review` uses a running `brandbot serve` on this machine: a unix socket only this
user can open, used only when the server has the same guide file and models."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from analyzers import Draft, Review, Reviewer, default_guide_path, load_guide
from analyzers.cli import review_cmd
from analyzers.local_review import LocalReviewClient, LocalReviewError
from bot.cli import main
from bot.local_review import local_review_app, start_local_review, stop_local_review


class Server:
    """The endpoint of serve, in a thread with its own event loop."""

    def __init__(self, sock: Path, guide_path: Path, *, models_loaded: bool = True) -> None:
        self.sock = sock
        self.calls: list[int] = []
        self.reviewer = Reviewer(load_guide(guide_path), None, models_status="served")
        self.guide_path = guide_path
        self.models_loaded = models_loaded
        self.loop = asyncio.new_event_loop()
        self.runner: Any = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _review(self, drafts: Sequence[Draft], profile: str | None) -> list[Review]:
        self.calls.append(len(drafts))
        return self.reviewer.review(drafts, profile=profile)

    def __enter__(self) -> Server:
        self.thread.start()
        app = local_review_app(
            self._review,
            guide_path=self.guide_path,
            models="models: fake (served)",
            models_loaded=self.models_loaded,
            profiles=sorted(self.reviewer.guide.profiles),
        )
        self.runner = asyncio.run_coroutine_threadsafe(
            start_local_review(app, self.sock), self.loop
        ).result(10)
        assert self.runner is not None
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(
            stop_local_review(self.runner, self.sock), self.loop
        ).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def sock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "run" / "review.sock"
    monkeypatch.setenv("BRANDBOT_LOCAL_SOCKET", str(path))
    monkeypatch.delenv("BRANDBOT_GUIDE", raising=False)
    yield path


@pytest.fixture
def local_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake_load() -> tuple[None, str]:
        calls.append(1)
        return None, "rules only: (test) models not loaded"

    monkeypatch.setattr(review_cmd, "load_models_or_reason", fake_load)
    return calls


def test_review_uses_the_running_serve_instead_of_loading_models(
    sock: Path, local_loads: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with Server(sock, default_guide_path()) as server:
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600
        assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
        code = main(["review", "--format", "json", "Our lumasync app.", "A second lumasync note."])
        data = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert local_loads == []  # no model loading in the CLI
    assert server.calls == [2]  # both drafts in one request
    assert "via brandbot serve" in data["models"]
    assert all(
        any(f["rule_id"] == "Brand.Products" for f in r["findings"]) for r in data["reviews"]
    )


def test_a_different_guide_or_no_server_means_local_models(
    sock: Path, local_loads: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "guide.yaml"
    other.write_text("name: Other\nversion: 1\n", encoding="utf-8")
    with Server(sock, default_guide_path()) as server:
        main(["review", "--guide", str(other), "Our lumasync app."])
        main(["review", "--no-server", "Our lumasync app."])
    capsys.readouterr()
    assert server.calls == [] and local_loads == [1, 1]
    main(["review", "Our lumasync app."])  # nothing listens any more
    assert local_loads == [1, 1, 1]


def test_a_server_without_models_is_not_used(
    sock: Path, local_loads: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with Server(sock, default_guide_path(), models_loaded=False) as server:
        main(["review", "Our lumasync app."])
    capsys.readouterr()
    assert server.calls == [] and local_loads == [1]


def test_other_users_and_bad_requests_are_refused(
    sock: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Server(sock, default_guide_path()) as server:
        client = LocalReviewClient(sock, timeout=10)
        assert client.status()["models_loaded"] is True
        import http.client
        import socket

        conn = http.client.HTTPConnection("localhost")
        conn.sock = socket.socket(socket.AF_UNIX)
        conn.sock.connect(str(sock))
        conn.request("POST", "/v1/review", body=b"[1, 2", headers={"Content-Type": "x"})
        bad = conn.getresponse()
        assert bad.status == 400 and "error" in json.loads(bad.read())
        conn.close()
        with pytest.raises(LocalReviewError, match="400"):
            client.review([Draft("x")], "no-such-profile")
        monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 4242)  # "another user"
        with pytest.raises(LocalReviewError, match="403"):
            client.status()
    assert server.calls == []
    assert not sock.exists()  # removed on stop
