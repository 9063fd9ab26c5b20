"""A value that starts like a negative number (``-nan``, ``-inf``, ``-1e-3``, ``-5%``) is the
flag's value, for every command (one parser setting, :data:`rotation_addin.cli.main.NUMBER_LIKE`).

argparse alone knows only ``-1`` and ``-1.5`` as numbers: ``--timeout -nan`` failed with
``--timeout: expected one argument``, not the flag's range. Now the value reaches the flag's
check, which says the one line with the range (exit 2, with ``--json`` the error object too),
and a negative that is valid (``--other-upnl -95``) works written either way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("argv", "message"), [
    (["doctor", "--timeout", "-nan"], "--timeout: must be above 0 and at most 30 s (got -nan)"),
    (["doctor", "--timeout", "-inf"], "--timeout: must be above 0 and at most 30 s (got -inf)"),
    (["doctor", "--timeout", "-1e3"],
     "--timeout: must be above 0 and at most 30 s (got -1e3)"),
    (["size", "--equity", "1000", "--entry", "10", "--stop", "9", "--side", "long",
      "--risk", "-1e-3"], "--risk: must be at least 0.0001 % and at most 100 % (got -0.1 %)"),
    (["size", "--equity", "1000", "--entry", "10", "--stop", "9", "--side", "long",
      "--min-qty", "-1"], "--min-qty: must be >= 0 (got -1)"),
    (["watch", "--once", "--every", "-nan"],
     "--every: must be at least 1 and at most 3600 s (got -nan)"),
    (["backtest", "--source", "demo", "--horizon", "-inf"],
     "--horizon: must be a whole number at least 1 and at most 365 days (got '-inf')"),
    (["corr", "--source", "demo", "--window", "-1e3"],
     "--window: must be a whole number at least 5 and at most 365 days (got '-1e3')"),
    (["alerts", "add", "price_above", "BTC", "--threshold", "-nan"],
     "--threshold: must be a finite number (got nan)"),
    (["platforms", "BTC", "--notional", "-5"], "--notional: must be above 0 USD (got -5)"),
    (["platforms", "BTC", "--notional", "1000", "--days", "-.5"],
     "--days: must be at least 0 and at most 3650 (got -.5)"),
])
def test_a_negative_looking_value_gets_the_flags_range(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    code, out, err = run(capsys, *argv, "--json")
    assert code == 2
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    assert json.loads(out) == {"error": {"kind": "invalid input", "message": message,
                                         "exit_code": 2}}


def test_a_valid_negative_works_with_a_space_or_an_equals_sign(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Cross margin, long 1 at 10 USD, wallet 100 USD, other positions -95 USD: 5 USD is left
    to lose, liquidation where 5 + (P - 10) = 0.5 % of P, P = 5 / 0.995 = 5.0251... USD."""
    base = ("liq", "--entry", "10", "--quantity", "1", "--side", "long", "--mode", "cross",
            "--wallet", "100", "--mmr", "0.5%", "--json")
    spaced = run(capsys, *base, "--other-upnl", "-95")
    joined = run(capsys, *base, "--other-upnl=-95")
    assert spaced == joined and spaced[0] == 0
    assert json.loads(spaced[1])["liquidation_price_usd"] == pytest.approx(5 / 0.995, rel=1e-12)


def test_a_flag_in_the_value_place_still_says_the_value_is_missing(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "doctor", "--timeout", "--json")
    assert code == 2
    assert one_line_error(err) == "rotation: invalid input: --timeout: expected one argument"
    assert json.loads(out)["error"]["message"] == "--timeout: expected one argument"


def test_the_console_script_says_the_timeout_range_for_minus_nan(tmp_path: Path) -> None:
    """Through the installed entry module, in its own process (what a user's shell runs)."""
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "rotation_addin.cli.entry", "doctor",
                           "--timeout", "-nan"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "rotation: invalid input: --timeout: must be above 0 and at most 30 s " \
                          "(got -nan)\n"
