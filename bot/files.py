"""Downloads of uploaded drafts from Slack, safely.

* Only ``url_private_download`` / ``url_private`` of a Slack file object is fetched, never a URL
  found in message text, and only from Slack's file hosts (``files.slack.com``) or the host of the
  configured API URL (tests, Enterprise Grid proxies). ``https`` is required except for that
  configured host.
* The bot token goes in ``Authorization: Bearer`` on the first request only. Redirects are
  followed by hand, at most three, each target checked again, and the token is never forwarded.
* A missing ``files:read`` scope makes Slack answer 200 with an HTML sign-in page: any HTML or
  non-file answer is reported as a permissions problem, not parsed.
* The size is checked before the body is read (``Content-Length``, the file object's ``size``)
  and while reading; the type is checked by name and magic bytes before any parser runs
  (``analyzers.read_document``), which parses Word and PDF files in a killable worker process
  with limits on time, memory, decompressed bytes, pages and characters.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from analyzers import DocumentLimits, Draft, read_document

SLACK_FILE_HOSTS = frozenset({"files.slack.com", "files-edu.slack.com", "files-gov.slack.com"})
SUPPORTED = (".txt", ".md", ".markdown", ".mrkdwn", ".docx", ".pdf")
# uploads are parsed on threads of their own, as many as the document sandbox runs at once:
# a parse may wait up to 20 s, and on asyncio's default pool ten of them starved everything else
PARSE_THREADS = 2
_parse_pool = ThreadPoolExecutor(max_workers=PARSE_THREADS, thread_name_prefix="brandbot-parse")
MAX_REDIRECTS = 3


class FileProblem(Exception):
    """Why a file cannot be reviewed, in words for the uploader (no secrets, no stack)."""


class PermissionProblem(FileProblem):
    pass


def file_name(file: Mapping[str, Any]) -> str:
    """What a Slack file object is called: its name, else its title, else its id."""
    return str(file.get("name") or file.get("title") or file.get("id") or "file")


def is_supported_name(name: str) -> bool:
    return name.lower().endswith(SUPPORTED)


class FileFetcher:
    def __init__(
        self,
        token: str,
        *,
        max_bytes: int = 5_000_000,
        extra_hosts: Iterable[str] = (),
        timeout_s: float = 30.0,
    ) -> None:
        self._token = token
        self.max_bytes = max_bytes
        self.extra_hosts = frozenset(h.lower() for h in extra_hosts if h)
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    @classmethod
    def for_api_url(cls, token: str, api_url: str | None, **kw: Any) -> FileFetcher:
        """Trust the host (and port) of a configured API URL in addition to Slack's hosts."""
        hosts: list[str] = []
        if api_url:
            parts = urlsplit(api_url)
            if parts.hostname:
                hosts.append(parts.netloc.lower())
        return cls(token, extra_hosts=hosts, **kw)

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.username or parts.password:
            return False
        if parts.netloc.lower() in self.extra_hosts:
            return parts.scheme in ("http", "https")
        return parts.scheme == "https" and host in SLACK_FILE_HOSTS

    async def download(self, file: Mapping[str, Any]) -> bytes:
        """The bytes of a Slack file object (as from ``files.info``)."""
        name = str(file.get("name") or file.get("title") or "file")
        size = file.get("size")
        if isinstance(size, int) and size > self.max_bytes:
            raise FileProblem(
                f"{name} is {size:,} bytes; drafts over {self.max_bytes:,} bytes are not reviewed"
            )
        url = file.get("url_private_download") or file.get("url_private")
        if not isinstance(url, str) or not url:
            raise PermissionProblem(
                f"Slack gave me no download link for {name}; check that brandbot has the "
                "files:read scope and is in the channel"
            )
        headers = {"Authorization": f"Bearer {self._token}"}
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            for _hop in range(MAX_REDIRECTS + 1):
                if not self.allowed(url):
                    raise PermissionProblem(
                        f"{name}: refusing to download from {urlsplit(url).netloc or url!r}, "
                        "which is not a Slack file host"
                    )
                async with session.get(url, headers=headers, allow_redirects=False) as resp:
                    if resp.status in (301, 302, 303, 307, 308):
                        location = resp.headers.get("Location")
                        if not location:
                            raise PermissionProblem(f"{name}: Slack redirected without a location")
                        url = urljoin(url, location)
                        headers = {}  # never forward the token across a redirect
                        continue
                    return await self._read(resp, name)
        raise PermissionProblem(f"{name}: too many redirects while downloading")

    async def _read(self, resp: aiohttp.ClientResponse, name: str) -> bytes:
        if resp.status in (401, 403, 404):
            raise PermissionProblem(
                f"Slack refused the download of {name} (HTTP {resp.status}); check that brandbot "
                "has the files:read scope and is in the channel"
            )
        if resp.status != 200:
            raise FileProblem(f"downloading {name} failed (HTTP {resp.status}); try again later")
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype == "text/html":
            raise PermissionProblem(_login_page(name))
        length = resp.content_length
        if length is not None and length > self.max_bytes:
            raise FileProblem(
                f"{name} is {length:,} bytes; drafts over {self.max_bytes:,} bytes are not reviewed"
            )
        chunks: list[bytes] = []
        total = 0
        async for chunk in resp.content.iter_chunked(65536):
            total += len(chunk)
            if total > self.max_bytes:
                raise FileProblem(
                    f"{name} is over {self.max_bytes:,} bytes; larger drafts are not reviewed"
                )
            chunks.append(chunk)
        data = b"".join(chunks)
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise PermissionProblem(_login_page(name))
        return data

    async def fetch_draft(self, file: Mapping[str, Any]) -> Draft:
        """Download and extract (raises ``FileProblem`` or ``analyzers.DocumentError``)."""
        name = str(file.get("name") or file.get("title") or "file")
        if not is_supported_name(name):
            raise FileProblem(f"{name}: only {', '.join(SUPPORTED)} files are reviewed")
        data = await self.download(file)
        # parsing runs in a worker thread waiting on a killable worker process (time, memory,
        # decompressed size, pages and characters bounded): never on the event loop
        limits = DocumentLimits(max_bytes=self.max_bytes)
        call = functools.partial(read_document, data, name, limits=limits)
        return await asyncio.get_running_loop().run_in_executor(_parse_pool, call)


def _login_page(name: str) -> str:
    return (
        f"Slack answered with a web page instead of {name}: brandbot lacks permission to read "
        "files (add the files:read scope and reinstall the app, and make sure the bot is in the "
        "channel)"
    )
