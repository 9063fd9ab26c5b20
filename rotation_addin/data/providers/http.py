"""A small, dependency-free HTTP client for the providers (standard-library ``urllib``).

Retries 429/5xx/timeouts with exponential backoff, honouring ``Retry-After``; every failure
becomes a :class:`DataError` naming the provider and URL (never the API key: headers are not
echoed and query strings holding secrets are redacted).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rotation_addin import __version__
from rotation_addin.core.errors import DataError
from rotation_addin.data.unreachable import unreachable_reason

USER_AGENT = f"rotation-desk/{__version__} (+read-only market data)"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
SECRET_PARAMS = frozenset({"apikey", "api_key", "key", "token", "x_cg_demo_api_key"})


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retries for one provider.

    Attributes
    ----------
    timeout_s : float
        Socket timeout per attempt, seconds.
    max_retries : int
        Extra attempts after the first for retryable failures.
    backoff_s : float
        First backoff; doubles each retry, capped by ``max_backoff_s``.
    """

    timeout_s: float = 15.0
    max_retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0


DEFAULT_POLICY = HttpPolicy()


def redact_url(url: str) -> str:
    """Return ``url`` with secret-looking query parameters replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    safe = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in query]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(safe)))


def _retry_after_s(error: urllib.error.HTTPError, fallback: float) -> float:
    header = error.headers.get("Retry-After") if error.headers else None
    if header is None:
        return fallback
    try:
        return max(0.0, float(header))
    except ValueError:
        return fallback


def request_bytes(
    provider: str,
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    policy: HttpPolicy = DEFAULT_POLICY,
) -> bytes:
    """Perform an HTTP request and return the body, retrying transient failures.

    Raises
    ------
    DataError
        On a non-retryable status, or when retries are exhausted.
    """
    all_headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})}
    shown = redact_url(url)
    delay = policy.backoff_s
    last_problem = "no attempt made"
    for attempt in range(policy.max_retries + 1):
        request = urllib.request.Request(url, data=body, headers=all_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=policy.timeout_s) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            last_problem = f"HTTP {exc.code}"
            if exc.code not in RETRYABLE_STATUS:
                raise DataError(f"{provider}: {shown} answered HTTP {exc.code}") from None
            wait = _retry_after_s(exc, delay)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            final = unreachable_reason(exc)
            if final is not None:  # no answer a second later either: say so at once
                raise DataError(f"{provider}: {shown} unreachable ({final}); "
                                "not retried") from None
            reason = getattr(exc, "reason", exc)
            last_problem = f"network error ({reason})"
            wait = delay
        if attempt < policy.max_retries:
            time.sleep(min(wait, policy.max_backoff_s))
            delay = min(delay * 2, policy.max_backoff_s)
    raise DataError(
        f"{provider}: {shown} failed after {policy.max_retries + 1} attempts: {last_problem}"
    )


def get_json(
    provider: str,
    url: str,
    *,
    method: str = "GET",
    payload: Any = None,
    headers: Mapping[str, str] | None = None,
    policy: HttpPolicy = DEFAULT_POLICY,
) -> Any:
    """Request ``url`` and parse JSON; malformed JSON is retried once, then a DataError."""
    body = None if payload is None else json.dumps(payload).encode()
    all_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    for attempt in range(2):
        raw = request_bytes(provider, url, method=method, body=body, headers=all_headers,
                            policy=policy)
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if attempt == 1:
                raise DataError(
                    f"{provider}: {redact_url(url)} returned malformed JSON "
                    f"({len(raw)} bytes)"
                ) from None
    raise AssertionError("unreachable")
