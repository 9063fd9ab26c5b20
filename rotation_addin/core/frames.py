"""Validation of the pandas inputs the analytics take (price, return and macro frames).

Each checker returns a clean float copy or raises
:class:`~rotation_addin.core.errors.InputError` naming the field and what is valid.
Missing values (NaN) are allowed -- a symbol may start trading late -- but infinities,
text and unordered or duplicated dates are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.core.validation import positive_int


def _check_index(field: str, index: pd.Index) -> None:
    if not index.is_unique:
        raise InputError(field, "dates must be unique (found duplicated rows)")
    if not index.is_monotonic_increasing:
        raise InputError(field, "dates must be in ascending order")


def _as_float_values(field: str, data: pd.DataFrame) -> pd.DataFrame:
    try:
        if all(dtype == np.float64 for dtype in data.dtypes):
            # one block whatever the input had: ``drop(columns=...)`` leaves one block per
            # column, and every later pandas call pays per block (~0.1 s per call at 1,000)
            numeric = pd.DataFrame(data.to_numpy(dtype=float, copy=True), index=data.index,
                                   columns=data.columns)
        else:
            numeric = data.astype(float)
    except (TypeError, ValueError):
        raise InputError(field, "must hold numbers only (found text or other values)") from None
    if np.isinf(numeric.to_numpy()).any():
        raise InputError(field, "must hold finite numbers (found inf)")
    return numeric


def require_frame(
    field: str, value: object, *, min_rows: int = 1, min_columns: int = 1, dated: bool = True
) -> pd.DataFrame:
    """Return ``value`` as a float DataFrame with an ascending, unique index.

    Parameters
    ----------
    field : str
        Name of the input shown in the error message.
    value : object
        The candidate DataFrame.
    min_rows, min_columns : int
        Smallest accepted shape.
    dated : bool
        The rows are days: require an ascending, unique index (False for matrices).

    Raises
    ------
    InputError
        If ``value`` is not a DataFrame, is too small, holds text or inf, or its index is
        unordered or duplicated.
    """
    if not isinstance(value, pd.DataFrame):
        raise InputError(field, f"must be a pandas DataFrame (got {type(value).__name__})")
    if value.shape[1] < min_columns:
        raise InputError(
            field, f"needs at least {min_columns} column(s) (got {value.shape[1]})"
        )
    if value.shape[0] < min_rows:
        raise InputError(field, f"needs at least {min_rows} row(s) (got {value.shape[0]})")
    if not value.columns.is_unique:
        raise InputError(field, "column names must be unique")
    if dated:
        _check_index(field, value.index)
    return _as_float_values(field, value)


def require_series(field: str, value: object, *, min_rows: int = 1) -> pd.Series:
    """Return ``value`` as a float Series, ascending unique index (see ``require_frame``)."""
    if not isinstance(value, pd.Series):
        raise InputError(field, f"must be a pandas Series (got {type(value).__name__})")
    frame = require_frame(field, value.to_frame(), min_rows=min_rows)
    series: pd.Series = frame.iloc[:, 0]
    return series


def require_dated(field: str, index: pd.Index) -> pd.DatetimeIndex:
    """Return ``index`` if it is a DatetimeIndex (daily series need calendar dates)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise InputError(field, f"must be indexed by dates (got {type(index).__name__})")
    return index


def require_column(field: str, frame: pd.DataFrame, column: str) -> pd.Series:
    """Return ``frame[column]`` or raise naming ``field`` and the columns present."""
    if not isinstance(column, str):
        raise InputError(field, f"must name a column (got {column!r})")
    if column not in frame.columns:
        present = ", ".join(str(c) for c in frame.columns[:12])
        raise InputError(field, f"has no column '{column}' (columns: {present})")
    series: pd.Series = frame[column]
    return series


def drop_columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` without the columns ``names``, as one block.

    Same values as ``frame.drop(columns=names)``, which (pandas 3) leaves one block per column
    when a middle column goes, so each later call on the result pays per column.
    """
    dropped = set(names)
    kept: pd.DataFrame = frame[[c for c in frame.columns if c not in dropped]]
    return kept


def window_days(field: str, value: object, *, minimum: int = 2) -> int:
    """Return a rolling-window length in days (an integer >= ``minimum``)."""
    return positive_int(field, value, minimum=minimum)
