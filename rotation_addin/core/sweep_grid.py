"""The sweep's grid as the user names it: parameters, the default grid, the text form.

Free of NumPy and pandas (``rotation backtest --help`` lists the names at start-up);
:mod:`rotation_addin.core.sweep` expands and runs the grid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from rotation_addin.core import parameters as pdef
from rotation_addin.core import validation as v
from rotation_addin.core.errors import InputError
from rotation_addin.core.typed_numbers import NotANumber, typed_number


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
GRID_PARAMETERS: dict[str, pdef.Parameter] = {
    "short_days": pdef.SHORT_WINDOW, "long_days": pdef.LONG_WINDOW, "theta": pdef.THETA,
    "take_profit_atr_multiple": pdef.TAKE_PROFIT_ATR_MULTIPLE,
    "atr_stop_multiple": pdef.ATR_STOP_MULTIPLE, "max_leverage": pdef.MAX_LEVERAGE,
    "top_n_long": pdef.TOP_N_LONG}
"""Each grid parameter but the weights (:data:`~rotation_addin.core.parameters.
SCORE_WEIGHT_RANGE`): the range the engine checks its values against, and the one a
refusal says."""
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


def value_words(name: str) -> str:
    """What a value of grid parameter ``name`` must be, as the engine says it refusing one
    outside its range: ``an integer >= 1`` (``top_n_long``), ``a number in (0, 10]``
    (``theta``), ``a number in [0, 10]`` (a weight)."""
    if name in WEIGHT_NAMES:
        return f"a number {v.interval_words(*pdef.SCORE_WEIGHT_RANGE)}"
    parameter = GRID_PARAMETERS[name]
    return parameter.words if parameter.integer else f"a number {parameter.words}"


def check_names(names: Iterable[str]) -> None:
    """Refuse a grid naming a parameter the sweep does not vary.

    Raises
    ------
    InputError
        Field ``grid``: the unknown names, and the known ones (:data:`SWEEP_NAMES`).
    """
    unknown = sorted(set(names) - set(SWEEP_NAMES))
    if unknown:
        raise InputError("grid", f"unknown parameter(s) {unknown} (known: "
                                 f"{', '.join(SWEEP_NAMES)})")


def grid_from_text(items: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The grid written as ``NAME=V1,V2,...`` items (``rotation backtest --grid``).

    The names are checked here (:func:`check_names`) and each value is read as a typed
    number (:func:`~rotation_addin.core.typed_numbers.typed_number`); ``expand_grid`` checks
    each value against its parameter's range.

    Raises
    ------
    InputError
        Field ``grid``: no item, an item without ``=``, a name given twice, an unknown name;
        the parameter's name: a value that is not a number (``top_n_long: must be an integer
        >= 1 (got 'x')``, the words of :func:`value_words`), a value given twice.
    """
    if not items:
        raise InputError("grid", "is empty: give NAME=V1,V2,... (parameters: "
                                 f"{', '.join(SWEEP_NAMES)})")
    texts: dict[str, str] = {}
    for item in items:
        name, sep, text = (part.strip() for part in str(item).partition("="))
        if not sep or not name:
            raise InputError("grid", f"must be NAME=V1,V2,... (got {item!r})")
        if name in texts:
            raise InputError("grid", f"gives {name} twice: put all its values in one item")
        texts[name] = text
    check_names(texts)
    return {name: _values(name, text) for name, text in texts.items()}


def _values(name: str, text: str) -> tuple[float, ...]:
    """The numbers of one item's ``V1,V2,...``; a value given twice (``2,2``, ``1,1.0``)
    is refused: it would be one more trial for the deflated Sharpe ratio, not a new one."""
    values: list[float] = []
    for word in (w.strip() for w in text.split(",")) if text else ():
        try:
            value = typed_number(word)
        except NotANumber:
            raise InputError(name, f"must be {value_words(name)} (got {word!r})") from None
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
