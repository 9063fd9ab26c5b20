"""QA: `rotation size | liq | leverage` refuse nonsense with one line naming the field.

Each case below was accepted (or answered with a misleading message) before the fix.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rotation_addin.core.brackets import default_bracket_table
from tests.cli_helpers import one_line_error, run, run_json


@pytest.mark.parametrize(("argv", "needle"), [
    # a bare 5 was taken as a 500 % daily sigma, 90 as 9,000 % a year
    (["leverage", "--daily-vol", "5"], "did you mean 5%?"),
    (["leverage", "--annual-vol", "90"], "did you mean 90%?"),
    # "-1%" looked like an unknown option to argparse ("expected one argument")
    (["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long",
      "--risk", "-1%"], "--risk: must be at least 0.0001 % and at most 100 % (got -1 %)"),
    (["leverage", "--daily-vol", "-5%"],
     "--daily-vol: must be at least 0 % and at most 500 % (got -5 %)"),
    (["leverage", "--daily-vol", "5%", "--gap-buffer", "-1%"],
     "--gap-buffer: must be at least 0 % and below 100 % (got -1 %)"),
    # an absurd cap is still refused with its range (not silently lowered to the bracket's)
    (["leverage", "--daily-vol", "5%", "--max-leverage", "1e9"],
     "--max-leverage: must be at least 1 and at most 1000 (got 1e9)"),
    # "inf" got the advice "did you mean inf%?"
    (["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long",
      "--slippage", "inf"], "--slippage: must be a finite number"),
    # the hard cap could be lifted to 100 % per trade (settings and the plan stop at 10 %)
    (["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long",
      "--max-risk", "1"], "--max-risk: must be above 0 % and at most 10 % (got 100 %)"),
    # a cross position could be fed an unrealised PnL of 1e300 USD
    (["liq", "--side", "long", "--entry", "100", "--quantity", "10", "--mode", "cross",
      "--wallet", "1000", "--other-upnl", "1e300"], "unrealized_pnl_usd"),
    # an unknown --symbol silently sized with generic rules
    (["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--side", "long",
      "--symbol", "NOPE"], "symbol"),
])
def test_bad_quick_flags_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert needle in one_line_error(err)
    assert "expected one argument" not in err and "inf%" not in err


def test_cross_refusal_states_the_wallet_after_other_positions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # wallet 1,000 - other maintenance 0 + other unrealised -5,000 = -4,000 USD: the message
    # used to say 1,000.00 USD, the figure before the other positions
    code, _, err = run(capsys, "liq", "--side", "long", "--entry", "100", "--quantity", "10",
                       "--mode", "cross", "--wallet", "1000", "--other-upnl", "-5000")
    assert code == 3
    assert "-4,000.00 USD" in one_line_error(err)


def test_size_with_symbol_applies_its_contract_rules(capsys: pytest.CaptureFixture[str]) -> None:
    # Demo RENDER contract: amount step 0.1. budget = 25,000 x 1.5 % = 375 USD;
    # per unit = |7.5 - 7.05| + 7.5 x 0.0005 + 7.05 x (0.0005 + 0.0005) = 0.4608 USD;
    # 375 / 0.4608 = 813.802... -> 813.8 after rounding down to the step (it was left unrounded)
    data = run_json(capsys, "size", "--equity", "25000", "--risk", "1.5%", "--entry", "7.5",
                    "--stop", "7.05", "--side", "long", "--leverage", "5", "--symbol", "RENDER")
    assert data["position"]["quantity_base"] == pytest.approx(813.8, abs=1e-9)
    assert data["position"]["risk_usd"] == pytest.approx(813.8 * 0.4608)
    assert data["contract_source"] == "demo (simulated)"
    code, out, _ = run(capsys, "size", "--equity", "25000", "--risk", "1.5%", "--entry", "7.5",
                       "--stop", "7.05", "--side", "long", "--symbol", "RENDER")
    assert code == 0 and "demo (simulated)" in out and "813.8" in out


def test_unknown_bracket_base_is_reported_not_silently_defaulted() -> None:
    assert "NOPE is in no bundled schedule" in default_bracket_table("NOPE").source
    assert "no bundled schedule" not in default_bracket_table("BTC").source
    assert "no bundled schedule" not in default_bracket_table("default").source


def test_leverage_symbol_reads_a_cached_demo_refresh(capsys: pytest.CaptureFixture[str],
                                                     home_cache: Path) -> None:
    # `rotation leverage --symbol X --source cache` had no --exchange: after
    # `rotation refresh --demo` it could only ask for a binanceusdm refresh.
    # home_cache: the user's cache is a copy of the session's real demo refresh
    cached = run_json(capsys, "leverage", "--symbol", "RENDER", "--source", "cache",
                      "--exchange", "demo")
    demo = run_json(capsys, "leverage", "--symbol", "RENDER", "--source", "demo")
    assert cached["source"].startswith("demo (simulated)")
    assert math.isclose(cached["safe_leverage"]["daily_vol"], demo["safe_leverage"]["daily_vol"],
                        rel_tol=1e-12)


def test_max_leverage_cannot_lift_the_bracket_maximum(capsys: pytest.CaptureFixture[str]) -> None:
    # Zero volatility and no gap buffer: only the caps limit. The mid-cap default bracket
    # allows 75x; --max-leverage 500 used to replace that and answer 153x (1 / 0.0065).
    data = run_json(capsys, "leverage", "--daily-vol", "0", "--gap-buffer", "0",
                    "--max-leverage", "500")
    assert data["safe_leverage"]["leverage"] == 75
    assert any("75x applies" in w for w in data["warnings"])
    # lowering the cap still works
    data = run_json(capsys, "leverage", "--daily-vol", "1%", "--max-leverage", "5")
    assert data["safe_leverage"]["leverage"] == 5


def test_notional_out_of_range_is_named_as_the_notional(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "liq", "--side", "long", "--entry", "100", "--notional", "1e300",
                       "--leverage", "2")
    assert code == 2 and one_line_error(err).startswith("rotation: invalid input: --notional")


def test_max_leverage_cannot_lift_the_contract_maximum(capsys: pytest.CaptureFixture[str]) -> None:
    # demo RENDER: contract 50x, default bracket 75x; k 0.1 and no buffer leave only the caps
    data = run_json(capsys, "leverage", "--symbol", "RENDER", "--k", "0.1", "--gap-buffer", "0",
                    "--max-leverage", "100")
    assert data["safe_leverage"]["leverage"] == 50


def test_a_broken_settings_file_does_not_stop_a_quick_check(
    capsys: pytest.CaptureFixture[str], isolated_home: object
) -> None:
    # `rotation size` now takes its defaults from the settings (as =POSITION_SIZE() does); a
    # broken settings.toml falls back to the built-in defaults with a warning, as the app does.
    from pathlib import Path

    config = Path(str(isolated_home)) / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text("garbage [[[\n", encoding="utf-8")
    data = run_json(capsys, "size", "--equity", "10000", "--entry", "100", "--stop", "95",
                    "--side", "long")
    # 10,000 x 2 % / (5 + 0.05 + 0.095) = 38.8727
    assert data["position"]["quantity_base"] == pytest.approx(200 / 5.145)
    assert any("built-in defaults used" in w for w in data["warnings"])
