"""`rotation providers` end to end against the loopback provider emulator."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from rotation_addin.cli.main import main
from tests import keyring_standin
from tests.emulator.providers import Fault, ProviderData, ProviderEmulator
from tests.keyring_standin import MemoryKeyring

memory_keyring = keyring_standin.memory_keyring  # the shared fixture, used by name


@pytest.fixture()
def emulator() -> Iterator[ProviderEmulator]:
    index = pd.date_range(end="2026-11-20", periods=400, freq="D", tz="UTC", name="date")
    macro = pd.DataFrame({"btc_dominance": np.linspace(0.6, 0.55, 400),
                          "stablecoin_supply_usd": np.linspace(2.0e11, 2.5e11, 400),
                          "equity_index": np.linspace(5000, 6000, 400)}, index=index)
    slugs = ["render-token", "bitcoin"]
    social = pd.DataFrame({s: np.arange(400.0) + 10 for s in slugs}, index=index)
    data = ProviderData(macro=macro, social=social, onchain=social * 3, api_key="K-123456")
    with ProviderEmulator(data) as server:
        yield server


def _url_flags(emulator: ProviderEmulator) -> list[str]:
    return [f"--{name}-url={url}" for name, url in emulator.base_urls.items()]


def test_refresh_status_json(
    emulator: ProviderEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["providers", "refresh", "--json", *_url_flags(emulator)]) == 0
    outcomes = json.loads(capsys.readouterr().out)
    assert {o["series"] for o in outcomes} == {"btc_dominance", "stablecoin_supply_usd",
                                                "equity_index"}
    assert main(["providers", "status", "--json"]) == 0
    status = {r["key"]: r for r in json.loads(capsys.readouterr().out)}
    assert status["stablecoin_supply_usd"]["days"] == 400
    assert status["stablecoin_supply_usd"]["last"] == "2026-11-20"


def test_refresh_reports_failure_with_exit_code(
    emulator: ProviderEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.faults.append(Fault(prefix="/coingecko", status=404, count=5))
    assert main(["providers", "refresh", *_url_flags(emulator)]) == 4
    out = capsys.readouterr().out
    assert "HTTP 404" in out and "ok" in out


def test_sentiment_needs_key_then_uses_keyring(
    emulator: ProviderEmulator, memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated_home: object
) -> None:
    from rotation_addin.data.cache import MarketCache

    assert main(["providers", "refresh", *_url_flags(emulator)]) == 0  # macro in the cache
    with MarketCache() as cache:
        macro_rows = len(cache.table_rows("series"))
    assert macro_rows > 0
    sent = len(emulator.requests)
    capsys.readouterr()
    assert main(["providers", "refresh", "--sentiment", *_url_flags(emulator)]) == 2
    captured = capsys.readouterr()
    assert "set-key santiment" in captured.err and captured.out == ""
    assert len(emulator.requests) == sent  # the key is checked before any network work
    with MarketCache() as cache:
        assert len(cache.table_rows("series")) == macro_rows  # the macro table is kept

    monkeypatch.setattr("sys.stdin", io.StringIO("K-123456\n"))
    assert main(["providers", "set-key", "santiment", "--stdin"]) == 0
    assert ("rotation-desk", "provider:santiment:api_key") in memory_keyring.store

    code = main(["providers", "refresh", "--sentiment", "--since", "2026-10-01",
                 *_url_flags(emulator)])
    out = capsys.readouterr().out
    assert "Santiment RENDER" in out and "Santiment BTC" in out
    # Other bases have no data at the emulator: reported, hence exit 4, never dropped silently.
    assert code == 4 and "not found" in out
    # The key was sent to the provider but is in no file under the user's folders.
    assert any(r["authorization"] == "Apikey K-123456" for r in emulator.requests)
    for path in isolated_home.rglob("*"):  # type: ignore[attr-defined]
        if path.is_file():
            assert b"K-123456" not in path.read_bytes(), path


def test_bad_flags_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["providers", "refresh", "--since", "yesterday"])
    assert info.value.code == 2
    assert "must be a date" in capsys.readouterr().err
    assert main(["providers", "refresh", "--equity-csv", "/nonexistent.csv"]) == 2
    assert "--equity-csv" in capsys.readouterr().err
