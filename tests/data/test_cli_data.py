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
    text = run(tmp_path, "data", "status")
    assert text.returncode == 0 and "RENDER" in text.stdout and "last refresh" in text.stdout


def test_refresh_demo_json_and_rerun_is_idempotent(isolated_home: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
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
