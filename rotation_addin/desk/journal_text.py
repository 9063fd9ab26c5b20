"""How the journal's figures read as text (``rotation trade open|close|list``, ``rotation
journal review`` and the app's review panel): every figure through
:mod:`rotation_addin.core.formats` -- prices to the contract's tick, quantities to its amount
step, money to the cent, R to two decimals, fractions as ``52.9%``.

Only the text: ``--json`` and ``--csv`` keep the full-precision numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotation_addin.core import formats

OPEN_HEADERS = ("account", "symbol", "side", "quantity", "entry", "stop", "take_profit",
                "liquidation", "mark", "funding_usd", "pnl_usd", "opened_at")
"""Columns of the open trades (text table, ``--json`` keys)."""
CLOSED_HEADERS = ("account", "symbol", "sector", "side", "quantity", "entry", "exit",
                  "pnl_usd", "r_multiple", "fees_usd", "funding_usd", "closed_at", "exit_reason")
"""Columns of the closed trades (text table, ``--json`` keys)."""
LIST_CSV_HEADERS = ("status", *CLOSED_HEADERS,
                    *(h for h in OPEN_HEADERS if h not in CLOSED_HEADERS))
"""Columns of ``trade list --csv``: a ``status`` (open / closed), the closed trades' columns,
then the open trades' own (stop, take-profit, liquidation, mark, opened_at); a cell a row
has no figure for is empty."""


def list_csv_rows(open_rows: list[dict[str, Any]], closed_rows: list[dict[str, Any]],
                  ) -> list[list[Any]]:
    """The rows of ``trade list --csv`` in :data:`LIST_CSV_HEADERS` order.

    Parameters
    ----------
    open_rows, closed_rows : list of dict
        The open trades keyed by :data:`OPEN_HEADERS`, the closed ones by
        :data:`CLOSED_HEADERS` (the ``--json`` objects).

    Returns
    -------
    list of list
        Open trades first (status ``open``), then the closed ones (status ``closed``).
    """
    tagged = [("open", r) for r in open_rows] + [("closed", r) for r in closed_rows]
    return [[status, *(row.get(h) for h in LIST_CSV_HEADERS[1:])] for status, row in tagged]


def _tick_step(contracts: Mapping[str, Any], base: str) -> tuple[float | None, float | None]:
    contract = contracts.get(base)
    return ((contract.price_tick, contract.amount_step) if contract is not None
            else (None, None))


def _price(value: float | None, tick: float | None) -> str:
    """A price to the tick; an unset level (None) is a blank cell."""
    return "" if value is None else formats.format_price(value, tick)


def _usd(value: float, *, signed: bool = False) -> str:
    """An amount in a column or row already named USD: to the cent, no unit."""
    return formats.format_number(value, 2, signed=signed)


def _r(value: float) -> str:
    return formats.format_number(value, 2, signed=True)


def open_text_row(marked: Any, contracts: Mapping[str, Any]) -> list[str]:
    """One open trade (a ``desk.journal_ops.MarkedTrade``) as the text table writes it.

    Parameters
    ----------
    marked : MarkedTrade
        The open trade marked to market.
    contracts : Mapping[str, ContractSpec]
        Contract rules by base (the dataset's); a base without one gets the typical tick and
        step for its price (:func:`rotation_addin.core.formats.typical_step_and_tick`).

    Returns
    -------
    list of str
        The cells of :data:`OPEN_HEADERS`.
    """
    trade = marked.trade
    tick, step = _tick_step(contracts, trade.base)
    return [trade.account, trade.base, trade.side.value,
            formats.format_quantity(trade.quantity_base, step),
            _price(trade.entry_price_usd, tick), _price(trade.stop_price_usd, tick),
            _price(trade.take_profit_price_usd, tick),
            _price(trade.liquidation_price_usd, tick), _price(marked.mark_usd, tick),
            _usd(marked.funding_usd), _usd(marked.unrealised_usd, signed=True),
            f"{trade.opened_at:%Y-%m-%d %H:%M}"]


def closed_text_row(record: Any, contracts: Mapping[str, Any]) -> list[str]:
    """One closed trade (a ``core.ledger.TradeRecord``) as the text table writes it: the
    cells of :data:`CLOSED_HEADERS` (``contracts`` as for :func:`open_text_row`)."""
    tick, step = _tick_step(contracts, record.base)
    return [record.account, record.base, record.sector, record.side.value,
            formats.format_quantity(record.quantity_base, step),
            _price(record.entry_price_usd, tick), _price(record.exit_price_usd, tick),
            _usd(record.realised_pnl_usd, signed=True), _r(record.r_multiple),
            _usd(record.fees_usd), _usd(record.funding_usd),
            f"{record.closed_at:%Y-%m-%d %H:%M}", record.exit_reason]


def review_text_rows(result: Any) -> list[tuple[str, str]]:
    """(figure, text) rows of a review (a ``core.review.Review``), as the terminal and the
    app print them; a missing figure (no closed trade yet) is ``formats.MISSING``."""
    pct = formats.format_pct
    rows: list[tuple[str, str]] = [
        ("account", result.account), ("trades closed", f"{result.trades:,}"),
        ("win rate", pct(result.win_rate)), ("average R", _r(result.average_r)),
        ("expectancy (R per trade)", _r(result.expectancy_r)),
        ("expectancy (USD per trade)", _usd(result.expectancy_usd, signed=True)),
        ("realised P&L USD", _usd(result.realised_pnl_usd, signed=True)),
        ("max drawdown USD", _usd(result.max_drawdown_usd)),
        ("max drawdown", pct(result.max_drawdown_fraction)),
        ("entries", f"{result.entries:,}"),
        ("entries with override", f"{result.entries_with_override:,}"),
        ("rule adherence", pct(result.adherence)),
        ("time in market", pct(result.time_in_market)),
    ]
    rows += [(f"P&L USD {sector}", _usd(pnl, signed=True))
             for sector, pnl in result.pnl_by_sector]
    rows += [(f"refused by {rule}", f"{count:,}") for rule, count in result.refusals_by_rule]
    rows += [(f"override {when} {base}", reason) for when, base, reason in result.overrides]
    return rows


def _level(value: float | None, tick: float | None) -> str:
    return "none" if value is None else formats.format_price(value, tick)


def open_sentence(result: Any, contracts: Mapping[str, Any]) -> str:
    """The line ``rotation trade open`` prints for a recorded entry (a
    ``desk.journal.OpenResult``): fill, reference price, costs, stop, liquidation."""
    check, fill = result.check, result.fill
    tick, step = _tick_step(contracts, check.base)
    take_profit = (f", take-profit {formats.format_price(check.take_profit_price_usd, tick)}"
                   if check.take_profit_price_usd is not None else "")
    return (f"{result.label}: {check.side.value} "
            f"{formats.format_quantity(fill.quantity_base, step)} {check.base} filled at "
            f"{formats.format_price(fill.price_usd, tick)} (price "
            f"{formats.format_price(fill.reference_price_usd, tick)} from "
            f"{check.price_source}; fee {formats.format_money(fill.fee_usd)}, slippage "
            f"{formats.format_money(fill.slippage_usd)}); stop "
            f"{_level(check.stop_price_usd, tick)}{take_profit}, liquidation "
            f"{_level(check.liquidation_price_usd, tick)} at "
            f"{formats.format_leverage(check.leverage)}")


def close_sentence(event: Any, contracts: Mapping[str, Any]) -> str:
    """The line ``rotation trade close`` prints for a close (a ``core.ledger.JournalEvent``)."""
    tick, step = _tick_step(contracts, event.base)
    return (f"{event.account}: {event.kind} {formats.format_quantity(event.quantity_base, step)}"
            f" {event.base} at {formats.format_price(event.price_usd, tick)} (fee "
            f"{formats.format_money(event.fee_usd)}, funding "
            f"{formats.format_money(event.funding_usd)}; {event.price_source})")
