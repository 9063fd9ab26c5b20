"""CLI errors in the user's words: the flag typed, the range in its units, JSON on failure,
JSON without binary noise. The expected lines are written out by hand from the flags typed."""

from __future__ import annotations

import json

import pytest

from rotation_addin.cli.flag_errors import FIELD_FLAGS, describe, typed_values
from rotation_addin.cli.main import main
from rotation_addin.cli.term import clean_float, to_json
from rotation_addin.core.errors import InputError

SIZE = ["size", "--equity", "10000", "--entry", "7.50", "--side", "long"]


def one_error(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return code, lines[0], captured.out


@pytest.mark.parametrize(("argv", "line"), [
    ([*SIZE, "--stop", "7.90"],
     "--stop: must be below --entry 7.50 for a long (got 7.90)"),
    ([*SIZE, "--stop", "7.05", "--risk", "5%"],
     "--risk: at most 3 % unless --max-risk is raised (up to 10 %) (got 5 %)"),
    ([*SIZE, "--stop", "7.05", "--risk", "0.05"],
     "--risk: at most 3 % unless --max-risk is raised (up to 10 %) (got 5 %)"),
    ([*SIZE, "--stop", "7.05", "--max-risk", "20%"],
     "--max-risk: must be above 0 % and at most 10 % (got 20 %)"),
    (["size", "--equity", "0", "--entry", "7.50", "--stop", "7.05", "--side", "long"],
     "--equity: must be at least 0.01 USD (got 0)"),
    (["liq", "--entry", "100", "--quantity", "10", "--leverage", "2", "--side", "long",
      "--mmr", "150%"],
     "--mmr: must be at least 0.0001 % and below 100 % (got 150 %)"),
    (["leverage", "--daily-vol", "5%", "--k", "50"],
     "--k: must be above 0 and at most 20 (got 50)"),
    ([*SIZE, "--stop", "7.05", "--symbol", "XYZ"],  # once "omit ----symbol"
     "--symbol: XYZ has no contract rules in demo (simulated); omit --symbol or give "
     "--step/--min-qty/--min-notional"),
])
def test_errors_name_the_flag_and_the_range_in_its_units(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    code, got, out = one_error(capsys, *argv)
    assert code == 2 and out == ""
    assert got == f"rotation: invalid input: {line}"
    assert "_usd" not in got and "_fraction" not in got and "1e+" not in got


@pytest.mark.parametrize("field", sorted(FIELD_FLAGS))
def test_a_flag_or_hyphenated_word_in_a_reason_is_left_as_written(field: str) -> None:
    flag = FIELD_FLAGS[field].name
    word = field.replace("_", "-")
    reason = f"omit {flag} or see the {word}-rule and {flag}=1"
    argv = ["size", flag, "1"]
    assert describe(InputError(field, reason), "size", argv) == f"{flag}: {reason}"


def test_a_field_whose_flag_was_not_typed_keeps_its_name() -> None:
    # a bad value from the settings file: the user typed no --risk, so no flag is invented
    error = InputError("risk_fraction", "must be in (0, 0.1] (got 0.5)")
    assert describe(error, "size", ["size", "--equity", "1"]) == \
        "risk_fraction: must be above 0 and at most 0.1 (got 0.5)"
    assert typed_values(["--stop=7.9", "--json", "--risk", "2%"]) == \
        {"--stop": "7.9", "--json": "", "--risk": "2%"}


def test_json_failure_prints_a_json_error_object(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*SIZE, "--stop", "7.90", "--json"])
    captured = capsys.readouterr()
    assert code == 2
    body = json.loads(captured.out)
    assert body == {"error": {"kind": "invalid input", "exit_code": 2,
                              "message": "--stop: must be below --entry 7.50 for a long "
                                         "(got 7.90)"}}
    assert captured.err.startswith("rotation: invalid input: --stop")


def test_refresh_json_failure_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["refresh", "--json", "--api-url", f"http://127.0.0.1:{port}"])
    body = json.loads(capsys.readouterr().out)
    assert code == 4 and body["error"]["kind"] == "data error" and body["error"]["exit_code"] == 4
    assert "connection refused" in body["error"]["message"]


def test_json_has_no_float_noise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["liq", "--entry", "100", "--quantity", "10", "--leverage", "20", "--side",
                 "long", "--mmr", "0.4%", "--json"]) == 0
    text = capsys.readouterr().out
    assert "249.99999999999997" not in text and '"max_leverage": 250.0' in text
    # noise goes, real precision stays
    assert clean_float(249.99999999999997) == 250.0
    assert clean_float(374.9990400000001) == 374.99904
    assert clean_float(0.1 + 0.2) == 0.3
    assert clean_float(6.039255158530449) == 6.039255158530449
    assert json.loads(to_json({"x": [249.99999999999997, float("nan")]})) == {"x": [250.0, None]}
