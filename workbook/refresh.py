"""THE refresh entry point: one function for the Excel button, the CLI and the desktop app.

``refresh_workbook(path_or_book, dataset, *, report=None, params=None)``

* a path (``.xlsx`` / ``.xlsm``): headless, with openpyxl. Only the owned ranges of
  :mod:`workbook.layout` are rewritten; the tool's charts, heatmap, validation, names,
  protection and (``.xlsm``) the Refresh button are re-created because a load/save round trip
  may drop or degrade them; everything else the user typed stays. The new file is written to
  a temporary file in the same folder and renamed over the old one, so a crash or kill
  mid-save leaves the previous file intact; the bytes it replaces are kept as
  ``<stem>.bak<suffix>``. If the user saved the file after it was loaded (size, mtime, inode
  and SHA-256 compared right before the rename, :mod:`workbook.snapshot`), their file is
  reloaded and filled again (merge), up to :data:`MERGE_ATTEMPTS` times, then refused: a save
  is never dropped. A read-only or damaged workbook is refused with one line.
* an xlwings ``Book`` (the workbook open in Excel, from the button): the same owned ranges
  are written through xlwings, and the Journal sheet is synced with the trade journal by the
  same code as the headless path (:mod:`workbook.sheets.journal_excel`); Excel keeps charts
  and formatting itself and the user saves.

Text from outside (symbols, sectors, reasons) is escaped against formula injection
(:mod:`workbook.safe_text`).
"""

from __future__ import annotations

import io
import time
import warnings as warnings_mod
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import load_workbook

from rotation_addin.core.alert_eval import AlertFiring
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.report import DailyReport
from rotation_addin.core.strategy_report import StrategySummary
from rotation_addin.data.atomic import atomic_path, target_mode
from rotation_addin.data.settings import Settings, load_settings
from rotation_addin.desk.alerts import alerts_after_refresh
from rotation_addin.desk.session import default_session
from workbook import build as build_mod
from workbook import layout as lay
from workbook.context import FillContext
from workbook.sheets import alerts_sheet, journal_excel, journal_sync, settings_sheet
from workbook.snapshot import ChangedSinceLoad, Snapshot, check_unchanged, read_snapshot
from workbook.writer import write_blocks_xlwings

if TYPE_CHECKING:
    from rotation_addin.desk.backtest import SweepSummary

REQUIRED_SHEETS = (lay.DASHBOARD, lay.SECTORS, lay.CORRELATION, lay.REGIME, lay.SIZING,
                   lay.REBALANCE, lay.JOURNAL, lay.SETTINGS)
"""Every sheet the refresh writes or decorates (a missing one would be a KeyError)."""


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did.

    Attributes
    ----------
    path : Path | None
        The refreshed file (None when refreshing a workbook open in Excel that was never saved).
    backup_path : Path | None
        Copy of the previous file (headless refresh only).
    source : str
        Data source label (``"demo (simulated)"``...).
    as_of : datetime
        Close of the last daily candle used (UTC).
    refreshed_at : datetime
        When the refresh ran (UTC).
    regime : str
        Regime label of the report.
    top_sectors : tuple[str, ...]
        Sector names in rank order.
    orders : int
        Orders in the rebalance plan.
    warnings : tuple[str, ...]
        Content cut to fit, data caveats, what the round trip could not keep.
    alerts : tuple[AlertFiring, ...]
        Alert firings of this refresh (``desk.alerts.alerts_after_refresh``).
    """

    path: Path | None
    backup_path: Path | None
    source: str
    as_of: datetime
    refreshed_at: datetime
    regime: str
    top_sectors: tuple[str, ...]
    orders: int
    warnings: tuple[str, ...]
    alerts: tuple[AlertFiring, ...] = ()


def backup_path_for(path: Path) -> Path:
    """``rotation_desk.xlsx`` -> ``rotation_desk.bak.xlsx`` (same folder)."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def _report_for(dataset: MarketDataset, report: DailyReport | None,
                settings: Settings) -> DailyReport:
    if report is not None:
        if report.source != dataset.source or report.as_of != dataset.as_of:
            raise InputError("report", f"was computed from {report.source} as of "
                             f"{report.as_of:%Y-%m-%d}, not from the dataset given "
                             f"({dataset.source} as of {dataset.as_of:%Y-%m-%d})")
        return report
    desk = default_session()  # the user's positions, the plan parameters of ``settings``
    return desk.report(desk.plan_parameters(settings), dataset=dataset, book=desk.book())


def _result(path: Path | None, backup: Path | None, ctx: FillContext,
            warnings: list[str], alerts: tuple[AlertFiring, ...] = ()) -> RefreshResult:
    report = ctx.report
    return RefreshResult(
        path=path, backup_path=backup, source=ctx.dataset.source, as_of=ctx.dataset.as_of,
        refreshed_at=ctx.refreshed_at, regime=report.regime.label,
        top_sectors=tuple(s.sector for s in report.sectors), orders=len(report.plan.orders),
        warnings=tuple(dict.fromkeys(warnings)), alerts=alerts,
    )


def _check_dataset(dataset: object) -> MarketDataset:
    if not isinstance(dataset, MarketDataset):
        raise InputError("dataset", f"must be a MarketDataset (got {type(dataset).__name__})")
    return dataset


def _live(venues: Sequence[str], urls: Mapping[str, str] | None,
          quarterlies: bool) -> dict[str, Any]:
    """The Platforms sheet's live-venue fields of the :class:`FillContext`."""
    return {"venues": tuple(venues), "venue_api_urls": dict(urls or {}),
            "venue_quarterlies": bool(quarterlies)}


def refresh_workbook(
    path: Path | str | Any,
    dataset: MarketDataset,
    *,
    report: DailyReport | None = None,
    params: Settings | None = None,
    now: datetime | None = None,
    keep_backup: bool = True,
    venues: Sequence[str] = (), venue_api_urls: Mapping[str, str] | None = None,
    venue_quarterlies: bool = False,
    backtest: StrategySummary | None = None,
    sweep: SweepSummary | None = None,
) -> RefreshResult:
    """Rewrite the tool's ranges of a Rotation Desk workbook from ``dataset``.

    Parameters
    ----------
    path : path or xlwings.Book
        The ``.xlsx``/``.xlsm`` file (headless), or the open workbook (Excel button).
    dataset : MarketDataset
        Market data; its ``source`` label is written on every data sheet.
    report : DailyReport, optional
        The report of ``dataset`` if the caller has it (the desktop app does); computed
        otherwise with the user's positions file and the workbook's Settings sheet.
    params : Settings, optional
        Risk parameters; default the values on the workbook's Settings sheet (empty cells
        fall back to the user's settings file).
    now : datetime, optional
        Refresh time written on the sheets (UTC); default now.
    keep_backup : bool
        Copy the replaced file to ``<stem>.bak<suffix>`` (headless; default True); False
        from ``rotation demo --rebuild`` (its backup is the user's file before the rebuild).
    venues, venue_api_urls, venue_quarterlies
        Live venues the Platforms sheet prices, their URLs (tests), their quarterlies too.
    backtest, sweep : StrategySummary, SweepSummary, optional
        A whole-strategy backtest of ``dataset`` and the sweep run with it
        (``rotation_addin.desk.backtest``) for the Backtest sheet; without a backtest the
        sheet keeps what the last one wrote, without a sweep its range says none was run.

    Returns
    -------
    RefreshResult

    Raises
    ------
    InputError
        Missing file, not a Rotation Desk workbook, invalid Settings sheet values.
    DataError
        The file is damaged or not a workbook, is read-only, or kept changing while it was
        refreshed (someone saving it each time); the file is left as it was.
    """
    dataset = _check_dataset(dataset)
    refreshed_at = now or datetime.now(UTC)
    live = _live(venues, venue_api_urls, venue_quarterlies)
    open_book = hasattr(path, "sheets") and not isinstance(path, str | Path)
    _check_backtest(open_book, backtest, sweep)
    if open_book:
        return _refresh_open_book(path, dataset, report, params, refreshed_at, live)
    return _refresh_file(Path(path), dataset, report, params, refreshed_at, keep_backup,
                         backtest, live, sweep)


def _check_backtest(open_book: bool, backtest: StrategySummary | None,
                    sweep: SweepSummary | None) -> None:
    """A sweep comes with its backtest; both go into a saved file, not an open workbook."""
    if sweep is not None and backtest is None:
        raise InputError("sweep", "is written on the Backtest sheet with its backtest: give "
                                  "both")
    if open_book and backtest is not None:
        raise InputError("workbook", "the backtest is written into a saved file (give its "
                         "path), not into the workbook open in Excel")


def _evaluate_alerts(dataset: MarketDataset) -> tuple[tuple[AlertFiring, ...], list[str]]:
    """The refresh's alert evaluation (the desk's one home); a problem is a note."""
    run = alerts_after_refresh(default_session(), dataset)
    return run.firings, [run.note] if run.note else []


def _load(path: Path, loaded: Snapshot, macro_enabled: bool) -> tuple[Any, list[str]]:
    try:
        with warnings_mod.catch_warnings(record=True) as caught:
            warnings_mod.simplefilter("always")
            wb = load_workbook(io.BytesIO(loaded.data), keep_vba=macro_enabled, rich_text=True)
    except Exception as exc:  # openpyxl raises a zoo of types on damaged files
        raise DataError(f"{path} is damaged or not a workbook ({type(exc).__name__}: "
                        f"{' '.join(str(exc).split())[:120]}): nothing was changed; "
                        f"{_restore_hint(path)}") from None
    notes = [f"round trip: {w.message}" for w in caught
             if "extension is not supported" not in str(w.message)]
    missing = [s for s in REQUIRED_SHEETS if s not in wb.sheetnames]
    _check_sheets(path.name, missing)
    _check_layout_version(wb, path)
    return wb, notes


def _restore_hint(path: Path) -> str:
    """How to get a good workbook back: its backup only when one is really there."""
    rebuild = f"rebuild it with `rotation workbook build --out {path} --force`"
    backup = backup_path_for(path)
    if backup.is_file():
        return f"restore its backup {backup} or {rebuild}"
    return f"there is no backup {backup.name} beside it: {rebuild}"


def _check_sheets(name: str, missing: list[str]) -> None:
    if len(missing) == len(REQUIRED_SHEETS):
        raise InputError("workbook", f"{name} is not a Rotation Desk workbook "
                         f"(missing sheets {missing})")
    if missing:
        raise InputError("workbook", f"{name} is a Rotation Desk workbook missing sheets "
                         f"{missing} (deleted or renamed?): rename them back, or build a new "
                         "one (`rotation workbook build`) and copy your own sheets over")


def _check_layout_version(wb: Any, path: Path) -> None:
    name = wb.defined_names.get(lay.LAYOUT_NAME)
    version = str(name.attr_text).lstrip("=").strip() if name is not None else "none"
    if version != str(lay.LAYOUT_VERSION):
        raise InputError("workbook", f"{path.name} has workbook layout {version}, this version "
                         f"of Rotation Desk writes layout {lay.LAYOUT_VERSION}: build a new one "
                         "(`rotation workbook build`) and copy your own sheets over")


def _dropped_images(loaded: Snapshot) -> list[str]:
    try:
        # deferred: optional, probes whether Pillow is installed
        import PIL  # noqa: F401
    except ImportError:
        with zipfile.ZipFile(io.BytesIO(loaded.data)) as archive:
            media = [n for n in archive.namelist()
                     if n.startswith("xl/media/") and not n.endswith(".emf")]
        if media:
            return [f"{len(media)} picture(s) cannot be kept by the headless refresh without "
                    f"Pillow; the previous file is kept as the backup"]
    return []


STALE_TEMP_AGE_S = 3600.0
"""Temporary files of a save killed this long ago are removed by the next refresh."""


def remove_stale_temporaries(path: Path, now: float | None = None) -> list[Path]:
    """Delete ``.<name>.*.tmp`` files beside ``path`` left by a save killed over an hour ago."""
    cutoff = (now if now is not None else time.time()) - STALE_TEMP_AGE_S
    removed = []
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            continue
    return removed


MERGE_ATTEMPTS = 3
"""Times a refresh reloads a workbook the user saved meanwhile before it gives up."""


def _refresh_file(path: Path, dataset: MarketDataset, report: DailyReport | None,
                  params: Settings | None, refreshed_at: datetime,
                  keep_backup: bool, backtest: StrategySummary | None = None,
                  live: Mapping[str, Any] | None = None,
                  sweep: SweepSummary | None = None) -> RefreshResult:
    macro_enabled = path.suffix.lower() == ".xlsm"
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError("workbook", f"must be an .xlsx or .xlsm file (got {path.name})")
    if not path.is_file():
        raise InputError("workbook", f"{path} does not exist: build it first with "
                         "`rotation workbook build` or `rotation demo`")
    target_mode(path)  # a read-only workbook is refused before anything is written
    remove_stale_temporaries(path)
    fired: tuple[AlertFiring, ...] | None = None
    alert_notes: list[str] = []
    for _attempt in range(MERGE_ATTEMPTS):
        loaded = read_snapshot(path)
        wb, notes = _load(path, loaded, macro_enabled)
        notes.extend(_dropped_images(loaded))
        settings = params or settings_sheet.read_settings(wb[lay.SETTINGS], load_settings())
        # typed Journal rows go into the trade journal first (idempotent: a retry after a
        # concurrent save reads them once), so the plan's cool-down sees them
        notes.extend(journal_sync.sync_for_refresh(wb, dataset, settings, refreshed_at))
        # typed Alerts rows go into the alerts file (a retry finds them stored: no twin),
        # then the rules are evaluated once, whatever the retries: a crossing fires once
        synced = alerts_sheet.sync_typed(alerts_sheet.typed_rows_openpyxl(wb))
        notes.extend(synced.notes)
        if fired is None:
            fired, alert_notes = _evaluate_alerts(dataset)
        view = alerts_sheet.alerts_view(synced, dataset.as_of)
        this_report = _report_for(dataset, report, settings)
        symbol = wb[lay.SIZING]["B5"].value
        ctx = FillContext(dataset=dataset, report=this_report, settings=settings,
                          refreshed_at=refreshed_at,
                          sizing_symbol=str(symbol) if symbol is not None else "",
                          alerts=view, backtest=backtest, sweep=sweep, **(live or {}))
        notes.extend(build_mod.fill(wb, ctx))
        backup = backup_path_for(path) if keep_backup else None
        try:
            _commit(wb, path, loaded, backup, macro_enabled)
        except ChangedSinceLoad:
            continue  # the user saved meanwhile: reload their file and fill it again (merge)
        return _result(path, backup, ctx, notes + alert_notes, fired)
    raise DataError(f"{path} changed while it was being refreshed ({MERGE_ATTEMPTS} times: "
                    "is it open and saving?): left exactly as last saved; save and close it, "
                    "then refresh again")


def _commit(wb: Any, path: Path, loaded: Snapshot, backup: Path | None,
            macro_enabled: bool) -> None:
    """Save ``wb`` over ``path`` only if ``path`` is still the file loaded.

    The backup receives exactly the loaded bytes, so whatever this save replaces is kept.
    """

    def keep_previous(_tmp: Path) -> None:
        check_unchanged(path, loaded)
        if backup is not None:
            with atomic_path(backup) as backup_tmp:
                backup_tmp.write_bytes(loaded.data)

    build_mod.save(wb, path, macro_enabled=macro_enabled, before_commit=keep_previous,
                   before_replace=lambda: check_unchanged(path, loaded))


def settings_from_book(book: Any, fallback: Settings | None = None) -> Settings:
    """Settings typed on the Settings sheet of a workbook open in Excel (xlwings ``Book``)."""
    fallback = fallback or load_settings()
    first = settings_sheet.FIRST_ROW
    last = first + len(settings_sheet.FIELDS) - 1
    values = book.sheets[lay.SETTINGS].range(f"B{first}:B{last}").value
    if not isinstance(values, list):
        values = [values]
    return settings_sheet.settings_from_values(values, fallback)


def _refresh_open_book(book: Any, dataset: MarketDataset, report: DailyReport | None,
                       params: Settings | None, refreshed_at: datetime,
                       live: Mapping[str, Any] | None = None) -> RefreshResult:
    names = [s.name for s in book.sheets]
    _check_sheets(book.name, [s for s in REQUIRED_SHEETS if s not in names])
    settings = params or settings_from_book(book)
    # as the headless path: typed Journal rows go into the trade journal first (the plan's
    # cool-down sees them); refused rows stay in the sheet, flagged
    notes = journal_excel.sync_open_book(book, dataset, settings, refreshed_at)
    synced = alerts_sheet.sync_typed(alerts_sheet.typed_rows_xlwings(book))
    fired, alert_notes = _evaluate_alerts(dataset)  # typed rules stored first: evaluated too
    view = alerts_sheet.alerts_view(synced, dataset.as_of)
    report = _report_for(dataset, report, settings)
    symbol = book.sheets[lay.SIZING].range("B5").value
    ctx = FillContext(dataset=dataset, report=report, settings=settings,
                      refreshed_at=refreshed_at,
                      sizing_symbol=str(symbol) if symbol is not None else "", alerts=view,
                      **(live or {}))
    notes += write_blocks_xlwings(book, build_mod.collect_content(ctx))
    full_name = getattr(book, "fullname", None)
    return _result(Path(full_name) if full_name else None, None, ctx,
                   notes + list(synced.notes) + alert_notes, fired)
