"""The daily report: regime, sector table, correlation picture and the rebalance plan.

:func:`daily_report` is the ONE call every surface (workbook, UDFs, GUI, CLI) makes to answer
"where is money flowing, what should I hold, and what do I change today?". Pure: a
:class:`~rotation_addin.core.dataset.MarketDataset`, the user's positions and a
:class:`~rotation_addin.core.rotation.PlanParameters` in, a frozen :class:`DailyReport` out.

How the plan is built (each step in its own module):

1. regime on the last candle's day (``regime.regime_verdict``); risk-off gates new alt longs;
2. sector scores from BTC-relative momentum, volume trend and divergence (``scores``);
3. targets: the top sector(s) long through their best member, the most over-extended sector
   short at half risk (``rotation.select_targets``);
4. closes: take-profits hit (price or k x ATR), longs in FOMO sectors, positions against a
   sector's opposite-side target; the freed budget goes to the best sector with rising
   volume and non-negative divergence (``rotation.reallocation_target``);
5. opens and top-ups sized by the risk engine, stops m x ATR away and inside the
   liquidation price (``orders``);
6. discipline rules, then the stressed-exposure cap with correlation 1 (``rules``).
Every order carries its reason; everything refused is listed with its rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.correlation import (
    CorrelationDecayAlert,
    HedgePair,
    StressCorrelation,
    average_pairwise_correlation,
    correlation_decay_alert,
    correlation_matrix,
    natural_hedges,
    sector_betas,
    stress_correlation,
)
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.divergence import divergence
from rotation_addin.core.errors import InputError, TradeRefused
from rotation_addin.core.frames import drop_columns
from rotation_addin.core.orders import (
    ACTION_CLOSE,
    MarketSnapshot,
    RebalanceOrder,
    Refusal,
    close_order,
    increase_order,
    open_order,
    refusal_from_error,
)
from rotation_addin.core.regime import RegimeVerdict, regime_verdict
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.rotation import (
    ROLE_REALLOCATION,
    ClosedTrade,
    MemberStats,
    PlanParameters,
    Position,
    PositionBook,
    TakeProfitHit,
    Target,
    reallocation_target,
    select_targets,
    take_profit_hits,
)
from rotation_addin.core.rules import apply_discipline, enforce_portfolio_risk_cap
from rotation_addin.core.scores import (
    FLAG_FOMO,
    FLAG_OVER_EXTENDED,
    SectorScore,
    rank_sectors,
    sector_inputs,
)
from rotation_addin.core.types import Side
from rotation_addin.core.universe import Universe
from rotation_addin.core.volatility import HISTORY_DAYS, average_true_range, ewma_vol

__all__ = [
    "ClosedTrade",
    "CorrelationPicture",
    "DailyReport",
    "PlanParameters",
    "Position",
    "PositionBook",
    "RebalancePlan",
    "build_plan",
    "candle_snapshot",
    "correlation_picture",
    "daily_report",
    "market_regime",
    "market_snapshot",
    "member_stats",
]

BETA_WINDOW_DAYS = 90
MEMBER_LIQUIDITY_DAYS = 30
MEMBER_MOMENTUM_DAYS = 7
HEDGE_THRESHOLD = -0.2
DECAY_BASELINE_DAYS = 90
DIVERGENCE_RECENT_DAYS = 30
"""Days of divergence D the report computes (scores read each base's latest D only)."""
VOL_HISTORY_DAYS = HISTORY_DAYS
"""Candles used for ATR and EWMA volatility (``core.volatility.HISTORY_DAYS``, 180)."""


@dataclass(frozen=True)
class CorrelationPicture:
    """How the sectors move together, and how much of it is just BTC.

    Attributes
    ----------
    window_days : int
        Window of the matrices.
    sector_matrix_usd, sector_matrix_relative : pd.DataFrame
        Pearson correlation of the sector indices' daily log returns, in USD and BTC-relative.
    betas : pd.DataFrame
        Per sector (index): ``beta`` to BTC and ``r_squared`` (BTC-explained share), over
        the last 90 days of USD returns.
    stress : StressCorrelation | None
        Normal vs stress-day correlation (BTC's worst decile), bias-adjusted, co-crash rate.
    natural_hedges_usd, natural_hedges_relative : tuple[HedgePair, ...]
        Sector pairs with correlation < -0.2.
    average_pairwise : float
        Latest average pairwise rolling correlation of the sector indices (USD).
    decay_alert : CorrelationDecayAlert | None
        Latest value against its 90-day mean.
    warnings : tuple[str, ...]
        What could not be computed and why.
    """

    window_days: int
    sector_matrix_usd: pd.DataFrame
    sector_matrix_relative: pd.DataFrame
    betas: pd.DataFrame
    stress: StressCorrelation | None
    natural_hedges_usd: tuple[HedgePair, ...]
    natural_hedges_relative: tuple[HedgePair, ...]
    average_pairwise: float
    decay_alert: CorrelationDecayAlert | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class RebalancePlan:
    """Orders from the current positions to the targets, and everything that was refused.

    Attributes
    ----------
    orders : tuple[RebalanceOrder, ...]
        Closes and reductions first, then opens by conviction.
    refusals : tuple[Refusal, ...]
        Every order a rule stopped, with the rule's name.
    targets : tuple[Target, ...]
        What the plan wanted to hold, conviction order.
    take_profit_hits : tuple[TakeProfitHit, ...]
        Positions whose take-profit was reached.
    stressed_loss_usd : float
        Sum of every stop-out loss after the plan (correlation 1).
    stressed_loss_before_usd : float
        The same before the portfolio cap scaled anything.
    portfolio_risk_cap_usd : float
        The cap it must fit.
    notes : tuple[str, ...]
        Plain-language notes (regime gate, holds, over-extended sectors...).
    """

    orders: tuple[RebalanceOrder, ...]
    refusals: tuple[Refusal, ...]
    targets: tuple[Target, ...]
    take_profit_hits: tuple[TakeProfitHit, ...]
    stressed_loss_usd: float
    stressed_loss_before_usd: float
    portfolio_risk_cap_usd: float
    notes: tuple[str, ...]


@dataclass(frozen=True)
class DailyReport:
    """Everything a surface shows for one day, from one dataset.

    Attributes
    ----------
    source : str
        Data source label (``"demo (simulated)"``...), shown on every output.
    as_of : datetime
        Close time of the last daily candle used (UTC).
    regime : RegimeVerdict
        Macro verdict with one reason per input.
    sectors : tuple[SectorScore, ...]
        Sector table, rank order.
    correlation : CorrelationPicture
        Correlation picture.
    plan : RebalancePlan
        Orders and refusals.
    parameters : PlanParameters
        The parameters used.
    missing_symbols : tuple[str, ...]
        Universe members the source does not list.
    warnings : tuple[str, ...]
        Data gaps and other caveats.
    """

    source: str
    as_of: datetime
    regime: RegimeVerdict
    sectors: tuple[SectorScore, ...]
    correlation: CorrelationPicture
    plan: RebalancePlan
    parameters: PlanParameters
    missing_symbols: tuple[str, ...]
    warnings: tuple[str, ...]


def _as_book(positions: PositionBook | Sequence[Position] | None) -> PositionBook:
    if positions is None:
        return PositionBook()
    if isinstance(positions, PositionBook):
        return positions
    if isinstance(positions, Sequence) and all(isinstance(p, Position) for p in positions):
        return PositionBook(positions=tuple(positions))
    raise InputError("positions", "must be a PositionBook or a list of Position "
                     f"(got {type(positions).__name__})")


def _sector_returns(returns: pd.DataFrame, universe: Universe) -> pd.DataFrame:
    """USD sector index returns of the trading sectors, with BTC's own return beside them."""
    index = sector_index_returns(drop_columns(returns, [universe.benchmark]), universe)
    trading = [s for s in universe.trading_sectors() if s in index.columns]
    frame = index[trading].copy()
    frame[universe.benchmark] = returns[universe.benchmark]
    return frame


def correlation_picture(
    returns: pd.DataFrame, universe: Universe, window_days: int
) -> CorrelationPicture:
    """Build the :class:`CorrelationPicture` from daily USD log returns by base."""
    warnings: list[str] = []
    sectors_usd = _sector_returns(returns, universe)
    trading = [c for c in sectors_usd.columns if c != universe.benchmark]
    relative = relative_returns(sectors_usd, universe.benchmark)
    minimum = max(2, min(10, window_days // 2))
    usd_matrix = correlation_matrix(sectors_usd[trading], window_days, min_observations=minimum)
    rel_matrix = correlation_matrix(relative[trading], window_days, min_observations=minimum)
    betas_all = sector_betas(returns.iloc[-BETA_WINDOW_DAYS:], universe, assets=False,
                             min_observations=min(30, max(3, len(returns) // 3)))
    is_trading_sector = (betas_all["kind"] == "sector") & betas_all.index.isin(trading)
    betas = betas_all[is_trading_sector][["beta", "r_squared"]]
    stress: StressCorrelation | None = None
    try:
        stress = stress_correlation(sectors_usd, universe.benchmark,
                                    pairs=[(s, universe.benchmark) for s in trading])
        warnings.extend(stress.warnings)
    except InputError as error:
        warnings.append(f"stress correlation not computed: {error}")
    average = average_pairwise_correlation(sectors_usd[trading], window_days) \
        if len(trading) >= 2 else pd.Series(dtype=float)
    latest = float(average.dropna().iloc[-1]) if average.notna().any() else math.nan
    alert: CorrelationDecayAlert | None = None
    try:
        alert = correlation_decay_alert(average, baseline_days=DECAY_BASELINE_DAYS)
    except InputError as error:
        warnings.append(f"correlation decay alert not computed: {error}")
    return CorrelationPicture(
        window_days=window_days, sector_matrix_usd=usd_matrix, sector_matrix_relative=rel_matrix,
        betas=betas, stress=stress,
        natural_hedges_usd=tuple(natural_hedges(usd_matrix, HEDGE_THRESHOLD)),
        natural_hedges_relative=tuple(natural_hedges(rel_matrix, HEDGE_THRESHOLD)),
        average_pairwise=latest, decay_alert=alert, warnings=tuple(warnings),
    )


def member_stats(dataset: MarketDataset, relative: pd.DataFrame) -> dict[str, list[MemberStats]]:
    """Per trading sector: each member's 7-day BTC-relative momentum and 30-day USD volume."""
    momentum = relative.iloc[-MEMBER_MOMENTUM_DAYS:].sum(axis=0, min_count=MEMBER_MOMENTUM_DAYS)
    liquidity = dataset.volume_usd.iloc[-MEMBER_LIQUIDITY_DAYS:].mean(axis=0)
    stats: dict[str, list[MemberStats]] = {}
    for sector in dataset.universe.trading_sectors():
        stats[sector] = [
            MemberStats(base, float(momentum.get(base, math.nan)),
                        float(liquidity.get(base, math.nan)))
            for base in dataset.universe.sectors[sector] if base in relative.columns
        ]
    return stats


def market_snapshot(
    dataset: MarketDataset, base: str, params: PlanParameters
) -> MarketSnapshot | None:
    """Today's price, ATR, daily volatility and contract rules of ``base`` (None if no data)."""
    if base not in dataset.close.columns:
        return None
    close = dataset.close[base].dropna()
    if close.empty:
        return None
    ticker = dataset.tickers.get(base)
    price = float(close.iloc[-1])
    if ticker is not None and math.isfinite(ticker.mark_price_usd) and ticker.mark_price_usd > 0:
        price = ticker.mark_price_usd
    arrays = _candle_arrays(dataset, base)
    if arrays is not None:
        atr, vol = _atr_and_vol_of(arrays, close.to_numpy(dtype=float), params.atr_window_days)
    else:
        atr, vol = _atr_and_vol(dataset, base, close, params.atr_window_days)
    return _snapshot(dataset, base, price, atr, vol)


def candle_snapshot(dataset: MarketDataset, base: str, high: np.ndarray, low: np.ndarray,
                    close: np.ndarray, params: PlanParameters) -> MarketSnapshot | None:
    """:func:`market_snapshot` of ``base`` when its candles are given as arrays on one
    calendar (oldest first; the backtest's trailing window) and there is no live ticker:
    the same figures from the same functions, without building the frames."""
    closes = close[~np.isnan(close)]  # Series.dropna()
    if closes.size == 0:
        return None
    keep = np.isfinite(high) & np.isfinite(low) & np.isfinite(close)
    arrays = (high[keep][-VOL_HISTORY_DAYS:], low[keep][-VOL_HISTORY_DAYS:],
              close[keep][-VOL_HISTORY_DAYS:])
    atr, vol = _atr_and_vol_of(arrays, closes, params.atr_window_days)
    return _snapshot(dataset, base, float(closes[-1]), atr, vol)


def _snapshot(dataset: MarketDataset, base: str, price: float, atr: float,
              vol: float) -> MarketSnapshot:
    try:
        sector = dataset.universe.sector_of(base)
    except InputError:
        sector = "unknown"
    return MarketSnapshot(
        base=base, symbol=dataset.universe.symbol_for(base), sector=sector, price_usd=price,
        atr_usd=atr, daily_vol=vol, contract=dataset.contracts.get(base),
        brackets=dataset.brackets.get(base) or default_bracket_table(base),  # cached tiers first
    )


def _candle_arrays(dataset: MarketDataset, base: str) -> tuple[np.ndarray, ...] | None:
    """High, low, close of ``base`` on the rows where all three exist (last 180), or None
    when the frames do not share the close's calendar (then pandas aligns them)."""
    high, low = dataset.high.get(base), dataset.low.get(base)
    if high is None or low is None:
        return None
    index = dataset.close.index
    if not (high.index is index or high.index.equals(index)) or \
            not (low.index is index or low.index.equals(index)):
        return None
    arrays = [np.asarray(x, dtype=float) for x in (high, low, dataset.close[base])]
    keep = np.isfinite(arrays[0]) & np.isfinite(arrays[1]) & np.isfinite(arrays[2])
    return tuple(a[keep][-VOL_HISTORY_DAYS:] for a in arrays)


def _atr_and_vol_of(candles: tuple[np.ndarray, ...], close: np.ndarray,
                    window: int) -> tuple[float, float]:
    """Wilder ATR of the complete candles (high, low, close; last 180) and EWMA daily
    volatility of the last 180 closes (NaN, NaN if too few)."""
    try:
        atr = average_true_range(candles[0], candles[1], candles[2], window=window)
        vol = ewma_vol(close[-VOL_HISTORY_DAYS:])
    except (InputError, IndexError):
        return math.nan, math.nan
    return atr, vol


def _atr_and_vol(dataset: MarketDataset, base: str, close: pd.Series,
                 window: int) -> tuple[float, float]:
    """Wilder ATR and EWMA daily volatility over the last 180 complete candles (NaN if too
    few), pandas aligning candles that do not share the close's calendar."""
    try:
        candles = pd.concat(
            [dataset.high.get(base), dataset.low.get(base), dataset.close[base]], axis=1
        ).dropna().iloc[-VOL_HISTORY_DAYS:]
        atr = average_true_range(candles.iloc[:, 0], candles.iloc[:, 1],
                                 candles.iloc[:, 2], window=window)
        vol = ewma_vol(close.iloc[-VOL_HISTORY_DAYS:].to_numpy(dtype=float))
    except (InputError, IndexError):
        return math.nan, math.nan
    return atr, vol


def market_regime(dataset: MarketDataset, params: PlanParameters | None = None) -> RegimeVerdict:
    """Regime verdict for the dataset's last daily candle (macro data after it is ignored).

    Without any macro rows every input votes 0 with the reason "no data" (label neutral).
    """
    params = params or PlanParameters()
    day = pd.Timestamp(dataset.close.index[-1])
    macro = dataset.macro
    if macro.shape[0] == 0:
        macro = pd.DataFrame(index=pd.DatetimeIndex([day], name="date"))
    return regime_verdict(macro, as_of=day, rotation_in_risk_off=params.rotation_in_risk_off)


def daily_report(
    dataset: MarketDataset,
    positions: PositionBook | Sequence[Position] | None = None,
    params: PlanParameters | None = None,
) -> DailyReport:
    """Regime, sector table, correlation picture and rebalance plan for the dataset's last day.

    Parameters
    ----------
    dataset : MarketDataset
        Daily candles (with the benchmark), macro and sentiment series, contracts.
    positions : PositionBook or sequence of Position, optional
        Current positions and the trade journal (closed trades drive the cool-down rule).
    params : PlanParameters, optional
        Defaults to ``PlanParameters()``; build it from user settings with
        ``PlanParameters.from_settings(settings)``.

    Returns
    -------
    DailyReport
        Everything labelled with ``dataset.source`` and ``dataset.as_of``. Orders are a
        proposal: nothing is sent anywhere.
    """
    if not isinstance(dataset, MarketDataset):
        raise InputError("dataset", f"must be a MarketDataset (got {type(dataset).__name__})")
    params = params or PlanParameters()
    if not isinstance(params, PlanParameters):
        raise InputError("params", f"must be PlanParameters (got {type(params).__name__})")
    book = _as_book(positions)
    universe = dataset.universe
    warnings: list[str] = list(dataset.warnings)  # the loader's data-quality notes come first
    if dataset.missing_symbols:
        warnings.append("not listed by the source: " + ", ".join(dataset.missing_symbols))
    regime = market_regime(dataset, params)
    warnings.extend(regime.warnings)
    returns = log_returns(dataset.close)
    relative = relative_returns(returns, universe.benchmark)
    picture = correlation_picture(returns, universe, params.correlation_window_days)
    warnings.extend(picture.warnings)
    d_frame = _divergence_frame(dataset, warnings)
    betas = {str(k): (float(r["beta"]), float(r["r_squared"]))
             for k, r in picture.betas.iterrows()}
    scores = rank_sectors(
        sector_inputs(dataset, divergence=d_frame, betas=betas), weights=params.weights,
        theta=params.theta, rotation_enabled=bool(regime.rotation_enabled),
    )
    members = member_stats(dataset, relative)
    plan = build_plan(
        dataset, book, scores, members, params,
        rotation_enabled=bool(regime.rotation_enabled),
    )
    return DailyReport(
        source=dataset.source, as_of=dataset.as_of, regime=regime, sectors=scores,
        correlation=picture, plan=plan, parameters=params,
        missing_symbols=tuple(dataset.missing_symbols), warnings=tuple(warnings),
    )


def _divergence_frame(dataset: MarketDataset, warnings: list[str]) -> pd.DataFrame | None:
    social, chain = dataset.social_volume, dataset.onchain_activity
    if social.empty or chain.empty:
        warnings.append("no sentiment data: divergence left out of the scores")
        return None
    try:
        return _latest_divergence(social, chain)
    except InputError as error:
        warnings.append(f"divergence not computed: {error}")
        return None


def _latest_divergence(social: pd.DataFrame, chain: pd.DataFrame) -> pd.DataFrame:
    """D by base, exact on the recent days the scores read (each base's last finite D).

    Only the last :data:`DIVERGENCE_RECENT_DAYS` are computed (the same values as the full
    history's, see ``divergence``); a base without a D in them gets its whole history, so
    ``ffill().iloc[-1]`` is the full computation's for every base.
    """
    recent = pd.DataFrame(divergence(social, chain, last_days=DIVERGENCE_RECENT_DAYS)
                          ["divergence"])
    stale = [str(c) for c, seen in zip(recent.columns, np.isfinite(recent.to_numpy()).any(0),
                                       strict=True) if not seen]
    if not stale:
        return recent
    history = pd.DataFrame(divergence(social[stale], chain[stale])["divergence"])
    fresh = recent[[c for c in recent.columns if c not in set(stale)]]
    return pd.concat([history, fresh], axis=1)[list(recent.columns)]


def _stop_crossed_reason(position: Position, price_usd: float) -> str | None:
    """A position whose price is at or beyond its stop has been stopped out: close it.

    Left open, its stressed loss would still be counted from the stop, which the price has
    already passed, and a long would even be topped up below its own stop.
    """
    stop = position.stop_price_usd
    if stop is None or not math.isfinite(price_usd):
        return None
    if position.side.sign * (price_usd - stop) > 0:
        return None
    pnl = position.side.sign * (price_usd - position.entry_price_usd) * position.quantity_base
    return (f"stop crossed: price {price_usd:g} is at or beyond the stop {stop:g} of this "
            f"{position.side.value} (P&L at this price {pnl:+,.2f} USD before costs): the stop "
            "should already have closed it")


def _exit_reason(position: Position, score: SectorScore | None) -> str | None:
    """Why a held position must be closed regardless of take-profit (None = keep it)."""
    if score is None or position.side is not Side.LONG:
        return None
    if FLAG_OVER_EXTENDED in score.flags or FLAG_FOMO in score.flags:
        return (f"exit: {score.sector} shows FOMO divergence D {score.divergence:+.2f} "
                "(retail crowding) -> close the long")
    return None


def build_plan(
    dataset: MarketDataset,
    book: PositionBook,
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    *,
    rotation_enabled: bool,
    snapshot_of: Callable[[str], MarketSnapshot | None] | None = None,
    selected: tuple[tuple[Target, ...], tuple[str, ...]] | None = None,
) -> RebalancePlan:
    """From positions to targets: closes, opens, discipline rules and the portfolio cap.

    ``snapshot_of(base)`` gives a base's market snapshot; default
    ``market_snapshot(dataset, base, params)`` (the backtest passes its per-day cache of that
    same function, shared by the settings of a sweep). ``selected`` is
    ``select_targets(scores, members, params, rotation_enabled=rotation_enabled)`` when the
    caller already has it (the backtest memoises it per day on the fields it reads,
    ``rotation.TARGET_FIELDS``); default: computed here.
    """
    universe = dataset.universe
    snap_of = snapshot_of or (lambda base: market_snapshot(dataset, base, params))
    notes: list[str] = []
    targets, target_notes = selected if selected is not None else select_targets(
        scores, members, params, rotation_enabled=rotation_enabled)
    notes.extend(target_notes)
    wanted = {t.base for t in targets} | {p.base for p in book.positions}
    snapshots: dict[str, MarketSnapshot] = {}
    for base in sorted(wanted):
        snap = snap_of(base)
        if snap is not None:
            snapshots[base] = snap
    hits = take_profit_hits(
        book.positions, {b: s.price_usd for b, s in snapshots.items()},
        {b: s.atr_usd for b, s in snapshots.items()}, params.take_profit_atr_multiple,
    )
    orders = _close_orders(book, hits, scores, targets, snapshots, params, notes)
    targets = _with_reallocation(snap_of, hits, scores, members, targets, snapshots, params,
                                 rotation_enabled, notes)
    opens, refusals = _open_orders(book, targets, orders, snapshots, params, notes)
    allowed, rule_refusals = apply_discipline(
        [*orders, *opens], book, params, as_of=dataset.as_of, sector_of=universe.sector_of,
    )
    refusals.extend(rule_refusals)
    final, cap_refusals, stress = enforce_portfolio_risk_cap(
        allowed, book, params, targets={t.base: t for t in targets}, snapshots=snapshots,
    )
    refusals.extend(cap_refusals)
    notes.extend(stress.warnings)
    ordered = sorted(final, key=lambda o: (o.adds_risk, -o.conviction))
    return RebalancePlan(
        orders=tuple(ordered), refusals=tuple(refusals), targets=tuple(targets),
        take_profit_hits=hits, stressed_loss_usd=stress.loss_after_usd,
        stressed_loss_before_usd=stress.loss_before_usd,
        portfolio_risk_cap_usd=stress.cap_usd, notes=tuple(notes),
    )


def _with_reallocation(
    snap_of: Callable[[str], MarketSnapshot | None],
    hits: Sequence[TakeProfitHit],
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    targets: tuple[Target, ...],
    snapshots: dict[str, MarketSnapshot],
    params: PlanParameters,
    rotation_enabled: bool,
    notes: list[str],
) -> tuple[Target, ...]:
    """Targets plus where the take-profit budget goes (STRATEGY.md rebalance trigger)."""
    if not hits:
        return targets
    hit_sectors = [snapshots[h.base].sector for h in hits if h.base in snapshots]
    realloc = reallocation_target(hits, scores, members, targets, params,
                                  exclude_sectors=hit_sectors)
    if realloc is None:
        notes.append("take-profit freed risk budget; no other sector has rising volume and "
                      "non-negative divergence with a member not already targeted: kept in cash")
        return targets
    if not (rotation_enabled or params.rotation_in_risk_off):
        notes.append(f"take-profit freed risk budget for {realloc.sector}, but the regime is "
                     "risk-off: kept in cash")
        return targets
    snap = snap_of(realloc.base)
    if snap is not None:
        snapshots[realloc.base] = snap
    return (*targets, realloc)


def _close_orders(
    book: PositionBook,
    hits: Sequence[TakeProfitHit],
    scores: Sequence[SectorScore],
    targets: Sequence[Target],
    snapshots: Mapping[str, MarketSnapshot],
    params: PlanParameters,
    notes: list[str],
) -> list[RebalanceOrder]:
    """Take-profit closes/cuts, longs in FOMO sectors, and positions against a sector target."""
    by_sector = {s.sector: s for s in scores}
    target_side = {t.sector: t for t in targets}
    hit_by_base = {h.base: h for h in hits}
    orders: list[RebalanceOrder] = []
    for position in book.positions:
        snap = snapshots.get(position.base)
        if snap is None:
            notes.append(f"{position.base}: no market data, position left as is")
            continue
        crossed = _stop_crossed_reason(position, snap.price_usd)
        if crossed is not None:
            orders.append(close_order(position, snap, role="exit", reason=crossed))
            continue
        hit = hit_by_base.get(position.base)
        if hit is not None:
            orders.append(close_order(
                position, snap, fraction=params.take_profit_cut_fraction, role="take-profit",
                reason=(f"take-profit reached ({hit.trigger}): price {hit.price_usd:g} vs level "
                        f"{hit.take_profit_price_usd:g}; risk budget freed"),
            ))
            continue
        reason = _exit_reason(position, by_sector.get(snap.sector))
        against = target_side.get(snap.sector)
        if reason is None and against is not None and against.side is not position.side:
            reason = (f"exit: {snap.sector} is now a {against.side.value} target "
                      f"({against.role}); close the {position.side.value}")
        if reason is not None:
            orders.append(close_order(position, snap, role="exit", reason=reason))
    return orders


def _open_orders(
    book: PositionBook,
    targets: Sequence[Target],
    closes: Sequence[RebalanceOrder],
    snapshots: Mapping[str, MarketSnapshot],
    params: PlanParameters,
    notes: list[str],
) -> tuple[list[RebalanceOrder], list[Refusal]]:
    closing = {o.base for o in closes}
    fully_closed = {o.base for o in closes if o.action == ACTION_CLOSE}
    held = {p.base: p for p in book.positions}
    held_sectors = {(snapshots[p.base].sector, p.side) for p in book.positions
                    if p.base in snapshots and p.base not in closing}
    orders: list[RebalanceOrder] = []
    refusals: list[Refusal] = []
    for target in targets:
        position = held.get(target.base)
        if position is not None and position.side is target.side:
            if target.base in closing:
                notes.append(f"{target.base}: take-profit taken today, not re-opened")
            else:
                _top_up(position, target, snapshots.get(target.base), params, orders,
                        refusals, notes)
            continue
        if position is not None and target.base not in fully_closed:
            notes.append(f"{target.base}: held {position.side.value} against a "
                         f"{target.side.value} target: close it first")
            continue
        if (target.sector, target.side) in held_sectors and target.role != ROLE_REALLOCATION:
            notes.append(f"{target.sector}: already {target.side.value} through another member")
            continue
        snap = snapshots.get(target.base)
        symbol = snap.symbol if snap else target.base
        if snap is None or not (math.isfinite(snap.atr_usd) and math.isfinite(snap.daily_vol)):
            refusals.append(Refusal(symbol, "no-market-data",
                                    f"{target.base}: no price, ATR or volatility to size it"))
            continue
        try:
            orders.append(open_order(target, snap, params))
        except (TradeRefused, InputError) as error:
            refusals.append(refusal_from_error(symbol, error))
    return orders, refusals


def _top_up(
    position: Position,
    target: Target,
    snap: MarketSnapshot | None,
    params: PlanParameters,
    orders: list[RebalanceOrder],
    refusals: list[Refusal],
    notes: list[str],
) -> None:
    """Increase an under-sized held position on a target, or note that it is held as is."""
    if snap is None or not math.isfinite(snap.daily_vol):
        notes.append(f"{target.base}: already {position.side.value}, held (no data to top up)")
        return
    try:
        order = increase_order(position, target, snap, params)
    except (TradeRefused, InputError) as error:
        refusals.append(refusal_from_error(snap.symbol, error))
        return
    if order is None:
        notes.append(f"{target.base}: already {position.side.value}, held")
    else:
        orders.append(order)
