"""The sweep's grid as the user names it: parameters, the default grid, the text form.

Free of NumPy and pandas (``rotation backtest --help`` lists the names at start-up);
:mod:`rotation_addin.core.sweep` expands and runs the grid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rotation_addin.core.errors import InputError


def settings_in(grid: Mapping[str, Sequence[float]]) -> int:
    """How many settings ``grid`` expands to (every combination of its values)."""
    return math.prod(len(values) for values in grid.values())


WINDOW_NAMES = ("short_days", "long_days")
WEIGHT_NAMES = {"w_momentum_7d": "momentum_7d", "w_momentum_30d": "momentum_30d",
                "w_volume_trend": "volume_trend", "w_divergence": "divergence"}
PLAN_NAMES = ("theta", "take_profit_atr_multiple", "atr_stop_multiple", "max_leverage",
              "top_n_long")
SWEEP_NAMES = (*WINDOW_NAMES, *WEIGHT_NAMES, *PLAN_NAMES)
WHOLE_NAMES = (*WINDOW_NAMES, "top_n_long")
"""Grid parameters that count days or sectors: whole numbers (1.5 is refused, not cut)."""
MAX_SETTINGS = 5000
"""The most settings one sweep runs."""
DEFAULT_GRID: dict[str, tuple[float, ...]] = {
    "atr_stop_multiple": (1.5, 2.0, 3.0),
    "take_profit_atr_multiple": (2.0, 3.0, 4.5),
    "top_n_long": (1, 2),
}
"""The grid ``rotation backtest --sweep`` runs without ``--grid`` (settings around the
defaults: :data:`DEFAULT_SETTINGS` of them)."""
DEFAULT_SETTINGS = settings_in(DEFAULT_GRID)


def grid_from_text(items: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The grid written as ``NAME=V1,V2,...`` items (``rotation backtest --grid``).

    Only the text is read here: ``expand_grid`` checks the names against
    :data:`SWEEP_NAMES` and each value against its parameter's range.

    Raises
    ------
    InputError
        Field ``grid``: no item, an item without ``=``, a name given twice, or a value
        that is not a number (the message quotes the item); the parameter's name: a value
        given twice.
    """
    if not items:
        raise InputError("grid", "is empty: give NAME=V1,V2,... (parameters: "
                                 f"{', '.join(SWEEP_NAMES)})")
    grid: dict[str, tuple[float, ...]] = {}
    for item in items:
        name, sep, text = (part.strip() for part in str(item).partition("="))
        if not sep or not name:
            raise InputError("grid", f"must be NAME=V1,V2,... (got {item!r})")
        if name in grid:
            raise InputError("grid", f"gives {name} twice: put all its values in one item")
        grid[name] = _values(name, text, str(item))
    return grid


def _values(name: str, text: str, item: str) -> tuple[float, ...]:
    """The numbers of one item's ``V1,V2,...``; a value given twice (``2,2``, ``1,1.0``)
    is refused: it would be one more trial for the deflated Sharpe ratio, not a new one."""
    values: list[float] = []
    for word in (w.strip() for w in text.split(",")) if text else ():
        try:
            value = float(word)
        except ValueError:
            raise InputError("grid", f"{name}: {word!r} is not a number (in {item!r})") \
                from None
        if value in values:
            raise InputError(name, f"{value:g} given twice")
        values.append(value)
    return tuple(values)


GRID_SEPARATOR = ";"
"""Between the items of a grid written on one line (the app's field): values use commas."""


def grid_text(grid: Mapping[str, Sequence[float]]) -> str:
    """``grid`` on one line, as :func:`grid_from_line` reads it back."""
    return f"{GRID_SEPARATOR} ".join(f"{name}={','.join(f'{x:g}' for x in values)}"
                                     for name, values in grid.items())


def grid_from_line(text: str) -> dict[str, tuple[float, ...]] | None:
    """The grid of one line of ``NAME=V1,V2,...`` items separated by ``;`` (None: the line
    is blank, the caller's default grid). Raises as :func:`grid_from_text`."""
    items = [item for item in str(text).split(GRID_SEPARATOR) if item.strip()]
    return grid_from_text(items) if items else None
