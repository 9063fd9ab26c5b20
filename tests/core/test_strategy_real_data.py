"""docs/backtest.md's real-data run: every printed line and every figure of its reading.

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
