"""The Platforms sheet: each plan order on the data's venue and two live venues (the loopback
Binance USDⓈ-M and Bybit v5 emulators serving the demo market, the real ccxt classes), then a
real LibreOffice recalculation of its two formula columns.

Independent references: the walked slippage of the Binance row is re-walked here with numpy
on the book the emulator serves; the "Round trip USD" and "Cheapest" formulas are checked
against arithmetic on the sheet's own values (both venues list every order's base, so the
minimum is a real choice). A second refresh with Bybit not listing the first order's base: its
row must say "not listed" and carry no cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from rotation_addin.data.demo import demo_market as the_demo_market
from rotation_addin.data.settings import Settings
from tests.emulator.binance import BinanceEmulator
from tests.emulator.bybit import BybitEmulator
from workbook import layout as lay
from workbook.build import build_workbook
from workbook.refresh import refresh_workbook
from workbook.render import recalculated_copy
from workbook.sheets import platforms

COL = {name: i for i, name in enumerate(platforms.HEADERS)}


def _table(ws: object) -> list[dict[str, object]]:
    block = lay.block("platforms_table")
    rows = []
    for r in range(block.top + 1, block.bottom + 1):
        values = [ws.cell(row=r, column=c).value  # type: ignore[attr-defined]
                  for c in range(1, block.right + 3)]
        if values[0] is None:
            continue
        row = {name: values[i] for name, i in COL.items()}
        row["usd"], row["cheapest"] = values[block.right], values[block.right + 1]
        rows.append(row)
    return rows


def _refreshed(path: Path, dataset: object, folder: Path, profile: Path,
               bybit_bases: list[str], bases: list[str]) -> tuple[list, BinanceEmulator]:
    market = the_demo_market()
    with BinanceEmulator(market, bases=bases) as binance, \
            BybitEmulator(market, bases=bybit_bases) as bybit:
        refresh_workbook(path, dataset, params=Settings(),  # type: ignore[arg-type]
                         venues=("binanceusdm", "bybit"),
                         venue_api_urls={"binanceusdm": binance.base_url,
                                         "bybit": bybit.base_url})
    recalc = recalculated_copy(path, folder, profile_dir=profile)
    return _table(load_workbook(recalc, data_only=True)["Platforms"]), binance


@pytest.fixture(scope="module", autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module-scoped fixtures run before the per-test home: give them their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROTATION_DESK_HOME", str(tmp_path_factory.mktemp("platforms-home")))
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, demo_market: object,
          private_home: None) -> tuple:
    folder = tmp_path_factory.mktemp("platforms")
    path = folder / "rotation_desk.xlsx"
    build_workbook(path, dataset=demo_market, params=Settings())  # type: ignore[arg-type]
    bases = sorted({str(r["Symbol"]) for r in _table(load_workbook(path)["Platforms"])})
    assert bases, "the demo plan proposes at least one order"
    return path, folder, bases


@pytest.fixture(scope="module")
def sheets(built: tuple, demo_market: object, lo_profile: Path) -> tuple:
    path, folder, bases = built
    return _refreshed(path, demo_market, folder / "both", lo_profile, bases, bases)


@pytest.fixture(scope="module")
def unlisted(built: tuple, demo_market: object, lo_profile: Path) -> tuple:
    path, folder, bases = built
    return _refreshed(path, demo_market, folder / "unlisted", lo_profile,
                      [b for b in bases if b != bases[0]] or ["BTC"], bases)


def test_every_order_has_each_venue_and_the_missing_contract_says_so(
        sheets: tuple, unlisted: tuple) -> None:
    for rows in (sheets[0], unlisted[0]):
        for order in {r["Order"] for r in rows}:
            venues = [r["Venue"] for r in rows if r["Order"] == order]
            assert venues == ["binanceusdm", "bybit"]  # live venues asked: no simulated row
    rows, _ = unlisted
    orders = sorted({r["Order"] for r in rows})
    first = [r for r in rows if r["Order"] == orders[0]]
    assert first[1]["Status"] == "not listed"
    assert first[1]["usd"] in (None, "") and first[1]["cheapest"] in (None, "")
    assert first[0]["Status"] == "ok" and first[0]["Contract"] == f"{first[0]['Symbol']}/USDT:USDT"


def test_round_trip_usd_and_cheapest_formulas_recalculate(sheets: tuple) -> None:
    rows, _ = sheets
    priced = [r for r in rows if isinstance(r["Round trip"], float)]
    assert len(priced) == len(rows) >= 2  # every order priced on both venues
    for r in priced:
        assert r["usd"] == pytest.approx(float(r["Notional USD"]) * float(r["Round trip"]),
                                         rel=1e-12)
    for order in {r["Order"] for r in priced}:
        mine = [r for r in priced if r["Order"] == order]
        lowest = min(float(r["Round trip"]) for r in mine)
        assert len({r["Round trip"] for r in mine}) == len(mine)  # a real choice
        assert sum(r["cheapest"] == "cheapest" for r in mine) == 1
        for r in mine:
            expected = "cheapest" if float(r["Round trip"]) == lowest else ""
            assert (r["cheapest"] or "") == expected


def test_binance_slippage_equals_a_numpy_walk_of_the_served_book(sheets: tuple) -> None:
    rows, binance = sheets
    row = next(r for r in rows if r["Venue"] == "binanceusdm" and r["Status"] == "ok")
    contract = binance._contracts[f"{row['Symbol']}USDT"]
    book = binance.book_of(contract, 100)
    bids, asks = np.array(book.bids), np.array(book.asks)
    mid = (bids[0, 0] + asks[0, 0]) / 2
    levels = asks if row["Side"] == "long" else bids
    usd = levels[:, 0] * levels[:, 1]
    take = np.minimum(usd, np.maximum(float(row["Notional USD"]) - np.cumsum(usd) + usd, 0))
    average = take.sum() / (take / levels[:, 0]).sum()
    expected = average / mid - 1 if row["Side"] == "long" else 1 - average / mid
    assert float(row["Slippage"]) == pytest.approx(expected, rel=1e-9, abs=1e-15)
