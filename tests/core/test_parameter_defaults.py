"""Each risk default has one home (core/parameters.py): the settings, the plan parameters,
the copy between them and the Functions sheet's starting values all read it."""

from __future__ import annotations

import dataclasses

import pytest

from rotation_addin.core import parameters as pdef
from rotation_addin.core.rotation import PlanParameters
from rotation_addin.data.settings import Settings
from workbook.sheets import functions

SETTINGS_FIELDS = {f.name for f in dataclasses.fields(Settings)}
PLAN_FIELDS = {f.name for f in dataclasses.fields(PlanParameters)}


def test_the_shared_block_is_exactly_the_risk_parameters() -> None:
    shared = SETTINGS_FIELDS & PLAN_FIELDS
    assert shared == {p.name for p in pdef.RISK_PARAMETERS}


@pytest.mark.parametrize("parameter", pdef.BY_NAME.values(), ids=lambda p: p.name)
def test_every_class_starts_from_the_table_default(parameter: pdef.Parameter) -> None:
    for cls, names in ((Settings, SETTINGS_FIELDS), (PlanParameters, PLAN_FIELDS)):
        if parameter.name in names:
            assert getattr(cls(), parameter.name) == parameter.default, cls.__name__


@pytest.mark.parametrize("parameter", pdef.RISK_PARAMETERS, ids=lambda p: p.name)
def test_from_settings_carries_every_shared_setting(parameter: pdef.Parameter) -> None:
    # a value other than the default, inside the range (integers: one more; else halfway)
    if parameter.integer:
        other: float = int(parameter.default) + 1
    else:
        other = (parameter.default + min(parameter.high, parameter.default * 2 + 1)) / 2
    if parameter.name == "risk_fraction":
        other = parameter.default / 2  # must stay below max_risk_fraction
    settings = Settings(**{parameter.name: other})
    assert getattr(PlanParameters.from_settings(settings), parameter.name) == other


def test_the_functions_sheet_starts_from_the_settings_defaults() -> None:
    values = {key: value for key, _label, value, _fmt in functions.INPUTS}
    defaults = Settings()
    assert values["equity"] == defaults.equity_usd
    assert values["risk"] == defaults.risk_fraction
    assert values["fee"] == defaults.taker_fee_rate
    assert values["slip"] == defaults.stop_slippage_rate
    assert values["k"] == defaults.vol_k_sigma
    assert values["days"] == defaults.holding_days
    assert values["buffer"] == defaults.gap_buffer_fraction
