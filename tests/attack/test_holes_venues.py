"""The venue surfaces (desk request, the data's own venue, the Platforms sheet's rows) under
hostile input: an InputError naming the field, or a row flagged as such -- never a traceback.

Bad books are written into a copy of the demo dataset: empty sides, a crossed book (best bid
>= best ask), a level of NaN, levels out of order. The live-venue path flags the same books
through :func:`rotation_addin.data.venues.platform_row_or_flag` (tested here directly).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given, settings

from rotation_addin.core.dataset import OrderBook
from rotation_addin.core.errors import InputError
from rotation_addin.core.types import Side
from rotation_addin.data.demo import demo_dataset
from rotation_addin.data.on_demand import ExecutionInputs
from rotation_addin.data.venues import platform_row_or_flag
from rotation_addin.desk.venues import dataset_venue_row, venue_request
from tests.attack.hostile import SCALARS

FIELDS = ("symbol", "notional", "side", "holding_days")
STAMP = datetime(2026, 1, 1, tzinfo=UTC)
BAD_BOOKS = {
    "empty bids": ((), ((101.0, 1.0),), "has no bids"),
    "empty asks": (((99.0, 1.0),), (), "has no asks"),
    "crossed": (((101.0, 1.0),), ((100.0, 1.0),), "is crossed: best bid 101 >= best ask 100"),
    "touching": (((100.0, 1.0),), ((100.0, 1.0),), "is crossed"),
    "nan level": (((99.0, float("nan")),), ((101.0, 1.0),), "finite numbers > 0"),
    "out of order": (((99.0, 1.0), (99.5, 1.0)), ((101.0, 1.0),), "best first"),
}


@settings(max_examples=300, deadline=None)
@given(symbol=SCALARS, notional=SCALARS, side=SCALARS, days=SCALARS)
def test_venue_request_refuses_with_the_field_or_accepts(symbol: object, notional: object,
                                                         side: object, days: object) -> None:
    try:
        request = venue_request(symbol, notional, side, (), days)
    except InputError as exc:
        assert exc.field in FIELDS and exc.reason and "\n" not in exc.reason
    else:
        assert 0 < request.notional_usd <= 1e12 and 0 <= request.holding_days <= 3650
        assert request.symbol.replace("_", "").isalnum()


@pytest.mark.parametrize("venues", ["nowhere", "binanceusdm,,nowhere", 5, None, ["🚀"]])
def test_unknown_venues_name_the_field(venues: object) -> None:
    with pytest.raises(InputError) as caught:
        venue_request("RENDER", 1000, "long", venues)  # type: ignore[arg-type]
    assert caught.value.field == "venues"


@pytest.mark.parametrize("notional", [0, -1, 1e13, float("nan"), float("inf"), "abc", ""])
def test_notional_outside_its_range_names_it(notional: object) -> None:
    with pytest.raises(InputError) as caught:
        venue_request("RENDER", notional)
    assert caught.value.field == "notional"
    assert "(0, 1e+12]" in caught.value.reason or "number" in caught.value.reason


@pytest.mark.parametrize("name", list(BAD_BOOKS))
def test_a_bad_book_is_a_flagged_row(name: str) -> None:
    bids, asks, words = BAD_BOOKS[name]
    dataset = demo_dataset()
    book = OrderBook("RENDER", bids, asks, STAMP)
    broken = replace(dataset, order_books={**dict(dataset.order_books), "RENDER": book})
    row = dataset_venue_row(broken, venue_request("RENDER", 10_000))
    assert row.status.startswith("unusable book: ") and words in row.status, row.status
    assert row.round_trip_cost is None
    spec = dataset.contracts["RENDER"]
    inputs = ExecutionInputs("bybit", "RENDER", spec.symbol, spec, book, None,
                             pd.Series(dtype=float), (), STAMP)
    flagged = platform_row_or_flag(inputs, 10_000, Side.LONG, 7, STAMP)
    assert flagged.venue == "bybit" and flagged.status == row.status


def test_an_unknown_symbol_is_not_listed() -> None:
    row = dataset_venue_row(demo_dataset(), venue_request("NOSUCHCOIN", 10_000))
    assert row.status == "not listed"
