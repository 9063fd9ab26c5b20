"""QA: the analytics commands say when the data is stale or a sector has no recent prices,
instead of printing tables of n/a (or an old plan) without a word."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import timedelta
from pathlib import Path

import pytest

from rotation_addin.cli.analytics_cmds import data_warnings
from rotation_addin.data.demo import demo_dataset
from tests.cli_helpers import run


def test_fresh_demo_data_has_no_data_warnings() -> None:
    demo = demo_dataset()
    assert data_warnings(demo, now=demo.as_of + timedelta(hours=1)) == []


def test_stale_data_and_a_sector_without_recent_prices_are_named() -> None:
    demo = demo_dataset()
    close = demo.close.copy()
    render = list(demo.universe.sectors["render"])
    close.loc[close.index[-10:], render] = math.nan
    gone = close.index[-11]
    dataset = dataclasses.replace(demo, close=close)
    warnings = data_warnings(dataset, now=demo.as_of + timedelta(days=3, hours=2))
    assert warnings[0].startswith("stale data") and "3 d 2 h ago" in warnings[0]
    assert warnings[1] == (f"render: no prices since {gone:%Y-%m-%d} (data runs to "
                           f"{close.index[-1]:%Y-%m-%d}): its recent figures are n/a")
    assert len(warnings) == 2


def test_import_whose_altcoins_end_early_says_why_figures_are_missing(
    capsys: pytest.CaptureFixture[str], coinmetrics_like_dir: Path
) -> None:
    # Coin Metrics layout (synthetic copy): altcoin files end 2023-12-15, BTC/LTC/BCH run on;
    # four sectors were printed as n/a with only a "no-sentiment-data" flag, and the stale
    # cache went unmentioned.
    code, _, err = run(capsys, "data", "import-csv", str(coinmetrics_like_dir))
    assert code == 0, err
    code, out, err = run(capsys, "sectors", "--source", "cache", "--exchange", "csv")
    assert code == 0, err
    assert "warning: stale data" in out
    assert "warning: render: no prices since 2023-12-15" in out
    code, out, err = run(capsys, "plan", "--source", "cache", "--exchange", "csv", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert any(w.startswith("gpu_compute: no prices since") for w in body["data_warnings"])


def test_csv_output_has_empty_cells_not_nan_text(
    capsys: pytest.CaptureFixture[str], coinmetrics_like_dir: Path
) -> None:
    # Missing figures were written as the text "nan" (the JSON says null, the tables "n/a").
    import csv
    import io

    assert run(capsys, "data", "import-csv", str(coinmetrics_like_dir))[0] == 0
    for argv in (["regime"], ["sectors"], ["corr"], ["corr", "--stress"], ["plan"]):
        code, out, err = run(capsys, *argv, "--source", "cache", "--exchange", "csv", "--csv")
        assert code == 0, err
        cells = [c.strip().lower() for row in csv.reader(io.StringIO(out)) for c in row]
        assert not {"nan", "inf", "-inf"} & set(cells), argv
    code, out, _ = run(capsys, "sectors", "--source", "cache", "--exchange", "csv", "--csv")
    render = next(r for r in csv.DictReader(io.StringIO(out)) if r["sector"] == "render")
    assert render["score"] == "" and render["mom_7d_pct"] == ""


def test_leverage_from_an_old_symbol_history_says_so(
    capsys: pytest.CaptureFixture[str], coinmetrics_like_dir: Path
) -> None:
    # RENDER's file ends 2023-12-15 (Coin Metrics layout): its sigma (and safe leverage)
    # came out silently.
    assert run(capsys, "data", "import-csv", str(coinmetrics_like_dir))[0] == 0
    code, out, err = run(capsys, "leverage", "--symbol", "RENDER", "--source", "cache",
                         "--exchange", "csv", "--json")
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert any(w.startswith("RENDER: no candles since 2023-12-15") for w in warnings)
    assert any(w.startswith("stale data") for w in warnings)
