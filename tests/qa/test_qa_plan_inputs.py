"""QA: `rotation plan` (and what it shares with the UDFs) refuses absurd inputs and never
presents measured correlations as hedges the real-data check contradicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin import udfs
from rotation_addin.core.errors import InputError
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.excel import context
from tests.cli_helpers import one_line_error, run, run_json

HEADER = "symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"


def test_absurd_equity_is_an_input_error_not_a_300_digit_plan(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(InputError) as info:
        PlanParameters(equity_usd=1e300)
    assert info.value.field == "equity_usd"
    code, out, err = run(capsys, "plan", "--equity", "1e300")
    assert code == 2 and out == ""
    assert one_line_error(err) == ("rotation: invalid input: --equity: must be at most "
                                   "10,000,000,000,000 USD (got 1e300)")
    context.clear()
    assert str(udfs.REBALANCE_ORDERS(1e300)).startswith("#INPUT equity")


def test_absurd_position_size_in_the_positions_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    positions = tmp_path / "positions.csv"
    positions.write_text(HEADER + "RENDER,long,1e300,1.6,1.4,,2026-11-20\n", encoding="utf-8")
    code, _, err = run(capsys, "plan", "--positions", str(positions))
    assert code == 2
    assert "line 2: quantity" in one_line_error(err)


def test_a_named_positions_file_that_does_not_exist_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A typo in --positions used to plan as if nothing were held (and re-open held trades).
    code, out, err = run(capsys, "plan", "--positions", str(tmp_path / "typo.csv"))
    assert code == 2 and out == ""
    assert "does not exist" in one_line_error(err)
    code, _, err = run(capsys, "plan", "--journal", str(tmp_path / "typo.csv"))
    assert code == 2 and "journal" in one_line_error(err)


def test_plan_fractions_accept_percent_like_rotation_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_fraction = run_json(capsys, "plan", "--risk-fraction", "0.015", "--portfolio-cap", "0.05")
    as_percent = run_json(capsys, "plan", "--risk-fraction", "1.5%", "--portfolio-cap", "5%")
    assert as_percent["orders"] == as_fraction["orders"]
    assert as_percent["portfolio_risk_cap_usd"] == pytest.approx(10_000 * 0.05)


def test_inverse_pairs_are_never_called_hedges(capsys: pytest.CaptureFixture[str]) -> None:
    # docs/real-data-check.md: render and compute never moved inversely; "never present one
    # as a hedge for the other". A 5-day BTC-relative window on the demo market shows pairs
    # below -0.2, which the CLI printed as "natural hedges".
    code, out, _ = run(capsys, "corr", "--relative", "--window", "5")
    assert code == 0
    assert "natural hedge" not in out.lower()
    assert "inverse pairs" in out
    if "none" not in out.split("inverse pairs")[1].splitlines()[0]:
        assert "not a hedge" in out and "mostly noise" in out
    code, out, _ = run(capsys, "corr", "--help")
    assert "natural hedge" not in out.lower()


def test_a_position_already_past_its_stop_is_closed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A long whose price has fallen through its stop used to be left open: no order, no note,
    # and its stressed loss was still counted from the stop the price had already passed.
    from rotation_addin.data.loader import load_market

    price = float(load_market("demo").close["RENDER"].dropna().iloc[-1])
    positions = tmp_path / "positions.csv"
    positions.write_text(HEADER + f"RENDER,long,500,{price * 1.2},{price * 1.1},,2026-11-20\n",
                         encoding="utf-8")
    body = run_json(capsys, "plan", "--positions", str(positions))
    closes = [o for o in body["orders"] if o["base"] == "RENDER"]
    assert len(closes) == 1 and closes[0]["action"] == "close"
    assert closes[0]["quantity_base"] == pytest.approx(500)
    assert "stop crossed" in closes[0]["reason"]
    # a long still above its stop is not touched by this rule
    positions.write_text(HEADER + f"RENDER,long,500,{price * 1.2},{price * 0.9},,2026-11-20\n",
                         encoding="utf-8")
    body = run_json(capsys, "plan", "--positions", str(positions))
    assert not any("stop crossed" in o["reason"] for o in body["orders"])
