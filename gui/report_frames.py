"""Turn a ``DailyReport`` (plus its dataset) into the DataFrames and captions each tab shows.

Qt-free and run on the worker thread. The numbers all come from ``rotation_addin.core``
(``daily_report``, ``stress_correlation``, ``sector_index_returns``); this module only picks
columns, orders them and writes captions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from gui.models import ColumnFormat
from rotation_addin.core import formats
from rotation_addin.core.correlation_picture import inverse_pairs_line
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.regime import regime_history
from rotation_addin.core.report import DailyReport
from rotation_addin.core.returns import log_returns, sector_index_returns
from rotation_addin.core.returns import sector_index_levels as levels
from rotation_addin.core.rotation import PositionBook
from rotation_addin.core.stress import stress_correlation
from rotation_addin.data.settings import Settings
from rotation_addin.desk.session import default_session

SECTOR_CHART_DAYS = formats.SECTOR_CHART_DAYS
"""Days of sector-index history drawn on the Sectors chart (the workbook's too)."""

REGIME_CHART_DAYS = 365
"""Days of regime-score history drawn on the Regime tab."""

STRESS_QUANTILE = 0.10
"""Stress days: BTC's worst decile of daily returns (as in the report)."""


@dataclass(frozen=True)
class ViewFrames:
    """Everything the tabs show, ready for the table models and charts."""

    sector_table: pd.DataFrame
    sector_formats: Mapping[str, ColumnFormat]
    sector_index: pd.DataFrame
    sectors_caption: str
    corr_normal: pd.DataFrame
    corr_stress: pd.DataFrame
    corr_normal_title: str
    corr_stress_title: str
    corr_caption: str
    corr_notes: str
    regime_verdict: str
    regime_summary: str
    regime_votes: pd.DataFrame
    vote_formats: Mapping[str, ColumnFormat]
    regime_scores: pd.Series
    orders: pd.DataFrame
    order_formats: Mapping[str, ColumnFormat]
    refusals: pd.DataFrame
    refusal_formats: Mapping[str, ColumnFormat]
    plan_caption: str


def compute_report(dataset: MarketDataset, settings: Settings) -> DailyReport:
    """The desk's daily report of ``dataset`` with the user's positions and ``settings``."""
    desk = default_session()
    return desk.report(desk.plan_parameters(settings), dataset=dataset, book=desk.book())


def load_user_positions() -> PositionBook:
    """The user's positions file and trade journal (``data/positions.py``; empty if absent)."""
    return default_session().book()


# -- helpers -----------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """Scalars for tables: enums by value, tuples joined, dataclasses by str."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return ", ".join(str(_plain(v)) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, np.generic):
        return value.item()
    return value


def rows_frame(items: Iterable[Any], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """DataFrame of dataclass instances (one row each), optionally restricted to ``columns``."""
    records = []
    for item in items:
        record = {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if columns is not None:
        wanted = [c for c in columns if c in frame.columns or frame.empty]
        frame = frame.reindex(columns=wanted)
    return frame


# -- sectors -----------------------------------------------------------------------------------
SECTOR_COLUMNS = (
    "rank", "sector", "score", "momentum_7d", "momentum_30d", "volume_trend", "divergence",
    "beta_to_btc", "btc_explained_share", "flags",
)
SECTOR_FORMATS: dict[str, ColumnFormat] = {
    # the decimals of rotation sectors and the Sectors sheet (core.formats, sector_text_row)
    "rank": ColumnFormat("int", header="Rank"),
    "sector": ColumnFormat("text", header="Sector"),
    "score": ColumnFormat("number", formats.SCORE_DECIMALS, signed=True, header="Score"),
    "momentum_7d": ColumnFormat("pct", formats.PCT_DECIMALS, signed=True, header="7d vs BTC"),
    "momentum_30d": ColumnFormat("pct", formats.PCT_DECIMALS, signed=True,
                                 header="30d vs BTC"),
    "volume_trend": ColumnFormat("number", formats.RATIO_DECIMALS, header="Volume 7d/30d"),
    "divergence": ColumnFormat("number", formats.SCORE_DECIMALS, signed=True,
                               header="Divergence D"),
    "beta_to_btc": ColumnFormat("number", formats.RATIO_DECIMALS, header="Beta to BTC"),
    "btc_explained_share": ColumnFormat("pct", formats.PCT_DECIMALS, header="BTC-explained"),
    "flags": ColumnFormat("text", header="Flags"),
}


def sector_index_levels(dataset: Any, days: int = SECTOR_CHART_DAYS) -> pd.DataFrame:
    """Sector index levels (start = 100) and the benchmark: the workbook chart's series
    (:func:`rotation_addin.core.returns.sector_index_levels`)."""
    return levels(dataset.close, dataset.universe, days)


def sector_frames(dataset: Any, report: Any) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    table = rows_frame(report.sectors, SECTOR_COLUMNS)
    table = table.set_index("rank") if "rank" in table.columns else table
    table.index.name = "rank"
    levels = sector_index_levels(dataset)
    leader = report.sectors[0].sector if report.sectors else "—"
    caption = (
        f"{len(report.sectors)} sectors ranked by score (relative momentum vs BTC, volume trend, "
        f"divergence); leader: {leader}. Chart: {formats.SECTOR_CHART_TITLE}, last "
        f"{len(levels)} days. Source: {report.source}."
    )
    return table, levels, caption


# -- correlation -------------------------------------------------------------------------------
def _pair_matrix(table: pd.DataFrame, column: str, labels: list[str]) -> pd.DataFrame:
    matrix = pd.DataFrame(np.eye(len(labels)), index=labels, columns=labels)
    for pair, value in table[column].items():
        first, second = str(pair[0]), str(pair[1])  # type: ignore[index]
        if first in matrix.index and second in matrix.columns:
            matrix.loc[first, second] = value
            matrix.loc[second, first] = value
    return matrix


def correlation_frames(
    dataset: Any, report: Any
) -> tuple[pd.DataFrame, pd.DataFrame, str, str, str, str]:
    """Normal-day and stress-day matrices of the sector indices and BTC, plus the notes."""
    universe = dataset.universe
    returns = log_returns(dataset.close)
    index = sector_index_returns(returns.drop(columns=[universe.benchmark]), universe)
    labels = [s for s in universe.trading_sectors() if s in index.columns]
    frame = index[labels].copy()
    frame[universe.benchmark] = returns[universe.benchmark]
    labels.append(universe.benchmark)
    stress = stress_correlation(frame, universe.benchmark, STRESS_QUANTILE)
    normal = _pair_matrix(stress.table, "normal_corr", labels)
    stressed = _pair_matrix(stress.table, "stress_corr", labels)
    normal_title = f"Normal days ({stress.normal_days} days)"
    stress_title = (
        f"Stress days: BTC ≤ {stress.threshold_return * 100:.1f} %/day ({stress.stress_days} days)"
    )
    picture = report.correlation
    caption = (
        "Pearson correlation of daily log returns of the sector indices and BTC. Right: only the "
        "days in BTC's worst decile. A filtered sample understates correlation "
        "(Forbes–Rigobon); the notes give the bias-adjusted figure and co-crash rates. "
        f"Colours: {formats.CORR_COLOUR_LEGEND}."
    )
    notes = correlation_notes(stress, picture, universe.benchmark)
    return normal, stressed, normal_title, stress_title, caption, notes


def correlation_notes(stress: Any, picture: Any, benchmark: str) -> str:
    """Plain-language lines: vs-BTC adjusted stress figures, decay alert, inverse pairs."""
    lines: list[str] = []
    table = stress.table
    vs_btc = [
        (pair[0] if pair[1] == benchmark else pair[1], row)
        for pair, row in table.iterrows()
        if benchmark in pair
    ]
    if vs_btc:
        parts = [
            f"{name} {formats.format_correlation(row['normal_corr'], signed=True)}→"
            f"{formats.format_correlation(row['stress_corr_adjusted'], signed=True)} "
            f"(co-crash ×{row['co_crash_ratio']:.1f})"
            for name, row in vs_btc
            if math.isfinite(float(row["normal_corr"]))
        ]
        lines.append("vs BTC, normal → stress (Forbes–Rigobon adjusted): " + "; ".join(parts))
    average = float(getattr(picture, "average_pairwise", math.nan))
    if math.isfinite(average):
        lines.append(
            f"Average pairwise sector correlation ({picture.window_days} d, USD): "
            f"{formats.format_correlation(average)}"
        )
    alert: Any = getattr(picture, "decay_alert", None)
    if alert is not None and str(getattr(alert, "message", "")):
        lines.append(f"Decay alert: {alert.message}")
    for label, attr in (("USD", "natural_hedges_usd"),
                        ("BTC-relative", "natural_hedges_relative")):
        lines.append(inverse_pairs_line(label, getattr(picture, attr, ())))
    lines.extend(f"⚠ {w}" for w in getattr(stress, "warnings", ()))
    return "\n".join(lines)


# -- regime ------------------------------------------------------------------------------------
VOTE_FORMATS: dict[str, ColumnFormat] = {
    "name": ColumnFormat("text", header="Input"),
    "value": ColumnFormat("number", 2, signed=True, header="Measured (%)"),
    "vote": ColumnFormat("int", signed=True, header="Vote (+1 on / -1 off)"),
    "reason": ColumnFormat("text", header="Reason"),
}


def regime_frames(report: Any) -> tuple[str, str, pd.DataFrame]:
    """Verdict label, one-paragraph summary and the votes table."""
    regime = report.regime
    label = _first_attr(regime, ("label", "verdict", "regime", "state"), "unknown")
    votes_items = _first_attr(regime, ("votes", "inputs"), ())
    votes = rows_frame(votes_items) if votes_items else pd.DataFrame()
    summary_bits = []
    reason = _first_attr(regime, ("summary", "reason", "explanation"), "")
    if reason:
        summary_bits.append(str(reason))
    summary_bits.extend(f"⚠ {w}" for w in getattr(regime, "warnings", ()))
    enabled: Any = getattr(regime, "rotation_enabled", None)
    if enabled is not None:
        summary_bits.append(
            "Rotation between sectors is allowed." if enabled
            else "Rotation between sectors is paused by the regime gate."
        )
    summary_bits.append(f"Source: {report.source}, as of {report.as_of:%Y-%m-%d}.")
    text = "\n".join(bit if bit.endswith(".") else bit + "." for bit in summary_bits)
    return str(_plain(label)), text, votes


def regime_scores(dataset: Any, days: int = REGIME_CHART_DAYS) -> pd.Series:
    """Daily regime score (sum of the three votes, -3..+3) over the last ``days`` days.

    ``regime_history`` replays :func:`regime_verdict` (default parameters, as the report uses)
    day by day with only the data known on each day; it is given ``days`` plus the longest
    look-back (50-day equity average) so the first plotted day is fully informed.
    """
    macro = dataset.macro
    if macro.empty:
        return pd.Series(dtype=float, name="score")
    history = regime_history(macro.iloc[-(days + 60):])
    return history["score"].astype(float).iloc[-days:]


def _first_attr(obj: Any, names: Iterable[str], default: Any) -> Any:
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


# -- plan --------------------------------------------------------------------------------------
ORDER_COLUMNS = (
    "symbol", "action", "side", "quantity_base", "entry_price_usd", "notional_usd",
    "margin_usd", "leverage", "stop_price_usd", "take_profit_price_usd",
    "liquidation_price_usd", "risk_usd", "role", "reason",
)
ORDER_FORMATS: dict[str, ColumnFormat] = {
    "symbol": ColumnFormat("text", header="Symbol"),
    "action": ColumnFormat("text", header="Action"),
    "side": ColumnFormat("text", header="Side"),
    "quantity_base": ColumnFormat("qty", header="Qty", step_column="amount_step"),
    "entry_price_usd": ColumnFormat("price", header="Entry", step_column="price_tick"),
    "notional_usd": ColumnFormat("usd", 2, header="Notional"),
    "margin_usd": ColumnFormat("usd", 2, header="Margin"),
    "leverage": ColumnFormat("lev", header="Lev."),
    "stop_price_usd": ColumnFormat("price", header="Stop", step_column="price_tick"),
    "take_profit_price_usd": ColumnFormat("price", header="Take-profit",
                                          step_column="price_tick"),
    "liquidation_price_usd": ColumnFormat("price", header="Liq.",
                                          step_column="price_tick"),
    "risk_usd": ColumnFormat("usd", 2, header="Risk"),
    "role": ColumnFormat("text", header="Role"),
    "reason": ColumnFormat("text", header="Reason"),
    "price_tick": ColumnFormat("hidden"),
    "amount_step": ColumnFormat("hidden"),
}
REFUSAL_FORMATS: dict[str, ColumnFormat] = {
    "symbol": ColumnFormat("text", header="Symbol"),
    "rule": ColumnFormat("text", header="Rule"),
    "detail": ColumnFormat("text", header="Why"),
}


def plan_frames(report: Any, contracts: Mapping[str, Any] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Orders (with each symbol's ``price_tick`` / ``amount_step``, hidden columns the
    prices and quantities are written to), refusals and the caption."""
    plan = report.plan
    orders = rows_frame(plan.orders, ORDER_COLUMNS)
    specs = [(contracts or {}).get(o.base) for o in plan.orders]
    orders["price_tick"] = [c.price_tick if c is not None else np.nan for c in specs]
    orders["amount_step"] = [c.amount_step if c is not None else np.nan for c in specs]
    refusals = rows_frame(plan.refusals, ("symbol", "rule", "detail"))
    caption = (
        f"{formats.format_count(len(plan.orders), 'order')}, {len(plan.refusals)} refused. "
        "Stressed loss if every stop is hit at once (correlation 1): "
        f"{formats.format_money(plan.stressed_loss_usd)} of a "
        f"{formats.format_money(plan.portfolio_risk_cap_usd)} cap. A proposal only: nothing is "
        "sent to any exchange. Prices and amounts in USD."
    )
    if plan.notes:
        caption += "\n" + "\n".join(f"• {note}" for note in plan.notes)
    return orders, refusals, caption


def build_frames(dataset: Any, report: Any) -> ViewFrames:
    """Every tab's frames from one dataset and its report."""
    sector_table, levels, sectors_caption = sector_frames(dataset, report)
    normal, stressed, n_title, s_title, c_caption, c_notes = correlation_frames(dataset, report)
    verdict, summary, votes = regime_frames(report)
    orders, refusals, plan_caption = plan_frames(report, dataset.contracts)
    return ViewFrames(
        sector_table=sector_table,
        sector_formats=SECTOR_FORMATS,
        sector_index=levels,
        sectors_caption=sectors_caption,
        corr_normal=normal,
        corr_stress=stressed,
        corr_normal_title=n_title,
        corr_stress_title=s_title,
        corr_caption=c_caption,
        corr_notes=c_notes,
        regime_verdict=verdict,
        regime_summary=summary,
        regime_votes=votes,
        vote_formats=VOTE_FORMATS,
        regime_scores=regime_scores(dataset),
        orders=orders,
        order_formats=ORDER_FORMATS,
        refusals=refusals,
        refusal_formats=REFUSAL_FORMATS,
        plan_caption=plan_caption,
    )
