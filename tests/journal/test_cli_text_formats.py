"""The journal's text figures through ``core.formats`` (the QA finding: ``trade list`` printed
entry 80,969.59145, liquidation 65,003.314768, pnl_usd -1.538038 and ``journal review``
realised P&L USD -0.769211): prices to the contract's tick, quantities to its amount step,
USD to the cent, R to two decimals, fractions as ``100.0%``; ``--json`` and ``--csv`` keep the
full-precision figures; a missing figure (n/a) aligns right in a column of numbers.

A worked example on the real account (typed prices, so every figure is computed by hand
below), the clock pinned an hour after the demo market's last candle (no funding settles).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli import journal_cmds, term
from rotation_addin.core import formats
from rotation_addin.desk.journal_market import current_quote
from tests.cli_helpers import run, run_json
from tests.journal.helpers import demo_market

FEE = 0.0005  # Settings() default taker fee (a typed real fill has no slippage)


def test_a_missing_figure_aligns_right_unless_its_column_holds_text() -> None:
    text = term.render_table(["name", "value", "CAGR %", "note"],
                             [["a", 1.5, math.nan, "n/a"], ["bb", math.nan, math.nan, "x"],
                              ["c", formats.MISSING, formats.MISSING, "-"]])
    assert text.splitlines() == [
        "name  value  CAGR %  note",
        "----  -----  ------  ----",
        "a       1.5     n/a  n/a ",  # "note" holds text: its n/a is left-aligned too
        "bb      n/a     n/a  x   ",  # NaN and formats' missing text both print n/a
        "c       n/a     n/a  -   ",  # a column of only n/a is still a column of figures
    ]


@pytest.fixture()
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    market = demo_market()
    monkeypatch.setattr(journal_cmds, "_now", lambda: market.as_of + timedelta(hours=1))
    return tmp_path / "j.sqlite3"


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def _worked_example(capsys: pytest.CaptureFixture[str], journal: Path) -> list[str]:
    """BTC long 0.05 at 80,000.04 (stop 76,000.06), 0.02 of it sold at 81,234.567; ETH long
    0.5 at 2,600 (stop 2,500) closed at 2,612. The printed lines."""
    lines = []
    for argv in (("open", "BTC", "--side", "long", "--stop", "76000.06", "--quantity", "0.05",
                  "--price", "80000.04"),
                 ("open", "ETH", "--side", "long", "--stop", "2500", "--quantity", "0.5",
                  "--price", "2600"),
                 ("close", "BTC", "--quantity", "0.02", "--price", "81234.567"),
                 ("close", "ETH", "--price", "2612")):
        code, out, err = run(capsys, "trade", *argv, "--account", "real", "--journal-file",
                             str(journal))
        assert code == 0, err
        lines.append(out.splitlines()[0])
    return lines


def test_open_and_close_lines_write_prices_to_the_tick(capsys, journal):
    contracts = demo_market().contracts
    assert (contracts["BTC"].price_tick, contracts["BTC"].amount_step) == (0.1, 0.001)
    assert (contracts["ETH"].price_tick, contracts["ETH"].amount_step) == (0.01, 0.001)
    btc_open, eth_open, btc_reduce, eth_close = _worked_example(capsys, journal)
    # fee 0.05 x 80,000.04 x 0.0005 = 2.000001; 76,000.06 to the 0.1 tick = 76,000.1
    assert btc_open.startswith("real: long 0.050 BTC filled at 80,000.0 (price 80,000.0 from "
                               "typed; fee 2.00 USD, slippage 0.00 USD); stop 76,000.1, "
                               "liquidation ")
    assert re.fullmatch(r".*, liquidation \d\d,\d\d\d\.\d at \d+\.\dx", btc_open)
    # fee 0.5 x 2,600 x 0.0005 = 0.65
    assert eth_open.startswith("real: long 0.500 ETH filled at 2,600.00 (price 2,600.00 from "
                               "typed; fee 0.65 USD, slippage 0.00 USD); stop 2,500.00, ")
    # fee 0.02 x 81,234.567 x 0.0005 = 0.8123; 0.5 x 2,612 x 0.0005 = 0.653
    assert btc_reduce == "real: reduce 0.020 BTC at 81,234.6 (fee 0.81 USD, funding 0.00 USD; " \
        "typed)"
    assert eth_close == "real: close 0.500 ETH at 2,612.00 (fee 0.65 USD, funding 0.00 USD; " \
        "typed)"


def test_trade_list_writes_cents_ticks_and_steps_and_json_keeps_every_digit(capsys, journal):
    _worked_example(capsys, journal)
    mark = current_quote(demo_market(), "BTC").price_usd
    # the open BTC: 0.03 left, marked; the 0.02 sold realised 0.02 x (81,234.567 - 80,000.04)
    # less its fee, the entry fee is the whole position's
    pnl = 0.03 * (mark - 80_000.04) + 0.02 * (81_234.567 - 80_000.04) \
        - 0.02 * 81_234.567 * FEE - 0.05 * 80_000.04 * FEE
    listed = run_json(capsys, "trade", "list", "--account", "real", "--journal-file",
                      str(journal))
    (held,), (closed,) = listed["open"], listed["closed"]
    assert held["pnl_usd"] == pytest.approx(pnl, abs=1e-9)  # full precision, not cents
    assert held["entry"] == 80_000.04 and held["stop"] == 76_000.06
    # ETH: 0.5 x 12 less fees 0.65 + 0.653 = 4.697; risk 0.5 x 100 + entry fee 0.65 = 50.65
    assert closed["pnl_usd"] == pytest.approx(4.697, abs=1e-9)
    assert closed["r_multiple"] == pytest.approx(4.697 / 50.65, abs=1e-9)  # 0.0927
    code, out, err = run(capsys, "trade", "list", "--account", "real", "--journal-file",
                         str(journal))
    assert code == 0, err
    lines = out.splitlines()
    assert _cells(lines[1])[:11] == [
        "account", "symbol", "side", "quantity", "entry", "stop", "take_profit",
        "liquidation", "mark", "funding_usd", "pnl_usd"]
    row = _cells(lines[3])
    assert row[:5] == ["real", "BTC", "long", "0.030", "80,000.0"]
    assert row[5] == "76,000.1"  # no take-profit: a blank cell, then the liquidation
    assert row[6] == f"{round(held['liquidation'], 1):,.1f}"
    assert row[7:10] == [f"{round(mark, 1):,.1f}", "0.00", f"{pnl:+,.2f}"]
    closed_row = _cells(lines[6])
    assert closed_row[:11] == ["real", "ETH", "benchmark", "long", "0.500", "2,600.00",
                               "2,612.00", "+4.70", "+0.09", "1.30", "0.00"]


def test_journal_review_writes_cents_and_percent_and_csv_keeps_every_digit(capsys, journal):
    _worked_example(capsys, journal)
    day = f"{demo_market().as_of:%Y-%m-%d}"
    window = ("--from", day, "--to", day, "--account", "real", "--journal-file", str(journal))
    # realised: BTC -2.000001 entry fee, +24.69054 - 0.81234567 on the 0.02 sold; ETH +4.697
    realised = -2.000001 + 0.02 * (81_234.567 - 80_000.04) - 0.02 * 81_234.567 * FEE + 4.697
    # the low point: both entry fees paid, nothing sold yet: 2.000001 + 0.65
    drawdown = 2.000001 + 0.65
    code, out, err = run(capsys, "journal", "review", *window)
    assert code == 0, err
    rows = dict(_cells(line) for line in out.splitlines()[1:])
    assert rows["trades closed"] == "1" and rows["win rate"] == "100.0%"
    assert rows["average R"] == rows["expectancy (R per trade)"] == "+0.09"  # 4.697 / 50.65
    assert rows["expectancy (USD per trade)"] == "+4.70"
    assert rows["realised P&L USD"] == "+26.58"  # 26.5751933
    assert f"{realised:+.2f}" == "+26.58"
    assert rows["max drawdown USD"] == "2.65" and rows["max drawdown"] == "0.0%"  # 0.0265 %
    assert rows["P&L USD benchmark"] == "+26.58"  # BTC and ETH are both the benchmark sector
    assert rows["entries"] == "2" and rows["rule adherence"] == "100.0%"
    result = run_json(capsys, "journal", "review", *window, "--json")
    assert result["realised_pnl_usd"] == pytest.approx(realised, abs=1e-9)
    assert result["max_drawdown_usd"] == pytest.approx(drawdown, abs=1e-9)
    code, out, err = run(capsys, "journal", "review", *window, "--csv")
    assert code == 0, err
    csv_rows = dict(line.split(",", 1) for line in out.splitlines()[1:])
    assert float(csv_rows["realised P&L USD"]) == pytest.approx(realised, abs=1e-9)


def test_a_review_without_closed_trades_prints_n_a(capsys, journal):
    _worked_example(capsys, journal)
    code, out, err = run(capsys, "journal", "review", "--account", "paper", "--journal-file",
                         str(journal))
    assert code == 0, err
    rows = dict(_cells(line) for line in out.splitlines()[1:])
    assert rows["win rate"] == rows["average R"] == rows["expectancy (USD per trade)"] == "n/a"
    assert rows["realised P&L USD"] == "0.00"
