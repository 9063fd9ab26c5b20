"""Load, validate and save the sector universe (TOML).

The bundled default lives in ``rotation_addin/resources/universe.toml``; a user file
``<config dir>/universe.toml`` replaces it completely when present. File format::

    quote = "USDT"          # optional, default "USDT"
    benchmark = "BTC"       # optional, default "BTC"; must be a member of some sector

    [sectors]
    render = ["RENDER", "LPT", "THETA"]
    benchmark = ["BTC", "ETH"]

Every problem raises :class:`~rotation_addin.core.errors.InputError` whose field names the
TOML key (``sectors.render``) and whose message says what is valid and where (file, line).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.atomic import atomic_write_text
from rotation_addin.data.paths import config_dir
from rotation_addin.data.text_files import read_user_text

UNIVERSE_FILE_NAME = "universe.toml"
TOP_LEVEL_KEYS = ("quote", "benchmark", "sectors")
SYMBOL_PATTERN = re.compile(r"^[A-Z0-9]{1,20}$")
SECTOR_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$")
QUOTE_PATTERN = re.compile(r"^[A-Z0-9]{2,10}$")

_HEADER = """\
# Rotation Desk sector universe. This file replaces the bundled default completely.
#
# quote     : quote/settle currency of the USDT-margined perpetuals ("RENDER/USDT:USDT")
# benchmark : base asset used as the market factor; must be a member of some sector
# [sectors] : sector name = list of base assets (upper case); a symbol belongs to one sector.
"""


def bundled_universe_text() -> str:
    """Text of the bundled default ``universe.toml``."""
    return (
        resources.files("rotation_addin")
        .joinpath("resources")
        .joinpath(UNIVERSE_FILE_NAME)
        .read_text(encoding="utf-8")
    )


def user_universe_path() -> Path:
    """Path of the user override, ``<config dir>/universe.toml`` (may not exist)."""
    return config_dir() / UNIVERSE_FILE_NAME


def default_universe() -> Universe:
    """The bundled default universe (ignores any user override)."""
    return validate_universe_text(bundled_universe_text(), source="bundled universe.toml")


def load_universe(path: Path | None = None) -> Universe:
    """Load and validate a universe file.

    Parameters
    ----------
    path : Path or None
        File to read. ``None`` reads the user override ``config_dir()/universe.toml`` when it
        exists, else the bundled default.

    Returns
    -------
    Universe
        The validated universe.

    Raises
    ------
    InputError
        If the file is missing, unreadable, not valid TOML or breaks a rule (field = TOML key).
    """
    if path is None:
        user_path = user_universe_path()
        if not user_path.is_file():
            return default_universe()
        path = user_path
    path = Path(path)
    try:
        text = read_user_text(path, "universe")
    except FileNotFoundError:
        raise InputError("universe", f"file not found: {path}") from None
    except OSError as exc:
        raise InputError("universe", f"cannot read {path}: {exc.strerror or exc}") from None
    return validate_universe_text(text, source=str(path))


def validate_universe_text(text: str, *, source: str = UNIVERSE_FILE_NAME) -> Universe:
    """Parse and validate universe TOML text (the GUI's universe editor calls this).

    Parameters
    ----------
    text : str
        TOML document (see module docstring for the format).
    source : str
        Name shown in error messages (a path, or "editor").

    Returns
    -------
    Universe

    Raises
    ------
    InputError
        Syntax error (with line and column), unknown keys, wrong types, bad symbol text,
        empty sector, a symbol in two sectors, benchmark not a member.
    """
    if not isinstance(text, str):
        raise InputError("universe", f"must be TOML text (got {type(text).__name__})")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc)
        if "end of document" in detail:
            detail += f" -- the document ends at line {max(len(text.splitlines()), 1)}"
        raise InputError("universe", f"TOML syntax error in {source}: {detail}") from None
    return universe_from_mapping(document, source=source, text=text)


def universe_from_mapping(
    document: dict[str, Any], *, source: str = UNIVERSE_FILE_NAME, text: str | None = None
) -> Universe:
    """Validate a parsed TOML document and build the :class:`Universe`."""
    where = f" in {source}"
    unknown = [key for key in document if key not in TOP_LEVEL_KEYS]
    if unknown:
        raise InputError(
            unknown[0],
            f"unknown key{_line_hint(text, unknown[0])}{where}; valid keys: "
            + ", ".join(TOP_LEVEL_KEYS),
        )
    quote = document.get("quote", "USDT")
    if not isinstance(quote, str) or not QUOTE_PATTERN.match(quote):
        raise InputError(
            "quote", f"must be upper-case letters/digits like 'USDT' (got {quote!r}){where}"
        )
    benchmark = document.get("benchmark", "BTC")
    if not isinstance(benchmark, str) or not SYMBOL_PATTERN.match(benchmark):
        raise InputError(
            "benchmark", f"must be an upper-case base symbol like 'BTC' (got {benchmark!r}){where}"
        )
    if "sectors" not in document:
        raise InputError("sectors", f"missing [sectors] table{where}")
    sectors_raw = document["sectors"]
    if not isinstance(sectors_raw, dict) or not sectors_raw:
        raise InputError("sectors", f"must be a table with at least one sector{where}")
    sectors = _validate_sectors(sectors_raw, where, text)
    members = {b for bases in sectors.values() for b in bases}
    if benchmark not in members:
        raise InputError("benchmark", f"{benchmark} must be a member of some sector{where}")
    return Universe(sectors=sectors, quote=quote, benchmark=benchmark)


def _validate_sectors(
    sectors_raw: dict[str, Any], where: str, text: str | None
) -> dict[str, tuple[str, ...]]:
    sectors: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, members in sectors_raw.items():
        key = f"sectors.{name}"
        hint = _line_hint(text, name)
        if not SECTOR_PATTERN.match(name):
            raise InputError(
                key,
                "sector names must start with a letter and use letters, digits, _ or -"
                f"{hint}{where}",
            )
        if not isinstance(members, list):
            raise InputError(
                key, f'must be a list of symbols like ["RENDER"] (got {members!r}){hint}{where}'
            )
        if not members:
            raise InputError(key, f"sector is empty: list at least one symbol{hint}{where}")
        for symbol in members:
            if not isinstance(symbol, str) or not SYMBOL_PATTERN.match(symbol):
                suggestion = ""
                if isinstance(symbol, str) and SYMBOL_PATTERN.match(symbol.strip().upper()):
                    suggestion = f" (write '{symbol.strip().upper()}')"
                raise InputError(
                    key,
                    f"bad symbol {symbol!r}: base symbols are 1-20 upper-case letters/digits"
                    f"{suggestion}{hint}{where}",
                )
            if symbol in owner:
                raise InputError(
                    key,
                    f"{symbol} is already in sector '{owner[symbol]}': a symbol belongs to one "
                    f"sector{hint}{where}",
                )
            owner[symbol] = name
        sectors[name] = tuple(members)
    return sectors


def _line_hint(text: str | None, key: str) -> str:
    """`` (line N)`` for the first line that defines ``key``, or empty text."""
    if not text:
        return ""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return f" (line {number})"
    return ""


def universe_to_toml(universe: Universe) -> str:
    """Render a universe as TOML text that :func:`validate_universe_text` reads back equal."""
    lines = [
        _HEADER,
        f'quote = "{universe.quote}"',
        f'benchmark = "{universe.benchmark}"',
        "",
        "[sectors]",
    ]
    for name, members in universe.sectors.items():
        key = name if re.match(r"^[A-Za-z0-9_\-]+$", name) else f'"{name}"'
        lines.append(f"{key} = [" + ", ".join(f'"{b}"' for b in members) + "]")
    return "\n".join(lines) + "\n"


def save_universe(universe: Universe, path: Path | None = None) -> Path:
    """Write ``universe`` atomically (default: the user override file) and return the path."""
    if not isinstance(universe, Universe):
        raise InputError("universe", f"must be a Universe (got {type(universe).__name__})")
    target = Path(path) if path is not None else user_universe_path()
    text = universe_to_toml(universe)
    validate_universe_text(text, source=str(target))
    atomic_write_text(target, text)
    return target


def split_listed(
    universe: Universe, listed_bases: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split the universe's bases into those an exchange lists and those it does not.

    Returns
    -------
    (listed, missing) : tuple of tuple of str
        Both in universe order; ``missing`` must be reported to the user, never dropped silently.
    """
    available = {str(b).upper() for b in listed_bases}
    listed = tuple(b for b in universe.bases if b in available)
    missing = tuple(b for b in universe.bases if b not in available)
    return listed, missing
