"""`rotation alerts list|add|remove|history` and the evaluation `rotation refresh` runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rotation_addin.cli.main import main
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.data.loader import load_market
from tests.cli_helpers import run


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_add_list_remove_history_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, added = _json(capsys, "alerts", "add", "stop_near", "*", "--threshold", "1.5",
                        "--unit", "sigma", "--note", "weekend")
    assert code == 0
    rule = added["rule"]
    assert isinstance(rule, dict)
    assert (rule["kind"], rule["subject"], rule["threshold"], rule["unit"],
            rule["hysteresis"], rule["note"]) == ("stop_near", "*", 1.5, "sigma", 0.25,
                                                  "weekend")
    assert _json(capsys, "alerts", "add", "regime_change")[0] == 0
    code, listed = _json(capsys, "alerts", "list")
    assert code == 0 and [r["kind"] for r in listed["rules"]] == [  # type: ignore[union-attr]
        "stop_near", "regime_change"]
    code, removed = _json(capsys, "alerts", "remove", str(rule["rule_id"]))
    assert code == 0 and removed == {"removed": [rule["rule_id"]]}
    code, listed = _json(capsys, "alerts", "list")
    assert [r["kind"] for r in listed["rules"]] == ["regime_change"]  # type: ignore[union-attr]
    assert _json(capsys, "alerts", "history") == (0, {"firings": []})


@pytest.mark.parametrize(("args", "line"), [
    (["alerts", "add", "stop_near", "*", "--threshold", "25", "--unit", "sigma"],
     "rotation: invalid input: --threshold: must be above 0 and at most 20 (got 25)"),
    (["alerts", "add", "stop_near", "*", "--unit", "bps"],
     "rotation: invalid input: --unit: must be one of 'pct', 'sigma' for stop_near "
     "(got 'bps')"),
    (["alerts", "add", "price_above", "BTC"],
     "rotation: invalid input: --threshold: is required for price_above (USD, in "
     "(0, 1e+12])"),
    (["alerts", "add", "price_above", "BTC", "--threshold", "9", "--hysteresis", "80"],
     "rotation: invalid input: --hysteresis: must be at least 0 and at most 50 (got 80)"),
    (["alerts", "add", "nope"], "rotation: invalid input: kind: must be one of price_above, "),
    (["alerts", "remove", "7"],
     "rotation: invalid input: rule_id: must be the id of an active rule (active: none; "
     "got 7)"),
    (["alerts", "history", "--limit", "0"],
     "rotation: invalid input: --limit: must be at least 1 (got 0)"),
])
def test_bad_input_is_one_line_naming_the_field(args: list[str], line: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *args)  # --limit is refused by the parser (a SystemExit)
    assert code == 2
    assert err.startswith(line) and err.count("\n") == 1, err


def _small_universe(home: Path) -> None:
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "universe.toml").write_text(
        'quote = "USDT"\nbenchmark = "BTC"\n\n[sectors]\nrender = ["RENDER"]\n'
        'benchmark = ["BTC"]\n', encoding="utf-8")


def test_refresh_evaluates_alerts_once_and_labels_them_demo(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _small_universe(isolated_home)
    demo_btc = load_market("demo").tickers["BTC"].mark_price_usd  # the observation's price
    assert main(["alerts", "add", "price_above", "BTC", "--threshold",
                 f"{demo_btc * 0.95:.2f}"]) == 0
    assert main(["alerts", "add", "price_below", "BTC", "--threshold",
                 f"{demo_btc * 0.5:.2f}"]) == 0  # far below: never fires
    capsys.readouterr()
    code, payload = _json(capsys, "refresh", "--demo")
    assert code == 0
    fired = payload["alerts"]
    assert isinstance(fired, list) and len(fired) == 1
    assert fired[0]["kind"] == "price_above" and fired[0]["demo"] is True
    assert fired[0]["label"] == DEMO_SOURCE_LABEL
    assert fired[0]["value"] == pytest.approx(demo_btc)
    assert main(["refresh", "--demo"]) == 0  # same data again: the crossing fired already
    assert "alert:" not in capsys.readouterr().out
    code, history = _json(capsys, "alerts", "history")
    assert len(history["firings"]) == 1  # type: ignore[arg-type]
    assert main(["alerts", "history"]) == 0
    text = capsys.readouterr().out
    assert DEMO_SOURCE_LABEL in text and "price_above" in text


def test_refresh_without_rules_has_no_alerts_key(isolated_home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _small_universe(isolated_home)
    code, payload = _json(capsys, "refresh", "--demo")
    assert code == 0 and "alerts" not in payload
    assert not (isolated_home / "data" / "alerts.sqlite3").exists()
