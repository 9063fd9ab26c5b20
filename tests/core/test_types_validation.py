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
