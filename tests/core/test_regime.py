"""Macro regime votes, dead bands, labels and the dominance proxy -- hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import InputError
from rotation_addin.core.regime import (
    DeadBands,
    dominance_proxy,
    regime_history,
    regime_verdict,
)

DAYS = pd.date_range("2024-01-01", periods=61, freq="D", tz="UTC", name="date")


def _macro(dominance_end: float = 0.375, supply_end: float = 100.5e9) -> pd.DataFrame:
    """Dominance 0.5 for days 0..30 then a straight line to ``dominance_end`` on day 60."""
    dominance = np.r_[np.full(31, 0.5), np.linspace(0.5, dominance_end, 31)[1:]]
    supply = np.r_[np.full(31, 100e9), np.linspace(100e9, supply_end, 31)[1:]]
    return pd.DataFrame({"btc_dominance": dominance, "stablecoin_supply_usd": supply},
                        index=DAYS)


def test_votes_and_reasons_by_hand() -> None:
    verdict = regime_verdict(_macro())
    dom, stable, equity = verdict.votes
    # dominance 0.5 -> 0.375 over 30 days = -25 % -> falling -> alts favoured (+1)
    assert dom.value == pytest.approx(-25.0)
    assert dom.vote == 1
    assert dom.reason == "BTC dominance fell 25.0 % over 30 days (alts favoured)"
    # supply 100 bn -> 100.5 bn = +0.5 %, inside the 1 % dead band -> 0
    assert stable.value == pytest.approx(0.5)
    assert stable.vote == 0 and "dead band" in stable.reason
    # no equity column -> 0, "no data"
    assert (equity.name, equity.vote, equity.reason, equity.value) == (
        "equity_index", 0, "no data", None)
    assert verdict.score == 1 and verdict.label == "risk-on" and verdict.rotation_enabled
    assert verdict.as_of == DAYS[-1]
    assert any("equity_index" in w for w in verdict.warnings)


def test_dead_band_edges() -> None:
    macro = _macro()
    # |change| = 25 % exactly: on the band votes 0 (strictly outside votes)
    on_band = regime_verdict(macro, dead_bands=DeadBands(dominance_pct=25.0))
    assert on_band.votes[0].vote == 0
    assert regime_verdict(macro, dead_bands=DeadBands(dominance_pct=24.9)).votes[0].vote == 1
    # supply +0.5 % votes +1 once the band is below 0.5 %
    assert regime_verdict(macro, dead_bands=DeadBands(stablecoin_pct=0.4)).votes[1].vote == 1


def test_risk_off_disables_rotation() -> None:
    # dominance 0.5 -> 0.625 = +25 % (BTC favoured, -1) ; supply 100 -> 98 bn = -2 % (-1)
    verdict = regime_verdict(_macro(dominance_end=0.625, supply_end=98e9))
    assert [v.vote for v in verdict.votes] == [-1, -1, 0]
    assert verdict.votes[1].reason == "stablecoin supply shrank 2.0 % over 30 days " \
                                      "(liquidity leaving)"
    assert verdict.score == -2 and verdict.label == "risk-off"
    assert verdict.rotation_enabled is False
    allowed = regime_verdict(_macro(0.625, 98e9), rotation_in_risk_off=True)
    assert allowed.label == "risk-off" and allowed.rotation_enabled is True
    # a stricter risk-off threshold (-3) leaves a score of -2 neutral
    assert regime_verdict(_macro(0.625, 98e9), risk_off_score=-3).label == "neutral"


def test_equity_vote_against_its_average() -> None:
    # weekdays only: 49 closes at 100 then 103. Average of the last 50 closes
    # = (49*100 + 103) / 50 = 100.06 ; gap = 103 / 100.06 - 1 = +2.938 % -> +1
    weekdays = pd.bdate_range("2024-01-01", periods=50, tz="UTC")
    equity = pd.Series([100.0] * 49 + [103.0], index=weekdays)
    days = pd.date_range(weekdays[0], weekdays[-1] + pd.Timedelta(days=2), tz="UTC")
    macro = pd.DataFrame({"equity_index": equity.reindex(days)})  # weekends NaN
    verdict = regime_verdict(macro)  # judged on the Sunday after the last close
    vote = verdict.votes[2]
    assert vote.value == pytest.approx((103 / 100.06 - 1) * 100)
    assert vote.vote == 1
    assert vote.reason == "equity index 2.9 % above its 50-day average (risk appetite)"
    # with a 51-close average there is not enough history -> no data
    assert regime_verdict(macro, equity_ma_days=51).votes[2].reason.startswith("no data")


def test_stale_or_short_inputs_vote_zero() -> None:
    macro = _macro()
    macro.iloc[-6:, 0] = np.nan  # dominance last seen 6 days before the verdict day
    vote = regime_verdict(macro).votes[0]
    assert vote.vote == 0 and vote.reason.startswith("no data")
    # allowing 6 stale days: last value day 54 = 0.5 - 0.125 * 24/30 = 0.4 vs day 24 = 0.5
    relaxed = regime_verdict(macro, max_stale_days=6).votes[0]
    assert relaxed.value == pytest.approx(-20.0) and relaxed.vote == 1
    short = _macro().iloc[:20]  # 19 days of history < 30
    assert regime_verdict(short).votes[0].reason == "no data: needs 30 days of history"
    empty = pd.DataFrame({"btc_dominance": [np.nan] * 3}, index=DAYS[:3])
    assert regime_verdict(empty).votes[0].reason == "no data"
    assert regime_verdict(empty).label == "neutral"


def test_history_has_no_look_ahead() -> None:
    macro = _macro(dominance_end=0.625, supply_end=98e9)
    history = regime_history(macro)
    assert list(history.index) == list(macro.index)
    for day in DAYS[[0, 29, 30, 45, 60]]:
        alone = regime_verdict(macro.loc[:day])
        assert history.loc[day, "label"] == alone.label
        assert history.loc[day, "score"] == alone.score
    # before 30 days of history nothing votes
    assert (history.loc[DAYS[:30], "score"] == 0).all()
    # hand: on day 45 dominance = 0.5 + 0.125 * 15/30 = 0.5625 -> +12.5 % -> -1
    assert history.loc[DAYS[45], "dominance_change_pct"] == pytest.approx(12.5)
    assert history.loc[DAYS[45], "dominance_vote"] == -1


def test_regime_rejects_nonsense() -> None:
    with pytest.raises(InputError, match="macro"):
        regime_verdict(pd.DataFrame({"btc_dominance": [0.5, 0.4]}))  # not dated
    with pytest.raises(InputError, match="dominance_pct"):
        DeadBands(dominance_pct=-1.0)
    with pytest.raises(InputError, match="dominance_days"):
        regime_verdict(_macro(), dominance_days=0)
    with pytest.raises(InputError, match="risk_on_score"):
        regime_verdict(_macro(), risk_on_score=0)


def test_dominance_proxy_cap_by_hand() -> None:
    close = pd.DataFrame(
        {"BTC": [100.0, 110.0, np.nan], "A": [10.0, 10.0, 12.0], "B": [1.0, 0.9, 0.9]},
        index=DAYS[:3],
    )
    share = dominance_proxy(close, start_share=0.5)
    # day 1: BTC cap 0.5 * 1.1 = 0.55 ; alts 0.5 * mean(1.0, 0.9) = 0.475
    assert share.iloc[0] == pytest.approx(0.5)
    assert share.iloc[1] == pytest.approx(0.55 / (0.55 + 0.475))
    # day 2: BTC carried forward 0.55 ; alts 0.5 * mean(1.2, 0.9) = 0.525
    assert share.iloc[2] == pytest.approx(0.55 / (0.55 + 0.525))
    assert share.name == "btc_dominance"


def test_dominance_proxy_volume_by_hand() -> None:
    close = pd.DataFrame({"BTC": [1.0] * 3, "A": [1.0] * 3}, index=DAYS[:3])
    volume = pd.DataFrame({"BTC": [60.0, 40.0, 30.0], "A": [40.0, np.nan, 70.0]}, index=DAYS[:3])
    share = dominance_proxy(close, volume, method="volume", smoothing_days=2)
    # day 1: (60 + 40) / (100 + 40) ; day 2: (40 + 30) / (40 + 100)
    assert np.isnan(share.iloc[0])
    assert share.iloc[1] == pytest.approx(100 / 140)
    assert share.iloc[2] == pytest.approx(70 / 140)
    with pytest.raises(InputError, match="volume_usd"):
        dominance_proxy(close, method="volume")
    with pytest.raises(InputError, match="start_share"):
        dominance_proxy(close, start_share=1.0)
