"""Positions file and trade journal: parse, validate, write atomically, close with P&L."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.types import Side
from rotation_addin.data.paths import config_dir
from rotation_addin.data.positions import (
    close_position,
    journal_path,
    load_book,
    parse_positions,
    positions_path,
    read_journal,
    read_positions,
    save_book,
    write_positions,
)
from tests.core.plan_fixtures import utc

GOOD = """symbol,side,quantity,entry_price,stop_price,take_profit_price,opened_at
RENDER/USDT:USDT,long,120,7.45,6.90,8.60,2026-11-20T00:00:00+00:00
ltc,SELL,2.5,90,99,,2026-11-21
"""


def test_parse_accepts_symbols_sides_blank_levels_and_dates() -> None:
    render, ltc = parse_positions(GOOD)
    assert (render.base, render.side, render.quantity_base) == ("RENDER", Side.LONG, 120.0)
    assert render.take_profit_price_usd == 8.60 and render.stop_price_usd == 6.90
    assert (ltc.base, ltc.side, ltc.take_profit_price_usd) == ("LTC", Side.SHORT, None)
    assert ltc.opened_at == utc(2026, 11, 21)  # a date alone means midnight UTC


@pytest.mark.parametrize("row, field", [
    ("RENDER,long,-1,7,6,,2026-11-20", "quantity"),
    ("RENDER,long,abc,7,6,,2026-11-20", "quantity"),
    ("RENDER,long,1,nan,6,,2026-11-20", "entry_price"),
    ("RENDER,sideways,1,7,6,,2026-11-20", "side"),
    ("RENDER,long,1,7,6,5,2026-11-20", "take_profit_price"),
    ("RENDER,long,1,7,6,,yesterday", "opened_at"),
    ("REN DER,long,1,7,6,,2026-11-20", "symbol"),
])
def test_bad_cells_name_file_line_and_column(row: str, field: str) -> None:
    text = GOOD.splitlines()[0] + "\n" + row + "\n"
    with pytest.raises(InputError) as info:
        parse_positions(text, "p.csv")
    assert info.value.field == f"p.csv line 2: {field}"


def test_missing_columns_and_duplicates_are_rejected() -> None:
    with pytest.raises(InputError, match="missing column"):
        parse_positions("symbol,side\nRENDER,long\n")
    with pytest.raises(InputError, match="one position per symbol"):
        parse_positions(GOOD + "RENDER,long,1,7,6,,2026-11-20\n")


def test_default_files_live_in_the_config_dir_and_missing_means_empty() -> None:
    assert positions_path().parent == config_dir()
    assert journal_path().parent == config_dir()
    assert read_positions() == () and read_journal() == ()


def test_round_trip_close_and_journal(tmp_path: Path) -> None:
    positions = parse_positions(GOOD)
    write_positions(positions)
    assert read_positions() == positions
    book = load_book()
    # close the short LTC at 85: P&L = -1 x (85 - 90) x 2.5 - 0.2 fees = 12.3
    after = close_position(book, "LTC/USDT:USDT", exit_price_usd=85.0,
                           closed_at=utc(2026, 11, 24), fees_usd=0.2, reason="take-profit")
    assert [p.base for p in after.positions] == ["RENDER"]
    assert after.closed_trades[0].realised_pnl_usd == pytest.approx(12.3)
    save_book(after)
    again = load_book()
    assert again == after
    assert not list(config_dir().glob(".*.tmp"))  # atomic writes leave no temp files
    with pytest.raises(InputError, match="no open position in FET"):
        close_position(again, "FET", exit_price_usd=1.0, closed_at=utc(2026, 11, 24))


def test_explicit_paths_and_unreadable_file(tmp_path: Path) -> None:
    target = tmp_path / "mine.csv"
    write_positions(parse_positions(GOOD), target)
    assert len(read_positions(target)) == 2
    binary = tmp_path / "bad.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError):
        read_positions(binary)


def test_load_positions_is_the_book_with_its_journal() -> None:
    from rotation_addin.data.positions import load_positions

    write_positions(parse_positions(GOOD))
    assert load_positions() == load_book()
    assert len(load_positions().positions) == 2
