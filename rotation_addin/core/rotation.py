"""Rotation logic: plan parameters, the position book, targets, take-profit triggers, budget
reallocation and the stressed-exposure check (correlations set to 1).

Pure: scores and prices in, frozen dataclasses out. Sizing of the resulting orders lives in
:mod:`rotation_addin.core.orders`; the discipline rules in :mod:`rotation_addin.core.rules`.

Conventions
-----------
* Risk fractions are fractions of account equity (0.02 = 2 %).
* "Conviction" only orders sizes (leaders before hedges, higher score first); the risk caps set
  the sizes themselves (STRATEGY.md, "Weighting, hedges and rotation").
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict, Unpack

from rotation_addin.core import parameters as pdef
from rotation_addin.core import validation as v
from rotation_addin.core.constants import PRICE_RANGE_USD, QUANTITY_RANGE_BASE
from rotation_addin.core.errors import InputError
from rotation_addin.core.scores import ScoreWeights, SectorScore
from rotation_addin.core.sizing import EQUITY_RANGE_USD
from rotation_addin.core.types import Side

ROLE_LEADER = "leader"
ROLE_HEDGE = "hedge"
ROLE_REALLOCATION = "reallocation"

RISK_STEP_PER_RANK = 0.25
"""Each lower-ranked long target gets this much less of ``risk_fraction`` (1, 0.75, 0.5...)."""

MIN_RISK_SHARE = 0.5
"""Floor of that step-down, as a share of ``risk_fraction``."""


class PlanOverrides(TypedDict, total=False):
    """Plan fields a surface sets over the settings (a flag, a cell's equity)."""

    equity_usd: float
    risk_fraction: float
    top_n_long: int
    portfolio_risk_cap_fraction: float
    correlation_window_days: int


@dataclass(frozen=True)
class PlanParameters:
    """Every number the daily plan depends on, validated on construction.

    Attributes
    ----------
    equity_usd : float
        Account equity in USD (0.01 to 1e13, as in :mod:`rotation_addin.core.sizing`).
    risk_fraction, max_risk_fraction : float
        Risk per trade and its hard cap, fractions of equity.
    taker_fee_rate, stop_slippage_rate : float
        Costs assumed on entry and at the stop, fractions of notional.
    min_equity_usd : float
        Below this equity no new position is opened (rule ``minimum-equity``).
    max_open_positions : int
        Most positions open at once (rule ``max-open-positions``).
    cooldown_days : int
        Days after a losing trade before re-entering its sector (rule ``cool-down``).
    vol_k_sigma, holding_days, gap_buffer_fraction : float
        Safe-leverage inputs: k, holding period h (days) and the weekend-gap buffer.
    portfolio_risk_cap_fraction : float
        Cap on the stressed loss (every stop hit at once, correlation 1), fraction of equity.
    top_n_long : int
        Number of top-ranked sectors to hold long.
    theta : float
        Divergence threshold: D >= theta is FOMO (exit/avoid/short), D <= -theta accumulation.
    max_leverage : float
        Leverage ceiling whatever the safe-leverage figure says.
    atr_window_days : int
        ATR look-back (Wilder), days.
    atr_stop_multiple : float
        Stop distance m in ATRs: stop = entry - side * m * ATR.
    take_profit_atr_multiple : float
        Take-profit distance k in ATRs: take-profit = entry + side * k * ATR.
    hedge_risk_multiplier : float
        Hedges (shorts of over-extended sectors) risk this share of ``risk_fraction``.
    take_profit_cut_fraction : float
        Share of a position closed when its take-profit is hit (1 = close, 0.5 = cut half).
    rotation_in_risk_off : bool
        If False (default) no new alt longs are opened while the regime is risk-off.
    short_over_extended : bool
        If True the most over-extended sector is shorted as a hedge; else only avoided.
    require_weekly_confirmation : bool
        Discipline rule "weekly confirms daily": a long needs positive BTC-relative momentum
        over both 7 and 30 days.
    weights : ScoreWeights
        Weights of the sector score's z-score components.
    correlation_window_days : int
        Window of the correlation picture (30 or 90 by default).
    """

    equity_usd: float = pdef.EQUITY_USD.default
    risk_fraction: float = pdef.RISK_FRACTION.default
    max_risk_fraction: float = pdef.MAX_RISK_FRACTION.default
    taker_fee_rate: float = pdef.TAKER_FEE_RATE.default
    stop_slippage_rate: float = pdef.STOP_SLIPPAGE_RATE.default
    min_equity_usd: float = pdef.MIN_EQUITY_USD.default
    max_open_positions: int = int(pdef.MAX_OPEN_POSITIONS.default)
    cooldown_days: int = int(pdef.COOLDOWN_DAYS.default)
    vol_k_sigma: float = pdef.VOL_K_SIGMA.default
    holding_days: float = pdef.HOLDING_DAYS.default
    gap_buffer_fraction: float = pdef.GAP_BUFFER_FRACTION.default
    portfolio_risk_cap_fraction: float = pdef.PORTFOLIO_RISK_CAP_FRACTION.default
    top_n_long: int = 1
    theta: float = 2.0
    max_leverage: float = 5.0
    atr_window_days: int = 14
    atr_stop_multiple: float = 2.0
    take_profit_atr_multiple: float = 3.0
    hedge_risk_multiplier: float = 0.5
    take_profit_cut_fraction: float = 1.0
    rotation_in_risk_off: bool = False
    short_over_extended: bool = True
    require_weekly_confirmation: bool = True
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    correlation_window_days: int = int(pdef.CORRELATION_WINDOW_DAYS.default)

    def __post_init__(self) -> None:
        pdef.check_all(self)
        pdef.PORTFOLIO_RISK_CAP_FRACTION.check(self.portfolio_risk_cap_fraction)
        v.positive_int("top_n_long", self.top_n_long)
        v.in_range("theta", self.theta, 0.0, 10.0, low_inclusive=False)
        v.in_range("max_leverage", self.max_leverage, 1.0, 125.0)
        v.positive_int("atr_window_days", self.atr_window_days, minimum=2)
        v.in_range("atr_stop_multiple", self.atr_stop_multiple, 0.0, 20.0, low_inclusive=False)
        v.in_range("take_profit_atr_multiple", self.take_profit_atr_multiple, 0.0, 50.0,
                   low_inclusive=False)
        v.in_range("hedge_risk_multiplier", self.hedge_risk_multiplier, 0.0, 1.0,
                   low_inclusive=False)
        v.in_range("take_profit_cut_fraction", self.take_profit_cut_fraction, 0.0, 1.0,
                   low_inclusive=False)
        pdef.CORRELATION_WINDOW_DAYS.check(self.correlation_window_days)
        for name in ("rotation_in_risk_off", "short_over_extended",
                     "require_weekly_confirmation"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(name, f"must be true or false (got {getattr(self, name)!r})")
        if not isinstance(self.weights, ScoreWeights):
            raise InputError("weights", f"must be ScoreWeights (got {self.weights!r})")

    @property
    def portfolio_risk_cap_usd(self) -> float:
        """Stressed-loss cap in USD: equity x ``portfolio_risk_cap_fraction``."""
        return self.equity_usd * self.portfolio_risk_cap_fraction

    @classmethod
    def from_settings(cls, settings: pdef.RiskSettings,
                      **overrides: Unpack[PlanOverrides]) -> PlanParameters:
        """Parameters from the user's settings (each shared field named here), then ``overrides``.

        ``overrides`` are plan fields given by a surface (a flag, a cell's equity); the plan's
        own fields (``top_n_long``, ``theta``...) keep their defaults unless overridden.
        """
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise InputError("parameters", f"unknown plan parameter(s) {unknown}")
        params = cls(
            equity_usd=settings.equity_usd, risk_fraction=settings.risk_fraction,
            max_risk_fraction=settings.max_risk_fraction, taker_fee_rate=settings.taker_fee_rate,
            stop_slippage_rate=settings.stop_slippage_rate, min_equity_usd=settings.min_equity_usd,
            max_open_positions=settings.max_open_positions, cooldown_days=settings.cooldown_days,
            vol_k_sigma=settings.vol_k_sigma, holding_days=settings.holding_days,
            gap_buffer_fraction=settings.gap_buffer_fraction,
        )
        return dataclasses.replace(params, **overrides) if overrides else params


def _positive_in_range(field_name: str, value: object, bounds: tuple[float, float]) -> float:
    """``value`` if it is > 0 and within ``bounds``: the "> 0" message for zero or negatives,
    the range for absurd sizes (1e300 would print 300-digit losses)."""
    number = v.positive(field_name, value)
    return v.in_range(field_name, number, *bounds)


def _validate_time(field_name: str, value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError(field_name, f"must be a timezone-aware datetime (got {value!r})")


@dataclass(frozen=True)
class Position:
    """One open position as the user recorded it (positions file).

    Attributes
    ----------
    base : str
        Base asset, e.g. ``"RENDER"``.
    side : Side
        Long or short.
    quantity_base : float
        Size in base units (> 0).
    entry_price_usd : float
        Average entry price.
    stop_price_usd : float | None
        Protective stop; ``None`` breaks the ``stop-required`` rule and is reported.
    take_profit_price_usd : float | None
        Take-profit level; ``None`` means "entry + side x k x ATR".
    opened_at : datetime
        When the position was opened (UTC).
    """

    base: str
    side: Side
    quantity_base: float
    entry_price_usd: float
    stop_price_usd: float | None
    take_profit_price_usd: float | None
    opened_at: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.base, str) or not self.base.strip():
            raise InputError("symbol", f"must be a non-empty symbol (got {self.base!r})")
        if not isinstance(self.side, Side):
            raise InputError("side", f"must be a Side (got {self.side!r})")
        _positive_in_range("quantity", self.quantity_base, QUANTITY_RANGE_BASE)
        entry = _positive_in_range("entry_price", self.entry_price_usd, PRICE_RANGE_USD)
        if self.stop_price_usd is not None:
            # A trailing stop may sit beyond entry (locked-in profit), so only > 0 is required.
            _positive_in_range("stop_price", self.stop_price_usd, PRICE_RANGE_USD)
        if self.take_profit_price_usd is not None:
            target = _positive_in_range("take_profit_price", self.take_profit_price_usd,
                                        PRICE_RANGE_USD)
            if self.side.sign * (target - entry) <= 0:
                where = "above" if self.side is Side.LONG else "below"
                raise InputError("take_profit_price", f"must be {where} entry {entry:g} for a "
                                 f"{self.side.value} (got {target:g})")
        _validate_time("opened_at", self.opened_at)

    @property
    def notional_usd(self) -> float:
        """Entry notional: quantity x entry price."""
        return self.quantity_base * self.entry_price_usd

    def stop_out_loss_usd(
        self, quantity_base: float, *, taker_fee_rate: float, stop_slippage_rate: float
    ) -> float | None:
        """Loss versus entry if the stop is hit for ``quantity_base`` (None without a stop).

        loss = Q x max(0, side x (entry - stop)) + Q x stop x (fee + slippage)
        (exit costs at the stop; a trailing stop beyond entry loses only the costs).
        """
        if self.stop_price_usd is None:
            return None
        q = v.non_negative("quantity_base", quantity_base)
        stop = self.stop_price_usd
        adverse = max(0.0, self.side.sign * (self.entry_price_usd - stop))
        return q * adverse + q * stop * (taker_fee_rate + stop_slippage_rate)


@dataclass(frozen=True)
class ClosedTrade:
    """One closed trade from the journal (used by the cool-down rule).

    Attributes
    ----------
    base, side, quantity_base, entry_price_usd : as in :class:`Position`.
    exit_price_usd : float
        Average exit price.
    opened_at, closed_at : datetime
        UTC timestamps.
    realised_pnl_usd : float
        Realised profit (negative = loss) after costs.
    reason : str
        Why it was closed (journal text).
    """

    base: str
    side: Side
    quantity_base: float
    entry_price_usd: float
    exit_price_usd: float
    opened_at: datetime
    closed_at: datetime
    realised_pnl_usd: float
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.base, str) or not self.base.strip():
            raise InputError("symbol", f"must be a non-empty symbol (got {self.base!r})")
        if not isinstance(self.side, Side):
            raise InputError("side", f"must be a Side (got {self.side!r})")
        _positive_in_range("quantity", self.quantity_base, QUANTITY_RANGE_BASE)
        _positive_in_range("entry_price", self.entry_price_usd, PRICE_RANGE_USD)
        _positive_in_range("exit_price", self.exit_price_usd, PRICE_RANGE_USD)
        v.in_range("realised_pnl_usd", self.realised_pnl_usd, -EQUITY_RANGE_USD[1],
                   EQUITY_RANGE_USD[1])
        _validate_time("opened_at", self.opened_at)
        _validate_time("closed_at", self.closed_at)
        if self.closed_at < self.opened_at:
            raise InputError("closed_at", f"must not be before opened_at {self.opened_at} "
                             f"(got {self.closed_at})")


@dataclass(frozen=True)
class PositionBook:
    """Current positions plus the journal of closed trades."""

    positions: tuple[Position, ...] = ()
    closed_trades: tuple[ClosedTrade, ...] = ()

    def __post_init__(self) -> None:
        bases = [p.base for p in self.positions]
        duplicated = sorted({b for b in bases if bases.count(b) > 1})
        if duplicated:
            raise InputError("positions", f"one position per symbol (duplicated: {duplicated})")


@dataclass(frozen=True)
class MemberStats:
    """What the target picker needs to know about one sector member.

    Attributes
    ----------
    base : str
        Base asset.
    momentum_7d : float
        BTC-relative 7-day log return of the member.
    avg_volume_usd : float
        Average daily USD volume over 30 days (liquidity).
    """

    base: str
    momentum_7d: float
    avg_volume_usd: float


@dataclass(frozen=True)
class Target:
    """A position the plan wants to hold.

    Attributes
    ----------
    base, sector : str
        The member chosen and its sector.
    side : Side
        Long for leaders and reallocations, short for hedges.
    role : str
        ``"leader"``, ``"hedge"`` or ``"reallocation"``.
    conviction : float
        Orders sizes and who is cut first under the stressed-exposure cap (higher = kept).
    risk_fraction : float
        Risk budget as a fraction of equity (already <= the hard cap).
    reason : str
        Plain-language reason shown beside the order.
    """

    base: str
    sector: str
    side: Side
    role: str
    conviction: float
    risk_fraction: float
    reason: str


def best_member(members: Sequence[MemberStats]) -> MemberStats | None:
    """Member with the best mix of relative momentum and liquidity.

    Score = z(momentum_7d) + z(log avg_volume_usd), z taken within the sector (population
    standard deviation; a constant column contributes 0). Members with no usable figures are
    skipped.
    """
    usable = [
        m for m in members
        if math.isfinite(m.momentum_7d) and math.isfinite(m.avg_volume_usd) and m.avg_volume_usd > 0
    ]
    if not usable:
        return None
    mom = _zscores([m.momentum_7d for m in usable])
    liq = _zscores([math.log(m.avg_volume_usd) for m in usable])
    scored = [(mom[i] + liq[i], -i) for i in range(len(usable))]
    best_index = -max(scored)[1]
    return usable[best_index]


def _zscores(values: Sequence[float]) -> list[float]:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in values) / n)
    if sd <= 1e-12:
        return [0.0] * n
    return [(x - mean) / sd for x in values]


TARGET_FIELDS = ("top_n_long", "rotation_in_risk_off", "require_weekly_confirmation",
                 "risk_fraction", "max_risk_fraction", "theta", "short_over_extended",
                 "hedge_risk_multiplier")
"""The :class:`PlanParameters` fields :func:`select_targets` reads (and only those: a memo of
its result may be keyed on them; ``tests/core/test_rotation.py`` changes every other field
and checks the targets do not move)."""


def select_targets(
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    *,
    rotation_enabled: bool,
) -> tuple[tuple[Target, ...], tuple[str, ...]]:
    """Pick the long leaders and the hedge from ranked sector scores.

    * Longs: the ``top_n_long`` best-ranked sectors with a positive score that are not
      over-extended and, with ``require_weekly_confirmation``, whose 7-day momentum vs BTC is
      confirmed by a positive 30-day one; only when ``rotation_enabled`` (or
      ``params.rotation_in_risk_off``). The risk share steps down with rank (1, 0.75, 0.5 of
      ``risk_fraction``).
    * Hedge: the over-extended sector (divergence >= theta with positive 7-day momentum)
      with the highest 7-day momentum, shorted at ``hedge_risk_multiplier`` x risk
      (if ``short_over_extended``), else only avoided.

    Returns
    -------
    (targets, notes)
        Targets sorted by conviction (highest first) and plain-language notes.
    """
    notes: list[str] = []
    ranked = sorted(scores, key=lambda s: s.rank)
    targets: list[Target] = []
    if rotation_enabled or params.rotation_in_risk_off:
        targets.extend(_long_targets(ranked, members, params, notes))
    else:
        notes.append("regime is risk-off: no new alt longs (rotation_in_risk_off is off)")
    hedge = _hedge_target(ranked, members, params, notes, targets)
    if hedge is not None:
        targets.append(hedge)
    targets.sort(key=lambda t: -t.conviction)
    return tuple(targets), tuple(notes)


def _confirmed(sector: SectorScore, params: PlanParameters) -> bool:
    if not params.require_weekly_confirmation:
        return True
    return sector.momentum_7d > 0 and sector.momentum_30d > 0


def _long_targets(
    ranked: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    notes: list[str],
) -> list[Target]:
    candidates: list[SectorScore] = []
    for sector in ranked:
        if not (sector.score > 0 and not sector.over_extended):
            continue
        if not _confirmed(sector, params):
            notes.append(f"{sector.sector}: 7d momentum {sector.momentum_7d:+.1%} not confirmed "
                         f"by 30d {sector.momentum_30d:+.1%} vs BTC -> no long")
            continue
        candidates.append(sector)
    if not candidates:
        notes.append("no sector has a positive, confirmed score without being over-extended: "
                     "no longs")
    targets: list[Target] = []
    for position, sector in enumerate(candidates[: params.top_n_long]):
        member = best_member(members.get(sector.sector, ()))
        if member is None:
            notes.append(f"{sector.sector}: no member with usable prices and volume")
            continue
        share = max(MIN_RISK_SHARE, 1.0 - RISK_STEP_PER_RANK * position)
        targets.append(Target(
            base=member.base, sector=sector.sector, side=Side.LONG, role=ROLE_LEADER,
            conviction=sector.score,
            risk_fraction=min(params.risk_fraction * share, params.max_risk_fraction),
            reason=(f"{sector.sector} ranked #{sector.rank} (score {sector.score:+.2f}, "
                    f"7d rel. momentum {sector.momentum_7d:+.1%}, volume trend "
                    f"{sector.volume_trend:.2f})"),
        ))
    return targets


def _hedge_target(
    ranked: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    params: PlanParameters,
    notes: list[str],
    longs: Sequence[Target],
) -> Target | None:
    extended = sorted((s for s in ranked if s.over_extended), key=lambda s: -s.momentum_7d)
    for sector in extended:
        notes.append(f"{sector.sector}: over-extended (D {sector.divergence:+.2f} >= "
                     f"{params.theta:g}) -> avoid new longs")
    if not extended or not params.short_over_extended:
        return None
    sector = extended[0]
    member = best_member(members.get(sector.sector, ()))
    if member is None:
        return None
    return Target(
        base=member.base, sector=sector.sector, side=Side.SHORT, role=ROLE_HEDGE,
        conviction=min((t.conviction for t in longs), default=0.0) - 1.0,
        risk_fraction=params.risk_fraction * params.hedge_risk_multiplier,
        reason=(f"{sector.sector} over-extended: FOMO divergence D "
                f"{sector.divergence:+.2f} >= {params.theta:g} with 7d rel. momentum "
                f"{sector.momentum_7d:+.1%} -> short as hedge (reduced risk)"),
    )


@dataclass(frozen=True)
class TakeProfitHit:
    """A position whose take-profit level was reached.

    Attributes
    ----------
    base : str
        The position's base.
    side : Side
        The position's side.
    price_usd : float
        Latest price that reached the level.
    take_profit_price_usd : float
        The level (user's price, or entry + side x k x ATR).
    trigger : str
        ``"price"`` (user level) or ``"k-ATR"`` (computed level).
    """

    base: str
    side: Side
    price_usd: float
    take_profit_price_usd: float
    trigger: str


def take_profit_level(position: Position, atr_usd: float | None, k_atr: float) -> float | None:
    """Take-profit level of ``position``: its own price, else entry + side x k x ATR.

    Returns None when neither is available (no level, no ATR). A computed level at or below
    zero (a short with a huge ATR) is also None.
    """
    if position.take_profit_price_usd is not None:
        return position.take_profit_price_usd
    if atr_usd is None or not math.isfinite(atr_usd) or atr_usd <= 0:
        return None
    level = position.entry_price_usd + position.side.sign * k_atr * atr_usd
    return level if level > 0 else None


def take_profit_hits(
    positions: Sequence[Position],
    last_price_usd: Mapping[str, float],
    atr_usd: Mapping[str, float],
    k_atr: float,
) -> tuple[TakeProfitHit, ...]:
    """Positions whose latest price reached their take-profit (side x (price - level) >= 0)."""
    v.positive("take_profit_atr_multiple", k_atr)
    if isinstance(positions, str | bytes) or not isinstance(positions, Sequence):
        raise InputError("positions",
                         f"must be a list of Position (got {type(positions).__name__})")
    if any(not isinstance(p, Position) for p in positions):
        raise InputError("positions", "must hold Position objects only")
    hits: list[TakeProfitHit] = []
    for position in positions:
        price = last_price_usd.get(position.base)
        if price is None or not math.isfinite(price):
            continue
        level = take_profit_level(position, atr_usd.get(position.base), k_atr)
        if level is None:
            continue
        if position.side.sign * (price - level) >= 0:
            trigger = "price" if position.take_profit_price_usd is not None else "k-ATR"
            hits.append(TakeProfitHit(position.base, position.side, price, level, trigger))
    return tuple(hits)


def reallocation_sector(
    scores: Sequence[SectorScore], *, exclude: Sequence[str] = ()
) -> SectorScore | None:
    """Best-ranked sector with rising volume (trend > 1) and non-negative divergence.

    Over-extended sectors and those in ``exclude`` are skipped; None if nothing qualifies.
    """
    for sector in sorted(scores, key=lambda s: s.rank):
        if sector.sector in exclude or sector.over_extended:
            continue
        if not (math.isfinite(sector.volume_trend) and math.isfinite(sector.divergence)):
            continue
        if sector.volume_trend > 1.0 and sector.divergence >= 0.0:
            return sector
    return None


def reallocation_target(
    hits: Sequence[TakeProfitHit],
    scores: Sequence[SectorScore],
    members: Mapping[str, Sequence[MemberStats]],
    targets: Sequence[Target],
    params: PlanParameters,
    *,
    exclude_sectors: Sequence[str] = (),
) -> Target | None:
    """Where the risk budget freed by take-profit hits goes (STRATEGY.md rebalance trigger).

    The destination is :func:`reallocation_sector` (skipping ``exclude_sectors``, e.g. the
    sectors of the positions being closed); its best member gets a long target at
    ``risk_fraction``. Returns None when nothing was hit, nothing qualifies, or the chosen
    member is already a target.
    """
    if not hits:
        return None
    sector = reallocation_sector(scores, exclude=exclude_sectors)
    if sector is None:
        return None
    member = best_member(members.get(sector.sector, ()))
    if member is None or any(t.base == member.base for t in targets):
        return None
    freed = ", ".join(h.base for h in hits)
    return Target(
        base=member.base, sector=sector.sector, side=Side.LONG, role=ROLE_REALLOCATION,
        conviction=sector.score,
        risk_fraction=min(params.risk_fraction, params.max_risk_fraction),
        reason=(f"risk budget freed by take-profit on {freed} moved to {sector.sector} "
                f"(rank #{sector.rank}, volume trend {sector.volume_trend:.2f} > 1, "
                f"D {sector.divergence:+.2f} >= 0)"),
    )


@dataclass(frozen=True)
class ExposureItem:
    """One contributor to the stressed loss.

    Attributes
    ----------
    label : str
        Symbol or order label.
    loss_usd : float
        Loss if its stop is hit (or a k-sigma move when it has no stop), >= 0.
    conviction : float
        Lower conviction is scaled down first.
    adjustable : bool
        False for positions already held (they are reported, not resized here).
    """

    label: str
    loss_usd: float
    conviction: float
    adjustable: bool


@dataclass(frozen=True)
class StressedExposure:
    """Result of the stressed-exposure check (correlations set to 1).

    Attributes
    ----------
    loss_before_usd : float
        Sum of every item's stop-out loss as proposed.
    loss_after_usd : float
        The same after the scale factors are applied.
    cap_usd : float
        Portfolio risk cap.
    scale_by_label : Mapping[str, float]
        Factor in [0, 1] for each adjustable item (1 = unchanged, 0 = refused).
    reasons : Mapping[str, str]
        Why each scaled item was scaled or refused.
    warnings : tuple[str, ...]
        E.g. positions already held exceed the cap on their own.
    """

    loss_before_usd: float
    loss_after_usd: float
    cap_usd: float
    scale_by_label: Mapping[str, float]
    reasons: Mapping[str, str]
    warnings: tuple[str, ...]


def stressed_exposure(items: Sequence[ExposureItem], cap_usd: float) -> StressedExposure:
    """Fit the sum of stop-out losses (correlation 1) under ``cap_usd``.

    Formula: stressed loss L = sum_i loss_i (every position stopped out the same day). When
    L > cap, adjustable items are scaled down lowest conviction first: an item whose whole
    loss is needed is dropped (factor 0), the last one is scaled to the exact remainder.
    Held positions are never scaled here; if they alone exceed the cap every adjustable
    item is dropped and a warning says so.
    """
    cap = v.non_negative("portfolio_risk_cap_usd", cap_usd)
    for item in items:
        v.non_negative(f"loss_usd[{item.label}]", item.loss_usd)
    total = sum(i.loss_usd for i in items)
    scale: dict[str, float] = {i.label: 1.0 for i in items if i.adjustable}
    reasons: dict[str, str] = {}
    warnings: list[str] = []
    fixed = sum(i.loss_usd for i in items if not i.adjustable)
    adjustable = sorted((i for i in items if i.adjustable), key=lambda i: i.conviction)
    if fixed > cap:
        warnings.append(f"positions already held lose {fixed:,.2f} USD if every stop is hit, "
                        f"above the portfolio cap {cap:,.2f} USD: no new risk is added")
        for item in adjustable:
            scale[item.label] = 0.0
            reasons[item.label] = (f"held positions alone exceed the portfolio cap "
                                   f"{cap:,.2f} USD (stressed loss, correlation 1)")
        adjustable = []
    excess = total - cap
    for item in adjustable:
        if excess <= 1e-9:
            break
        if item.loss_usd <= 0:
            continue
        if item.loss_usd <= excess:
            scale[item.label] = 0.0
            excess -= item.loss_usd
            reasons[item.label] = (f"stressed loss with correlation 1 would exceed the portfolio "
                                   f"cap {cap:,.2f} USD: lowest conviction dropped")
        else:
            factor = (item.loss_usd - excess) / item.loss_usd
            scale[item.label] = factor
            reasons[item.label] = (f"scaled to {factor:.0%} so the stressed loss fits the "
                                   f"portfolio cap {cap:,.2f} USD")
            excess = 0.0
    after = fixed + sum(i.loss_usd * scale[i.label] for i in items if i.adjustable)
    return StressedExposure(total, after, cap, scale, reasons, tuple(warnings))
