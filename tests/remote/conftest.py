"""Fixtures of the hosted-inference tests: the local-only network guard, the fake service
and a suite factory. Nothing here reaches the internet: every connection or DNS lookup for a
host other than 127.0.0.1 / localhost fails the test."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fakehf import TOKEN, FakeHF, FakeHFThread
from model_fakes import FakePredictor

from analyzers.models.pipelines import ModelSettings
from analyzers.models.suite import EmbeddedModelSuite
from analyzers.remote.config import RemoteConfig, RemoteTarget
from analyzers.remote.suite import RemoteModelSuite, load_remote_suite

LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Connections and lookups only for 127.0.0.1 / localhost; anything else fails the test."""
    import huggingface_hub.constants

    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in LOCAL_HOSTS:
            attempts.append(repr(address))
            raise OSError("network access outside 127.0.0.1 attempted during tests")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOCAL_HOSTS and name is not None:
            attempts.append(f"lookup {name}")
            raise OSError(f"DNS lookup of {name} attempted during tests")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # conftest forces the Hub offline; the fake is local, so let huggingface_hub talk to it
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    yield attempts
    assert attempts == [], f"network access attempted: {attempts}"


@pytest.fixture
def fake(local_network_only: list[str]) -> Iterator[FakeHF]:
    with FakeHFThread() as server:
        yield server


@dataclass
class Made:
    suite: RemoteModelSuite
    predictor: FakePredictor
    waits: list[float] = field(default_factory=list)


@pytest.fixture
def make(fake: FakeHF) -> Iterator[Callable[..., Made]]:
    """``make(sentiment="router:acme/sentiment-3", **config)`` -> a suite against the fake,
    whose retry waits are recorded and skipped (no test sleeps for a Retry-After).
    ``safety=["router:acme/offensive", ...]`` lists the hosted safety models."""
    made: list[Made] = []

    def build(**kwargs: Any) -> Made:
        targets = {}
        for analysis in ("sentiment", "entities", "tone"):
            spec = kwargs.pop(analysis, None)
            if spec is not None:
                targets[analysis] = target(fake, spec)
        safety = tuple(target(fake, spec) for spec in kwargs.pop("safety", ()))
        if safety:
            kwargs["safety"] = safety
            kwargs.setdefault("safety_labels", tuple({} for _ in safety))
        kwargs.setdefault("token", TOKEN)
        config = RemoteConfig(
            targets=targets, base_url=fake.base_url, hub_url=fake.base_url, **kwargs
        )
        predictor = FakePredictor()
        suite = load_remote_suite(
            ModelSettings(hf_token=None), config, local=EmbeddedModelSuite(predictor)
        )
        result = Made(suite, predictor)

        async def no_wait(seconds: float) -> None:
            result.waits.append(seconds)
            await asyncio.sleep(0)

        suite.transport.sleep = no_wait
        made.append(result)
        return result

    yield build
    for m in made:
        m.suite.close()


def target(fake: FakeHF, spec: str) -> RemoteTarget:
    """``router:acme/x``, ``endpoint:acme/x``, ``tei:acme/x`` (``@localhost`` for a host that
    differs from the router's) -> a target on the fake."""
    kind, _, rest = spec.partition(":")
    model, _, host = rest.partition("@")
    base = fake.base_url.replace("127.0.0.1", host) if host else fake.base_url
    if kind == "router":
        return RemoteTarget("router", model)
    if kind == "endpoint":
        return RemoteTarget("endpoint", f"{base}/endpoint/{model}")
    return RemoteTarget("tei", f"{base}/tei/{model}")
