"""Failures users may see, without exception text: a short reason and a reference id.

``incident("model inference failed", exc)`` logs the exception with its traceback under a fresh
reference id and returns ``"model inference failed (reference 3F9A1C)"`` — the words a review's
``skipped`` reasons, the CLI and the Slack footer show. Exception text (paths, payload pieces,
library internals) stays in the log, where the reference finds it.
"""

from __future__ import annotations

import logging
import secrets

log = logging.getLogger("analyzers")


def new_reference() -> str:
    return secrets.token_hex(3).upper()


def incident(what: str, exc: BaseException, logger: logging.Logger | None = None) -> str:
    ref = new_reference()
    (logger or log).error("%s (reference %s): %s", what, ref, type(exc).__name__, exc_info=exc)
    return f"{what} (reference {ref})"
