"""The Functions sheet: one live example of every Excel function, a native fallback beside it.

Each row calls one add-in function (:data:`rotation_addin.udfs.UDF_NAMES`) inside ``IFERROR``
-- which works because a failed function is a real Excel error value. Where Excel alone can
compute the figure from the typed inputs at the top (position size, isolated and cross
liquidation price, close-to-close volatility), the fallback column holds that native formula
and the live cell falls back to it, so the sheet shows numbers without the add-in (LibreOffice
recalculates it in the tests and each fallback equals the engine). Spilling functions are
shown through ``INDEX`` (one value of the spill) so the table never overlaps itself.
"""

from __future__ import annotations

from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from rotation_addin.core import parameters as pdef
from workbook import styles as st

INPUTS: tuple[tuple[str, str, object, str], ...] = (
    ("side", "Side", "long", ""),
    ("entry", "Entry price (USD)", 100.0, st.FMT_PRICE),
    ("quantity", "Quantity (base units)", 1.0, st.FMT_QTY),
    ("leverage", "Leverage (isolated)", 20.0, st.FMT_LEV),
    ("mmr", "Maintenance margin rate", 0.004, st.FMT_PCT),
    ("wallet", "Wallet balance, cross (USD)", 10.0, st.FMT_USD),
    ("equity", "Equity (USD)", pdef.EQUITY_USD.default, st.FMT_USD),
    ("risk", "Risk per trade", pdef.RISK_FRACTION.default, st.FMT_PCT),
    ("stop", "Stop price (USD)", 95.0, st.FMT_PRICE),
    ("fee", "Taker fee rate", pdef.TAKER_FEE_RATE.default, "0.000%"),
    ("slip", "Stop slippage rate", pdef.STOP_SLIPPAGE_RATE.default, "0.000%"),
    ("vol", "Daily volatility", 0.05, st.FMT_PCT),
    ("k", "k (sigmas to liquidation)", pdef.VOL_K_SIGMA.default, "0.0"),
    ("days", "Holding days", pdef.HOLDING_DAYS.default, "0.0"),
    ("buffer", "Gap buffer", pdef.GAP_BUFFER_FRACTION.default, st.FMT_PCT),
    ("cap", "Maximum leverage (brackets)", 75.0, st.FMT_LEV),
)
"""Typed inputs (key, label, example value, number format), in column B from row 5."""
FIRST_INPUT_ROW = 5
PRICES: tuple[float, ...] = (100.0, 101.0, 99.5, 102.0, 101.2, 103.3, 104.0)
"""Daily closes typed for the volatility example (column E from row 5)."""
PRICE_COLUMN = "E"
HEADER_ROW = FIRST_INPUT_ROW + len(INPUTS) + 2
HEADERS = ("Function", "Live example (add-in)", "Native fallback (Excel alone)",
           "How the fallback is computed", "Returns")
NO_ADDIN = "needs the add-in"


def cell_of(key: str) -> str:
    """Absolute address of a typed input (``$B$6`` for ``entry``)."""
    keys = [k for k, *_ in INPUTS]
    return f"$B${FIRST_INPUT_ROW + keys.index(key)}"


def _prices() -> tuple[str, str]:
    first, last = FIRST_INPUT_ROW, FIRST_INPUT_ROW + len(PRICES) - 1
    col = PRICE_COLUMN
    return f"${col}${first + 1}:${col}${last}", f"${col}${first}:${col}${last - 1}"


def _native() -> dict[str, str]:
    """Plain-Excel formulas on the typed inputs, by function (no leading ``=``)."""
    c = cell_of
    later, earlier = _prices()
    per_unit = (f"(ABS({c('entry')}-{c('stop')})+{c('entry')}*{c('fee')}"
                f"+{c('stop')}*({c('fee')}+{c('slip')}))")
    is_long = f'LOWER({c("side")})="long"'
    distance = f"({c('k')}*{c('vol')}*SQRT({c('days')})+{c('buffer')})"
    log_r = f"LN({later}/{earlier})"
    return {
        "size": f"{c('equity')}*{c('risk')}/{per_unit}",
        "isolated": (f"IF({is_long},{c('entry')}*(1-1/{c('leverage')})/(1-{c('mmr')}),"
                     f"{c('entry')}*(1+1/{c('leverage')})/(1+{c('mmr')}))"),
        "cross": (f"IF({is_long},({c('quantity')}*{c('entry')}-{c('wallet')})/"
                  f"({c('quantity')}*(1-{c('mmr')})),({c('quantity')}*{c('entry')}"
                  f"+{c('wallet')})/({c('quantity')}*(1+{c('mmr')})))"),
        "safe": (f"MAX(1,MIN(ROUNDDOWN(1/({distance}*(1+{c('mmr')})+{c('mmr')})*(1+1E-12),0),"
                 f"ROUNDDOWN({c('cap')}*(1+1E-12),0)))"),
        "vol": (f"SQRT((SUMPRODUCT({log_r}^2)-SUMPRODUCT({log_r})^2/{len(PRICES) - 1})"
                f"/{len(PRICES) - 2})"),
    }


def _rows() -> list[tuple[str, str, str | None, str, str, str]]:
    """(function, live formula, native formula or None, how, returns, number format)."""
    c = cell_of
    native = _native()
    return [
        ("POSITION_SIZE", f"POSITION_SIZE({c('equity')},{c('risk')},{c('entry')},{c('stop')})",
         native["size"],
         "risk budget / (stop distance + entry fee + stop fee and slippage), unrounded",
         "quantity (base units)", st.FMT_QTY),
        ("LIQUIDATION_PRICE", f"LIQUIDATION_PRICE({c('side')},{c('entry')},{c('quantity')},"
         f"{c('leverage')},,{c('mmr')})", native["isolated"],
         "isolated, flat MMR: long EP(1 - 1/L)/(1 - MMR), short EP(1 + 1/L)/(1 + MMR)",
         "USD", st.FMT_PRICE),
        ("LIQUIDATION_PRICE", f"LIQUIDATION_PRICE({c('side')},{c('entry')},{c('quantity')},,,"
         f"{c('mmr')},\"cross\",{c('wallet')})", native["cross"],
         "cross, one position: long (Q·EP - WB)/(Q(1 - MMR)), short (Q·EP + WB)/(Q(1 + MMR))",
         "USD", st.FMT_PRICE),
        ("HIST_VOL", f'HIST_VOL({PRICE_COLUMN}{FIRST_INPUT_ROW}:{PRICE_COLUMN}'
         f'{FIRST_INPUT_ROW + len(PRICES) - 1},"close")', native["vol"],
         "sample standard deviation of the typed closes' daily log returns",
         "daily volatility (fraction)", st.FMT_PCT),
        ("SAFE_LEVERAGE", f"SAFE_LEVERAGE({c('vol')},{c('k')},{c('days')},{c('buffer')},"
         f"{c('mmr')})", native["safe"],
         "floor(1 / (d(1 + MMR) + MMR)), d = k·σ·√days + buffer; at least 1, at most the cap",
         "leverage (whole)", st.FMT_LEV),
        ("CRYPTO_PRICE", 'CRYPTO_PRICE("RENDER")', None, "",
         "last price (USD); fields: mark, index, bid, ask, mid, spread, change_24h, "
         "volume_24h; prefix BYBIT:RENDER", st.FMT_PRICE),
        ("FUNDING_RATE", 'FUNDING_RATE("RENDER")', None, "", "per funding interval", "0.0000%"),
        ("OHLCV", 'INDEX(OHLCV("RENDER","1d"),2,5)', None, "",
         "a close of the spill (1h/4h/1d/1w, start, end)", st.FMT_PRICE),
        ("FUNDING_HISTORY", 'INDEX(FUNDING_HISTORY("RENDER"),2,2)', None, "",
         "a rate of the spill (time, rate)", "0.0000%"),
        ("OPEN_INTEREST", 'OPEN_INTEREST("BINANCE:RENDER")', None, "",
         "open interest (base units; \"usd\" at the mark)", st.FMT_QTY),
        ("CORREL_MATRIX", 'INDEX(CORREL_MATRIX("BTC,RENDER",30),2,3)', None, "",
         "BTC vs RENDER of the spilled matrix", st.FMT_CORR),
        ("SECTOR_TABLE", "INDEX(SECTOR_TABLE(),2,2)", None, "", "top sector of the spill", ""),
        ("REGIME", "REGIME()", None, "", "risk-on / neutral / risk-off", ""),
        ("DIVERGENCE", 'DIVERGENCE("RENDER")', None, "", "z(social) - z(on-chain)",
         st.FMT_SCORE),
        ("REBALANCE_ORDERS", "INDEX(REBALANCE_ORDERS(),1,1)", None, "",
         "today's orders (spill)", ""),
        ("SLIPPAGE", 'SLIPPAGE("RENDER",20000)', None, "", "walked slippage (fraction)",
         st.FMT_PCT),
        ("DEPTH", 'INDEX(DEPTH("RENDER"),2,1)', None, "", "bid USD within 0.5 % of mid",
         st.FMT_USD),
        ("TRADE_CHECK", 'TRADE_CHECK("RENDER","long",,1.6,"1%")', None, "",
         "OK or the rule that refuses", ""),
        ("DATA_SOURCE", "DATA_SOURCE()", None, "", "source of the history (as_of: when)", ""),
        ("LAST_ERRORS", "INDEX(LAST_ERRORS(),1,1)", None, "",
         "why recent cells show an error (spill)", ""),
    ]


def build(ws: Worksheet) -> None:
    """Typed inputs, then one row per function: live formula, native fallback, explanation."""
    st.write_title(ws, "Excel functions",
                   "Each live cell calls the add-in inside IFERROR; the fallback beside it is "
                   "plain Excel on the typed inputs (yellow), so numbers show without Python.")
    ws.cell(row=FIRST_INPUT_ROW - 1, column=1, value="Typed inputs").font = st.SECTION_FONT
    for offset, (_, label, value, number_format) in enumerate(INPUTS):
        row = FIRST_INPUT_ROW + offset
        ws.cell(row=row, column=1, value=label)
        cell = ws.cell(row=row, column=2, value=value)
        cell.fill, cell.protection = st.INPUT_FILL, st.UNLOCKED
        if number_format:
            cell.number_format = number_format
    ws.cell(row=FIRST_INPUT_ROW - 1, column=4, value="Daily closes").font = st.SECTION_FONT
    for offset, price in enumerate(PRICES):
        cell = ws[f"{PRICE_COLUMN}{FIRST_INPUT_ROW + offset}"]
        cell.value, cell.fill = price, st.INPUT_FILL
    st.write_header(ws, HEADER_ROW, 1, HEADERS)
    for offset, (name, live, native, how, returns, fmt) in enumerate(_rows(), start=1):
        row = HEADER_ROW + offset
        fallback = f"C{row}" if native else f'"{NO_ADDIN}"'
        ws.cell(row=row, column=1, value=name).font = st.BOLD
        ws.cell(row=row, column=2, value=f"=IFERROR({live},{fallback})")
        ws.cell(row=row, column=3, value=f"={native}" if native else "—")
        ws.cell(row=row, column=4, value=how or "needs live or refreshed data")
        ws.cell(row=row, column=5, value=returns)
        for column in (2, 3):
            if fmt:
                ws.cell(row=row, column=column).number_format = fmt
        ws.cell(row=row, column=3).fill = st.OUTPUT_FILL if native else PatternFill()
    note = HEADER_ROW + len(_rows()) + 2
    ws.cell(row=note, column=1, value=(
        "A failed function is an Excel error value (#VALUE! bad input, #N/A no data, #NUM! "
        "refused), so IFERROR and ISERROR work; =LAST_ERRORS() spills the reasons.")
    ).font = st.NOTE_FONT
    st.set_widths(ws, {"A": 28, "B": 24, "C": 24, "D": 70, "E": 44})
    st.print_one_page(ws)


def fallback_cells() -> dict[str, str]:
    """Address of each native fallback by row label (``LIQUIDATION_PRICE cross`` for the
    second liquidation row), for the tests."""
    cells: dict[str, str] = {}
    for offset, (name, _live, native, how, *_rest) in enumerate(_rows(), start=1):
        if native:
            label = f"{name} cross" if how.startswith("cross") else name
            cells[label] = f"C{HEADER_ROW + offset}"
    return cells
