"""The sector universe: named sectors of perpetual contracts (pure; TOML loading is in data/)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rotation_addin.core.errors import InputError

BENCHMARK_SECTOR = "benchmark"
MAX_UNIVERSE_SYMBOLS = 1000
"""Most symbols a universe may hold. Correlation matrices and the demo simulator grow with
the square of the count; peak memory and time up to this bound are measured in
``bench/bench_universe_size.py`` (figures in docs/benchmarks.md)."""


@dataclass(frozen=True)
class Universe:
    """Sectors and their member base assets, validated.

    Attributes
    ----------
    sectors : Mapping[str, tuple[str, ...]]
        Sector name -> member bases (upper case, e.g. ``("RENDER", "LPT", "THETA")``).
    quote : str
        Quote/settle currency of the perpetuals (``"USDT"`` -> ``"RENDER/USDT:USDT"``).
    benchmark : str
        Base asset that is the market factor (``"BTC"``).
    """

    sectors: Mapping[str, tuple[str, ...]]
    quote: str = "USDT"
    benchmark: str = "BTC"
    _sector_of: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _bases: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.sectors:
            raise InputError("sectors", "the universe needs at least one sector")
        seen: dict[str, str] = {}
        for name, members in self.sectors.items():
            if not isinstance(name, str) or not name.strip():
                raise InputError("sectors", f"sector names must be non-empty text (got {name!r})")
            if len(members) == 0:
                raise InputError(f"sectors.{name}", "sector is empty: list at least one symbol")
            for base in members:
                if not isinstance(base, str) or not base.strip() or base != base.upper():
                    raise InputError(
                        f"sectors.{name}", f"symbols must be upper-case text (got {base!r})"
                    )
                if base in seen:
                    raise InputError(
                        f"sectors.{name}",
                        f"{base} is already in sector '{seen[base]}': "
                        "a symbol belongs to one sector",
                    )
                seen[base] = name
        if len(seen) > MAX_UNIVERSE_SYMBOLS:
            raise InputError("sectors", f"the universe lists {len(seen):,} symbols; at most "
                             f"{MAX_UNIVERSE_SYMBOLS:,} are supported (memory grows with the "
                             "square of the count): split it into several universes")
        if self.benchmark not in seen:
            raise InputError("benchmark", f"{self.benchmark} must be a member of some sector")
        self._sector_of.update(seen)
        object.__setattr__(self, "_bases", tuple(seen))  # built once: callers ask per symbol

    @property
    def bases(self) -> tuple[str, ...]:
        """Every member base, in sector order."""
        return self._bases

    def sector_of(self, base: str) -> str:
        """Sector that ``base`` belongs to (raises InputError if none)."""
        try:
            return self._sector_of[base]
        except KeyError:
            raise InputError("symbol", f"{base} is not in the universe") from None

    def symbol_for(self, base: str) -> str:
        """Unified ccxt perpetual symbol for ``base`` (``"RENDER"`` -> ``"RENDER/USDT:USDT"``)."""
        return f"{base}/{self.quote}:{self.quote}"

    def trading_sectors(self) -> tuple[str, ...]:
        """Sectors other than the benchmark sector."""
        return tuple(s for s in self.sectors if s != BENCHMARK_SECTOR)
