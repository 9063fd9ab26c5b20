"""``rotation backtest``: an engine error about the period names the flag that sets it
(``cli.flag_errors.as_flag``), on the ranking backtest and on ``--strategy``, also when the
user left the flag at its default. Through the real entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.cli.flag_errors import FLAG_ONLY_FIELDS, as_flag
from rotation_addin.core.errors import InputError
from tests.cli_helpers import one_line_error, run
from tests.coinmetrics_like import write_coinmetrics_like
from tests.demo_calendar import after_last_day

DEMO = ("backtest", "--source", "demo")
RANKING, STRATEGY = (), ("--strategy",)


@pytest.mark.parametrize(("kind", "argv", "said"), [
    (RANKING, ("--warmup", "5000"), "--warmup: leaves no decision: 1100 days of prices, but "
                                    "warmup 5000 + horizon 7 days need at least 5008"),
    (RANKING, ("--start", "{after the last candle}"),
     "--start: the period from start to end leaves no decision after the 60-day warmup"),
    (RANKING, ("--end", "1990-01-01"), "--end: the period from start to end leaves no "
                                       "decision after the 60-day warmup"),
    (RANKING, ("--start", "2025-02-01", "--end", "2025-01-01"),
     "--start: must be on or before end 2025-01-01 (got 2025-02-01)"),
    (RANKING, ("--start", "soon"), "--start: must be a date like 2023-01-31 (got 'soon')"),
    (RANKING, ("--end", "later"), "--end: must be a date like 2023-01-31 (got 'later')"),
    (STRATEGY, ("--warmup", "5000"), "--warmup: the period leaves no day to trade after the "
                                     "5000-day warmup"),
    (STRATEGY, ("--start", "soon"), "--start: must be a date like 2023-01-31 (got 'soon')"),
    (STRATEGY, ("--end", "later"), "--end: must be a date like 2023-01-31 (got 'later')"),
])
def test_a_period_error_names_the_flag_typed(capsys, kind: tuple[str, ...],
                                             argv: tuple[str, ...], said: str) -> None:
    typed = [after_last_day() if a == "{after the last candle}" else a for a in argv]
    code, out, err = run(capsys, *DEMO, *kind, *typed)  # the demo ends yesterday
    assert code == 2 and out == ""
    assert one_line_error(err).startswith(f"rotation: invalid input: {said}")


@pytest.fixture(scope="module")
def fifty_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic Coin Metrics folder cut to its first 50 days, 2022-01-01 to
    2022-02-19 (the two files that start later left out): shorter than the default 60-day
    warmup."""
    folder = write_coinmetrics_like(tmp_path_factory.mktemp("cm") / "cm")
    for path in folder.glob("*.csv"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        kept = [row for row in rows if row[:10] <= "2022-02-19"]
        if kept:
            path.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
        else:
            path.unlink()
    return folder


@pytest.mark.parametrize(("kind", "said"), [
    (RANKING, "--warmup: leaves no decision: 50 days of prices, but warmup 60 + horizon 7 "
              "days need at least 68"),
    (STRATEGY, "--warmup: the period leaves no day to trade after the 60-day warmup (50 days "
               "of prices from 2022-01-01)"),
])
def test_the_default_warmup_on_too_short_data_names_warmup(capsys, fifty_days: Path,
                                                           kind: tuple[str, ...],
                                                           said: str) -> None:
    code, _, err = run(capsys, "backtest", "--data-dir", str(fifty_days), *kind)
    assert code == 2 and one_line_error(err) == f"rotation: invalid input: {said}"


def test_only_the_commands_own_period_fields_are_renamed() -> None:
    assert FLAG_ONLY_FIELDS["backtest"] == {"horizon_days", "rebalance_every_days",
                                            "warmup_days", "start", "end"}
    named = {f: as_flag(InputError(f, "r"), "backtest").field
             for f in FLAG_ONLY_FIELDS["backtest"]}
    assert named == {"horizon_days": "--horizon", "rebalance_every_days": "--every",
                     "warmup_days": "--warmup", "start": "--start", "end": "--end"}
    kept = InputError("risk_fraction", "r")  # a settings value keeps its settings name
    assert as_flag(kept, "backtest") is kept
    assert as_flag(InputError("start", "r"), "plan").field == "start"  # another command
