"""Every rule at entry, alone, with the numbers in its refusal (pure core)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rotation_addin.core.entry_check import EntryContext, ProposedEntry, check_entry
from rotation_addin.core.rotation import ClosedTrade, PlanParameters
from rotation_addin.core.types import Side

NOW = datetime(2026, 11, 10, tzinfo=UTC)
SECTORS = {"RENDER": "render", "AKT": "compute", "BTC": "benchmark"}


def _entry(**changes) -> ProposedEntry:
    values = dict(base="RENDER", sector="render", side=Side.LONG, entry_price_usd=10.0,
                  stop_price_usd=9.0, quantity_base=100.0, liquidation_price_usd=5.0)
    values.update(changes)
    return ProposedEntry(**values)


def _context(**changes) -> EntryContext:
    values = dict(params=PlanParameters(), as_of=NOW, closed_trades=(),
                  sector_by_base=SECTORS, held_losses_usd={})
    values.update(changes)
    return EntryContext(**values)


def _rules(entry: ProposedEntry, context: EntryContext) -> list[str]:
    return [r.rule for r in check_entry(entry, context)]


def test_a_small_stopped_trade_passes():
    assert check_entry(_entry(), _context()) == ()


def test_risk_cap_names_the_risk_and_the_cap():
    # loss = Q x (|E - S| + E fee + S (fee + slip)) = 400 x (1 + 0.005 + 0.009) = 405.6
    (refusal,) = check_entry(_entry(quantity_base=400.0), _context())
    assert refusal.rule == "risk-cap"
    assert "405.60 USD" in refusal.detail and "300.00 USD" in refusal.detail


def test_stop_required_and_stop_inside_liquidation():
    assert _rules(_entry(stop_price_usd=None), _context()) == ["stop-required"]
    (refusal,) = check_entry(_entry(liquidation_price_usd=9.5), _context())
    assert refusal.rule == "stop-before-liquidation" and "9.5" in refusal.detail


def test_cool_down_after_a_loss_in_the_sector_and_only_inside_the_window():
    loss = ClosedTrade(base="RENDER", side=Side.LONG, quantity_base=1, entry_price_usd=10,
                       exit_price_usd=9, opened_at=NOW - timedelta(days=3),
                       closed_at=NOW - timedelta(days=1), realised_pnl_usd=-1.0)
    (refusal,) = check_entry(_entry(), _context(closed_trades=(loss,)))
    assert refusal.rule == "cool-down" and "1.00 USD" in refusal.detail
    later = _context(closed_trades=(loss,), as_of=NOW + timedelta(days=2))  # 3 days after
    assert check_entry(_entry(), later) == ()
    assert check_entry(_entry(base="AKT", sector="compute"), _context(closed_trades=(loss,))) \
        == ()


def test_max_open_positions_and_stressed_exposure():
    held = {f"X{i}": 10.0 for i in range(5)}
    assert _rules(_entry(), _context(held_losses_usd=held)) == ["max-open-positions"]
    (refusal,) = check_entry(_entry(), _context(held_losses_usd={"AKT": 550.0}))
    # 550 + 101.4 > 6 % of 10,000
    assert refusal.rule == "stressed-exposure" and "651.40 USD" in refusal.detail


def test_minimum_equity_and_regime_gate():
    poor = _context(params=PlanParameters(equity_usd=1_000.0))
    assert "minimum-equity" in _rules(_entry(quantity_base=1.0), poor)
    off = _context(rotation_enabled=False, regime_label="risk-off")
    assert _rules(_entry(), off) == ["regime-gate"]
    assert _rules(_entry(side=Side.SHORT, stop_price_usd=11.0, liquidation_price_usd=20.0),
                  off) == []
    assert _rules(_entry(base="BTC", sector="benchmark", is_alt=False), off) == []


@pytest.mark.parametrize("days", [0, 5])
def test_cool_down_is_configurable(days):
    loss = ClosedTrade(base="RENDER", side=Side.LONG, quantity_base=1, entry_price_usd=10,
                       exit_price_usd=9, opened_at=NOW - timedelta(days=5),
                       closed_at=NOW - timedelta(days=4), realised_pnl_usd=-1.0)
    context = _context(params=PlanParameters(cooldown_days=days), closed_trades=(loss,))
    assert _rules(_entry(), context) == ([] if days == 0 else ["cool-down"])
