"""Is a network failure final? A host whose name does not resolve, a network that is down, or
a port where nothing listens will not answer a retry a second later: report it at once.

Timeouts, resets and 5xx stay retryable (they are often transient). The exception chain is
walked, so the same test works for ``urllib`` (``URLError.reason``) and ccxt / aiohttp
(``ExchangeNotAvailable`` caused by ``ClientConnectorDNSError`` caused by ``gaierror``).
"""

from __future__ import annotations

import errno
import socket

_NETWORK_DOWN = {errno.ENETUNREACH: "network unreachable", errno.EHOSTUNREACH: "host unreachable",
                 errno.ENETDOWN: "network is down"}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 20:
        seen.append(current)
        reason = getattr(current, "reason", None)  # urllib.error.URLError
        if isinstance(reason, BaseException) and reason not in seen:
            seen.append(reason)
        current = current.__cause__ or current.__context__
    return seen


def unreachable_reason(exc: BaseException) -> str | None:
    """Why the host cannot be reached at all (``None`` when a retry may help).

    Returns ``"name not found (DNS)"``, ``"connection refused"`` or the network errno's
    meaning (``"network unreachable"`` ...).
    """
    for link in _chain(exc):
        if isinstance(link, socket.gaierror):
            return "name not found (DNS)"
        if isinstance(link, ConnectionRefusedError):
            return "connection refused"
        if isinstance(link, OSError) and link.errno in _NETWORK_DOWN:
            return _NETWORK_DOWN[link.errno]
    return None


__all__ = ["unreachable_reason"]
