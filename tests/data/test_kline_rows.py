"""The one kline parser: Binance raw rows and ccxt unified rows read the same candle alike."""

from __future__ import annotations

import math

import pytest

from rotation_addin.data.exchange_parsing import (
    _check_raw_klines,
    _check_unified_ohlcv,
    kline_rows,
)
from rotation_addin.data.exchange_results import RetryableError

# One daily candle as Binance's /fapi/v1/klines sends it (strings, 12 columns):
# open time, open, high, low, close, volume, close time, quote volume, trades, taker base,
# taker quote, ignore.
RAW = [
    [1_700_000_000_000, "7.10", "7.45", "6.90", "7.30", "1250.5", 1_700_086_399_999,
     "9001.25", 321, "600.0", "4300.0", "0"]
]
# The same candle as ccxt's unified fetch_ohlcv returns it (numbers, 6 columns).
UNIFIED = [[1_700_000_000_000, 7.10, 7.45, 6.90, 7.30, 1250.5]]


def test_raw_and_unified_rows_agree_on_ohlcv_and_quote_volume_comes_from_column_7() -> None:
    _check_raw_klines(RAW)
    _check_unified_ohlcv(UNIFIED)
    raw = kline_rows(RAW, quote_volume_column=7)
    unified = kline_rows(UNIFIED, quote_volume_column=None)
    expected = [1_700_000_000_000.0, 7.10, 7.45, 6.90, 7.30, 1250.5]  # written out by hand
    assert raw[0][:6] == expected
    assert unified[0][:6] == expected
    assert raw[0][6] == 9001.25  # the quote volume, not the close time (column 6)
    assert math.isnan(unified[0][6])  # unknown, not zero
    assert all(isinstance(v, float) for v in raw[0] + unified[0])


def test_a_malformed_raw_row_is_refused_before_parsing() -> None:
    with pytest.raises(RetryableError, match="malformed row"):
        _check_raw_klines([RAW[0][:7]])
