"""A daily equity index (default: S&P 500 from FRED's free CSV, series ``SP500``).

``GET {base}/graph/fredgraph.csv?id=SP500`` answers ``observation_date,SP500`` (older files
say ``DATE``) with ``.`` for holidays. Any CSV whose first column is a date and which has a
``Close`` column or exactly one value column works too (e.g. a stooq or broker export), from a
URL or a local file.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from rotation_addin.core.errors import DataError
from rotation_addin.data.providers.http import DEFAULT_POLICY, HttpPolicy, request_bytes
from rotation_addin.data.text_files import read_user_text

DEFAULT_BASE_URL = "https://fred.stlouisfed.org"
DEFAULT_SERIES = "SP500"
PROVIDER = "equity index CSV"


def parse_index_csv(text: str, *, source: str = PROVIDER) -> pd.Series:
    """Parse a daily index CSV into a Series ``equity_index`` (UTC midnight index).

    Missing markers (``.``, empty, ``null``) are dropped (markets close on weekends; the
    regime uses the last close). Non-positive values are a DataError naming the line.
    """
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{source}: not a CSV ({exc})") from None
    if frame.shape[1] < 2:
        raise DataError(f"{source}: needs a date column and a value column")
    columns = {c.lower(): c for c in frame.columns}
    value_col = columns.get("close") or columns.get("adj close")
    if value_col is None:
        if frame.shape[1] != 2:
            raise DataError(
                f"{source}: several value columns and no 'Close': {list(frame.columns)}"
            )
        value_col = frame.columns[1]
    date_col = frame.columns[0]
    raw_values = frame[value_col].str.strip()
    keep = ~raw_values.isin([".", "", "null", "NaN", "nan"])
    dates = pd.to_datetime(frame.loc[keep, date_col].str.strip(), errors="coerce", utc=True)
    values = pd.to_numeric(raw_values[keep], errors="coerce")
    bad = dates.isna() | values.isna() | ~np.isfinite(values) | (values <= 0)
    if bad.any():
        line = int(bad[bad].index[0]) + 2  # header is line 1
        raise DataError(
            f"{source}: line {line}: needs a date and a positive number "
            f"(got {frame.loc[bad[bad].index[0], date_col]!r}, "
            f"{frame.loc[bad[bad].index[0], value_col]!r})"
        )
    series = pd.Series(values.to_numpy(dtype="float64"),
                       index=pd.DatetimeIndex(dates.dt.normalize(), name="date"),
                       name="equity_index")
    if series.empty:
        raise DataError(f"{source}: no values")
    return series[~series.index.duplicated(keep="last")].sort_index()


def fetch_equity_index(
    base_url: str = DEFAULT_BASE_URL,
    series_id: str = DEFAULT_SERIES,
    *,
    policy: HttpPolicy = DEFAULT_POLICY,
) -> pd.Series:
    """Fetch FRED's daily CSV for ``series_id`` (default S&P 500)."""
    url = f"{base_url.rstrip('/')}/graph/fredgraph.csv?id={series_id}"
    raw = request_bytes(PROVIDER, url, policy=policy)
    return parse_index_csv(raw.decode("utf-8", errors="replace"), source=f"FRED {series_id}")


def read_equity_index_file(path: Path) -> pd.Series:
    """Read an equity-index CSV from disk (same formats as :func:`parse_index_csv`)."""
    try:
        text = read_user_text(Path(path), "--equity-csv")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_index_csv(text, source=str(path))
