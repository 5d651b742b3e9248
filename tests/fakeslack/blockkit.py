"""Block Kit checks: Slack's documented limits plus slack_sdk's own Block models."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_MESSAGE_TEXT = 40000


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict):
        text = obj.get("text")
        return text if isinstance(text, str) else None
    return None


def coerce_blocks(raw: Any) -> tuple[list[Any] | None, str | None]:
    """Blocks arrive as a list (JSON bodies) or a JSON string (form bodies)."""
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            return None, f"blocks is not valid JSON: {exc}"
    if not isinstance(raw, list):
        return None, f"blocks must be an array, got {type(raw).__name__}"
    return raw, None


def check_blocks(blocks: list[Any], *, max_blocks: int = MAX_BLOCKS_MESSAGE) -> list[str]:
    """Every problem found in ``blocks`` (empty list when they are valid)."""
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (max {max_blocks})")
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(block, dict):
            problems.append(f"{where} is not an object")
            continue
        kind = block.get("type")
        if kind == "section":
            text = _text_of(block.get("text"))
            if text is not None and len(text) > MAX_SECTION_TEXT:
                problems.append(f"{where} section text {len(text)} chars (max {MAX_SECTION_TEXT})")
            fields = block.get("fields")
            if isinstance(fields, list):
                if len(fields) > MAX_FIELDS:
                    problems.append(f"{where} {len(fields)} fields (max {MAX_FIELDS})")
                for j, f in enumerate(fields):
                    ft = _text_of(f)
                    if ft is not None and len(ft) > MAX_FIELD_TEXT:
                        problems.append(
                            f"{where}.fields[{j}] {len(ft)} chars (max {MAX_FIELD_TEXT})"
                        )
        elif kind == "header":
            text_obj = block.get("text")
            text = _text_of(text_obj)
            if not isinstance(text_obj, dict) or text_obj.get("type") != "plain_text":
                problems.append(f"{where} header text must be plain_text")
            if text is not None and len(text) > MAX_HEADER_TEXT:
                problems.append(f"{where} header text {len(text)} chars (max {MAX_HEADER_TEXT})")
        elif kind == "context":
            elements = block.get("elements")
            if isinstance(elements, list) and len(elements) > MAX_CONTEXT_ELEMENTS:
                problems.append(
                    f"{where} context has {len(elements)} elements (max {MAX_CONTEXT_ELEMENTS})"
                )
        try:
            parsed = Block.parse(block)
        except (SlackObjectFormationError, KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{where} rejected by slack_sdk Block.parse: {exc}")
            continue
        if parsed is None:
            problems.append(f"{where} unknown block type {kind!r}")
            continue
        try:
            parsed.validate_json()
        except (SlackObjectFormationError, KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{where} ({kind}) rejected by slack_sdk validate_json: {exc}")
    return problems


def check_message(
    params: dict[str, Any], *, max_blocks: int = MAX_BLOCKS_MESSAGE
) -> tuple[list[str], list[str], list[Any] | None]:
    """``(errors, warnings, blocks)`` for a message body (postMessage, update, response_url...).

    Errors make Slack answer ``invalid_blocks``; warnings (missing fallback ``text``) are answered
    ``ok`` but still recorded as violations by the fake.
    """
    blocks, err = coerce_blocks(params.get("blocks"))
    errors: list[str] = [err] if err else []
    warnings: list[str] = []
    text = params.get("text")
    if blocks is not None:
        errors.extend(check_blocks(blocks, max_blocks=max_blocks))
        if not (isinstance(text, str) and text.strip()):
            warnings.append("blocks sent without a fallback 'text'")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        errors.append(f"text {len(text)} chars (max {MAX_MESSAGE_TEXT})")
    return errors, warnings, blocks
