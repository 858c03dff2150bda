"""Downloads for ``geoservice data update``: HTTP(S) only, with a timeout and a size limit.

Only the update command calls these (never the service, never at import). Plain
``urllib.request``: no extra dependency. A download is streamed to a file next to its final
place and renamed once complete, so a killed download never leaves a half file under the
final name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geoservice import __version__
from geoservice.errors import DataError

logger = logging.getLogger(__name__)

#: Schemes a source URL may use.
ALLOWED_SCHEMES = ("http", "https")
USER_AGENT = f"geoservice/{__version__} (data update)"


class FetchError(DataError):
    """A source could not be downloaded (bad URL, network error, HTTP error, too large)."""


@dataclass(frozen=True)
class FetchLimits:
    """How long to wait and how much to accept per download.

    Attributes
    ----------
    timeout_s
        Socket timeout (connect and each read), seconds.
    max_bytes
        Largest body accepted; a larger one is refused while streaming.
    """

    timeout_s: float = 60.0
    max_bytes: int = 200 * 1024 * 1024


def check_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL with a host; :class:`FetchError` otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.netloc:
        msg = f"source URL {url!r} must be an absolute http:// or https:// URL"
        raise FetchError(msg)
    return url


def url_with_params(url: str, params: Sequence[tuple[str, str]]) -> str:
    """`url` with `params` appended to its query string (repeated keys kept)."""
    if not params:
        return url
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _open(url: str, headers: Mapping[str, str], limits: FetchLimits) -> Any:
    check_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    try:
        return urllib.request.urlopen(request, timeout=limits.timeout_s)
    except urllib.error.HTTPError as e:
        raise FetchError(f"{_redacted(url)}: HTTP {e.code} {e.reason}") from e
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise FetchError(f"{_redacted(url)}: {getattr(e, 'reason', e)}") from e


def _redacted(url: str) -> str:
    """`url` without a ``key`` query value (API keys never reach logs or reports)."""
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, "***" if k.lower() in ("key", "apikey", "api_key", "token") else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@dataclass(frozen=True)
class Download:
    """A completed download: where it is, its size, sha256 and the URL it came from."""

    path: Path
    url: str
    size_bytes: int
    sha256: str


def download_to_file(
    url: str,
    dest: Path,
    *,
    limits: FetchLimits | None = None,
    headers: Mapping[str, str] | None = None,
) -> Download:
    """Stream `url` into `dest` (written as ``dest.part`` and renamed when complete).

    Raises
    ------
    FetchError
        Not an http(s) URL, network or HTTP error, or a body above ``limits.max_bytes``.
    """
    limits = limits or FetchLimits()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    size = 0
    logger.info("downloading %s", _redacted(url))
    try:
        with _open(url, headers or {}, limits) as response, part.open("wb") as out:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes:
                msg = (
                    f"{_redacted(url)}: {int(declared):,} B announced, limit {limits.max_bytes:,} B"
                )
                raise FetchError(msg)
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > limits.max_bytes:
                    msg = f"{_redacted(url)}: body larger than the limit of {limits.max_bytes:,} B"
                    raise FetchError(msg)
                digest.update(chunk)
                out.write(chunk)
    except FetchError:
        part.unlink(missing_ok=True)
        raise
    except (OSError, ValueError) as e:  # a reset connection, a read timeout
        part.unlink(missing_ok=True)
        raise FetchError(f"{_redacted(url)}: {e}") from e
    os.replace(part, dest)
    logger.info("downloaded %s: %d B", _redacted(url), size)
    return Download(path=dest, url=_redacted(url), size_bytes=size, sha256=digest.hexdigest())


def fetch_json(
    url: str,
    *,
    limits: FetchLimits | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """The JSON document at `url` (size-limited like :func:`download_to_file`).

    Raises
    ------
    FetchError
        Network or HTTP error, body too large, or not JSON.
    """
    limits = limits or FetchLimits()
    try:
        with _open(url, headers or {}, limits) as response:
            body = response.read(limits.max_bytes + 1)
    except (OSError, ValueError) as e:
        raise FetchError(f"{_redacted(url)}: {e}") from e
    if len(body) > limits.max_bytes:
        raise FetchError(f"{_redacted(url)}: body larger than the limit of {limits.max_bytes:,} B")
    try:
        return json.loads(body)
    except ValueError as e:
        raise FetchError(f"{_redacted(url)}: not a JSON document ({e})") from e
