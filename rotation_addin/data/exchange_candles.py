"""Candle fetching of the exchange client: paged klines, hourly-derived daily candles, batches.

:class:`CandleFetching` adds the candle methods to the transport; see
:class:`~rotation_addin.data.exchange.ExchangeClient` for the whole client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.candles import (
    TIMEFRAME_MS,
    aggregate_days,
)
from rotation_addin.data.exchange_markets import MarketListing
from rotation_addin.data.exchange_parsing import (
    _check_raw_klines,
    _check_unified_ohlcv,
    assemble_candles,
    kline_rows,
)
from rotation_addin.data.exchange_results import (
    BatchResult,
    ExchangeBannedError,
    FetchCancelledError,
    OhlcvResult,
    SymbolFetchError,
)
from rotation_addin.data.exchange_transport import (
    _to_ms,
)
from rotation_addin.data.weights import (
    klines_weight,
    plan_pages,
    plan_weight,
)


class CandleFetching(MarketListing):
    """Closed candles only, sorted, de-duplicated, gaps reported (never filled)."""

    # ------------------------------------------------------------------ candles
    async def fetch_ohlcv(
        self,
        base: str,
        timeframe: str,
        since: datetime | int,
        until: datetime | int | None = None,
    ) -> OhlcvResult:
        """Closed candles of ``base`` with open time in ``[since, until)``.

        Pages are planned for the least request weight (:func:`weights.plan_pages`: pages of
        499 candles, the last one sized to what is left). If nothing can have closed since
        ``since``, no request is sent.

        Parameters
        ----------
        base : str
            Base asset (``"RENDER"``).
        timeframe : str
            ``"1d"`` or ``"1h"`` (also 1m/5m/15m/4h/8h).
        since : datetime or int
            First open time wanted (aware UTC datetime or Unix ms). For an incremental
            refresh pass the last stored open time + one candle.
        until : datetime, int or None
            Exclusive end of open times (datetime or Unix ms); default: the last closed one.
        """
        return await self._cancellable(self._fetch_ohlcv(base, timeframe, since, until))

    def _window(
        self, timeframe: str, since: datetime | int, until: datetime | int | None
    ) -> tuple[int, int, int]:
        """Validate; return (step ms, first open wanted, last open that may be closed)."""
        if timeframe not in TIMEFRAME_MS:
            raise InputError(
                "timeframe", f"must be one of {sorted(TIMEFRAME_MS)} (got {timeframe!r})"
            )
        step = TIMEFRAME_MS[timeframe]
        since_ms = _to_ms(since, "since")
        until_ms = _to_ms(until, "until") if until is not None else None
        if until_ms is not None and until_ms <= since_ms:
            raise InputError("until", f"must be after since {since!r} (got {until!r})")
        first_open = -(-since_ms // step) * step
        last_open = (self._server_now_ms() // step) * step - step
        if until_ms is not None:
            last_open = min(last_open, ((until_ms - 1) // step) * step)
        return step, first_open, last_open

    async def _fetch_ohlcv(
        self, base: str, timeframe: str, since: datetime | int, until: datetime | int | None
    ) -> OhlcvResult:
        await self._symbol(base)  # loads markets first: they set the exchange clock offset
        _, first_open, last_open = self._window(timeframe, since, until)
        stats = {"requests": 0, "weight": 0, "server_now": 0}
        rows, closed_limit = await self._fetch_rows(base, timeframe, first_open, last_open, stats)
        return assemble_candles(base, timeframe, rows, first_open, closed_limit, stats)

    async def _fetch_rows(
        self, base: str, timeframe: str, first_open: int, last_open: int, stats: dict[str, int]
    ) -> tuple[list[list[float]], int]:
        """Raw rows for open times in [first_open, last_open]; (rows, last closed open time)."""
        step = TIMEFRAME_MS[timeframe]
        if last_open < first_open:
            return [], last_open
        symbol = await self._symbol(base)
        n_candles = (last_open - first_open) // step + 1
        chunks: list[tuple[int, int]] = []
        cursor = first_open
        for size in plan_pages(n_candles):
            chunks.append((cursor, cursor + (size - 1) * step))
            cursor += size * step
        pages = await asyncio.gather(
            *(self._fetch_chunk(base, symbol, timeframe, lo, hi, stats) for lo, hi in chunks)
        )
        rows = [row for page in pages for row in page]
        server_now = stats["server_now"] or self._server_now_ms()
        return rows, min(last_open, (server_now // step) * step - step)

    async def fetch_candles(
        self,
        base: str,
        since: Mapping[str, datetime | int],
        until: datetime | int | None = None,
    ) -> dict[str, OhlcvResult]:
        """Candles of one symbol for several timeframes: ``since`` maps timeframe -> start.

        With both ``"1d"`` and ``"1h"`` (and ``derive_daily`` on), daily candles covered by
        the hourly download are aggregated from it instead of being requested: a UTC daily
        kline *is* its 24 hourly klines (open of the first, max high, min low, close of the
        last, summed volumes). The hourly download is stretched back to earlier midnights
        only while that costs no extra weight; days with an hourly gap are still requested.
        An incremental refresh then costs one request (weight 1) per symbol.
        """
        return await self._cancellable(self._fetch_candles(base, dict(since), until))

    async def _fetch_candles(
        self, base: str, since: dict[str, datetime | int], until: datetime | int | None
    ) -> dict[str, OhlcvResult]:
        out: dict[str, OhlcvResult] = {}
        pair = self.derive_daily and "1d" in since and "1h" in since
        for timeframe, start in since.items():
            if not pair or timeframe not in ("1d", "1h"):
                out[timeframe] = await self._fetch_ohlcv(base, timeframe, start, until)
        if pair:
            out["1h"], out["1d"] = await self._hourly_and_daily(
                base, since["1h"], since["1d"], until
            )
        return {tf: out[tf] for tf in since}

    async def _hourly_and_daily(
        self,
        base: str,
        since_h: datetime | int,
        since_d: datetime | int,
        until: datetime | int | None,
    ) -> tuple[OhlcvResult, OhlcvResult]:
        hour, day = TIMEFRAME_MS["1h"], TIMEFRAME_MS["1d"]
        await self._symbol(base)
        _, h_first, h_last = self._window("1h", since_h, until)
        _, d_first, d_last = self._window("1d", since_d, until)
        start = h_first
        if h_last >= h_first:
            weight = plan_weight((h_last - h_first) // hour + 1)
            candidate = (h_first // day) * day
            while candidate >= d_first and plan_weight((h_last - candidate) // hour + 1) == weight:
                start, candidate = candidate, candidate - day
        stats_h = {"requests": 0, "weight": 0, "server_now": 0}
        rows_h, closed_h = await self._fetch_rows(base, "1h", start, h_last, stats_h)
        hourly = assemble_candles(
            base, "1h", [r for r in rows_h if r[0] >= h_first], h_first, closed_h, stats_h
        )
        full_hourly = assemble_candles(base, "1h", rows_h, start, closed_h, stats_h).candles
        closed_d = min(d_last, ((closed_h + hour) // day) * day - day)
        first_derived = max(-(-start // day) * day, d_first)
        derived, incomplete = aggregate_days(full_hourly, first_derived, closed_d)
        stats_d = {"requests": 0, "weight": 0, "server_now": 0}
        rows_d: list[list[float]] = []
        ranges = [(d_first, min(first_derived - day, closed_d))]
        if incomplete:
            ranges.append((min(incomplete), max(incomplete)))
        for lo, hi in ranges:
            fetched, _ = await self._fetch_rows(base, "1d", lo, hi, stats_d)
            rows_d.extend(fetched)
        fetched_days = {int(r[0]) for r in rows_d}
        rows_d = _merge_in_order(rows_d, [r for r in derived if int(r[0]) not in fetched_days])
        daily = assemble_candles(base, "1d", rows_d, d_first, closed_d, stats_d)
        n_derived = sum(1 for r in derived if int(r[0]) not in fetched_days)
        if n_derived:
            note = f"{n_derived} daily candles aggregated from complete hourly candles"
            daily = replace(daily, warnings=(*daily.warnings, note))
        return hourly, daily

    async def _fetch_chunk(
        self, base: str, symbol: str, timeframe: str, lo: int, hi: int, stats: dict[str, int]
    ) -> list[list[float]]:
        """Candles with open in [lo, hi]; re-asks after a short page until confirmed."""
        step = TIMEFRAME_MS[timeframe]
        rows: list[list[float]] = []
        start = lo
        while start <= hi:
            limit = (hi - start) // step + 1
            page, server_time = await self._klines(base, symbol, timeframe, start, hi, limit, stats)
            page = [r for r in page if start <= r[0] <= hi]
            if server_time:
                stats["server_now"] = max(stats["server_now"], server_time)
            if not page:
                break
            rows.extend(page)
            last = max(r[0] for r in page)
            if len(page) >= limit or last >= hi:
                break
            start = int(last) + step  # short page or gap at the end: confirm the rest
        return rows

    async def _klines(
        self,
        base: str,
        symbol: str,
        timeframe: str,
        start: int,
        end: int,
        limit: int,
        stats: dict[str, int],
    ) -> tuple[list[list[float]], int | None]:
        exchange = self._require_open()
        label = f"{base} {timeframe} candles"
        raw_api = self.uses_binance_weights and hasattr(exchange, "fapiPublicGetKlines")
        weight = klines_weight(limit) if self.uses_binance_weights else 1
        if raw_api:
            market_id = exchange.market(symbol)["id"]
            params = {
                "symbol": market_id,
                "interval": timeframe,
                "startTime": start,
                "endTime": end,
                "limit": limit,
            }

            async def call() -> Any:
                return await exchange.fapiPublicGetKlines(params)

            data, record = await self._request(
                weight, call, label=label, validate=_check_raw_klines
            )
            rows = kline_rows(data, quote_volume_column=7)
        else:

            async def call() -> Any:
                return await exchange.fetch_ohlcv(
                    symbol, timeframe, since=start, limit=limit, params={"until": end}
                )

            data, record = await self._request(
                weight, call, label=label, validate=_check_unified_ohlcv
            )
            rows = kline_rows(data, quote_volume_column=None)
        stats["requests"] += 1
        stats["weight"] += weight
        units, amounts = self._multiplier(base), self._amount_factor(base)
        if units != 1.0 or amounts != 1.0:  # contract units -> base units
            rows = [[r[0], r[1] / units, r[2] / units, r[3] / units, r[4] / units, r[5] * amounts,
                     r[6]] for r in rows]
        return rows, record.server_time_ms

    async def fetch_ohlcv_many(
        self,
        bases: Sequence[str],
        timeframes: Sequence[str] = ("1d", "1h"),
        since: datetime | int | Mapping[tuple[str, str], datetime | int] | None = None,
        until: datetime | None = None,
    ) -> BatchResult:
        """Candles of many symbols at once (bounded by the shared budget and concurrency).

        ``since`` is one datetime for all, or a mapping ``(base, timeframe) -> datetime``
        (incremental refresh: the last stored open time). A symbol that fails is listed in
        ``failures`` with the reason; the others carry on. A 418 ban or a cancel stops all.
        """
        if since is None:
            raise InputError(
                "since", "must be a datetime or a mapping (base, timeframe) -> datetime"
            )
        return await self._cancellable(
            self._fetch_many(list(bases), list(timeframes), since, until)
        )

    async def _fetch_many(
        self,
        bases: list[str],
        timeframes: list[str],
        since: datetime | int | Mapping[tuple[str, str], datetime | int],
        until: datetime | None,
    ) -> BatchResult:
        if not self._symbols:
            await self._load_markets()
        results: dict[tuple[str, str], OhlcvResult] = {}
        failures: dict[str, str] = {}
        done = 0
        total = len(bases)
        weight_before = self.weight_used
        requests_before = self.requests_sent
        self._emit(0, total, None, "candles")

        async def one(base: str) -> None:
            nonlocal done
            try:
                starts: dict[str, datetime | int] = {}
                for timeframe in timeframes:
                    start = since.get((base, timeframe)) if isinstance(since, Mapping) else since
                    if start is None:
                        raise SymbolFetchError(base, f"no start time for {timeframe}")
                    starts[timeframe] = start
                fetched = await self._fetch_candles(base, starts, until)
                results.update({(base, tf): result for tf, result in fetched.items()})
            except (ExchangeBannedError, FetchCancelledError):
                raise
            except DataError as exc:
                failures[base] = str(exc)
            done += 1
            self._emit(done, total, base, "candles", len(failures))

        try:
            async with asyncio.TaskGroup() as group:
                for base in bases:
                    group.create_task(one(base))
        except* ExchangeBannedError as banned:
            raise banned.exceptions[0] from None
        except* FetchCancelledError as cancelled:
            raise cancelled.exceptions[0] from None
        return BatchResult(
            results,
            failures,
            self.weight_used - weight_before,
            self.requests_sent - requests_before,
        )


def _merge_in_order(fetched: list[list[float]], derived: list[list[float]]) -> list[list[float]]:
    """The exchange's rows in the order they came, each derived (sorted) row put before the
    first fetched row that opens after it: our own merge is no candle "out of order"."""
    merged: list[list[float]] = []
    rest = iter(derived)
    pending = next(rest, None)
    for row in fetched:
        while pending is not None and pending[0] < row[0]:
            merged.append(pending)
            pending = next(rest, None)
        merged.append(row)
    if pending is not None:
        merged.append(pending)
    merged.extend(rest)
    return merged
