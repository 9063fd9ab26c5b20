"""Maintenance brackets: cum arithmetic, lookup, bundled defaults, ccxt tiers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rotation_addin.core.brackets import (
    Bracket,
    BracketTable,
    bracket_table_from_ccxt,
    build_bracket_table,
    default_bracket_table,
    parse_bracket_schedules,
)
from rotation_addin.core.errors import InputError


def test_cum_matches_binance_faq_level_3() -> None:
    # Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
    # (binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93), "Maintenance Amount":
    # level 3 = 250,000 * (1% - 0.5%) + 50 = 1,300 USDT; level 2 = 50,000 * (0.5% - 0.4%) = 50.
    table = build_bracket_table(
        "BTC", [0, 50_000, 250_000], [0.004, 0.005, 0.01], [125, 100, 50]
    )
    assert [b.maintenance_amount_usd for b in table.brackets] == pytest.approx([0.0, 50.0, 1300.0])
    # FAQ: "position 264,000 USDT -> MMR 1 %", "500,000 USDT -> maintenance amount 1,300".
    assert table.for_notional(264_000).maintenance_margin_rate == 0.01
    assert table.for_notional(500_000).maintenance_amount_usd == pytest.approx(1300.0)


def test_bundled_btc_schedule_cum_by_hand() -> None:
    # DESIGN.md BTC floors 0/50k/250k/3M/20M at 0.4/0.5/1/2.5/5 %:
    # cum1 = 50,000*0.001 = 50; cum2 = 50 + 250,000*0.005 = 1,300;
    # cum3 = 1,300 + 3,000,000*0.015 = 46,300; cum4 = 46,300 + 20,000,000*0.025 = 546,300.
    table = default_bracket_table("BTC")
    cums = [b.maintenance_amount_usd for b in table.brackets[:5]]
    assert cums == pytest.approx([0.0, 50.0, 1_300.0, 46_300.0, 546_300.0])
    assert table.max_leverage == 125
    assert len(table.brackets) == 10
    assert math.isinf(table.brackets[-1].cap_notional_usd)
    assert "default" in table.source


def test_bundled_alt_schedule_is_the_fallback() -> None:
    # mid-cap alt: 0/10k/50k at 0.65/1/2 %: cum1 = 10,000*0.0035 = 35; cum2 = 35 + 50,000*0.01 = 535
    for base in ("RENDER", "render/USDT:USDT", "LTCUSDT"):
        table = default_bracket_table(base)
        assert table.brackets[0].maintenance_margin_rate == 0.0065
        assert [b.maintenance_amount_usd for b in table.brackets[:3]] == pytest.approx(
            [0.0, 35.0, 535.0]
        )
    assert default_bracket_table("ETH/USDT:USDT").brackets[0].maintenance_margin_rate == 0.004


def test_maintenance_margin_is_continuous_at_every_boundary() -> None:
    for base in ("BTC", "RENDER"):
        table = default_bracket_table(base)
        for lower, upper in zip(table.brackets, table.brackets[1:], strict=False):
            edge = upper.floor_notional_usd
            assert lower.maintenance_margin_usd(edge) == pytest.approx(
                upper.maintenance_margin_usd(edge), rel=1e-12
            )


def test_for_notional_boundaries() -> None:
    table = build_bracket_table("X", [0, 100], [0.01, 0.02], [50, 25])
    assert table.for_notional(0).floor_notional_usd == 0
    assert table.for_notional(99.99).floor_notional_usd == 0
    assert table.for_notional(100).floor_notional_usd == 100  # floor is inclusive
    assert table.for_notional(1e12).floor_notional_usd == 100
    with pytest.raises(InputError, match="notional_usd"):
        table.for_notional(-1)


@pytest.mark.parametrize(
    ("floors", "rates", "levs", "field"),
    [
        ([], [], [], "floors"),
        ([10, 100], [0.01, 0.02], [50, 25], "floor_notional_usd"),  # must start at 0
        ([0, 100], [0.02, 0.01], [25, 25], "maintenance_margin_rate"),  # falling MMR
        ([0, 100], [0.01, 1.5], [50, 1], "maintenance_margin_rate"),
        ([0, 100], [0.01, 0.02], [50, 60], "max_leverage"),  # 60 * 0.02 >= 1
        ([0, 100], [0.01, float("nan")], [50, 25], "rates[1]"),
        ([0, 100], [0.01], [50, 25], "rates"),
        ([0, 100], [0.01, 0.02], [50], "max_leverages"),
        ([0, -5], [0.01, 0.02], [50, 25], "floors[1]"),
    ],
)
def test_build_rejects_bad_tables(
    floors: list[float], rates: list[float], levs: list[float], field: str
) -> None:
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        build_bracket_table("X", floors, rates, levs)


def test_table_rejects_gaps() -> None:
    a = Bracket(0.0, 100.0, 0.01, 50, 0.0)
    b = Bracket(200.0, math.inf, 0.02, 25, 2.0)
    with pytest.raises(InputError, match="floor_notional_usd"):
        BracketTable("X", (a, b))


# ccxt fetch_leverage_tiers entries for Binance ADA/BUSD as recorded in freqtrade's
# tests/exchange/test_binance.py (test_fill_leverage_tiers_binance): info.cum as Binance sends it.
ADA_TIERS: list[dict[str, Any]] = [
    {"tier": 1, "minNotional": 0, "maxNotional": 100000, "maintenanceMarginRate": 0.025,
     "maxLeverage": 20, "info": {"cum": "0.0"}},
    {"tier": 2, "minNotional": 100000, "maxNotional": 500000, "maintenanceMarginRate": 0.05,
     "maxLeverage": 10, "info": {"cum": "2500.0"}},
    {"tier": 3, "minNotional": 500000, "maxNotional": 1000000, "maintenanceMarginRate": 0.1,
     "maxLeverage": 5, "info": {"cum": "27500.0"}},
    {"tier": 4, "minNotional": 1000000, "maxNotional": 2000000, "maintenanceMarginRate": 0.15,
     "maxLeverage": 3, "info": {"cum": "77500.0"}},
    {"tier": 5, "minNotional": 2000000, "maxNotional": 5000000, "maintenanceMarginRate": 0.25,
     "maxLeverage": 2, "info": {"cum": "277500.0"}},
    {"tier": 6, "minNotional": 5000000, "maxNotional": 30000000, "maintenanceMarginRate": 0.5,
     "maxLeverage": 1, "info": {"cum": "1527500.0"}},
]


def test_ccxt_tiers_exchange_cum_agrees_with_formula() -> None:
    # The exchange's cum equals the floor formula: 100,000*(5%-2.5%) = 2,500;
    # 2,500 + 500,000*5% = 27,500; 27,500 + 1,000,000*5% = 77,500; ... so no warning.
    table = bracket_table_from_ccxt("ADA/BUSD:BUSD", list(reversed(ADA_TIERS)))
    assert table.warnings == ()
    assert [b.maintenance_amount_usd for b in table.brackets] == [
        0.0, 2500.0, 27500.0, 77500.0, 277500.0, 1527500.0
    ]
    assert table.max_leverage == 20
    assert table.for_notional(600_000).maintenance_margin_rate == 0.1


def test_ccxt_tiers_without_cum_are_computed_and_odd_cum_is_kept_with_warning() -> None:
    no_cum = [{k: v for k, v in t.items() if k != "info"} for t in ADA_TIERS]
    table = bracket_table_from_ccxt("ADA", no_cum)
    assert table.brackets[2].maintenance_amount_usd == pytest.approx(27500.0)
    odd = [dict(t) for t in ADA_TIERS]
    odd[1] = {**odd[1], "info": {"cum": "2600.0"}}
    table = bracket_table_from_ccxt("ADA", odd)
    assert table.brackets[1].maintenance_amount_usd == 2600.0
    assert any("2,600" in w for w in table.warnings)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda t: t.__setitem__(1, {**t[1], "minNotional": 150000}), "maxNotional"),
        (lambda t: t.__setitem__(0, {**t[0], "maintenanceMarginRate": "abc"}),
         "maintenanceMarginRate"),
        (lambda t: t.__setitem__(0, {**t[0], "maxLeverage": None}), "maxLeverage"),
        (lambda t: t.__setitem__(2, {**t[2], "info": {"cum": "-5"}}), "info.cum"),
        (lambda t: t.__setitem__(0, "tier"), "tiers[0]"),
    ],
)
def test_ccxt_tiers_validation(mutate: Any, field: str) -> None:
    tiers: list[Any] = [dict(t) for t in ADA_TIERS]
    mutate(tiers)
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        bracket_table_from_ccxt("ADA", tiers)


def test_ccxt_tiers_must_not_be_empty() -> None:
    with pytest.raises(InputError, match="tiers"):
        bracket_table_from_ccxt("ADA", [])


def test_schedule_text_validation() -> None:
    with pytest.raises(InputError, match=r"brackets\.toml"):
        parse_bracket_schedules("not = [valid")
    with pytest.raises(InputError, match="default = true"):
        parse_bracket_schedules(
            "[schedules.a]\nfloors_usd=[0]\nmaintenance_margin_rates=[0.01]\nmax_leverages=[50]\n"
        )
    schedules = parse_bracket_schedules(
        "[schedules.a]\ndefault=true\nfloors_usd=[0, 1000]\n"
        "maintenance_margin_rates=[0.01, 0.02]\nmax_leverages=[50, 25]\n"
    )
    assert default_bracket_table("ANY", schedules).brackets[1].maintenance_amount_usd == 10.0


def test_real_ccxt_parser_output_builds_the_same_table() -> None:
    # Raw GET /fapi/v1/leverageBracket shape (Binance USDⓈ-M API docs) parsed by ccxt's own
    # binanceusdm.parse_leverage_tiers (no network): the result must equal the bundled BTC
    # defaults for the first four tiers, cum included (0 / 50 / 1,300 / 46,300).
    import ccxt

    exchange = ccxt.binanceusdm()
    exchange.set_markets([{
        "id": "BTCUSDT", "symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT",
        "settle": "USDT", "type": "swap", "spot": False, "swap": True, "future": False,
        "option": False, "linear": True, "inverse": False, "contract": True, "active": True,
        "contractSize": 1, "precision": {}, "limits": {}, "info": {},
    }])
    raw = [{"symbol": "BTCUSDT", "brackets": [
        {"bracket": 4, "initialLeverage": 20, "notionalCap": 20000000, "notionalFloor": 3000000,
         "maintMarginRatio": 0.025, "cum": 46300.0},
        {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
         "maintMarginRatio": 0.004, "cum": 0.0},
        {"bracket": 2, "initialLeverage": 100, "notionalCap": 250000, "notionalFloor": 50000,
         "maintMarginRatio": 0.005, "cum": 50.0},
        {"bracket": 3, "initialLeverage": 50, "notionalCap": 3000000, "notionalFloor": 250000,
         "maintMarginRatio": 0.01, "cum": 1300.0},
    ]}]
    tiers = exchange.parse_leverage_tiers(raw, None, "symbol")["BTC/USDT:USDT"]
    table = bracket_table_from_ccxt("BTC/USDT:USDT", tiers)
    bundled = default_bracket_table("BTC")
    assert table.warnings == ()
    for got, want in zip(table.brackets, bundled.brackets[:4], strict=False):
        assert got.floor_notional_usd == want.floor_notional_usd
        assert got.maintenance_margin_rate == want.maintenance_margin_rate
        assert got.max_leverage == want.max_leverage
        assert got.maintenance_amount_usd == pytest.approx(want.maintenance_amount_usd)


def test_bundled_max_leverages_follow_the_stated_rule_and_say_so() -> None:
    """Every bundled schedule's max leverage is 1/(2 MMR) rounded down to a usual step (at most
    the rule, within 10 % of it), and the table's source says these are defaults by that rule."""
    from rotation_addin.core.brackets import DEFAULT_MAX_LEVERAGE_RULE, bundled_bracket_schedules

    for schedule in bundled_bracket_schedules():
        for mmr, lev in zip(schedule.maintenance_margin_rates, schedule.max_leverages,
                            strict=True):
            rule = 1 / (2 * mmr)
            assert 0.9 * rule <= lev <= rule + 1e-9, (schedule.name, mmr, lev)
        table = default_bracket_table(schedule.bases[0] if schedule.bases else "X")
        assert DEFAULT_MAX_LEVERAGE_RULE in table.source
