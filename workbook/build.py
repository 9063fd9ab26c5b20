"""Build the Rotation Desk workbook from code (openpyxl): every sheet, name, rule and chart.

:func:`build_workbook` writes ``rotation_desk.xlsx`` (or the macro-enabled
``rotation_desk.xlsm`` made from xlwings' quickstart template, see :mod:`workbook.xlsm`) and,
when given a dataset, fills it the same way :func:`workbook.refresh.refresh_workbook` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.report import DailyReport
from rotation_addin.core.rotation import PositionBook
from rotation_addin.data.atomic import atomic_path
from rotation_addin.data.paths import workbooks_dir
from rotation_addin.data.settings import Settings, load_settings
from rotation_addin.desk.example_trade import example_trade
from rotation_addin.desk.quick_check import brackets_for, quick_check, request_from_settings
from rotation_addin.desk.session import default_session
from workbook import fast_save
from workbook import layout as lay
from workbook import xlsm as xlsm_mod
from workbook.context import FillContext, Rows, snapshot
from workbook.sheets import (
    alerts_sheet,
    backtest,
    correlation,
    dashboard,
    functions,
    journal,
    platforms,
    rebalance,
    regime,
    sectors,
    settings_sheet,
    sizing,
    xlwings_conf,
)
from workbook.writer import write_blocks_openpyxl

DATA_SHEETS: Mapping[str, ModuleType] = {
    lay.DASHBOARD: dashboard,
    lay.SECTORS: sectors,
    lay.CORRELATION: correlation,
    lay.REGIME: regime,
    lay.REBALANCE: rebalance,
    lay.PLATFORMS: platforms,
}
"""Sheets whose module has ``content(ctx)`` and ``decorate(ws, ctx)``."""


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_workbook` wrote.

    Attributes
    ----------
    path : Path
        The workbook.
    macro_enabled : bool
        True for the ``.xlsm`` variant with the Refresh button.
    filled : bool
        True if a dataset filled the owned ranges.
    warnings : tuple[str, ...]
        Content cut to fit, data caveats.
    """

    path: Path
    macro_enabled: bool
    filled: bool
    warnings: tuple[str, ...]


def default_path(*, macro_enabled: bool = False) -> Path:
    """``<data dir>/workbooks/rotation_desk.xlsx`` (``.xlsm`` for the macro variant)."""
    suffix = ".xlsm" if macro_enabled else ".xlsx"
    return workbooks_dir() / f"{lay.WORKBOOK_BASENAME}{suffix}"


def sizing_inputs_for(dataset: MarketDataset | None, settings: Settings,
                      report: DailyReport | None = None) -> sizing.SizingInputs:
    """Starting values of the Sizing sheet: today's top order (``desk.example_trade``, the
    desktop Quick check's example too), else the top sector's first member at today's price.

    The member's EWMA daily vol, its contract rules (with its maximum leverage; the brackets'
    maximum without a contract) and default brackets; without data, a RENDER example with the
    bundled defaults.
    """
    base = "RENDER"
    inputs = sizing.SizingInputs(
        equity_usd=settings.equity_usd, risk_fraction=settings.risk_fraction,
        max_risk_fraction=settings.max_risk_fraction, taker_fee_rate=settings.taker_fee_rate,
        stop_slippage_rate=settings.stop_slippage_rate, k_sigma=settings.vol_k_sigma,
        holding_days=settings.holding_days, gap_buffer_fraction=settings.gap_buffer_fraction,
    )
    if dataset is not None:
        trade = example_trade(dataset, report) if report is not None else None
        if trade is not None:
            base = trade.base
        elif dataset.bases:
            base = dataset.bases[0]
        snap = snapshot(dataset, base, settings)
        if trade is not None:
            inputs = replace(inputs, side=trade.side, entry_price_usd=trade.entry_price_usd,
                             stop_price_usd=trade.stop_price_usd,
                             leverage=trade.leverage or inputs.leverage)
        elif snap is not None and math.isfinite(snap.atr_usd):
            stop = max(snap.price_usd - 2.0 * snap.atr_usd, snap.price_usd * 0.5)
            inputs = replace(inputs, entry_price_usd=snap.price_usd,
                             stop_price_usd=float(f"{stop:.6g}"))
        if snap is not None and math.isfinite(snap.daily_vol):
            inputs = replace(inputs, daily_vol=snap.daily_vol)
        if snap is not None and snap.contract is not None:
            c = snap.contract
            inputs = replace(inputs, amount_step=c.amount_step, min_amount=c.min_amount,
                             min_notional_usd=c.min_notional_usd, taker_fee_rate=c.taker_fee_rate,
                             contract_max_leverage=c.max_leverage, price_tick=c.price_tick)
    brackets = brackets_for(dataset, base)
    if dataset is None or base not in dataset.contracts:
        inputs = replace(inputs, contract_max_leverage=brackets.max_leverage)
    inputs = replace(inputs, symbol=base).with_brackets(brackets)
    return _accepted_by_the_desk(inputs, settings, dataset)


def _accepted_by_the_desk(inputs: sizing.SizingInputs, settings: Settings,
                          dataset: MarketDataset | None) -> sizing.SizingInputs:
    """The starting trade as the desk's quick check accepts it: at 1x when its leverage is
    refused (above the brackets' maximum, or a stop at or beyond the liquidation price)."""
    contract = dataset.contracts.get(inputs.symbol) if dataset is not None else None
    brackets = brackets_for(dataset, inputs.symbol)
    try:
        quick_check(request_from_settings(
            settings, equity_usd=inputs.equity_usd, entry_price_usd=inputs.entry_price_usd,
            stop_price_usd=inputs.stop_price_usd, side=inputs.side, leverage=inputs.leverage,
            contract=contract, brackets=brackets))
    except TradeRefused:
        return replace(inputs, leverage=1.0)
    except InputError:
        return inputs  # e.g. a size below the minimums: the sheet itself says why
    return inputs


def new_workbook(*, macro_enabled: bool) -> Workbook:
    """An empty workbook with every tool sheet in order (from xlwings' template for .xlsm)."""
    if macro_enabled:
        wb = xlsm_mod.load_template()
    else:
        wb = Workbook()
        wb.active.title = lay.DASHBOARD
        wb.create_sheet(lay.XLWINGS_CONF)
    for name in lay.SHEET_ORDER:
        if name not in wb.sheetnames:
            wb.create_sheet(name)
    wb._sheets.sort(key=lambda ws: lay.SHEET_ORDER.index(ws.title)
                    if ws.title in lay.SHEET_ORDER else len(lay.SHEET_ORDER))
    if macro_enabled:
        xlsm_mod.assign_code_names(wb)
    wb.active = 0
    return wb


def build_skeleton(wb: Workbook, settings: Settings, inputs: sizing.SizingInputs) -> None:
    """Static layout of every sheet: labels, formulas, formats, the layout version's name
    (the Sizing and Settings names are :func:`decorate`'s, which every build runs after)."""
    for name, module in DATA_SHEETS.items():
        module.build(wb[name])
    sizing.build(wb[lay.SIZING], inputs)
    backtest.build(wb[lay.BACKTEST])
    journal.build(wb[lay.JOURNAL])
    alerts_sheet.build(wb[lay.ALERTS])
    functions.build(wb[lay.FUNCTIONS])
    settings_sheet.build(wb[lay.SETTINGS], settings)
    xlwings_conf.build(wb[lay.XLWINGS_CONF])
    wb.defined_names[lay.LAYOUT_NAME] = DefinedName(lay.LAYOUT_NAME,
                                                    attr_text=str(lay.LAYOUT_VERSION))
    wb.calculation.fullCalcOnLoad = True


def collect_content(ctx: FillContext) -> dict[str, Rows]:
    """Every owned block's rows for ``ctx``."""
    content: dict[str, Rows] = {}
    for module in (*DATA_SHEETS.values(), sizing, settings_sheet, alerts_sheet):
        content.update(module.content(ctx))
    return content


def decorate(wb: Workbook, ctx: FillContext | None) -> None:
    """Re-create what the tool owns beyond values: charts, heatmap, validation, protection."""
    for name, module in DATA_SHEETS.items():
        module.decorate(wb[name], ctx)
    sizing.decorate(wb[lay.SIZING])
    if lay.BACKTEST in wb.sheetnames:  # a workbook built before the sheet existed has none
        backtest.decorate(wb[lay.BACKTEST])
    journal.decorate(wb[lay.JOURNAL])
    alerts_sheet.decorate(wb)
    settings_sheet.decorate(wb[lay.SETTINGS])
    sizing.add_names(wb, lay.SIZING)
    settings_sheet.add_names(wb, lay.SETTINGS)
    wb.calculation.fullCalcOnLoad = True


def add_missing_data_sheets(wb: Workbook) -> list[str]:
    """Give a workbook built before a data sheet existed (e.g. Platforms) that sheet, laid out."""
    added = []
    for name, module in DATA_SHEETS.items():
        if name not in wb.sheetnames:
            position = next((i for i, ws in enumerate(wb.worksheets) if ws.title in
                             lay.SHEET_ORDER[lay.SHEET_ORDER.index(name) + 1:]), None)
            module.build(wb.create_sheet(name, position))
            added.append(f"{name}: sheet added (new in this version)")
    return added


def fill(wb: Workbook, ctx: FillContext) -> list[str]:
    """Write every owned block and re-create the decorations; return content warnings."""
    added = add_missing_data_sheets(wb)
    warnings = added + write_blocks_openpyxl(wb, collect_content(ctx))
    if ctx.backtest is not None:
        if lay.BACKTEST not in wb.sheetnames:
            raise InputError("workbook", f"has no {lay.BACKTEST} sheet (built before it "
                             "existed): build a new one with `rotation workbook build`")
        warnings += write_blocks_openpyxl(wb, backtest.content(ctx, ctx.backtest),
                                          blocks=lay.BACKTEST_BLOCKS_BY_NAME)
    decorate(wb, ctx)
    return warnings


def save(wb: Workbook, path: Path, *, macro_enabled: bool,
         before_commit: Callable[[Path], None] | None = None,
         before_replace: Callable[[], None] | None = None,
         plain_rows_as_text: bool = False) -> None:
    """Save atomically (temporary file beside ``path``, then rename); add the button (.xlsm).

    ``before_commit(tmp)`` runs on the written temporary file, ``before_replace()`` right
    before the rename (see :func:`rotation_addin.data.atomic.atomic_path`).
    ``plain_rows_as_text`` saves with :func:`workbook.fast_save.save_workbook` (the same
    bytes as openpyxl's save, faster; used for the first build, whose every cell the tool
    wrote) instead of openpyxl's row writer. Either way a full disk is one error, never a
    late traceback from openpyxl's temporary files (:func:`workbook.fast_save.save_workbook`).
    """
    with atomic_path(path, before_replace=before_replace) as tmp:
        if plain_rows_as_text:
            fast_save.save_workbook(wb, tmp)
        else:
            fast_save.save_workbook(wb, tmp, plain_rows=False)
        if macro_enabled:
            xlsm_mod.ensure_refresh_button(tmp)
        if before_commit is not None:
            before_commit(tmp)


class WorkbookExists(InputError):
    """The workbook to build is already there (``overwrite`` not given); ``path`` is it.

    Each caller says how to overwrite in its own terms (``rotation workbook build --force``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__("out", f"{path} exists; refresh it, or build with overwrite=True")


def _target(path: Path | None, *, macro_enabled: bool, overwrite: bool) -> Path:
    """The file to write: its suffix fits the variant; an existing one only with ``overwrite``."""
    target = Path(path) if path is not None else default_path(macro_enabled=macro_enabled)
    expected = ".xlsm" if macro_enabled else ".xlsx"
    if target.suffix.lower() != expected:
        raise InputError("out", f"must end in {expected} for this variant (got {target.name})")
    if target.exists() and not overwrite:
        raise WorkbookExists(target)
    return target


def build_workbook(
    path: Path | None = None,
    *,
    dataset: MarketDataset | None = None,
    report: DailyReport | None = None,
    params: Settings | None = None,
    macro_enabled: bool = False,
    overwrite: bool = False,
    sizing_inputs: sizing.SizingInputs | None = None,
    now: datetime | None = None,
) -> BuildResult:
    """Build the workbook and, with a dataset, fill it.

    Parameters
    ----------
    path : Path, optional
        Target file; default :func:`default_path`. Must end in ``.xlsm`` for the macro
        variant and ``.xlsx`` otherwise.
    dataset : MarketDataset, optional
        Data to fill the owned ranges with (the sheets say its source, e.g. demo (simulated)).
    report : DailyReport, optional
        Precomputed report of ``dataset``; computed when omitted.
    params : Settings, optional
        Risk parameters; default the user's settings.
    macro_enabled : bool
        Build ``.xlsm`` from xlwings' quickstart template (VBA byte-identical) with the
        Refresh button.
    overwrite : bool
        Replace an existing file (otherwise an existing file is an error).
    sizing_inputs : SizingInputs, optional
        Starting values of the Sizing sheet (default: derived from the dataset).
    now : datetime, optional
        Refresh time shown on the sheets (UTC).

    Returns
    -------
    BuildResult
    """
    target = _target(path, macro_enabled=macro_enabled, overwrite=overwrite)
    settings = params if params is not None else load_settings()
    if dataset is not None and report is None:
        desk = default_session()  # a new workbook plans from no positions
        report = desk.report(desk.plan_parameters(settings), dataset=dataset, book=PositionBook())
    inputs = sizing_inputs or sizing_inputs_for(dataset, settings, report)
    wb = new_workbook(macro_enabled=macro_enabled)
    build_skeleton(wb, settings, inputs)
    warnings: list[str] = []
    if dataset is not None and report is not None:
        view = alerts_sheet.alerts_view(alerts_sheet.sync_typed(None), dataset.as_of)
        ctx = FillContext(dataset=dataset, report=report, settings=settings,
                          refreshed_at=now or datetime.now(UTC), sizing_symbol=inputs.symbol,
                          alerts=view)
        warnings = fill(wb, ctx)
    else:
        decorate(wb, None)
    save(wb, target, macro_enabled=macro_enabled, plain_rows_as_text=True)
    if macro_enabled:
        xlsm_mod.write_module_shim(target.parent)
    return BuildResult(path=target, macro_enabled=macro_enabled,
                       filled=dataset is not None, warnings=tuple(warnings))
