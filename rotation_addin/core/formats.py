"""One look on every surface: how a price, a quantity, a leverage, a percentage, an amount of
money and a change are written -- in the terminal, in the desktop app and in the workbook.

Every surface formats through this module (the CLI tables, ``gui.models``, the workbook's
number formats), so the same order reads the same everywhere:

* a price to its contract's tick (``price_tick`` 0.001 -> ``1,234.567``), thousands separators;
* a quantity to its amount step (``amount_step`` 0.1 -> ``1,250.0``), thousands separators;
* a leverage with one decimal and ``x`` (``3.0x``);
* a fraction as a percentage with ``%`` (``0.13`` -> ``13.0%``);
* a sector score signed with two decimals (``+1.30``), a beta or a correlation with two;
* money with its unit once (``10,000.00 USD``);
* a change signed (``+1.2%``, ``-0.8%``) and coloured (:data:`POSITIVE_HEX` /
  :data:`NEGATIVE_HEX`).

Decimals are fixed per column kind, never trimmed (``-2.570`` beside ``13.012``). Without a
contract the tick and step are the exchange's typical ones for the price
(:func:`typical_step_and_tick`). The chart window and correlation colours every surface
shares live here too.
"""

from __future__ import annotations

import math
from typing import Literal

POSITIVE_HEX = "1A7F37"
"""Colour of a gain / positive change (green), RGB hex without ``#``."""
NEGATIVE_HEX = "C62828"
"""Colour of a loss / negative change (red)."""

CORR_MINUS_ONE_HEX = "2166AC"
"""Correlation -1 (move opposite): blue."""
CORR_ZERO_HEX = "F7F7F7"
"""Correlation 0 (unrelated): near white."""
CORR_PLUS_ONE_HEX = "B2182B"
"""Correlation +1 (move together, no diversification): red."""
CORR_COLOUR_LEGEND = "red = move together (+1), white = unrelated (0), blue = move opposite (−1)"
"""The sentence every correlation heatmap prints beside its colours."""

SECTOR_CHART_DAYS = 120
"""Days of sector-index history on the sector chart (workbook and app)."""
SECTOR_CHART_TITLE = "Sector indices (USD, equal-weight members, start = 100, linear scale)"
"""Title of the sector chart on every surface; the benchmark line is named by its base."""

MISSING = "—"
"""Text of a missing value (None / NaN) in a formatted cell."""

MAX_DECIMALS = 10

SCORE_DECIMALS = 2
"""A sector score or divergence D (z-score units), written signed: ``+1.30``."""
RATIO_DECIMALS = 2
"""A beta to BTC or a volume trend (ratios): ``1.04``."""
CORRELATION_DECIMALS = 2
"""A correlation coefficient: ``0.95``."""
PCT_DECIMALS = 1
"""A percentage (:func:`format_pct`'s default): a sector's momentum vs BTC, signed
(``+13.7%``), and the share of its variance BTC explains (``64.7%``)."""

Tone = Literal["up", "down", "flat"]


def _finite(value: float | None) -> bool:
    return value is not None and not isinstance(value, bool) and math.isfinite(float(value))


def step_decimals(step: float) -> int:
    """Decimal places of a tick or amount step: ``0.001`` -> 3, ``0.5`` -> 1, ``10`` -> 0.

    Parameters
    ----------
    step : float
        A positive increment (contract ``price_tick`` or ``amount_step``).

    Returns
    -------
    int
        The fewest decimals that write ``step`` exactly (at most :data:`MAX_DECIMALS`).
    """
    if not _finite(step) or step <= 0:
        raise ValueError(f"step must be a positive number (got {step!r})")
    for decimals in range(MAX_DECIMALS + 1):
        if abs(round(step, decimals) - step) <= step * 1e-9:
            return decimals
    return MAX_DECIMALS


def typical_step_and_tick(price: float) -> tuple[float, float]:
    """Quantity step and price tick like Binance USDⓈ-M lists for a contract at ``price`` USD.

    The demo market's contracts use it, and every surface falls back to it when a symbol's
    contract is unknown.
    """
    table = ((10_000, 0.001, 0.1), (1_000, 0.001, 0.01), (100, 0.001, 0.01), (10, 0.01, 0.001),
             (1, 0.1, 0.0001), (0.1, 1.0, 0.00001), (0.01, 1.0, 0.000001))
    for floor, step, tick in table:
        if price >= floor:
            return step, tick
    return 10.0, 0.0000001


def price_decimals(price: float, tick: float | None = None) -> int:
    """Decimals a price is written with: its tick's, else the typical tick's for its size."""
    if tick is None or not _finite(tick) or tick <= 0:
        tick = typical_step_and_tick(abs(price) if _finite(price) else 1.0)[1]
    return step_decimals(tick)


def quantity_decimals(step: float | None = None) -> int:
    """Decimals a quantity is written with: its amount step's (0.001 without a contract)."""
    return step_decimals(step) if step is not None and _finite(step) and step > 0 else 3


def _sign(value: float, signed: bool) -> str:
    return "+" if signed and value > 0 else ""


def format_number(value: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    """``1,234.57`` (fixed ``decimals``, thousands separators, ``+`` when ``signed``)."""
    if not _finite(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if round(number, decimals) == 0.0:
        number = 0.0  # no "-0.00"
    return f"{_sign(number, signed)}{number:,.{decimals}f}"


def format_price(value: float | None, tick: float | None = None) -> str:
    """A price rounded to the contract's ``tick`` and written with its decimals: ``7.4930``."""
    if not _finite(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    decimals = price_decimals(number, tick)
    if tick is not None and _finite(tick) and tick > 0:
        number = round(number / tick) * tick
    return format_number(number, decimals)


def format_quantity(value: float | None, step: float | None = None) -> str:
    """A quantity to the amount ``step``'s decimals, thousands separators: ``1,250.0``."""
    return format_number(value, quantity_decimals(step))


def format_leverage(value: float | None) -> str:
    """Leverage with one decimal and ``x``: ``3.0x``."""
    if not _finite(value):
        return MISSING
    return f"{float(value):,.1f}x"  # type: ignore[arg-type]


def format_pct(fraction: float | None, decimals: int = PCT_DECIMALS, *,
               signed: bool = False) -> str:
    """A fraction as a percentage: ``0.13`` -> ``13.0%`` (``+13.0%`` when ``signed``)."""
    if not _finite(fraction):
        return MISSING
    return format_number(float(fraction) * 100.0, decimals, signed=signed) + "%"  # type: ignore[arg-type]


def format_money(value: float | None, unit: str = "USD", decimals: int = 2, *,
                 signed: bool = False) -> str:
    """Money with its unit once: ``10,000.00 USD``."""
    if not _finite(value):
        return MISSING
    return f"{format_number(value, decimals, signed=signed)} {unit}"


def format_correlation(value: float | None, *, signed: bool = False) -> str:
    """A correlation coefficient with :data:`CORRELATION_DECIMALS` (``0.95``; ``+0.42`` /
    ``-0.31`` when ``signed``): the heatmap's cells, the notes and the ``average pairwise
    correlation`` line on the CLI, the app and the workbook."""
    return format_number(value, CORRELATION_DECIMALS, signed=signed)


def format_count(count: int, noun: str, plural: str | None = None) -> str:
    """``1 order``, ``2 orders``, ``0 orders``."""
    word = noun if count == 1 else (plural or noun + "s")
    return f"{count:,} {word}"


def change_tone(value: float | None) -> Tone:
    """``"up"`` (coloured :data:`POSITIVE_HEX`), ``"down"`` (:data:`NEGATIVE_HEX`) or
    ``"flat"`` (zero or missing: no colour)."""
    if not _finite(value) or float(value) == 0.0:  # type: ignore[arg-type]
        return "flat"
    return "up" if float(value) > 0 else "down"  # type: ignore[arg-type]


def tone_hex(value: float | None) -> str | None:
    """The colour of a signed change (None when flat)."""
    tone = change_tone(value)
    return POSITIVE_HEX if tone == "up" else NEGATIVE_HEX if tone == "down" else None


def correlation_rgb(value: float) -> tuple[int, int, int]:
    """Diverging colour of a correlation in [-1, 1]: blue (-1), white (0), red (+1).

    Linear between :data:`CORR_ZERO_HEX` and the end colour by ``|value|`` (the workbook's
    3-colour scale interpolates the same way).
    """
    def rgb(hex_text: str) -> tuple[int, int, int]:
        return int(hex_text[0:2], 16), int(hex_text[2:4], 16), int(hex_text[4:6], 16)

    t = max(-1.0, min(1.0, value))
    mid, end = rgb(CORR_ZERO_HEX), rgb(CORR_PLUS_ONE_HEX if t >= 0 else CORR_MINUS_ONE_HEX)
    w = abs(t)
    red, green, blue = (round(m + (e - m) * w) for m, e in zip(mid, end, strict=True))
    return red, green, blue


# -- Excel / LibreOffice number formats (the same look as the functions above) ---------------
def _excel_fixed(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def excel_price_format(tick: float | None, price: float = 1.0) -> str:
    """Number format of a price cell: the tick's decimals (``#,##0.0000`` for 0.0001)."""
    return _excel_fixed(price_decimals(price, tick))


def excel_quantity_format(step: float | None) -> str:
    """Number format of a quantity cell: the amount step's decimals."""
    return _excel_fixed(quantity_decimals(step))


def excel_money_format(unit: str = "USD", decimals: int = 2) -> str:
    """Number format of a money cell: ``#,##0.00 "USD"`` (the unit once, in the cell)."""
    return f'{_excel_fixed(decimals)} "{unit}"'


def excel_pct_format(decimals: int = PCT_DECIMALS, *, signed: bool = False) -> str:
    """``0.0%`` (``+0.0%;-0.0%;0.0%`` when signed)."""
    body = "0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return f"+{body};-{body};{body}" if signed else body


def excel_number_format(decimals: int = 2, *, signed: bool = False) -> str:
    """``#,##0.00`` (``+#,##0.00;-#,##0.00;#,##0.00`` when signed)."""
    body = _excel_fixed(decimals)
    return f"+{body};-{body};{body}" if signed else body


EXCEL_LEVERAGE = '0.0"x"'
"""Number format of a leverage cell (``3.0x``)."""
EXCEL_DATE = "yyyy-mm-dd"
