"""Real-data check, time: BTC trend, stablecoins, the regime classifier, rotation and divergence.

Part of :mod:`tools.real_data_check`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rotation_addin.core.correlation import (
    average_pairwise_correlation,
    correlation_decay_alert,
    ledoit_wolf_covariance,
)
from rotation_addin.core.regime import dominance_proxy, regime_history
from rotation_addin.core.returns import relative_returns
from rotation_addin.core.universe import BENCHMARK_SECTOR
from tools.real_data_inputs import (
    FORWARD_DAYS,
    ROTATION_HOLD_DAYS,
    ROTATION_LOOKBACK_DAYS,
    Inputs,
    fmt_day,
    fmt_num,
    fmt_pct,
    md_table,
    sector_returns,
)


def section_trend(inputs: Inputs) -> str:
    sectors = sector_returns(inputs, relative=False)
    rows = []
    for window in (30, 90):
        average = average_pairwise_correlation(sectors, window).dropna()
        states = []
        for end in range(90, len(average) + 1):
            states.append(correlation_decay_alert(average.iloc[:end], baseline_days=90).state)
        counts = pd.Series(states).value_counts(normalize=True)
        latest = correlation_decay_alert(average, baseline_days=90)
        rows.append([f"{window} d", fmt_num(float(average.min())), fmt_num(float(average.median())),
                     fmt_num(float(average.max())), fmt_pct(float(counts.get("decay", 0.0))),
                     fmt_pct(float(counts.get("surge", 0.0))), latest.message])
    shrink = []
    complete = inputs.returns.dropna(axis=1, thresh=int(0.9 * len(inputs.returns)))
    for window in (30, 90):
        lw = ledoit_wolf_covariance(complete.iloc[-window:])
        shrink.append(f"{window} days, {complete.shape[1]} assets: {fmt_num(lw.shrinkage, 3)}")
    return "\n\n".join([
        "## Average pairwise correlation and the decay alert",
        "Average of the rolling pairwise correlations of the five sector indices (USD). "
        "Alert rule (`correlation_decay_alert`): latest value minus its mean over the last "
        "90 values; ≤ −0.15 is \"decay\", ≥ +0.15 is \"surge\". Share of days each alert "
        "would have been on:",
        md_table(["window", "min", "median", "max", "decay days", "surge days", "last day"], rows),
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
                     fmt_pct(float(values.mean())) if len(values) else "n/a",
                     fmt_pct(float((values > 0).mean())) if len(values) else "n/a"])
    return (f"Stablecoin vote alone, {fmt_day(history.index[0])} to {fmt_day(history.index[-1])}, "
            f"against BTC's own USD log return over the next {FORWARD_DAYS} days:\n\n"
            + md_table(["stablecoin vote", "days scored", f"mean next-{FORWARD_DAYS}-day BTC",
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
        perf_rows.append([label, fmt_pct(float(shares.get(label, 0.0))), str(int(mask.sum())),
                          fmt_pct(float(values.mean())) if len(values) else "n/a",
                          fmt_pct(float((values > 0).mean())) if len(values) else "n/a"])
    votes = [[name, fmt_pct(float((history[col] == 1).mean())),
              fmt_pct(float((history[col] == 0).mean())),
              fmt_pct(float((history[col] == -1).mean()))]
             for name, col in (("BTC dominance (proxy)", "dominance_vote"),
                               ("stablecoin supply", "stablecoin_vote"),
                               ("equity index", "equity_vote"))]
    months = pd.DatetimeIndex(history.index).tz_localize(None).to_period("M")
    month_ends = history.groupby(months).tail(1)
    monthly = [[fmt_day(day), str(row["label"]), f"{int(row['dominance_vote']):+d}",
                f"{int(row['stablecoin_vote']):+d}", f"{int(row['equity_vote']):+d}"]
               for day, row in month_ends.iterrows()]
    changes = int((history["label"] != history["label"].shift()).sum() - 1)
    text = "\n\n".join([
        "## Regime calls the rules would have made",
        "Inputs: stablecoin supply = USDT + USDC `SplyCur` (real, from the same source); "
        "BTC dominance = **a proxy** (`core.regime.dominance_proxy`, method \"cap\"): BTC's "
        "share of a constant-supply cap basket of this universe, starting at 50 % -- it moves "
        "with BTC's performance against the equal-weight alt basket, it is not CoinGecko "
        f"dominance (here it ranged {fmt_pct(float(proxy.min()), 0)}–"
        f"{fmt_pct(float(proxy.max()), 0)}; its % changes shrink as it rises, which widens the "
        "dead band in effect); equity index: **no data** in this set, so that input votes 0 "
        "(\"no data\") every day. Default settings: 30-day changes, ±1 % dead bands, "
        "risk-on at score ≥ +1, risk-off at ≤ −1. Days from "
        f"{fmt_day(history.index[0])} (after 30 days of history) to {fmt_day(history.index[-1])}; "
        f"the label changed {changes} times in {len(history)} days.",
        md_table(["input", "+1", "0", "−1"], votes),
        f"What followed each call: the equal-weight basket of every non-BTC asset, "
        f"BTC-relative log return over the next {FORWARD_DAYS} days (overlapping windows, so "
        "the day counts overstate the independent evidence):",
        md_table(["label", "share of days", "days scored", f"mean next-{FORWARD_DAYS}-day "
                "alts vs BTC", "share positive"], perf_rows),
        _stablecoin_vs_btc(inputs),
        "Month-end calls:",
        md_table(["day", "label", "dominance", "stablecoins", "equity"], monthly),
    ])
    return text, facts


def section_rotation(inputs: Inputs) -> tuple[str, dict[str, float]]:
    relative = sector_returns(inputs, relative=True)
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
        md_table(["rebalances", "leader beat the sector mean", "any sector beats the mean "
                "(baseline)", f"mean excess of the leader over {ROTATION_HOLD_DAYS} days "
                "(± standard error)"],
               [[str(total), fmt_pct(rate), fmt_pct(baseline),
                 f"{fmt_pct(mean_excess, 2)} ± {fmt_pct(error, 2)}"]]),
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
