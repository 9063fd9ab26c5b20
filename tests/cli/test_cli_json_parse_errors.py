"""``--json`` gives the JSON error object for a mistake argparse finds too (README: "Bad input
exits 2 with one line naming the flag you typed ..., with ``--json`` also as a JSON error
object on stdout"): a number that is not one, a value outside the choices, a missing flag."""

from __future__ import annotations

import json

import pytest

from rotation_addin.cli.main import build_parser
from tests.cli_helpers import one_line_error, run


@pytest.mark.parametrize(("argv", "message"), [
    (["plan", "--json", "--equity", "abc"],
     "--equity: must be a number at least 0.01 USD (got 'abc')"),
    (["plan", "--json", "--top", "1.5"], "--top: must be a whole number at least 1 (got '1.5')"),
    (["plan", "--json", "--source", "live"],
     "--source: invalid choice: 'live' (choose from 'demo', 'cache')"),
    (["size", "--json", "--equity", "1000"],
     "the following arguments are required: --entry, --stop, --side"),
])
def test_parser_errors_with_json_print_the_error_object(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    assert json.loads(out) == {"error": {"kind": "invalid input", "message": message,
                                         "exit_code": 2}}


def test_parser_errors_without_json_print_nothing_on_stdout(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", "--top", "1.5")
    assert (code, out) == (2, "")
    assert one_line_error(err) == "rotation: invalid input: --top: must be a whole number " \
                                  "at least 1 (got '1.5')"


def test_the_parser_alone_still_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["plan", "--source", "live", "--json"])
    captured = capsys.readouterr()
    assert stopped.value.code == 2 and captured.out == ""
    assert one_line_error(captured.err).startswith("rotation: invalid input: --source: ")
