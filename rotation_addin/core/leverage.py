"""Safe leverage: the largest leverage whose liquidation distance survives a k-sigma move.

    required distance d = k · σ_daily · √h + gap buffer
    exact isolated liquidation distance at leverage L (Binance USDⓈ-M, core/liquidation.py):
        long   (1/L − m) / (1 − MMR)        short   (1/L − m) / (1 + MMR)
    with m = MMR − cum / notional (m = MMR in the first bracket, cum = 0)
    safe L = floor(1 / (d · (1 ∓ MMR) + m)), at least 1, at most the bracket's max leverage

STRATEGY.md's shorthand 1/L − MMR overstates a short's distance by the factor 1 + MMR (and
understates a long's by 1 − MMR); it is not used. When the side is not given the short's
(smaller) distance binds, so the leverage is safe for either side. Higher volatility needs a
larger distance, hence LOWER leverage.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from rotation_addin.core import parameters as pdef
from rotation_addin.core.brackets import BracketTable, default_bracket_table
from rotation_addin.core.constants import FLAT_MMR_RANGE
from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import in_range, non_negative

SIDES: tuple[str, ...] = ("long", "short", "either")
"""Sides :func:`safe_leverage` accepts; ``"either"`` = safe for both (the short binds)."""
LIMITED_BY_VOLATILITY = "volatility"
LIMITED_BY_BRACKET = "bracket max"

_ARTICLE_DAILY_SIGMA = 0.15
"""The strategy article's "15 %-a-day sectors are where leverage makes sense"."""


@dataclass(frozen=True)
class SafeLeverage:
    """Result of :func:`safe_leverage`.

    Attributes
    ----------
    leverage : int
        Largest whole leverage whose exact liquidation distance for ``side`` is at least
        ``required_distance_fraction`` (>= 1), capped.
    side : str
        ``"long"``, ``"short"`` or ``"either"`` (safe for both: the short's distance binds).
    volatility_leverage_limit : float
        ``1 / (required · (1 ∓ MMR) + m)`` before flooring and capping.
    cap_leverage : float
        The bracket's (or the given) maximum leverage.
    required_distance_fraction : float
        ``k · σ · √h + buffer``.
    liquidation_distance_fraction : float
        Exact liquidation distance for ``side`` at the chosen leverage (fraction of entry).
    daily_vol, k_sigma, holding_days, gap_buffer_fraction, maintenance_margin_rate : float
        The inputs used.
    limiting_factor : str
        ``"volatility"`` or ``"bracket max"``.
    unsafe_even_at_1x : bool
        True when even 1x does not leave the required distance.
    warnings : tuple[str, ...]
    maintenance_amount_fraction : float
        The bracket's maintenance amount / notional used (``cum``; 0 for a flat MMR).
    explanation : str
        Plain-language reason, including why higher volatility means lower leverage (made
        from the fields above when first read: the plan sizes orders without reading it).
    """

    leverage: int
    side: str
    volatility_leverage_limit: float
    cap_leverage: float
    required_distance_fraction: float
    liquidation_distance_fraction: float
    daily_vol: float
    k_sigma: float
    holding_days: float
    gap_buffer_fraction: float
    maintenance_margin_rate: float
    limiting_factor: str
    unsafe_even_at_1x: bool
    warnings: tuple[str, ...]
    maintenance_amount_fraction: float = 0.0

    @functools.cached_property
    def explanation(self) -> str:
        """Plain-language reason, including why higher volatility means lower leverage."""
        return _explain(self.daily_vol, self.k_sigma, self.holding_days,
                        self.gap_buffer_fraction, self.maintenance_margin_rate,
                        self.required_distance_fraction, self.leverage, self.limiting_factor,
                        self.cap_leverage, self.side, self.maintenance_amount_fraction)


def required_distance(daily_vol: float, k_sigma: float, holding_days: float,
                      gap_buffer_fraction: float) -> float:
    """``k · σ · √h + buffer``: the adverse move the liquidation price must stay beyond."""
    return k_sigma * daily_vol * math.sqrt(holding_days) + gap_buffer_fraction


def liquidation_distance(leverage: float, maintenance_margin_rate: float, side: str,
                         maintenance_amount_fraction: float = 0.0) -> float:
    """Exact isolated liquidation distance (fraction of entry) at ``leverage``.

    From the Binance formula in :mod:`rotation_addin.core.liquidation` with WB = notional / L:
    long ``(1/L − m) / (1 − MMR)``, short ``(1/L − m) / (1 + MMR)``, ``m = MMR − cum/notional``
    (``maintenance_amount_fraction`` = cum / notional). ``side="either"`` gives the short's,
    the smaller of the two.
    """
    sign = 1.0 if side == "long" else -1.0
    effective = maintenance_margin_rate - maintenance_amount_fraction
    return (1.0 / leverage - effective) / (1.0 - sign * maintenance_margin_rate)


def leverage_limit(required_distance_fraction: float, maintenance_margin_rate: float,
                   side: str = "either", maintenance_amount_fraction: float = 0.0) -> float:
    """Largest real L whose exact distance for ``side`` is >= ``required``.

    ``1 / (required · (1 − MMR) + m)`` for a long, ``1 / (required · (1 + MMR) + m)`` for a
    short or ``"either"`` (inverse of :func:`liquidation_distance`).
    """
    sign = 1.0 if side == "long" else -1.0
    effective = maintenance_margin_rate - maintenance_amount_fraction
    return 1.0 / (required_distance_fraction * (1.0 - sign * maintenance_margin_rate) + effective)


def _whole_leverage(limit: float) -> int:
    """``floor(limit)``, counting ``limit`` within 1e-12 (relative) below a whole number as it.

    So 1/0.05 = 19.999999999999996 gives 20, as the Sizing sheet's ROUNDDOWN(x·(1+1E-12))
    does; the distance at the result is short of the required one by at most ~1e-12.
    """
    return math.floor(min(limit, 1e6) * (1.0 + 1e-12))


def safe_leverage(
    *,
    daily_vol: float,
    k_sigma: float = pdef.VOL_K_SIGMA.default,
    holding_days: float = pdef.HOLDING_DAYS.default,
    gap_buffer_fraction: float = pdef.GAP_BUFFER_FRACTION.default,
    brackets: BracketTable | None = None,
    maintenance_margin_rate: float | None = None,
    max_leverage: float | None = None,
    notional_usd: float = 0.0,
    side: str = "either",
) -> SafeLeverage:
    """Largest whole leverage whose liquidation distance exceeds a k-sigma move plus a buffer.

    Parameters
    ----------
    daily_vol : float
        Daily σ of log returns as a fraction (0.05 = 5 %/day), in [0, 5].
    k_sigma : float
        Number of daily σ the position must survive (default 3), in (0, 20].
    holding_days : float
        Holding period h in days; σ scales with √h (default 1), in (0, 365].
    gap_buffer_fraction : float
        Extra distance for weekend / news gaps (default 0.02 = 2 %), in [0, 1).
    brackets : BracketTable, optional
        Supplies MMR and the max leverage at ``notional_usd``; default: the bundled default
        (mid-cap alt) schedule unless ``maintenance_margin_rate`` is given.
    maintenance_margin_rate : float, optional
        Overrides the bracket's MMR.
    max_leverage : float, optional
        Overrides the bracket's max leverage (>= 1).
    notional_usd : float
        Position notional used to pick the bracket (default 0: the first bracket).
    side : str
        ``"long"``, ``"short"`` or ``"either"`` (default: safe for both, the short binds).

    Returns
    -------
    SafeLeverage
        ``floor(1 / (d · (1 ∓ MMR) + m))`` with d = k·σ·√h + buffer, at least 1, capped by
        the max leverage (the module docstring has the exact distances).
    """
    if side not in SIDES:
        raise InputError("side", f"must be one of {', '.join(SIDES)} (got {side!r})")
    sigma = in_range("daily_vol", daily_vol, 0.0, 5.0)
    k = in_range("k_sigma", k_sigma, 0.0, 20.0, low_inclusive=False)
    days = in_range("holding_days", holding_days, 0.0, 365.0, low_inclusive=False)
    buffer = in_range("gap_buffer_fraction", gap_buffer_fraction, 0.0, 1.0,
                      high_inclusive=False)
    notional = non_negative("notional_usd", notional_usd)
    mmr, cap, cum, warnings = _margin_terms(brackets, maintenance_margin_rate, max_leverage,
                                            notional)
    return _safe_leverage(sigma, k, days, buffer, mmr, cap, cum, side, warnings)


def _margin_terms(
    brackets: BracketTable | None,
    maintenance_margin_rate: float | None,
    max_leverage: float | None,
    notional: float,
) -> tuple[float, float, float, list[str]]:
    """(MMR, max leverage, cum / notional, warnings): the bracket at ``notional`` or overrides."""
    warnings: list[str] = []
    if brackets is not None and not isinstance(brackets, BracketTable):
        raise InputError("brackets", f"must be a BracketTable (got {type(brackets).__name__})")
    table = brackets
    if table is None and (maintenance_margin_rate is None or max_leverage is None):
        table = default_bracket_table("default")
        warnings.append(f"no brackets given: used {table.source}")
    bracket = table.for_notional(notional) if table is not None else None
    if maintenance_margin_rate is not None:
        mmr = in_range("maintenance_margin_rate", maintenance_margin_rate, *FLAT_MMR_RANGE,
                       high_inclusive=False)
    else:
        assert bracket is not None
        mmr = bracket.maintenance_margin_rate
    if max_leverage is not None:
        cap = in_range("max_leverage", max_leverage, 1.0, 1_000.0)
    else:
        assert bracket is not None
        cap = bracket.max_leverage

    cum = (bracket.maintenance_amount_usd / notional
           if bracket is not None and maintenance_margin_rate is None and notional > 0 else 0.0)
    return mmr, cap, cum, warnings


def _safe_leverage(
    sigma: float,
    k: float,
    days: float,
    buffer: float,
    mmr: float,
    cap: float,
    cum: float,
    side: str,
    warnings: list[str],
) -> SafeLeverage:
    """The whole leverage of checked inputs, capped, with the distance it leaves."""
    required = required_distance(sigma, k, days, buffer)
    limit = leverage_limit(required, mmr, side, cum)
    by_volatility = _whole_leverage(limit)
    unsafe = by_volatility < 1
    cap_whole = max(1, math.floor(cap * (1.0 + 1e-12)))
    leverage = max(1, min(by_volatility, cap_whole))
    limiting = LIMITED_BY_BRACKET if cap_whole < by_volatility else LIMITED_BY_VOLATILITY
    distance = liquidation_distance(leverage, mmr, side, cum)
    if unsafe:
        warnings.append(
            f"even 1x is unsafe: the required distance {required:.1%} exceeds the 1x "
            f"liquidation distance {liquidation_distance(1, mmr, side, cum):.1%}; do not trade "
            "this with leverage — or at all"
        )
    return SafeLeverage(
        leverage=leverage,
        side=side,
        volatility_leverage_limit=limit,
        cap_leverage=cap,
        required_distance_fraction=required,
        liquidation_distance_fraction=distance,
        daily_vol=sigma,
        k_sigma=k,
        holding_days=days,
        gap_buffer_fraction=buffer,
        maintenance_margin_rate=mmr,
        limiting_factor=limiting,
        unsafe_even_at_1x=unsafe,
        warnings=tuple(warnings),
        maintenance_amount_fraction=cum,
    )


def _explain(sigma: float, k: float, days: float, buffer: float, mmr: float, required: float,
             leverage: int, limiting: str, cap: float, side: str, cum: float) -> str:
    article_move = k * _ARTICLE_DAILY_SIGMA * math.sqrt(days)
    article_limit = max(1, math.floor(leverage_limit(article_move + buffer, mmr, side, cum)))
    sign = "−" if side == "long" else "+"
    who = {"long": "a long", "short": "a short",
           "either": "a short (the nearer side, so either side is safe)"}[side]
    distance = liquidation_distance(leverage, mmr, side, cum)
    head = (
        f"A {k:g}-sigma move over {days:g} day(s) is {k:g} × {sigma:.2%} × √{days:g} = "
        f"{k * sigma * math.sqrt(days):.2%}; with the {buffer:.1%} gap buffer the liquidation "
        f"price must sit {required:.2%} away. For {who} the liquidation distance is "
        f"(1/L − MMR) / (1 {sign} MMR) with MMR {mmr:.2%}"
    )
    if leverage_limit(required, mmr, side, cum) < 1.0:
        head += (f"; not even 1x leaves that distance (1x gives {distance:.2%}; 1x is shown "
                 "only as the floor)")
    elif limiting == LIMITED_BY_VOLATILITY:
        head += (f", which is {distance:.2%} at {leverage}x (at least {required:.2%}); "
                 f"{leverage + 1}x would leave only "
                 f"{liquidation_distance(leverage + 1, mmr, side, cum):.2%}")
    else:
        head += f", which is {distance:.2%} at {leverage}x (at least {required:.2%})"
    if limiting == LIMITED_BY_BRACKET:
        head += f" (capped by the {cap:g}x maximum leverage)"
    return (
        f"{head}. Higher volatility needs a larger distance, so it means LOWER leverage, never "
        f"higher: the article's claim that 15 %-a-day sectors are where leverage makes sense "
        f"is backwards, because there a {k:g}-sigma day is a {article_move:.0%} move, which "
        f"liquidates anything above about {article_limit}x."
    )
