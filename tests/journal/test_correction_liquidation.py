"""A correction of an entry's price or quantity moves its liquidation price with it.

``trade correct ID --set price_usd=2.5`` on a 4x long entered at 2.0978 left the
liquidation at 1.5836 on every surface; at 2.5 the engine puts it near 1.89, above the 1.6
stop, which the trader must see. The correction row now carries the recomputed price
(``core.ledger.DERIVED_FIELDS``); the journal row itself is never changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.core.brackets import default_bracket_table
from rotation_addin.core.liquidation import liquidation_price
from rotation_addin.core.types import Side
from rotation_addin.journal.store import JournalStore
from tests.cli_helpers import run_json
from tests.journal.helpers import trade_cli

REAL = ("--account", "real", "--source", "demo")


def _liquidation(capsys: pytest.CaptureFixture[str], journal: Path) -> float:
    listed = run_json(capsys, "trade", "list", "--json", *REAL, "--journal-file", str(journal))
    (trade,) = listed["open"]
    return float(trade["liquidation"])


def _engine(entry: float, quantity: float) -> float:
    """The risk engine on the demo market's FIL tiers (the bundled ones: the demo market
    publishes none), at 4x."""
    return liquidation_price(side=Side.LONG, entry_price_usd=entry, quantity_base=quantity,
                             leverage=4.0, brackets=default_bracket_table("FIL")
                             ).liquidation_price_usd


def test_correcting_the_entry_price_or_quantity_recomputes_the_liquidation(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    code, _, err = trade_cli(capsys, journal, "open", "FIL", "--side", "long", "--stop", "1.6",
                             "--quantity", "10", "--price", "2.0978", "--leverage", "4", *REAL)
    assert code == 0, err
    assert _liquidation(capsys, journal) == pytest.approx(_engine(2.0978, 10.0), rel=1e-12)
    with JournalStore(journal) as store:
        (row,) = store.events()
        before = (row.price_usd, row.liquidation_price_usd)
    code, _, err = trade_cli(capsys, journal, "correct", str(row.id), "--set", "price_usd=2.5",
                             "--reason", "typo in the fill")
    assert code == 0, err
    moved = _liquidation(capsys, journal)
    assert moved == pytest.approx(_engine(2.5, 10.0), rel=1e-12)
    assert moved > 1.6 > before[1]  # now above the stop: the trader sees it
    code, _, err = trade_cli(capsys, journal, "correct", str(row.id), "--set",
                             "quantity_base=20", "--reason", "two fills")
    assert code == 0, err
    assert _liquidation(capsys, journal) == pytest.approx(_engine(2.5, 20.0), rel=1e-12)
    with JournalStore(journal) as store:
        original = next(e for e in store.events() if e.id == row.id)
    assert (original.price_usd, original.liquidation_price_usd) == before  # append-only


def test_a_correction_of_the_stop_alone_keeps_the_liquidation(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    trade_cli(capsys, journal, "open", "FIL", "--side", "long", "--stop", "1.6", "--quantity",
              "10", "--price", "2.0978", "--leverage", "4", *REAL)
    capsys.readouterr()
    with JournalStore(journal) as store:
        (row,) = store.events()
    code, _, err = trade_cli(capsys, journal, "correct", str(row.id), "--set",
                             "stop_price_usd=1.7", "--reason", "moved")
    assert code == 0, err
    assert _liquidation(capsys, journal) == pytest.approx(row.liquidation_price_usd, rel=1e-12)
