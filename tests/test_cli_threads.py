"""`brandbot eval` and `brandbot review` run the models on the engine's default_threads()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

import analyzers.engine as engine
from bot.cli import main


@pytest.fixture
def three_cpus(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(engine, "usable_cpus", lambda: 3)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    yield engine.default_threads()  # type: ignore[misc]
    torch.set_num_threads(before)


def test_eval_uses_default_threads(
    three_cpus: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analyzers.models.predictor as predictor

    seen: list[int] = []

    def fake_load(**_: Any) -> None:
        seen.append(torch.get_num_threads())
        raise predictor.ModelLoadError("stop here")

    monkeypatch.setattr(predictor, "load_embedded_predictor", fake_load)
    data = tmp_path / "d.tsv"
    data.write_text("label\ttext\npositive\tgood\n", encoding="utf-8")
    assert main(["eval", "--task", "sst2", "--data", str(data)]) == 1
    assert seen == [three_cpus] == [2]


def test_review_loads_models_with_default_threads(
    three_cpus: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analyzers.models.pipelines as pipelines

    seen: list[int | None] = []

    def fake_load(settings: pipelines.ModelSettings, **_: Any) -> None:
        seen.append(settings.threads)
        raise pipelines.ModelLoadError("stop here")

    monkeypatch.setattr(pipelines, "load_models", fake_load)
    assert main(["review", "Some text about LumaSync."]) in (0, 1)
    assert seen == [three_cpus]


def test_serve_without_the_engine_loads_models_with_default_threads(
    three_cpus: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analyzers
    from bot.serve_cmd import load_models
    from bot.settings import Settings

    seen: list[int | None] = []

    def fake_load(settings: Any) -> None:
        seen.append(settings.threads)
        raise RuntimeError("stop here")

    monkeypatch.setattr(analyzers, "load_models", fake_load)
    settings = Settings.from_env(
        {"BRANDBOT_MODELS": "auto", "BRANDBOT_SENTIMENT_MODEL": "some/model"},
        dotenv_path=None,
        require_tokens=False,
    )
    suite, status = load_models(settings)
    assert suite is None and "failed to load" in status
    assert seen == [three_cpus]


def test_the_console_path_exits_fast_without_losing_output(tmp_path: Path) -> None:
    """`python -m bot.cli review` with models ends with os._exit after flushing (the teardown
    of torch costs seconds; bench/cli_start.py): the JSON must be whole and the code right."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    drafts = [f"Our lumasync app, note {i}." for i in range(30)]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "review",
            "--format",
            "json",
            "--fail-under",
            "100",  # every draft misspells LumaSync: each scores under 100
            "--no-server",
            *drafts,
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["reviews"]) == 30
    assert data["models"].startswith("models:"), data["models"]
