"""Sheet names and the ranges the tool owns: the single place refresh looks up what it may write.

Everything outside an owned :class:`Block` belongs to the user: refresh never clears or writes
it. A block has a fixed maximum size so charts, conditional formats and number formats built
over it stay valid whatever the data; content larger than the block is cut and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from rotation_addin.core.formats import SECTOR_CHART_DAYS

DASHBOARD = "Dashboard"
SECTORS = "Sectors"
CORRELATION = "Correlation"
REGIME = "Regime"
SIZING = "Sizing"
REBALANCE = "Rebalance"
PLATFORMS = "Platforms"
BACKTEST = "Backtest"
JOURNAL = "Journal"
ALERTS = "Alerts"
FUNCTIONS = "Functions"
SETTINGS = "Settings"
XLWINGS_CONF = "xlwings.conf"

SHEET_ORDER: tuple[str, ...] = (
    DASHBOARD, SECTORS, CORRELATION, REGIME, SIZING, REBALANCE, PLATFORMS, BACKTEST, JOURNAL,
    ALERTS, FUNCTIONS, SETTINGS, XLWINGS_CONF,
)
"""Tab order of the workbook."""

MAIN_SHEETS: tuple[str, ...] = (DASHBOARD, SECTORS, CORRELATION, REGIME, SIZING, REBALANCE)
"""Sheets rendered to PNG for the README."""

WORKBOOK_BASENAME = "rotation_desk"
"""File stem of built workbooks. xlwings' ``SampleCall`` and the ribbon's "Run main" import the
module named like the workbook, so the macro-enabled file must be ``rotation_desk.xlsm``."""

LAYOUT_VERSION = 1
"""Bumped when owned ranges move; refresh refuses workbooks of another layout version."""

LAYOUT_NAME = "RotationDesk_LayoutVersion"
"""Workbook-level defined name holding :data:`LAYOUT_VERSION` (a constant, ``=1``)."""

MAX_SECTORS = 10
MAX_ASSETS = 40
MAX_INDEX_DAYS = SECTOR_CHART_DAYS  # the app's sector chart shows the same window
MAX_ORDERS = 25
DASHBOARD_ORDERS = 8
MAX_ALERT_RULES = 40
MAX_ALERT_FIRINGS = 50


@dataclass(frozen=True)
class Block:
    """A rectangle of cells the tool owns and rewrites on every refresh.

    Attributes
    ----------
    sheet : str
        Sheet name.
    name : str
        Identifier used by the content producers (``"sectors_table"``).
    top, left : int
        1-based row and column of the top-left cell.
    rows, cols : int
        Maximum size; refresh clears all of it before writing.
    """

    sheet: str
    name: str
    top: int
    left: int
    rows: int
    cols: int

    @property
    def bottom(self) -> int:
        return self.top + self.rows - 1

    @property
    def right(self) -> int:
        return self.left + self.cols - 1

    @property
    def ref(self) -> str:
        """A1-style range, e.g. ``"A5:K17"``."""
        return (
            f"{get_column_letter(self.left)}{self.top}:"
            f"{get_column_letter(self.right)}{self.bottom}"
        )

    def absolute_ref(self) -> str:
        """Sheet-qualified absolute reference, e.g. ``'Sectors'!$A$5:$K$17``."""
        a = f"${get_column_letter(self.left)}${self.top}"
        b = f"${get_column_letter(self.right)}${self.bottom}"
        return f"'{self.sheet}'!{a}:{b}"

    def cells(self) -> Iterator[tuple[int, int]]:
        """Every (row, col) of the block."""
        for row in range(self.top, self.bottom + 1):
            for col in range(self.left, self.right + 1):
                yield row, col

    def contains(self, row: int, col: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= col <= self.right


def _b(sheet: str, name: str, top: int, left: int, rows: int, cols: int) -> Block:
    return Block(sheet, name, top, left, rows, cols)


BANNER_ROW = 2
"""Row 2 of every tool sheet holds the data-source banner (``demo (simulated)`` ...)."""

SECTOR_COLUMNS = 11
ORDER_COLUMNS = 15
CORR_SIZE = MAX_SECTORS + 1  # header row/col + one per sector

BLOCKS: tuple[Block, ...] = (
    # banners: one per data sheet
    *(_b(s, f"{s.lower()}_banner", BANNER_ROW, 1, 1, 1)
      for s in (DASHBOARD, SECTORS, CORRELATION, REGIME, SIZING, REBALANCE)),
    # Dashboard
    _b(DASHBOARD, "dashboard_summary", 5, 1, 10, 2),
    _b(DASHBOARD, "dashboard_top", 5, 4, 6, 4),
    _b(DASHBOARD, "dashboard_regime", 16, 1, 1, 1),
    _b(DASHBOARD, "dashboard_warnings", 34, 1, 12, 1),
    _b(DASHBOARD, "dashboard_orders", 48, 1, DASHBOARD_ORDERS + 1, 7),
    # Sectors: ranking table (header + one row per sector) and daily index lines
    _b(SECTORS, "sectors_table", 5, 1, MAX_SECTORS + 1, SECTOR_COLUMNS),
    _b(SECTORS, "sectors_index", 42, 1, MAX_INDEX_DAYS + 1, MAX_SECTORS + 1),
    # Correlation: USD and BTC-relative matrices of the sector indices, notes beside them
    _b(CORRELATION, "corr_usd_title", 4, 1, 1, 1),
    _b(CORRELATION, "corr_usd", 5, 1, CORR_SIZE, CORR_SIZE),
    _b(CORRELATION, "corr_relative_title", 5 + CORR_SIZE + 1, 1, 1, 1),
    _b(CORRELATION, "corr_relative", 5 + CORR_SIZE + 2, 1, CORR_SIZE, CORR_SIZE),
    _b(CORRELATION, "corr_notes", 5 + 2 * CORR_SIZE + 4, 1, 30, 1),
    # Regime
    _b(REGIME, "regime_summary", 5, 1, 4, 2),
    _b(REGIME, "regime_inputs", 11, 1, 4, 4),
    _b(REGIME, "regime_warnings", 17, 1, 4, 1),
    # Sizing: market reference of the chosen symbol (inputs stay the user's)
    _b(SIZING, "sizing_market", 5, 14, 9, 2),
    # Rebalance: order list
    _b(REBALANCE, "rebalance_summary", 5, 1, 4, 2),
    _b(REBALANCE, "rebalance_orders", 11, 1, MAX_ORDERS + 1, ORDER_COLUMNS),
    _b(REBALANCE, "rebalance_refusals", 11 + MAX_ORDERS + 3, 1, 21, 3),
    _b(REBALANCE, "rebalance_notes", 11 + MAX_ORDERS + 3, 5, 21, 1),
    # Platforms: each plan order on each venue (data venue + up to 3 live venues)
    _b(PLATFORMS, "platforms_banner", BANNER_ROW, 1, 1, 1),
    _b(PLATFORMS, "platforms_summary", 4, 1, 3, 2),
    _b(PLATFORMS, "platforms_table", 9, 1, 1 + MAX_ORDERS * 4, 25),
    # Settings: where the data came from
    _b(SETTINGS, "settings_status", 5, 5, 6, 2),
    # Alerts: the rule table (typed rows read back first) and the latest firings;
    # the Dashboard's alert flags
    _b(ALERTS, "alerts_rules", 6, 1, MAX_ALERT_RULES, 8),
    _b(ALERTS, "alerts_firings", 6, 10, MAX_ALERT_FIRINGS, 7),
    _b(DASHBOARD, "dashboard_alerts", 11, 4, 5, 4),
)
"""Every range refresh may write. Nothing else in the workbook is ever touched by refresh."""

BLOCKS_BY_NAME: dict[str, Block] = {b.name: b for b in BLOCKS}

MAX_BACKTEST_DAYS = 1500
"""Rows of the Backtest sheet's equity table (a longer run is shown every k-th day)."""
MAX_BACKTEST_YEARS = 12
MAX_SWEEP_ROWS = 36
"""Settings the Backtest sheet lists (highest Sharpe first; a larger sweep says how many more
there are: ``--json`` and ``--report`` have every one). The table ends above the equity
rows, inside the printed page."""
SWEEP_FACTS = 4
"""Rows above the sweep's table: what was swept, then the deflated Sharpe ratio of the best,
the expected best of as many unskilled trials and the walk-forward's out-of-sample Sharpe
(a label and a number each, so a formula can read them)."""

BACKTEST_BLOCKS: tuple[Block, ...] = (
    _b(BACKTEST, "backtest_banner", BANNER_ROW, 1, 1, 1),
    _b(BACKTEST, "backtest_metrics", 5, 1, 4, 9),
    _b(BACKTEST, "backtest_stats", 11, 1, 15, 2),
    _b(BACKTEST, "backtest_monthly", 11, 4, MAX_BACKTEST_YEARS + 1, 13),
    _b(BACKTEST, "backtest_equity", 50, 1, MAX_BACKTEST_DAYS + 1, 4),
    # facts, a blank row, the header and a row per setting (the last may say how many more)
    _b(BACKTEST, "backtest_sweep", 5, 19, SWEEP_FACTS + 2 + MAX_SWEEP_ROWS, 4),
)
"""The Backtest sheet's ranges: written only when a backtest is asked for (``rotation
backtest --strategy --workbook FILE``, or a refresh given a backtest); a plain refresh leaves
them as they are (a backtest takes seconds; the first build leaves them empty). The sweep's
range is rewritten with every backtest: a backtest without ``--sweep`` says so there rather
than leave another run's sweep beside it."""

BACKTEST_BLOCKS_BY_NAME: dict[str, Block] = {b.name: b for b in BACKTEST_BLOCKS}


def block(name: str) -> Block:
    """Owned block by name (KeyError names the unknown block)."""
    return BLOCKS_BY_NAME[name] if name in BLOCKS_BY_NAME else BACKTEST_BLOCKS_BY_NAME[name]


def banner_block(sheet: str) -> Block:
    """The banner block of ``sheet``."""
    return BLOCKS_BY_NAME[f"{sheet.lower()}_banner"]
