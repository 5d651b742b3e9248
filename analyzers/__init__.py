"""brandbot's analysis library: the facade. Everything outside ``analyzers`` imports from here.

Slack-free and synchronous: values in, values out.
"""

from analyzers.bounds import BoundedParser
from analyzers.diff import ReviewDiff, compare_reviews, is_alert_worthy
from analyzers.documents import DocumentError, DocumentLimits, extract_document, read_document
from analyzers.engine import default_threads
from analyzers.guide import BrandGuide, GuideError, default_guide_path, load_guide
from analyzers.local_review import (
    MAX_DRAFTS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    guide_fingerprint,
)
from analyzers.local_review import (
    socket_path as local_review_socket_path,
)
from analyzers.models.base import ModelInput, ModelLoadError, ModelOutput, ModelSuite
from analyzers.models.pipelines import ModelSettings, load_models
from analyzers.remote import (
    RemoteConfig,
    RemoteConfigError,
    TokenReport,
    check_services,
    check_token,
)
from analyzers.reviewer import Reviewer
from analyzers.serving import EngineReviewService, is_long_draft, load_engine
from analyzers.text import word_count
from analyzers.types import (
    Category,
    Draft,
    Entity,
    Finding,
    Language,
    Review,
    SentenceScore,
    SentimentResult,
    Severity,
    SourceFormat,
    Span,
    ToneProfile,
    Verdict,
)

__all__ = [
    "MAX_DRAFTS_PER_REQUEST",
    "MAX_REQUEST_BYTES",
    "BoundedParser",
    "BrandGuide",
    "Category",
    "DocumentError",
    "DocumentLimits",
    "Draft",
    "EngineReviewService",
    "Entity",
    "Finding",
    "GuideError",
    "Language",
    "ModelInput",
    "ModelLoadError",
    "ModelOutput",
    "ModelSettings",
    "ModelSuite",
    "RemoteConfig",
    "RemoteConfigError",
    "Review",
    "ReviewDiff",
    "Reviewer",
    "SentenceScore",
    "SentimentResult",
    "Severity",
    "SourceFormat",
    "Span",
    "TokenReport",
    "ToneProfile",
    "Verdict",
    "check_services",
    "check_token",
    "compare_reviews",
    "default_guide_path",
    "default_threads",
    "extract_document",
    "guide_fingerprint",
    "is_alert_worthy",
    "is_long_draft",
    "load_engine",
    "load_guide",
    "load_models",
    "local_review_socket_path",
    "read_document",
    "word_count",
]
