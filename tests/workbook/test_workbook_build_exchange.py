"""``rotation workbook build --source cache --exchange ID`` reads the cache of that exchange.

``rotation refresh --demo`` stores the demo market under exchange "demo"; without
``--exchange`` the build looked only at the settings' exchange (binanceusdm) and failed.
The cache is the isolated test home's (the autouse fixture points ROTATION_DESK_HOME at a
fresh tmp folder), filled by the real ``refresh_demo``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rotation_addin.cli.main import main
from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.data.loader import load_market
from rotation_addin.data.refresh import refresh_demo
from workbook import layout as lay


def test_build_from_a_cached_demo_refresh(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    summary = refresh_demo(hourly_days=2)
    assert not summary.cancelled
    out = tmp_path / "from_cache.xlsx"
    # the settings' exchange (binanceusdm) has nothing cached: a data error, exit 3
    assert main(["workbook", "build", "--source", "cache", "--out", str(out)]) != 0
    capsys.readouterr()
    assert main(["workbook", "build", "--source", "cache", "--exchange", "demo",
                 "--out", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["path"] == str(out) and payload["filled"] is True
    wb = load_workbook(out)
    assert DEMO_SOURCE_LABEL in wb[lay.DASHBOARD]["A2"].value
    # the numbers are the cached run's: the Sizing entry is its symbol's cached mark price,
    # on the contract's tick (today's top order as a trader types it)
    cached = load_market("cache", exchange_id="demo")
    base = wb[lay.SIZING]["B5"].value
    tick = cached.contracts[base].price_tick
    assert wb[lay.SIZING]["B10"].value == pytest.approx(cached.tickers[base].mark_price_usd,
                                                        abs=tick / 2 + 1e-12)


@pytest.mark.parametrize("argv,reason", [
    (["--source", "cache", "--exchange", "not an id"], "must be an exchange id"),
    (["--source", "demo", "--exchange", "demo"], "with --source cache only"),
])
def test_bad_exchange_flag_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      argv: list[str], reason: str) -> None:
    out = tmp_path / "x.xlsx"
    assert main(["workbook", "build", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--exchange" in err and reason in err
    assert not out.exists()
