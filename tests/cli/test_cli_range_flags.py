"""A flag whose range the CLI checks itself (``watch --every`` / ``--duration``, ``corr
--window``, ``backtest --horizon`` / ``--every`` / ``--warmup``) reads its value as every
number flag does (``quick_args._in_range`` on ``_number`` / ``_whole_number``) and says its
range in the same words (``flag_errors.range_words``) for a word as for a number outside it.

``watch`` had a parser of its own (``1,000`` refused, ``must be seconds between 1 and 3600
(got abc)``), ``corr --window`` and the backtest's day counts another (``must be a whole
number of days between 5 and 365`` for a word, ``must be between 5 and 365 days`` for 3).
Every test runs the real entry point in-process.
"""

from __future__ import annotations

import json

import pytest

from rotation_addin.cli.analytics_common import WINDOW_DAYS
from rotation_addin.cli.backtest_args import MAX_SPAN_DAYS
from rotation_addin.cli.flag_errors import range_words
from rotation_addin.cli.watch_cmd import DURATION_RANGE_S, EVERY_RANGE_S
from tests.cli_helpers import one_line_error, run

BAD = "rotation: invalid input: "
EVERY = f"{range_words(*EVERY_RANGE_S)} s"
DURATION = f"{range_words(*DURATION_RANGE_S)} s"
WINDOW = f"{range_words(*WINDOW_DAYS)} days"
HORIZON = f"{range_words(1, MAX_SPAN_DAYS)} days"
CORR = ("corr", "--source", "demo")
BACKTEST = ("backtest", "--source", "demo")

# (argv before the value, flag, its range in words, a word, a number outside the range)
FLAGS = [
    (("watch", "--once"), "--every", EVERY, "often", "0"),
    (("watch", "--once"), "--duration", DURATION, "1h", "1e9"),
    (CORR, "--window", WINDOW, "1.5", "4"),
    (BACKTEST, "--horizon", HORIZON, "a week", "366"),
]


def test_the_ranges_read_as_words():
    assert EVERY == "at least 1 and at most 3600 s"
    assert WINDOW == "at least 5 and at most 365 days"


@pytest.mark.parametrize(("argv", "flag", "valid", "word", "outside"), FLAGS)
def test_a_word_and_a_number_outside_say_the_same_range(capsys, argv, flag, valid, word,
                                                        outside):
    whole = flag != "--every" and flag != "--duration"
    kind = "a whole number" if whole else "a number"
    for typed, line in ((word, f"{flag}: must be {kind} {valid} (got {word!r})"),
                        (outside, f"{flag}: must be {valid} (got {outside})")):
        code, out, err = run(capsys, *argv, flag, typed)
        assert (code, out) == (2, ""), err
        assert one_line_error(err) == BAD + line
        code, out, err = run(capsys, *argv, flag, typed, "--json")
        assert code == 2 and one_line_error(err) == BAD + line
        assert json.loads(out)["error"]["message"] == line


def test_watch_takes_seconds_written_as_every_number_flag_takes_them(capsys):
    """``--every 1,000`` (and ``1e3``) is read as on every command: the flags pass, and --once
    goes on to the exchange, unreachable here (exit 4), instead of exit 2 on the flag."""
    for typed in ("1,000", "1e3", "3600", "1"):
        code, out, err = run(capsys, "watch", "--once", "--symbols", "BTC", "--api-url",
                             "http://127.0.0.1:9", "--every", typed, "--duration", typed)
        assert (code, out) == (4, ""), err
        assert "invalid input" not in err


@pytest.mark.parametrize("days", [str(WINDOW_DAYS[0]), str(WINDOW_DAYS[1]), " 90 "])
def test_corr_takes_a_window_at_either_end_of_its_range(capsys, days):
    code, out, err = run(capsys, *CORR, "--window", days, "--json")
    assert code == 0, err
    assert json.loads(out)["window_days"] == int(days)
