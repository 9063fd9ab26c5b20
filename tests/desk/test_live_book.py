"""Open positions marked to live ticks: P&L and liquidation distance, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rotation_addin.core.rotation import Position
from rotation_addin.core.types import Side
from rotation_addin.data.live import LiveTick
from rotation_addin.desk.live_book import LiveBook

OPENED = datetime(2026, 12, 1, tzinfo=UTC)


def tick(base: str, last: float | None, mark: float | None = None, ms: int = 1) -> LiveTick:
    return LiveTick(base, last, mark, ms, ms, "stream")


def test_long_and_short_marked_to_the_latest_price() -> None:
    long = Position("RENDER", Side.LONG, 100.0, 7.50, 7.05, None, OPENED)
    short = Position("FET", Side.SHORT, 1000.0, 2.00, 2.10, None, OPENED)
    book = LiveBook([long, short], {"RENDER": 5.00, "FET": 2.40}, {"RENDER": 0.05})
    assert book.apply([tick("RENDER", 7.80), tick("FET", 1.90), tick("RENDER", 8.00)]) \
        == {"RENDER", "FET"}
    render, fet = book.rows()
    # long: (8.00 - 7.50) x 100 = 50 USD; 8/7.5 - 1; distance (8 - 5)/8 = 0.375 = 7.5 sigma
    assert render.pnl_usd == pytest.approx(50.0)
    assert render.pnl_fraction == pytest.approx(8.0 / 7.5 - 1)
    assert render.liquidation_distance_fraction == pytest.approx(0.375)
    assert render.liquidation_distance_sigma == pytest.approx(7.5)
    # short: -(1.90 - 2.00) x 1000 = +100 USD; distance -(1.90 - 2.40)/1.90; no sigma known
    assert fet.pnl_usd == pytest.approx(100.0)
    assert fet.liquidation_distance_fraction == pytest.approx(0.5 / 1.9)
    assert fet.liquidation_distance_sigma is None


def test_mark_price_wins_over_last_and_unknown_prices_stay_empty() -> None:
    long = Position("BTC", Side.LONG, 0.5, 40_000.0, None, None, OPENED)
    other = Position("LTC", Side.LONG, 10.0, 80.0, None, None, OPENED)
    book = LiveBook([long, other])
    book.apply([tick("BTC", 41_000.0), tick("BTC", None, 40_800.0)])
    btc, ltc = book.rows()
    assert btc.price_usd == 40_800.0 and btc.pnl_usd == pytest.approx(400.0)
    assert btc.liquidation_distance_fraction is None  # no liquidation price known
    assert ltc.price_usd is None and ltc.pnl_usd is None
    assert book.rows({"LTC"}) == [ltc]
    assert book.prices() == {"BTC": 40_800.0}
