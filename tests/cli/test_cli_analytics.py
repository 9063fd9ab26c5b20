"""``rotation regime | sectors | corr | plan`` on the demo market: tables, JSON, CSV, errors."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rotation_addin.cli.main import main
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.report import daily_report
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.demo import demo_dataset

REPO = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["regime"], ["sectors"], ["corr"],
                                     ["corr", "--relative", "--stress", "--window", "90"],
                                     ["plan"]])
def test_tables_show_source_and_as_of(capsys: pytest.CaptureFixture[str],
                                      command: list[str]) -> None:
    code, out, err = _run(capsys, *command)
    assert code == 0, err
    as_of = demo_dataset().as_of
    assert f"source: {DEMO_SOURCE_LABEL}" in out
    assert f"as of: {as_of:%Y-%m-%d %H:%M} UTC" in out


@pytest.mark.parametrize("command", [["regime"], ["sectors"], ["corr", "--stress"], ["plan"]])
def test_json_is_valid_and_labelled(capsys: pytest.CaptureFixture[str],
                                    command: list[str]) -> None:
    code, out, _ = _run(capsys, *command, "--json")
    assert code == 0
    body = json.loads(out)
    assert body["source"] == DEMO_SOURCE_LABEL
    assert body["as_of"] == demo_dataset().as_of.isoformat()


@pytest.mark.parametrize("command, column", [(["regime"], "reason"), (["sectors"], "score"),
                                             (["corr"], "correlation"),
                                             (["corr", "--stress"], "stress_corr_adjusted"),
                                             (["plan"], "risk_usd")])
def test_csv_rows_carry_source_and_as_of(capsys: pytest.CaptureFixture[str],
                                         command: list[str], column: str) -> None:
    code, out, _ = _run(capsys, *command, "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, out
    assert column in rows[0]
    assert {r["source"] for r in rows} == {DEMO_SOURCE_LABEL}


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def _table_rows(out: str, *header: str) -> list[list[str]]:
    """The cells of the text table whose header's first columns are ``header``."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if _cells(line)[:len(header)] == list(header)) + 2
    rows = []
    for line in lines[start:]:
        if len(_cells(line)) < 3:
            break
        rows.append(_cells(line))
    return rows


def test_sectors_and_corr_write_the_same_figures_alike(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`rotation sectors` wrote every figure with 3 decimals (beta 1.044, BTC R² 64.727,
    score 1.304) while `rotation corr` wrote the same beta and share as 1.04 and 64.7 and
    `rotation plan` the score as +1.30: now each figure reads alike in all three, as in the
    app and the workbook (score and D signed, 2 decimals; beta 2; shares and momentum %)."""
    code, out, err = _run(capsys, "sectors")
    assert code == 0, err
    sectors = {row[1]: row for row in _table_rows(out, "#", "sector")}
    code, out, err = _run(capsys, "corr")
    assert code == 0, err
    betas = {row[0]: row for row in _table_rows(out, "sector", "beta to BTC (90 d)")}
    assert sectors and set(sectors) == set(betas)
    code, out, err = _run(capsys, "sectors", "--json")
    scored = {s["sector"]: s for s in json.loads(out)["sectors"]}
    for name, row in sectors.items():
        score, mom_7d, mom_30d, volume, divergence, beta, share = row[2:9]
        assert (beta, share) == (betas[name][1], betas[name][2])
        assert re.fullmatch(r"[-+]\d+\.\d\d", score) and re.fullmatch(r"[-+]\d+\.\d\d", divergence)
        assert re.fullmatch(r"\d+\.\d\d", beta) and re.fullmatch(r"\d+\.\d\d", volume)
        assert all(re.fullmatch(r"[-+]\d+\.\d%", m) for m in (mom_7d, mom_30d))
        assert re.fullmatch(r"\d+\.\d%", share)
        figures = scored[name]
        assert float(score) == pytest.approx(figures["score"], abs=0.005)
        assert float(beta) == pytest.approx(figures["beta_to_btc"], abs=0.005)
        assert float(share[:-1]) == pytest.approx(figures["btc_explained_share"] * 100, abs=0.05)
    leader = next(row for row in sectors.values() if row[0] == "1")
    code, out, err = _run(capsys, "plan")
    assert code == 0, err
    assert f"top sector: {leader[1]} (score {leader[2]})" in out


def test_plan_json_is_the_engine_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "plan", "--json", "--equity", "20000")
    assert code == 0
    body = json.loads(out)
    report = daily_report(demo_dataset(), None, PlanParameters(equity_usd=20_000.0))
    assert [(o["symbol"], o["action"], o["quantity_base"]) for o in body["orders"]] == [
        (o.symbol, o.action, o.quantity_base) for o in report.plan.orders]
    assert body["sent"] is False
    assert body["stressed_loss_usd"] <= body["portfolio_risk_cap_usd"]


def test_plan_reads_the_positions_file(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    price = float(demo_dataset().close["LTC"].iloc[-1])
    positions = tmp_path / "positions.csv"
    positions.write_text(
        "symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
        f"LTC,long,2,{price * 0.8},{price * 0.7},{price * 0.9},2026-11-01\n", encoding="utf-8")
    code, out, err = _run(capsys, "plan", "--positions", str(positions), "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    ltc = [r for r in rows if r["symbol"] == "LTC/USDT:USDT"]
    assert ltc and ltc[0]["action"] == "close" and "take-profit" in ltc[0]["reason"]


@pytest.mark.parametrize("argv, fragment", [
    (["corr", "--window", "2"], "--window"),
    (["plan", "--equity", "-5"], "--equity"),
    (["plan", "--risk-fraction", "0.5"], "--risk-fraction: must be above 0 % and at most 3 %"),
    (["plan", "--top", "0"], "--top: must be at least 1 (got 0)"),
    (["regime", "--source", "live"], "--source"),
])
def test_bad_flags_are_one_line_errors(capsys: pytest.CaptureFixture[str], argv: list[str],
                                       fragment: str) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_positions_file_names_line_and_field(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    positions = tmp_path / "p.csv"
    positions.write_text("symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at\n"
                         "LTC,long,-2,80,70,,2026-11-01\n", encoding="utf-8")
    code, _out, err = _run(capsys, "plan", "--positions", str(positions))
    assert code == 2
    assert "line 2: quantity" in err and len(err.strip().splitlines()) == 1


def test_cache_source_without_data_is_a_data_error(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    code, _out, err = _run(capsys, "sectors", "--source", "cache", "--cache",
                           str(tmp_path / "none.sqlite3"))
    assert code == 4
    assert "rotation: data error" in err and "Traceback" not in err


def test_rotation_plan_end_to_end_subprocess(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rotation_addin.cli.main", "plan"], cwd=REPO,
        capture_output=True, text=True, timeout=120,
        env={"ROTATION_DESK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert DEMO_SOURCE_LABEL in result.stdout
    assert "nothing is sent to any exchange" in result.stdout
