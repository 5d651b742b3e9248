"""``FakeHF``: an aiohttp server that speaks the request and response formats of

* the router (``POST /{provider}/models/{owner}/{name}``) and the serverless API
  (``POST /models/{owner}/{name}``) for text-classification (all scores, nested list),
  token-classification (aggregated, character offsets) and zero-shot-classification;
* a dedicated endpoint (``POST /endpoint/{owner}/{name}``, the same format);
* text-embeddings-inference (``POST /tei/{owner}/{name}/predict``): ``[["a"], ["b"]]`` is a
  batch of single sentences, ``["a", "b"]`` one pair, three or more bare strings are a 422;
* the Hub (``GET /api/models/{owner}/{name}``, ``GET /api/whoami-v2``).

Brand-safety classifiers (``acme/offensive``, ``acme/irony``, …) answer 0.93 for their flagged
label when the text has one of their cue words (``OFFENSIVE``, ``IRONY``), 0.04 otherwise.

Answers are deterministic (cue words). ``script`` queues faults for the next inference requests:
``("429", seconds)`` with Retry-After, ``("503", estimated_time)``, ``("slow", seconds)``,
``("malformed", None)``, ``("short", None)`` (a batch one result short), ``("500", None)``,
``("400", None)``, ``("echo", None)`` (a 400 quoting the Authorization header).
``latency_s`` delays every inference answer. Every inference request is recorded (path, JSON
body, whether it carried the token), with the peak number in flight.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "hf_FakeTokenForTestsOnly0123456789"

# model id -> (task, labels)
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "acme/sentiment-3": ("text-classification", ("LABEL_0", "LABEL_1", "LABEL_2")),
    "acme/sentiment-2": ("text-classification", ("NEGATIVE", "POSITIVE")),
    "acme/sentiment-stars": (
        "text-classification",
        ("1 star", "2 stars", "3 stars", "4 stars", "5 stars"),
    ),
    "acme/sentiment-odd": ("text-classification", ("bad", "meh", "good")),
    "acme/ner": ("token-classification", ("PER", "ORG", "LOC", "MISC")),
    "acme/nli": ("zero-shot-classification", ("entailment", "neutral", "contradiction")),
    # brand-safety classifiers: labels as the public offensive / irony models name them, a
    # legacy LABEL_0 / LABEL_1 config, and labels nothing maps by default
    "acme/offensive": ("text-classification", ("non-offensive", "offensive")),
    "acme/irony": ("text-classification", ("non_irony", "irony")),
    "acme/offensive-legacy": ("text-classification", ("LABEL_0", "LABEL_1")),
    "acme/safety-odd": ("text-classification", ("calm", "rude")),
}

NEGATIVE = {"terrible", "broken", "hate", "awful", "failed", "outage", "worst", "angry", "sorry"}
POSITIVE = {"love", "great", "delighted", "wonderful", "fast", "easy", "happy", "thrilled"}
FORMAL = {"therefore", "furthermore", "pleased", "announce", "accordance", "herewith"}
CASUAL = {"gonna", "hey", "lol", "omg", "super", "awesome", "wanna", "yeah", "guys"}
HEDGES = {"maybe", "might", "perhaps", "possibly", "hopefully"}
OFFENSIVE = {"crap", "idiots", "damn"}
IRONY = {"obviously", "sure"}
# safety model -> the cue words that make its second label 0.93 (else 0.04)
SAFETY_CUES = {
    "acme/offensive": OFFENSIVE,
    "acme/offensive-legacy": OFFENSIVE,
    "acme/safety-odd": OFFENSIVE,
    "acme/irony": IRONY,
}
SAFETY_HIT, SAFETY_MISS = 0.93, 0.04
ENTITIES = {"Paris": "LOC", "Berlin": "LOC", "Maria": "PER", "Globex": "ORG", "Acme": "ORG"}


@dataclass
class Recorded:
    path: str
    body: Any
    authorized: bool
    bearer: str | None


@dataclass
class FakeHF:
    token: str = TOKEN
    latency_s: float = 0.0
    script: list[tuple[str, float | None]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    hub_requests: list[Recorded] = field(default_factory=list)
    inflight: int = 0
    peak_inflight: int = 0
    whoami_role: str = "fineGrained"
    base_url: str = ""
    _runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/api/whoami-v2", self._whoami)
        app.router.add_get("/api/models/{owner}/{name}", self._model_info)
        app.router.add_post("/tei/{owner}/{name}/predict", self._tei)
        app.router.add_get("/tei/{owner}/{name}/health", self._health)
        app.router.add_post("/endpoint/{owner}/{name}", self._serverless)
        app.router.add_post("/models/{owner}/{name}", self._serverless)
        app.router.add_post("/{provider}/models/{owner}/{name}", self._serverless)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- views -------------------------------------------------------------------------------

    def sent_texts(self) -> list[str]:
        """Every text the fake received, flattened (for redaction checks)."""
        out: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                for v in value:
                    walk(v)
            elif isinstance(value, dict):
                walk(value.get("inputs"))

        for r in self.requests:
            walk(r.body)
        return out

    # -- the Hub -------------------------------------------------------------------------------

    def _bearer(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None

    async def _whoami(self, request: web.Request) -> web.Response:
        bearer = self._bearer(request)
        self.hub_requests.append(Recorded(request.path, None, bearer == self.token, bearer))
        if bearer != self.token:
            return web.json_response(
                {"error": "Invalid credentials in Authorization header"}, status=401
            )
        access: dict[str, Any] = {"displayName": "brandbot-read", "role": self.whoami_role}
        if self.whoami_role == "fineGrained":
            access["fineGrained"] = {
                "global": ["inference.serverless.write"],
                "scoped": [],
                "canReadGatedRepos": False,
            }
        return web.json_response(
            {
                "type": "user",
                "name": "jane",
                "auth": {"type": "access_token", "accessToken": access},
            }
        )

    async def _model_info(self, request: web.Request) -> web.Response:
        model = f"{request.match_info['owner']}/{request.match_info['name']}"
        bearer = self._bearer(request)
        self.hub_requests.append(Recorded(request.path, None, bearer == self.token, bearer))
        if model not in MODELS:
            return web.json_response({"error": "Repository not found"}, status=404)
        return web.json_response(
            {
                "id": model,
                "modelId": model,
                "pipeline_tag": MODELS[model][0],
                "private": False,
                "tags": [],
            }
        )

    async def _health(self, request: web.Request) -> web.Response:
        self.hub_requests.append(Recorded(request.path, None, False, self._bearer(request)))
        return web.Response(text="")

    # -- inference -----------------------------------------------------------------------------

    async def _enter(self, request: web.Request) -> tuple[Any, web.Response | None]:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        bearer = self._bearer(request)
        self.requests.append(Recorded(request.path, body, bearer == self.token, bearer))
        self.inflight += 1
        self.peak_inflight = max(self.peak_inflight, self.inflight)
        try:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            if self.script:
                kind, value = self.script.pop(0)
                if kind == "429":
                    return body, web.json_response(
                        {"error": "Rate limit reached"},
                        status=429,
                        headers={"Retry-After": str(int(value or 1))},
                    )
                if kind == "503":
                    return body, web.json_response(
                        {"error": "Model acme is currently loading", "estimated_time": value},
                        status=503,
                    )
                if kind == "slow":
                    await asyncio.sleep(value or 1.0)
                if kind == "malformed":
                    return body, web.Response(text="<html>gateway</html>", status=200)
                if kind == "500":
                    return body, web.json_response({"error": "boom"}, status=500)
                if kind == "400":
                    return body, web.json_response({"error": "Input is too long"}, status=400)
                if kind == "echo":  # a careless server that quotes the credential back
                    return body, web.json_response(
                        {"error": f"bad request from {request.headers.get('Authorization')}"},
                        status=400,
                    )
                if kind == "short":
                    return body, web.json_response({"__short__": True})
            return body, None
        finally:
            self.inflight -= 1

    async def _serverless(self, request: web.Request) -> web.Response:
        body, fault = await self._enter(request)
        if fault is not None:
            return fault
        model = f"{request.match_info['owner']}/{request.match_info['name']}"
        if model not in MODELS:
            return web.json_response({"error": f"Model {model} does not exist"}, status=404)
        task, labels = MODELS[model]
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
            return web.json_response({"error": "inputs must be a string"}, status=422)
        text = body["inputs"]
        params = body.get("parameters") or {}
        if task == "text-classification":
            scores = classify(text, labels, model)
            top_k = params.get("top_k")
            return web.json_response([scores[: int(top_k)] if top_k else scores[:1]])
        if task == "token-classification":
            return web.json_response(entities(text))
        candidates = params.get("candidate_labels") or []
        return web.json_response(zero_shot(text, candidates))

    async def _tei(self, request: web.Request) -> web.Response:
        body, fault = await self._enter(request)
        model = f"{request.match_info['owner']}/{request.match_info['name']}"
        task, labels = MODELS.get(model, ("", ()))
        if task != "text-classification":
            return web.json_response({"error": "not a classifier"}, status=424)
        if fault is not None and (fault.status != 200 or (fault.text or "").startswith("<")):
            return fault
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if isinstance(inputs, str):
            return web.json_response(classify(inputs, labels, model))
        if not isinstance(inputs, list) or not inputs:
            return web.json_response(
                {"error": "empty batch", "error_type": "Validation"}, status=422
            )
        if all(isinstance(x, str) for x in inputs):
            if len(inputs) == 2:  # a sentence pair
                return web.json_response(classify(inputs[0] + " " + inputs[1], labels, model))
            return web.json_response(
                {
                    "error": "`inputs` must be a sentence, a pair or a batch",
                    "error_type": "Validation",
                },
                status=422,
            )
        rows = []
        for item in inputs:
            if not (isinstance(item, list) and len(item) in (1, 2)):
                return web.json_response({"error": "bad batch item"}, status=422)
            rows.append(classify(" ".join(item), labels, model))
        if fault is not None:  # "short": one result too few
            rows = rows[:-1]
        return web.json_response(rows)


# -- deterministic answers ---------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z']+", text)}


def classify(text: str, labels: tuple[str, ...], model: str = "") -> list[dict[str, Any]]:
    words = _words(text)
    if model in SAFETY_CUES:  # a binary safety classifier: (safe, flagged)
        hit = SAFETY_HIT if words & SAFETY_CUES[model] else SAFETY_MISS
        pair = [{"label": labels[0], "score": 1 - hit}, {"label": labels[1], "score": hit}]
        return sorted(pair, key=lambda d: -d["score"])
    neg, pos = len(words & NEGATIVE), len(words & POSITIVE)
    probs3 = (0.8, 0.15, 0.05) if neg > pos else (0.05, 0.15, 0.8) if pos > neg else (0.1, 0.8, 0.1)
    if len(labels) == 3:
        values = list(probs3)
    elif len(labels) == 2:
        values = [probs3[0] + probs3[1] / 2, probs3[2] + probs3[1] / 2]
    else:  # five stars
        n, u, p = probs3
        values = [n * 0.6, n * 0.4, u, p * 0.4, p * 0.6]
    out = [{"label": label, "score": round(v, 6)} for label, v in zip(labels, values, strict=True)]
    return sorted(out, key=lambda d: -d["score"])


def entities(text: str) -> list[dict[str, Any]]:
    out = []
    for word, label in ENTITIES.items():
        for m in re.finditer(rf"\b{re.escape(word)}\b", text):
            out.append(
                {
                    "entity_group": label,
                    "score": 0.99,
                    "word": word,
                    "start": m.start(),
                    "end": m.end(),
                }
            )
    return sorted(out, key=lambda d: d["start"])


def zero_shot(text: str, candidates: list[str]) -> list[dict[str, Any]]:
    words = _words(text)
    formal = 0.85 if words & FORMAL else 0.15 if words & CASUAL else 0.5
    hedged = bool(words & HEDGES)
    scores = {
        "formal": formal,
        "casual": 1 - formal,
        "confident": 0.2 if hedged else 0.8,
        "hesitant": 0.8 if hedged else 0.2,
        "joy": 0.9 if words & POSITIVE else 0.05,
        "anger": 0.9 if words & {"angry", "furious", "hate"} else 0.05,
        "sadness": 0.9 if words & {"sad", "sorry"} else 0.05,
    }
    out = [{"label": c, "score": scores.get(c, 0.05)} for c in candidates]
    return sorted(out, key=lambda d: -d["score"])


class FakeHFThread:
    """Runs a :class:`FakeHF` on an event loop in a daemon thread (for synchronous tests and
    benchmarks): ``with FakeHFThread() as fake: fake.base_url``."""

    def __init__(self, fake: FakeHF | None = None) -> None:
        import threading

        self.fake = fake or FakeHF()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeHF:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
