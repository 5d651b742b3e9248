"""Hub lookups, made once at start and off the event loop: model ids -> URLs, and whoami.

``AsyncInferenceClient`` given a bare model id looks the model up on the Hub with a *blocking*
call inside its async method, and that lookup sends the ambient ``HF_TOKEN`` rather than the
client's token. :func:`resolve_targets` does the lookup here instead, with our token, and hands
the client a URL; a model that is missing, private without access or of the wrong task makes
its analysis unavailable (it falls back to the embedded model) with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analyzers.remote.config import TASKS, RemoteConfig
from analyzers.remote.transport import scrub

log = logging.getLogger(__name__)
INFERENCE_PERMISSION = "inference.serverless.write"  # "Make calls to Inference Providers"


def _api(config: RemoteConfig) -> Any:
    from huggingface_hub import HfApi

    from analyzers.remote.services import _no_registry_fetch

    _no_registry_fetch()

    # token=False, not None: None would make huggingface_hub fall back to an ambient token
    return HfApi(endpoint=config.hub_url, token=config.token or False)


def _why(exc: Exception, config: RemoteConfig) -> str:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status == 401:
        return "the Hub refused the token (HTTP 401)"
    if status in (403, 404):
        return f"model not found or not accessible (HTTP {status})"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return scrub(f"{type(exc).__name__}: {text}", (config.token or "",))[:200]


def resolve_targets(config: RemoteConfig) -> tuple[dict[str, str], dict[str, str]]:
    """(analysis -> URL to call, analysis -> why it is unavailable). Blocking: call it at start,
    in a thread, never on the event loop."""
    urls: dict[str, str] = {}
    unavailable: dict[str, str] = {}
    for analysis, target in config.endpoints().items():
        if target.kind != "router":
            urls[analysis] = target.model
            continue
        try:
            info = _api(config).model_info(target.model, timeout=config.timeout_s)
        except Exception as exc:
            if getattr(getattr(exc, "response", None), "status_code", None) is None:
                # the Hub could not be reached (not a refusal): the router URL does not depend
                # on the answer, so go ahead unverified; calls fall back if the model is wrong
                log.warning("could not look up %s on the Hub (%s)", target.model, _why(exc, config))
                urls[analysis] = config.router_url(target.model)
            else:
                unavailable[analysis] = f"{target.model}: {_why(exc, config)}"
            continue
        tag = getattr(info, "pipeline_tag", None)
        task = TASKS[analysis.split(".", 1)[0]]  # safety, safety.2, ... are classifiers
        if tag and tag != task:
            unavailable[analysis] = f"{target.model} is a {tag} model; {analysis} needs {task}"
            continue
        urls[analysis] = config.router_url(target.model)
    return urls, unavailable


@dataclass(frozen=True)
class TokenReport:
    ok: bool
    lines: tuple[str, ...]


def token_scope(whoami: Mapping[str, Any]) -> list[str]:
    """What a whoami-v2 answer says about the token, without the token."""
    auth = whoami.get("auth") or {}
    access = auth.get("accessToken") or {}
    role = access.get("role") or "unknown"
    lines = [f"account: {whoami.get('name', '?')}", f"token name: {access.get('displayName', '?')}"]
    if role == "fineGrained":
        fine = access.get("fineGrained") or {}
        granted = set(fine.get("global") or [])
        scoped = fine.get("scoped") or []
        lines.append(
            f"scope: fine-grained ({len(granted)} global permission(s), "
            f"{len(scoped)} scoped grant(s))"
        )
        if INFERENCE_PERMISSION in granted:
            lines.append("inference: allowed (Make calls to Inference Providers)")
        else:
            lines.append(
                "inference: NOT allowed — tick 'Make calls to Inference Providers' "
                f"({INFERENCE_PERMISSION}) on the token"
            )
    elif role == "write":
        lines.append("scope: write — more than brandbot needs; use a fine-grained or read token")
    else:
        lines.append(f"scope: {role}")
    return lines


def check_token(config: RemoteConfig) -> TokenReport:
    """``whoami`` against the configured Hub: is HF_TOKEN accepted, and what may it do."""
    if not config.token:
        return TokenReport(False, ("HF_TOKEN is not set (needed for hosted inference)",))
    try:
        data = _api(config).whoami(token=config.token)
    except Exception as exc:
        return TokenReport(False, (f"HF_TOKEN check failed: {_why(exc, config)}",))
    return TokenReport(True, ("HF_TOKEN accepted by " + config.hub_url, *token_scope(data)))


def probe(url: str, timeout_s: float) -> str | None:
    """Why ``url``'s server cannot be reached (``None`` when it answers at all: any HTTP status
    means the server is there). No token is sent; nothing is read beyond the status."""
    import urllib.error
    import urllib.request

    try:
        request = urllib.request.Request(url, method="GET")
        with urllib.request.urlopen(request, timeout=timeout_s):  # config URLs are http(s) only
            return None
    except urllib.error.HTTPError:
        return None
    except urllib.error.URLError as exc:
        return f"cannot connect ({scrub(str(exc.reason))[:120]})"
    except (TimeoutError, OSError) as exc:
        return f"cannot connect ({type(exc).__name__}: {scrub(str(exc))[:120]})"


def check_services(config: RemoteConfig) -> TokenReport:
    """For ``brandbot doctor``: every hosted model's service answers, and each Hub model exists
    with the task its analysis needs. Blocking (a CLI check, never on the event loop)."""
    ok = True
    lines: list[str] = []
    for key, target in config.endpoints().items():
        task = TASKS[key.split(".", 1)[0]]
        if target.kind == "router":
            try:
                info = _api(config).model_info(target.model, timeout=config.timeout_s)
            except Exception as exc:
                ok = False
                if getattr(getattr(exc, "response", None), "status_code", None) is None:
                    reason = _why(exc, config)
                    lines.append(f"{key}: the Hub at {config.hub_url} cannot be reached ({reason})")
                else:
                    lines.append(f"{key}: {target.model}: {_why(exc, config)}")
                continue
            tag = getattr(info, "pipeline_tag", None)
            if tag and tag != task:
                ok = False
                lines.append(f"{key}: {target.model} is a {tag} model; {key} needs {task}")
                continue
            url = config.router_url(target.model)
        else:
            url = target.model + ("/health" if target.kind == "tei" else "")
        why = probe(url, config.timeout_s)
        if why is None:
            lines.append(f"{key}: {target.display} reachable")
        else:
            ok = False
            host = target.display if target.kind != "router" else config.base_url
            lines.append(f"{key}: {host} UNREACHABLE: {why}; reviews would fall back to embedded")
    return TokenReport(ok, tuple(lines))
