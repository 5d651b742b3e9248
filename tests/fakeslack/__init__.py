"""A local, in-process Slack for end-to-end tests. See README.md beside this file."""

from . import payloads, signing
from .blockkit import check_blocks, check_message
from .records import Ack, ApiCall, Delivery, Download, HttpResult, ResponsePost, Violation
from .server import FakeSlack, SlackApiError

__all__ = [
    "Ack",
    "ApiCall",
    "Delivery",
    "Download",
    "FakeSlack",
    "HttpResult",
    "ResponsePost",
    "SlackApiError",
    "Violation",
    "check_blocks",
    "check_message",
    "payloads",
    "signing",
]
