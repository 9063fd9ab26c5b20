"""Alerts at the desk: the rules the user stored, evaluated on an observation of the market.

Every surface calls these (``rotation alerts``, ``rotation refresh``, the workbook refresh,
the app's refresh, ``rotation watch`` on live ticks), never the store or the core directly:

* :func:`evaluate_alerts` ``(session, observation) -> list[AlertFiring]`` -- the one
  evaluation; an :class:`Observation` carries prices by base, their time, and whether the
  data is demo / stale. The rest (positions, volatility, regime, divergence, correlation,
  funding, open risk) comes from the session.
* :func:`observation_from_dataset` -- the observation a refresh makes from its dataset.
* :func:`list_rules`, :func:`add_rule`, :func:`remove_rules`, :func:`history`.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rotation_addin.core.alert_eval import (
    AlertFiring,
    AlertInputs,
    AlertState,
    Evaluation,
    PositionView,
    evaluate,
)
from rotation_addin.core.alerts import ANY_SUBJECT, AlertRule, kind_spec, make_rule
from rotation_addin.core.constants import STALE_AFTER
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError, RotationError
from rotation_addin.core.rotation import PlanParameters, PositionBook
from rotation_addin.data.alert_store import AlertStore, alerts_path
from rotation_addin.data.universe_io import load_universe
from rotation_addin.desk.live_book import liquidation_prices
from rotation_addin.desk.market import ewma_daily_vol
from rotation_addin.desk.session import DeskSession

REPORT_KINDS = frozenset({"regime_change", "divergence_fomo", "divergence_accumulation",
                          "correlation_rise"})
"""Kinds that need the daily report (built only when one of them is stored)."""
UNKNOWN_SIGMA = 0.1
"""Daily sigma assumed for a position's stressed loss without a stop when its volatility is
unknown (the plan's own fallback in ``core.rules.held_exposure_items``)."""


@dataclass(frozen=True)
class Observation:
    """A moment of the market as a surface sees it.

    Attributes
    ----------
    as_of : datetime
        Time of the prices (UTC).
    prices_usd : Mapping[str, float]
        Latest price by base (``"RENDER"``).
    demo : bool
        The prices come from the demo (simulated) market: firings are labelled demo.
    stale : bool
        The prices are stale: only ``stale_data`` rules are evaluated.
    source : str
        Source label (``"binanceusdm"``, ``"cache"``, the demo label).
    funding_rates : Mapping[str, float] or None
        Funding rate by base, fraction per 8 h (None: the dataset's tickers).
    now : datetime or None
        The wall clock the age is measured against (None: now; the demo market's clock is
        its own, so a demo observation is never old).
    """

    as_of: datetime
    prices_usd: Mapping[str, float]
    demo: bool
    stale: bool
    source: str = ""
    funding_rates: Mapping[str, float] | None = None
    now: datetime | None = None

    def age_hours(self) -> float:
        """Hours between ``as_of`` and ``now`` (0 on demo data)."""
        if self.demo:
            return 0.0
        as_of = self.as_of if self.as_of.tzinfo else self.as_of.replace(tzinfo=UTC)
        return ((self.now or datetime.now(UTC)) - as_of).total_seconds() / 3600.0


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def observation_from_dataset(dataset: MarketDataset,
                             now: datetime | None = None) -> Observation:
    """The observation a refresh makes: mark prices of the tickers, else the last closes.

    Stale when the data is not the demo market's and older than ``STALE_AFTER`` (36 h).
    """
    prices: dict[str, float] = {}
    for base in dataset.close.columns:
        closes = dataset.close[base].dropna()
        if not closes.empty:
            prices[str(base)] = float(closes.iloc[-1])
    for base, ticker in dataset.tickers.items():
        if math.isfinite(ticker.mark_price_usd) and ticker.mark_price_usd > 0:
            prices[base] = ticker.mark_price_usd
    demo = dataset.is_demo
    as_of = _utc(dataset.as_of)
    stale = not demo and (now or datetime.now(UTC)) - as_of > STALE_AFTER
    return Observation(as_of, prices, demo, stale, dataset.source, None, now)


def _open_risk_usd(book: PositionBook, params: PlanParameters,
                   prices: Mapping[str, float], vols: Mapping[str, float]) -> float:
    """Stressed loss of the open positions: every stop hit (the plan's formula); a position
    without a stop loses a k-sigma move, Q x price x k x sigma x sqrt(h)."""
    total = 0.0
    for position in book.positions:
        loss = position.stop_out_loss_usd(position.quantity_base,
                                          taker_fee_rate=params.taker_fee_rate,
                                          stop_slippage_rate=params.stop_slippage_rate)
        if loss is None:
            price = prices.get(position.base, position.entry_price_usd)
            sigma = vols.get(position.base, UNKNOWN_SIGMA)
            loss = (position.quantity_base * price * params.vol_k_sigma * sigma
                    * math.sqrt(params.holding_days))
        total += loss
    return total


def _report_inputs(session: DeskSession, dataset: MarketDataset,
                   book: PositionBook) -> tuple[str | None, dict[str, float], float | None]:
    report = session.report(dataset=dataset, book=book)
    divergence = {s.sector: s.divergence for s in report.sectors if math.isfinite(s.divergence)}
    average = report.correlation.average_pairwise
    return report.regime.label, divergence, average if math.isfinite(average) else None


def alert_inputs(session: DeskSession, observation: Observation, rules: tuple[AlertRule, ...],
                 *, dataset: MarketDataset | None = None,
                 journal: Path | None = None) -> AlertInputs:
    """Everything ``rules`` read: the observation's prices plus the session's positions,
    volatility, report figures, funding and open risk (only what some rule needs)."""
    data = dataset if dataset is not None else session.dataset()
    book = session.book()
    kinds = {r.kind for r in rules}
    liquidations = liquidation_prices(journal) if "liquidation_near" in kinds else {}
    positions = tuple(PositionView(p.base, p.side, p.entry_price_usd, p.stop_price_usd,
                                   p.take_profit_price_usd, liquidations.get(p.base))
                      for p in book.positions)
    watched = {p.base for p in book.positions} | {r.subject for r in rules}
    vols = {b: s for b in watched if (s := ewma_daily_vol(data, b)) is not None}
    regime, divergence, average = (_report_inputs(session, data, book)
                                   if kinds & REPORT_KINDS else (None, {}, None))
    funding = observation.funding_rates
    if funding is None:
        funding = {b: t.funding_rate for b, t in data.tickers.items()}
    params = session.plan_parameters()
    risk = _open_risk_usd(book, params, observation.prices_usd, vols) \
        if "risk_cap_near" in kinds else None
    return AlertInputs(
        as_of=_utc(observation.as_of), source=observation.source or data.source,
        demo=observation.demo, stale=observation.stale, age_hours=observation.age_hours(),
        prices_usd=observation.prices_usd, daily_vol=vols, positions=positions,
        regime_label=regime, sector_divergence=divergence, average_correlation=average,
        funding_rates=funding, open_risk_usd=risk, risk_cap_usd=params.portfolio_risk_cap_usd)


def evaluate_alerts(session: DeskSession, observation: Observation, *,
                    dataset: MarketDataset | None = None, path: Path | None = None,
                    journal: Path | None = None) -> list[AlertFiring]:
    """Evaluate every stored rule on ``observation``; store and return the new firings.

    Reading the states, evaluating and writing the firings and states is one transaction
    of the alerts file, so a crossing fires once even when two processes evaluate at once.
    No alerts file (no rule ever added): nothing to evaluate, nothing created.
    """
    target = path if path is not None else alerts_path()
    if not target.exists():
        return []

    def compute(rules: tuple[AlertRule, ...],
                states: dict[tuple[int, str], AlertState]) -> Evaluation:
        if not rules:
            return Evaluation((), states)
        inputs = alert_inputs(session, observation, rules, dataset=dataset, journal=journal)
        return evaluate(rules, states, inputs)

    with AlertStore(target) as store:
        return list(store.evaluate(observation.demo, compute))


def has_rules(path: Path | None = None) -> bool:
    """Whether any rule is stored (a refresh skips the evaluation, and its loading, if not)."""
    return bool(list_rules(path))


def list_rules(path: Path | None = None) -> tuple[AlertRule, ...]:
    """The active rules (none when there is no alerts file)."""
    target = path if path is not None else alerts_path()
    if not target.exists():
        return ()
    with AlertStore(target) as store:
        return store.rules()


def add_rule(kind: object, subject: object = "", threshold: object = None, *,
             unit: object = None, hysteresis: object = None, note: object = "",
             path: Path | None = None) -> AlertRule:
    """Validate (one :class:`InputError` naming the field) and store one rule; a symbol or
    sector subject must be one of the universe's (``universe.toml``): a typo would never
    fire."""
    rule = make_rule(kind, subject, threshold, unit=unit, hysteresis=hysteresis, note=note)
    _known_subject(rule)
    with AlertStore(path) as store:
        return store.add([rule])[0]


def _known_subject(rule: AlertRule) -> None:
    spec = kind_spec(rule.kind)
    if spec.subject == "none" or rule.subject == ANY_SUBJECT:
        return
    universe = load_universe()
    known = universe.bases if spec.subject == "symbol" else tuple(universe.sectors)
    if rule.subject not in known:
        star = " or '*'" if spec.any_subject else ""
        raise InputError("subject", f"must be one of the universe's {spec.subject}s "
                         f"({', '.join(known)}){star} (got {rule.subject!r})")


def remove_rules(rule_ids: list[int], path: Path | None = None) -> tuple[int, ...]:
    """Remove the rules ``rule_ids`` (their firings stay in the history).

    Raises
    ------
    InputError
        ``rule_id`` names no active rule.
    """
    active = {r.rule_id for r in list_rules(path)}
    unknown = [r for r in rule_ids if r not in active]
    if unknown:
        listed = ", ".join(str(r) for r in sorted(active)) or "none"
        raise InputError("rule_id", f"must be the id of an active rule (active: {listed}; "
                                    f"got {unknown[0]})")
    with AlertStore(path) as store:
        return store.remove(rule_ids)


def history(limit: int | None = None, path: Path | None = None) -> tuple[AlertFiring, ...]:
    """The firing history, oldest first (``limit``: the most recent ones)."""
    target = path if path is not None else alerts_path()
    if not target.exists():
        return ()
    with AlertStore(target) as store:
        return store.history(limit)


@dataclass(frozen=True)
class RefreshAlerts:
    """What the alerts said after a refresh: new firings, or why they were not evaluated."""

    firings: tuple[AlertFiring, ...]
    note: str = ""


def alerts_after_refresh(session: DeskSession, dataset: MarketDataset, *,
                         now: datetime | None = None, path: Path | None = None,
                         journal: Path | None = None) -> RefreshAlerts:
    """Evaluate the stored rules on a refreshed dataset -- the one call every refresh makes
    (``rotation refresh``, the workbook refresh, the app's refresh).

    A problem with the alerts (a broken alerts file, a bad settings value) never fails the
    refresh: it comes back as ``note``, one line.
    """
    try:
        firings = evaluate_alerts(session, observation_from_dataset(dataset, now),
                                  dataset=dataset, path=path, journal=journal)
    except (RotationError, sqlite3.Error, OSError) as error:
        return RefreshAlerts((), f"alerts not evaluated: {error}")
    return RefreshAlerts(tuple(firings))


def firing_line(firing: AlertFiring) -> str:
    """One line for a terminal or a notification: ``[demo (simulated)] #3 price_above ...``."""
    return (f"[{firing.label}] alert #{firing.rule_id} {firing.kind} "
            f"{firing.fired_at:%Y-%m-%d %H:%M} UTC: {firing.message}")
