"""Walk-forward backtest: obvious markets, no look-ahead, statistics against references, CLI.

Hand-built markets where the answer is known (a sector trending up against BTC; pure noise;
FOMO spikes followed by a fall), the demo market against the daily report, and the real
Coin Metrics prices (CC BY-NC, read from the shared folder, never copied).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rotation_addin.cli.backtest_cmd import DECISION_HEADERS
from rotation_addin.cli.main import main
from rotation_addin.core.backtest import (
    BacktestResult,
    binomial_upper_tail,
    t_statistic,
    walk_forward,
)
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.regime import regime_verdict
from rotation_addin.core.report import daily_report
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.universe import Universe
from rotation_addin.data.csv_import import import_csv_folder
from rotation_addin.data.demo import demo_dataset
from tests.demo_calendar import after_last_day

SECTORS = {
    "render": ("RENDER", "THETA"),
    "gpu_compute": ("AKT", "GLM"),
    "ai_infra": ("FIL", "AR"),
    "mining": ("LTC", "BCH"),
    "benchmark": ("BTC",),
}


def build_market(
    days: int,
    *,
    drift: Mapping[str, float] | None = None,
    seed: int = 3,
    noise: float = 0.02,
    social_spikes: Mapping[str, list[int]] | None = None,
    fall_after_spike: float = 0.0,
) -> MarketDataset:
    """Daily market: BTC a random walk, each alt = 1.1 x BTC + its sector's drift + noise.

    ``drift`` is a daily BTC-relative log drift per sector (all days). ``social_spikes``
    puts a jump in the members' social volume on the given rows; with ``fall_after_spike``
    the sector then loses that much per day against BTC for the next 7 days.
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range("2023-01-01", periods=days, freq="D", tz="UTC", name="date")
    btc = rng.normal(0.0, 0.03, days)
    closes: dict[str, np.ndarray] = {"BTC": 30_000 * np.exp(np.cumsum(btc))}
    social: dict[str, np.ndarray] = {}
    chain: dict[str, np.ndarray] = {}
    for sector, members in SECTORS.items():
        if sector == "benchmark":
            continue
        extra = np.full(days, (drift or {}).get(sector, 0.0))
        spikes = (social_spikes or {}).get(sector, [])
        for row in spikes:
            extra[row + 1 : row + 8] -= fall_after_spike
        for base in members:
            r = 1.1 * btc + extra + rng.normal(0.0, noise, days)
            closes[base] = 10.0 * np.exp(np.cumsum(r))
            # the same attention on both series: D ~ 0 except on the spikes
            attention = 1000 * np.exp(rng.normal(0.0, 0.05, days))
            social[base], chain[base] = attention.copy(), attention.copy()
            for row in spikes:
                social[base][row] *= 3.0
    close = pd.DataFrame(closes, index=index)
    volume = pd.DataFrame(1e6 * np.exp(rng.normal(0.0, 0.1, close.shape)), index=index,
                          columns=close.columns)
    t = np.arange(days, dtype=float)
    macro = pd.DataFrame({"btc_dominance": 0.5 + 0.05 * np.sin(t / 40),
                          "stablecoin_supply_usd": 150e9 * np.exp(0.02 * np.sin(t / 25)),
                          "equity_index": 5000 * np.exp(0.05 * np.sin(t / 30))}, index=index)
    with_sentiment = social_spikes is not None
    empty = pd.DataFrame(index=index)
    return MarketDataset(
        source="test market", as_of=(index[-1] + timedelta(days=1)).to_pydatetime(),
        universe=Universe(sectors=SECTORS), open=close, high=close, low=close, close=close,
        volume_usd=volume, macro=macro,
        social_volume=pd.DataFrame(social, index=index) if with_sentiment else empty,
        onchain_activity=pd.DataFrame(chain, index=index) if with_sentiment else empty,
    )


@pytest.fixture(scope="module")
def demo() -> MarketDataset:
    return demo_dataset()


@pytest.fixture(scope="module")
def demo_result(demo: MarketDataset) -> BacktestResult:
    return walk_forward(demo)


@pytest.fixture(scope="module")
def real_dataset(coinmetrics_dir: Path) -> MarketDataset:
    return import_csv_folder(coinmetrics_dir,
                             macro_csv=coinmetrics_dir / "stablecoin_supply.csv").dataset


# ----------------------------------------------------------------------------- arithmetic
@pytest.mark.parametrize(("days", "warmup", "every", "horizon", "expected"), [
    # rows 60, 67, ..., while row + 7 <= 199: last row 186; (192 - 60) // 7 + 1 = 19
    (200, 60, 7, 7, 19),
    # rows 40, 45, ..., while row + 10 <= 199: (189 - 40) // 5 + 1 = 29 + 1 = 30
    (200, 40, 5, 10, 30),
    # every day from row 30 to row 98 (99 - 1 = 98): 98 - 30 + 1 = 69
    (100, 30, 1, 1, 69),
])
def test_decision_count_follows_warmup_every_horizon(days: int, warmup: int, every: int,
                                                     horizon: int, expected: int) -> None:
    market = build_market(days)
    result = walk_forward(market, horizon_days=horizon, rebalance_every_days=every,
                          warmup_days=warmup)
    assert len(result.decisions) == expected
    assert result.skipped_days == 0
    index = market.close.index
    assert result.decisions[0].day == index[warmup]
    assert result.decisions[1].day - result.decisions[0].day == pd.Timedelta(days=every)
    assert result.decisions[-1].day == index[warmup + (expected - 1) * every]


def test_start_and_end_bound_the_decisions() -> None:
    market = build_market(200)
    index = market.close.index
    result = walk_forward(market, start=index[100], end=index[150])
    # rows 100, 107, ..., while row + 7 <= 150: (143 - 100) // 7 + 1 = 7
    assert [d.day for d in result.decisions] == [index[100 + 7 * k] for k in range(7)]
    assert result.data_end <= index[150]


# ----------------------------------------------------------------------------- obvious markets
def test_a_sector_trending_up_against_btc_leads_and_wins() -> None:
    market = build_market(400, drift={"render": 0.01})
    result = walk_forward(market)
    leaders = [d.leader for d in result.decisions]
    assert leaders.count("render") / len(leaders) > 0.9
    assert result.leader.hit_rate > 0.85
    assert result.leader.mean_excess_log_return > 0.03  # ~ 7 d x 1 % x (1 - 1/4) = 5.25 %
    assert result.leader.t_statistic > 5
    assert result.leader.p_value < 1e-6
    assert result.curve[-1].cumulative_net_log_return > 1.0


def test_pure_noise_gives_about_the_baseline() -> None:
    result = walk_forward(build_market(1500, seed=11))
    s = result.leader
    assert s.decisions == (1499 - 7 - 60) // 7 + 1  # 205
    assert abs(s.hit_rate - s.baseline_rate) < 0.12  # ~3.5 standard errors at n = 205
    assert 0.4 < s.baseline_rate < 0.6
    assert abs(s.t_statistic) < 3.5
    assert s.p_value > 0.001


def test_fomo_spikes_followed_by_a_fall_are_exit_hits() -> None:
    spikes = list(range(70, 580, 45))  # 12 spikes, 45 days apart (> the 30-day z window)
    market = build_market(600, social_spikes={"mining": spikes}, fall_after_spike=0.03,
                          noise=0.005)
    result = walk_forward(market)
    check = result.divergence
    assert check.available and check.hit_rate is not None
    rate = check.hit_rate
    # spikes from row 70 on: the first decision (row 60) opens the window, all 12 are scored
    assert (rate.exit_signals, rate.entry_signals) == (len(spikes), 0)
    assert rate.exit_hits == len(spikes)
    assert rate.p_value < 0.01


def test_without_sentiment_it_says_so_and_volume_gaps_are_handled() -> None:
    market = build_market(200)
    no_volume = MarketDataset(**{**market.__dict__, "volume_usd": market.close * np.nan})
    result = walk_forward(no_volume)
    assert not result.divergence.available
    assert "no sentiment data" in result.divergence.note
    assert any("no volume data" in w for w in result.warnings)
    assert len(result.decisions) == 19


def test_undated_empty_macro_and_sentiment_frames_are_accepted() -> None:
    market = build_market(200)
    bare = MarketDataset(**{**market.__dict__, "macro": pd.DataFrame(),
                            "social_volume": pd.DataFrame(), "onchain_activity": pd.DataFrame()})
    result = walk_forward(bare)
    assert len(result.decisions) == 19
    assert any("dominance proxy" in w for w in result.warnings)
    assert any("no stablecoin supply data" in w for w in result.warnings)


def test_overlapping_horizons_are_flagged() -> None:
    result = walk_forward(build_market(200), horizon_days=10, rebalance_every_days=5)
    assert any("overlap" in w for w in result.warnings)
    assert not any("overlap" in w for w in walk_forward(build_market(200)).warnings)


def test_a_leader_without_forward_data_skips_the_day_rather_than_taking_the_next() -> None:
    market = build_market(300, drift={"render": 0.01})
    gap = market.close.index[200:211]
    close = market.close.copy()
    close.loc[gap, ["RENDER", "THETA"]] = np.nan  # render's prices missing on rows 200-210
    result = walk_forward(MarketDataset(**{**market.__dict__, "close": close}))
    clean = walk_forward(market)
    day = market.close.index[193]  # 60 + 19 x 7: scored on rows 194-200, 200 is missing
    assert [d.leader for d in clean.decisions if d.day == day] == ["render"]
    # skipped, and no other sector stands in for render on that day
    assert day not in [d.day for d in result.decisions]
    assert result.skipped_days >= 1
    assert [d.leader for d in result.decisions if d.day < day] == \
        [d.leader for d in clean.decisions if d.day < day]


# ----------------------------------------------------------------------------- no look-ahead
def _calls(result: BacktestResult, until: pd.Timestamp) -> list[tuple[object, ...]]:
    return [(d.day, d.leader, d.laggard, round(d.leader_score, 12), d.regime_label,
             d.rotation_enabled, d.over_extended, d.fomo)
            for d in result.decisions if d.day <= until]


def test_corrupting_the_future_does_not_change_past_decisions() -> None:
    market = build_market(300, social_spikes={"render": [100, 200]})
    cut = market.close.index[151]  # a decision day: rows 60, 67, ..., 151 = 60 + 13 x 7
    after = market.close.index > cut
    rng = np.random.default_rng(0)

    def scramble(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out.loc[after] = out.loc[after].to_numpy() * rng.uniform(0.2, 5.0, out.loc[after].shape)
        return out

    corrupted = MarketDataset(**{
        **market.__dict__, "close": scramble(market.close),
        "volume_usd": scramble(market.volume_usd), "macro": scramble(market.macro),
        "social_volume": scramble(market.social_volume),
        "onchain_activity": scramble(market.onchain_activity),
    })
    clean, dirty = walk_forward(market), walk_forward(corrupted)
    assert _calls(clean, cut) == _calls(dirty, cut)
    assert len(_calls(clean, cut)) == 14  # rows 60..151
    assert clean.decisions[13].day == cut
    # ... while the calls after the cut do change (so the comparison can fail)
    later = [d for d in clean.decisions if d.day > cut]
    later_dirty = [d for d in dirty.decisions if d.day > cut]
    assert [d.leader_score for d in later] != [d.leader_score for d in later_dirty]


def test_each_call_is_what_the_daily_report_said_that_day(demo: MarketDataset,
                                                          demo_result: BacktestResult) -> None:
    params = PlanParameters()
    for decision in (demo_result.decisions[0], demo_result.decisions[70]):
        day = decision.day
        cut = MarketDataset(**{
            **demo.__dict__,
            **{name: getattr(demo, name).loc[:day] for name in
               ("open", "high", "low", "close", "volume_usd", "macro", "social_volume",
                "onchain_activity")},
        })
        report = daily_report(cut, None, params)
        scored = [s for s in report.sectors if math.isfinite(s.score)]
        assert decision.leader == scored[0].sector
        assert decision.laggard == scored[-1].sector
        assert decision.leader_score == pytest.approx(scored[0].score, abs=1e-12)
        assert decision.regime_label == report.regime.label
        assert decision.regime_label == regime_verdict(demo.macro, as_of=day).label


# ----------------------------------------------------------------------------- statistics
@pytest.mark.parametrize(("hits", "trials", "rate"), [
    (0, 10, 0.5), (7, 10, 0.5), (10, 10, 0.3), (52, 98, 0.5), (47, 93, 0.4624),
    (1700, 3000, 0.55), (3, 200, 0.01),
])
def test_binomial_tail_matches_scipy(hits: int, trials: int, rate: float) -> None:
    expected = stats.binomtest(hits, trials, rate, alternative="greater").pvalue
    assert binomial_upper_tail(hits, trials, rate) == pytest.approx(expected, rel=1e-9,
                                                                     abs=1e-300)


def test_t_statistic_matches_scipy() -> None:
    values = np.random.default_rng(5).normal(0.01, 0.05, 40)
    assert t_statistic(values) == pytest.approx(stats.ttest_1samp(values, 0.0).statistic,
                                                rel=1e-12)
    assert math.isnan(t_statistic([0.1]))
    assert math.isnan(t_statistic([0.1, 0.1, 0.1]))


def test_summary_statistics_recomputed_independently(demo: MarketDataset,
                                                     demo_result: BacktestResult) -> None:
    decisions = demo_result.decisions
    excess = np.array([d.leader_excess_log_return for d in decisions])
    hits = int((excess > 0).sum())
    baseline = sum(d.sectors_beating_mean for d in decisions) / \
        sum(len(d.forward_relative_log_returns) for d in decisions)
    s = demo_result.leader
    assert (s.decisions, s.hits) == (len(decisions), hits)
    assert s.baseline_rate == pytest.approx(baseline)
    assert s.p_value == pytest.approx(
        stats.binomtest(hits, len(decisions), baseline, alternative="greater").pvalue)
    assert s.t_statistic == pytest.approx(stats.ttest_1samp(excess, 0.0).statistic)
    assert sum(r.decisions for r in demo_result.by_regime) == s.decisions
    assert demo_result.gated.decisions == sum(d.rotation_enabled for d in decisions)


def test_forward_returns_against_a_pandas_reference(demo: MarketDataset,
                                                    demo_result: BacktestResult) -> None:
    logs = pd.DataFrame(np.log(demo.close.to_numpy()), index=demo.close.index,
                        columns=demo.close.columns).diff()
    relative = logs.sub(logs["BTC"], axis=0)
    decision = demo_result.decisions[10]
    row = list(demo.close.index).index(decision.day)
    window = relative.iloc[row + 1 : row + 1 + 7]
    for sector, value in decision.forward_relative_log_returns.items():
        members = [b for b in demo.universe.sectors[sector] if b in relative.columns]
        expected = window[members].mean(axis=1).sum()  # equal-weight index, 7 days
        assert value == pytest.approx(expected, abs=1e-12)
    mean = np.mean(list(decision.forward_relative_log_returns.values()))
    assert decision.leader_excess_log_return == pytest.approx(
        decision.forward_relative_log_returns[decision.leader] - mean)


def test_paper_curve_fees_count_every_leg_traded() -> None:
    market = build_market(300, seed=4)
    free = walk_forward(market, PlanParameters(taker_fee_rate=0.0))
    fee = 0.001
    paid = walk_forward(market, PlanParameters(taker_fee_rate=fee))
    leaders = [d.leader for d in free.decisions]
    switches = sum(1 for a, b in itertools.pairwise(leaders) if a != b)
    # entry (2 legs) + each switch (sell old, buy new) + exit (2 legs), fee per leg traded
    expected_cost = 2 * fee * (1 + switches + 1)
    gap = free.curve[-1].cumulative_net_log_return - paid.curve[-1].cumulative_net_log_return
    assert gap == pytest.approx(expected_cost, abs=1e-12)
    gross = sum(p.period_relative_log_return for p in free.curve)
    assert free.curve[-1].cumulative_net_log_return == pytest.approx(gross)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("kwargs", "field"), [
    ({"horizon_days": 0}, "horizon_days"),
    ({"horizon_days": 2.5}, "horizon_days"),
    ({"rebalance_every_days": 0}, "rebalance_every_days"),
    ({"warmup_days": 10}, "warmup_days"),
    ({"warmup_days": 400}, "warmup_days"),
    ({"start": "2023-06-01", "end": "2023-03-01"}, "start"),
    ({"start": "not a date"}, "start"),
    ({"params": "fast"}, "params"),
])
def test_invalid_inputs_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as error:
        walk_forward(build_market(200), **kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


def test_a_dataset_is_required() -> None:
    with pytest.raises(InputError) as error:
        walk_forward("demo")  # type: ignore[arg-type]
    assert error.value.field == "dataset"


# ----------------------------------------------------------------------------- real data
def test_real_coinmetrics_data_agrees_with_the_momentum_check(
        real_dataset: MarketDataset) -> None:
    result = walk_forward(real_dataset)
    s = result.leader
    # altcoin prices end 2023-12-15: later rebalance days have only one sector and are skipped
    assert 80 <= s.decisions <= 100
    assert result.skipped_days > 0
    assert any("no volume data" in w for w in result.warnings)
    assert any("dominance proxy" in w for w in result.warnings)
    assert not result.divergence.available
    # docs/real-data-check.md: the momentum leader beat the mean 46.4 % vs 44.7 % baseline
    assert abs(s.hit_rate - s.baseline_rate) < 0.15
    assert s.p_value > 0.01
    assert abs(s.t_statistic) < 3


# ----------------------------------------------------------------------------- CLI
def test_cli_prints_source_table_and_a_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--source", "demo"]) == 0
    out = capsys.readouterr().out
    assert "source: demo (simulated)" in out
    assert "leader, all decisions" in out and "leader, risk-off" in out
    verdict = [line for line in out.splitlines() if line.startswith("verdict: ")]
    assert len(verdict) == 1 and "decisions vs" in verdict[0]
    assert "edge on this data" in verdict[0]


def test_cli_json_and_csv_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "decisions.csv"
    assert main(["backtest", "--source", "demo", "--every", "14", "--json",
                 "--csv-out", str(target)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source"] == "demo (simulated)"
    assert data["rebalance_every_days"] == 14
    assert data["leader"]["decisions"] == len(data["decisions"]) > 0
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == data["leader"]["decisions"]
    assert {r["leader"] for r in rows} <= set(demo_dataset().universe.trading_sectors())


def test_csv_flag_is_output_on_stdout_and_data_dir_reads_a_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, coinmetrics_like_dir: Path) -> None:
    # `--csv` means output in every command; the input folder is `--data-dir`
    target = tmp_path / "decisions.csv"
    assert main(["backtest", "--data-dir", str(coinmetrics_like_dir), "--csv",
                 "--csv-out", str(target)]) == 0
    out = capsys.readouterr().out
    assert out == target.read_text(encoding="utf-8")  # the same rows, on stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and list(rows[0]) == list(DECISION_HEADERS)
    for argv in (["--csv", "--json"],  # one output format at a time
                 ["--csv", str(coinmetrics_like_dir)]):  # --csv takes no folder any more
        with pytest.raises(SystemExit) as stopped:
            main(["backtest", *argv])
        assert stopped.value.code == 2
    capsys.readouterr()


def test_cli_on_the_real_csv_folder(capsys: pytest.CaptureFixture[str],
                                    coinmetrics_dir: Path) -> None:
    assert main(["backtest", "--data-dir", str(coinmetrics_dir), "--macro",
                 str(coinmetrics_dir / "stablecoin_supply.csv")]) == 0
    out = capsys.readouterr().out
    assert "source: csv import" in out
    assert "no sentiment data" in out
    assert "no evidence of an edge" in out


@pytest.mark.parametrize(("argv", "flag"), [
    (["--horizon", "0"], "--horizon"),
    (["--every", "x"], "--every"),
    (["--warmup", "12"], "--warmup"),
    (["--warmup", "4000"], "--warmup"),
    (["--start", "{after the last candle}"], "--start"),  # the demo ends yesterday
    (["--end", "2020-01-01"], "--end"),
    (["--start", "2025-01-01", "--end", "2024-01-01"], "--start"),
    (["--macro", "m.csv"], "--macro"),
])
def test_cli_bad_flags_are_one_line_errors(capsys: pytest.CaptureFixture[str],
                                           argv: list[str], flag: str) -> None:
    typed = [after_last_day() if a == "{after the last candle}" else a for a in argv]
    assert main(["backtest", "--source", "demo", *typed]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and flag in lines[0]
    assert "Traceback" not in captured.err


def test_cli_missing_csv_folder_names_the_flag(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    assert main(["backtest", "--data-dir", str(tmp_path / "nope")]) == 2
    assert "--data-dir: must be an existing folder" in capsys.readouterr().err
