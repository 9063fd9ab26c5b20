"""A real trade (``--account real``) is recorded at the price the trader typed: without
``--price`` ``trade open`` and ``trade close`` filled it at the session's price moved by the
paper slippage -- on the demo market a simulated price -- and printed ``real: long 10.00 LTC
filled at 54.991 (price 54.964 from demo (simulated) ...; slippage 0.27 USD)``, a real
account holding a fill that never happened. Now one line naming ``--price``, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import one_line_error
from tests.journal.helpers import trade_cli

SAID = ("rotation: invalid input: --price: a real trade is recorded at its fill price: give "
        "--price (paper trades fill at the current price)")


def _rows(journal: Path) -> list[tuple[str, str, float | None]]:
    with JournalStore(journal) as store:
        return [(e.kind, e.price_source, e.price_usd) for e in store.events()]


def test_a_real_trade_without_price_is_refused_opening_and_closing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    real = ("--account", "real", "--source", "demo")
    code, out, err = trade_cli(capsys, journal, "open", "LTC", "--side", "long", "--stop",
                               "45", "--quantity", "10", "--at", "2026-01-02", *real)
    assert (code, out, one_line_error(err)) == (2, "", SAID)
    assert not journal.exists() or _rows(journal) == []
    code, _, err = trade_cli(capsys, journal, "open", "LTC", "--side", "long", "--stop", "45",
                             "--quantity", "10", "--price", "50", *real)
    assert code == 0, err
    code, out, err = trade_cli(capsys, journal, "close", "LTC", "--quantity", "4", *real)
    assert (code, out, one_line_error(err)) == (2, "", SAID)
    code, _, err = trade_cli(capsys, journal, "close", "LTC", "--price", "55", *real)
    assert code == 0, err
    assert _rows(journal) == [("open", "typed", 50.0), ("close", "typed", 55.0)]
