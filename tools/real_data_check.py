"""What real data says: the tool's own analytics run on the Coin Metrics daily prices.

Regenerate ``docs/real-data-check.md`` with::

    .venv/bin/python -m tools.real_data_check ../shared/data/coinmetrics \
        > docs/real-data-check.md

The folder is read through the product's CSV import (``data/csv_import.py``) with the
bundled universe; nothing from it is copied into the package (CC BY-NC data).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.correlation import (
    average_pairwise_correlation,
    correlation_decay_alert,
    correlation_matrix,
    ledoit_wolf_covariance,
    natural_hedges,
    pair_correlation_profile,
    residual_correlation,
    sector_betas,
    sector_structure,
    stress_correlation,
)
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.regime import dominance_proxy, regime_history
from rotation_addin.core.returns import log_returns, relative_returns, sector_index_returns
from rotation_addin.core.universe import BENCHMARK_SECTOR, Universe

ATTRIBUTION = "Source: Coin Metrics Community Data (CC BY-NC 4.0)"
COMMAND = (".venv/bin/python -m tools.real_data_check "
           "../shared/data/coinmetrics > docs/real-data-check.md")
RENDER, COMPUTE = "render", "gpu_compute"
HEDGE_THRESHOLD = -0.2
FORWARD_DAYS = 30
ROTATION_LOOKBACK_DAYS, ROTATION_HOLD_DAYS = 30, 7


@dataclass(frozen=True)
class Inputs:
    """The real data, cut to the period where the altcoin prices exist."""

    dataset: MarketDataset
    returns: pd.DataFrame
    universe: Universe
    macro: pd.DataFrame
    warnings: tuple[str, ...]


# ----------------------------------------------------------------------------- formatting
def _num(value: float, digits: int = 2) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


def _pct(value: float, digits: int = 1) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:.{digits}f} %"


def _day(stamp: object) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def _cell(matrix: pd.DataFrame, row: str, column: str) -> float:
    return float(matrix.to_numpy()[matrix.index.get_loc(row), matrix.columns.get_loc(column)])


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- loading
def load_inputs(folder: Path) -> Inputs:
    """Import the folder with the product's CSV import and cut to the altcoin period."""
    from rotation_addin.data.csv_import import import_csv_folder
    from rotation_addin.data.universe_io import load_universe

    supply = folder / "stablecoin_supply.csv"
    imported = import_csv_folder(folder, load_universe(),
                                 macro_csv=supply if supply.is_file() else None)
    dataset = imported.dataset
    close = dataset.close
    alts = [c for c in close.columns if c != dataset.universe.benchmark]
    enough = close[alts].notna().sum(axis=1) > len(alts) / 2
    end = close.index[np.flatnonzero(enough.to_numpy())[-1]]
    returns = log_returns(close.loc[:end])
    present = {s: tuple(b for b in m if b in close.columns)
               for s, m in dataset.universe.sectors.items()}
    universe = Universe({s: m for s, m in present.items() if m},
                        quote=dataset.universe.quote, benchmark=dataset.universe.benchmark)
    return Inputs(dataset, returns, universe, dataset.macro, tuple(imported.warnings))


# ----------------------------------------------------------------------------- sections
def _sector_returns(inputs: Inputs, relative: bool) -> pd.DataFrame:
    source = relative_returns(inputs.returns) if relative else \
        inputs.returns.drop(columns=[inputs.universe.benchmark])
    index = sector_index_returns(source, inputs.universe)
    return index[[s for s in inputs.universe.trading_sectors() if s in index.columns]]


def section_data(inputs: Inputs) -> str:
    r = inputs.returns
    rows = []
    for sector, members in inputs.universe.sectors.items():
        for base in members:
            series = r[base].dropna()
            rows.append([sector, base, _day(series.index[0]), _day(series.index[-1]),
                         str(len(series))])
    missing = ", ".join(inputs.dataset.missing_symbols) or "none"
    late = [b for b in r.columns if r[b].first_valid_index() != r.index[0]]
    late_text = ", ".join(f"{b} from {_day(r[b].first_valid_index())}" for b in late)
    return "\n\n".join([
        "## Data",
        f"Daily USD reference rates, imported with the product's CSV import "
        f"(`rotation_addin.data.csv_import.import_csv_folder`, bundled universe; `rndr` is "
        f"imported as RENDER). Analysis period: {_day(r.index[0])} to {_day(r.index[-1])} "
        f"({len(r)} daily log returns; it ends where most altcoin files end). Coin Metrics "
        "stamps a price at 00:00 UTC of its date; the import keeps that date, which shifts the "
        "day label by one against exchange candles but changes no correlation.",
        _table(["sector", "base", "first return", "last return", "days"], rows),
        f"Universe members without data (reported, not used): {missing}. "
        + (f"Late starters: {late_text}; a sector index averages only the members with a "
           "return that day." if late else ""),
    ])


def section_betas(inputs: Inputs) -> tuple[str, pd.DataFrame]:
    betas = sector_betas(inputs.returns, inputs.universe)
    rows = [[str(name), str(row["kind"]), str(row["sector"]), _num(row["beta"]),
             _pct(row["r_squared"], 0), _pct(row["residual_vol_annual"], 0),
             str(int(row["observations"]))]
            for name, row in betas.iterrows()]
    text = "\n\n".join([
        "## The market factor: beta to BTC and the share of variance BTC explains",
        "OLS of each daily USD log return on BTC's (`core.correlation.sector_betas`). "
        "R² = share of the daily variance BTC explains; residual vol = what is left, "
        "annualised with √365. Sector rows are the equal-weight sector indices.",
        _table(["name", "kind", "sector", "beta", "R² (BTC)", "residual vol / yr", "days"],
               rows),
    ])
    return text, betas


def section_structure(inputs: Inputs) -> tuple[str, dict[str, float]]:
    r = inputs.returns
    u = inputs.universe
    usd = sector_structure(correlation_matrix(r), u)
    rel = sector_structure(correlation_matrix(relative_returns(r)), u)
    res = sector_structure(residual_correlation(r, u.benchmark), u)
    rows = [[label, _num(s.intra_sector_mean), _num(s.inter_sector_mean), _num(s.gap),
             f"{s.intra_pairs} / {s.inter_pairs}"]
            for label, s in (("USD returns", usd), ("BTC-relative returns", rel),
                             ("residuals after the BTC factor", res))]
    by_sector = [[sector, _num(usd.by_sector.get(sector, math.nan)),
                  _num(res.by_sector.get(sector, math.nan))] for sector in res.by_sector]
    text = "\n\n".join([
        "## Sector structure beyond the market factor",
        "Mean pairwise correlation of assets inside the same sector versus across sectors "
        "(full period, pairwise-complete days; `core.correlation.sector_structure` on "
        "`correlation_matrix` and on `residual_correlation`). If the sectors were real "
        "clusters, the intra-sector mean would clearly exceed the inter-sector mean once BTC "
        "is removed.",
        _table(["returns", "intra-sector", "inter-sector", "gap", "pairs intra / inter"], rows),
        _table(["sector", "intra, USD", "intra, residual"], by_sector),
    ])
    return text, {"usd_gap": usd.gap, "residual_gap": res.gap,
                  "residual_intra": res.intra_sector_mean,
                  "residual_inter": res.inter_sector_mean}


def section_render_compute(inputs: Inputs) -> tuple[str, dict[str, float]]:
    facts: dict[str, float] = {}
    rows = []
    for relative in (False, True):
        index = _sector_returns(inputs, relative)
        label = "BTC-relative" if relative else "USD"
        for window in (30, 90):
            p = pair_correlation_profile(index[RENDER].rename(RENDER),
                                         index[COMPUTE].rename(COMPUTE), window,
                                         hedge_threshold=HEDGE_THRESHOLD)
            rows.append([label, f"{window} d", str(p.windows), _pct(p.share_negative),
                         _pct(p.share_below_hedge), f"{_num(p.minimum)} ({_day(p.minimum_date)})",
                         _num(p.median), _num(p.maximum)])
            facts[f"{label}_{window}_share_negative"] = p.share_negative
            facts[f"{label}_{window}_min"] = p.minimum
            facts[f"{label}_{window}_share_hedge"] = p.share_below_hedge
            facts[f"{label}_{window}_median"] = p.median
    r = inputs.returns
    full_usd = correlation_matrix(r.drop(columns=[inputs.universe.benchmark]))
    full_rel = correlation_matrix(relative_returns(r))
    hedges_usd = natural_hedges(full_usd, HEDGE_THRESHOLD)
    hedges_rel = natural_hedges(full_rel, HEDGE_THRESHOLD)
    members = [[a, b, _num(_cell(full_usd, a, b)), _num(_cell(full_rel, a, b))]
               for a in inputs.universe.sectors[RENDER] for b in inputs.universe.sectors[COMPUTE]]
    facts["hedges_full_usd"] = float(len(hedges_usd))
    facts["hedges_full_rel"] = float(len(hedges_rel))
    hedge_text = ", ".join(f"{h.first}/{h.second} {h.correlation:+.2f}" for h in hedges_rel)
    text = "\n\n".join([
        "## Do render and compute ever move inversely?",
        "Rolling Pearson correlation of the `render` (RENDER, THETA) and `gpu_compute` "
        "(AKT, GLM, RLC) sector indices (`pair_correlation_profile`). BTC-relative = each "
        "member's log return minus BTC's, then the equal-weight index.",
        _table(["returns", "window", "windows", "share < 0", f"share < {HEDGE_THRESHOLD}",
                "minimum (date)", "median", "maximum"], rows),
        "Member pairs, full-period correlation:",
        _table(["render member", "compute member", "USD", "BTC-relative"], members),
        f"Natural hedges (full-period correlation < {HEDGE_THRESHOLD}, any two assets): "
        f"USD {len(hedges_usd)}, BTC-relative {len(hedges_rel)}"
        + (f" ({hedge_text})." if hedges_rel else "."),
    ])
    return text, facts


def section_stress(inputs: Inputs) -> tuple[str, dict[str, float]]:
    sectors = _sector_returns(inputs, relative=False)
    sectors[inputs.universe.benchmark] = inputs.returns[inputs.universe.benchmark]
    result = stress_correlation(sectors, inputs.universe.benchmark, 0.10, k_sigma=2.0)
    rows = [[f"{pair[0]} / {pair[1]}", _num(row["normal_corr"]), _num(row["stress_corr"]),
             _num(row["stress_corr_adjusted"]), _pct(row["co_crash_rate"]),
             _pct(row["co_crash_expected"], 2), _num(row["co_crash_ratio"], 1)]
            for pair, row in zip(result.table.index, result.table.to_dict("records"),
                                 strict=True)]
    table = result.table
    alt_pairs = table[[inputs.universe.benchmark not in pair for pair in table.index]]
    facts = {
        "normal_mean": float(alt_pairs["normal_corr"].mean()),
        "stress_mean": float(alt_pairs["stress_corr"].mean()),
        "adjusted_mean": float(alt_pairs["stress_corr_adjusted"].mean()),
        "co_crash_ratio_mean": float(table["co_crash_ratio"].mean()),
        "variance_ratio": result.benchmark_variance_ratio,
    }
    text = "\n\n".join([
        "## Stress versus normal correlation",
        f"Stress days: BTC's daily log return at or below its 10 % quantile "
        f"({_pct(result.threshold_return, 2)}; {result.stress_days} stress days, "
        f"{result.normal_days} normal days). BTC's return variance on stress days is "
        f"{_num(result.benchmark_variance_ratio)}× its normal-day variance, so the raw stress "
        "correlation is biased (Forbes–Rigobon 2002); the adjusted column removes that bias "
        "(ρ* = ρ/√(1+δ(1−ρ²)), δ = variance ratio − 1; for pairs without BTC this is the "
        "usual approximation). Co-crash: share of days on which both fell more than 2σ "
        "(own full-period σ), against the product of the two single crash rates "
        "(what independence predicts).",
        _table(["pair (sector indices, USD)", "normal", "stress (raw)", "stress (FR-adjusted)",
                "co-crash rate", "if independent", "ratio"], rows),
        f"Mean over the sector-index pairs without BTC: normal {_num(facts['normal_mean'])}, "
        f"raw stress {_num(facts['stress_mean'])}, adjusted stress "
        f"{_num(facts['adjusted_mean'])}. Big down days come together: co-crashes happen "
        f"about {_num(facts['co_crash_ratio_mean'], 0)}× as often as independence would give.",
    ])
    return text, facts


def section_trend(inputs: Inputs) -> str:
    sectors = _sector_returns(inputs, relative=False)
    rows = []
    for window in (30, 90):
        average = average_pairwise_correlation(sectors, window).dropna()
        states = []
        for end in range(90, len(average) + 1):
            states.append(correlation_decay_alert(average.iloc[:end], baseline_days=90).state)
        counts = pd.Series(states).value_counts(normalize=True)
        latest = correlation_decay_alert(average, baseline_days=90)
        rows.append([f"{window} d", _num(float(average.min())), _num(float(average.median())),
                     _num(float(average.max())), _pct(float(counts.get("decay", 0.0))),
                     _pct(float(counts.get("surge", 0.0))), latest.message])
    shrink = []
    complete = inputs.returns.dropna(axis=1, thresh=int(0.9 * len(inputs.returns)))
    for window in (30, 90):
        lw = ledoit_wolf_covariance(complete.iloc[-window:])
        shrink.append(f"{window} days, {complete.shape[1]} assets: {_num(lw.shrinkage, 3)}")
    return "\n\n".join([
        "## Average pairwise correlation and the decay alert",
        "Average of the rolling pairwise correlations of the five sector indices (USD). "
        "Alert rule (`correlation_decay_alert`): latest value minus its mean over the last "
        "90 values; ≤ −0.15 is \"decay\", ≥ +0.15 is \"surge\". Share of days each alert "
        "would have been on:",
        _table(["window", "min", "median", "max", "decay days", "surge days", "last day"], rows),
        "Ledoit–Wolf shrinkage intensity on the last window (identity target, as "
        "scikit-learn): " + "; ".join(shrink) + ".",
    ])


def _forward_sum(values: pd.Series, days: int) -> pd.Series:
    data = values.to_numpy()
    out = np.full(len(data), np.nan)
    if len(data) > days:
        windows = np.lib.stride_tricks.sliding_window_view(data[1:], days)
        out[: len(windows)] = windows.sum(axis=1)
    return pd.Series(out, index=values.index)


def _stablecoin_vs_btc(inputs: Inputs) -> str:
    """Stablecoin vote alone over the whole supply file against BTC's next-30-day return."""
    btc = inputs.dataset.close[inputs.universe.benchmark].dropna()
    macro = inputs.macro.loc[btc.index[0] : btc.index[-1], ["stablecoin_supply_usd"]]
    history = regime_history(macro).iloc[30:]
    forward = _forward_sum(np.log(btc).diff(), FORWARD_DAYS).reindex(history.index)
    rows = []
    for vote in (1, 0, -1):
        values = forward[(history["stablecoin_vote"] == vote) & forward.notna()]
        rows.append([f"{vote:+d}", str(len(values)),
                     _pct(float(values.mean())) if len(values) else "n/a",
                     _pct(float((values > 0).mean())) if len(values) else "n/a"])
    return (f"Stablecoin vote alone, {_day(history.index[0])} to {_day(history.index[-1])}, "
            f"against BTC's own USD log return over the next {FORWARD_DAYS} days:\n\n"
            + _table(["stablecoin vote", "days scored", f"mean next-{FORWARD_DAYS}-day BTC",
                      "share positive"], rows))


def section_regime(inputs: Inputs) -> tuple[str, dict[str, float]]:
    close = inputs.dataset.close.loc[: inputs.returns.index[-1]]
    macro = inputs.macro.reindex(close.index).copy()
    macro["btc_dominance"] = dominance_proxy(close, benchmark=inputs.universe.benchmark,
                                             method="cap", start_share=0.5)
    proxy = macro["btc_dominance"]
    history = regime_history(macro).iloc[30:]
    shares = history["label"].value_counts(normalize=True)
    basket = relative_returns(inputs.returns).drop(
        columns=[b for b in inputs.universe.sectors.get(BENCHMARK_SECTOR, ())
                 if b in inputs.returns.columns and b != inputs.universe.benchmark]
    ).mean(axis=1)
    forward = _forward_sum(basket, FORWARD_DAYS).reindex(history.index)
    perf_rows = []
    facts: dict[str, float] = {}
    for label in ("risk-on", "neutral", "risk-off"):
        mask = (history["label"] == label) & forward.notna()
        values = forward[mask]
        facts[f"{label}_forward"] = float(values.mean()) if len(values) else math.nan
        perf_rows.append([label, _pct(float(shares.get(label, 0.0))), str(int(mask.sum())),
                          _pct(float(values.mean())) if len(values) else "n/a",
                          _pct(float((values > 0).mean())) if len(values) else "n/a"])
    votes = [[name, _pct(float((history[col] == 1).mean())),
              _pct(float((history[col] == 0).mean())),
              _pct(float((history[col] == -1).mean()))]
             for name, col in (("BTC dominance (proxy)", "dominance_vote"),
                               ("stablecoin supply", "stablecoin_vote"),
                               ("equity index", "equity_vote"))]
    months = pd.DatetimeIndex(history.index).tz_localize(None).to_period("M")
    month_ends = history.groupby(months).tail(1)
    monthly = [[_day(day), str(row["label"]), f"{int(row['dominance_vote']):+d}",
                f"{int(row['stablecoin_vote']):+d}", f"{int(row['equity_vote']):+d}"]
               for day, row in month_ends.iterrows()]
    changes = int((history["label"] != history["label"].shift()).sum() - 1)
    text = "\n\n".join([
        "## Regime calls the rules would have made",
        "Inputs: stablecoin supply = USDT + USDC `SplyCur` (real, from the same source); "
        "BTC dominance = **a proxy** (`core.regime.dominance_proxy`, method \"cap\"): BTC's "
        "share of a constant-supply cap basket of this universe, starting at 50 % -- it moves "
        "with BTC's performance against the equal-weight alt basket, it is not CoinGecko "
        f"dominance (here it ranged {_pct(float(proxy.min()), 0)}–"
        f"{_pct(float(proxy.max()), 0)}; its % changes shrink as it rises, which widens the "
        "dead band in effect); equity index: **no data** in this set, so that input votes 0 "
        "(\"no data\") every day. Default settings: 30-day changes, ±1 % dead bands, "
        "risk-on at score ≥ +1, risk-off at ≤ −1. Days from "
        f"{_day(history.index[0])} (after 30 days of history) to {_day(history.index[-1])}; "
        f"the label changed {changes} times in {len(history)} days.",
        _table(["input", "+1", "0", "−1"], votes),
        f"What followed each call: the equal-weight basket of every non-BTC asset, "
        f"BTC-relative log return over the next {FORWARD_DAYS} days (overlapping windows, so "
        "the day counts overstate the independent evidence):",
        _table(["label", "share of days", "days scored", f"mean next-{FORWARD_DAYS}-day "
                "alts vs BTC", "share positive"], perf_rows),
        _stablecoin_vs_btc(inputs),
        "Month-end calls:",
        _table(["day", "label", "dominance", "stablecoins", "equity"], monthly),
    ])
    return text, facts


def section_rotation(inputs: Inputs) -> tuple[str, dict[str, float]]:
    relative = _sector_returns(inputs, relative=True)
    hits = total = 0
    excess: list[float] = []
    base_hits = base_total = 0
    days = relative.index
    for end in range(ROTATION_LOOKBACK_DAYS, len(days) - ROTATION_HOLD_DAYS, ROTATION_HOLD_DAYS):
        past = relative.iloc[end - ROTATION_LOOKBACK_DAYS : end].sum(min_count=20)
        ahead = relative.iloc[end : end + ROTATION_HOLD_DAYS].sum(min_count=ROTATION_HOLD_DAYS)
        if past.isna().any() or ahead.isna().any():
            continue
        beat = ahead - ahead.mean()
        leader_excess = float(beat.to_numpy()[int(np.argmax(past.to_numpy()))])
        hits += int(leader_excess > 0)
        total += 1
        excess.append(leader_excess)
        base_hits += int((beat > 0).sum())
        base_total += len(beat)
    rate = hits / total if total else math.nan
    baseline = base_hits / base_total if base_total else math.nan
    mean_excess = float(np.mean(excess)) if excess else math.nan
    error = float(np.std(excess, ddof=1) / math.sqrt(len(excess))) if len(excess) > 1 \
        else math.nan
    text = "\n\n".join([
        "## A simplified rotation check: does relative momentum persist?",
        f"Every {ROTATION_HOLD_DAYS} days, pick the sector index with the best "
        f"{ROTATION_LOOKBACK_DAYS}-day BTC-relative momentum and compare its next "
        f"{ROTATION_HOLD_DAYS}-day BTC-relative return with the mean of the five sectors. "
        "(The full plan also uses volume trend and divergence; Coin Metrics has no volume "
        "or sentiment, so only the momentum leg is tested here.)",
        _table(["rebalances", "leader beat the sector mean", "any sector beats the mean "
                "(baseline)", f"mean excess of the leader over {ROTATION_HOLD_DAYS} days "
                "(± standard error)"],
               [[str(total), _pct(rate), _pct(baseline),
                 f"{_pct(mean_excess, 2)} ± {_pct(error, 2)}"]]),
    ])
    return text, {"rate": rate, "baseline": baseline, "total": float(total),
                  "mean_excess": mean_excess, "error": error}


def section_divergence() -> str:
    return "\n\n".join([
        "## Sentiment divergence",
        "This data set has no social-volume or on-chain-activity series, so the divergence "
        "signals and their hit rate cannot be measured on it. The tool does not repeat the "
        "article's \"87 % of major rotations predicted\": `core.divergence.signal_hit_rate` "
        "measures the hit rate (and the rate random days give) on whatever sentiment data "
        "the user imports or fetches.",
    ])


# ----------------------------------------------------------------------------- claims
def _render_claim(render: dict[str, float]) -> str:
    hedge_days = max(render["USD_30_share_hedge"], render["BTC-relative_30_share_hedge"])
    negative_days = max(render["USD_30_share_negative"],
                        render["BTC-relative_30_share_negative"])
    verdict = ("Contradicted" if hedge_days == 0.0 and negative_days < 0.10
               else "Not supported" if hedge_days < 0.10 else "Partly supported")
    return (
        f"**\"Render and compute move inversely / are natural hedges.\"** {verdict}: the "
        f"30-day USD correlation of the two sector indices was negative on "
        f"{_pct(render['USD_30_share_negative'])} of days (minimum "
        f"{_num(render['USD_30_min'])}, median {_num(render['USD_30_median'])}); "
        f"BTC-relative it was negative on {_pct(render['BTC-relative_30_share_negative'])} "
        f"of days and below {HEDGE_THRESHOLD} on "
        f"{_pct(render['BTC-relative_30_share_hedge'])} (minimum "
        f"{_num(render['BTC-relative_30_min'])}). These are the sector indices; single "
        "member pairs (e.g. RENDER vs AKT) are noisier and dip below zero more often "
        "(docs/demo-market.md counts member-pair windows). Say only that the correlation is "
        "measured and shown; never present one as a hedge for the other."
    )


def _structure_claim(structure: dict[str, float], betas: pd.DataFrame) -> str:
    sectors = betas[betas["kind"] == "sector"]
    weak = structure["residual_gap"] < 0.10
    return (
        "**\"Sectors are separate bets; holding several diversifies.\"** "
        f"{'Not supported' if weak else 'Partly supported'}: BTC explains "
        f"{_pct(float(sectors['r_squared'].min()), 0)}–"
        f"{_pct(float(sectors['r_squared'].max()), 0)} of each sector index's daily variance, "
        "and after removing BTC the intra-sector residual correlation "
        f"({_num(structure['residual_intra'])}) is "
        f"{'barely above' if weak else 'above'} the inter-sector one "
        f"({_num(structure['residual_inter'])}; gap {_num(structure['residual_gap'])})."
        + (" Sector labels carry little structure beyond the market factor." if weak else "")
    )


def _stress_claim(stress: dict[str, float]) -> str:
    rises = stress["adjusted_mean"] >= stress["normal_mean"]
    return (
        "**\"Positions in different sectors offset each other in a sell-off.\"** "
        f"{'Contradicted' if rises else 'Not supported'}: on BTC's worst-decile days the "
        f"correlation between sector indices goes from {_num(stress['normal_mean'])} (normal "
        f"days) to {_num(stress['stress_mean'])} raw, {_num(stress['adjusted_mean'])} after "
        "the Forbes–Rigobon adjustment, and large down days coincide about "
        f"{_num(stress['co_crash_ratio_mean'], 0)}× as often as independence predicts. "
        "Keep the rule that stressed risk assumes correlation 1."
    )


def _regime_claim(regime: dict[str, float]) -> str | None:
    on, off = regime["risk-on_forward"], regime["risk-off_forward"]
    if not (math.isfinite(on) and math.isfinite(off)) or on > off:
        return None
    return (
        "**\"A risk-on regime (falling dominance, growing stablecoins) is the time to rotate "
        "into alts.\"** Not supported here: after risk-on calls the alt basket went on to "
        f"return {_pct(on)} vs BTC over the next {FORWARD_DAYS} days on average, after "
        f"risk-off calls {_pct(off)}. (Dominance is a price proxy in this check, and the "
        "equity input had no data.) Present the regime as a description of current "
        "conditions and a risk gate, not as a forecast of alt performance."
    )


def _rotation_claim(rotation: dict[str, float]) -> str | None:
    rate, baseline = rotation["rate"], rotation["baseline"]
    noise = abs(rotation["mean_excess"]) < 2 * rotation["error"]
    if not math.isfinite(rate) or (rate > baseline + 0.05 and not noise):
        return None
    return (
        "**\"Rotating into the sector with the best relative momentum wins.\"** Not "
        f"supported on this period: the 30-day BTC-relative leader beat the sector mean over "
        f"the next week {_pct(rate)} of {int(rotation['total'])} times vs {_pct(baseline)} "
        f"for any sector; its mean excess {_pct(rotation['mean_excess'], 2)} ± "
        f"{_pct(rotation['error'], 2)} per week is "
        f"{'within noise' if noise else 'small'}. Present scores as a ranking, not a forecast."
    )


def claims_section(
    structure: dict[str, float],
    render: dict[str, float],
    stress: dict[str, float],
    betas: pd.DataFrame,
    regime: dict[str, float],
    rotation: dict[str, float],
) -> str:
    """The list other surfaces' help texts must respect, derived from the numbers."""
    lines = [_render_claim(render), _structure_claim(structure, betas), _stress_claim(stress)]
    lines += [c for c in (_regime_claim(regime), _rotation_claim(rotation)) if c]
    lines.append(
        "**\"Divergence predicted 87 % of major rotations.\"** Not verified: this data has "
        "no sentiment series; the tool reports its own measured hit rate beside a random-day "
        "baseline (`signal_hit_rate`), never the 87 %."
    )
    residual = betas["residual_vol_annual"]
    lines.append(
        "**\"15 %-a-day sectors are where leverage makes sense.\"** Wrong by construction "
        "(see STRATEGY.md layer 3): higher volatility means lower safe leverage; even the "
        f"volatility BTC does not explain is {_pct(float(residual.min()), 0)}–"
        f"{_pct(float(residual.max()), 0)} a year here."
    )
    return "## Claims the tool must not repeat\n\n" + "\n".join(f"- {line}" for line in lines)


def build_markdown(folder: Path | str) -> str:
    """Run every check on the CSV folder and return the whole markdown document."""
    inputs = load_inputs(Path(folder))
    data = section_data(inputs)
    betas_text, betas = section_betas(inputs)
    structure_text, structure = section_structure(inputs)
    render_text, render = section_render_compute(inputs)
    stress_text, stress = section_stress(inputs)
    trend_text = section_trend(inputs)
    regime_text, regime = section_regime(inputs)
    rotation_text, rotation = section_rotation(inputs)
    header = "\n\n".join([
        "# What real data says (generated)",
        f"{ATTRIBUTION}. Daily reference rates, used for testing and calibration only -- "
        "non-commercial licence, not redistributed with the product.",
        "This page is the tool's own output, not hand-written: regenerate it with\n\n"
        f"    {COMMAND}",
    ])
    parts = [header, claims_section(structure, render, stress, betas, regime, rotation), data,
             betas_text, structure_text, render_text, stress_text, trend_text, regime_text,
             rotation_text, section_divergence(), ATTRIBUTION + "."]
    return "\n\n".join(parts) + "\n"


def main(folder: Path | str | None = None) -> int:
    """Print the markdown for ``folder`` (default: first command-line argument)."""
    target = folder if folder is not None else (sys.argv[1] if len(sys.argv) > 1 else None)
    if target is None:
        print("usage: python -m tools.real_data_check FOLDER", file=sys.stderr)
        return 2
    sys.stdout.write(build_markdown(target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
