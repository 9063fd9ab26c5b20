"""User settings (``<config dir>/settings.toml``): exchange, risk defaults, data source.

API keys are never stored here: they live in the OS keyring (see ``rotation_addin.data.secrets``).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rotation_addin.core import parameters as pdef
from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError
from rotation_addin.data.atomic import atomic_write_text
from rotation_addin.data.paths import config_dir
from rotation_addin.data.text_files import read_user_text

DATA_SOURCES = ("demo", "cache")
SAVED_GENERATION = [0]
"""Bumped by every :func:`save_settings` of this process, so a session holding the settings
sees the new file at once (whatever the file system's timestamp resolution)."""


@dataclass(frozen=True)
class Settings:
    """Every user-tunable default, validated on construction.

    Attributes
    ----------
    exchange_id : str
        ccxt exchange id used for live data (``"binanceusdm"``).
    data_source : str
        ``"demo"`` (embedded simulator) or ``"cache"`` (last refreshed exchange data).
    equity_usd : float
        Account equity used by plans and quick checks.
    risk_fraction, max_risk_fraction : float
        Risk per trade and its hard cap, fractions of equity (0.02 = 2 %).
    taker_fee_rate, stop_slippage_rate : float
        Costs assumed on entry and at the stop, fractions of notional.
    min_equity_usd : float
        Equity below which the tool warns that the framework is not viable.
    max_open_positions : int
        Discipline rule: most positions open at once.
    cooldown_days : int
        Discipline rule: days to wait after a loss before re-entering that sector.
    vol_k_sigma, holding_days, gap_buffer_fraction : float
        Safe-leverage parameters (k, h and the weekend-gap buffer).
    exchange_api_url : str
        Advanced: replace the exchange's REST host (e.g. a local proxy or the test emulator).
        Empty means the exchange's own address.
    quote_ttl_s : float
        Seconds a live price snapshot is reused by ``=CRYPTO_PRICE()`` and friends.
    """

    exchange_id: str = "binanceusdm"
    data_source: str = "demo"
    equity_usd: float = pdef.EQUITY_USD.default
    risk_fraction: float = pdef.RISK_FRACTION.default
    max_risk_fraction: float = pdef.MAX_RISK_FRACTION.default
    taker_fee_rate: float = pdef.TAKER_FEE_RATE.default
    stop_slippage_rate: float = pdef.STOP_SLIPPAGE_RATE.default
    min_equity_usd: float = pdef.MIN_EQUITY_USD.default
    max_open_positions: int = int(pdef.MAX_OPEN_POSITIONS.default)
    cooldown_days: int = int(pdef.COOLDOWN_DAYS.default)
    vol_k_sigma: float = pdef.VOL_K_SIGMA.default
    holding_days: float = pdef.HOLDING_DAYS.default
    gap_buffer_fraction: float = pdef.GAP_BUFFER_FRACTION.default
    exchange_api_url: str = ""
    quote_ttl_s: float = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.exchange_id, str) or not self.exchange_id.isidentifier():
            raise InputError("exchange_id",
                             f"must be a ccxt exchange id (got {self.exchange_id!r})")
        if self.data_source not in DATA_SOURCES:
            raise InputError("data_source",
                             f"must be one of {DATA_SOURCES} (got {self.data_source!r})")
        pdef.check_all(self)
        if not isinstance(self.exchange_api_url, str) or (
            self.exchange_api_url and not self.exchange_api_url.startswith(("http://", "https://"))
        ):
            raise InputError("exchange_api_url",
                             f"must be empty or start with http:// or https:// "
                             f"(got {self.exchange_api_url!r})")
        v.in_range("quote_ttl_s", self.quote_ttl_s, 0.0, 3600.0, low_inclusive=False)

    def replace(self, **changes: Any) -> Settings:
        """Return a validated copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


def settings_path() -> Path:
    """Path of ``settings.toml`` in the user's config directory."""
    return config_dir() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings (defaults for anything absent); unknown keys are an error naming them."""
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(read_user_text(path, "settings"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), f"is not valid TOML: {exc}") from None
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(str(path), f"unknown setting(s) {unknown}; valid: {sorted(known)}")
    return Settings(**raw)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` atomically as TOML and return the path."""
    path = path or settings_path()
    lines = ["# Rotation Desk settings. API keys are kept in the OS keyring, never here."]
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        text = f'"{value}"' if isinstance(value, str) else repr(value)
        lines.append(f"{f.name} = {text}")
    atomic_write_text(path, "\n".join(lines) + "\n")
    SAVED_GENERATION[0] += 1
    return path
