"""The sweep's grid as the user names it: parameters, the default grid, the text form.

Free of NumPy and pandas (``rotation backtest --help`` lists the names at start-up);
:mod:`rotation_addin.core.sweep` expands and runs the grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rotation_addin.core.errors import InputError

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
DEFAULT_SETTINGS = math.prod(len(values) for values in DEFAULT_GRID.values())


def grid_from_text(items: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The grid written as ``NAME=V1,V2,...`` items (``rotation backtest --grid``).

    Only the text is read here: ``expand_grid`` checks the names against
    :data:`SWEEP_NAMES` and each value against its parameter's range.

    Raises
    ------
    InputError
        Field ``grid``: no item, an item without ``=``, a name given twice, or a value
        that is not a number (the message quotes the item).
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
        values: list[float] = []
        for word in (w.strip() for w in text.split(",")) if text else ():
            try:
                values.append(float(word))
            except ValueError:
                raise InputError("grid", f"{name}: {word!r} is not a number (in {item!r})") \
                    from None
        grid[name] = tuple(values)
    return grid
