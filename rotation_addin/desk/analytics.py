"""The day's analytics as typed use cases: report, correlation picture, regime, data status.

Every surface asks these functions (through its :class:`~rotation_addin.desk.session.DeskSession`
for the memoised report) instead of assembling ``core`` modules itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rotation_addin.core.constants import STALE_AFTER
from rotation_addin.core.dataset import MarketDataset
from rotation_addin.core.regime import RegimeVerdict
from rotation_addin.core.report import CorrelationPicture, correlation_picture, market_regime
from rotation_addin.core.returns import log_returns
from rotation_addin.core.rotation import PlanParameters

DEFAULT_CORRELATION_WINDOW_DAYS = PlanParameters().correlation_window_days
"""Window of a correlation picture nobody chose a window for (the plan's)."""


@dataclass(frozen=True)
class DataStatus:
    """How fresh and complete a dataset is, in words a trader reads before any number.

    Attributes
    ----------
    source : str
        Dataset label (``"demo (simulated)"``, ``"cache (binanceusdm)"``...).
    as_of : datetime
        Close of the last daily candle (UTC).
    age : timedelta
        Time since ``as_of``.
    stale : bool
        ``age`` above :data:`STALE_AFTER`.
    brackets_source : str
        Where leverage tiers come from: cached from the exchange or the bundled defaults.
    warnings : tuple[str, ...]
        Stale data, sectors without (recent) prices.
    """

    source: str
    as_of: datetime
    age: timedelta
    stale: bool
    brackets_source: str
    warnings: tuple[str, ...]


def data_warnings(dataset: MarketDataset, now: datetime | None = None) -> list[str]:
    """What a trader must know before reading any number: stale data, sectors without prices.

    A cache refreshed long ago, or an import whose altcoin files end earlier than BTC's, gives
    tables full of n/a (or yesterday's plan) without saying why.
    """
    warnings: list[str] = []
    age = (now or datetime.now(UTC)) - _utc(dataset.as_of)
    if age > STALE_AFTER:
        warnings.append(f"stale data: the last daily candle closed "
                        f"{_utc(dataset.as_of):%Y-%m-%d %H:%M} UTC, "
                        f"{age.days} d {age.seconds // 3600} h ago; run `rotation refresh` "
                        "(or use --source demo)")
    close = dataset.close
    if close.empty:
        return warnings
    last_day = close.index[-1]
    for sector in dataset.universe.trading_sectors():
        members = [b for b in dataset.universe.sectors[sector] if b in close.columns]
        prices = close[members].dropna(how="all") if members else close.iloc[0:0]
        if prices.empty:
            warnings.append(f"{sector}: no prices for any member: its figures are n/a")
        elif prices.index[-1] < last_day:
            warnings.append(f"{sector}: no prices since {prices.index[-1]:%Y-%m-%d} (data runs "
                            f"to {last_day:%Y-%m-%d}): its recent figures are n/a")
    return warnings


def data_status(dataset: MarketDataset, now: datetime | None = None) -> DataStatus:
    """Freshness, leverage-tier source and data warnings of ``dataset``."""
    moment = now or datetime.now(UTC)
    age = moment - _utc(dataset.as_of)
    tiers = (f"exchange tiers cached for {len(dataset.brackets)} symbol(s), bundled defaults "
             "for the rest" if dataset.brackets else "bundled defaults")
    return DataStatus(source=dataset.source, as_of=dataset.as_of, age=age,
                      stale=age > STALE_AFTER, brackets_source=tiers,
                      warnings=tuple(data_warnings(dataset, moment)))


def correlation(dataset: MarketDataset,
                window_days: int = DEFAULT_CORRELATION_WINDOW_DAYS) -> CorrelationPicture:
    """Sector correlation picture (USD and BTC-relative, betas, stress) over ``window_days``."""
    return correlation_picture(log_returns(dataset.close), dataset.universe, window_days)


def regime(dataset: MarketDataset, params: PlanParameters | None = None) -> RegimeVerdict:
    """Macro regime verdict for the dataset's last day."""
    return market_regime(dataset, params)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
