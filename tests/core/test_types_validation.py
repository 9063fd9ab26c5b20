"""ContractSpec and Settings refuse nonsense with a message naming the field."""

from __future__ import annotations

import math

import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.types import ContractSpec
from rotation_addin.data.settings import Settings


def test_contract_spec_defaults_are_valid() -> None:
    spec = ContractSpec("RENDER/USDT:USDT", "RENDER", maker_fee_rate=-0.0001)
    assert spec.maker_fee_rate == -0.0001  # a maker rebate is legitimate


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount_step", 0.0), ("amount_step", math.nan), ("min_amount", -1.0),
     ("min_notional_usd", math.inf), ("price_tick", -0.01), ("contract_size", 0.0),
     ("taker_fee_rate", 0.5), ("maker_fee_rate", -0.5), ("max_leverage", 0.5),
     ("max_leverage", math.inf), ("base", ""), ("symbol", None)],
)
def test_contract_spec_rejects(field: str, value: object) -> None:
    kwargs: dict[str, object] = {"symbol": "X/USDT:USDT", "base": "X", field: value}
    with pytest.raises(InputError) as info:
        ContractSpec(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("equity", [0.0, -5.0, 1e300, math.nan])
def test_settings_equity_range(equity: float) -> None:
    with pytest.raises(InputError, match="equity_usd"):
        Settings(equity_usd=equity)


@pytest.mark.parametrize(("value", "reason"), [
    (-2.0, "must be > 0 (got -2)"), (0, "must be > 0 (got 0)"),
    (2e12, "must be in [1e-12, 1e+12] (got 2e+12)"),
    (math.nan, "must be a finite number (got nan)"),
    ("1", "must be a number (got '1')"), (True, "must be a number (got True)"),
])
def test_positive_in_range_names_the_bound_broken(value: object, reason: str) -> None:
    from rotation_addin.core.validation import positive_in_range

    with pytest.raises(InputError) as refused:
        positive_in_range("price_usd", value, (1e-12, 1e12))
    assert (refused.value.field, refused.value.reason) == ("price_usd", reason)
    assert positive_in_range("price_usd", 1e12, (1e-12, 1e12)) == 1e12  # bounds inclusive


def test_utc_time_reads_iso_dates_as_utc() -> None:
    from datetime import UTC, datetime, timedelta

    from rotation_addin.core.validation import utc_time

    assert utc_time("from", " 2026-11-20 ") == datetime(2026, 11, 20, tzinfo=UTC)
    assert utc_time("from", "2026-11-20T08:00Z") == datetime(2026, 11, 20, 8, tzinfo=UTC)
    east = utc_time("from", "2026-11-20T08:00+02:00")
    assert east == datetime(2026, 11, 20, 6, tzinfo=UTC) and east.utcoffset() == timedelta(0)
    with pytest.raises(InputError) as refused:
        utc_time("from", "garbage")
    assert (refused.value.field, refused.value.reason) == (
        "from", "must be an ISO date like 2026-11-20 or 2026-11-20T08:00 (got 'garbage')")
