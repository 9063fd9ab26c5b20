"""Sector universe: bundled default, user override, validation errors, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.paths import config_dir
from rotation_addin.data.universe_io import (
    load_universe,
    save_universe,
    split_listed,
    universe_to_toml,
    validate_universe_text,
)

STRATEGY_SECTORS = {
    "render": ("RENDER", "LPT", "THETA"),
    "gpu_compute": ("AKT", "IO", "GLM", "RLC", "ATH"),
    "ai_inference": ("FET", "TAO", "WLD", "ARKM", "VIRTUAL"),
    "ai_infra": ("FIL", "AR", "GRT"),
    "mining": ("BCH", "LTC", "KAS", "ETC"),
    "benchmark": ("BTC", "ETH"),
}

GOOD = """
quote = "USDT"
benchmark = "BTC"
[sectors]
render = ["RENDER"]
benchmark = ["BTC"]
"""


def test_bundled_default_matches_strategy() -> None:
    universe = load_universe()
    assert dict(universe.sectors) == STRATEGY_SECTORS
    assert universe.quote == "USDT"
    assert universe.benchmark == "BTC"
    assert universe.symbol_for("RENDER") == "RENDER/USDT:USDT"


def test_user_override_replaces_default() -> None:
    (config_dir() / "universe.toml").write_text(GOOD, encoding="utf-8")
    universe = load_universe()
    assert dict(universe.sectors) == {"render": ("RENDER",), "benchmark": ("BTC",)}


def test_round_trip_and_atomic_save(tmp_path: Path) -> None:
    universe = load_universe()
    assert validate_universe_text(universe_to_toml(universe)) == universe
    target = save_universe(universe)
    assert target == config_dir() / "universe.toml"
    assert load_universe() == universe
    other = save_universe(Universe(sectors={"x": ("BTC",)}), tmp_path / "u.toml")
    assert load_universe(other).sectors == {"x": ("BTC",)}
    assert [p.name for p in tmp_path.iterdir()] == ["u.toml"]  # no temp file left behind


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("extra = 1\n" + GOOD, "extra", "unknown key"),
        (
            GOOD.replace('render = ["RENDER"]', 'render = ["RENDER"]\nai = ["RENDER"]'),
            "sectors.ai",
            "already in sector 'render'",
        ),
        (GOOD.replace('render = ["RENDER"]', "render = []"), "sectors.render", "empty"),
        (GOOD.replace('["RENDER"]', '["render"]'), "sectors.render", "write 'RENDER'"),
        (GOOD.replace('["RENDER"]', '["REN DER"]'), "sectors.render", "bad symbol"),
        (GOOD.replace('["RENDER"]', '"RENDER"'), "sectors.render", "list of symbols"),
        (GOOD.replace('benchmark = "BTC"', 'benchmark = "ETH"'), "benchmark", "member"),
        (GOOD.replace('quote = "USDT"', "quote = 5"), "quote", "USDT"),
        ('quote = "USDT"\n', "sectors", "missing [sectors]"),
    ],
)
def test_validation_errors_name_the_key(text: str, field: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        validate_universe_text(text)
    assert info.value.field == field
    assert words in str(info.value)


def test_unknown_key_error_gives_line() -> None:
    with pytest.raises(InputError, match=r"line 2"):
        validate_universe_text("\nextra = 1\n" + GOOD)


def test_toml_syntax_error_gives_line(tmp_path: Path) -> None:
    path = tmp_path / "universe.toml"
    path.write_text('quote = "USDT"\n[sectors]\nrender = ["RENDER"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_universe(path)
    assert "line 3" in str(info.value)
    assert str(path) in str(info.value)
    with pytest.raises(InputError, match="line 2"):
        validate_universe_text('quote = "USDT"\n[sectors\n')


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_universe(tmp_path / "nope.toml")


def test_split_listed_reports_missing_in_universe_order() -> None:
    universe = load_universe()
    listed, missing = split_listed(universe, ["btc", "RENDER", "ETH", "DOGE"])
    assert listed == ("RENDER", "BTC", "ETH")
    assert set(missing) == set(universe.bases) - {"RENDER", "BTC", "ETH"}
    assert len(listed) + len(missing) == len(universe.bases)
