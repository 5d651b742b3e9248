"""The three kinds of hosted service, behind one interface.

* :class:`HubService` — ``huggingface_hub``'s ``AsyncInferenceClient``, for the Inference
  Providers router and for Inference Endpoints on Hugging Face hosts. It is always given a URL
  (the router URL is built from the model id once, at start), so the client never makes its
  blocking Hub lookup inside an async call, and it is given our token explicitly.
* :class:`HttpService` — the same serverless request format over aiohttp, for endpoints on
  other hosts: no token is sent there (the client would otherwise fall back to the ambient
  ``HF_TOKEN``).
* :class:`TeiService` — text-embeddings-inference ``/predict``: a batch of single sentences is
  ``[["a"], ["b"]]`` (``["a", "b"]`` would be one sentence pair), every label's score comes back.

Every result is validated; a wrong shape raises ``RemoteUnavailable("malformed response: …")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp

from analyzers.remote.transport import HttpStatusError, RemoteUnavailable, as_list

Scores = list[tuple[str, float]]
TokenHit = dict[str, Any]  # label, score, start, end
ALL_LABELS = 100  # top_k asking for every label's score (services return fewer when fewer)


class Service(Protocol):
    batch_size: int

    async def classify(self, texts: Sequence[str]) -> list[Scores]: ...
    async def tokens(self, text: str) -> list[TokenHit]: ...
    async def zero_shot(self, text: str, labels: Sequence[str], template: str) -> Scores: ...
    async def aclose(self) -> None: ...


def _scores(row: Any) -> Scores:
    out: Scores = []
    for item in as_list(row, "a classification"):
        label = item.get("label") if isinstance(item, dict) else getattr(item, "label", None)
        score = item.get("score") if isinstance(item, dict) else getattr(item, "score", None)
        if not isinstance(label, str) or not isinstance(score, int | float):
            raise RemoteUnavailable("malformed response: a label without a score")
        out.append((label, float(score)))
    return out


def _token_hits(rows: Any) -> list[TokenHit]:
    out: list[TokenHit] = []
    for item in as_list(rows, "token classification"):
        get = item.get if isinstance(item, dict) else (lambda k, i=item: getattr(i, k, None))
        label = get("entity_group") or get("entity")
        start, end, score = get("start"), get("end"), get("score")
        if not isinstance(label, str) or not isinstance(score, int | float):
            raise RemoteUnavailable("malformed response: an entity without label or score")
        if not isinstance(start, int) or not isinstance(end, int):
            raise RemoteUnavailable(
                "malformed response: entities need character offsets (start/end)"
            )
        out.append({"label": label, "score": float(score), "start": start, "end": end})
    return out


def _zero_shot(data: Any) -> Scores:
    if isinstance(data, dict) and "labels" in data:  # the older serverless shape
        labels, scores = as_list(data["labels"], "labels"), as_list(data["scores"], "scores")
        if len(labels) != len(scores):
            raise RemoteUnavailable("malformed response: labels and scores differ in length")
        return [(str(lab), float(s)) for lab, s in zip(labels, scores, strict=True)]
    return _scores(data)


def _no_registry_fetch() -> None:
    """huggingface_hub (2.x) fetches an "agent harnesses" list from huggingface.co the first
    time it builds request headers. brandbot talks only to the hosts it is configured for, so
    that lookup is answered with the library's own empty registry instead."""
    try:
        from huggingface_hub.utils import _detect_agent
    except ImportError:
        return
    if getattr(_detect_agent, "_registry", "") is None and hasattr(
        _detect_agent, "_EMPTY_REGISTRY"
    ):
        _detect_agent._registry = _detect_agent._EMPTY_REGISTRY


class HubService:
    batch_size = 1  # the serverless API takes one input per call

    def __init__(self, url: str, token: str | None, timeout_s: float) -> None:
        from huggingface_hub import AsyncInferenceClient

        _no_registry_fetch()

        self.url = url
        self.client = AsyncInferenceClient(
            model=url, provider="hf-inference", token=token, timeout=timeout_s
        )

    async def classify(self, texts: Sequence[str]) -> list[Scores]:
        out = []
        for text in texts:
            rows = await self.client.text_classification(text, top_k=ALL_LABELS)
            out.append(_scores(rows))
        return out

    async def tokens(self, text: str) -> list[TokenHit]:
        rows = await self.client.token_classification(text, aggregation_strategy="simple")
        return _token_hits(rows)

    async def zero_shot(self, text: str, labels: Sequence[str], template: str) -> Scores:
        rows = await self.client.zero_shot_classification(
            text, list(labels), multi_label=True, hypothesis_template=template
        )
        return _zero_shot(rows)

    async def aclose(self) -> None:
        await self.client.close()  # type: ignore[no-untyped-call]


class _AiohttpService:
    def __init__(self, url: str, token: str | None, timeout_s: float) -> None:
        self.url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, url: str, payload: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        async with self._session.post(url, json=payload) as resp:
            body = await resp.text()
            if resp.status >= 400:
                raise HttpStatusError(resp.status, dict(resp.headers), body)
        try:
            import json

            return json.loads(body)
        except ValueError:
            raise RemoteUnavailable("malformed response: not JSON") from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class HttpService(_AiohttpService):
    batch_size = 1

    async def classify(self, texts: Sequence[str]) -> list[Scores]:
        out = []
        for text in texts:
            data = await self._post(self.url, {"inputs": text, "parameters": {"top_k": ALL_LABELS}})
            rows = as_list(data, "text classification")
            out.append(_scores(rows[0] if rows and isinstance(rows[0], list) else rows))
        return out

    async def tokens(self, text: str) -> list[TokenHit]:
        payload = {"inputs": text, "parameters": {"aggregation_strategy": "simple"}}
        return _token_hits(await self._post(self.url, payload))

    async def zero_shot(self, text: str, labels: Sequence[str], template: str) -> Scores:
        params = {
            "candidate_labels": list(labels),
            "multi_label": True,
            "hypothesis_template": template,
        }
        return _zero_shot(await self._post(self.url, {"inputs": text, "parameters": params}))


class TeiService(_AiohttpService):
    def __init__(self, url: str, token: str | None, timeout_s: float, batch_size: int) -> None:
        super().__init__(url, token, timeout_s)
        self.batch_size = batch_size

    async def classify(self, texts: Sequence[str]) -> list[Scores]:
        payload = {"inputs": [[t] for t in texts], "truncate": True, "raw_scores": False}
        rows = as_list(await self._post(self.url + "/predict", payload), "TEI /predict")
        if len(rows) != len(texts):
            raise RemoteUnavailable(
                f"malformed response: {len(rows)} results for {len(texts)} inputs"
            )
        return [_scores(r) for r in rows]

    async def tokens(self, text: str) -> list[TokenHit]:
        raise RemoteUnavailable("TEI serves sequence classification only")

    async def zero_shot(self, text: str, labels: Sequence[str], template: str) -> Scores:
        raise RemoteUnavailable("TEI serves sequence classification only")
