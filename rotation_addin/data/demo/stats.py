"""Statistics used to calibrate the demo market and to compare it with real data.

The same functions run on the real Coin Metrics prices and on the simulated prices, so the
comparison in ``docs/demo-market.md`` is like for like. Inputs are wide frames of daily
close prices (columns = bases, a ``DatetimeIndex``); returns are daily log returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation_addin.data.demo.calibration_bands import CALIBRATION_BANDS as CALIBRATION_BANDS
from rotation_addin.data.demo.calibration_bands import Band as Band

STRESS_QUANTILE = 0.10
ROLLING_WINDOW_DAYS = 30
ACF_LAGS = 10


def log_returns(close: pd.DataFrame) -> pd.DataFrame:
    """Daily log returns ``ln(P_t / P_{t-1})`` of a wide close-price frame (first row dropped)."""
    log_close = pd.DataFrame(
        np.log(close.astype(float).to_numpy()), index=close.index, columns=close.columns
    )
    return log_close.diff().iloc[1:]


def column_dict(frame: pd.DataFrame, column: object) -> dict[str, float]:
    """``{str(row label): float(value)}`` of one column (typed access for callers)."""
    values = frame[column].to_numpy(dtype=float)
    return {str(k): float(v) for k, v in zip(frame.index, values, strict=True)}


def excess_kurtosis(x: pd.Series) -> float:
    """Sample excess kurtosis (pandas' bias-corrected Fisher definition; normal = 0)."""
    return float(pd.DataFrame({"x": x.dropna().astype(float)}).kurt().to_numpy(dtype=float)[0])


def t_dof_from_kurtosis(kurtosis: float) -> float:
    """Student-t degrees of freedom with the given excess kurtosis: ``6 / k + 4`` (k > 0)."""
    return float(4.0 + 6.0 / kurtosis) if kurtosis > 0 else float("inf")


def autocorrelation(x: pd.Series, lag: int) -> float:
    """Lag-``lag`` autocorrelation of ``x`` (Pearson correlation with its lagged self)."""
    clean = x.dropna()
    return float(clean.autocorr(lag))


def mean_abs_acf(x: pd.Series, lags: int = ACF_LAGS) -> float:
    """Mean autocorrelation of ``|x|`` over lags 1..``lags`` (volatility clustering)."""
    absolute = x.dropna().abs()
    return float(np.mean([absolute.autocorr(k) for k in range(1, lags + 1)]))


def beta_and_corr(asset: pd.Series, market: pd.Series) -> tuple[float, float]:
    """OLS beta ``cov(r, m) / var(m)`` and Pearson correlation on common days."""
    both = pd.concat([asset, market], axis=1, sort=True).dropna()
    if len(both) < 3:
        return float("nan"), float("nan")
    a, m = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
    cov = np.cov(a, m)
    return float(cov[0, 1] / cov[1, 1]), float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))


def asset_statistics(returns: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """Per-asset statistics: one row per base.

    Columns: ``days``, ``daily_vol`` (s.d. of log returns), ``excess_kurtosis``,
    ``acf_sq_1`` (lag-1 autocorrelation of squared returns), ``acf_abs`` (mean lag 1..10
    autocorrelation of absolute returns), ``beta`` and ``corr_btc`` (to ``benchmark``).
    """
    market = returns[benchmark]
    rows = {}
    for base in returns.columns:
        r = returns[base].dropna()
        beta, corr = beta_and_corr(r, market)
        rows[base] = {
            "days": float(len(r)),
            "daily_vol": float(r.std()),
            "excess_kurtosis": excess_kurtosis(r),
            "acf_sq_1": autocorrelation(r * r, 1),
            "acf_abs": mean_abs_acf(r),
            "beta": beta,
            "corr_btc": corr,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def market_residuals(returns: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """Returns minus ``beta_i * r_benchmark`` (OLS beta), demeaned; benchmark column dropped."""
    market = returns[benchmark]
    out = {}
    for base in returns.columns:
        if base == benchmark:
            continue
        beta, _ = beta_and_corr(returns[base], market)
        resid = returns[base] - beta * market
        out[base] = resid - resid.mean()
    return pd.DataFrame(out, index=returns.index)


def _mean_pair_corr(corr: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> float:
    matrix = corr.to_numpy(dtype=float)
    position = {name: i for i, name in enumerate(corr.columns)}
    values = [matrix[position[a], position[b]] for a, b in pairs]
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def residual_correlations(
    returns: pd.DataFrame,
    benchmark: str,
    sectors: Mapping[str, Sequence[str]],
    min_days: int = 60,
) -> dict[str, float]:
    """Mean pairwise correlation of market residuals inside each sector and across sectors.

    Returns ``{sector: mean within-sector pair correlation, ..., "_cross": mean correlation of
    pairs in different sectors}``. Pairs with fewer than ``min_days`` common days are skipped.
    """
    resid = market_residuals(returns, benchmark)
    corr = resid.corr(min_periods=min_days)
    owner = {b: s for s, members in sectors.items() for b in members if b in resid.columns}
    bases = list(owner)
    out: dict[str, float] = {}
    for sector in sectors:
        members = [b for b in bases if owner[b] == sector]
        pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        if pairs:
            out[sector] = _mean_pair_corr(corr, pairs)
    cross = [(a, b) for i, a in enumerate(bases) for b in bases[i + 1 :] if owner[a] != owner[b]]
    out["_cross"] = _mean_pair_corr(corr, cross)
    return out


def stress_correlation(
    returns: pd.DataFrame, benchmark: str, quantile: float = STRESS_QUANTILE
) -> dict[str, float]:
    """Correlation on the benchmark's worst-``quantile`` days next to the other days.

    Returns ``stress_pair_corr`` / ``normal_pair_corr`` (mean pairwise correlation between the
    non-benchmark assets), ``stress_days`` and ``normal_days``. Pairs with < 10 common days on
    the stress side are skipped.
    """
    market = returns[benchmark].dropna()
    cut = market.quantile(quantile)
    stress_days = market.index[market <= cut]
    normal_days = market.index[market > cut]
    alts = [c for c in returns.columns if c != benchmark]
    pairs = [(a, b) for i, a in enumerate(alts) for b in alts[i + 1 :]]

    def mean_corr(days: pd.Index) -> float:
        corr = returns.loc[days, alts].corr(min_periods=10)
        return _mean_pair_corr(corr, pairs)

    return {
        "stress_pair_corr": mean_corr(stress_days),
        "normal_pair_corr": mean_corr(normal_days),
        "stress_days": float(len(stress_days)),
        "normal_days": float(len(normal_days)),
    }


def negative_relative_corr_share(
    returns: pd.DataFrame,
    benchmark: str,
    left: Sequence[str],
    right: Sequence[str],
    window: int = ROLLING_WINDOW_DAYS,
    threshold: float = 0.0,
) -> float:
    """Share of (pair, day) windows whose rolling BTC-relative correlation is < ``threshold``.

    BTC-relative return: ``r_i - r_benchmark``. Pairs are every (left, right) combination
    (e.g. render members vs gpu_compute members); windows need ``window`` complete days.
    """
    rel = returns.sub(returns[benchmark], axis=0)
    below = 0
    total = 0
    for a in left:
        for b in right:
            if a not in rel or b not in rel:
                continue
            rolling = rel[a].rolling(window, min_periods=window).corr(rel[b]).dropna()
            below += int((rolling < threshold).sum())
            total += len(rolling)
    return below / total if total else float("nan")


@dataclass(frozen=True)
class ComparisonInputs:
    """What :func:`summary_statistics` needs: closes, benchmark and sector membership."""

    close: pd.DataFrame
    benchmark: str
    sectors: Mapping[str, Sequence[str]]


def summary_statistics(inputs: ComparisonInputs) -> dict[str, float]:
    """Headline statistics of a market (the rows of the comparison table).

    Medians are over the non-benchmark assets. ``neg_rel_corr_render_compute`` uses the
    ``render`` and ``gpu_compute`` sectors when both are present.
    """
    returns = log_returns(inputs.close)
    per_asset = asset_statistics(returns, inputs.benchmark)
    alts = per_asset.drop(index=inputs.benchmark)
    btc = {name: column_dict(per_asset, name)[inputs.benchmark] for name in per_asset.columns}
    resid = residual_correlations(returns, inputs.benchmark, inputs.sectors)
    within = [v for k, v in resid.items() if k != "_cross" and np.isfinite(v)]
    stress = stress_correlation(returns, inputs.benchmark)
    render = [b for b in inputs.sectors.get("render", ()) if b in returns]
    compute = [b for b in inputs.sectors.get("gpu_compute", ()) if b in returns]
    return {
        "btc_daily_vol": btc["daily_vol"],
        "btc_excess_kurtosis": btc["excess_kurtosis"],
        "btc_acf_abs": btc["acf_abs"],
        "alt_median_daily_vol": float(alts["daily_vol"].median()),
        "alt_median_excess_kurtosis": float(alts["excess_kurtosis"].median()),
        "alt_median_acf_sq_1": float(alts["acf_sq_1"].median()),
        "alt_median_acf_abs": float(alts["acf_abs"].median()),
        "alt_median_beta": float(alts["beta"].median()),
        "alt_median_corr_btc": float(alts["corr_btc"].median()),
        "residual_corr_within_sector": float(np.mean(within)) if within else float("nan"),
        "residual_corr_cross_sector": resid["_cross"],
        "stress_pair_corr": stress["stress_pair_corr"],
        "normal_pair_corr": stress["normal_pair_corr"],
        "neg_rel_corr_render_compute": negative_relative_corr_share(
            returns, inputs.benchmark, render, compute
        ),
        "below_minus_0_2_rel_corr_render_compute": negative_relative_corr_share(
            returns, inputs.benchmark, render, compute, threshold=-0.2
        ),
    }


def stablecoin_statistics(supply_usd: pd.Series) -> dict[str, float]:
    """Dynamics of total stablecoin supply: daily log-change mean/s.d., jumps, 30-day change s.d.

    A "jump" is a day whose absolute log change exceeds 1 %.
    """
    clean = supply_usd.dropna().astype(float)
    log_supply = pd.Series(np.log(clean.to_numpy()), index=clean.index)
    change = log_supply.diff().dropna()
    monthly = (log_supply - log_supply.shift(30)).dropna()
    calm = change[change.abs() <= 0.01]
    jumps = change[change.abs() > 0.01]
    return {
        "daily_log_mean": float(change.mean()),
        "daily_log_sd": float(change.std()),
        "calm_daily_log_sd": float(calm.std()),
        "jump_share": float((change.abs() > 0.01).mean()),
        "jump_abs_mean": float(jumps.abs().mean()) if len(jumps) else 0.0,
        "jump_up_share": float((jumps > 0).mean()) if len(jumps) else 0.5,
        "change_30d_sd": float(monthly.std()),
    }


# ---------------------------------------------------------------------------- issue table
TABLE_STATISTICS: tuple[str, ...] = (
    "rel_within_minus_cross",
    "rel_within_gpu_compute",
    "btc_acf_sq_1",
    "btc_corr_all_days",
    "btc_corr_worst_decile",
    "btc_corr_worst_minus_all",
    "btc_excess_kurtosis",
    "alt_median_excess_kurtosis",
)
"""Statistics the demo must reproduce inside the real data's sampling band (docs table)."""

TABLE_LABELS: dict[str, str] = {
    "rel_within_minus_cross": "within-sector minus cross-sector mean pair corr., BTC-relative",
    "rel_within_gpu_compute": "gpu_compute within-sector mean pair corr., BTC-relative",
    "btc_acf_sq_1": "BTC autocorrelation of squared returns, lag 1",
    "btc_corr_all_days": "alts' correlation with BTC, all days (mean)",
    "btc_corr_worst_decile": "alts' correlation with BTC, BTC's worst-decile days (mean)",
    "btc_corr_worst_minus_all": "worst-decile minus all-days correlation with BTC",
    "btc_excess_kurtosis": "BTC excess kurtosis",
    "alt_median_excess_kurtosis": "alts: median excess kurtosis",
}


def _relative_pair_means(
    returns: pd.DataFrame, benchmark: str, sectors: Mapping[str, Sequence[str]]
) -> tuple[dict[str, float], float, float]:
    """BTC-relative pair correlations: per-sector within means, all-within mean, cross mean."""
    owner = {b: s for s, members in sectors.items() for b in members
             if b in returns.columns and b != benchmark}
    bases = list(owner)
    rel = returns[bases].sub(returns[benchmark], axis=0)
    corr = rel.corr(min_periods=60)
    within_pairs = [(a, b) for i, a in enumerate(bases) for b in bases[i + 1:]
                    if owner[a] == owner[b]]
    cross_pairs = [(a, b) for i, a in enumerate(bases) for b in bases[i + 1:]
                   if owner[a] != owner[b]]
    per_sector = {
        s: _mean_pair_corr(corr, [p for p in within_pairs if owner[p[0]] == s])
        for s in {owner[a] for a, _ in within_pairs}
    }
    return per_sector, _mean_pair_corr(corr, within_pairs), _mean_pair_corr(corr, cross_pairs)


def table_statistics(
    returns: pd.DataFrame, benchmark: str, sectors: Mapping[str, Sequence[str]]
) -> dict[str, float]:
    """The :data:`TABLE_STATISTICS` of daily log ``returns`` (wide; NaN where not listed).

    * ``rel_*``: Pearson correlation of BTC-relative returns ``r_i - r_BTC`` between alts,
      averaged over all same-sector pairs (minus all different-sector pairs), and over the
      ``gpu_compute`` pairs;
    * ``btc_acf_sq_1``: lag-1 autocorrelation of BTC's squared returns;
    * ``btc_corr_*``: mean over alts of the correlation with BTC, on all days and on BTC's
      worst-decile days (``r_BTC`` at or below its 10 % quantile);
    * kurtosis: pandas' bias-corrected excess kurtosis (BTC; median over alts).
    """
    per_sector, within, cross = _relative_pair_means(returns, benchmark, sectors)
    market = returns[benchmark]
    alts = [c for c in returns.columns if c != benchmark]
    worst = market <= market.quantile(STRESS_QUANTILE)
    all_days = returns[alts].corrwith(market)
    stressed = returns.loc[worst, alts].corrwith(market[worst])
    kurt = returns.kurt()
    return {
        "rel_within_minus_cross": within - cross,
        "rel_within_gpu_compute": per_sector.get("gpu_compute", float("nan")),
        "btc_acf_sq_1": autocorrelation(market * market, 1),
        "btc_corr_all_days": float(all_days.mean()),
        "btc_corr_worst_decile": float(stressed.mean()),
        "btc_corr_worst_minus_all": float(stressed.mean() - all_days.mean()),
        "btc_excess_kurtosis": float(kurt[benchmark]),
        "alt_median_excess_kurtosis": float(kurt[alts].median()),
    }


def block_bootstrap_bands(
    returns: pd.DataFrame,
    benchmark: str,
    sectors: Mapping[str, Sequence[str]],
    *,
    block_days: int = 20,
    resamples: int = 400,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Sampling band of each :func:`table_statistics` value by moving-block bootstrap.

    Days (whole rows, so the cross-section and NaN pattern stay together) are resampled in
    blocks of ``block_days`` consecutive days (Kuensch 1989), which keeps volatility clusters
    and short-range dependence; ``resamples`` series of the original length give the
    statistic's sampling distribution, and the band is its central ``level`` interval.
    Columns: ``real``, ``low``, ``high``, ``resamples``.
    """
    rng = np.random.default_rng(seed)
    n = len(returns)
    starts_max = n - block_days + 1
    blocks = -(-n // block_days)
    values = returns.to_numpy()
    draws: list[dict[str, float]] = []
    for _ in range(resamples):
        starts = rng.integers(0, starts_max, blocks)
        rows = (starts[:, None] + np.arange(block_days)[None, :]).ravel()[:n]
        sample = pd.DataFrame(values[rows], columns=returns.columns)
        draws.append(table_statistics(sample, benchmark, sectors))
    frame = pd.DataFrame(draws)
    tail = (1.0 - level) / 2.0
    real = table_statistics(returns, benchmark, sectors)
    return pd.DataFrame({
        "real": pd.Series(real),
        "low": frame.quantile(tail),
        "high": frame.quantile(1.0 - tail),
        "resamples": float(resamples),
    }).loc[list(TABLE_STATISTICS)]

