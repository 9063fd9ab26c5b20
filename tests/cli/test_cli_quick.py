"""``rotation size | liq | leverage`` through the real CLI entry point (and one real subprocess)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import one_line_error, run, run_json

REPO = Path(__file__).resolve().parents[2]




def test_size_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    # equity 10,000, 2 % -> 200; per unit = 0.45 + 7.5*0.0005 + 7.05*0.001 = 0.4608
    # quantity = 200/0.4608 = 434.0277...; with --step 0.1 -> 434.0; risk = 199.9872
    code, out, err = run(capsys, "size", "--equity", "10000", "--entry", "7.50", "--stop", "7.05",
                         "--side", "long", "--step", "0.1")
    assert code == 0, err
    assert "434" in out and "risk at stop USD" in out
    data = run_json(capsys, "size", "--equity", "10,000", "--entry", "7.50", "--stop", "7.05",
                    "--side", "long", "--risk", "2%", "--step", "0.1", "--leverage", "5")
    assert data["position"]["quantity_base"] == pytest.approx(434.0)
    assert data["position"]["risk_usd"] == pytest.approx(434.0 * 0.4608)
    assert data["position"]["margin_usd"] == pytest.approx(434.0 * 7.5 / 5)
    assert data["liquidation"]["liquidation_price_usd"] < 7.05
    assert data["capital"]["ok"] is True


def test_size_percent_and_fraction_agree(capsys: pytest.CaptureFixture[str]) -> None:
    base = ("size", "--equity", "5000", "--entry", "2", "--stop", "2.2", "--side", "short")
    a = run_json(capsys, *base, "--risk", "0.01", "--fee", "0.04%", "--slippage", "0.001")
    b = run_json(capsys, *base, "--risk", "1%", "--fee", "0.0004", "--slippage", "0.1%")
    assert a["position"] == b["position"]
    # 5,000*1 % = 50; per unit 0.2 + 2*0.0004 + 2.2*0.0014 = 0.20388 -> 245.24 units
    assert a["position"]["quantity_base"] == pytest.approx(50 / 0.20388)


def test_size_small_account_warns_about_5000(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "size", "--equity", "1000", "--entry", "100", "--stop", "95",
                       "--side", "long")
    assert code == 0
    assert "warning:" in out and "5,000" in out


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["size", "--equity", "nan", "--entry", "7.5", "--stop", "7", "--side", "long"], 2,
         "--equity: must be"),
        (["size", "--equity", "-5", "--entry", "7.5", "--stop", "7", "--side", "long"], 2,
         "--equity: must be"),
        (["size", "--equity", "abc", "--entry", "7.5", "--stop", "7", "--side", "long"], 2,
         "--equity"),
        (["size", "--equity", "1e4", "--entry", "inf", "--stop", "7", "--side", "long"], 2,
         "--entry: must be a finite number"),
        (["size", "--equity", "1e4", "--entry", "7.5", "--stop", "8", "--side", "long"], 2,
         "--stop: must be below --entry 7.5 for a long (got 8)"),
        (["size", "--equity", "1e4", "--entry", "7.5", "--stop", "7", "--side", "up"], 2, "side"),
        (["size", "--equity", "1e4", "--entry", "7.5", "--stop", "7", "--side", "long",
          "--risk", "5%"], 2,
         "--risk: at most 3 % unless --max-risk is raised (up to 10 %) (got 5 %)"),
        (["size", "--equity", "1e4", "--entry", "7.5", "--stop", "7", "--side", "long",
          "--risk", "2"], 2, "did you mean 2%"),
        (["size", "--equity", "1e4", "--entry", "7.5", "--stop", "7", "--side", "long",
          "--leverage", "0"], 2, "leverage"),
        (["size", "--equity", "100", "--entry", "60000", "--stop", "57000", "--side", "long",
          "--step", "0.001", "--min-notional", "100"], 3, "quantity_base"),
        (["size", "--equity", "1e4", "--entry", "100", "--stop", "90", "--side", "long",
          "--leverage", "20"], 3, "whole margin"),
        (["size", "--entry", "7.5", "--stop", "7", "--side", "long"], 2, "--equity"),
        (["liq", "--entry", "100", "--quantity", "10", "--side", "long"], 2, "leverage"),
        (["liq", "--entry", "100", "--quantity", "-1", "--leverage", "5", "--side", "long"], 2,
         "--quantity: must be"),
        (["liq", "--entry", "100", "--quantity", "10", "--leverage", "20", "--side", "long",
          "--stop", "95"], 3, "whole margin"),
        (["liq", "--entry", "100", "--quantity", "10", "--leverage", "200", "--side", "long"], 3,
         "leverage"),
        (["liq", "--entry", "100", "--quantity", "1", "--side", "long", "--mode", "cross"], 2,
         "wallet_balance_usd"),
        (["liq", "--entry", "100", "--quantity", "1", "--side", "long", "--mode", "margin",
          "--leverage", "2"], 2, "--mode"),
        (["liq", "--entry", "100", "--quantity", "1", "--notional", "5", "--leverage", "2",
          "--side", "long"], 2, "not allowed"),
        (["liq", "--entry", "100", "--quantity", "1", "--leverage", "5", "--side", "long",
          "--other-mm", "5"], 2, "--other-mm: applies to --mode cross only"),
        (["liq", "--entry", "100", "--quantity", "1", "--leverage", "5", "--side", "long",
          "--brackets", "/nonexistent/tiers.json"], 2, "brackets"),
        (["leverage", "--daily-vol", "nan"], 2, "--daily-vol: must be a finite number"),
        (["leverage", "--daily-vol=-3%"], 2, "--daily-vol: must be at least 0 %"),
        (["leverage", "--annual-vol", "inf"], 2, "--annual-vol: must be a finite number"),
        (["leverage", "--daily-vol", "5%", "--k", "0"], 2, "--k: must be above 0"),
        (["leverage", "--daily-vol", "5%", "--holding-days", "-1"], 2,
         "--holding-days: must be above 0"),
        (["leverage", "--daily-vol", "5%", "--max-leverage", "0.5"], 2,
         "--max-leverage: must be at least 1"),
        (["leverage", "--daily-vol", "5%", "--estimator", "yang-zhang"], 2, "--estimator"),
        (["leverage"], 2, "required"),
        (["leverage", "--symbol", "NOPE"], 4, "NOPE"),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, needle: str
) -> None:
    got, out, err = run(capsys, *argv)
    assert got == code, (out, err)
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("usage")]
    assert len(lines) == 1, err
    assert needle in lines[0]
    assert "Traceback" not in err


def test_liq_20x_long_mmr_04pct(capsys: pytest.CaptureFixture[str]) -> None:
    # LP = 100 * (1 - 1/20)/(1 - 0.004) = 95.3815 -> 4.62 % fall
    data = run_json(capsys, "liq", "--side", "long", "--entry", "100", "--quantity", "10",
                    "--leverage", "20", "--mmr", "0.4%")
    assert data["liquidation_price_usd"] == pytest.approx(100 * 0.95 / 0.996)
    code, out, _ = run(capsys, "liq", "--side", "long", "--entry", "100", "--notional", "1000",
                       "--leverage", "20", "--mmr", "0.004")
    assert code == 0 and "distance from entry              4.62%\n" in out
    # money to the cent: notional 1,000; margin 1,000 / 20 = 50; maintenance 0.4 % = 4
    assert "notional USD                     1,000.00\n" in out
    assert "wallet balance used USD          50.00\n" in out
    assert "maintenance margin at entry USD  4.00\n" in out
    assert "MMR / cum at liquidation         0.400% / 0.00 USD\n" in out


def test_liq_published_cross_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Binance FAQ worked example (see test_liquidation.py): BTCUSDT cross, wallet 1,535,443.01,
    # other MM 356,512.508, other UPNL -448,192.89 -> 26,316.89, with the 2021 BTC tiers given
    # as a ccxt tiers file (cum 16,300 for the 1M-10M / 2.5 % tier).
    floors = [0, 50e3, 250e3, 1e6, 10e6, 20e6]
    rates = [0.004, 0.005, 0.01, 0.025, 0.05, 0.10]
    levs = [125, 100, 50, 20, 10, 5]
    cums = [0, 50, 1300, 16300, 266300, 1266300]
    tiers = [
        {"minNotional": f, "maxNotional": [*floors, 50e6][i + 1], "maintenanceMarginRate": r,
         "maxLeverage": lv, "info": {"cum": str(c)}}
        for i, (f, r, lv, c) in enumerate(zip(floors, rates, levs, cums, strict=True))
    ]
    path = tmp_path / "BTCUSDT.json"
    path.write_text(json.dumps(tiers), encoding="utf-8")
    data = run_json(capsys, "liq", "--side", "long", "--entry", "32481.98", "--quantity",
                    "109.488", "--mode", "cross", "--wallet", "1535443.01", "--other-mm",
                    "356512.508", "--other-upnl", "-448192.89", "--brackets", str(path))
    assert round(data["liquidation_price_usd"], 2) == 26316.89
    assert data["bracket"]["maintenance_amount_usd"] == 16300


LIQ_TRADE = ("liq", "--side", "long", "--entry", "100", "--quantity", "10", "--mmr", "0.4%")


@pytest.mark.parametrize(("mode", "extra", "named"), [
    ((), ("--wallet", "1000"), "--wallet: applies"),
    (("--mode", "isolated"), ("--wallet", "1000"), "--wallet: applies"),
    ((), ("--other-mm", "5"), "--other-mm: applies"),
    ((), ("--other-upnl=-30",), "--other-upnl: applies"),
    (("--mode", "isolated"), ("--wallet", "1000", "--other-upnl", "-30"),
     "--wallet, --other-upnl: apply"),
])
def test_liq_isolated_refuses_the_cross_only_flags(
        capsys: pytest.CaptureFixture[str], mode: tuple[str, ...], extra: tuple[str, ...],
        named: str) -> None:
    """A wallet typed with isolated margin (the default mode) was silently ignored: the answer
    looked computed from it. Now one line names the flag typed and says it is for cross."""
    flags = named.split(": ")[0].split(", ")
    message = (f"{named} to --mode cross only (--mode isolated uses the position's own "
               f"margin): add --mode cross or leave {' and '.join(flags)} out")
    code, out, err = run(capsys, *LIQ_TRADE, "--leverage", "20", *mode, *extra)
    assert (code, out) == (2, "")
    assert one_line_error(err) == f"rotation: invalid input: {message}"
    code, out, err = run(capsys, *LIQ_TRADE, "--leverage", "20", *mode, *extra, "--json")
    assert code == 2 and one_line_error(err) == f"rotation: invalid input: {message}"
    assert json.loads(out) == {"error": {"kind": "invalid input", "message": message,
                                         "exit_code": 2}}
    # the same figures with --mode cross are read (cross: LP from the wallet, not the margin)
    wallet = () if "--wallet" in extra else ("--wallet", "1000")
    data = run_json(capsys, *LIQ_TRADE, "--mode", "cross", *wallet, *extra)
    assert data["mode"] == "cross" and data["wallet_balance_usd"] == 1000


def test_liq_bad_brackets_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "tiers.json"
    path.write_text('{"a": 1, "b": 2}', encoding="utf-8")
    code, _, err = run(capsys, "liq", "--side", "long", "--entry", "100", "--quantity", "1",
                       "--leverage", "5", "--brackets", str(path))
    assert code == 2 and "brackets" in err
    path.write_text("[{\"minNotional\": 0}]", encoding="utf-8")
    code, _, err = run(capsys, "liq", "--side", "long", "--entry", "100", "--quantity", "1",
                       "--leverage", "5", "--brackets", str(path))
    assert code == 2 and "maxNotional" in err


def test_leverage_from_vol_flags(capsys: pytest.CaptureFixture[str]) -> None:
    # 15 %/day, k 3, buffer 2 %, MMR 0.4 %: 1/(0.47 + 0.004) = 2.11 -> 2x
    data = run_json(capsys, "leverage", "--daily-vol", "15%", "--mmr", "0.4%",
                    "--max-leverage", "125")
    assert data["safe_leverage"]["leverage"] == 2
    # annual 90 % -> daily 0.9/sqrt(365) = 4.711 %: 1/(0.1413 + 0.02 + 0.004) = 6.05 -> 6x
    data = run_json(capsys, "leverage", "--annual-vol", "90%", "--mmr", "0.004",
                    "--max-leverage", "125")
    assert data["safe_leverage"]["daily_vol"] == pytest.approx(0.9 / math.sqrt(365))
    assert data["safe_leverage"]["leverage"] == 6
    code, out, _ = run(capsys, "leverage", "--daily-vol", "15%")
    assert code == 0 and "LOWER leverage" in out


def test_leverage_from_demo_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "leverage", "--symbol", "render", "--estimator", "parkinson")
    assert data["source"] == "demo (simulated)"
    vol = data["volatility"]
    assert data["safe_leverage"]["daily_vol"] == vol["parkinson_daily_sigma"]
    assert 0 < vol["parkinson_daily_sigma"] < 0.5
    code, out, _ = run(capsys, "leverage", "--symbol", "BTC")
    assert code == 0 and "demo (simulated)" in out


def test_subprocess_console_script() -> None:
    script = Path(sys.executable).with_name("rotation")
    assert script.exists(), f"console script missing: {script}"
    done = subprocess.run(
        [str(script), "size", "--equity", "10000", "--entry", "7.50", "--stop", "7.05",
         "--side", "long", "--json"],
        capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    # 200 / 0.4608 = 434.027... (no contract: not rounded)
    assert data["position"]["quantity_base"] == pytest.approx(200 / 0.4608)
    bad = subprocess.run(
        [str(script), "size", "--equity", "10000", "--entry", "7.50", "--stop", "8",
         "--side", "long"],
        capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0
    assert "--stop: must be below --entry 7.50" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_leverage_symbol_without_loader_is_a_data_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry in sys.modules makes `import rotation_addin.data.loader` raise ImportError,
    # as on an install without the data layer: one line, exit 4, and a way out.
    monkeypatch.setitem(sys.modules, "rotation_addin.data.loader", None)
    code, _, err = run(capsys, "leverage", "--symbol", "RENDER")
    assert code == 4
    assert "--daily-vol" in err and err.count("\n") == 1


def test_output_into_a_closed_pipe_exits_quietly() -> None:
    """`rotation corr | head -1` must not print a BrokenPipeError traceback."""
    import subprocess
    import sys

    script = ("import sys; from rotation_addin.cli.main import main; "
              "sys.exit(main(['corr', '--stress', '--window', '90']))")
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    writer = subprocess.run([sys.executable, "-c", script], stdout=reader.stdin,
                            stderr=subprocess.PIPE, text=True, timeout=120)
    assert reader.stdin is not None
    reader.stdin.close()
    reader.wait(timeout=30)
    assert "Traceback" not in writer.stderr, writer.stderr
    assert writer.returncode in (0, 141)
