"""``rotation watch`` against the loopback emulators: streaming and Ctrl-C through the real
console script (a child process gets the SIGINT), ``--once`` through the same ``main`` in this
process (the console script calls it; each cold start cost seconds).

The stored rule is added through the desk (as ``rotation alerts add`` does); the expected
firing follows from the emulator's own prices (the premium index's mark price), computed
here from the market it serves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from rotation_addin.cli.main import main
from rotation_addin.desk.alerts import add_rule, firing_line, history
from tests.emulator.binance import BinanceEmulator
from tests.emulator.binance_ws import BinanceStreamEmulator, StreamTick
from tests.emulator.harness import price_market

ROTATION = Path(sys.executable).parent / "rotation"


@pytest.fixture
def rest() -> Iterator[BinanceEmulator]:
    with BinanceEmulator(price_market(), bases=["BTC", "LTC"]) as emu:
        yield emu


def mark_price(emu: BinanceEmulator, base: str) -> float:
    """What the emulator's premium index says: last closed hourly close x 1.0002."""
    closes = emu.market.hourly_candles(base)["close"]
    closed = closes[closes.index + pd.Timedelta(hours=1) <= pd.Timestamp(emu.now)]
    return float(closed.iloc[-1]) * 1.0002


def cli(home: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "ROTATION_DESK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([str(ROTATION), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=home)


def test_once_fires_once_per_crossing_with_its_exit_code(
        rest: BinanceEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    mark = mark_price(rest, "BTC")
    add_rule("price_above", "BTC", round(mark * 0.99, 2))
    add_rule("price_below", "LTC", round(mark_price(rest, "LTC") * 0.5, 4))  # far away
    args = ["watch", "--once", "--symbols", "BTC,LTC", "--api-url", rest.base_url]
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 1, err
    lines = out.splitlines()
    assert len(lines) == 1 and "alert #1 price_above" in lines[0] and "BTC" in lines[0]
    assert lines == [firing_line(history()[-1])]  # the line every surface prints for it
    assert "checked 2 of 2 symbols on binanceusdm" in err and "1 alert fired" in err
    code = main(args)  # same price: the rule does not fire again
    out, err = capsys.readouterr()
    assert code == 0 and out == "" and "no alert fired" in err, err


def test_once_names_the_symbols_it_could_not_check(
        rest: BinanceEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["watch", "--once", "--symbols", "NOPE", "--api-url", rest.base_url])
    err = capsys.readouterr().err
    assert code == 0  # nothing fired
    assert "checked 0 of 1 symbols on binanceusdm" in err
    assert err.rstrip().endswith("no alert fired; not listed there: NOPE"), err


def test_once_without_an_exchange_is_one_line_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["watch", "--once", "--symbols", "BTC", "--api-url", "http://127.0.0.1:9"])
    out, err = capsys.readouterr()
    assert code == 4 and out == "", err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(("flags", "named"), [
    (["--every", "0"], "--every: must be at least 1 and at most 3600 s (got 0)"),
    (["--every", "abc"], "--every: must be a number at least 1 and at most 3600 s (got 'abc')"),
    (["--symbols", ","], "--symbols: must list at least one base"),
])
def test_bad_flags_are_one_line_naming_the_flag(flags: list[str], named: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["watch", *flags])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and named in err and len(err.strip().splitlines()) == 1


def test_watch_streams_prints_firings_and_stops_cleanly_on_ctrl_c(
        rest: BinanceEmulator, isolated_home: Path) -> None:
    add_rule("price_above", "LTC", 1000.0)
    with BinanceStreamEmulator() as ws:
        proc = cli(isolated_home, "watch", "--symbols", "BTC,LTC", "--every", "1",
                   "--api-url", rest.base_url, "--ws-url", ws.ws_url)
        try:
            deadline = time.monotonic() + 120
            while "ltcusdt@miniTicker" not in ws.subscribed_streams():
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "never subscribed"
                time.sleep(0.1)
            for price in (900.0, 1001.0, 1002.0):  # one crossing -> one firing
                ws.publish([StreamTick("LTCUSDT", price), StreamTick("BTCUSDT", 50_000.0)])
                time.sleep(1.5)
            time.sleep(2.0)
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    fired = [line for line in out.splitlines() if "alert #1" in line]
    assert len(fired) == 1 and "LTC" in fired[0], out
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("watch stopped after") and "1 alert fired" in last
