"""The memo of ``excel.args.market``: the same answer as a fresh parse, errors every time.

A sheet asks for a few symbols in thousands of cells, so ``market`` keeps the answer per cell
text (``bench/bench_price_cells.py`` measures what that saves). These check that the memo can
only return what the parse returns.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.excel import args


@pytest.fixture(autouse=True)
def empty_memo() -> Iterator[None]:
    args._text_market.cache_clear()
    yield
    args._text_market.cache_clear()


def kept() -> int:
    return args._text_market.cache_info().currsize


@pytest.mark.parametrize("cell", ["render", "RENDER/USDT:USDT", "renderusdt", " RENDER-PERP ",
                                  "BYBIT:RENDER", "binance:btc", "OKX:ETH/USDT:USDT"])
def test_memoised_answer_equals_a_fresh_parse(cell: str) -> None:
    fresh = args._parse_market("symbol", cell)
    assert args.market("symbol", cell) == fresh  # parsed, then kept
    assert kept() == 1 and args._text_market.cache_info().hits == 0
    assert args.market("symbol", cell) == fresh  # from the memo
    assert args._text_market.cache_info().hits == 1


@pytest.mark.parametrize("cell", ["", "  ", "REN DER", "NOSUCHVENUE:BTC", "!:BTC"])
def test_a_refused_text_is_refused_every_time_and_never_kept(cell: str) -> None:
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            args.market("symbol", cell)
        assert caught.value.field == "symbol"
    assert kept() == 0


def test_non_text_cells_bypass_the_memo() -> None:
    assert args.market("symbol", [["RENDER"]]) == (None, "RENDER")  # a 1x1 range
    assert args.market("symbol", 1000.0) == (None, "1000")
    assert kept() == 0


def test_the_memo_is_bounded() -> None:
    assert args._text_market.cache_info().maxsize == args.MARKET_MEMO_SIZE
    for number in range(args.MARKET_MEMO_SIZE + 10):
        assert args.market("symbol", f"S{number}") == (None, f"S{number}")
    assert kept() == args.MARKET_MEMO_SIZE


def test_an_omitted_choice_is_its_default_and_a_typed_one_is_still_checked() -> None:
    assert args.choice("field", None, ("last", "mark"), "last") == "last"
    assert args.choice("field", " MARK ", ("last", "mark"), "last") == "mark"
    with pytest.raises(InputError, match="must be one of last, mark"):
        args.choice("field", "close", ("last", "mark"), "last")
