"""Where to execute: one base on several venues side by side (``rotation platforms``).

For each venue the same ccxt client (:class:`~rotation_addin.data.exchange.ExchangeClient`)
fetches, on demand, the contract chosen by :class:`~rotation_addin.data.markets.MarketMap`,
a fresh order book, funding now and 30 days of funding history, and the published leverage
tiers where the venue publishes them without a key (else the bundled brackets). The engine
(:mod:`rotation_addin.core.execution`) walks the book for the notional and prices the round
trip. A venue that does not list the contract, or cannot be reached, is a row that says so.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from rotation_addin.core.brackets import (
    BracketTable,
    bracket_table_from_ccxt,
    default_bracket_table,
)
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.execution import (
    DEPTH_BANDS,
    check_notional,
    depth_within,
    round_trip_cost,
    walk_book,
)
from rotation_addin.core.types import Side
from rotation_addin.core.validation import in_range
from rotation_addin.data.markets import normalise_base
from rotation_addin.data.on_demand import (
    ExecutionInputs,
    fetch_execution_inputs,
    inputs_from_client,
)
from rotation_addin.data.venue_defaults import DEFAULT_HOLDING_DAYS as DEFAULT_HOLDING_DAYS
from rotation_addin.data.venue_defaults import DEFAULT_VENUES as DEFAULT_VENUES

VENUE_BUDGETS: dict[str, dict[str, Any]] = {
    "bybit": {"weight_budget_per_minute": 600, "weight_window_s": 5.0, "ccxt_throttle": False},
}
"""Client pacing where the venue's public request limit is known (Bybit v5: 600 requests per
5 s per IP); OKX limits each endpoint (``exchange_transport.ENDPOINT_LIMITS``, one budget per
endpoint); Binance's weights pace Binance."""


@dataclass(frozen=True)
class PlatformRow:
    """One venue's execution figures for one base and notional (fractions, USD, base units).

    ``status`` is ``"ok"``, ``"not listed"``, ``"not trading (...)"``,
    ``"unusable book: <reason>"``, ``"unavailable: <reason>"`` or (a dated contract that
    settles before the holding period ends) ``"expires in N days: roll"``; the figures are
    None unless the row was priced. A dated contract has ``days_to_expiry``, ``basis`` and
    ``carry`` (funding None: its carry replaces the funding in the round trip).
    """

    venue: str
    status: str
    symbol: str | None = None
    taker_fee: float | None = None
    maker_fee: float | None = None
    funding_now: float | None = None
    funding_mean_30d: float | None = None
    max_leverage: float | None = None
    bracket_max_leverage: float | None = None
    bracket_mmr: float | None = None
    bracket_source: str | None = None
    min_amount: float | None = None
    min_notional_usd: float | None = None
    depth_half_pct_usd: tuple[float, float] | None = None
    depth_one_pct_usd: tuple[float, float] | None = None
    average_price: float | None = None
    slippage: float | None = None
    too_thin: bool | None = None
    round_trip_cost: float | None = None
    round_trip_cost_usd: float | None = None
    data_age_s: float | None = None
    days_to_expiry: float | None = None
    basis: float | None = None
    carry: float | None = None
    roll_warning: str | None = None


def check_venues(venues: Sequence[str]) -> tuple[str, ...]:
    """Validate ccxt ids (``venues``), keeping order, without duplicates."""
    import ccxt  # deferred: importing ccxt costs ~0.3 s

    chosen: list[str] = []
    for venue in venues:
        name = str(venue).strip().lower()
        if name not in ccxt.exchanges:
            raise InputError("venues", f"{venue!r} is not a ccxt exchange id (e.g. "
                                       f"{', '.join(DEFAULT_VENUES)})")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise InputError("venues", "list at least one venue (e.g. binanceusdm,bybit,okx)")
    return tuple(chosen)


def funding_interval_hours(funding: pd.Series) -> float:
    """Median spacing of the funding history in hours (8 when fewer than two fundings)."""
    if len(funding) < 2:
        return 8.0
    gaps = pd.Series(pd.DatetimeIndex(funding.index)).diff().dropna().dt.total_seconds()
    hours = float(gaps.median()) / 3600.0
    return hours if math.isfinite(hours) and hours > 0 else 8.0


def platform_row(inputs: ExecutionInputs, notional_usd: float, side: Side,
                 holding_days: float, now: datetime,
                 table: BracketTable | None = None) -> PlatformRow:
    """The figures of one venue from its fetched inputs (pure arithmetic, no network).

    Expected funding uses the funding history's mean; without a history, funding now (one
    rate); with neither, none. ``table`` overrides the brackets (default: the published tiers
    in ``inputs``, else the bundled ones). Raises InputError ``order_book`` on a book that
    cannot be walked (see :func:`platform_row_or_flag`).
    """
    book, spec = inputs.book, inputs.spec
    walk = walk_book(book.bids, book.asks, notional_usd, side)
    rates = [float(r) for r in inputs.funding.to_numpy() if math.isfinite(float(r))]
    expected = rates or ([inputs.funding_now] if inputs.funding_now is not None
                         and math.isfinite(inputs.funding_now) else None)
    cost = round_trip_cost(book.bids, book.asks, notional_usd, side,
                           taker_fee_rate=spec.taker_fee_rate, holding_days=holding_days,
                           funding_rates=expected,
                           funding_interval_hours=funding_interval_hours(inputs.funding))
    if table is None:
        table = (bracket_table_from_ccxt(inputs.symbol, inputs.brackets,
                                         source=f"{inputs.exchange_id} (published)")
                 if inputs.brackets else default_bracket_table(inputs.base))
    bracket = table.for_notional(notional_usd)
    bands = [depth_within(book.bids, book.asks, band) for band in DEPTH_BANDS]
    return PlatformRow(
        venue=inputs.exchange_id,
        status=below_minimum(notional_usd, walk.average_price, spec.min_amount,
                             spec.min_notional_usd) or "ok", symbol=inputs.symbol,
        taker_fee=spec.taker_fee_rate, maker_fee=spec.maker_fee_rate,
        funding_now=inputs.funding_now,
        funding_mean_30d=sum(rates) / len(rates) if rates else None,
        max_leverage=spec.max_leverage, bracket_max_leverage=bracket.max_leverage,
        bracket_mmr=bracket.maintenance_margin_rate, bracket_source=table.source,
        min_amount=spec.min_amount, min_notional_usd=spec.min_notional_usd,
        depth_half_pct_usd=(bands[0].bid_usd, bands[0].ask_usd),
        depth_one_pct_usd=(bands[1].bid_usd, bands[1].ask_usd),
        average_price=walk.average_price, slippage=walk.slippage, too_thin=cost.too_thin,
        round_trip_cost=cost.total, round_trip_cost_usd=cost.total_usd,
        data_age_s=max(0.0, (now - inputs.fetched_at).total_seconds()),
    )


def below_minimum(notional_usd: float, average_price: float | None, min_amount: float | None,
                  min_notional_usd: float | None) -> str | None:
    """Why the venue takes no order of ``notional_usd`` (USD) filled at ``average_price``:
    below its minimum notional (USD) or its minimum amount (base units); None when it does.
    Such a row keeps its figures but is no candidate for :func:`cheapest` (a round trip
    that cannot be placed costs nothing only on paper)."""
    if min_notional_usd is not None and notional_usd < min_notional_usd:
        return f"below the minimum notional {min_notional_usd:g} USD"
    if min_amount is not None and average_price is not None and average_price > 0 \
            and notional_usd / average_price < min_amount * (1 - 1e-12):
        return f"below the minimum amount {min_amount:g}"
    return None


def platform_row_or_flag(inputs: ExecutionInputs, notional_usd: float, side: Side,
                         holding_days: float, now: datetime,
                         table: BracketTable | None = None) -> PlatformRow:
    """:func:`platform_row`, or a row flagged ``unusable book: <why>`` when the venue's book
    is empty, crossed (best bid >= best ask) or malformed."""
    try:
        return platform_row(inputs, notional_usd, side, holding_days, now, table)
    except InputError as exc:
        if exc.field != "order_book":
            raise
        return PlatformRow(inputs.exchange_id, f"unusable book: {exc.reason}",
                           symbol=inputs.symbol)


def compare_venues(symbol: str, notional_usd: float, *, side: Side | str = Side.LONG,
                   venues: Sequence[str] = DEFAULT_VENUES,
                   holding_days: float = DEFAULT_HOLDING_DAYS,
                   api_urls: Mapping[str, str] | None = None,
                   client_options: Mapping[str, Any] | None = None,
                   now: datetime | None = None) -> list[PlatformRow]:
    """One :class:`PlatformRow` per venue for ``symbol`` at ``notional_usd`` (USD).

    Parameters
    ----------
    symbol : str
        A base (``RENDER``; aliases and ``1000``-prefixes resolved).
    notional_usd : float
        Order notional, (0, 1e12] USD.
    side : Side or str
        Side of the opening order.
    venues : sequence of str
        ccxt ids.
    holding_days : float
        Holding period of the round trip, [0, 3650] days.
    api_urls : mapping, optional
        Venue -> base URL replacing its REST host (loopback emulators).
    """
    chosen_side = Side.parse(side)
    notional = check_notional(notional_usd)
    days = in_range("holding_days", holding_days, 0.0, 3650.0)
    base = normalise_base(symbol)
    if not base or not base.replace("_", "").isalnum():
        raise InputError("symbol", f"must be a base like RENDER (got {symbol!r})")
    rows: list[PlatformRow] = []
    for venue in check_venues(venues):
        try:
            options = {**VENUE_BUDGETS.get(venue, {}), **dict(client_options or {})}
            inputs = fetch_execution_inputs(venue, base, api_base_url=(api_urls or {}).get(venue),
                                            client_options=options)
            rows.append(platform_row_or_flag(inputs, notional, chosen_side, days,
                                             now or datetime.now(UTC)))
        except InputError as exc:
            if exc.field != "symbol":
                raise
            rows.append(PlatformRow(venue, exc.reason.split(" is ", 1)[-1].split(" as a ")[0]))
        except DataError as exc:
            reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
            rows.append(PlatformRow(venue, f"unavailable: {reason[:90]}"))
    return rows


async def compare_many_async(
    symbols: Sequence[str], notional_usd: float, *, side: Side | str = Side.LONG,
    venues: Sequence[str] = DEFAULT_VENUES, holding_days: float = DEFAULT_HOLDING_DAYS,
    api_urls: Mapping[str, str] | None = None,
    client_options: Mapping[str, Mapping[str, Any]] | None = None,
    now: datetime | None = None,
) -> dict[str, list[PlatformRow]]:
    """:func:`compare_venues` for many symbols: one client per venue, venues concurrently.

    ``client_options`` maps a venue to extra ``ExchangeClient`` arguments (default
    :data:`VENUE_BUDGETS`). Returns rows by symbol, one per venue in ``venues`` order.
    """
    chosen_side = Side.parse(side)
    bases = [normalise_base(s) for s in symbols]
    rows = await compare_orders_async([(b, notional_usd, chosen_side) for b in bases],
                                      venues=venues, holding_days=holding_days,
                                      api_urls=api_urls, client_options=client_options, now=now)
    return dict(zip(bases, rows, strict=True))


async def compare_orders_async(
    orders: Sequence[tuple[str, float, Side | str]], *,
    venues: Sequence[str] = DEFAULT_VENUES, holding_days: float = DEFAULT_HOLDING_DAYS,
    api_urls: Mapping[str, str] | None = None,
    client_options: Mapping[str, Mapping[str, Any]] | None = None,
    now: datetime | None = None,
) -> list[list[PlatformRow]]:
    """Rows of each ``(base, notional USD, side)`` on every venue: one client (one market
    load) per venue, every order's requests concurrent under that venue's budget, venues
    concurrently. Returns, per order, one row per venue in ``venues`` order."""
    from rotation_addin.data.exchange import ExchangeClient  # deferred: imports ccxt

    checked = [(normalise_base(b), check_notional(n), Side.parse(s)) for b, n, s in orders]
    days = in_range("holding_days", holding_days, 0.0, 3650.0)
    names = check_venues(venues)
    bases = list(dict.fromkeys(b for b, _, _ in checked))

    async def one_venue(venue: str) -> list[PlatformRow]:
        options = {**VENUE_BUDGETS.get(venue, {}), **dict((client_options or {}).get(venue, {}))}
        try:
            async with ExchangeClient(venue, api_base_url=(api_urls or {}).get(venue),
                                      **options) as client:
                specs = await client.load_markets()
                found = await asyncio.gather(*(
                    inputs_from_client(client, specs, b) for b in bases), return_exceptions=True)
        except DataError as exc:
            return [PlatformRow(venue, f"unavailable: {str(exc)[:90]}") for _ in checked]
        by_base = dict(zip(bases, found, strict=True))
        return [_row_of(venue, by_base[b], n, s, days, now) for b, n, s in checked]

    per_venue = await asyncio.gather(*(one_venue(v) for v in names))
    return [[rows[i] for rows in per_venue] for i in range(len(checked))]


def _row_of(venue: str, item: object, notional: float, side: Side, days: float,
            now: datetime | None) -> PlatformRow:
    """One venue's row from what its fetch returned (inputs or the exception raised)."""
    if isinstance(item, ExecutionInputs):
        return platform_row_or_flag(item, notional, side, days, now or datetime.now(UTC))
    if isinstance(item, InputError) and item.field == "symbol":
        return PlatformRow(venue, item.reason.split(" is ", 1)[-1].split(" as a ")[0])
    return PlatformRow(venue, f"unavailable: {str(item)[:90]}")


def cheapest(rows: Sequence[PlatformRow]) -> PlatformRow | None:
    """The listed venue with the lowest round-trip cost (None when no venue prices it); a
    dated contract that settles before the holding period ends is not a candidate."""
    priced = [r for r in rows if r.round_trip_cost is not None and r.status == "ok"]
    return min(priced, key=lambda r: r.round_trip_cost or 0.0) if priced else None


__all__ = [
    "DEFAULT_HOLDING_DAYS",
    "DEFAULT_VENUES",
    "VENUE_BUDGETS",
    "PlatformRow",
    "below_minimum",
    "cheapest",
    "check_venues",
    "compare_many_async",
    "compare_orders_async",
    "compare_venues",
    "funding_interval_hours",
    "platform_row",
    "platform_row_or_flag",
]
