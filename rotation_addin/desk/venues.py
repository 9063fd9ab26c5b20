"""Where to execute, for every surface: the Platforms sheet, the app's Venues tab, the plan.

One validated request (:func:`venue_request`: each field checked, the error names it and its
range) and one table (:func:`venue_table`): each live venue asked (public endpoints, fetched
now, :func:`rotation_addin.data.venues.compare_venues`), or -- when no live venue is asked --
the loaded data's own venue (the demo (simulated) market or the cache's exchange, priced
offline from its stored book, contract and funding). The two are never mixed in one table: a
simulated or hours-old cached book is not a quote to compare live books against. A venue
without the contract, or whose book cannot be walked (empty, crossed), is a row that says
so, never an exception.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.execution import HOLDING_RANGE_DAYS, NOTIONAL_RANGE_USD, check_notional
from rotation_addin.core.typed_numbers import number_field
from rotation_addin.core.types import Side
from rotation_addin.core.validation import in_range
from rotation_addin.data.demo import demo_market
from rotation_addin.data.markets import normalise_base
from rotation_addin.data.on_demand import DEFAULT_FUNDING_DAYS, ExecutionInputs
from rotation_addin.data.quarterlies import quarterly_rows
from rotation_addin.data.venues import (
    DEFAULT_HOLDING_DAYS,
    PlatformRow,
    cheapest,
    check_venues,
    compare_orders_async,
    compare_venues,
    platform_row_or_flag,
)
from rotation_addin.desk.quick_check import brackets_for

MAX_SYMBOL_CHARS = 20
"""Longest base accepted (``1000000MOG`` is 10)."""


@dataclass(frozen=True)
class VenueRequest:
    """One comparison asked by a user: base, notional (USD), side, live venues, holding days."""

    symbol: str
    notional_usd: float
    side: Side
    venues: tuple[str, ...]
    holding_days: float = DEFAULT_HOLDING_DAYS


def _number(field: str, value: object) -> float:
    if isinstance(value, str):
        return number_field(field, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(field, f"must be a number (got {value!r})")
    return float(value)


def check_symbol(symbol: object) -> str:
    """The universe's base of a typed symbol (``rndr`` -> ``RENDER``) or InputError ``symbol``."""
    text = str(symbol or "").strip()
    base = normalise_base(text) if text else ""
    if not base or len(base) > MAX_SYMBOL_CHARS or not base.replace("_", "").isalnum():
        raise InputError("symbol", f"must be a base like RENDER, 1 to {MAX_SYMBOL_CHARS} "
                                   f"letters or digits (got {text!r})")
    return base


def venue_request(symbol: object, notional_usd: object, side: object = "long",
                  venues: str | Sequence[str] = (),
                  holding_days: object = DEFAULT_HOLDING_DAYS) -> VenueRequest:
    """Validate what a user typed, field by field.

    Parameters
    ----------
    symbol : str
        A base (``RENDER``; ``RNDR`` and ``1000PEPE`` are mapped).
    notional_usd : float or str
        Order notional in USD, in (0, 1e12].
    side : str
        ``long``/``buy`` or ``short``/``sell``.
    venues : str or sequence of str
        Live venues (ccxt ids; a comma-separated text is split). Empty: the loaded data only.
    holding_days : float or str
        Holding period of the round trip, [0, 3650] days.

    Raises
    ------
    InputError
        Naming ``symbol``, ``notional``, ``side``, ``venues`` or ``holding_days``.
    """
    base = check_symbol(symbol)
    notional = check_notional(_number("notional", notional_usd))
    chosen = Side.parse(side.strip() if isinstance(side, str) else side)
    days = in_range("holding_days", _number("holding_days", holding_days), *HOLDING_RANGE_DAYS)
    if isinstance(venues, str):
        names = [v.strip() for v in venues.split(",")]
    elif isinstance(venues, list | tuple):
        names = [str(v).strip() for v in venues]
    else:
        raise InputError("venues", f"must be ccxt ids separated by commas (got {venues!r})")
    names = [v for v in names if v]
    live = check_venues(names) if names else ()
    return VenueRequest(base, notional, chosen, live, days)


def data_venue_label(dataset: MarketDataset) -> str:
    """The loaded data's venue as shown in a table: ``demo (simulated)`` or its source."""
    return dataset.source


def dataset_venue_row(dataset: MarketDataset, request: VenueRequest, *,
                      funding_history: pd.Series | None = None,
                      now: datetime | None = None) -> PlatformRow:
    """The loaded data's venue priced from its stored book, contract, funding and brackets.

    ``funding_history`` (rates by funding time) gives the 30-day mean and the expected funding;
    without it the expectation uses funding now (one rate) and the 30-day mean is blank.
    """
    label = data_venue_label(dataset)
    base = request.symbol
    spec = dataset.contracts.get(base)
    book = dataset.order_books.get(base) if spec is not None else None
    if spec is None or book is None:
        return PlatformRow(label, "not listed")
    ticker = dataset.tickers.get(base)
    funding_now = ticker.funding_rate if ticker is not None else None
    if funding_history is None:
        funding_history = demo_funding_30d(dataset, base)
    history = funding_history if funding_history is not None else pd.Series(dtype=float)
    inputs = ExecutionInputs(label, base, spec.symbol, spec, book, funding_now, history, (),
                             book.timestamp.astimezone(UTC))
    moment = now or max(datetime.now(UTC), inputs.fetched_at)
    return platform_row_or_flag(inputs, request.notional_usd, request.side,
                                request.holding_days, moment, brackets_for(dataset, base))


def demo_funding_30d(dataset: MarketDataset, base: str) -> pd.Series | None:
    """The demo market's funding of ``base`` over the 30 days to ``as_of`` (None if not demo)."""
    if not dataset.is_demo or base not in dataset.close.columns:
        return None

    end = pd.Timestamp(dataset.close.index[-1]).date()
    market = demo_market(end=end, days=len(dataset.close), universe=dataset.universe)
    rates = market.funding_history(base)["funding_rate"]
    stamps = pd.DatetimeIndex(rates.index)
    as_of = pd.Timestamp(dataset.as_of)
    keep = (stamps <= as_of) & (stamps > as_of - pd.Timedelta(days=DEFAULT_FUNDING_DAYS))
    return rates[keep]


def venue_table(request: VenueRequest, dataset: MarketDataset | None = None, *,
                funding_history: pd.Series | None = None,
                api_urls: Mapping[str, str] | None = None,
                now: datetime | None = None) -> list[PlatformRow]:
    """Rows for ``request``: one per live venue, or the loaded data's venue when none is asked."""
    rows: list[PlatformRow] = []
    if dataset is not None and not request.venues:
        rows.append(dataset_venue_row(dataset, request, funding_history=funding_history,
                                      now=now))
    if request.venues:
        rows.extend(compare_venues(request.symbol, request.notional_usd, side=request.side,
                                   venues=request.venues, holding_days=request.holding_days,
                                   api_urls=api_urls, now=now))
    return rows


@dataclass(frozen=True)
class OrderVenues:
    """The venues of one plan order and the cheapest of them (None when none prices it)."""

    action: str
    base: str
    side: Side
    notional_usd: float
    rows: tuple[PlatformRow, ...]
    best: PlatformRow | None


def quarterly_candidates(venue: str, base: str, notional_usd: float, side: Side,
                         holding_days: float, api_url: str | None = None,
                         now: datetime | None = None) -> list[PlatformRow]:
    """The dated contracts of ``base`` on ``venue`` as instruments beside its perpetual.

    Each is a row priced like a perpetual's but with no funding: its round trip is taker both
    sides + walked slippage both sides + the basis carry over ``holding_days``. One that
    settles before the holding period ends says ``expires in N days: roll`` (not a candidate
    for the cheapest); one inside the roll window carries the roll warning. A venue that
    cannot be asked gives no rows (its perpetual row already says why).
    """
    try:
        found = quarterly_rows(venue, base, notional_usd, side=side, api_base_url=api_url,
                               holding_days=holding_days, now=now)
    except (DataError, InputError):
        return []
    rows = []
    for q in found:
        view = q.view
        status = f"expires in {view.days_to_expiry:.1f} days: roll" if q.expires_first else "ok"
        cost = q.round_trip_cost
        rows.append(PlatformRow(
            venue, status, symbol=view.symbol, taker_fee=q.taker_fee, average_price=q.price,
            too_thin=q.too_thin, round_trip_cost=cost,
            round_trip_cost_usd=None if cost is None else cost * notional_usd,
            days_to_expiry=view.days_to_expiry, basis=view.basis, carry=q.carry,
            roll_warning=view.roll_warning))
    return rows


def plan_order_venues(orders: Sequence[Any], dataset: MarketDataset | None, *,
                      venues: Sequence[str] = (), holding_days: float = DEFAULT_HOLDING_DAYS,
                      api_urls: Mapping[str, str] | None = None, limit: int = 25,
                      now: datetime | None = None,
                      quarterlies: bool = False) -> list[OrderVenues]:
    """Per plan order (the first ``limit`` with a notional): each venue's row and the cheapest.

    The live ``venues`` are fetched with one client per venue for all the orders
    (:func:`compare_orders_async`); without live venues, the loaded data's venue is priced
    offline instead. With ``quarterlies``, each live venue's dated contracts of the base
    are candidates too (:func:`quarterly_candidates`): the cheapest may be a quarterly.
    """
    picked: list[tuple[str, str, float, Side]] = []
    for order in orders:
        notional = float(getattr(order, "notional_usd", 0.0) or 0.0)
        if len(picked) < limit and math.isfinite(notional) and notional > 0:
            picked.append((order.action, order.base, min(notional, NOTIONAL_RANGE_USD[1]),
                           Side.parse(order.order_side)))
    live: list[list[PlatformRow]] = [[] for _ in picked]
    if venues and picked:
        live = asyncio.run(compare_orders_async(
            [(base, notional, side) for _, base, notional, side in picked], venues=venues,
            holding_days=holding_days, api_urls=api_urls, now=now))
    out: list[OrderVenues] = []
    for (action, base, notional, side), remote in zip(picked, live, strict=True):
        rows = list(remote)
        if quarterlies:
            for perpetual in remote:
                if perpetual.status == "ok":
                    rows.extend(quarterly_candidates(
                        perpetual.venue, base, notional, side, holding_days,
                        (api_urls or {}).get(perpetual.venue)))  # the venue's own clock
        if dataset is not None and not venues:
            request = VenueRequest(base, notional, side, (), holding_days)
            rows.insert(0, dataset_venue_row(dataset, request, now=now))
        out.append(OrderVenues(action, base, side, notional, tuple(rows), cheapest(rows)))
    return out


__all__ = [
    "MAX_SYMBOL_CHARS",
    "OrderVenues",
    "VenueRequest",
    "check_symbol",
    "data_venue_label",
    "dataset_venue_row",
    "demo_funding_30d",
    "plan_order_venues",
    "quarterly_candidates",
    "venue_request",
    "venue_table",
]
