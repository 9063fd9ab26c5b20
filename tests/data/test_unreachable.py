"""An unreachable network is reported in <= 3 s, with the default retry settings.

A refused connection is real (a closed 127.0.0.1 port). A DNS failure cannot be produced on
loopback without a resolver, so those tests replace ``socket.getaddrinfo`` for one made-up
host name (every other name resolves as usual) and count the lookups: one, not retried.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rotation_addin.core.errors import DataError
from rotation_addin.data.providers import coingecko
from rotation_addin.data.unreachable import unreachable_reason

DEAD_HOST = "no-such-host.rotation-desk-test"
LIMIT_S = 3.0


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def dns_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    real = socket.getaddrinfo
    seen: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == DEAD_HOST:
            seen.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield seen


def test_reason_walks_the_exception_chain() -> None:
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert unreachable_reason(outer) == "name not found (DNS)"
    assert unreachable_reason(ConnectionRefusedError(111, "refused")) == "connection refused"
    assert unreachable_reason(TimeoutError("slow")) is None  # a timeout may pass: retried
    assert unreachable_reason(OSError(errno.ENETUNREACH, "unreachable")) == "network unreachable"


def test_provider_refused_is_reported_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(DataError, match=r"unreachable \(connection refused\); not retried"):
        coingecko.fetch_dominance(closed_port_url())  # default policy: 3 retries, backoff
    assert time.monotonic() - started < LIMIT_S


def test_provider_dns_failure_is_not_retried(dns_lookups: list[str]) -> None:
    started = time.monotonic()
    with pytest.raises(DataError, match=r"unreachable \(name not found \(DNS\)\)"):
        coingecko.fetch_dominance(f"http://{DEAD_HOST}/api/v3")
    assert time.monotonic() - started < LIMIT_S
    assert dns_lookups == [DEAD_HOST]


def _refresh(url: str) -> float:
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.refresh import refresh_exchange
    from rotation_addin.data.universe_io import default_universe

    started = time.monotonic()
    with MarketCache() as cache, pytest.raises(DataError, match="not retried") as caught:
        refresh_exchange(default_universe(), cache=cache, api_base_url=url)
    assert "check the network" in str(caught.value)
    return time.monotonic() - started


def test_exchange_refused_is_reported_within_3_s() -> None:
    import ccxt  # noqa: F401  (imported before the clock starts: only the network is timed)

    assert _refresh(closed_port_url()) < LIMIT_S


def test_exchange_dns_failure_is_not_retried(dns_lookups: list[str]) -> None:
    import ccxt  # noqa: F401

    assert _refresh(f"https://{DEAD_HOST}") < LIMIT_S
    assert dns_lookups == [DEAD_HOST]
