"""CSV import: every real Coin Metrics file, common export layouts, and malformed files."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.data.csv_import import (
    CsvFormatError,
    base_from_filename,
    dataset_from_csv_folder,
    import_csv_folder,
    read_candles_csv,
    read_series_csv,
)
from rotation_addin.data.universe_io import default_universe
from tests.coinmetrics_like import PRICE_FILES


def _reference_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _assert_imports_like_the_csv_module(path: Path) -> None:
    frame = read_candles_csv(path)
    rows = _reference_rows(path)  # independent reading with the csv module
    assert len(frame) == len(rows)
    assert frame.index[0] == pd.Timestamp(rows[0]["date"], tz="UTC")
    assert frame.index.name == "date" and str(pd.DatetimeIndex(frame.index).tz) == "UTC"
    np.testing.assert_array_equal(frame["close"].to_numpy(), [float(r["price_usd"]) for r in rows])
    assert frame.attrs["close_only"] is True
    assert (frame["open"] == frame["close"]).all() and (frame["high"] == frame["low"]).all()
    assert frame["volume"].isna().all() and frame["volume_usd"].isna().all()
    assert frame.attrs["warnings"] == ()  # contiguous, sorted, no duplicates (README)


@pytest.mark.parametrize("name", PRICE_FILES)
def test_every_coinmetrics_layout_price_file_imports(coinmetrics_like_dir: Path,
                                                     name: str) -> None:
    _assert_imports_like_the_csv_module(coinmetrics_like_dir / f"{name}.csv")


def test_every_real_coinmetrics_price_file_imports(coinmetrics_dir: Path) -> None:
    names = sorted(p.stem for p in coinmetrics_dir.glob("*.csv") if p.stem != "stablecoin_supply")
    assert names == sorted(PRICE_FILES)  # the synthetic folder copies the real file list
    for name in names:
        _assert_imports_like_the_csv_module(coinmetrics_dir / f"{name}.csv")


def test_stablecoin_supply_reads_as_series_frame(coinmetrics_like_dir: Path) -> None:
    path = coinmetrics_like_dir / "stablecoin_supply.csv"
    frame = read_series_csv(path)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["usdt_supply", "usdc_supply"]
    rows = _reference_rows(path)
    assert len(frame) == len(rows) == 1447
    one = read_series_csv(path, value_column="USDT_SUPPLY")
    assert isinstance(one, pd.Series) and one.iloc[0] == pytest.approx(
        float(rows[0]["usdt_supply"]))


def test_folder_import_of_coinmetrics_layout(coinmetrics_like_dir: Path) -> None:
    result = import_csv_folder(coinmetrics_like_dir,
                               macro_csv=coinmetrics_like_dir / "stablecoin_supply.csv")
    dataset = result.dataset
    assert dataset.source == "csv import"
    assert "RENDER" in dataset.close.columns  # rndr.csv via the alias table
    assert set(dataset.missing_symbols) == {
        "LPT",
        "IO",
        "ATH",
        "TAO",
        "VIRTUAL",
        "KAS",
        "ETC",
        "ETH",
    }
    assert any("no CSV for" in w for w in result.warnings)
    assert any("usdt.csv" in w and "not in the universe" in w for w in result.warnings)
    supply = dataset.macro["stablecoin_supply_usd"]
    raw = pd.read_csv(coinmetrics_like_dir / "stablecoin_supply.csv")
    assert supply.iloc[0] == pytest.approx(raw["usdt_supply"][0] + raw["usdc_supply"][0])
    assert dataset.as_of == pd.Timestamp("2025-12-18", tz="UTC").to_pydatetime()
    assert dataset.close["RENDER"].last_valid_index() == pd.Timestamp("2023-12-15", tz="UTC")


def test_base_from_filename() -> None:
    assert base_from_filename(Path("rndr.csv")) == "RENDER"
    assert base_from_filename(Path("BTCUSDT-1d.csv")) == "BTC"
    assert base_from_filename(Path("fet_usdt_daily.csv")) == "FET"


def _write(tmp_path: Path, text: str, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


OHLCV = "Date,Open,High,Low,Close,Volume\n"


def test_full_candles_case_insensitive_and_volume_usd(tmp_path: Path) -> None:
    path = _write(tmp_path, OHLCV + "2024-01-01,10,12,9,11,100\n2024-01-02,11,13,10,12,50\n")
    frame = read_candles_csv(path)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume", "volume_usd"]
    assert frame["volume_usd"].tolist() == [100 * 11, 50 * 12]  # approximated as volume x close
    assert frame.attrs["close_only"] is False


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        (["1704067200", "1704153600"], "2024-01-01"),  # unix seconds
        (["1704067200000", "1704153600000"], "2024-01-01"),  # unix milliseconds
        (["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"], "2024-01-01"),
        (["2024-01-01 01:00:00+01:00", "2024-01-02 01:00:00+01:00"], "2024-01-01"),
    ],
)
def test_timestamp_formats(tmp_path: Path, stamps: list[str], expected: str) -> None:
    text = "timestamp;open;high;low;close;quote_volume\n" + "".join(
        f"{s};1;2;0.5;1.5;10\n" for s in stamps
    )
    frame = read_candles_csv(_write(tmp_path, text))
    assert frame.index[0] == pd.Timestamp(expected, tz="UTC")
    assert frame["volume_usd"].tolist() == [10.0, 10.0]


def _error(tmp_path: Path, text: str) -> CsvFormatError:
    with pytest.raises(CsvFormatError) as info:
        read_candles_csv(_write(tmp_path, text, "bad.csv"))
    return info.value


def test_unparseable_date_names_file_line_column(tmp_path: Path) -> None:
    err = _error(tmp_path, OHLCV + "2024-01-01,1,2,0.5,1,1\n2024-13-45,1,2,0.5,1,1\n")
    assert (err.path.name, err.line, err.column) == ("bad.csv", 3, "Date")
    assert "bad.csv line 3 column 'Date'" in str(err)
    assert isinstance(err, InputError)


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("2024-01-02,1,2,0.5,0,1", "Close", "> 0"),
        ("2024-01-02,-1,2,0.5,1,1", "Open", "> 0"),
        ("2024-01-02,1,0.4,0.5,0.45,1", "High", "below low"),
        ("2024-01-02,1,nan,0.5,1,1", "High", "finite"),
        ("2024-01-02,1,inf,0.5,1,1", "High", "finite"),
        ("2024-01-02,1,2,0.5,abc,1", "Close", "not a number"),
        ("2024-01-02,1,2,0.5,,1", "Close", "missing"),
        ("2024-01-02,1,1.5,0.5,1.8,1", "High", "max(open, close)"),
        ("2024-01-02,1,2,0.5,1,-3", "Volume", ">= 0"),
    ],
)
def test_bad_values(tmp_path: Path, row: str, column: str, words: str) -> None:
    err = _error(tmp_path, OHLCV + "2024-01-01,1,2,0.5,1,1\n" + row + "\n")
    assert err.line == 3
    assert err.column == column
    assert words in str(err)


def test_conflicting_duplicate_is_an_error_exact_duplicate_a_warning(tmp_path: Path) -> None:
    err = _error(tmp_path, OHLCV + "2024-01-01,1,2,0.5,1,1\n2024-01-01,1,2,0.5,1.5,1\n")
    assert err.line == 3 and "line 2" in str(err) and "duplicate" in str(err)
    frame = read_candles_csv(
        _write(tmp_path, OHLCV + "2024-01-01,1,2,0.5,1,1\n" * 2 + "2024-01-02,1,2,0.5,1,1\n")
    )
    assert len(frame) == 2
    assert any("duplicate" in w for w in frame.attrs["warnings"])


def test_unsorted_is_sorted_with_warning_and_gaps_reported(tmp_path: Path) -> None:
    rows = ["2024-01-05", "2024-01-01", "2024-01-02", "2024-01-03"]
    text = "date,price_usd\n" + "".join(f"{d},{i + 1}\n" for i, d in enumerate(rows))
    frame = read_candles_csv(_write(tmp_path, text))
    assert frame.index.is_monotonic_increasing
    assert frame["close"].tolist() == [2.0, 3.0, 4.0, 1.0]
    warnings = " | ".join(frame.attrs["warnings"])
    assert "sorted" in warnings
    gaps = [w for w in frame.attrs["warnings"] if "gap of" in w]
    assert gaps == ["x.csv: gap of 1 missing row(s) between 2024-01-03 and 2024-01-05"]


def test_gaps_in_intraday_rows_keep_their_times(tmp_path: Path) -> None:
    """Daily rows name a gap by dates (above); hourly rows need the hour, so the timestamps."""
    hours = ["00", "01", "02", "05", "06"]
    text = "date,price_usd\n" + "".join(f"2024-01-01T{h}:00:00Z,{i + 1}\n"
                                        for i, h in enumerate(hours))
    frame = read_candles_csv(_write(tmp_path, text))
    assert [w for w in frame.attrs["warnings"] if "gap of" in w] == [
        "x.csv: gap of 2 missing row(s) between 2024-01-01T02:00:00+00:00 and "
        "2024-01-01T05:00:00+00:00"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("open,high,low,close\n1,2,0.5,1\n", "no date column"),
        ("date,volume\n2024-01-01,5\n", "no close/price column"),
        ("date,open,close\n2024-01-01,1,1\n", "column missing"),
        ("date,close\n2024-01-01,1,7\n", "fields"),
    ],
)
def test_structural_errors(tmp_path: Path, text: str, words: str) -> None:
    err = _error(tmp_path, text)
    assert words in str(err)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="not found"):
        read_candles_csv(tmp_path / "nope.csv")


def test_series_errors_and_missing_values(tmp_path: Path) -> None:
    series = read_series_csv(_write(tmp_path, "date,spx\n2024-01-01,4700\n2024-01-02,\n"))
    assert isinstance(series, pd.Series) and math.isnan(series.iloc[1])
    with pytest.raises(CsvFormatError, match="finite"):
        read_series_csv(_write(tmp_path, "date,spx\n2024-01-01,inf\n"))
    with pytest.raises(InputError, match="value_column"):
        read_series_csv(_write(tmp_path, "date,spx\n2024-01-01,1\n"), value_column="nope")


def test_folder_with_hourly_file_macro_and_sentiment(tmp_path: Path) -> None:
    folder = tmp_path / "candles"
    folder.mkdir()
    hours = pd.date_range("2024-01-01", periods=48, freq="h", tz="UTC")
    prices = np.linspace(100, 147, 48)
    hourly = pd.DataFrame(
        {
            "open_time": [int(t.timestamp() * 1000) for t in hours],
            "open": prices,
            "high": prices + 1,
            "low": prices - 1,
            "close": prices + 0.5,
            "volume": 2.0,
        }
    )
    hourly.to_csv(folder / "BTCUSDT_1h.csv", index=False)
    (folder / "rndr.csv").write_text(
        "date,price_usd\n2024-01-01,5\n2024-01-02,6\n", encoding="utf-8"
    )
    macro = _write(
        tmp_path,
        "date,btc_dominance,equity_index\n2024-01-01,52.5,4700\n2024-01-02,53,4710\n",
        "m.csv",
    )
    social = _write(
        tmp_path, "date,RENDER,btc,DOGE\n2024-01-01,10,100,5\n2024-01-02,12,90,5\n", "s.csv"
    )
    result = import_csv_folder(folder, default_universe(), macro_csv=macro, social_csv=social)
    ds = result.dataset
    btc = ds.close["BTC"]
    assert len(btc) == 2
    # daily candle = aggregate of the 24 hourly candles of each day
    assert ds.open["BTC"].iloc[0] == pytest.approx(prices[0])
    assert ds.close["BTC"].iloc[0] == pytest.approx(prices[23] + 0.5)
    assert ds.high["BTC"].iloc[1] == pytest.approx(prices[24:].max() + 1)
    assert ds.low["BTC"].iloc[1] == pytest.approx(prices[24:].min() - 1)
    assert ds.volume_usd["BTC"].iloc[0] == pytest.approx((2.0 * (prices[:24] + 0.5)).sum())
    assert ds.macro["btc_dominance"].tolist() == [0.525, 0.53]  # percent -> fraction, with warning
    assert any("percent" in w for w in result.warnings)
    assert list(ds.social_volume.columns) == ["RENDER", "BTC"]
    assert any("DOGE" in w for w in result.warnings)
    assert ds.close["RENDER"].tolist() == [5.0, 6.0]
    assert "RENDER" not in ds.missing_symbols and "ETH" in ds.missing_symbols


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        dataset_from_csv_folder(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no candle CSV"):
        dataset_from_csv_folder(empty)


def test_cryptodatadownload_layout(tmp_path: Path) -> None:
    # URL preamble, newest first, unix + date columns, "Volume BTC" / "Volume USDT"
    text = (
        "https://www.CryptoDataDownload.com\n"
        "unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT\n"
        "1704153600000,2024-01-02 00:00:00,BTC/USDT,42000,45000,41500,44000,2,88000\n"
        "1704067200000,2024-01-01 00:00:00,BTC/USDT,41000,42500,40800,42000,3,126000\n"
    )
    frame = read_candles_csv(_write(tmp_path, text))
    assert frame.index.tolist() == [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-02", tz="UTC"),
    ]
    assert frame["volume"].tolist() == [3.0, 2.0]
    assert frame["volume_usd"].tolist() == [126000.0, 88000.0]
    assert any("sorted" in w for w in frame.attrs["warnings"])


def test_headerless_binance_klines_in_microseconds(tmp_path: Path) -> None:
    # data.binance.vision: no header, 12 columns; spot files switched to microseconds in 2025
    start_us = 1735689600000000  # 2025-01-01T00:00:00Z in microseconds
    rows = [
        f"{start_us + i * 3_600_000_000},{100 + i},{101 + i},{99 + i},{100.5 + i},10,"
        f"{start_us + (i + 1) * 3_600_000_000 - 1},{1005 + 10 * i},7,5,500,0\n"
        for i in range(3)
    ]
    frame = read_candles_csv(_write(tmp_path, "".join(rows)))
    assert len(frame) == 3
    assert frame.index[1] == pd.Timestamp("2025-01-01T01:00:00Z")
    assert frame["volume_usd"].tolist() == [1005.0, 1015.0, 1025.0]


def test_semicolon_with_decimal_comma_and_compact_dates(tmp_path: Path) -> None:
    frame = read_candles_csv(_write(tmp_path, "Date;Close\n20240101;1,5\n20240102;1,75\n"))
    assert frame["close"].tolist() == [1.5, 1.75]
    assert frame.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
