"""Excel worksheet functions (xlwings UDFs) of Rotation Desk.

The workbook's ``xlwings.conf`` sheet names this module (``UDF Modules``); the xlwings add-in
imports it and declares every function below in Excel. Each one is thin: it turns what Excel
passes into clean values (:mod:`rotation_addin.excel.args`), calls the engine, and returns a
number, a text or a 2-D list that spills (Excel 365 / 2021 dynamic arrays). Nothing raises
into Excel: a bad argument returns the Excel error ``#VALUE!``, missing data ``#N/A``, a refused
trade ``#NUM!``, so IFERROR works; ``=LAST_ERRORS()`` spills the reasons, such as
``#INPUT stop: must be below entry 100 for a long (got 105)``
(:func:`rotation_addin.excel.guard.udf_guard`, :mod:`rotation_addin.excel.cell_errors`).
Spilled tables hold data only; ``=DATA_SOURCE()`` names their source and as-of time.
Fractions everywhere (0.05 = 5 %): the sheet formats them as percentages.

Parameters are annotated ``Any`` on purpose: xlwings turns annotations into converters, and
the raw cell values are exactly what the coercion layer expects.

Live functions (CRYPTO_PRICE, FUNDING_RATE) share one snapshot of all tickers per TTL, so 10,000
``=CRYPTO_PRICE()`` cells cost one exchange request per TTL. History functions read the configured
data source (demo market or the refreshed cache), memoised for a minute.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from rotation_addin.core import volatility
from rotation_addin.core.constants import DEMO_SOURCE_LABEL, FLAT_MMR_RANGE
from rotation_addin.core.divergence import divergence
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.leverage import safe_leverage
from rotation_addin.core.liquidation import MODES, liquidation_price
from rotation_addin.core.pearson import MATRIX_MIN_OBSERVATIONS, correlation_matrix
from rotation_addin.core.report_tables import ORDER_HEADERS, SECTOR_HEADERS, order_rows, sector_rows
from rotation_addin.core.returns import log_returns, relative_returns
from rotation_addin.core.types import ContractSpec, Side
from rotation_addin.core.volatility import annualise
from rotation_addin.desk.market import recent_closes
from rotation_addin.desk.quick_check import (
    brackets_for,
    quick_check,
    request_from_settings,
    safe_leverage_cap,
)
from rotation_addin.excel import args as a
from rotation_addin.excel import context
from rotation_addin.excel.guard import udf_guard
from rotation_addin.excel.market_udfs import (
    CRYPTO_PRICE,
    DATA_SOURCE,
    FUNDING_HISTORY,
    FUNDING_RATE,
    LAST_ERRORS,
    OHLCV,
    OPEN_INTEREST,
)
from rotation_addin.excel.trading_udfs import DEPTH, SLIPPAGE, TRADE_CHECK

CATEGORY = "Rotation Desk"
Cell = Any  # what Excel passes: None, float, str, bool, datetime or a 2-D list


def _contract(base: str | None) -> ContractSpec | None:
    if base is None:
        return None
    contracts = context.dataset().contracts
    if base not in contracts:
        raise InputError("symbol", f"{base} has no contract rules in the current data source")
    return contracts[base]


def _flat_mmr(value: Cell) -> float:
    """The ``mmr`` argument: the engine's range (``rotation liq --mmr`` takes the same)."""
    return a.fraction("mmr", value, low=FLAT_MMR_RANGE[0], high=FLAT_MMR_RANGE[1],
                      high_inclusive=False)


@xw.func(category=CATEGORY)
@xw.arg("equity", doc="Account equity in USD (> 0).")
@xw.arg("risk", doc="Risk per trade: 2% or 0.02 (default and hard cap from Settings: 2%, 3%).")
@xw.arg("entry", doc="Entry price in USD.")
@xw.arg("stop", doc="Stop price in USD (below entry for a long, above for a short).")
@xw.arg("side", doc="Optional: long or short (default: long if stop < entry).")
@xw.arg("symbol", doc="Optional: symbol whose contract rules (step, minimums) apply.")
@xw.arg("leverage", doc="Optional: leverage for the margin figure (default 1).")
@xw.arg("output", doc="Optional: quantity (default), notional, margin, risk, fees.")
@udf_guard
def POSITION_SIZE(equity: Cell, risk: Cell, entry: Cell, stop: Cell, side: Cell = None,
                  symbol: Cell = None, leverage: Cell = None, output: Cell = None) -> Any:
    """Position size (base units) that loses at most risk x equity at the stop, after fees."""
    # The desk's quick check: refused (#REFUSED) exactly when `rotation size` refuses the same
    # trade: leverage above the maintenance bracket's maximum, or a stop at or beyond the
    # liquidation price.
    settings = context.settings()
    entry_usd = a.number("entry", entry)
    stop_usd = a.number("stop", stop)
    if a.is_missing(side):
        if stop_usd == entry_usd:
            raise InputError("stop", f"must differ from entry {entry_usd:g}")
        chosen_side = Side.LONG if stop_usd < entry_usd else Side.SHORT
    else:
        chosen_side = a.side("side", side)
    equity_usd = a.number("equity", equity)
    risk_fraction = a.fraction("risk", risk, settings.risk_fraction)
    chosen_leverage = a.number("leverage", leverage, 1.0)
    base = None if a.is_missing(symbol) else a.symbol("symbol", symbol)
    contract = _contract(base)
    checked = quick_check(request_from_settings(
        settings, equity_usd=equity_usd, entry_price_usd=entry_usd, stop_price_usd=stop_usd,
        side=chosen_side, risk_fraction=risk_fraction, leverage=chosen_leverage,
        contract=contract, brackets=brackets_for(None if base is None else context.dataset(),
                                                 base)))
    result = checked.size
    field = a.choice("output", output, ("quantity", "notional", "margin", "risk", "fees"),
                     "quantity")
    return {"quantity": result.quantity_base, "notional": result.notional_usd,
            "margin": result.margin_usd, "risk": result.risk_usd,
            "fees": result.fees_usd + result.slippage_usd}[field]


@xw.func(category=CATEGORY)
@xw.arg("side", doc="long or short.")
@xw.arg("entry", doc="Entry price in USD.")
@xw.arg("quantity", doc="Position size in base units.")
@xw.arg("leverage", doc="Leverage (isolated margin = notional / leverage; optional in cross).")
@xw.arg("symbol", doc="Optional: symbol whose maintenance brackets apply (default tiers).")
@xw.arg("mmr", doc="Optional: a flat maintenance margin rate instead of brackets, e.g. 0.4%.")
@xw.arg("mode", doc="Optional: isolated (default) or cross.")
@xw.arg("wallet", doc="Cross only: the wallet balance in USD backing the position.")
@udf_guard
def LIQUIDATION_PRICE(side: Cell, entry: Cell, quantity: Cell, leverage: Cell,
                      symbol: Cell = None, mmr: Cell = None, mode: Cell = None,
                      wallet: Cell = None) -> Any:
    """Liquidation price (USD) of a USD-M linear perpetual, one-way mode, isolated or cross."""
    flat_rate = None if a.is_missing(mmr) else _flat_mmr(mmr)
    brackets = None
    if flat_rate is None and not a.is_missing(symbol):
        brackets = brackets_for(context.dataset(), a.symbol("symbol", symbol))
    chosen_mode = a.choice("mode", mode, MODES, "isolated")
    is_cross = chosen_mode == "cross"
    if not is_cross and not a.is_missing(wallet):
        raise InputError("wallet", "is for cross mode only: set mode to cross or clear it")
    result = liquidation_price(
        side=a.side("side", side),
        entry_price_usd=a.number("entry", entry),
        quantity_base=a.number("quantity", quantity),
        leverage=(None if is_cross and a.is_missing(leverage)
                  else a.number("leverage", leverage)),
        mode=chosen_mode,
        wallet_balance_usd=a.number("wallet", wallet) if is_cross else None,
        brackets=brackets,
        maintenance_margin_rate=flat_rate,
    )
    return result.liquidation_price_usd


DAILY_VOL_MAX = 1.0
"""A daily sigma given as a number is refused above 1 (100 % a day): 5 typed for "5 %" would
otherwise be taken as 500 % (``rotation leverage --daily-vol`` refuses it the same way)."""


def _daily_vol(name: str, value: Cell, method: str) -> float:
    """Daily volatility from a number (taken as given), a symbol or a range of prices.

    A symbol uses its last ``core.volatility.HISTORY_DAYS`` daily closes (the desk's
    :func:`~rotation_addin.desk.market.recent_closes`), the window of
    ``rotation leverage --symbol`` and of the plan's stops, so every surface quotes one sigma.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return a.fraction(name, value, high=DAILY_VOL_MAX)
    if isinstance(value, str) and not a.is_number_text(value):
        base = a.symbol(name, value)
        closes: list[float] = recent_closes(context.dataset(), base).to_list()
    else:
        if isinstance(value, str):
            return a.fraction(name, value, high=DAILY_VOL_MAX)
        closes = a.number_column(name, value, minimum_count=3)
    try:
        if method == "close":
            return float(volatility.close_to_close_vol(closes))
        return float(volatility.ewma_vol(closes))
    except InputError as exc:  # the engine names its "close" input; the user typed `name`
        raise InputError(name, exc.reason) from None


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbol_or_vol", doc="A symbol (uses its price history), prices, or a daily vol (5%).")
@xw.arg("k", doc="Optional: sigmas the liquidation must be away (default from Settings, 3).")
@xw.arg("holding_days", doc="Optional: holding period in days (default 1).")
@xw.arg("gap_buffer", doc="Optional: extra weekend-gap buffer, e.g. 2%.")
@xw.arg("mmr", doc="Optional: maintenance margin rate (default: the symbol's first bracket).")
@udf_guard
def SAFE_LEVERAGE(symbol_or_vol: Cell, k: Cell = None, holding_days: Cell = None,
                  gap_buffer: Cell = None, mmr: Cell = None) -> Any:
    """Largest leverage whose liquidation stays k daily sigmas (x sqrt(days)) + buffer away."""
    settings = context.settings()
    daily_vol = _daily_vol("symbol_or_vol", symbol_or_vol, "ewma")
    brackets = None
    cap = None
    if isinstance(symbol_or_vol, str) and not a.is_number_text(symbol_or_vol):
        base = a.symbol("symbol_or_vol", symbol_or_vol)
        brackets = brackets_for(context.dataset(), base)
        # the contract's own maximum, as `rotation leverage --symbol` applies it
        cap = safe_leverage_cap(context.dataset().contracts.get(base), brackets)
    result = safe_leverage(
        daily_vol=daily_vol,
        k_sigma=a.number("k", k, settings.vol_k_sigma),
        holding_days=a.number("holding_days", holding_days, settings.holding_days),
        gap_buffer_fraction=a.fraction("gap_buffer", gap_buffer, settings.gap_buffer_fraction),
        brackets=brackets if a.is_missing(mmr) else None,
        maintenance_margin_rate=None if a.is_missing(mmr) else _flat_mmr(mmr),
        max_leverage=cap,
    )
    return result.leverage


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbol_or_prices", doc="A symbol (e.g. RENDER), a column of daily closes, or a vol (5%).")
@xw.arg("method", doc="Optional: ewma (default, lambda 0.94) or close (close-to-close).")
@xw.arg("annualised", doc="Optional: TRUE for annual (x sqrt 365), FALSE for daily (default).")
@udf_guard
def HIST_VOL(symbol_or_prices: Cell, method: Cell = None, annualised: Cell = None) -> Any:
    """Historical volatility of daily log returns (fraction; 0.05 = 5 % a day)."""
    chosen = a.choice("method", method, ("ewma", "close"), "ewma")
    daily = _daily_vol("symbol_or_prices", symbol_or_prices, chosen)
    return float(annualise(daily)) if a.boolean("annualised", annualised, False) else daily


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbols", doc="Optional: symbols (range or 'A,B,C'); default: the whole universe.")
@xw.arg("window", doc="Optional: days of daily returns (default 30).")
@xw.arg("relative", doc="Optional: TRUE for BTC-relative returns (market factor removed).")
@udf_guard
def CORREL_MATRIX(symbols: Cell = None, window: Cell = None, relative: Cell = None) -> Any:
    """Correlation matrix of daily log returns; spills with symbol headers."""
    data = context.dataset()
    bases = list(data.bases) if a.is_missing(symbols) else a.symbol_list("symbols", symbols)
    missing = [b for b in bases if b not in data.close.columns]
    if missing:
        raise DataError(f"no price history for {', '.join(missing)} in {data.source}")
    days = a.integer("window", window, 30, low=MATRIX_MIN_OBSERVATIONS, high=2000)
    returns = log_returns(data.close)
    available = int(returns[bases].notna().any(axis=1).sum()) if bases else 0
    if days > available:
        # the header would promise e.g. "corr 2000d" while only the available days were used
        raise InputError("window", f"must be at most the {available} days of returns in "
                         f"{data.source} (got {days})")
    is_relative = a.boolean("relative", relative, False)
    if is_relative:
        returns = relative_returns(returns, benchmark=data.universe.benchmark)
        bases = [b for b in bases if b in returns.columns]
    matrix = correlation_matrix(returns[bases], window=days)
    label = f"corr {days}d" + (" vs BTC" if is_relative else "")
    if data.source.startswith(DEMO_SOURCE_LABEL):  # demo, or a cached demo refresh
        label += f" ({DEMO_SOURCE_LABEL})"
    header: list[Any] = [label, *bases]
    values = matrix.to_numpy().tolist()
    return [header, *([base, *row] for base, row in zip(bases, values, strict=True))]


@xw.func(category=CATEGORY, call_in_wizard=False)
@udf_guard
def SECTOR_TABLE() -> Any:
    """Sector scores table (rank, momentum vs BTC, volume trend, divergence, beta); spills."""
    report = context.report()
    return [list(SECTOR_HEADERS), *sector_rows(report)]


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("detail", doc="Optional: TRUE spills each input's vote and reason.")
@udf_guard
def REGIME(detail: Cell = None) -> Any:
    """Macro regime label (risk-on / neutral / risk-off), or its votes with reasons."""
    report = context.report()
    verdict = report.regime
    if not a.boolean("detail", detail, False):
        return verdict.label
    # the engine measures each input in percent; the UDFs speak fractions (-5.41 % = -0.0541)
    rows: list[list[Any]] = [["input", "value", "vote", "reason"]]
    rows += [[vote.name, None if vote.value is None else vote.value / 100.0, vote.vote,
              vote.reason] for vote in verdict.votes]
    return rows


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("symbol_or_sector", doc="A symbol (RENDER) or a sector name (render).")
@xw.arg("window", doc="Optional: z-score window in days (default 30).")
@udf_guard
def DIVERGENCE(symbol_or_sector: Cell, window: Cell = None) -> Any:
    """Latest social-vs-on-chain divergence D = z(social) - z(on-chain); +2 = FOMO, -2 = quiet."""
    data = context.dataset()
    name = a.text("symbol_or_sector", symbol_or_sector)
    days = a.integer("window", window, 30, low=5, high=365)
    if name.lower() in data.universe.sectors:
        members = [b for b in data.universe.sectors[name.lower()]
                   if b in data.social_volume.columns and b in data.onchain_activity.columns]
    else:
        members = [a.symbol("symbol_or_sector", name)]
    values = []
    for base in members:
        if base not in data.social_volume.columns or base not in data.onchain_activity.columns:
            raise DataError(f"{base}: no sentiment data in {data.source}")
        frame = divergence(data.social_volume[base], data.onchain_activity[base], window=days)
        values.append(float(frame["divergence"].dropna().iloc[-1]))
    if not values:
        raise DataError(f"{name}: no sentiment data in {data.source}")
    return sum(values) / len(values)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("equity", doc="Optional: equity in USD (default from Settings).")
@udf_guard
def REBALANCE_ORDERS(equity: Cell = None) -> Any:
    """Today's rebalance orders (never sent anywhere) and refusals with their rule; spills."""
    equity_usd = None if a.is_missing(equity) else a.number("equity", equity)
    if equity_usd is not None and equity_usd <= 0:
        raise InputError("equity", f"must be > 0 (got {equity_usd:g})")

    report = context.report(equity_usd)
    rows = order_rows(report)
    if not rows:
        return f"no orders today ({report.source}, regime {report.regime.label})"
    return [list(ORDER_HEADERS), *rows]


# declared here too (xlwings.conf names this module)
__all__ = [
    "CRYPTO_PRICE",
    "DATA_SOURCE",
    "DEPTH",
    "FUNDING_HISTORY",
    "FUNDING_RATE",
    "LAST_ERRORS",
    "OHLCV",
    "OPEN_INTEREST",
    "SLIPPAGE",
    "TRADE_CHECK",
]

UDF_NAMES: tuple[str, ...] = (
    "POSITION_SIZE", "LIQUIDATION_PRICE", "SAFE_LEVERAGE", "HIST_VOL", "CORREL_MATRIX",
    "CRYPTO_PRICE", "OHLCV", "FUNDING_RATE", "SECTOR_TABLE", "REGIME", "DIVERGENCE",
    "REBALANCE_ORDERS", "SLIPPAGE", "DEPTH",
    "TRADE_CHECK",
    "FUNDING_HISTORY", "OPEN_INTEREST", "DATA_SOURCE", "LAST_ERRORS",
)
