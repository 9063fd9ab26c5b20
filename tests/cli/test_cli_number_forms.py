"""A number flag reads the same way on every command: ``rotation trade`` and ``rotation plan``
take ``1,000`` and ``$5`` as ``rotation size`` does, and refuse a word or a value out of range
in the same words.

``trade`` read its numbers with a parser of its own (no ``$``; ``%`` on any flag, so
``--stop 5%`` was a stop at 0.05 USD), ``plan --equity`` / ``--risk-fraction`` /
``--portfolio-cap`` with another (no ``1,000``; ``must be > 0 (got -1)`` for ``-1%``, the
range not said). All of them are ``quick_args._number`` now (``_fraction`` on it for a
fraction). Every test runs the real entry point in-process.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli import journal_cmds
from rotation_addin.desk.journal_market import current_quote
from tests.cli_helpers import one_line_error, run, run_json
from tests.journal.helpers import demo_market
from tests.journal.helpers import trade_cli as _trade

BAD = "rotation: invalid input: "
SIZE = ("size", "--entry", "100", "--stop", "90", "--side", "long")


@pytest.fixture()
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal file path in ``tmp_path`` (not created yet) and the clock pinned."""
    market = demo_market()
    monkeypatch.setattr(journal_cmds, "_now", lambda: market.as_of + timedelta(hours=1))
    return tmp_path / "j.sqlite3"


def test_trade_open_takes_thousands_separators_and_a_dollar_sign(capsys, journal):
    price = current_quote(demo_market(), "FET").price_usd
    stop = round(price * 1.05, 6)
    code, _, err = _trade(capsys, journal, "open", "FET", "--side", "short",
                          "--stop", f"${stop}", "--quantity", "1,000")
    assert code == 0, err
    opened = run_json(capsys, "trade", "list", "--journal-file", str(journal))["open"]
    assert len(opened) == 1
    assert opened[0]["quantity"] == 1000 and opened[0]["stop"] == pytest.approx(stop)


@pytest.mark.parametrize(("argv", "line"), [
    # a forgotten % is refused as `rotation size --risk 5` refuses it
    (["--stop", "1", "--risk", "5"], "--risk: must be a fraction like 0.02 or a percentage "
                                     "like 2% (got '5'; did you mean 5%?)"),
    # a % is a fraction's: a stop of "5%" is no price (it was read as 0.05 USD)
    (["--stop", "5%", "--quantity", "1"], "--stop: must be a number (got '5%')"),
    (["--stop", "abc", "--quantity", "1"], "--stop: must be a number (got 'abc')"),
])
def test_trade_open_refuses_as_size_does(capsys, journal, argv, line):
    code, out, err = _trade(capsys, journal, "open", "FET", "--side", "short", *argv)
    assert (code, out) == (2, ""), err
    assert one_line_error(err) == BAD + line
    assert not journal.exists()


def test_trade_correct_set_takes_a_dollar_sign(capsys, journal):
    price = current_quote(demo_market(), "FET").price_usd
    code, _, err = _trade(capsys, journal, "open", "FET", "--side", "short", "--stop",
                          f"{price * 1.05!r}", "--quantity", "100")
    assert code == 0, err
    code, _, err = _trade(capsys, journal, "correct", "1", "--set",
                          f"stop_price_usd=${price * 1.1:.6f}", "--reason", "typo")
    assert code == 0, err
    opened = run_json(capsys, "trade", "list", "--journal-file", str(journal))["open"]
    assert opened[0]["stop"] == pytest.approx(round(price * 1.1, 6))


def test_plan_equity_takes_a_dollar_sign_and_thousands(capsys):
    typed = run_json(capsys, "plan", "--equity", "$20,000", "--portfolio-cap", "5%")
    plain = run_json(capsys, "plan", "--equity", "20000", "--portfolio-cap", "0.05")
    assert typed["portfolio_risk_cap_usd"] == pytest.approx(1000.0)
    assert typed == plain


@pytest.mark.parametrize(("typed", "line"), [
    ("abc", "--equity: must be a number at least 0.01 USD (got 'abc')"),
    ("-1", "--equity: must be at least 0.01 USD (got -1)"),
    ("0", "--equity: must be at least 0.01 USD (got 0)"),
])
def test_equity_is_refused_alike_by_size_and_plan(capsys, typed, line):
    for argv in ((*SIZE, "--equity", typed), ("plan", "--equity", typed)):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert one_line_error(err) == BAD + line, argv


def test_a_forgotten_percent_reads_alike_on_size_and_plan(capsys):
    words = "must be a fraction like 0.02 or a percentage like 2% (got '5'; did you mean 5%?)"
    for argv, flag in (((*SIZE, "--equity", "1000", "--risk", "5"), "--risk"),
                       (("plan", "--risk-fraction", "5"), "--risk-fraction"),
                       (("plan", "--portfolio-cap", "5"), "--portfolio-cap")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and one_line_error(err) == f"{BAD}{flag}: {words}", argv


def test_a_negative_percentage_says_the_range_not_just_above_zero(capsys):
    code, _, err = run(capsys, "plan", "--risk-fraction", "-1%")
    assert code == 2
    assert one_line_error(err) == BAD + ("--risk-fraction: must be above 0 % and at most 3 % "
                                         "(got -1 %)")


def test_a_count_takes_thousands_separators_as_a_number_does(capsys):
    """``--limit 1,000`` was refused (``int()``) where ``--notional 1,000`` was taken: a count
    is read by ``_whole_number`` with ``_number``'s separators, and is still a whole number."""
    code, out, err = run(capsys, "alerts", "history", "--limit", "1,000", "--json")
    assert code == 0 and out.strip() == '{\n  "firings": []\n}', err
    typed = run(capsys, "backtest", "--source", "demo", "--warmup", "1,000")
    plain = run(capsys, "backtest", "--source", "demo", "--warmup", "1000")
    assert typed == plain and typed[0] == 0 and "warmup 1000 d" in typed[1]
    code, out, err = run(capsys, "corr", "--source", "demo", "--window", "1_000")
    assert (code, out) == (2, "")  # read as 1000, so refused as out of range, not as a word
    assert one_line_error(err) == BAD + "--window: must be at least 5 and at most 365 days " \
                                        "(got 1_000)"


@pytest.mark.parametrize(("argv", "line"), [
    (("alerts", "history", "--limit", "1.5"),
     "--limit: must be a whole number at least 1 (got '1.5')"),
    (("alerts", "history", "--limit", "$5"),
     "--limit: must be a whole number at least 1 (got '$5')"),
    (("plan", "--top", "1,5.0"), "--top: must be a whole number at least 1 (got '1,5.0')"),
])
def test_a_count_still_refuses_a_fraction(capsys, argv, line):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert one_line_error(err) == BAD + line
