"""Market-cache table of generic daily series (macro, sentiment), kept apart by realm."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from rotation_addin.core.errors import InputError
from rotation_addin.data.cache_connection import CacheConnection
from rotation_addin.data.cache_rows import index_days, realm_of


class SeriesTable(CacheConnection):
    """Reads and upserts of the ``series`` table (one value per name, key, day and realm)."""

    def write_series(
        self, name: str, key: str | None, data: pd.Series | pd.DataFrame, source: str
    ) -> int:
        """Upsert a daily series (macro, sentiment); return the number of values written.

        Parameters
        ----------
        name : str
            Series family: ``"macro"``, ``"social_volume"``, ``"onchain_activity"``...
        key : str or None
            Member of the family (``"btc_dominance"``, ``"RENDER"``). ``None`` with a
            DataFrame: each column is a key.
        data : pd.Series or pd.DataFrame
            Values indexed by day (dates or datetimes; the UTC calendar day is kept).
            NaN values are skipped.
        source : str
            Provider label; ``"demo (simulated)"`` rows are kept apart from live rows.
        """
        if not name:
            raise InputError("name", "must be non-empty text")
        if isinstance(data, pd.DataFrame):
            if key is not None:
                if key not in data.columns:
                    raise InputError("key", f"{key!r} is not a column of the frame")
                columns: dict[str, pd.Series] = {key: data[key]}
            else:
                columns = {str(c): data[c] for c in data.columns}
        else:
            if key is None:
                raise InputError("key", "must be given when writing a single series")
            columns = {key: data}
        realm = realm_of(source)
        written = 0
        with self.transaction():
            for column, series in columns.items():
                days = index_days(series.index, field=f"{name}.{column}")
                values = np.asarray(pd.to_numeric(series, errors="coerce"), dtype=float)
                keep = np.isfinite(values)
                self._conn.executemany(
                    "INSERT INTO series (name, key, day, realm, value, source) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT (name, key, day, realm) DO UPDATE SET "
                    "value=excluded.value, source=excluded.source",
                    ((name, column, d, realm, float(val), source)
                     for d, val in zip(np.asarray(days)[keep], values[keep], strict=True)),
                )
                written += int(keep.sum())
        return written

    def delete_series_realm(self, realm: str, names: Iterable[str]) -> None:
        """Remove every row of the series ``names`` in ``realm`` (``"demo"`` or ``"live"``)."""
        if realm not in ("demo", "live"):
            raise InputError("realm", f"must be 'demo' or 'live' (got {realm!r})")
        with self.transaction():
            for name in names:
                self._conn.execute("DELETE FROM series WHERE name=? AND realm=?", (name, realm))

    def read_series(
        self, name: str, key: str | None = None, *, demo: bool = False
    ) -> pd.Series | pd.DataFrame:
        """Read a daily series back.

        Returns a Series (``key`` given) or a wide DataFrame (one column per key), indexed by
        UTC midnights named ``"date"``. ``demo=True`` reads the simulated realm instead of the
        live one. Empty when nothing is stored.
        """
        realm = "demo" if demo else "live"
        sql = "SELECT key, day, value FROM series WHERE name=? AND realm=?"
        params: list[Any] = [name, realm]
        if key is not None:
            sql += " AND key=?"
            params.append(key)
        long = pd.DataFrame(self._query(sql + " ORDER BY day", params),
                            columns=["key", "day", "value"])
        long["value"] = long["value"].astype(float)
        long["date"] = pd.to_datetime(long["day"], utc=True)
        if key is not None:
            series = pd.Series(long["value"].to_numpy(), index=pd.DatetimeIndex(long["date"]),
                               name=key, dtype=float)
            series.index.name = "date"
            return series
        wide = long.pivot(index="date", columns="key", values="value").astype(float)
        wide.columns.name = None
        wide.index = pd.DatetimeIndex(wide.index, name="date")
        return wide

