"""CSV import of a folder: one candle file per universe base, plus optional macro / sentiment files.

File layouts: :mod:`rotation_addin.data.csv_import`; each file is read by
:mod:`rotation_addin.data.csv_readers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.csv_readers import CSV_SOURCE_LABEL, read_candles_csv, read_series_csv
from rotation_addin.data.csv_table import CsvFormatError
from rotation_addin.data.markets import SYMBOL_ALIASES  # one list of aliases (Coin Metrics rndr)

MACRO_ALIASES: dict[str, tuple[str, ...]] = {
    "btc_dominance": ("btc_dominance", "dominance", "btc_dominance_pct", "btc.d"),
    "stablecoin_supply_usd": (
        "stablecoin_supply_usd",
        "stablecoin_supply",
        "total_stablecoin_supply",
        "stablecoins_usd",
    ),
    "equity_index": ("equity_index", "spx", "sp500", "s&p500", "index", "close"),
}


@dataclass(frozen=True)
class CsvImport:
    """Result of :func:`import_csv_folder`: the dataset plus what the import noticed."""

    dataset: MarketDataset
    files: Mapping[str, Path]
    warnings: tuple[str, ...] = field(default_factory=tuple)


def base_from_filename(path: Path) -> str:
    """Base asset named by a file: ``rndr.csv`` -> ``RENDER``, ``BTC-USDT_1d.csv`` -> ``BTC``."""
    token = re.split(r"[-_. ]", path.stem.strip())[0].upper()
    for quote in ("USDT", "USDC", "USD", "BUSD"):
        if token.endswith(quote) and len(token) > len(quote):
            token = token[: -len(quote)]
            break
    return SYMBOL_ALIASES.get(token, token)


def _daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Daily candles from any frequency (already daily midnights pass through unchanged)."""
    days = pd.DatetimeIndex(frame.index).floor("D")
    if days.is_unique and (days == frame.index).all():
        return frame
    grouped = frame.groupby(days)
    out = pd.DataFrame(
        {
            "open": grouped["open"].first(),
            "high": grouped["high"].max(),
            "low": grouped["low"].min(),
            "close": grouped["close"].last(),
            "volume": grouped["volume"].sum(min_count=1),
            "volume_usd": grouped["volume_usd"].sum(min_count=1),
        }
    )
    out.index.name = "date"
    return out


def _macro_frame(path: Path, warnings: list[str]) -> pd.DataFrame:
    raw = read_series_csv(path)
    frame = raw.to_frame() if isinstance(raw, pd.Series) else raw
    warnings.extend(frame.attrs.get("warnings", ()))
    lower = {c.lower(): c for c in frame.columns}
    out = pd.DataFrame(index=frame.index)
    for name, aliases in MACRO_ALIASES.items():
        for alias in aliases:
            if alias in lower:
                out[name] = frame[lower[alias]]
                break
    supply_cols = [
        c
        for c in frame.columns
        if c.lower().endswith("_supply") and c.lower() != "stablecoin_supply"
    ]
    if "stablecoin_supply_usd" not in out and supply_cols:
        out["stablecoin_supply_usd"] = frame[supply_cols].sum(axis=1, min_count=len(supply_cols))
        warnings.append(f"{path.name}: stablecoin_supply_usd = sum of {', '.join(supply_cols)}")
    if "btc_dominance" in out and out["btc_dominance"].max() > 1.0:
        out["btc_dominance"] = out["btc_dominance"] / 100.0
        warnings.append(f"{path.name}: btc_dominance looked like percent; divided by 100")
    if out.shape[1] == 0:
        raise CsvFormatError(
            path,
            1,
            None,
            "no macro column recognised: use btc_dominance, stablecoin_supply_usd, equity_index",
        )
    out.index = pd.DatetimeIndex(out.index).floor("D")
    out = out.groupby(level=0).last()
    out.index.name = "date"
    return out


def _wide_by_base(path: Path, universe: Universe, warnings: list[str]) -> pd.DataFrame:
    raw = read_series_csv(path)
    frame = raw.to_frame() if isinstance(raw, pd.Series) else raw
    warnings.extend(frame.attrs.get("warnings", ()))
    renamed: dict[str, str] = {}
    for column in frame.columns:
        token = SYMBOL_ALIASES.get(column.strip().upper(), column.strip().upper())
        if token in universe.bases:
            renamed[column] = token
        else:
            warnings.append(f"{path.name}: column {column!r} is not a universe symbol; ignored")
    out = frame[list(renamed)].rename(columns=renamed)
    out.index = pd.DatetimeIndex(out.index).floor("D")
    out = out.groupby(level=0).sum(min_count=1)
    out.index.name = "date"
    return out


def import_csv_folder(
    folder: Path | str,
    universe: Universe | None = None,
    *,
    macro_csv: Path | str | None = None,
    social_csv: Path | str | None = None,
    onchain_csv: Path | str | None = None,
) -> CsvImport:
    """Build a :class:`MarketDataset` from a folder of per-symbol candle CSVs.

    Every ``<base>*.csv`` whose base (file name, aliases like ``rndr`` -> ``RENDER``) is in
    the universe is read with :func:`read_candles_csv` and brought to daily candles.
    Universe members without a file are listed in ``missing_symbols``; files that match no
    member are reported in the warnings.
    """
    from rotation_addin.data.universe_io import load_universe

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("folder", f"must be an existing folder (got {folder})")
    universe = universe or load_universe()
    warnings: list[str] = []
    files = _candle_files(folder, universe, warnings)
    candles: dict[str, pd.DataFrame] = {}
    for base, path in files.items():
        frame = read_candles_csv(path, base=base)
        warnings.extend(frame.attrs.get("warnings", ()))
        candles[base] = _daily(frame)
    if not candles:
        raise InputError("folder", f"no candle CSV for any universe symbol in {folder}")
    missing = tuple(b for b in universe.bases if b not in candles)
    if missing:
        warnings.append("no CSV for: " + ", ".join(missing))
    index = pd.DatetimeIndex(sorted(set().union(*(c.index for c in candles.values()))), name="date")
    empty = pd.DataFrame(index=index)
    macro = _macro_frame(Path(macro_csv), warnings) if macro_csv is not None else empty.copy()
    social = _optional_by_base(social_csv, universe, warnings, empty)
    onchain = _optional_by_base(onchain_csv, universe, warnings, empty)
    dataset = _dataset(universe, candles, index, macro, social, onchain, missing)
    return CsvImport(dataset=dataset, files=files, warnings=tuple(warnings))


def _candle_files(folder: Path, universe: Universe, warnings: list[str]) -> dict[str, Path]:
    """The folder's candle CSV of each universe base (files of other bases are warnings)."""
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.csv")):
        base = base_from_filename(path)
        if base not in universe.bases:
            warnings.append(f"{path.name}: {base} is not in the universe; ignored")
            continue
        if base in files:
            raise InputError("folder", f"{path.name} and {files[base].name} are both {base}")
        files[base] = path
    return files


def _optional_by_base(
    path: Path | str | None, universe: Universe, warnings: list[str], empty: pd.DataFrame
) -> pd.DataFrame:
    """The per-base series of ``path``, or a copy of ``empty`` when no file is given."""
    return _wide_by_base(Path(path), universe, warnings) if path is not None else empty.copy()


def _dataset(
    universe: Universe,
    candles: Mapping[str, pd.DataFrame],
    index: pd.DatetimeIndex,
    macro: pd.DataFrame,
    social: pd.DataFrame,
    onchain: pd.DataFrame,
    missing: tuple[str, ...],
) -> MarketDataset:
    """The imported candles and series on one daily index (as of the day after the last)."""
    present = [b for b in universe.bases if b in candles]

    def wide(column: str) -> pd.DataFrame:
        return pd.DataFrame({b: candles[b][column] for b in present}, index=index)

    return MarketDataset(
        source=CSV_SOURCE_LABEL,
        as_of=(index[-1] + pd.Timedelta(days=1)).to_pydatetime(),
        universe=universe,
        open=wide("open"),
        high=wide("high"),
        low=wide("low"),
        close=wide("close"),
        volume_usd=wide("volume_usd"),
        macro=macro.reindex(index),
        social_volume=social.reindex(index),
        onchain_activity=onchain.reindex(index),
        missing_symbols=missing,
    )


def dataset_from_csv_folder(
    folder: Path | str,
    universe: Universe | None = None,
    *,
    macro_csv: Path | str | None = None,
    social_csv: Path | str | None = None,
    onchain_csv: Path | str | None = None,
) -> MarketDataset:
    """:func:`import_csv_folder` returning only the dataset (source ``"csv import"``)."""
    return import_csv_folder(
        folder, universe, macro_csv=macro_csv, social_csv=social_csv, onchain_csv=onchain_csv
    ).dataset
