"""Qt-free work the app runs on its worker thread: load, refresh, report, export.

Every function takes ``progress`` (a callable ``progress(done, total, detail)``) and ``cancel``
(a ``threading.Event``) so the window can show progress and stop the work.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from gui.report_frames import build_frames, compute_report
from gui.workers import CancelledByUserError
from rotation_addin.data.refresh import refresh_exchange
from rotation_addin.data.settings import Settings
from rotation_addin.data.universe_io import load_universe
from rotation_addin.desk.alerts import alerts_after_refresh
from rotation_addin.desk.session import default_session
from workbook.build import build_workbook, default_path
from workbook.refresh import refresh_workbook
from workbook.sheets.settings_sheet import read_settings_file

if TYPE_CHECKING:  # pandas-heavy modules, loaded on the worker thread after the first paint
    from gui.report_frames import ViewFrames
    from rotation_addin.core.alert_eval import AlertFiring
    from rotation_addin.core.dataset import MarketDataset
    from rotation_addin.core.report import DailyReport
    from rotation_addin.data.refresh import RefreshSummary
    from rotation_addin.desk.alerts import RefreshAlerts

ProgressFn = Callable[..., None]


@dataclass(frozen=True)
class Snapshot:
    """What the window shows: the dataset, the day's report and the tables built from it."""

    dataset: MarketDataset
    report: DailyReport
    frames: ViewFrames
    summary_text: str = ""
    alerts: tuple[AlertFiring, ...] = ()
    """Alert firings of this load / refresh (``desk.alerts.alerts_after_refresh``)."""


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledByUserError()


def _stage(progress: ProgressFn | None, detail: str) -> None:
    if progress is not None:
        stage = getattr(progress, "stage", None)
        if stage is not None:
            stage(detail)
        else:
            progress(0, 0, detail)


def build_snapshot(
    dataset: MarketDataset,
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    summary_text: str = "",
) -> Snapshot:
    """Compute the daily report for ``dataset`` and the tables every tab shows."""
    _check(cancel)
    _stage(progress, "computing the daily report")
    report = compute_report(dataset, settings)
    _check(cancel)
    frames = build_frames(dataset, report)
    fired = _alerts(dataset)
    if fired.note:
        summary_text = " · ".join(t for t in (summary_text, fired.note) if t)
    elif fired.firings:
        summary_text = " · ".join(t for t in (summary_text, f"{len(fired.firings)} alert(s) "
                                              "fired") if t)
    return Snapshot(dataset=dataset, report=report, frames=frames, summary_text=summary_text,
                    alerts=fired.firings)


def _alerts(dataset: MarketDataset) -> RefreshAlerts:
    """The stored alert rules evaluated on the loaded / refreshed data (the desk's one home)."""
    return alerts_after_refresh(default_session(), dataset)


def load_snapshot(
    settings: Settings,
    source: str,
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Snapshot:
    """Load ``source`` (``"demo"`` or ``"cache"``) through the desk session, build the snapshot."""
    _stage(progress, f"loading {source} data")
    dataset = default_session().dataset(source, settings.exchange_id)
    return build_snapshot(dataset, settings, progress=progress, cancel=cancel)


def refresh_snapshot(
    settings: Settings,
    *,
    api_base_url: str | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    history_days: dict[str, int] | None = None,
) -> Snapshot:
    """Refresh the cache from the exchange, then load the cache and build the snapshot.

    ``api_base_url`` (or the setting ``exchange_api_url``) redirects the exchange's REST host;
    tests point it at the loopback emulator.
    """
    universe = load_universe()
    base_url = api_base_url or (settings.exchange_api_url or None)
    try:
        summary = refresh_exchange(
            universe,
            exchange_id=settings.exchange_id,
            api_base_url=base_url,
            progress=progress,
            cancel=cancel,
            history_days=history_days,
        )
    except asyncio.CancelledError:
        raise CancelledByUserError() from None
    _check(cancel)
    text = describe_refresh(summary)
    # the session sees the new cache run (the file changed) and loads it
    dataset = default_session().dataset("cache", settings.exchange_id)
    return build_snapshot(dataset, settings, progress=progress, cancel=cancel, summary_text=text)


def describe_refresh(summary: RefreshSummary) -> str:
    """One line: symbols updated, failures, candles written, weight used, seconds."""
    ok = len(summary.symbols_ok)
    requested = len(summary.symbols_requested)
    failures = len(summary.failures)
    unlisted = len(summary.unlisted)
    parts = [
        f"Refreshed {ok}/{requested} symbols",
        f"{summary.candles_written:,} candles",
        f"weight {summary.weight_used:,}",
        f"{summary.duration_s:.1f} s",
    ]
    if failures:
        parts.append(f"{failures} failed")
    if unlisted:
        parts.append(f"{unlisted} not listed")
    return " · ".join(parts)


def default_workbook_path() -> Path:
    """The workbook the app exports to: ``workbook.build.default_path()`` (the .xlsx)."""
    return default_path(macro_enabled=False)


@dataclass(frozen=True)
class ExportedWorkbook:
    """Where the app wrote the workbook, and what it says about whose settings it used."""

    path: Path
    note: str = ""
    """Non-empty when the workbook's Settings sheet differs from the app's settings: its
    figures then follow the sheet (its yellow cells are the user's), and the note says so."""


def export_workbook(snapshot: Snapshot, settings: Settings,
                    path: Path | None = None) -> ExportedWorkbook:
    """Write the workbook through ``workbook.refresh.refresh_workbook`` (the Excel button's path).

    A missing workbook is first created empty with ``workbook.build.build_workbook``; the data
    then always goes in through the same refresh the Excel button runs, with the report the
    app already computed -- unless the workbook's Settings sheet says otherwise than the app
    (equity, risk...): the sheet promises "refresh reads them on every run", so the refresh
    then plans on the sheet, and the note names what differs (the app's figures would sit
    beside a sheet that contradicts them).
    """
    target = Path(path) if path is not None else default_workbook_path()
    if not target.exists():
        build_workbook(target, params=settings)
    differ = _sheet_differences(target, settings)
    if differ:
        result = refresh_workbook(target, snapshot.dataset)
        note = (f"its figures follow its own Settings sheet, which differs from the app's "
                f"settings: {', '.join(differ)}")
    else:
        result = refresh_workbook(target, snapshot.dataset, report=snapshot.report,
                                  params=settings)
        note = ""
    return ExportedWorkbook(result.path if result.path is not None else target, note)


def _sheet_differences(target: Path, settings: Settings) -> list[str]:
    """``name sheet-value (app app-value)`` for each setting the workbook's Settings sheet
    holds otherwise than ``settings`` (empty cells read as ``settings``); none when the sheet
    cannot be read here (the refresh then says why in its own words)."""
    try:
        sheet = read_settings_file(target, settings)
    except Exception:  # damaged, not ours, a bad cell: the refresh refuses it in its words
        return []
    return [f"{f.name} {getattr(sheet, f.name)!r} (app {getattr(settings, f.name)!r})"
            for f in fields(Settings) if getattr(sheet, f.name) != getattr(settings, f.name)]
