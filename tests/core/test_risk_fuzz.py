"""Garbage in, clear error out: random inputs never yield NaN, inf, a negative size or any
exception other than InputError / TradeRefused naming a field.

Each example starts from a valid call and (most of the time) replaces one argument with garbage,
so both the success path and every rejection path are exercised.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rotation_addin.core.capital import minimum_capital_check
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.leverage import safe_leverage
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.sizing import position_size
from rotation_addin.core.types import ContractSpec
from rotation_addin.core.volatility import volatility_estimate

garbage = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e308, 5e-324]),
    st.integers(min_value=-10, max_value=10**6),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)
prices = st.floats(min_value=1e-3, max_value=1e5)
sides = st.sampled_from(["long", "short"])


def _all_finite(result: Any) -> None:
    for name, value in vars(result).items():
        if isinstance(value, float):
            assert math.isfinite(value), f"{name} = {value}"
            if name.endswith(("_usd", "_base")):
                assert value >= 0, f"{name} = {value}"


def _corrupt(kwargs: dict[str, Any], field: str | None, bad: Any) -> dict[str, Any]:
    return kwargs if field is None else {**kwargs, field: bad}


def _named(exc: InputError | TradeRefused) -> None:
    assert exc.field and str(exc).startswith(exc.field)


@settings(max_examples=400, deadline=None)
@given(equity=st.floats(10, 1e7), entry=prices, stop_frac=st.floats(0.001, 0.9), side=sides,
       risk=st.floats(1e-4, 0.03), lev=st.floats(1, 20),
       step=st.sampled_from([None, 0.001, 1.0, 0.1]),
       field=st.sampled_from([None, None, "equity_usd", "entry_price_usd", "stop_price_usd",
                              "side", "risk_fraction", "leverage", "taker_fee_rate"]),
       bad=garbage)
def test_position_size_fuzz(equity: float, entry: float, stop_frac: float, side: str,
                            risk: float, lev: float, step: float | None, field: str | None,
                            bad: Any) -> None:
    contract = None if step is None else ContractSpec("X", "X", amount_step=step,
                                                      min_amount=step, min_notional_usd=5.0)
    stop = entry * (1 - stop_frac) if side == "long" else entry * (1 + stop_frac)
    kwargs = _corrupt({"equity_usd": equity, "entry_price_usd": entry, "stop_price_usd": stop,
                       "side": side, "risk_fraction": risk, "leverage": lev}, field, bad)
    try:
        result = position_size(contract=contract, **kwargs)
    except (InputError, TradeRefused) as exc:
        _named(exc)
        return
    _all_finite(result)
    assert result.quantity_base > 0
    assert result.risk_usd <= result.risk_budget_usd * (1 + 1e-9)


@settings(max_examples=400, deadline=None)
@given(entry=prices, qty=st.floats(1e-3, 1e4), lev=st.floats(1, 50), side=sides,
       mode=st.sampled_from(["isolated", "cross"]), wallet=st.floats(1, 1e7),
       field=st.sampled_from([None, None, "entry_price_usd", "quantity_base", "leverage",
                              "side", "mode", "wallet_balance_usd"]),
       bad=garbage)
def test_liquidation_price_fuzz(entry: float, qty: float, lev: float, side: str, mode: str,
                                wallet: float, field: str | None, bad: Any) -> None:
    kwargs = _corrupt({"entry_price_usd": entry, "quantity_base": qty, "leverage": lev,
                       "side": side, "mode": mode, "wallet_balance_usd": wallet}, field, bad)
    try:
        result = liquidation_price(**kwargs)
    except (InputError, TradeRefused) as exc:
        _named(exc)
        return
    _all_finite(result)
    assert result.liquidation_price_usd >= 0
    if result.side.value == "long":
        assert 0 < result.distance_fraction <= 1
    else:
        assert result.distance_fraction > 0


@settings(max_examples=300, deadline=None)
@given(vol=st.floats(0, 1), k=st.floats(0.1, 10), h=st.floats(0.1, 30),
       buffer=st.floats(0, 0.2),
       field=st.sampled_from([None, None, "daily_vol", "k_sigma", "holding_days",
                              "gap_buffer_fraction", "maintenance_margin_rate", "max_leverage"]),
       bad=garbage)
def test_safe_leverage_fuzz(vol: float, k: float, h: float, buffer: float, field: str | None,
                            bad: Any) -> None:
    kwargs = _corrupt({"daily_vol": vol, "k_sigma": k, "holding_days": h,
                       "gap_buffer_fraction": buffer}, field, bad)
    try:
        result = safe_leverage(**kwargs)
    except InputError as exc:
        _named(exc)
        return
    _all_finite(result)
    assert isinstance(result.leverage, int) and result.leverage >= 1


@settings(max_examples=300, deadline=None)
@given(equity=st.floats(1, 1e7), entry=prices, stop_frac=st.floats(-0.5, 0.5),
       risk=st.floats(1e-4, 0.03),
       field=st.sampled_from([None, None, "equity_usd", "entry_price_usd", "stop_price_usd",
                              "risk_fraction", "min_equity_usd"]),
       bad=garbage)
def test_capital_check_fuzz(equity: float, entry: float, stop_frac: float, risk: float,
                            field: str | None, bad: Any) -> None:
    kwargs = _corrupt({"equity_usd": equity, "entry_price_usd": entry,
                       "stop_price_usd": entry * (1 + stop_frac), "risk_fraction": risk},
                      field, bad)
    try:
        result = minimum_capital_check(**kwargs)
    except InputError as exc:
        _named(exc)
        return
    _all_finite(result)


@settings(max_examples=300, deadline=None)
@given(closes=st.lists(st.floats(0.5, 2.0), min_size=0, max_size=40),
       spread=st.floats(1.0, 1.2), bad_index=st.one_of(st.none(), st.integers(0, 39)),
       bad=garbage, window=st.one_of(st.none(), st.none(), st.integers(-2, 50), garbage))
def test_volatility_estimate_fuzz(closes: list[Any], spread: float, bad_index: int | None,
                                  bad: Any, window: Any) -> None:
    highs: list[Any] = [c * spread for c in closes]
    lows: list[Any] = [c / spread for c in closes]
    if bad_index is not None and bad_index < len(closes):
        closes = [*closes]
        closes[bad_index] = bad
    try:
        result = volatility_estimate(closes, highs, lows, closes, window=window)
    except InputError as exc:
        _named(exc)
        return
    for name, value in vars(result).items():
        if isinstance(value, float):
            assert math.isfinite(value) and value >= 0, f"{name} = {value}"
