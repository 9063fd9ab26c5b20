"""Quick check tab quotes the CLI's sigma and safe leverage for a symbol.

``rotation leverage --symbol`` (and =SAFE_LEVERAGE(), the plan) estimate sigma from the last
``core.volatility.HISTORY_DAYS`` daily candles and cap leverage at
``min(contract max, bracket max)``; the desktop tab must give the same numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from gui.quick_check import QuickCheckView
from gui.quick_check_logic import compute_quick_check, parse_inputs
from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.data.loader import load_market
from rotation_addin.data.settings import Settings


def _cli_leverage(symbol: str) -> dict[str, Any]:
    """``rotation leverage --symbol SYMBOL --json`` in a child process (demo is the default
    source of a fresh settings file: ROTATION_DESK_HOME is the test's empty folder)."""
    done = subprocess.run(
        [sys.executable, "-m", "rotation_addin.cli.main", "leverage", "--symbol", symbol,
         "--json"], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_render_on_demo_matches_rotation_leverage(qtbot) -> None:
    cli = _cli_leverage("RENDER")
    assert cli["source"].startswith("demo")
    view = QuickCheckView(Settings())
    qtbot.addWidget(view)
    view.set_dataset(load_market("demo"))
    view.symbol_box.setCurrentText("RENDER")
    view.use_last_price()  # leaves the daily-vol field blank: sigma comes from the data
    view.recompute()
    result = view.last_result
    assert result is not None
    assert result.daily_vol == pytest.approx(cli["volatility"]["ewma_daily_sigma"], rel=1e-12)
    assert result.daily_vol == pytest.approx(cli["safe_leverage"]["daily_vol"], rel=1e-12)
    assert result.safe_leverage.leverage == cli["safe_leverage"]["leverage"]
    assert result.safe_leverage.cap_leverage == cli["safe_leverage"]["cap_leverage"]
    assert "180" in result.vol_source


def test_contract_maximum_never_lifts_the_bracket_maximum() -> None:
    # RENDER's bundled brackets allow 75x; a contract claiming 200x must not lift that.
    # sigma 0.1 %/day, k 3, no gap buffer, MMR 0.65 %: 1/(0.003 + 0.0065) = 105.3x by
    # volatility alone, so the cap decides: min(200, 75) = 75.
    dataset = load_market("demo")
    contract = replace(dataset.contracts["RENDER"], max_leverage=200.0)
    dataset = replace(dataset, contracts={**dataset.contracts, "RENDER": contract})
    bracket_max = default_bracket_table("RENDER").max_leverage
    assert bracket_max == 75.0
    inputs = parse_inputs({"symbol": "RENDER", "side": "long", "equity_usd": "10000",
                           "entry_price_usd": "2", "stop_price_usd": "1.9", "risk_pct": "1",
                           "leverage": "3", "daily_vol_pct": "0.1"})
    result = compute_quick_check(inputs, Settings(gap_buffer_fraction=0.0), dataset)
    assert result.safe_leverage.cap_leverage == bracket_max
    assert result.safe_leverage.leverage == 75
