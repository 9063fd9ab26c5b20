"""Holes R1-R4 of issue #18: wrong or unnamed results in Excel cells.

Each test fails on the code before the fix; the references are computed here with pandas.
"""

from __future__ import annotations

import numpy as np
import pytest

from rotation_addin import udfs
from rotation_addin.core.returns import log_returns, relative_returns
from rotation_addin.core.typed_numbers import COMMA_REASON
from rotation_addin.data.demo import demo_dataset

pytestmark = pytest.mark.usefixtures("demo_context")


@pytest.mark.parametrize("flag", ["FALSE", "no", "0", False, 0.0])
def test_r1_correl_matrix_false_flag_is_raw_and_labelled_raw(flag: object) -> None:
    table = udfs.CORREL_MATRIX("BTC,ETH,RENDER", 30, flag)
    assert isinstance(table, list), table
    assert "vs BTC" not in str(table[0][0])
    data = demo_dataset()
    reference = log_returns(data.close)[["BTC", "ETH", "RENDER"]].iloc[-30:].corr(min_periods=10)
    assert table[1][2] == pytest.approx(reference.loc["BTC", "ETH"], abs=1e-9)


@pytest.mark.parametrize("flag", ["TRUE", "yes", True, 1.0])
def test_r1_correl_matrix_true_flag_is_relative_and_labelled(flag: object) -> None:
    table = udfs.CORREL_MATRIX("ETH,RENDER", 30, flag)
    assert isinstance(table, list), table
    assert "vs BTC" in str(table[0][0])
    data = demo_dataset()
    rel = relative_returns(log_returns(data.close), benchmark=data.universe.benchmark)
    reference = rel[["ETH", "RENDER"]].iloc[-30:].corr(min_periods=10)
    assert table[1][2] == pytest.approx(reference.loc["ETH", "RENDER"], abs=1e-9)


@pytest.mark.parametrize("window", [2, 5, 9])
def test_r2_correl_matrix_refuses_window_below_kernel_minimum(window: int) -> None:
    from rotation_addin.excel.cell_errors import CellError

    result = udfs.CORREL_MATRIX(None, window)
    assert isinstance(result, CellError) and result.code == "#VALUE!", result
    assert result.startswith("#INPUT window:"), result
    assert "from 10 to" in result.reason, result


def test_r2_correl_matrix_minimum_window_has_a_unit_diagonal() -> None:
    table = udfs.CORREL_MATRIX("BTC,ETH", 10)
    assert isinstance(table, list), table
    assert table[1][1] == pytest.approx(1.0)
    assert np.isfinite(table[1][2])


@pytest.mark.parametrize("hostile", ["-", "+", "e5", "-e3", "$-", "+e", ".", "-.e1", "$", "%",
                                     "-%", "E-5", ","])
def test_r3_sign_or_exponent_only_text_names_the_argument(hostile: str) -> None:
    result = udfs.POSITION_SIZE(10_000, "2%", hostile, 95)
    assert str(result) == f"#INPUT entry: must be a number (got text {hostile!r})"


def test_r3_a_trailing_comma_says_what_a_comma_is_for() -> None:
    # "1," is 1 with a comma that groups no thousands: refused as 1,5 is (core.typed_numbers)
    result = udfs.POSITION_SIZE(10_000, "2%", "1,", 95)
    assert str(result) == f"#INPUT entry: must be a number (got text '1,'); {COMMA_REASON}"


@pytest.mark.parametrize("good, value", [("1e3", 1000.0), ("-2.5E-1", -0.25), (".5", 0.5),
                                         ("1,234.5", 1234.5), ("$7", 7.0), ("+3", 3.0),
                                         ("5.", 5.0)])
def test_r3_number_text_still_parses(good: str, value: float) -> None:
    from rotation_addin.excel import args

    assert args.number("x", good) == pytest.approx(value)


@pytest.mark.parametrize("vol", [0.05, "0.05", "5%", " 5 % ".replace(" ", "")])
def test_r4_safe_leverage_and_hist_vol_accept_volatility_alike(vol: object) -> None:
    from rotation_addin.core.leverage import safe_leverage

    leverage = udfs.SAFE_LEVERAGE(vol, 3, 1, 0.02, 0.005)
    expected = safe_leverage(daily_vol=0.05, k_sigma=3, holding_days=1,
                             gap_buffer_fraction=0.02, maintenance_margin_rate=0.005).leverage
    assert leverage == pytest.approx(expected), leverage
    assert udfs.HIST_VOL(vol) == pytest.approx(0.05)


def test_r4_hist_vol_of_a_symbol_still_computes() -> None:
    assert isinstance(udfs.HIST_VOL("BTC"), float)
    assert isinstance(udfs.SAFE_LEVERAGE("BTC"), float)


@pytest.mark.parametrize("prices", [[[1.0], [1986.0], [1e15]], [2725.0, 2899.0, -149210.0, 1.0],
                                    [[-0.0], [5.0], [6.0]]])
def test_r4_price_range_errors_name_the_argument(prices: object) -> None:
    """Found by bench/bench_udf_fuzz.py: the engine's 'close' leaked as the argument name."""
    assert str(udfs.HIST_VOL(prices)).startswith("#INPUT symbol_or_prices: ")
    assert str(udfs.SAFE_LEVERAGE(prices)).startswith("#INPUT symbol_or_vol: ")
