"""Qt-free logic of the Quick check tab: parse the typed text, call the desk's quick check.

Kept apart from the widget so it can be read and tested on its own. Nothing imported at the
top loads NumPy or pandas: the window paints before they load (``bench/bench_gui_start.py``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rotation_addin.core import formats
from rotation_addin.core.constants import HISTORY_DAYS
from rotation_addin.core.errors import InputError
from rotation_addin.core.leverage import SafeLeverage
from rotation_addin.core.liquidation import LiquidationResult
from rotation_addin.core.sizing import MIN_RISK_FRACTION, PositionSize
from rotation_addin.core.typed_numbers import NotANumber, typed_number
from rotation_addin.data.settings import Settings
from rotation_addin.desk.quick_check import brackets_for, quick_check, request_from_settings

if TYPE_CHECKING:
    from rotation_addin.core.dataset import MarketDataset

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


_RESULT_LABELS = {"notional_usd": "Size", "quantity_base": "Size", "quantity": "Size",
                  "min_amount": "Size", "min_notional_usd": "Size"}
"""Words for engine fields the form has no input for: the result they are about."""


def general_error_label(engine_field: str) -> str:
    """How the tab's general error line names an engine field that is no form input: the
    result it is about (``notional_usd`` -> ``Size``: the size is below the exchange minimum),
    else the field as the engine names it."""
    return _RESULT_LABELS.get(engine_field.strip().lower(), engine_field)


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
    size: PositionSize
    liquidation: LiquidationResult
    stop_check_text: str
    safe_leverage: SafeLeverage
    daily_vol: float
    vol_source: str
    warnings: tuple[str, ...]
    brackets_source: str = ""


PERCENT_FIELDS = frozenset({"risk_pct", "daily_vol_pct"})
"""The form fields typed in per cent: only these take a trailing ``%``."""


def parse_number(field: str, text: str) -> float:
    """Parse typed text (``"1,000.5"``, ``" 3 "``, ``"1 000"``, and ``"2%"`` in a field of
    :data:`PERCENT_FIELDS`) into a finite float or raise InputError; ``"1,5"`` is refused (a
    decimal comma, :func:`~rotation_addin.core.typed_numbers.typed_number`), and so is a
    ``%`` on a price, equity or leverage (``5%`` is not 5 USD), as the CLI refuses it."""
    if not text.strip():
        raise InputError(field, "is required (got nothing)")
    cleaned = text.strip()
    if field in PERCENT_FIELDS:
        cleaned = cleaned.removesuffix("%")
    try:
        number = typed_number(cleaned, spaces=True)
    except NotANumber as exc:
        raise InputError(field, f"must be a number (got {text.strip()!r}){exc.hint}") from None
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
    low, high = MIN_RISK_FRACTION * 100.0, 100.0
    if not low <= risk_pct <= high:
        raise InputError("risk_pct", f"must be at least {low:g} % and at most {high:g} % "
                                     f"(got {risk_pct:g} %)")
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


def estimate_daily_vol(dataset: MarketDataset | None, base: str) -> float | None:
    """EWMA daily volatility (λ 0.94) of ``base``'s last ``HISTORY_DAYS`` closes.

    The desk's :func:`~rotation_addin.desk.market.ewma_daily_vol`, as ``=HIST_VOL(symbol)``
    and the plan compute it; None with fewer than :data:`MIN_VOL_CLOSES` closes.
    """
    if dataset is None:
        return None
    # deferred (measured, bench_gui_start): desk.market imports pandas; the window paints first
    # deferred: pandas after the first paint (bench/bench_gui_start.py)
    from rotation_addin.desk.market import ewma_daily_vol

    return ewma_daily_vol(dataset, base, minimum_closes=MIN_VOL_CLOSES)


def compute_quick_check(
    inputs: QuickCheckInputs, settings: Settings, dataset: MarketDataset | None = None
) -> QuickCheckResult:
    """Run the desk's quick check: sizing, liquidation, the stop check and safe leverage.

    Raises
    ------
    InputError or TradeRefused
        From the engine, naming the offending field; a risk above the settings' cap is
        refused here first, in the per cent the field is typed in.
    """
    if inputs.risk_fraction > settings.max_risk_fraction:  # the engine's test, said in %
        raise InputError("risk_pct", f"must be at most {100 * settings.max_risk_fraction:g} %, "
                                     f"the risk cap per trade in Settings (got "
                                     f"{100 * inputs.risk_fraction:g} %)")
    daily_vol, vol_source = inputs.daily_vol, "typed"
    if daily_vol is None:
        daily_vol = estimate_daily_vol(dataset, inputs.symbol)
        vol_source = f"EWMA of {inputs.symbol}, last {HISTORY_DAYS} days"
    contract = dataset.contracts.get(inputs.symbol) if dataset is not None else None
    request = request_from_settings(
        settings, equity_usd=inputs.equity_usd, entry_price_usd=inputs.entry_price_usd,
        stop_price_usd=inputs.stop_price_usd, side=inputs.side,
        risk_fraction=inputs.risk_fraction, leverage=inputs.leverage, contract=contract,
        brackets=brackets_for(dataset, inputs.symbol), daily_vol=daily_vol)
    if daily_vol is None:
        # size and liquidation first (their errors come first), then the missing volatility
        quick_check(request)
        raise InputError(
            "daily_vol_pct", f"is required: no price history for {inputs.symbol} (got nothing)")
    checked = quick_check(request)
    assert checked.safe_leverage is not None  # daily_vol was given
    return QuickCheckResult(
        inputs=inputs, size=checked.size, liquidation=checked.liquidation,
        stop_check_text=checked.stop_check_text, safe_leverage=checked.safe_leverage,
        daily_vol=daily_vol, vol_source=vol_source, warnings=checked.warnings,
        brackets_source=checked.brackets.source,
    )


# -- result rows, in the look of every surface ------------------------------------------------
def format_result(value: Any, unit: str, contract: Any = None) -> str:
    """One result in the look of every surface (:mod:`rotation_addin.core.formats`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(float(value)):
        return formats.MISSING
    if unit == "pct":
        return formats.format_pct(value, 2)
    if unit == "usd":
        return formats.format_money(value)
    if unit == "x":
        return formats.format_leverage(value)
    if unit == "price":
        return formats.format_price(value, contract.price_tick if contract else None)
    if unit == "qty":
        return formats.format_quantity(value, contract.amount_step if contract else None)
    return formats.format_number(value, 2)


SIZE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("quantity_base", "Quantity (base units)", "qty"),
    ("notional_usd", "Notional", "usd"),
    ("margin_usd", "Margin at leverage", "usd"),
    ("risk_budget_usd", "Risk budget", "usd"),
    ("risk_usd", "Risk if stopped (incl. costs)", "usd"),
    ("fees_usd", "Fees + slippage", "usd"),
    ("risk_fraction_of_equity", "Risk / equity", "pct"),
)
LIQ_ROWS: tuple[tuple[str, str, str], ...] = (
    ("liquidation_price_usd", "Liquidation price", "price"),
    ("distance_fraction", "Distance from entry", "pct"),
    ("maintenance_margin_rate", "Maintenance margin rate", "pct"),
)
LEV_ROWS: tuple[tuple[str, str, str], ...] = (
    ("leverage", "Safe leverage", "x"),
    ("volatility_leverage_limit", "Volatility limit", "x"),
    ("cap_leverage", "Exchange / settings cap", "x"),
    ("required_distance_fraction", "Required distance to liquidation", "pct"),
    ("limiting_factor", "Limited by", "text"),
    ("explanation", "Why", "text"),
)


def result_rows(obj: Any, spec: tuple[tuple[str, str, str], ...],
          contract: Any = None) -> list[tuple[str, str]]:
    """Rows for the attributes of ``obj`` that exist (engine results are dataclasses)."""
    rows: list[tuple[str, str]] = []
    names = {f.name for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else set()
    for attr, label, unit in spec:
        if attr in names or hasattr(obj, attr):
            value = getattr(obj, attr)
            if value is None:
                continue
            rows.append((label, format_result(value, unit, contract) if unit != "text"
                           else str(value)))
    return rows

