"""QA: `rotation providers` — failures say so on stderr, status shows what is stored."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.cli.main import main
from tests.cli_helpers import one_line_error, run
from tests.emulator.providers import Fault, ProviderData, ProviderEmulator


@pytest.fixture()
def emulator() -> Iterator[ProviderEmulator]:
    index = pd.date_range(end="2026-11-20", periods=60, freq="D", tz="UTC", name="date")
    macro = pd.DataFrame({"btc_dominance": np.linspace(0.6, 0.55, 60),
                          "stablecoin_supply_usd": np.linspace(2.0e11, 2.5e11, 60),
                          "equity_index": np.linspace(5000, 6000, 60)}, index=index)
    social = pd.DataFrame({"render-token": np.arange(60.0) + 10}, index=index)
    with ProviderEmulator(ProviderData(macro=macro, social=social, onchain=social,
                                       api_key="K")) as server:
        yield server


def test_failed_refresh_prints_one_stderr_line(
    emulator: ProviderEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Exit 4 used to come with nothing on stderr (only a table row on stdout).
    emulator.faults.append(Fault(prefix="/coingecko", status=404, count=5))
    flags = [f"--{name}-url={url}" for name, url in emulator.base_urls.items()]
    code, out, err = run(capsys, "providers", "refresh", *flags)
    assert code == 4 and "HTTP 404" in out
    line = one_line_error(err)
    assert line.startswith("rotation: data error: 1 of 3 series failed") and "CoinGecko" in line


def test_status_shows_the_demo_series_with_their_label(
    capsys: pytest.CaptureFixture[str], home_cache: Path,
) -> None:
    # After `rotation refresh --demo` the status said "No macro or sentiment series stored".
    # home_cache: the user's cache is a copy of the session's real demo refresh
    assert main(["providers", "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    demo = [r for r in rows if r["source"] == "demo (simulated)"]
    assert {r["key"] for r in demo if r["series"] == "macro"} == {
        "btc_dominance", "stablecoin_supply_usd", "equity_index"}
    code, out, _ = run(capsys, "providers", "status")
    assert code == 0 and "demo (simulated)" in out and "from the providers" in out


def test_set_key_without_a_terminal_asks_for_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # getpass fell back to an echoed prompt plus two warning lines on stderr.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "providers", "set-key", "santiment")
    assert code == 2 and "--stdin" in one_line_error(err)
