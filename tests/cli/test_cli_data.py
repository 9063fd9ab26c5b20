"""`rotation refresh` and `rotation data status` through the real console script."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rotation_addin.cli.main import main
from rotation_addin.data.cache import MarketCache
from rotation_addin.data.paths import cache_path

REPO = Path(__file__).resolve().parents[2]
ROTATION = Path(sys.executable).parent / "rotation"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROTATION_DESK_HOME": str(home)}
    # no network: a proxy that refuses everything would make any HTTP attempt fail loudly
    env.update({"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                "NO_PROXY": ""})
    return subprocess.run([str(ROTATION), *args], capture_output=True, text=True, env=env,
                          cwd=home, timeout=240)


def test_refresh_demo_then_status_with_the_console_script(tmp_path: Path) -> None:
    assert ROTATION.exists(), f"console script missing: {ROTATION}"
    done = run(tmp_path, "refresh", "--demo")
    assert done.returncode == 0, done.stderr
    assert "demo (simulated)" in done.stdout
    assert "22 ok / 22 requested" in done.stdout
    db = tmp_path / "data" / "cache.sqlite3"
    conn = sqlite3.connect(db)
    exchanges = {r[0] for r in conn.execute("SELECT DISTINCT exchange FROM candles")}
    sources = {r[0] for r in conn.execute("SELECT DISTINCT source FROM candles")}
    daily = conn.execute("SELECT COUNT(*) FROM candles WHERE timeframe='1d'").fetchone()[0]
    conn.close()
    assert exchanges == {"demo"} and sources == {"demo (simulated)"}
    assert daily >= 22 * 3 * 365  # >= 3 years of daily candles per symbol

    status = run(tmp_path, "data", "status", "--json")
    assert status.returncode == 0, status.stderr
    payload = json.loads(status.stdout)
    rows = payload["symbols"]
    assert {(r["base"], r["timeframe"]) for r in rows} >= {("RENDER", "1d"), ("BTC", "1h")}
    assert all(r["exchange"] == "demo" and r["gaps"] == 0 for r in rows)
    assert payload["last_refresh"]["outcome"] == "ok"
    assert payload["universe_symbols_without_data"] == {"demo": []}
    text = run(tmp_path, "data", "status")
    assert text.returncode == 0 and "RENDER" in text.stdout and "last refresh" in text.stdout


def write_universe(home: Path, text: str) -> None:
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "universe.toml").write_text(text, encoding="utf-8")


def test_refresh_demo_json_and_rerun_is_idempotent(isolated_home: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    write_universe(isolated_home, 'quote = "USDT"\nbenchmark = "BTC"\n\n[sectors]\n'
                                  'render = ["RENDER"]\nbenchmark = ["BTC"]\n')
    assert main(["refresh", "--demo", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["outcome"] == "ok" and first["source"] == "demo (simulated)"
    with MarketCache() as cache:
        before = cache.table_rows("candles", exchange="demo", base="RENDER")
    assert main(["refresh", "--demo", "--json"]) == 0
    capsys.readouterr()
    with MarketCache() as cache:
        assert cache.table_rows("candles", exchange="demo", base="RENDER") == before
    assert cache_path().is_relative_to(isolated_home)


def test_status_on_empty_cache_tells_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "status"]) == 0
    assert "rotation refresh" in capsys.readouterr().out


def test_bad_flags_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["refresh", "--since", "last tuesday"])
    assert exc.value.code == 2
    assert "must be a date like 2024-01-31" in capsys.readouterr().err
    assert main(["refresh", "--demo", "--symbols", "RENDER"]) == 2
    assert "--demo" in capsys.readouterr().err
    assert main(["refresh", "--symbols", "NOTACOIN", "--api-url", "http://127.0.0.1:9"]) == 2
    assert "NOTACOIN not in the sector universe" in capsys.readouterr().err
    assert main(["refresh", "--timeframes", "3d", "--api-url", "http://127.0.0.1:9"]) == 2
    assert "timeframe: must be one of" in capsys.readouterr().err


def test_workbook_flag_missing_file_is_input_error(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    code = main(["refresh", "--demo", "--workbook", str(tmp_path / "missing.xlsx")])
    assert code == 2
    assert "--workbook: file not found" in capsys.readouterr().err


def test_refresh_against_the_emulator_with_progress_and_summary(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from tests.emulator.binance import BinanceEmulator, Fault
    from tests.emulator.fixture_market import FixtureMarket, utc

    write_universe(isolated_home, 'quote = "USDT"\nbenchmark = "SYM02"\n\n[sectors]\n'
                                  'alpha = ["SYM00", "SYM01"]\nbenchmark = ["SYM02"]\n'
                                  'ghost = ["NOPE"]\n')
    market = FixtureMarket.synthetic(3, end=utc(2024, 6, 1), days=40, seed=3)
    # a 400 is not retried: SYM01 fails at once (5xx would be retried with backoff)
    fault = Fault("server_error", path="/fapi/v1/klines", symbol="SYM01", count=None, status=400)
    with BinanceEmulator(market, now=utc(2024, 5, 30, 12) + timedelta(minutes=30),
                         faults=[fault]) as emu:
        code = main(["refresh", "--api-url", emu.base_url, "--since", "2024-05-20",
                     "--timeframes", "1d"])
    out, err = capsys.readouterr()
    assert code == 1  # partial: one symbol failed
    assert "refresh [" in err and "3/3" in err  # the progress bar reached the end
    assert "2 ok / 4 requested" in out
    assert "not listed on binanceusdm: NOPE" in out
    assert "SYM01" in out.split("failures")[1]
    # 1d candles 05-20 .. 05-29 (05-30 still open at 12:30) = 10 per symbol, 2 symbols
    assert "candles written  20" in out
    assert f"weight used      {emu.weight_used}" in out
    with MarketCache() as cache:
        assert cache.table_rows("candles", base="SYM01") == []
        assert len(cache.read_candles("binanceusdm", "SYM00", "1d")) == 10


def test_refresh_demo_then_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbook.build import build_workbook

    path = tmp_path / "desk.xlsx"
    build_workbook(path)
    code = main(["refresh", "--demo", "--workbook", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "workbook refreshed" in out and "demo (simulated)" in out
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    texts = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
             for c in row if isinstance(c, str)}
    book.close()
    assert any("demo (simulated)" in t for t in texts)


def test_import_csv_into_the_cache(coinmetrics_like_dir: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    from rotation_addin.data.loader import load_market

    assert main(["data", "import-csv", str(coinmetrics_like_dir), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["candles_by_symbol"]["BTC"] > 700
    raw = pd.read_csv(coinmetrics_like_dir / "btc.csv")
    with MarketCache() as cache:
        stored = cache.read_candles("csv", "BTC", "1d")
    assert len(stored) == len(raw)
    assert stored["close"].iloc[0] == pytest.approx(raw["price_usd"].iloc[0])
    assert stored["close"].iloc[-1] == pytest.approx(raw["price_usd"].iloc[-1])
    data = load_market("cache", exchange_id="csv")
    assert data.source == "cache (csv)"
    assert data.close["BTC"].dropna().iloc[-1] == pytest.approx(raw["price_usd"].iloc[-1])
    assert "LPT" in data.missing_symbols  # no Coin Metrics file for it
    assert main(["data", "status", "--exchange", "csv"]) == 0
    status = capsys.readouterr().out
    assert "csv: no data for LPT" in status and "csv import" in status
    assert main(["data", "import-csv", str(coinmetrics_like_dir / "nope")]) == 2


def test_notes_with_the_same_text_are_grouped() -> None:
    from rotation_addin.cli.data_cmds import _group_warnings

    notes = [f"{b} 1d: 364 daily candles aggregated" for b in ("A", "B", "C", "D")]
    notes += ["B 1h: 3 candles missing in 1 gap(s)", "tickers not refreshed: HTTP 500"]
    assert _group_warnings(notes, {"A", "B", "C", "D"}) == [
        "1d: 364 daily candles aggregated (4 symbols: A, B, C, ...)",
        "1h: 3 candles missing in 1 gap(s) (B)",
        "tickers not refreshed: HTTP 500",
    ]


def test_import_names_the_symbols_without_a_file_once(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "btc.csv").write_text("date,price_usd\n2024-01-01,42000\n2024-01-02,43000\n",
                                      encoding="utf-8")
    assert main(["data", "import-csv", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("no CSV for:") == 1 and "warning: no CSV for: " in out


def test_status_says_a_symbol_delisted_since_its_rows_was_not_refreshed(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import timedelta

    from tests.emulator.binance import BinanceEmulator
    from tests.emulator.fixture_market import FixtureMarket, utc

    write_universe(isolated_home, 'quote = "USDT"\nbenchmark = "SYM02"\n\n[sectors]\n'
                                  'alpha = ["SYM00", "SYM01"]\nbenchmark = ["SYM02"]\n')
    market = FixtureMarket.synthetic(3, end=utc(2024, 6, 1), days=40, seed=3)
    now = utc(2024, 5, 30, 12) + timedelta(minutes=30)
    for bases in (None, ["SYM00", "SYM02"]):  # SYM01 is delisted between the two runs
        with BinanceEmulator(market, now=now, bases=bases) as emu:
            assert main(["refresh", "--api-url", emu.base_url, "--since", "2024-05-20",
                         "--timeframes", "1d"]) == 0
        now += timedelta(days=1)
    capsys.readouterr()
    assert main(["data", "status"]) == 0
    out = capsys.readouterr().out
    assert "SYM01" in out.split("last refresh")[0]  # its old rows are still listed
    assert ", ok, not listed (not refreshed): SYM01" in out


@pytest.mark.parametrize("flags, line", [
    (["--since", "2999-01-01"], "rotation: invalid input: --since: must be in the past"),
    (["--symbols", "NOPE"], "rotation: invalid input: --symbols: NOPE not in the sector universe"),
])
def test_refresh_errors_name_the_flag_typed(flags: list[str], line: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refresh", "--api-url", "http://127.0.0.1:9", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1
