"""A word where a number goes (``--dpi abc``, ``--limit abc``) is refused like every other bad
value: one line naming what the user typed and its valid range, exit 2, with ``--json`` the
error object too.

These flags were declared ``type=int`` / ``type=float``: argparse answered
``--dpi: invalid int value: 'abc'`` (no range). The range said for a word is the one the
flag's own range check says for a number outside it (second table), so both read alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run

NOT_A_NUMBER = [
    (["workbook", "render", "book.xlsx", "--out", "out", "--dpi", "abc"],
     "--dpi: must be a whole number at least 30 and at most 300 (got 'abc')", False),
    (["workbook", "render", "book.xlsx", "--out", "out", "--dpi", "1.5"],
     "--dpi: must be a whole number at least 30 and at most 300 (got '1.5')", False),
    (["alerts", "history", "--limit", "abc"],
     "--limit: must be a whole number at least 1 (got 'abc')", True),
    (["alerts", "remove", "1", "abc"],
     "ID: must be a whole number naming an active rule (rotation alerts list) (got 'abc')",
     True),
    (["trade", "correct", "abc", "--reason", "typo"],
     "id: must be a whole number naming a journal row (the id column of rotation trade "
     "export) (got 'abc')", True),
    (["doctor", "--timeout", "abc"],
     "--timeout: must be a number above 0 and at most 30 s (got 'abc')", True),
    (["platforms", "BTC", "--notional", "abc"],
     "--notional: must be a number above 0 USD (got 'abc')", True),
    (["platforms", "BTC", "--notional", "1000", "--days", "a week"],
     "--days: must be a number at least 0 and at most 3650 (got 'a week')", True),
    (["plan", "--venue-days", "x"],
     "--venue-days: must be a number at least 0 and at most 3650 (got 'x')", True),
    # the range of an alert's threshold is its kind's (and --unit's)
    (["alerts", "add", "price_above", "BTC", "--threshold", "eight"],
     "--threshold: must be a number above 0 (got 'eight')", True),
    (["alerts", "add", "stop_near", "*", "--threshold", "x", "--unit", "sigma"],
     "--threshold: must be a number above 0 and at most 20 (got 'x')", True),
    (["alerts", "add", "stop_near", "*", "--hysteresis", "x"],
     "--hysteresis: must be a number at least 0 and at most 100 (got 'x')", True),
]

OUT_OF_RANGE = [
    (["workbook", "render", "book.xlsx", "--out", "out", "--dpi", "5"],
     "--dpi: must be at least 30 and at most 300 (got 5)"),
    (["alerts", "history", "--limit", "0"], "--limit: must be at least 1 (got 0)"),
    (["plan", "--top", "0"], "--top: must be at least 1 (got 0)"),
    (["doctor", "--timeout", "99"], "--timeout: must be above 0 and at most 30 s (got 99)"),
    (["platforms", "BTC", "--notional", "-5"], "--notional: must be above 0 USD (got -5)"),
    (["platforms", "BTC", "--notional", "1000", "--days", "4000"],
     "--days: must be at least 0 and at most 3650 (got 4000)"),
    (["alerts", "add", "stop_near", "*", "--threshold", "50", "--unit", "sigma"],
     "--threshold: must be above 0 and at most 20 (got 50)"),
]


@pytest.mark.parametrize(("argv", "message", "has_json"), NOT_A_NUMBER)
def test_a_word_for_a_number_names_the_flag_and_its_range(
        argv: list[str], message: str, has_json: bool,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    if has_json:
        code, out, err = run(capsys, *argv, "--json")
        assert code == 2
        assert one_line_error(err) == f"rotation: invalid input: {message}"
        assert json.loads(out) == {"error": {"kind": "invalid input", "message": message,
                                             "exit_code": 2}}


@pytest.mark.parametrize(("argv", "message"), OUT_OF_RANGE)
def test_the_range_checks_keep_their_messages(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {message}"


@pytest.mark.parametrize("typed", ["nan", "-nan", "inf", "-1e3", "1e5", "0", "-0.0"])
def test_doctor_timeout_is_refused_as_it_is_parsed_like_watch_every(
        typed: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--timeout's range was checked by the doctor's handler, which said the float it had
    parsed (``1e3``: "got 1000", ``-nan``: "got nan"); every other ranged flag refuses the
    value as it is parsed and says what was typed. Now --timeout does too."""
    code, out, err = run(capsys, "doctor", "--timeout", typed)
    assert (code, out) == (2, "")
    assert one_line_error(err) == ("rotation: invalid input: --timeout: must be above 0 and at "
                                   f"most 30 s (got {typed})")
    code, out, err = run(capsys, "watch", "--once", "--every", typed)
    assert (code, out) == (2, "")
    assert one_line_error(err) == ("rotation: invalid input: --every: must be at least 1 and at "
                                   f"most 3600 s (got {typed})")


def test_a_kind_without_threshold_still_says_so_for_a_word(
        capsys: pytest.CaptureFixture[str]) -> None:
    """regime_change takes no threshold: a word is refused as unused, not given a range."""
    code, _, err = run(capsys, "alerts", "add", "regime_change", "--threshold", "x")
    assert code == 2
    assert one_line_error(err) == ("rotation: invalid input: --threshold: is not used by "
                                   "regime_change (leave it empty; got 'x')")


def test_the_numbers_these_flags_took_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "alerts", "add", "price_above", "BTC", "--threshold", "8.5",
                         "--hysteresis", "1", "--json")
    assert code == 0, err
    rule = json.loads(out)["rule"]
    assert (rule["threshold"], rule["hysteresis"]) == (8.5, 1.0)
    code, out, err = run(capsys, "alerts", "remove", str(rule["rule_id"]), "--json")
    assert code == 0 and json.loads(out) == {"removed": [rule["rule_id"]]}, err
    code, out, err = run(capsys, "alerts", "history", "--limit", "3", "--json")
    assert code == 0 and json.loads(out) == {"firings": []}, err


@pytest.mark.parametrize(("flags", "message"), [
    (["--venue-days", "-1"], "--venue-days: must be at least 0 and at most 3650 (got -1)"),
    (["--venue-days=4000"], "--venue-days: must be at least 0 and at most 3650 (got 4000)"),
    (["--venue-days", "nan"], "--venue-days: must be a finite number (got nan)"),
    (["--quarterlies"], "--quarterlies: needs --venues A,B (the venues whose dated contracts "
                        "are compared)"),
    # the hidden test flag was ignored without --venues: the plan ran as if it were not typed
    (["--venue-api-url", "binanceusdm=http://127.0.0.1:9"],
     "--venue-api-url: needs --venues A,B (the venues whose addresses it replaces)"),
])
def test_plan_checks_its_venue_flags_without_venues(
        flags: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--venue-days is only used with --venues, but a bad one is bad either way: without
    --venues, -1 was accepted and ignored. The range and words are platforms --days'."""
    code, out, err = run(capsys, "plan", *flags)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    code, out, err = run(capsys, "plan", *flags, "--json")
    assert code == 2 and one_line_error(err) == f"rotation: invalid input: {message}"
    assert json.loads(out) == {"error": {"kind": "invalid input", "message": message,
                                         "exit_code": 2}}
    if flags[0].startswith("--venue-days"):  # the same words as platforms --days
        code, _, err = run(capsys, "platforms", "BTC", "--notional", "1000", "--days",
                           flags[-1].split("=")[-1])
        assert code == 2 and one_line_error(err).endswith(message.split(": ", 1)[1])


def test_refresh_refuses_a_venue_address_without_venues(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``rotation refresh --demo --venue-api-url ...`` wrote the demo market and said nothing
    of the address (no venue is priced without --venues); now it is refused before anything
    is written, in the words plan says it."""
    cache = tmp_path / "cache.sqlite3"
    argv = ["refresh", "--demo", "--cache", str(cache), "--venue-api-url",
            "binanceusdm=http://127.0.0.1:9"]
    message = "--venue-api-url: needs --venues A,B (the venues whose addresses it replaces)"
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    code, out, err = run(capsys, *argv, "--json")
    assert code == 2 and json.loads(out)["error"]["message"] == message
    assert not cache.exists()


def test_plan_takes_a_valid_venue_days_without_venues(capsys: pytest.CaptureFixture[str]) -> None:
    for days in ("0", "3650", "1,000"):
        code, out, err = run(capsys, "plan", "--venue-days", days, "--json")
        assert code == 0, err
        assert "cheapest_venues" not in json.loads(out)


@pytest.mark.parametrize(("argv", "outside"), [
    (["alerts", "history", "--limit"], "0"),
    (["plan", "--top"], "0"),
    (["workbook", "render", "book.xlsx", "--out", "out", "--dpi"], "301"),
])
def test_a_count_says_one_range_for_a_word_and_for_a_number_outside(
        argv: list[str], outside: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--limit 0 said 'must be an integer >= 1' and --limit x 'must be a whole number >= 1';
    --top 0 'an integer >= 1' (the plan parameters' words) and --top x no range at all."""
    said = []
    for typed in ("x", outside):
        code, out, err = run(capsys, *argv, typed)
        assert (code, out) == (2, "")
        said.append(one_line_error(err).rsplit(" (got ", 1)[0])
    word, number = said
    assert word == number.replace("must be ", "must be a whole number ", 1)
