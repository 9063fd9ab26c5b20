"""SQLite cache: round trips on a real file, upserts, migrations, per-symbol transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.dataset import OrderBook, Ticker
from rotation_addin.core.errors import DataError
from rotation_addin.core.types import ContractSpec
from rotation_addin.data import cache_schema
from rotation_addin.data.cache import MarketCache, SymbolStatus
from rotation_addin.data.paths import cache_path

DAY_MS = 86_400_000


def candles(start: str, n: int, freq: str = "1D", seed: int = 0) -> pd.DataFrame:
    """A valid random-walk candle frame indexed by open time (UTC)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * 1.01
    low = np.minimum(open_, close) * 0.99
    volume = rng.uniform(1_000, 2_000, n)
    index = pd.date_range(start, periods=n, freq=freq, tz="UTC")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": volume, "volume_usd": volume * close}, index=index)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[MarketCache]:
    c = MarketCache(tmp_path / "cache.sqlite3")
    yield c
    c.close()


def test_default_path_is_under_rotation_desk_home(isolated_home: Path) -> None:
    with MarketCache() as c:
        assert c.path == cache_path()
        assert str(c.path).startswith(str(isolated_home))
        assert c.path.exists()


def test_wal_and_schema_version(cache: MarketCache) -> None:
    mode = sqlite3.connect(cache.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    version = sqlite3.connect(cache.path).execute("PRAGMA user_version").fetchone()[0]
    assert version == cache_schema.SCHEMA_VERSION == 2  # v2 added the meta table


def test_candle_round_trip(cache: MarketCache) -> None:
    frame = candles("2024-01-01", 30)
    assert cache.write_candles("binanceusdm", "RENDER", "1d", frame, "binanceusdm") == 30
    back = cache.read_candles("binanceusdm", "RENDER", "1d")
    pd.testing.assert_frame_equal(
        back[list(frame.columns)], frame, check_names=False, check_freq=False,
        check_index_type=False,
    )
    assert (back.index == frame.index).all()
    assert set(back["source"]) == {"binanceusdm"}
    # last open time = 2024-01-30 00:00 UTC in ms
    expected_ms = int(datetime(2024, 1, 30, tzinfo=UTC).timestamp() * 1000)
    assert cache.last_closed_open_time("binanceusdm", "RENDER", "1d") == expected_ms
    assert cache.last_closed_open_time("binanceusdm", "RENDER", "1h") is None
    assert cache.last_closed_open_time("demo", "RENDER", "1d") is None


def test_upsert_is_idempotent_and_updates(cache: MarketCache) -> None:
    frame = candles("2024-01-01", 10)
    cache.write_candles("x", "BTC", "1d", frame, "x")
    before = cache.table_rows("candles")
    cache.write_candles("x", "BTC", "1d", frame, "x")
    assert cache.table_rows("candles") == before
    changed = frame.iloc[[3]].copy()
    changed["close"] = changed["open"]  # still valid: low <= open == close <= high
    cache.write_candles("x", "BTC", "1d", changed, "x")
    back = cache.read_candles("x", "BTC", "1d")
    assert len(back) == 10
    assert back["close"].iloc[3] == pytest.approx(frame["open"].iloc[3])
    assert back["close"].iloc[4] == pytest.approx(frame["close"].iloc[4])


@pytest.mark.parametrize(
    ("column", "value"),
    [("close", np.nan), ("open", -1.0), ("high", 1.0), ("low", 1e9), ("volume", -5.0)],
)
def test_invalid_candles_are_refused_and_nothing_written(
    cache: MarketCache, column: str, value: float
) -> None:
    good = candles("2024-01-01", 5)
    cache.write_candles("x", "ETH", "1d", good, "x")
    before = cache.table_rows("candles")
    bad = candles("2024-01-06", 5)
    bad.loc[bad.index[2], column] = value
    with pytest.raises(DataError, match="x ETH 1d: invalid candle at 2024-01-08"):
        cache.write_candles("x", "ETH", "1d", bad, "x")
    assert cache.table_rows("candles") == before


def test_unknown_volume_is_stored_as_null_and_read_as_nan(cache: MarketCache) -> None:
    frame = candles("2024-01-01", 3)
    frame["volume"] = np.nan  # e.g. a close-only CSV file
    frame.loc[frame.index[1], "volume_usd"] = np.nan
    cache.write_candles("csv", "BTC", "1d", frame, "csv import")
    raw = sqlite3.connect(cache.path).execute(
        "SELECT volume, volume_usd FROM candles ORDER BY open_time_ms").fetchall()
    assert [r[0] for r in raw] == [None, None, None]
    assert raw[1][1] is None and raw[0][1] == pytest.approx(frame["volume_usd"].iloc[0])
    back = cache.read_candles("csv", "BTC", "1d")
    assert back["volume"].isna().all() and back["volume_usd"].isna().sum() == 1
    frame.loc[frame.index[2], "volume_usd"] = np.inf
    with pytest.raises(DataError, match="invalid candle"):
        cache.write_candles("csv", "ETH", "1d", frame, "csv import")


def test_off_grid_and_duplicate_open_times_refused(cache: MarketCache) -> None:
    off = candles("2024-01-01 00:30", 3, freq="1h")
    with pytest.raises(DataError, match="invalid candle"):
        cache.write_candles("x", "ETH", "1h", off, "x")
    dup = pd.concat([candles("2024-01-01", 2), candles("2024-01-01", 1)])
    with pytest.raises(DataError, match="duplicate"):
        cache.write_candles("x", "ETH", "1d", dup, "x")
    assert cache.table_rows("candles") == []


def test_integer_ms_index_and_column_accepted(cache: MarketCache) -> None:
    frame = candles("2024-01-01", 3)
    index = pd.DatetimeIndex(frame.index)
    ms = frame.copy()
    ms.index = pd.Index(index.as_unit("ms").asi8)
    cache.write_candles("x", "A", "1d", ms, "x")
    col = frame.reset_index(drop=True).assign(open_time_ms=index.as_unit("ms").asi8)
    cache.write_candles("x", "B", "1d", col, "x")
    a = cache.read_candles("x", "A", "1d")
    b = cache.read_candles("x", "B", "1d")
    assert list(a.index) == list(frame.index) == list(b.index)


def test_transaction_failure_mid_symbol_keeps_previous_rows(cache: MarketCache) -> None:
    cache.write_candles("x", "RENDER", "1d", candles("2024-01-01", 10), "x")
    cache.write_candles("x", "RENDER", "1h", candles("2024-01-01", 48, "1h"), "x")
    before = cache.table_rows("candles")
    with pytest.raises(RuntimeError), cache.transaction():
        # the daily rows of the next days are written, then the symbol's fetch fails
        cache.write_candles("x", "RENDER", "1d", candles("2024-01-11", 5, seed=3), "x")
        cache.write_candles("x", "RENDER", "1d", candles("2024-01-05", 2, seed=4), "x")
        raise RuntimeError("network dropped during the hourly fetch")
    assert cache.table_rows("candles") == before
    # and the connection is usable afterwards
    cache.write_candles("x", "RENDER", "1d", candles("2024-01-11", 1), "x")
    assert len(cache.read_candles("x", "RENDER", "1d")) == 11


def test_other_connection_sees_nothing_until_commit(cache: MarketCache) -> None:
    other = sqlite3.connect(cache.path)
    with cache.transaction():
        cache.write_candles("x", "A", "1d", candles("2024-01-01", 3), "x")
        assert other.execute("SELECT COUNT(*) FROM candles").fetchone()[0] == 0
    assert other.execute("SELECT COUNT(*) FROM candles").fetchone()[0] == 3
    other.close()


def test_wide_frames(cache: MarketCache) -> None:
    cache.write_candles("x", "BTC", "1d", candles("2024-01-01", 5, seed=1), "x")
    cache.write_candles("x", "RENDER", "1d", candles("2024-01-03", 3, seed=2), "x")
    wide = cache.read_wide("x", ["RENDER", "NOPE", "BTC"])
    close = wide["close"]
    assert list(close.columns) == ["RENDER", "BTC"]
    assert isinstance(close.index, pd.DatetimeIndex)
    assert close.index.name == "date"
    assert str(close.index.tz) == "UTC"
    assert len(close) == 5
    assert close["RENDER"].isna().sum() == 2
    expected_last = candles("2024-01-01", 5, seed=1)["close"].iloc[-1]
    assert close["BTC"].iloc[-1] == pytest.approx(expected_last)


def test_markets_tickers_books_funding_brackets_round_trip(cache: MarketCache) -> None:
    spec = ContractSpec("RENDER/USDT:USDT", "RENDER", amount_step=0.1, min_amount=0.1,
                        min_notional_usd=5.0, price_tick=0.001, max_leverage=25.0)
    cache.write_markets("x", {"RENDER": spec}, "x")
    assert cache.read_markets("x") == {"RENDER": spec}
    when = datetime(2024, 5, 1, 12, tzinfo=UTC)
    ticker = Ticker("RENDER", 7.5, 7.51, 0.0001, 1.2e8, when)
    cache.write_tickers("x", {"RENDER": ticker}, "x")
    assert cache.read_tickers("x") == {"RENDER": ticker}
    book = OrderBook("RENDER", ((7.49, 100.0), (7.48, 50.0)), ((7.51, 80.0),), when)
    cache.write_order_book("x", book, "x")
    assert cache.read_order_books("x") == {"RENDER": book}
    rates = pd.Series([0.0001, -0.00005, np.nan],
                      index=pd.date_range("2024-01-01", periods=3, freq="8h", tz="UTC"))
    assert cache.write_funding("x", "RENDER", rates, "x") == 2
    back = cache.read_funding("x", "RENDER")
    assert list(back.to_numpy()) == [0.0001, -0.00005]
    assert list(back.index) == list(rates.index[:2])
    tiers = [{"tier": 1, "minNotional": 0, "maxNotional": 5000, "maintenanceMarginRate": 0.01}]
    cache.write_brackets("x", "RENDER", tiers, "x")
    assert cache.read_brackets("x", "RENDER") == tiers
    assert cache.read_brackets("x", "BTC") is None


def test_series_round_trip_and_demo_realm_kept_apart(cache: MarketCache) -> None:
    days = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    live = pd.Series([0.52, 0.53, np.nan, 0.55], index=days)
    assert cache.write_series("macro", "btc_dominance", live, "coingecko") == 3
    demo = pd.DataFrame({"RENDER": [1.0, 2.0, 3.0, 4.0], "BTC": [5.0, 6.0, 7.0, 8.0]},
                        index=days)
    assert cache.write_series("social_volume", None, demo, "demo (simulated)") == 8
    got = cache.read_series("macro", "btc_dominance")
    assert isinstance(got, pd.Series)
    assert list(got.index) == [days[0], days[1], days[3]]
    assert list(got) == [0.52, 0.53, 0.55]
    assert cache.read_series("social_volume").empty  # live realm: nothing
    wide = cache.read_series("social_volume", demo=True)
    assert isinstance(wide, pd.DataFrame)
    pd.testing.assert_frame_equal(wide[["RENDER", "BTC"]], demo, check_names=False,
                                  check_freq=False, check_index_type=False)
    # a date index without time zone and plain dates are accepted too
    plain = pd.Series([4000.0], index=[pd.Timestamp("2024-02-01").date()])
    cache.write_series("macro", "equity_index", plain, "csv")
    assert cache.read_series("macro", "equity_index").iloc[0] == 4000.0


def test_status_coverage_freshness_and_gaps(cache: MarketCache) -> None:
    frame = candles("2024-01-01", 10)
    holed = frame.drop(frame.index[[3, 4, 7]])  # two holes: 2 missing + 1 missing
    cache.write_candles("x", "RENDER", "1d", holed, "x")
    cache.write_candles("x", "BTC", "1h", candles("2024-01-01", 24, "1h"), "x")
    now = datetime(2024, 1, 12, 0, tzinfo=UTC)
    rows = {(s.base, s.timeframe): s for s in cache.status("x", now=now)}
    render = rows[("RENDER", "1d")]
    assert isinstance(render, SymbolStatus)
    assert render.rows == 7
    assert render.first_open == datetime(2024, 1, 1, tzinfo=UTC)
    assert render.last_open == datetime(2024, 1, 10, tzinfo=UTC)
    assert render.last_close == datetime(2024, 1, 11, tzinfo=UTC)
    assert render.age_hours == pytest.approx(24.0)
    assert (render.gaps, render.missing_candles) == (2, 3)
    btc = rows[("BTC", "1h")]
    assert (btc.rows, btc.gaps, btc.missing_candles) == (24, 0, 0)
    assert btc.last_close == datetime(2024, 1, 2, tzinfo=UTC)
    assert cache.status("other") == []
    assert cache.exchanges() == ["x"]


def test_integrity_check_and_refresh_log(cache: MarketCache) -> None:
    report = cache.integrity_check()
    assert report.ok and report.integrity_check == ("ok",) and report.schema_version == 2
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    cache.log_refresh(exchange="x", what="1d,1h", outcome="partial", started=t0,
                      finished=t0 + timedelta(seconds=5), failures={"RENDER": "HTTP 500"},
                      detail={"candles": 10})
    (rec,) = cache.refresh_history("x")
    assert rec.outcome == "partial" and rec.failures == {"RENDER": "HTTP 500"}
    assert rec.finished - rec.started == timedelta(seconds=5)


def test_empty_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    with MarketCache(path) as c:
        assert c.schema_version == 2
        c.write_candles("x", "A", "1d", candles("2024-01-01", 2), "x")


def test_older_file_migrates_keeping_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with MarketCache(path) as c:  # a current (v2) file with data
        c.write_candles("x", "A", "1d", candles("2024-01-01", 3), "x")

    def to_v3(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE candles ADD COLUMN trades INTEGER")

    conn = sqlite3.connect(path, isolation_level=None)
    version = cache_schema.migrate(conn, path, [*cache_schema.MIGRATIONS, to_v3])
    assert version == 3
    columns = [r[1] for r in conn.execute("PRAGMA table_info(candles)")]
    assert "trades" in columns
    assert conn.execute("SELECT COUNT(*) FROM candles").fetchone()[0] == 3
    conn.close()


def test_failed_migration_leaves_file_at_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    MarketCache(path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk full")

    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(RuntimeError):
        cache_schema.migrate(conn, path, [*cache_schema.MIGRATIONS, broken])
    assert cache_schema.file_version(conn) == 2
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    conn.close()


def test_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DataError, match=r"schema version 99, newer than .* \(up to 2\)"):
        MarketCache(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite at all, just some text" * 100)
    with pytest.raises(DataError, match="not a readable SQLite database"):
        MarketCache(path)
