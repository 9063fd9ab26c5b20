"""Macro and sentiment providers: real HTTP request code against the loopback emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.data.providers import coingecko, defillama, equity, santiment
from rotation_addin.data.providers.http import HttpPolicy, redact_url
from tests.emulator.providers import Fault, ProviderData, ProviderEmulator

FAST = HttpPolicy(timeout_s=2.0, max_retries=2, backoff_s=0.01, max_backoff_s=0.05)


def _days(n: int, end: str = "2024-03-31") -> pd.DatetimeIndex:
    return pd.date_range(end=end, periods=n, freq="D", tz="UTC", name="date")


@pytest.fixture()
def data() -> ProviderData:
    index = _days(60)
    rng = np.random.default_rng(7)
    macro = pd.DataFrame({
        "btc_dominance": np.linspace(0.55, 0.50, 60),
        "stablecoin_supply_usd": np.linspace(1.30e11, 1.40e11, 60),
        "equity_index": 4800 + rng.normal(0, 10, 60).cumsum(),
    }, index=index)
    macro.loc[index[5], "equity_index"] = np.nan  # a market holiday
    social = pd.DataFrame({"render-token": rng.integers(100, 900, 60).astype(float),
                           "bitcoin": rng.integers(5000, 9000, 60).astype(float)}, index=index)
    onchain = pd.DataFrame({"render-token": rng.integers(2000, 3000, 60).astype(float),
                            "bitcoin": rng.integers(7e5, 9e5, 60).astype(float)}, index=index)
    return ProviderData(macro=macro, social=social, onchain=onchain, api_key="s3cret-KEY-123")


@pytest.fixture()
def emulator(data: ProviderData) -> Iterator[ProviderEmulator]:
    with ProviderEmulator(data) as server:
        yield server


def test_coingecko_dominance_snapshot(emulator: ProviderEmulator, data: ProviderData) -> None:
    snap = coingecko.fetch_dominance(emulator.base_urls["coingecko"], policy=FAST)
    # The emulator reports the last day's dominance as a percentage; the tool stores a fraction.
    assert snap.btc_dominance == pytest.approx(data.macro["btc_dominance"].iloc[-1], rel=1e-12)
    assert snap.day == data.macro.index[-1].date()
    assert snap.total_market_cap_usd == data.total_market_cap_usd


def test_defillama_supply_sums_pegs(emulator: ProviderEmulator, data: ProviderData) -> None:
    supply = defillama.fetch_stablecoin_supply(emulator.base_urls["defillama"], policy=FAST)
    expected = data.macro["stablecoin_supply_usd"]
    # 98 % peggedUSD + 2 % peggedEUR must add back to the total, day by day.
    pd.testing.assert_series_equal(supply, expected.rename("stablecoin_supply_usd"),
                                   check_freq=False, rtol=1e-12)


def test_fred_equity_csv_drops_holidays(emulator: ProviderEmulator, data: ProviderData) -> None:
    series = equity.fetch_equity_index(emulator.base_urls["fred"], policy=FAST)
    expected = data.macro["equity_index"].dropna().round(2)
    assert len(series) == len(expected) == 59
    np.testing.assert_allclose(series.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)


def test_santiment_sends_key_and_parses(emulator: ProviderEmulator, data: ProviderData) -> None:
    result = santiment.fetch_sentiment(
        ["RENDER", "BTC"], date(2024, 3, 1), date(2024, 3, 31), api_key="s3cret-KEY-123",
        base_url=emulator.base_urls["santiment"], policy=FAST)
    assert result.failures == ()
    expected = data.social["render-token"]["2024-03-01":"2024-03-31"]
    np.testing.assert_array_equal(result.social_volume["RENDER"].to_numpy(), expected.to_numpy())
    assert len(result.onchain_activity) == 31
    auth = {r["authorization"] for r in emulator.requests}
    assert auth == {"Apikey s3cret-KEY-123"}


def test_santiment_bad_key_error_never_contains_key(emulator: ProviderEmulator) -> None:
    with pytest.raises(DataError) as info:
        santiment.fetch_metric("social_volume_total", "bitcoin", date(2024, 3, 1),
                               date(2024, 3, 2), api_key="WRONG-key-999",
                               base_url=emulator.base_urls["santiment"], policy=FAST)
    assert "401" in str(info.value)
    assert "WRONG-key-999" not in str(info.value)
    assert "WRONG-key-999" not in repr(info.value.__cause__)


def test_santiment_unknown_slug_is_reported_not_dropped(emulator: ProviderEmulator) -> None:
    result = santiment.fetch_sentiment(
        ["RENDER", "NOPE"], date(2024, 3, 1), date(2024, 3, 5), api_key="s3cret-KEY-123",
        base_url=emulator.base_urls["santiment"], slugs={"RENDER": "render-token",
                                                         "NOPE": "no-such-project"},
        policy=FAST)
    assert list(result.social_volume.columns) == ["RENDER"]
    assert [b for b, _ in result.failures] == ["NOPE"]
    assert "not found" in result.failures[0][1]


def test_santiment_requires_key() -> None:
    with pytest.raises(InputError, match="api_key"):
        santiment.fetch_metric("social_volume_total", "bitcoin", date(2024, 3, 1),
                               date(2024, 3, 2), api_key="")


def test_query_rejects_injection() -> None:
    with pytest.raises(InputError, match="slug"):
        santiment.build_query("social_volume_total", 'x") { evil }', date(2024, 1, 1),
                              date(2024, 1, 2))
    with pytest.raises(InputError, match="until"):
        santiment.build_query("social_volume_total", "bitcoin", date(2024, 1, 2),
                              date(2024, 1, 1))


def test_retry_after_503_then_success(emulator: ProviderEmulator) -> None:
    emulator.faults.append(Fault(prefix="/llama", status=503, retry_after=0.05, count=2))
    supply = defillama.fetch_stablecoin_supply(emulator.base_urls["defillama"], policy=FAST)
    assert len(supply) == 60
    assert sum(r["path"].startswith("/llama") for r in emulator.requests) == 3


def test_malformed_json_retried_then_clear_error(emulator: ProviderEmulator) -> None:
    emulator.faults.append(Fault(prefix="/coingecko", malformed=True, count=1))
    assert coingecko.fetch_dominance(emulator.base_urls["coingecko"], policy=FAST).btc_dominance > 0
    emulator.faults.append(Fault(prefix="/coingecko", malformed=True, count=10))
    with pytest.raises(DataError, match="malformed JSON"):
        coingecko.fetch_dominance(emulator.base_urls["coingecko"], policy=FAST)


def test_persistent_5xx_gives_clear_error(emulator: ProviderEmulator) -> None:
    emulator.faults.append(Fault(prefix="/fred", status=500, count=10))
    with pytest.raises(DataError, match=r"FRED .* after 3 attempts: HTTP 500|failed after 3"):
        equity.fetch_equity_index(emulator.base_urls["fred"], policy=FAST)


def test_timeout_gives_clear_error(emulator: ProviderEmulator) -> None:
    emulator.faults.append(Fault(prefix="/coingecko", delay_s=0.6, count=10))
    policy = HttpPolicy(timeout_s=0.2, max_retries=1, backoff_s=0.01)
    with pytest.raises(DataError, match=r"network error|timed out"):
        coingecko.fetch_dominance(emulator.base_urls["coingecko"], policy=policy)


def test_unreachable_host_gives_clear_error() -> None:
    with pytest.raises(DataError, match="CoinGecko"):
        coingecko.fetch_dominance("http://127.0.0.1:9", policy=HttpPolicy(max_retries=0))


@pytest.mark.parametrize(
    ("payload", "match"),
    [({}, "no 'data'"),
     ({"data": {"market_cap_percentage": {"btc": 150}, "total_market_cap": {"usd": 1},
                "updated_at": 1}}, r"\(0, 100\)"),
     ({"data": {"market_cap_percentage": {}, "total_market_cap": {"usd": 1},
                "updated_at": 1}}, "missing or invalid")])
def test_coingecko_rejects_bad_payloads(payload: object, match: str) -> None:
    with pytest.raises(DataError, match=match):
        coingecko.parse_global(payload)


def test_equity_csv_formats_and_errors() -> None:
    stooq = ("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,4742.83,1\n"
             "2024-01-03,1,2,0.5,4704.81,1\n")
    series = equity.parse_index_csv(stooq)
    assert series.tolist() == [4742.83, 4704.81]
    with pytest.raises(DataError, match="line 3"):
        equity.parse_index_csv("DATE,SP500\n2024-01-02,4742.83\n2024-01-03,-5\n")
    with pytest.raises(DataError, match="several value columns"):
        equity.parse_index_csv("d,a,b\n2024-01-02,1,2\n")


def test_defillama_rejects_bad_points() -> None:
    with pytest.raises(DataError, match="non-empty list"):
        defillama.parse_stablecoin_chart({})
    with pytest.raises(DataError, match="point 0"):
        defillama.parse_stablecoin_chart([{"totalCirculatingUSD": {"peggedUSD": 1}}])


def test_redact_url_hides_keys() -> None:
    assert "abc" not in redact_url("https://x/y?apikey=abc&slug=b")
    assert "slug=b" in redact_url("https://x/y?apikey=abc&slug=b")


# --- storing into the real SQLite cache ----------------------------------------------------
def test_refresh_macro_writes_cache_and_isolates_failures(
    emulator: ProviderEmulator, data: ProviderData, tmp_path: Path
) -> None:
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.providers.store import ProviderUrls, refresh_macro

    urls = ProviderUrls(coingecko=emulator.base_urls["coingecko"],
                        defillama=emulator.base_urls["defillama"],
                        fred=emulator.base_urls["fred"], santiment=emulator.base_urls["santiment"])
    with MarketCache(tmp_path / "cache.sqlite3") as cache:
        outcomes = refresh_macro(cache, urls=urls, policy=FAST)
        assert all(o.ok for o in outcomes), outcomes
        stored = cache.read_series("macro")
        assert stored["stablecoin_supply_usd"].dropna().size == 60
        assert stored["equity_index"].dropna().size == 59
        # today's /global snapshot, and the market-cap proxy history before it (#11): the
        # emulator's default caps give BTC exactly the served dominance as its share
        dominance = stored["btc_dominance"].dropna()
        assert dominance.size == 60
        np.testing.assert_allclose(dominance.to_numpy(), data.macro["btc_dominance"].to_numpy(),
                                   rtol=1e-12)
        before = cache.read_series("macro", "stablecoin_supply_usd")

        # DefiLlama down: its outcome says so, its stored series is untouched, others refresh.
        emulator.faults.append(Fault(prefix="/llama", status=500, count=10))
        outcomes = refresh_macro(cache, urls=urls, policy=FAST)
        by_series = {o.series: o for o in outcomes}
        assert not by_series["stablecoin_supply_usd"].ok
        assert "HTTP 500" in (by_series["stablecoin_supply_usd"].error or "")
        assert by_series["equity_index"].ok and by_series["btc_dominance"].ok
        pd.testing.assert_series_equal(cache.read_series("macro", "stablecoin_supply_usd"),
                                       before)
        assert cache.refresh_history("providers")[0].outcome == "partial"


def test_refresh_sentiment_writes_by_base(
    emulator: ProviderEmulator, data: ProviderData, tmp_path: Path
) -> None:
    from rotation_addin.data.cache import MarketCache
    from rotation_addin.data.providers.store import ProviderUrls, refresh_sentiment

    urls = ProviderUrls(santiment=emulator.base_urls["santiment"])
    with MarketCache(tmp_path / "cache.sqlite3") as cache:
        outcomes = refresh_sentiment(cache, ["RENDER", "BTC"], since=date(2024, 2, 1),
                                     until=date(2024, 3, 31), api_key="s3cret-KEY-123",
                                     urls=urls, policy=FAST)
        assert [o.ok for o in outcomes] == [True, True]
        social = cache.read_series("social_volume")
        assert sorted(social.columns) == ["BTC", "RENDER"]
        np.testing.assert_array_equal(
            social["RENDER"].to_numpy(), data.social["render-token"]["2024-02-01":].to_numpy())
    assert "s3cret-KEY-123" not in (tmp_path / "cache.sqlite3").read_bytes().decode("latin-1")
