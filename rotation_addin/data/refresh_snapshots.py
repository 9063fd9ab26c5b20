"""What a live refresh fetches once for all symbols: tickers or marks and funding, leverage tiers.

A failure here is a warning in the tally, not a symbol failure (the refresh goes on without
the snapshot), unless the refresh was cancelled or the IP is banned.
"""

from __future__ import annotations

from typing import Any

from rotation_addin.data.exchange_protocol import MarketDataClient
from rotation_addin.data.refresh_common import RefreshTally, failure_reason, is_cancelled


async def fetch_tickers(
    client: MarketDataClient, listed: tuple[str, ...], tally: RefreshTally
) -> dict[str, Any]:
    """Latest tickers (with funding rates); a failure here is a warning, not a symbol failure."""
    if not listed:
        return {}
    try:
        return dict(await client.fetch_tickers(list(listed)))
    except Exception as exc:
        if is_cancelled(client.cancel) or "Banned" in type(exc).__name__:
            raise
        tally.warnings.append(f"tickers not refreshed: {failure_reason(exc)}")
        return {}


async def fetch_marks(client: Any, listed: tuple[str, ...], tally: RefreshTally) -> dict[str, Any]:
    """Mark price and funding now by base (a warning, not a failure, when unavailable)."""
    if not listed:
        return {}
    try:
        return dict(await client.fetch_funding_rates(list(listed)))
    except Exception as exc:
        if is_cancelled(getattr(client, "cancel", None)) or "Banned" in type(exc).__name__:
            raise
        tally.warnings.append(f"tickers not refreshed: {failure_reason(exc)}")
        return {}


async def fetch_leverage_tiers(
    client: MarketDataClient, listed: tuple[str, ...], tally: RefreshTally
) -> dict[str, Any]:
    """Leverage tiers where the exchange publishes them; otherwise a note (defaults apply)."""
    if not listed:
        return {}
    try:
        result = await client.fetch_leverage_tiers(list(listed))
    except Exception as exc:
        if is_cancelled(client.cancel) or "Banned" in type(exc).__name__:
            raise
        tally.warnings.append(f"leverage tiers not refreshed: {failure_reason(exc)}")
        return {}
    if not result.available:
        message = result.message or "not published"
        tally.warnings.append(f"leverage tiers: {message}")
        return {}
    return {b: t for b, t in dict(result.tiers).items() if t}
