"""QA: the CLI, the UDFs and the plan give the same number for the same question."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rotation_addin import udfs
from rotation_addin.core.report import market_snapshot
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.loader import load_market
from rotation_addin.data.settings import Settings, save_settings
from rotation_addin.excel import context
from tests.cli_helpers import run_json


@pytest.fixture(autouse=True)
def _fresh_udf_context() -> None:
    context.clear()


def _ewma_by_hand(closes: np.ndarray, lam: float = 0.94) -> float:
    """RiskMetrics EWMA of daily log returns, seeded with the first squared return:
    s2_t = lam * s2_(t-1) + (1 - lam) * r_t^2."""
    returns = np.diff(np.log(closes))
    var = returns[0] ** 2
    for r in returns[1:]:
        var = lam * var + (1 - lam) * r * r
    return float(math.sqrt(var))


def test_symbol_volatility_is_one_number_on_every_surface(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before: the CLI used 91 candles, =HIST_VOL() the whole history, the plan 180 candles.
    dataset = load_market("demo")
    cli = run_json(capsys, "leverage", "--symbol", "RENDER")["volatility"]["ewma_daily_sigma"]
    udf = udfs.HIST_VOL("RENDER")
    snapshot = market_snapshot(dataset, "RENDER", PlanParameters())
    assert snapshot is not None
    assert cli == pytest.approx(udf, rel=1e-12)
    assert cli == pytest.approx(snapshot.daily_vol, rel=1e-12)
    # and the window is the documented 180 daily closes
    closes = dataset.close["RENDER"].dropna().to_numpy()[-180:]
    assert math.isclose(cli, _ewma_by_hand(closes), rel_tol=1e-12)


def test_size_liq_and_udfs_agree_on_one_trade(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--equity", "25000", "--risk", "1.5%", "--entry", "7.5", "--stop", "7.05",
            "--side", "long", "--leverage", "5", "--symbol", "RENDER")
    cli = run_json(capsys, "size", *args)
    quantity = cli["position"]["quantity_base"]
    assert udfs.POSITION_SIZE(25000, "1.5%", 7.5, 7.05, "long", "RENDER", 5) == quantity
    # JSON keeps 15 significant digits (no binary noise such as 374.9990400000001)
    assert udfs.POSITION_SIZE(25000, "1.5%", 7.5, 7.05, "long", "RENDER", 5, "risk") == \
        pytest.approx(cli["position"]["risk_usd"], rel=1e-14)
    liq = run_json(capsys, "liq", "--side", "long", "--entry", "7.5", "--quantity",
                   repr(quantity), "--leverage", "5", "--symbol", "RENDER")
    assert liq["liquidation_price_usd"] == cli["liquidation"]["liquidation_price_usd"]
    assert udfs.LIQUIDATION_PRICE("long", 7.5, quantity, 5, "RENDER") == \
        liq["liquidation_price_usd"]


def test_default_risk_comes_from_the_settings_everywhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # =POSITION_SIZE() defaulted to a constant 2 %, the CLI to its own 2 %: a user who set
    # 1 % in Settings got 2 %-sized trades. 10,000 x 1 % = 100 USD;
    # per unit = 5 + 100 x 0.0005 + 95 x 0.001 = 5.145 -> 100 / 5.145 = 19.4363...
    save_settings(Settings(risk_fraction=0.01))
    context.clear()
    expected = 100 / 5.145
    assert udfs.POSITION_SIZE(10000, None, 100, 95) == pytest.approx(expected)
    cli = run_json(capsys, "size", "--equity", "10000", "--entry", "100", "--stop", "95",
                   "--side", "long")
    assert cli["position"]["quantity_base"] == pytest.approx(expected)


def test_correlation_spill_says_demo_simulated() -> None:
    table = udfs.CORREL_MATRIX("BTC,RENDER", 30)
    assert "demo (simulated)" in table[0][0]
    assert table[0][1:] == ["BTC", "RENDER"]


def test_safe_leverage_of_a_symbol_is_capped_by_its_contract_everywhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # k = 0.1 and no gap buffer leave only the caps: the demo RENDER contract allows 50x
    # (the default bracket 75x). The CLI said 50x, =SAFE_LEVERAGE("RENDER", ...) said 75x.
    contract_max = load_market("demo").contracts["RENDER"].max_leverage
    cli = run_json(capsys, "leverage", "--symbol", "RENDER", "--k", "0.1", "--gap-buffer", "0")
    assert cli["safe_leverage"]["leverage"] == contract_max == 50
    assert udfs.SAFE_LEVERAGE("RENDER", 0.1, 1, 0) == contract_max
    # with the default k the two agree too (volatility-limited)
    assert udfs.SAFE_LEVERAGE("RENDER") == run_json(
        capsys, "leverage", "--symbol", "RENDER")["safe_leverage"]["leverage"]


@pytest.mark.parametrize(("leverage", "stop", "needle"), [
    # 1,000x is past the mid-cap bracket's 75x; at 20x a long from 100 is liquidated at
    # 95.62 (isolated, MMR 0.65 %: LP = 100 x (1 - 1/20) / (1 - 0.0065)), above a 95 stop
    (1000, 95, "#REFUSED leverage"),
    (20, 95, "#REFUSED stop"),
])
def test_position_size_refuses_what_rotation_size_refuses(
    capsys: pytest.CaptureFixture[str], leverage: float, stop: float, needle: str
) -> None:
    from tests.cli_helpers import run

    code, _, err = run(capsys, "size", "--equity", "10000", "--entry", "100", "--stop",
                       str(stop), "--side", "long", "--leverage", str(leverage))
    assert code == 3 and "refused" in err
    assert str(udfs.POSITION_SIZE(10000, 0.02, 100, stop, "long", None, leverage)).startswith(
        needle)


def test_correlation_spill_never_claims_more_days_than_it_has() -> None:
    # the demo market holds 1,100 daily candles = 1,099 returns; "corr 2000d" was returned
    assert str(udfs.CORREL_MATRIX("BTC,RENDER", 2000)).startswith("#INPUT window")
    assert udfs.CORREL_MATRIX("BTC,RENDER", 1099)[0][0].startswith("corr 1099d")


def test_rebalance_orders_follow_an_edit_of_the_positions_file() -> None:
    # The report was memoised for a minute regardless of positions.csv: after closing a
    # position in the file, =REBALANCE_ORDERS() still proposed orders for it.
    from datetime import UTC, datetime

    from rotation_addin.core.rotation import Position
    from rotation_addin.core.types import Side
    from rotation_addin.data.positions import write_positions

    price = float(load_market("demo").close["RENDER"].dropna().iloc[-1])
    held = Position(base="RENDER", side=Side.LONG, quantity_base=500.0,
                    entry_price_usd=price * 1.2, stop_price_usd=price * 1.1,
                    take_profit_price_usd=None, opened_at=datetime(2026, 11, 20, tzinfo=UTC))
    write_positions([held])
    first = udfs.REBALANCE_ORDERS()
    assert any(row[2] == "RENDER/USDT:USDT" and row[1] == "close" for row in first[1:])
    write_positions([])
    second = udfs.REBALANCE_ORDERS()
    rows = second[1:] if isinstance(second, list) else []
    assert not any(row[2] == "RENDER/USDT:USDT" for row in rows)


def test_every_planned_order_obeys_the_risk_rule_by_hand(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # risk = Q |E - S| + Q E fee + Q S (fee + slippage) with the settings' 0.05 % / 0.05 %;
    # each opening order within equity x risk fraction, stop strictly between entry and the
    # liquidation price, and the stressed total within the portfolio cap.
    body = run_json(capsys, "plan", "--top", "5", "--equity", "20000", "--risk-fraction", "3%")
    opens = [o for o in body["orders"] if o["action"] in ("open", "increase")]
    assert opens, body
    for order in opens:
        q, e, s = order["quantity_base"], order["entry_price_usd"], order["stop_price_usd"]
        risk = q * abs(e - s) + q * e * 0.0005 + q * s * (0.0005 + 0.0005)
        assert risk == pytest.approx(order["risk_usd"], rel=1e-9)
        assert risk <= 20_000 * 0.03 + 1e-6
        sign = 1 if order["order_side"] == "buy" else -1
        liq = order["liquidation_price_usd"]
        assert sign * (e - s) > 0 and (liq is None or sign * (s - liq) > 0)
        assert order["notional_usd"] == pytest.approx(q * e)
        assert order["margin_usd"] == pytest.approx(q * e / order["leverage"])
    assert body["stressed_loss_usd"] <= body["portfolio_risk_cap_usd"] + 1e-6
