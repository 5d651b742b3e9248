"""Hosted inference: Inference Providers, Inference Endpoints and TEI as model backends.

Slack-free like the rest of ``analyzers``. See :mod:`analyzers.remote.suite` for the flow and
:mod:`analyzers.remote.config` for the settings.
"""

from analyzers.remote.config import RemoteConfig, RemoteConfigError, RemoteTarget, parse_target
from analyzers.remote.hub import TokenReport, check_services, check_token
from analyzers.remote.suite import RemoteModelSuite, load_remote_suite

__all__ = [
    "RemoteConfig",
    "RemoteConfigError",
    "RemoteModelSuite",
    "RemoteTarget",
    "TokenReport",
    "check_services",
    "check_token",
    "load_remote_suite",
    "parse_target",
]
