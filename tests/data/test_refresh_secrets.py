"""An exchange error that echoes the keyring's API key: the key is in no output or log row."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rotation_addin.cli.main import main
from tests import keyring_standin
from tests.emulator.binance import BinanceEmulator
from tests.emulator.fixture_market import FixtureMarket, utc
from tests.keyring_standin import MemoryKeyring

memory_keyring = keyring_standin.memory_keyring  # the shared fixture, used by name

KEY, SECRET = "EXKEY-1a2b3c4d5e6f", "EXSECRET-6f5e4d3c2b1a"


class EchoingEmulator(BinanceEmulator):
    """Klines of SYM00 and SYM01 fail with a 400 whose message echoes the key (SYM01's
    only after 280 characters, where a reason is cut)."""

    def route(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        echo = {"SYM00USDT": f"Invalid API-key {KEY}, IP, or permissions",
                "SYM01USDT": "x" * 280 + f" Invalid API-key {KEY} secret {SECRET}"}
        if path == "/fapi/v1/klines" and params.get("symbol") in echo:
            return 400, {"code": -2015, "msg": echo[params["symbol"]]}
        return super().route(path, params)


def test_echoed_key_is_in_no_failure_reason(isolated_home: Path, memory_keyring: MemoryKeyring,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from rotation_addin.data.secrets import set_api_key

    set_api_key("binanceusdm", KEY, SECRET)
    (isolated_home / "config").mkdir(exist_ok=True)
    (isolated_home / "config" / "universe.toml").write_text(
        'quote = "USDT"\nbenchmark = "SYM02"\n\n[sectors]\nalpha = ["SYM00", "SYM01"]\n'
        'benchmark = ["SYM02"]\n', encoding="utf-8")
    market = FixtureMarket.synthetic(3, end=utc(2024, 6, 1), days=40, seed=3)
    seen: list[str] = []
    with EchoingEmulator(market, now=utc(2024, 5, 30, 12) + timedelta(minutes=30)) as emu:
        for extra in ([], ["--json"]):
            code = main(["refresh", "--api-url", emu.base_url, "--since", "2024-05-20",
                         "--timeframes", "1d", *extra])
            assert code == 1  # SYM02 refreshed, SYM00 and SYM01 failed
            seen += list(capsys.readouterr())
    with sqlite3.connect(isolated_home / "data" / "cache.sqlite3") as db:
        seen.append(json.dumps(db.execute("SELECT * FROM refresh_log").fetchall()))
    assert "Invalid API-key ***, IP, or permissions" in seen[0]  # the message is still shown
    for secret in (KEY, SECRET, KEY[:10], SECRET[:10]):
        assert [text for text in seen if secret in text] == []
