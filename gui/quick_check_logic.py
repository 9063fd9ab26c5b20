"""Qt-free logic of the Quick check tab: parse the typed text, call the risk engine.

Kept apart from the widget so it can be read and tested on its own; the engine modules are
imported on first use so the window paints before NumPy/pandas load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rotation_addin.core.errors import InputError
from rotation_addin.data.settings import Settings

FIELD_LABELS: dict[str, str] = {
    "symbol": "Symbol",
    "side": "Side",
    "equity_usd": "Equity (USD)",
    "entry_price_usd": "Entry price (USD)",
    "stop_price_usd": "Stop price (USD)",
    "risk_pct": "Risk per trade (%)",
    "leverage": "Leverage (×)",
    "daily_vol_pct": "Daily volatility (%)",
}

# Engine field names (InputError.field / TradeRefused.field) -> form field.
_ENGINE_FIELDS: dict[str, str] = {
    "symbol": "symbol",
    "base": "symbol",
    "side": "side",
    "equity_usd": "equity_usd",
    "equity": "equity_usd",
    "wallet_balance_usd": "equity_usd",
    "entry_price_usd": "entry_price_usd",
    "entry_price": "entry_price_usd",
    "entry": "entry_price_usd",
    "stop_price_usd": "stop_price_usd",
    "stop_price": "stop_price_usd",
    "stop": "stop_price_usd",
    "risk_fraction": "risk_pct",
    "risk_pct": "risk_pct",
    "max_risk_fraction": "risk_pct",
    "leverage": "leverage",
    "daily_vol": "daily_vol_pct",
    "daily_vol_pct": "daily_vol_pct",
    "daily_volatility": "daily_vol_pct",
    "margin_usd": "leverage",
}

MIN_VOL_CLOSES = 30
"""Fewest daily closes from which the tab estimates volatility when the field is left blank.

The estimate itself uses the last ``core.volatility.HISTORY_DAYS`` (180) closes, the window
of ``rotation leverage --symbol``, ``=SAFE_LEVERAGE()``/``=HIST_VOL()`` and the plan's stops,
so every surface quotes one sigma for a symbol."""


def field_for_error(engine_field: str) -> str | None:
    """Form field that an engine error names (``None`` when it is not a form input)."""
    key = engine_field.strip().lower()
    if key in _ENGINE_FIELDS:
        return _ENGINE_FIELDS[key]
    tail = key.rsplit(".", 1)[-1]
    return _ENGINE_FIELDS.get(tail)


@dataclass(frozen=True)
class QuickCheckInputs:
    """Parsed form values (prices in USD, fractions not per cent)."""

    symbol: str
    side: str
    equity_usd: float
    entry_price_usd: float
    stop_price_usd: float
    risk_fraction: float
    leverage: float
    daily_vol: float | None


@dataclass(frozen=True)
class QuickCheckResult:
    """Engine results for one set of inputs."""

    inputs: QuickCheckInputs
    size: Any
    liquidation: Any
    stop_check_text: str
    safe_leverage: Any
    daily_vol: float
    vol_source: str
    warnings: tuple[str, ...]
    brackets_source: str = ""


def parse_number(field: str, text: str) -> float:
    """Parse typed text (``"1,000.5"``, ``" 3 "``) into a finite float or raise InputError."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if not cleaned:
        raise InputError(field, "is required (got nothing)")
    try:
        number = float(cleaned)
    except ValueError:
        raise InputError(field, f"must be a number (got {text.strip()!r})") from None
    if not math.isfinite(number):
        raise InputError(field, f"must be a finite number (got {text.strip()!r})")
    return number


def parse_inputs(texts: dict[str, str]) -> QuickCheckInputs:
    """Turn the form's texts into :class:`QuickCheckInputs` (errors name the form field)."""
    symbol = texts.get("symbol", "").strip().upper()
    if not symbol or not symbol.replace("-", "").isalnum():
        raise InputError("symbol", f"must be a base asset like BTC (got {symbol!r})")
    vol_text = texts.get("daily_vol_pct", "").strip()
    daily_vol = None
    if vol_text:
        vol_pct = parse_number("daily_vol_pct", vol_text)
        if not 0.0 < vol_pct <= 100.0:
            raise InputError("daily_vol_pct", f"must be in (0, 100] % (got {vol_pct:g})")
        daily_vol = vol_pct / 100.0
    risk_pct = parse_number("risk_pct", texts.get("risk_pct", ""))
    if risk_pct <= 0.0:
        raise InputError("risk_pct", f"must be > 0 % (got {risk_pct:g})")
    return QuickCheckInputs(
        symbol=symbol,
        side=texts.get("side", "long"),
        equity_usd=parse_number("equity_usd", texts.get("equity_usd", "")),
        entry_price_usd=parse_number("entry_price_usd", texts.get("entry_price_usd", "")),
        stop_price_usd=parse_number("stop_price_usd", texts.get("stop_price_usd", "")),
        risk_fraction=risk_pct / 100.0,
        leverage=parse_number("leverage", texts.get("leverage", "")),
        daily_vol=daily_vol,
    )


def estimate_daily_vol(dataset: Any, base: str) -> float | None:
    """EWMA daily volatility (λ 0.94) of ``base``'s last ``HISTORY_DAYS`` closes.

    ``ewma_vol(close.dropna().iloc[-HISTORY_DAYS:])`` as ``=HIST_VOL(symbol)`` and the plan
    compute it; None with fewer than :data:`MIN_VOL_CLOSES` closes.
    """
    if dataset is None or base not in getattr(dataset, "close", {}):
        return None
    from rotation_addin.core import volatility

    closes = dataset.close[base].dropna().tail(volatility.HISTORY_DAYS)
    if len(closes) < MIN_VOL_CLOSES:
        return None
    estimate = volatility.ewma_vol(closes.to_numpy(dtype=float))
    value = float(getattr(estimate, "daily_vol", estimate))
    return value if math.isfinite(value) and value > 0 else None


def compute_quick_check(
    inputs: QuickCheckInputs, settings: Settings, dataset: Any = None
) -> QuickCheckResult:
    """Run sizing, liquidation, the stop-vs-liquidation check and safe leverage.

    Raises
    ------
    InputError or TradeRefused
        From the engine, naming the offending field.
    """
    from rotation_addin.core.brackets import default_bracket_table
    from rotation_addin.core.leverage import safe_leverage
    from rotation_addin.core.liquidation import check_stop_before_liquidation, liquidation_price
    from rotation_addin.core.sizing import position_size
    from rotation_addin.core.volatility import HISTORY_DAYS

    contracts = getattr(dataset, "contracts", {}) if dataset is not None else {}
    contract = contracts.get(inputs.symbol)
    size = position_size(
        equity_usd=inputs.equity_usd,
        entry_price_usd=inputs.entry_price_usd,
        stop_price_usd=inputs.stop_price_usd,
        side=inputs.side,
        risk_fraction=inputs.risk_fraction,
        max_risk_fraction=settings.max_risk_fraction,
        taker_fee_rate=settings.taker_fee_rate,
        stop_slippage_rate=settings.stop_slippage_rate,
        leverage=inputs.leverage,
        contract=contract,
    )
    brackets = default_bracket_table(inputs.symbol)
    liquidation = liquidation_price(
        side=inputs.side,
        entry_price_usd=inputs.entry_price_usd,
        quantity_base=size.quantity_base,
        leverage=inputs.leverage,
        brackets=brackets,
    )
    check_stop_before_liquidation(
        inputs.side,
        inputs.entry_price_usd,
        inputs.stop_price_usd,
        liquidation.liquidation_price_usd,
    )
    stop_text = "yes — the stop fires before liquidation"

    daily_vol, vol_source = inputs.daily_vol, "typed"
    if daily_vol is None:
        daily_vol = estimate_daily_vol(dataset, inputs.symbol)
        vol_source = f"EWMA of {inputs.symbol}, last {HISTORY_DAYS} days"
        if daily_vol is None:
            raise InputError(
                "daily_vol_pct", f"is required: no price history for {inputs.symbol} (got nothing)"
            )
    # the contract's own maximum never lifts the bracket's: min of the two, as
    # `rotation leverage --symbol` (cli/quick.py) and =SAFE_LEVERAGE() (udfs.py) apply it
    max_leverage = (None if contract is None
                    else min(contract.max_leverage, brackets.max_leverage))
    safe = safe_leverage(
        daily_vol=daily_vol,
        k_sigma=settings.vol_k_sigma,
        holding_days=settings.holding_days,
        gap_buffer_fraction=settings.gap_buffer_fraction,
        brackets=brackets,
        max_leverage=max_leverage,
    )
    warnings = [*getattr(size, "warnings", ()), *getattr(liquidation, "warnings", ())]
    warnings += list(getattr(safe, "warnings", ()))
    safe_value = float(getattr(safe, "leverage", math.nan))
    if math.isfinite(safe_value) and inputs.leverage > safe_value:
        warnings.append(
            f"leverage {inputs.leverage:g}× is above the safe leverage {safe_value:.2f}× for a "
            f"{daily_vol * 100:.2f} % daily volatility"
        )
    return QuickCheckResult(
        inputs=inputs,
        size=size,
        liquidation=liquidation,
        stop_check_text=stop_text,
        safe_leverage=safe,
        daily_vol=daily_vol,
        vol_source=vol_source,
        warnings=tuple(dict.fromkeys(warnings)),
        brackets_source=str(getattr(brackets, "source", "")),
    )
