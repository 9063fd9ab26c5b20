"""``trade open --risk 1%`` on paper loses at most 1 % of equity at the stop, the fill's
slippage included: the size was worked out at the unslipped price, and the paper fill then
moved the entry against the trader (a long sized to 99.97 USD of risk held 100.19)."""

from __future__ import annotations

import json

import pytest

from rotation_addin.core.types import Side
from rotation_addin.data.settings import Settings
from tests.cli_helpers import run_json
from tests.journal.helpers import trade_cli


@pytest.mark.parametrize("side", ["long", "short"])
def test_the_loss_at_the_stop_is_at_most_the_risk_after_slippage(
        capsys: pytest.CaptureFixture[str], tmp_path, side: str) -> None:
    journal = tmp_path / "j.sqlite3"
    settings = Settings()  # a fresh journal: the settings' equity, fee and slippage
    equity = settings.equity_usd
    code, out, err = trade_cli(capsys, journal, "open", "LTC", "--side", side, "--stop",
                               "50" if side == "long" else "60", "--risk", "1%", "--source",
                               "demo", "--json")
    assert code == 0, err
    opened = json.loads(out)
    trade = run_json(capsys, "trade", "list", "--json", "--source", "demo", "--journal-file",
                     str(journal))["open"][0]
    sign = Side.parse(side).sign
    fee, slip = settings.taker_fee_rate, settings.stop_slippage_rate
    entry, stop, quantity = float(trade["entry"]), float(trade["stop"]), float(trade["quantity"])
    loss = quantity * (sign * (entry - stop) + entry * fee + stop * (fee + slip))
    assert loss <= 0.01 * equity + 1e-9, (loss, opened)
    assert loss >= 0.01 * equity * 0.97  # sized to the budget, not far below it
