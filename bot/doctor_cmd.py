"""``brandbot doctor``: check the settings and the Hugging Face token without printing secrets.

Reads the same settings as ``serve`` (environment over ``.env``), lists any problem, says which
backend each analysis uses and, when a token is set or an analysis is hosted, asks the Hub who
the token belongs to (``whoami``) and what it may do, and checks that every hosted model's
service answers (the Hub model exists with the right task; the router, endpoint or TEI server
can be reached). Exit status 0 when everything checked is fine, 1 otherwise (an unreachable
service included: the bot would run, but every review would fall back to the embedded model).
The token itself is never printed: every line goes through the masker.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.settings import Settings, SettingsError

ANALYSES = (
    ("sentiment", "sentiment_model"),
    ("entities", "ner_model"),
    ("tone", "tone_model"),
    ("safety", "safety_model"),
)


def register(subparsers: Any) -> None:
    doctor = subparsers.add_parser(
        "doctor", help="check the settings and the Hugging Face token (never prints it)"
    )
    doctor.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    doctor.set_defaults(func=doctor_main)


def doctor_main(args: argparse.Namespace) -> int:
    import os

    from bot.errors import SecretMasker

    try:
        settings = Settings.from_env(
            dict(os.environ), dotenv_path=args.env_file, require_tokens=False
        )
    except SettingsError as exc:
        masker = SecretMasker([os.environ.get("HF_TOKEN", "")])
        print(masker.mask(f"brandbot doctor: {exc}"), file=sys.stderr)
        return 1
    masker = SecretMasker(settings.secrets)
    lines, ok = report(settings)
    for line in lines:
        print(masker.mask(line))
    return 0 if ok else 1


def report(settings: Settings) -> tuple[list[str], bool]:
    from analyzers import check_services, check_token

    ok = True
    lines = ["settings: valid"]
    lines.append(
        "slack: " + ("credentials set" if settings.has_slack_credentials else "credentials missing")
    )
    remote = settings.remote
    for analysis, option in ANALYSES:
        local = getattr(settings.models, option)
        target = remote.targets.get(analysis) if remote is not None else None
        if analysis == "safety" and remote is not None and remote.safety:
            used = "remote " + ", ".join(f"{t.kind}: {t.display}" for t in remote.safety)
        elif target is not None:
            used = f"remote {target.kind}: {target.display}"
        else:
            used = f"local model {local}" if local else "embedded"
        lines.append(f"{analysis}: {used}")
    if remote is None:
        return lines, ok
    if remote.enabled:
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            ok = False
            lines.append("HF_HUB_OFFLINE is set: hosted inference cannot reach the service")
        lines.append(
            f"hosted inference: provider {remote.provider}, timeout {remote.timeout_s:g}s, "
            f"deadline {remote.deadline_s:g}s, budget {remote.daily_budget or 'unlimited'}/day, "
            f"{remote.per_minute or 'unlimited'}/minute, redaction "
            f"{'on' if remote.redact else 'OFF'}"
        )
    if remote.enabled or remote.token:
        result = check_token(remote)
        ok = ok and result.ok
        lines.extend(result.lines)
    if remote.enabled:
        services = check_services(remote)
        ok = ok and services.ok
        lines.extend(services.lines)
    return lines, ok
