"""The guide's schema: the keys of every section and the fields a profile edits as lists."""

from __future__ import annotations

from analyzers.types import Category

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
SCHEMA_VERSION = 1


TOP_KEYS = (
    "version",
    "name",
    "brand_names",
    "products",
    "preferred",
    "banned",
    "competitors",
    "voice",
    "limits",
    "thresholds",
    "weights",
    "claims",
    "claim_checks",
    "links",
    "styles",
    "vocabularies",
    "spelling",
    "accepted",
    "approvers",
    "profiles",
    "channels",
)
PROFILE_FORBIDDEN = ("version", "name", "profiles", "channels", "approvers")
PROFILE_KEYS = tuple(k for k in TOP_KEYS if k not in PROFILE_FORBIDDEN)
PRODUCT_KEYS = ("name", "aliases")
PREFERRED_KEYS = ("preferred", "variants", "reason", "severity", "regex", "inflect")
BANNED_KEYS = ("term", "reason", "severity", "suggestions", "regex", "inflect", "name")
CLAIM_CHECK_KEYS = ("superlatives", "absolutes", "extra", "exceptions", "severity")
COMPETITOR_KEYS = ("name", "aliases", "tickers", "severity")
VOICE_KEYS = (
    "description",
    "formality",
    "confidence",
    "emotions",
    "avoid_emotions",
    "on_voice",
    "off_voice",
    "min_voice_match",
    "advice",
)
TONE_KEYS = ("target", "tolerance")
LIMIT_KEYS = ("readability_grade", "max_sentence_words", "max_exclamations", "sentiment_floor")
THRESHOLD_KEYS = ("pass_score", "alert_score")
STYLE_KEYS = ("path", "optional")
# Fields whose value is a list: a profile replaces them, or edits them with extend/remove.
LIST_FIELDS = {
    "brand_names": None,
    "products": "name",
    "preferred": "preferred",
    "banned": "term",
    "competitors": "name",
    "claims": "term",
    "styles": "path",
    "vocabularies": "path",
    "accepted": None,
    "voice.on_voice": None,
    "voice.off_voice": None,
    "voice.avoid_emotions": None,
    "claim_checks.extra": None,
    "claim_checks.exceptions": None,
}
LIST_OPS = ("extend", "remove")


_DEFAULT_WEIGHTS = dict.fromkeys(CATEGORIES, 1.0)
