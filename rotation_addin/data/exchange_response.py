"""The ccxt response hook of the exchange client: status and rate-limit headers per request.

:func:`on_rest_response` replaces ccxt's hook on the client's session class and writes into the
:class:`ResponseRecord` of the request running in the current context (:data:`CURRENT_RECORD`).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any


@dataclass
class ResponseRecord:
    """What the last HTTP response of a request said: status, weight used, Retry-After, clock."""

    status: int | None = None
    used_weight: int | None = None
    retry_after_s: float | None = None
    server_time_ms: int | None = None
    malformed: bool = False


CURRENT_RECORD: contextvars.ContextVar[ResponseRecord | None] = contextvars.ContextVar(
    "rotation_exchange_record", default=None
)
"""The record the current request's responses are written into (None outside a request)."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def on_rest_response(
    self: Any,
    code: Any,
    reason: Any,
    url: Any,
    method: Any,
    response_headers: Any,
    response_body: Any,
    request_headers: Any,
    request_body: Any,
) -> Any:
    """ccxt hook (called once per HTTP response): record status and rate-limit headers."""
    record = CURRENT_RECORD.get()
    if record is not None:
        headers = response_headers or {}
        record.status = int(code) if code is not None else None
        used = _header(headers, "X-MBX-USED-WEIGHT-1M")
        if used is not None and used.strip().isdigit():
            record.used_weight = int(used)
        retry_after = _header(headers, "Retry-After")
        if retry_after is not None:
            try:
                record.retry_after_s = float(retry_after)
            except ValueError:
                record.retry_after_s = None
        date = _header(headers, "Date")
        if date:
            try:
                record.server_time_ms = int(parsedate_to_datetime(date).timestamp() * 1000)
            except (TypeError, ValueError):
                record.server_time_ms = None
        body = (response_body or "").strip()
        if record.status == 200 and body[:1] in ("[", "{"):
            try:
                json.loads(body)
            except ValueError:
                record.malformed = True
    ccxt_class: Any = type(self).__mro__[1]  # the ccxt class's own hook
    return ccxt_class.on_rest_response(
        self,
        code,
        reason,
        url,
        method,
        response_headers,
        response_body,
        request_headers,
        request_body,
    )
