"""Quarterly futures: basis and annualised basis by hand, days to expiry, roll warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.quarterly import days_to_expiry, quarterly_view

NOW = datetime(2026, 12, 6, 8, tzinfo=UTC)


def test_basis_and_annualised_basis_by_hand() -> None:
    view = quarterly_view("BTC/USDT:USDT-261225", NOW + timedelta(days=20), 101.0, 100.0, NOW)
    assert view.days_to_expiry == pytest.approx(20.0)
    assert view.basis == pytest.approx(0.01)
    assert view.annualised_basis == pytest.approx(0.01 * 365 / 20)  # 18.25 % a year
    assert view.roll_warning is None


def test_backwardation_is_negative_and_a_near_expiry_warns() -> None:
    view = quarterly_view("ETH/USDT:USDT-261211", NOW + timedelta(hours=36), 99.5, 100.0, NOW)
    assert view.basis == pytest.approx(-0.005)
    assert view.annualised_basis == pytest.approx(-0.005 * 365 / 1.5)
    assert view.roll_warning is not None and "expires in 1.5 days" in view.roll_warning


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="expired"):
        quarterly_view("X", NOW - timedelta(days=1), 100.0, 100.0, NOW)
    with pytest.raises(InputError, match="future_price"):
        quarterly_view("X", NOW + timedelta(days=1), 0.0, 100.0, NOW)
    with pytest.raises(InputError, match="aware"):
        days_to_expiry(datetime(2027, 1, 1), NOW)
