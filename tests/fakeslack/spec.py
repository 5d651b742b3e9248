"""Check Web API calls against Slack's OpenAPI (Swagger 2.0) spec of the Web API."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Present in Slack's Web API but absent from the spec file (Socket Mode came later).
EXTRA_METHODS: dict[str, tuple[set[str], set[str]]] = {
    # method: (HTTP verbs, required params besides token)
    "apps.connections.open": ({"post"}, set()),
    # the upload flow behind files_upload_v2 (docs.slack.dev/reference/methods/...)
    "files.getUploadURLExternal": ({"get", "post"}, {"filename", "length"}),
    "files.completeUploadExternal": ({"post"}, {"files"}),
}

# Requirements Slack documents that the spec leaves optional.
DOCUMENTED_REQUIRED: dict[str, set[str]] = {
    "conversations.history": {"channel"},
    "conversations.info": {"channel"},
    "conversations.replies": {"channel", "ts"},
    "users.info": {"user"},
    "files.info": {"file"},
    "chat.delete": {"channel", "ts"},
    "reactions.remove": {"channel", "timestamp"},
    "reactions.get": {"channel", "timestamp"},
}


@dataclass(frozen=True)
class MethodSpec:
    name: str
    verbs: frozenset[str]
    required: frozenset[str]
    accepts_json: bool
    documented_required: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class SpecProblem:
    kind: str  # unknown_method | http_method | json_body | missing_param
    error: str  # the Slack error code to answer with
    detail: str


class WebApiSpec:
    """Known methods with their allowed verbs, required parameters and body types."""

    def __init__(self, methods: dict[str, MethodSpec]) -> None:
        self.methods = methods

    @classmethod
    def load(cls, path: Path) -> WebApiSpec:
        return _load_cached(str(path))

    def check(
        self, method: str, http_verb: str, params: dict[str, Any], *, json_body: bool
    ) -> list[SpecProblem]:
        spec = self.methods.get(method)
        if spec is None:
            return [SpecProblem("unknown_method", "unknown_method", f"{method} is not in the spec")]
        problems: list[SpecProblem] = []
        verb = http_verb.lower()
        # Slack accepts POST for every method; GET only where the spec lists it.
        if verb != "post" and verb not in spec.verbs:
            problems.append(
                SpecProblem(
                    "http_method",
                    "invalid_request",
                    f"{http_verb} not allowed for {method} (spec: {sorted(spec.verbs)})",
                )
            )
        if json_body and not spec.accepts_json:
            problems.append(
                SpecProblem(
                    "json_body",
                    "invalid_arguments",
                    f"{method} does not accept application/json bodies (Slack ignores them)",
                )
            )
        for name in sorted(spec.required | spec.documented_required):
            if name == "token":
                continue  # checked by the token logic (header or field)
            value = params.get(name)
            if value is None or value == "":
                source = "spec" if name in spec.required else "Slack docs"
                problems.append(
                    SpecProblem(
                        "missing_param",
                        "invalid_arguments",
                        f"{method}: required parameter {name!r} missing ({source})",
                    )
                )
        return problems


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> WebApiSpec:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for raw_path, ops in doc.get("paths", {}).items():
        name = raw_path.lstrip("/")
        verbs: set[str] = set()
        required: set[str] = set()
        accepts_json = False
        for verb, op in ops.items():
            if not isinstance(op, dict):
                continue
            verbs.add(verb.lower())
            accepts_json = accepts_json or "application/json" in op.get("consumes", [])
            for param in op.get("parameters", []):
                if param.get("required") and param.get("name"):
                    required.add(str(param["name"]))
        methods[name] = MethodSpec(
            name,
            frozenset(verbs),
            frozenset(required),
            accepts_json,
            frozenset(DOCUMENTED_REQUIRED.get(name, set())),
        )
    for name, (verbs, req) in EXTRA_METHODS.items():
        methods.setdefault(name, MethodSpec(name, frozenset(verbs), frozenset(req), True))
    return WebApiSpec(methods)
