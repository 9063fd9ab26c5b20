"""docs/backtest.md's real-data runs: every printed line and every figure of their reading
(the whole strategy's, and the ranking's with its table of other settings, which README
quotes).

The page shows the output of ``rotation backtest --strategy --sweep`` on the Coin Metrics
extracts in ``../shared`` and reads it in words. This test runs the same command and
recomputes each figure the words quote from the engine, so the page cannot drift from what
the tool says (it once did: the sweep figures were of another period than the backtest).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rotation_addin.cli.main import main
from rotation_addin.core.backtest import walk_forward
from rotation_addin.core.backtest_results import BacktestResult
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.core.strategy_backtest import run_strategy
from rotation_addin.data.csv_import import import_csv_folder
from rotation_addin.desk.backtest import strategy_backtest, strategy_sweep

DOC = Path(__file__).resolve().parents[2] / "docs" / "backtest.md"
END = "2023-12-15"
TRIMMED = "(…)"


def _doc_text() -> str:
    return " ".join(DOC.read_text(encoding="utf-8").split())  # line breaks as spaces


def _doc_block() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("```", text.index("Output (CSV-import warnings trimmed")) + 3
    return [line for line in text[start:text.index("```", start)].splitlines() if line]


@pytest.fixture(scope="module")
def runs(coinmetrics_dir: Path) -> dict[str, object]:
    dataset = import_csv_folder(coinmetrics_dir,
                                macro_csv=coinmetrics_dir / "stablecoin_supply.csv").dataset
    params = PlanParameters()
    backtest = strategy_backtest(dataset, params, end=END)
    sweep = strategy_sweep(dataset, params, end=END)
    best = sweep.result.settings[sweep.result.best].params
    best_run = run_strategy(backtest.dataset, best, end=END)
    return {"backtest": backtest, "sweep": sweep, "best_run": best_run}


def test_every_line_of_the_documented_output_is_printed(
        capsys: pytest.CaptureFixture[str], coinmetrics_dir: Path) -> None:
    code = main(["backtest", "--data-dir", str(coinmetrics_dir), "--macro",
                 str(coinmetrics_dir / "stablecoin_supply.csv"), "--end", END,
                 "--strategy", "--sweep"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    for line in _doc_block():
        if line.endswith(TRIMMED):
            head = line[: -len(TRIMMED)].rstrip()
            assert any(o.startswith(head) for o in out), line
        else:
            assert line in out, line


def _pnl_split(trades: tuple, best: int = 3) -> tuple[float, float, int]:
    pnls = sorted((t.pnl_usd for t in trades), reverse=True)
    return sum(pnls[:best]), sum(pnls), len(pnls)


def test_the_reading_quotes_the_default_run(runs: dict[str, object]) -> None:
    text = _doc_text()
    summary = runs["backtest"].summary  # type: ignore[attr-defined]
    top, net, n = _pnl_split(summary.result.trades)
    assert f"The default's {100 * summary.strategy.total_return:+.1f} % is three trades" \
        in text
    assert (f"The three best trades made {top:+,.0f} USD; the other {n - 3} together lost "
            f"{top - net:,.0f} USD") in text
    thin = next(w for w in summary.result.warnings if "on a single priced coin" in w)
    count = thin.split(" decisions ")[0]  # "N of M"
    assert count.endswith(f" of {summary.result.decisions}") and "(ai_inference;" in thin
    assert f"{count} daily decisions ranked that sector on FET alone" in text
    worst = min(summary.result.trades, key=lambda t: t.pnl_usd)
    assert f"the worst trade, {worst.base} in {worst.entry_day:%B %Y}, lost " \
        f"{-worst.r_multiple:.1f} R" in text
    assert (f"BTC ({100 * summary.btc.total_return:.1f} %), the equal-weight universe "
            f"({100 * summary.equal_weight.total_return:+.1f} %) and "
            f"{100 * summary.random.share_beaten:.0f} % of random-sector rotations") in text
    assert (f"a volatility ({100 * summary.strategy.volatility:.1f} %) between BTC's "
            f"({100 * summary.btc.volatility:.1f} %) and the universe's "
            f"({100 * summary.equal_weight.volatility:.1f} %)") in text
    assert (f"a {100 * summary.strategy.max_drawdown:.1f} % drawdown lasting "
            f"{summary.strategy.max_drawdown_days} days and a "
            f"{100 * summary.trades.win_rate:.1f} % win rate") in text


def test_the_reading_quotes_the_sweep_over_the_same_days(runs: dict[str, object]) -> None:
    text = _doc_text()
    sweep = runs["sweep"]
    result = sweep.result  # type: ignore[attr-defined]
    backtest = runs["backtest"].summary.result  # type: ignore[attr-defined]
    assert result.days[0] == backtest.equity.index[0]
    assert result.days[-1] == backtest.equity.index[-1]  # the backtest's days, not more
    row = sweep.rows[result.best]  # type: ignore[attr-defined]
    assert f"best of {len(result.settings)} settings ({row.label}" in text
    assert (f"in-sample Sharpe of {row.sharpe:.2f} ({100 * row.total_return:+.1f} %, "
            f"drawdown {100 * row.max_drawdown:.1f} %)") in text
    assert (f"deflated Sharpe ratio of {result.deflated.probability:.2f}, against an "
            f"expected best of {sweep.unskilled_best_sharpe:.2f} for "  # type: ignore[attr-defined]
            f"{result.deflated.trials} unskilled trials") in text
    assert set(result.oos_choices) == {result.best}
    assert (f"chose that setting in all {len(result.oos_choices)} folds and scored an "
            f"out-of-sample Sharpe of {result.oos_sharpe:.2f}") in text
    top, net, n = _pnl_split(runs["best_run"].trades)  # type: ignore[attr-defined]
    assert (f"its 3 best trades made {top:+,.0f} of the {net:+,.0f} USD net result over "
            f"{n} trades") in text
    edges = np.linspace(0, len(result.days), result.folds + 1).astype(int)
    assert f"out-of-sample folds start on {result.days[edges[1]]:%Y-%m-%d}" in text


# ------------------------------------------------------- the ranking backtest on real data
#: the page's table rows: (horizon and rebalance interval, warmup) in days
RANKING_FLAGS = {"(defaults)": (7, 60), "`--warmup 30`": (7, 30),
                 "`--horizon 14 --every 14`": (14, 60), "`--horizon 30 --every 30`": (30, 60)}


def _ranking_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## On real data (Coin Metrics, 2022–2023)"):
                text.index("## Whole-strategy backtest")]


def _pct(value: float, digits: int = 1, sign: bool = False) -> str:
    """A per-cent figure as the page writes it (a typographic minus)."""
    return f"{100 * value:{'+' if sign else ''}.{digits}f}".replace("-", "−")


@pytest.fixture(scope="module")
def ranking(coinmetrics_dir: Path) -> dict[str, BacktestResult]:
    dataset = import_csv_folder(coinmetrics_dir,
                                macro_csv=coinmetrics_dir / "stablecoin_supply.csv").dataset
    return {flags: walk_forward(dataset, horizon_days=days, rebalance_every_days=days,
                                warmup_days=warmup)
            for flags, (days, warmup) in RANKING_FLAGS.items()}


def test_every_line_of_the_documented_ranking_run_is_printed(
        capsys: pytest.CaptureFixture[str], coinmetrics_dir: Path) -> None:
    import re

    command, shown = re.findall(r"```\n(.*?)```", _ranking_section(), flags=re.DOTALL)[:2]
    assert "rotation backtest --data-dir ../shared/data/coinmetrics" in command
    assert "--strategy" not in command
    code = main(["backtest", "--data-dir", str(coinmetrics_dir), "--macro",
                 str(coinmetrics_dir / "stablecoin_supply.csv")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    for line in shown.splitlines():
        assert line in out, line


def test_the_settings_table_and_its_reading_are_the_runs(
        ranking: dict[str, BacktestResult]) -> None:
    section = _ranking_section()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in section.splitlines()
            if line.startswith("| ") and " per " in line}
    assert set(rows) == set(RANKING_FLAGS)
    for flags, result in ranking.items():
        s, last = result.leader, result.curve[-1]
        every = result.horizon_days
        expected = (f"| {flags} | {s.decisions} | {_pct(s.hit_rate)} % | "
                    f"{_pct(s.baseline_rate)} % | {s.p_value:.2f} | "
                    f"{_pct(s.mean_excess_log_return, 2, sign=True)} % per {every} d "
                    f"({s.t_statistic:.2f}) | "
                    f"{_pct(last.cumulative_net_log_return, sign=True)} % | "
                    f"{_pct(last.basket_cumulative_log_return, sign=True)} % |")
        assert rows[flags] == expected
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    leaders = [r.leader for r in ranking.values()]
    curves = [r.curve[-1] for r in ranking.values()]
    p = sorted(s.p_value for s in leaders)
    assert f"the p-values are {p[0]:.2f}–{p[-1]:.2f}" in text
    assert max(abs(s.t_statistic) for s in leaders) < 1  # "t-statistics ... below 1"
    assert all(abs(s.hit_rate - s.baseline_rate) < 0.05 for s in leaders)  # "a few points"
    basket = sorted(-c.basket_cumulative_log_return for c in curves)
    assert all(c.basket_cumulative_log_return < 0 for c in curves)
    assert f"lost {100 * basket[0]:.0f}–{100 * basket[-1]:.0f} % against BTC" in text
    positive = sum(c.cumulative_net_log_return > 0 for c in curves)
    assert (positive, len(curves) - positive) == (2, 2)  # "positive in two ... negative in two"
    default, warm30 = ranking["(defaults)"], ranking["`--warmup 30`"]
    assert (f"({_pct(default.curve[-1].cumulative_net_log_return, sign=True)} % with a "
            f"60-day warmup, {_pct(warm30.curve[-1].cumulative_net_log_return, sign=True)} % "
            "with a 30-day warmup") in text
    gated, leader = default.gated, default.leader
    assert f"the leader hit {_pct(gated.hit_rate)} % vs {_pct(gated.baseline_rate)} %" in text
    gated_end = default.curve[-1].gated_cumulative_net_log_return
    assert gated_end < default.curve[-1].cumulative_net_log_return
    assert f"did worse ({_pct(gated_end, sign=True)} %)" in text
    _, neutral, off = default.by_regime
    assert off.hit_rate == max(g.hit_rate for g in default.by_regime)
    assert (f"risk-off row ({_pct(off.hit_rate)} %, p = {off.p_value:.3f}, "
            f"t = {off.t_statistic:.2f})") in text
    assert f"the neutral row (t = {neutral.t_statistic:.2f})".replace("-", "−") in text
    w = warm30.leader
    assert (f"the full score gives {_pct(w.hit_rate)} % vs {_pct(w.baseline_rate)} % on the "
            "same dates") in text
    thin = next(x for x in default.warnings if "on a single priced coin" in x)
    count = thin.split(" decisions ")[0]
    assert count == f"{count.split(' of ')[0]} of {leader.decisions}"
    assert f"so {count.replace(' of ', ' of the ')} decisions ranked it on a single coin" in text


def test_readme_quotes_the_ranking_run(ranking: dict[str, BacktestResult]) -> None:
    readme = " ".join((DOC.parents[1] / "README.md").read_text(encoding="utf-8").split())
    s = ranking["(defaults)"].leader
    assert s.p_value > 0.05  # "finds no edge"
    assert (f"it beat the sector mean in {100 * s.hit_rate:.0f} % of {s.decisions} weekly "
            f"decisions vs {100 * s.baseline_rate:.0f} % for a random sector "
            f"(p = {s.p_value:.2f})") in readme
