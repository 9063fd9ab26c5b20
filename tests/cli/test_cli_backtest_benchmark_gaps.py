"""``rotation backtest --strategy`` on CSV files that cover different spans: when the
benchmark (BTC) has no price on days the backtest trades, one line names the flag, the file,
the days without a price and where BTC's prices start and end (not the internal ``equity``
series of its buy-and-hold). Through the real entry point, on the synthetic Coin Metrics
folder the tests write."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.cli_helpers import one_line_error, run
from tests.coinmetrics_like import write_coinmetrics_like


def _cut(folder: Path, keep: int | None = None, last: str | None = None) -> Path:
    """Keep each file's first ``keep`` rows, or its rows up to ``last``."""
    for path in folder.glob("*.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        kept = rows[:keep] if keep is not None else [r for r in rows if r[:10] <= str(last)]
        if kept:
            path.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
        else:
            path.unlink()
    return folder


def test_btc_ending_before_the_late_files_is_named_with_its_file_and_dates(
        capsys, tmp_path: Path) -> None:
    # the colleague's folder: every file cut to its first 50 rows; wld and arkm start on
    # 2023-08-18, so the calendar is 2022-01-01..2022-02-19 then 2023-08-18..2023-10-06
    folder = _cut(write_coinmetrics_like(tmp_path / "cm"), keep=50)
    calendar = pd.date_range("2022-01-01", periods=50).append(
        pd.date_range("2023-08-18", periods=50))
    traded = calendar[60:]  # after the default 60-row warmup
    assert (f"{traded[0]:%Y-%m-%d}", f"{traded[-1]:%Y-%m-%d}", len(traded)) == (
        "2023-08-28", "2023-10-06", 40)
    code, out, err = run(capsys, "backtest", "--data-dir", str(folder), "--strategy")
    assert code == 2 and out == ""
    assert one_line_error(err) == (
        "rotation: invalid input: --data-dir: btc.csv (the benchmark): BTC has no price on 40 "
        "of the 40 days traded (2023-08-28 to 2023-10-06); its prices start 2022-01-01 and "
        "end 2022-02-19")
    assert "equity" not in err


def test_days_missing_inside_btc_are_listed_span_by_span(capsys, tmp_path: Path) -> None:
    folder = _cut(write_coinmetrics_like(tmp_path / "cm"), last="2022-06-30")
    btc = folder / "btc.csv"
    gone = {"2022-04-10", "2022-04-11", "2022-04-12", "2022-05-01"}
    lines = btc.read_text(encoding="utf-8").splitlines()
    btc.write_text("\n".join(r for r in lines if r[:10] not in gone) + "\n", encoding="utf-8")
    # 181 days (2022-01-01..2022-06-30) in the other files; 60 of warmup leave 121 traded
    traded = pd.date_range("2022-01-01", "2022-06-30")[60:]
    assert (len(traded), f"{traded[0]:%Y-%m-%d}") == (121, "2022-03-02")
    code, out, err = run(capsys, "backtest", "--data-dir", str(folder), "--strategy")
    assert code == 2 and out == ""
    assert one_line_error(err) == (
        "rotation: invalid input: --data-dir: btc.csv (the benchmark): BTC has no price on 4 "
        "of the 121 days traded (2022-04-10 to 2022-04-12, 2022-05-01); its prices start "
        "2022-01-01 and end 2022-06-30")


def test_a_period_inside_btcs_prices_runs(capsys, tmp_path: Path) -> None:
    # the same gapped folder, --end before the gap: the benchmark has every price it needs
    folder = _cut(write_coinmetrics_like(tmp_path / "cm"), last="2022-06-30")
    btc = folder / "btc.csv"
    lines = btc.read_text(encoding="utf-8").splitlines()
    btc.write_text("\n".join(r for r in lines if r[:10] != "2022-05-01") + "\n",
                   encoding="utf-8")
    code, _, err = run(capsys, "backtest", "--data-dir", str(folder), "--strategy",
                       "--end", "2022-04-30")
    assert code == 0, err

