"""What one build or refresh writes from: dataset, daily report, settings, clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from rotation_addin.core.alert_eval import AlertFiring
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.orders import MarketSnapshot
from rotation_addin.core.report import DailyReport, market_snapshot
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_report import StrategySummary
from rotation_addin.data.settings import Settings

if TYPE_CHECKING:
    from rotation_addin.desk.backtest import SweepSummary

Rows = list[list[object]]


@dataclass(frozen=True)
class AlertsView:
    """What the Alerts sheet and the Dashboard's alert flags show.

    Attributes
    ----------
    rule_rows : tuple[tuple[object, ...], ...]
        The rule table as written back (flagged rows first, then the active rules).
    fired : tuple[AlertFiring, ...]
        Firings on the data shown (stamped with its time): this refresh's, and those an
        earlier refresh or ``rotation refresh`` made on the same data.
    history : tuple[AlertFiring, ...]
        The most recent firings, newest first.
    active_rules : int
        Rules in force.
    """

    rule_rows: tuple[tuple[object, ...], ...] = ()
    fired: tuple[AlertFiring, ...] = ()
    history: tuple[AlertFiring, ...] = ()
    active_rules: int = 0


@dataclass(frozen=True)
class FillContext:
    """Inputs of the owned-range content.

    Attributes
    ----------
    dataset : MarketDataset
        Market data (its ``source`` label is shown on every sheet).
    report : DailyReport
        The engine's daily report computed from ``dataset``.
    settings : Settings
        Risk parameters used.
    refreshed_at : datetime
        UTC time of this refresh.
    sizing_symbol : str
        Base typed on the Sizing sheet (its market reference is filled).
    alerts : AlertsView
        The Alerts sheet's rules and firings (empty: no alerts read).
    venues : tuple[str, ...]
        Live venues (ccxt ids) the Platforms sheet also prices (fetched during the refresh).
    venue_api_urls : Mapping[str, str]
        Venue -> REST base URL override (the loopback emulators in tests).
    venue_quarterlies : bool
        The live venues' dated contracts are candidate instruments too.
    backtest : StrategySummary, optional
        A whole-strategy backtest of ``dataset`` to write on the Backtest sheet (None: the
        sheet keeps what it holds).
    sweep : SweepSummary, optional
        The parameter sweep run with that backtest (``rotation_addin.desk.backtest``), on
        the same sheet.
    """

    dataset: MarketDataset
    report: DailyReport
    settings: Settings
    refreshed_at: datetime
    sizing_symbol: str = ""
    alerts: AlertsView = field(default_factory=AlertsView)
    venues: tuple[str, ...] = ()
    venue_api_urls: Mapping[str, str] = field(default_factory=dict)
    venue_quarterlies: bool = False
    backtest: StrategySummary | None = None
    sweep: SweepSummary | None = None


def utc_text(moment: datetime) -> str:
    """``2026-11-24 00:00 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def banner_text(ctx: FillContext) -> str:
    """The row-2 banner every data sheet carries."""
    source = ctx.dataset.source
    prefix = "DEMO DATA: " if ctx.dataset.is_demo else "Data: "
    return (f"{prefix}{source} · as of {utc_text(ctx.dataset.as_of)} · "
            f"refreshed {utc_text(ctx.refreshed_at)}")


def snapshot(dataset: MarketDataset, base: str, settings: Settings) -> MarketSnapshot | None:
    """The engine's market snapshot (price, ATR, EWMA vol, contract) of ``base``."""
    return market_snapshot(dataset=dataset, base=base,
                           params=PlanParameters.from_settings(settings))
