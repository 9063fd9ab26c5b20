"""Fetch the macro and sentiment providers and store their series in the SQLite cache.

Series names in the cache (``MarketCache.write_series``): ``"macro"`` with keys
``btc_dominance``, ``stablecoin_supply_usd``, ``equity_index``; ``"social_volume"`` and
``"onchain_activity"`` keyed by base. Each provider is independent: one failing is reported
and leaves its stored series untouched; the others still refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.providers import coingecko, coingecko_caps, defillama, equity, santiment
from rotation_addin.data.providers.http import DEFAULT_POLICY, HttpPolicy
from rotation_addin.data.redact import known_secrets, redact

MACRO = "macro"
SOCIAL = "social_volume"
ONCHAIN = "onchain_activity"
LOG_EXCHANGE = "providers"


@dataclass(frozen=True)
class ProviderOutcome:
    """Result of one provider: ``values_written`` on success, ``error`` otherwise."""

    provider: str
    series: str
    values_written: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ProviderUrls:
    """Base URLs (defaults are the public services; tests point them at 127.0.0.1)."""

    coingecko: str = coingecko.DEFAULT_BASE_URL
    defillama: str = defillama.DEFAULT_BASE_URL
    fred: str = equity.DEFAULT_BASE_URL
    santiment: str = santiment.DEFAULT_BASE_URL


def _log(cache: MarketCache, what: str, started: datetime,
         outcomes: Iterable[ProviderOutcome]) -> None:
    items = list(outcomes)
    failures = {o.provider: o.error or "" for o in items if not o.ok}  # redacted by the cache
    cache.log_refresh(exchange=LOG_EXCHANGE, what=what,
                      outcome="ok" if not failures else ("failed" if len(failures) == len(items)
                                                         else "partial"),
                      started=started, finished=datetime.now(UTC), failures=failures,
                      detail={o.provider: o.values_written for o in items})


def refresh_macro(
    cache: MarketCache,
    *,
    urls: ProviderUrls = ProviderUrls(),
    equity_csv: Path | None = None,
    equity_series_id: str = equity.DEFAULT_SERIES,
    policy: HttpPolicy = DEFAULT_POLICY,
) -> tuple[ProviderOutcome, ...]:
    """Refresh BTC dominance (today's snapshot, and the market-cap proxy for the days before
    it: :mod:`rotation_addin.data.providers.coingecko_caps`), stablecoin supply and the
    equity index. The proxy runs only after a snapshot: it is scaled to it."""
    started = datetime.now(UTC)
    outcomes: list[ProviderOutcome] = []

    def run(provider: str, key: str, fetch: object) -> None:
        try:
            series = fetch()  # type: ignore[operator]
            written = cache.write_series(MACRO, key, series, source=provider)
            outcomes.append(ProviderOutcome(provider, key, written))
        except (DataError, InputError) as exc:
            outcomes.append(ProviderOutcome(provider, key, 0, redact(str(exc))))

    snapshot: list[float] = []

    def dominance() -> pd.Series:
        snap = coingecko.fetch_dominance(urls.coingecko, policy=policy)
        snapshot.append(snap.btc_dominance)
        day = pd.Timestamp(snap.day, tz="UTC")
        return pd.Series([snap.btc_dominance], index=pd.DatetimeIndex([day], name="date"))

    def dominance_proxy() -> pd.Series:
        """The proxy history for the days the cache has no dominance yet (never overwrites)."""
        history = coingecko_caps.dominance_history(urls.coingecko, snapshot[0], policy=policy)
        stored = cache.read_series(MACRO, "btc_dominance").dropna()
        return history[~history.index.isin(stored.index)]

    run(coingecko.PROVIDER, "btc_dominance", dominance)
    if snapshot:  # unanchored, the proxy's level would not be the true dominance's
        run(coingecko_caps.PROVIDER, "btc_dominance", dominance_proxy)
    run(defillama.PROVIDER, "stablecoin_supply_usd",
        lambda: defillama.fetch_stablecoin_supply(urls.defillama, policy=policy))
    if equity_csv is not None:
        run(f"equity CSV {Path(equity_csv).name}", "equity_index",
            lambda: equity.read_equity_index_file(Path(equity_csv)))
    else:
        run(f"FRED {equity_series_id}", "equity_index",
            lambda: equity.fetch_equity_index(urls.fred, equity_series_id, policy=policy))
    _log(cache, "macro", started, outcomes)
    return tuple(outcomes)


def refresh_sentiment(
    cache: MarketCache,
    bases: Iterable[str],
    *,
    since: date,
    until: date | None = None,
    api_key: str,
    urls: ProviderUrls = ProviderUrls(),
    policy: HttpPolicy = DEFAULT_POLICY,
) -> tuple[ProviderOutcome, ...]:
    """Refresh social volume and on-chain activity from Santiment for ``bases``."""
    started = datetime.now(UTC)
    end = until or datetime.now(UTC).date()
    result = santiment.fetch_sentiment(list(bases), since, end, api_key=api_key,
                                       base_url=urls.santiment, policy=policy)
    outcomes: list[ProviderOutcome] = []
    for base in result.social_volume.columns:
        written = cache.write_series(SOCIAL, str(base), result.social_volume[base],
                                     source=santiment.PROVIDER)
        written += cache.write_series(ONCHAIN, str(base), result.onchain_activity[base],
                                      source=santiment.PROVIDER)
        outcomes.append(ProviderOutcome(f"{santiment.PROVIDER} {base}", "sentiment", written))
    stored = [api_key, *known_secrets()]
    outcomes.extend(ProviderOutcome(f"{santiment.PROVIDER} {base}", "sentiment", 0,
                                    redact(reason, stored))
                    for base, reason in result.failures)
    _log(cache, "sentiment", started, outcomes)
    return tuple(outcomes)
