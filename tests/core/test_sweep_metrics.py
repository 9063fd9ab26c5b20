"""Sweep, walk-forward choice, deflated Sharpe (against scipy by hand) and the metrics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rotation_addin.core.deflated_sharpe import deflated_sharpe, expected_max_sharpe
from rotation_addin.core.errors import InputError
from rotation_addin.core.performance import (
    buy_and_hold,
    equal_weight,
    metrics,
    random_sector_rotation,
    trade_stats,
)
from rotation_addin.core.strategy_backtest import run_strategy, trading_days
from rotation_addin.core.sweep import (
    expand_grid,
    grid_from_text,
    run_sweep,
    walk_forward_choice,
)
from rotation_addin.data.demo import demo_dataset


def test_deflated_sharpe_matches_a_hand_computation_with_scipy():
    rng = np.random.default_rng(4)
    returns = rng.standard_t(5, 500) * 0.01 + 0.001
    trials = rng.normal(0.02, 0.03, 40)
    got = deflated_sharpe(returns, trials.tolist())
    sr = returns.mean() / returns.std(ddof=1)
    skew = stats.skew(returns)                       # biased, as in the paper
    kurt = stats.kurtosis(returns, fisher=False)
    gamma = 0.5772156649015329
    n = len(trials)
    sr0 = math.sqrt(trials.var(ddof=1)) * ((1 - gamma) * stats.norm.ppf(1 - 1 / n)
                                           + gamma * stats.norm.ppf(1 - 1 / (n * math.e)))
    z = (sr - sr0) * math.sqrt(len(returns) - 1) / math.sqrt(1 - skew * sr
                                                             + (kurt - 1) / 4 * sr ** 2)
    assert got.expected_max_sharpe == pytest.approx(sr0, rel=1e-12)
    assert got.skewness == pytest.approx(skew, rel=1e-12)
    assert got.kurtosis == pytest.approx(kurt, rel=1e-12)
    assert got.probability == pytest.approx(stats.norm.cdf(z), rel=1e-9)
    assert expected_max_sharpe([0.1]) == 0.0  # one trial: the PSR against 0


def test_metrics_against_independent_pandas():
    rng = np.random.default_rng(8)
    index = pd.date_range("2024-01-01", periods=400, freq="D", tz="UTC")
    equity = pd.Series(1000 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, 400))), index=index)
    m = metrics(equity)
    r = equity.pct_change().dropna()
    assert m.sharpe == pytest.approx(r.mean() / r.std() * math.sqrt(365), rel=1e-12)
    assert m.volatility == pytest.approx(r.std() * math.sqrt(365), rel=1e-12)
    assert m.sortino == pytest.approx(r.mean() / math.sqrt((r.clip(upper=0) ** 2).mean())
                                      * math.sqrt(365), rel=1e-12)
    dd = equity / equity.cummax() - 1
    assert m.max_drawdown == pytest.approx(dd.min(), rel=1e-12)
    assert m.cagr == pytest.approx((equity.iloc[-1] / equity.iloc[0]) ** (365 / 399) - 1)
    assert m.calmar == pytest.approx(m.cagr / abs(dd.min()))
    under = (dd < 0).astype(int)
    runs = under.groupby((under != under.shift()).cumsum()).sum().max()
    assert m.max_drawdown_days == runs
    s = trade_stats([10, -5, 3, -1], [1.0, -0.5, math.nan, -0.1], ["stop", "plan", "stop",
                                                                   "liquidation"])
    assert (s.trades, s.wins, s.win_rate, s.liquidations) == (4, 2, 0.5, 1)
    assert s.average_r == pytest.approx((1.0 - 0.5 - 0.1) / 3)


def test_benchmarks_by_hand():
    """Every benchmark on the strategy's basis: the initial equity at the first close (cash),
    entered at the second day's open."""
    index = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    close = pd.DataFrame({"A": [100.0, 110, 121], "B": [10.0, 9, 9.9]}, index=index)
    opens = pd.DataFrame({"A": [99.0, 104, 112], "B": [10.0, 9.5, 9.1]}, index=index)
    hold = buy_and_hold(opens["A"], close["A"], 1000.0, 0.001, 0.002)
    quantity = 1000 / (104 * 1.002 * 1.001)  # bought at day 2's open, slippage then fee
    assert list(hold) == pytest.approx([1000.0, quantity * 110, quantity * 121 * 0.999])
    ew = equal_weight(close, 1000.0, opens)
    day2 = (110 / 104 - 1 + 9 / 9.5 - 1) / 2  # open to close: entered at day 2's open
    assert list(ew) == pytest.approx([1000.0, 1000 * (1 + day2),
                                      1000 * (1 + day2) * (1 + (0.1 + 0.1) / 2)])
    assert equal_weight(close, 1000.0).iloc[-1] == pytest.approx(  # without opens: closes
        1000 * (1 + (0.1 - 0.1) / 2) * (1 + (0.1 + 0.1) / 2))
    finals = random_sector_rotation(close.pct_change().fillna(0.0), 1.0, every_days=1,
                                    fee_rate=0.0, seeds=50)
    assert finals.min() >= 0.9 * 0.9 - 1e-12 and finals.max() <= 1.1 * 1.1 + 1e-12


def test_random_rotation_switches_at_the_open_after_the_draw():
    """One sector: entered at the first row's open (its intraday return, one fee), held
    close to close after it. Two sectors redrawn every row: each switch day is the old
    sector's overnight move, two fees, the new one's intraday move."""
    index = pd.date_range("2024-01-02", periods=2, freq="D", tz="UTC")
    full = pd.DataFrame({"A": [0.10, 0.05]}, index=index)
    inside = pd.DataFrame({"A": [0.04, 0.02]}, index=index)
    final = random_sector_rotation(full, 1.0, every_days=5, fee_rate=0.01, seeds=1,
                                   intraday=inside)
    assert final[0] == pytest.approx(0.99 * 1.04 * 1.05)
    two = pd.DataFrame({"A": [0.10, 0.05], "B": [-0.10, 0.20]}, index=index)
    two_inside = pd.DataFrame({"A": [0.04, 0.02], "B": [-0.05, 0.10]}, index=index)
    rng = np.random.default_rng(0)
    picks = [int(rng.choice([0, 1])) for _ in range(2)]
    full_v, in_v = two.to_numpy(), two_inside.to_numpy()
    expected = 0.99 * (1 + in_v[0, picks[0]])
    if picks[1] == picks[0]:
        expected *= 1 + full_v[1, picks[0]]
    else:
        expected *= (1 + full_v[1, picks[0]]) / (1 + in_v[1, picks[0]]) * 0.99 ** 2 \
            * (1 + in_v[1, picks[1]])
    got = random_sector_rotation(two, 1.0, every_days=1, fee_rate=0.01, seeds=1,
                                 intraday=two_inside)
    assert got[0] == pytest.approx(expected)


def test_every_benchmark_total_is_its_own_curve_from_the_strategy_first_close():
    """The figures the table prints are the curves the workbook and the report draw: each
    benchmark's total return is its curve's last / first value, and the first value is the
    strategy's initial equity on the strategy's first day (the QA finding: BTC's total was
    measured from a curve that had already moved and paid its fee on day 1)."""
    from rotation_addin.core.strategy_backtest import run_strategy
    from rotation_addin.core.strategy_report import summarise
    from rotation_addin.data.demo import demo_dataset

    dataset = demo_dataset(days=140)
    summary = summarise(run_strategy(dataset), dataset)
    initial = summary.result.params.equity_usd
    days = summary.result.equity.index
    for curve, m in ((summary.btc_equity, summary.btc),
                     (summary.equal_weight_equity, summary.equal_weight)):
        assert curve.index.equals(days)
        assert curve.iloc[0] == initial
        assert m.total_return == pytest.approx(curve.iloc[-1] / curve.iloc[0] - 1, rel=1e-12)
    btc = dataset.universe.benchmark
    p = summary.result.params
    quantity = initial / (dataset.open[btc].loc[days[1]] * (1 + p.stop_slippage_rate)
                          * (1 + p.taker_fee_rate))
    by_hand = quantity * dataset.close[btc].loc[days[-1]] * (1 - p.taker_fee_rate)
    assert summary.btc.total_return == pytest.approx(by_hand / initial - 1, rel=1e-12)
    assert summary.conventions[-1].startswith("every benchmark starts at the initial equity")


def test_walk_forward_choice_picks_in_sample_and_reports_out_of_sample():
    rng = np.random.default_rng(2)
    good_then_bad = np.concatenate([rng.normal(0.01, 0.01, 50), rng.normal(-0.01, 0.01, 50)])
    steady = rng.normal(0.001, 0.01, 100)
    oos, choices = walk_forward_choice(np.vstack([good_then_bad, steady]), folds=2)
    assert choices == (0,)                          # chosen on the first half
    np.testing.assert_array_equal(oos, good_then_bad[50:])  # and paid for on the second


def test_grid_errors_name_the_parameter():
    with pytest.raises(InputError, match="grid: is empty"):
        expand_grid({})
    with pytest.raises(InputError, match="unknown parameter"):
        expand_grid({"momentum": [1]})
    with pytest.raises(InputError, match="max_leverage"):
        expand_grid({"max_leverage": [0.5]})
    with pytest.raises(InputError, match="top_n_long"):
        expand_grid({"top_n_long": []})
    assert len(expand_grid({"theta": [1.5, 2.0], "short_days": [5, 7, 10]})) == 6


def test_sweep_runs_each_setting_as_the_single_backtest_does():
    dataset = demo_dataset(days=160)
    grid = {"atr_stop_multiple": [1.5, 2.5], "max_leverage": [2.0, 5.0]}
    calls: list[tuple[int, int, str]] = []
    result = run_sweep(dataset, grid, folds=3, workers=2,
                       progress=lambda done, total, label: calls.append((done, total, label)))
    assert result.equity.shape[0] == 4
    assert calls == [(k + 1, 4, s.label) for k, s in enumerate(result.settings)]
    for k, setting in enumerate(result.settings):
        single = run_strategy(dataset, setting.params)
        np.testing.assert_array_equal(result.equity[k], single.equity.to_numpy())
    assert result.best == int(np.nanargmax(result.sharpe))
    assert 0.0 <= result.deflated.probability <= 1.0 and len(result.oos_choices) == 2


def test_memoised_sweep_equals_each_setting_run_alone_bit_for_bit():
    """The sweep shares features, snapshots and rankings between settings: each setting's
    equity must still be exactly what its own backtest (nothing shared) gives."""
    from rotation_addin.core.bt_features import build_features
    from rotation_addin.data.funding import demo_funding

    dataset = demo_dataset(days=150)
    funding = demo_funding(dataset)
    grid = {"short_days": [5, 7], "theta": [1.5, 2.0], "take_profit_atr_multiple": [2.0, 4.5]}
    result = run_sweep(dataset, grid, funding=funding, folds=2, workers=1)
    for k, setting in enumerate(result.settings):
        alone = run_strategy(dataset, setting.params, funding=funding,
                             features=build_features(dataset, windows=setting.windows))
        np.testing.assert_array_equal(result.equity[k], alone.equity.to_numpy())
    assert len({tuple(row) for row in result.equity}) > 1  # the settings do differ


def test_bad_sweep_and_period_inputs_name_the_field():
    dataset = demo_dataset(days=120)
    with pytest.raises(InputError, match="grid: is empty"):
        run_sweep(dataset, {})
    with pytest.raises(InputError, match="take_profit_atr_multiple"):
        run_sweep(dataset, {"take_profit_atr_multiple": [0.0]})
    with pytest.raises(InputError, match="theta"):
        expand_grid({"theta": [float("nan")]})
    with pytest.raises(InputError, match="short_days"):
        run_sweep(dataset, {"short_days": [40]})  # not below the 30-day long window
    with pytest.raises(InputError, match="folds"):
        run_sweep(dataset, {"theta": [2.0]}, folds=1)
    with pytest.raises(InputError, match="workers"):
        run_sweep(dataset, {"theta": [2.0]}, workers=0)
    with pytest.raises(InputError, match="end: the period holds no prices"):
        run_strategy(dataset, end="1990-01-01")  # before the first price
    with pytest.raises(InputError, match="end: the period leaves no day to trade"):
        run_strategy(dataset, end=dataset.close.index[30])


def test_grid_text_reads_names_and_values_and_refuses_nonsense():
    assert grid_from_text(["theta=1.5, 2", " top_n_long = 1,2,3 "]) == {
        "theta": (1.5, 2.0), "top_n_long": (1.0, 2.0, 3.0)}
    assert grid_from_text(["theta="]) == {"theta": ()}  # expand_grid names the empty list
    for items, said in [([], "grid: is empty"), (["theta"], "must be NAME=V1,V2"),
                        (["=1"], "must be NAME=V1,V2"),
                        (["theta=1,,2"], r"theta: must be a number in \(0, 10\] \(got ''\)"),
                        (["theta=1", "theta=2"], "gives theta twice")]:
        with pytest.raises(InputError, match=said):
            grid_from_text(items)
    for text, said in (("theta=2,2", "2 given twice"), ("theta=1,1.0,1e0", "1 given twice"),
                       ("top_n_long=1,2,02", "2 given twice")):
        with pytest.raises(InputError, match=said) as caught:  # one trial, not three
            grid_from_text([text])
        assert caught.value.field == text.split("=")[0]
    with pytest.raises(InputError, match="top_n_long: must be an integer"):
        expand_grid({"top_n_long": [1.5]})  # refused, not cut to 1
    assert expand_grid({"top_n_long": [2.0]})[0].params.top_n_long == 2


def test_sweep_over_a_period_equals_each_setting_run_over_it_bit_for_bit():
    dataset = demo_dataset(days=200)
    start, end = dataset.close.index[90], dataset.close.index[170]
    grid = {"take_profit_atr_multiple": [2.0, 4.5]}
    result = run_sweep(dataset, grid, start=start, end=end, folds=2)
    days = trading_days(dataset, 60, start, end)
    assert days[0] == start and days[-1] == end
    assert result.days.equals(days) and result.equity.shape == (2, len(days))
    for k, setting in enumerate(result.settings):
        alone = run_strategy(dataset, setting.params, start=start, end=end)
        assert alone.equity.index.equals(days)
        np.testing.assert_array_equal(result.equity[k], alone.equity.to_numpy())
    with pytest.raises(InputError, match="start: the period leaves no day"):
        run_sweep(dataset, grid, start="2100-01-01")
