"""Market-cache tables of contract rules, tickers, order books, funding and leverage tiers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import DataError
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.cache_connection import CacheConnection
from rotation_addin.data.cache_rows import datetime_ms, index_ms, ms_index, ms_to_datetime, now_ms


class ContractTables(CacheConnection):
    """Reads and upserts of ``markets``, ``tickers``, ``order_books``, ``funding``, ``brackets``."""

    def write_markets(
        self, exchange: str, specs: Mapping[str, ContractSpec], source: str
    ) -> int:
        """Upsert contract rules by base; return how many were written."""
        stamp = now_ms()
        with self.transaction():
            for base, spec in specs.items():
                self._conn.execute(
                    "INSERT INTO markets (exchange, base, symbol, spec_json, source, updated_ms) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT (exchange, base) DO UPDATE SET "
                    "symbol=excluded.symbol, spec_json=excluded.spec_json, "
                    "source=excluded.source, updated_ms=excluded.updated_ms",
                    (exchange, base, spec.symbol, json.dumps(dataclasses.asdict(spec)), source,
                     stamp),
                )
        return len(specs)

    def read_markets(self, exchange: str) -> dict[str, ContractSpec]:
        """Contract rules stored for ``exchange``, by base."""
        known = {f.name for f in dataclasses.fields(ContractSpec)}
        out: dict[str, ContractSpec] = {}
        for base, spec_json in self._query(
            "SELECT base, spec_json FROM markets WHERE exchange=? ORDER BY base", (exchange,)
        ):
            raw = json.loads(spec_json)
            out[base] = ContractSpec(**{k: v for k, v in raw.items() if k in known})
        return out

    def write_tickers(self, exchange: str, tickers: Mapping[str, Ticker], source: str) -> int:
        """Upsert the latest ticker of each base; return how many were written."""
        with self.transaction():
            for base, t in tickers.items():
                values = [t.last_price_usd, t.mark_price_usd, t.funding_rate, t.volume_24h_usd]
                if not all(np.isfinite(values)):
                    raise DataError(f"{exchange} {base} ticker: non-finite value in {values}")
                self._conn.execute(
                    "INSERT INTO tickers (exchange, base, last_price_usd, mark_price_usd, "
                    "funding_rate, volume_24h_usd, timestamp_ms, source) VALUES (?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (exchange, base) DO UPDATE SET "
                    "last_price_usd=excluded.last_price_usd, "
                    "mark_price_usd=excluded.mark_price_usd, "
                    "funding_rate=excluded.funding_rate, volume_24h_usd=excluded.volume_24h_usd, "
                    "timestamp_ms=excluded.timestamp_ms, source=excluded.source",
                    (exchange, base, *map(float, values), datetime_ms(t.timestamp), source),
                )
        return len(tickers)

    def read_tickers(self, exchange: str) -> dict[str, Ticker]:
        """Latest tickers stored for ``exchange``, by base."""
        return {
            base: Ticker(base, last, mark, rate, vol, ms_to_datetime(ts))
            for base, last, mark, rate, vol, ts in self._query(
                "SELECT base, last_price_usd, mark_price_usd, funding_rate, volume_24h_usd, "
                "timestamp_ms FROM tickers WHERE exchange=? ORDER BY base",
                (exchange,),
            )
        }

    def write_order_book(self, exchange: str, book: OrderBook, source: str) -> None:
        """Replace the stored order-book snapshot of ``book.base``."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO order_books (exchange, base, bids_json, asks_json, timestamp_ms, "
                "source) VALUES (?,?,?,?,?,?) ON CONFLICT (exchange, base) DO UPDATE SET "
                "bids_json=excluded.bids_json, asks_json=excluded.asks_json, "
                "timestamp_ms=excluded.timestamp_ms, source=excluded.source",
                (exchange, book.base, json.dumps([list(map(float, b)) for b in book.bids]),
                 json.dumps([list(map(float, a)) for a in book.asks]),
                 datetime_ms(book.timestamp), source),
            )

    def read_order_books(self, exchange: str) -> dict[str, OrderBook]:
        """Latest order-book snapshots stored for ``exchange``, by base."""
        out: dict[str, OrderBook] = {}
        for base, bids, asks, ts in self._query(
            "SELECT base, bids_json, asks_json, timestamp_ms FROM order_books WHERE exchange=? "
            "ORDER BY base",
            (exchange,),
        ):
            out[base] = OrderBook(
                base,
                tuple((float(p), float(a)) for p, a in json.loads(bids)),
                tuple((float(p), float(a)) for p, a in json.loads(asks)),
                ms_to_datetime(ts),
            )
        return out

    def write_funding(self, exchange: str, base: str, rates: pd.Series, source: str) -> int:
        """Upsert funding history: ``rates`` (fraction per interval) indexed by funding time."""
        times = index_ms(rates.index, field=f"{exchange} {base} funding")
        values = np.asarray(rates.to_numpy(dtype=float), dtype=float)
        keep = np.isfinite(values)
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO funding (exchange, base, funding_time_ms, rate, source) "
                "VALUES (?,?,?,?,?) ON CONFLICT (exchange, base, funding_time_ms) DO UPDATE SET "
                "rate=excluded.rate, source=excluded.source",
                ((exchange, base, int(t), float(r), source)
                 for t, r in zip(times[keep], values[keep], strict=True)),
            )
        return int(keep.sum())

    def read_funding(self, exchange: str, base: str) -> pd.Series:
        """Funding-rate history of one symbol (fraction per interval), indexed by time (UTC)."""
        rows = self._query(
            "SELECT funding_time_ms, rate FROM funding WHERE exchange=? AND base=? "
            "ORDER BY funding_time_ms",
            (exchange, base),
        )
        times = np.array([r[0] for r in rows], dtype=np.int64)
        return pd.Series([float(r[1]) for r in rows], index=ms_index(times, "funding_time"),
                         name=base, dtype=float)

    def write_brackets(self, exchange: str, base: str, tiers: Any, source: str) -> None:
        """Store leverage tiers of one symbol (any JSON-serialisable structure)."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO brackets (exchange, base, tiers_json, source, updated_ms) "
                "VALUES (?,?,?,?,?) ON CONFLICT (exchange, base) DO UPDATE SET "
                "tiers_json=excluded.tiers_json, source=excluded.source, "
                "updated_ms=excluded.updated_ms",
                (exchange, base, json.dumps(tiers, default=str), source, now_ms()),
            )

    def read_brackets(self, exchange: str, base: str) -> Any | None:
        """Leverage tiers stored for one symbol (as written), or None."""
        rows = self._query(
            "SELECT tiers_json FROM brackets WHERE exchange=? AND base=?", (exchange, base)
        )
        return json.loads(rows[0][0]) if rows else None

