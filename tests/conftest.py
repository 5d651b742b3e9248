"""Shared fixtures. Nothing here may touch the network: the Hub is forced offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from pathlib import Path

import pytest

from analyzers.paths import shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder (or $BRANDBOT_SHARED); skips the test with a reason when absent."""
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared material not found at {path} (set BRANDBOT_SHARED to its location)")
    return path
