"""Demo market: determinism, artifact consistency, labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.demo import DEFAULT_SEED, DemoMarket, demo_dataset, stats
from rotation_addin.data.demo.models import DemoParameters, asset_models
from rotation_addin.data.universe_io import default_universe
from tools.demo_calibrate import (
    RealMarket,
    fit_garch_t,
    fit_parameters,
    load_real_market,
    render_params_module,
)

END = dt.date(2025, 6, 30)


def _log(values: pd.DataFrame) -> pd.DataFrame:
    """Natural log of a frame, keeping it a frame."""
    return values.apply(np.log)


def _log_series(values: pd.Series) -> pd.Series:
    """Natural log of a series, keeping it a series."""
    return pd.Series(np.log(values.to_numpy(dtype=float)), index=values.index)


@pytest.fixture(scope="module")
def market() -> DemoMarket:
    return DemoMarket(seed=DEFAULT_SEED, days=1100, end=END)


def test_same_seed_identical_different_seed_differs(market: DemoMarket) -> None:
    again = DemoMarket(seed=DEFAULT_SEED, days=1100, end=END)
    pd.testing.assert_frame_equal(market.daily_candles("RENDER"), again.daily_candles("RENDER"))
    pd.testing.assert_frame_equal(market.macro(), again.macro())
    pd.testing.assert_frame_equal(market.social_volume(), again.social_volume())
    other = DemoMarket(seed=DEFAULT_SEED + 1, days=1100, end=END)
    assert not np.allclose(
        market.daily_candles("RENDER")["close"], other.daily_candles("RENDER")["close"]
    )


def test_values_do_not_depend_on_end_date(market: DemoMarket) -> None:
    shifted = DemoMarket(seed=DEFAULT_SEED, days=1100, end=END + dt.timedelta(days=40))
    a = market.daily_candles("FET").to_numpy()
    b = shifted.daily_candles("FET").to_numpy()
    np.testing.assert_array_equal(a, b)
    assert shifted.dates[-1] == pd.Timestamp(END + dt.timedelta(days=40), tz="UTC")


def test_order_of_calls_does_not_change_values() -> None:
    first = DemoMarket(seed=7, days=200, end=END)
    fet_first = first.hourly_candles("FET")
    second = DemoMarket(seed=7, days=200, end=END)
    second.hourly_candles("BTC")
    pd.testing.assert_frame_equal(fet_first, second.hourly_candles("FET"))


def test_daily_index_and_columns(market: DemoMarket) -> None:
    daily = market.daily_candles("BTC")
    assert list(daily.columns) == ["open", "high", "low", "close", "volume", "volume_usd"]
    assert daily.index.name == "date"
    assert str(pd.DatetimeIndex(daily.index).tz) == "UTC"
    assert len(daily) == 1100
    assert daily.index.is_monotonic_increasing and daily.index.is_unique
    assert daily.index[-1] == pd.Timestamp(END, tz="UTC")
    assert (daily.index == pd.DatetimeIndex(daily.index).normalize()).all()


@pytest.mark.parametrize("base", ["BTC", "RENDER", "ATH", "TAO"])
def test_hourly_aggregates_to_daily(market: DemoMarket, base: str) -> None:
    hourly = market.hourly_candles(base)
    assert len(hourly) == 1100 * 24  # >= 3 years of hours
    assert hourly.index[1] - hourly.index[0] == pd.Timedelta(hours=1)
    agg = hourly.resample("1D").agg(
        {
            "open": "first",
            "high": "max",
            "low": "min",
            "close": "last",
            "volume": "sum",
            "volume_usd": "sum",
        }
    )
    daily = market.daily_candles(base)
    pd.testing.assert_index_equal(agg.index, daily.index, check_names=False)
    np.testing.assert_allclose(agg.to_numpy(), daily.to_numpy(), rtol=1e-12)
    # continuity: each hour opens at the previous hour's close
    np.testing.assert_allclose(hourly["open"].to_numpy()[1:], hourly["close"].to_numpy()[:-1])


@pytest.mark.parametrize("base", ["BTC", "GLM", "KAS"])
def test_candle_invariants(market: DemoMarket, base: str) -> None:
    for frame in (market.daily_candles(base), market.hourly_candles(base)):
        values = frame.to_numpy()
        assert np.isfinite(values).all()
        assert (values > 0).all()
        assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
        assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
        typical_low, typical_high = frame["volume"] * frame["low"], frame["volume"] * frame["high"]
        assert (
            (frame["volume_usd"] >= typical_low * (1 - 1e-9))
            & (frame["volume_usd"] <= typical_high * (1 + 1e-9))
        ).all()


def test_contracts_tickers_books_funding(market: DemoMarket) -> None:
    specs = market.contract_specs()
    tickers = market.tickers()
    assert set(specs) == set(market.universe.bases) == set(tickers)
    for base, spec in specs.items():
        last = market.daily_candles(base)["close"].iloc[-1]
        assert spec.symbol == f"{base}/USDT:USDT"
        assert spec.min_notional_usd == 5.0
        assert spec.taker_fee_rate == 0.0005 and spec.maker_fee_rate == 0.0002
        assert spec.price_tick / last < 1e-3  # tick is a small fraction of the price
        assert spec.amount_step * last < 150  # one step is a small order (BTC: 0.001 BTC)
        assert tickers[base].last_price_usd == pytest.approx(last)
        assert abs(tickers[base].mark_price_usd / last - 1) < 0.01
    book = market.order_book("RENDER", depth=100)
    assert len(book.asks) == 100 and len(book.bids) == 100
    assert book.bids[0][0] < book.asks[0][0]
    assert all(a[0] < b[0] for a, b in zip(book.asks, book.asks[1:], strict=False))
    assert all(a[0] > b[0] for a, b in zip(book.bids, book.bids[1:], strict=False))
    assert all(size > 0 for _, size in book.bids + book.asks)
    funding = market.funding_history("RENDER")
    assert list(funding.columns) == ["funding_rate", "mark_price"]
    assert len(funding) == 1100 * 3
    assert (funding.index[1] - funding.index[0]) == pd.Timedelta(hours=8)
    assert funding["funding_rate"].abs().max() <= 0.0075
    hourly = market.hourly_candles("RENDER")
    np.testing.assert_allclose(
        funding["mark_price"].to_numpy(), hourly.loc[funding.index, "open"].to_numpy()
    )


def test_macro_and_sentiment_shapes(market: DemoMarket) -> None:
    macro = market.macro()
    assert list(macro.columns) == ["btc_dominance", "stablecoin_supply_usd", "equity_index"]
    assert macro["btc_dominance"].between(0, 1).all()
    assert (macro["stablecoin_supply_usd"] > 0).all()
    for frame in (market.social_volume(), market.onchain_activity()):
        assert list(frame.columns) == list(market.universe.bases)
        assert (frame >= 0).all().all()
        assert frame.index.equals(market.dates)


def test_demo_dataset_contract() -> None:
    dataset = demo_dataset(end=END)
    assert dataset.source == DEMO_SOURCE_LABEL
    assert dataset.is_demo
    assert dataset.universe == default_universe()
    assert dataset.bases == default_universe().bases
    assert dataset.missing_symbols == ()
    assert dataset.as_of == dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    for frame in (dataset.open, dataset.high, dataset.low, dataset.close, dataset.volume_usd):
        assert list(frame.columns) == list(dataset.universe.bases)
        assert frame.index.name == "date" and str(pd.DatetimeIndex(frame.index).tz) == "UTC"
    assert demo_dataset(end=END) is dataset  # memoised
    market = DemoMarket(end=END)
    np.testing.assert_array_equal(
        dataset.close["AKT"].to_numpy(), market.daily_candles("AKT")["close"].to_numpy()
    )


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError, match="days"):
        DemoMarket(days=10)
    with pytest.raises(InputError, match="seed"):
        DemoMarket(seed=-1)
    with pytest.raises(InputError, match="base"):
        DemoMarket(days=200).daily_candles("DOGE")


# ---------------------------------------------------------------------------- calibration


@pytest.fixture(scope="module")
def real_market(coinmetrics_dir: Path) -> RealMarket:
    return load_real_market(coinmetrics_dir)


@pytest.fixture(scope="module")
def compared(real_market: RealMarket) -> tuple[dict[str, float], dict[str, float]]:
    """(real, simulated) headline statistics by the same code on the same bases/sectors."""
    bases = list(real_market.close.columns)
    real = stats.summary_statistics(
        stats.ComparisonInputs(real_market.window, "BTC", real_market.sectors)
    )
    simulated = demo_dataset(end=END).close[bases]
    sim = stats.summary_statistics(stats.ComparisonInputs(simulated, "BTC", real_market.sectors))
    return real, sim


def test_real_data_is_what_the_readme_says(real_market: RealMarket) -> None:
    # 11 altcoins + LTC/BCH + BTC; RNDR mapped to RENDER; alt window 2022-01-01..2023-12-15
    assert set(real_market.close.columns) == {
        "RENDER",
        "THETA",
        "AKT",
        "GLM",
        "RLC",
        "FET",
        "WLD",
        "ARKM",
        "FIL",
        "AR",
        "GRT",
        "BCH",
        "LTC",
        "BTC",
    }
    assert real_market.window.index[0] == pd.Timestamp("2022-01-01", tz="UTC")
    assert real_market.window.index[-1] == pd.Timestamp("2023-12-15", tz="UTC")
    assert real_market.supply_usd is not None and len(real_market.supply_usd) == 1447


def test_volatility_and_beta_match_real(
    compared: tuple[dict[str, float], dict[str, float]],
) -> None:
    real, sim = compared
    assert sim["btc_daily_vol"] == pytest.approx(real["btc_daily_vol"], rel=0.25)
    assert sim["alt_median_daily_vol"] == pytest.approx(real["alt_median_daily_vol"], rel=0.25)
    assert sim["alt_median_beta"] == pytest.approx(real["alt_median_beta"], abs=0.2)
    assert sim["alt_median_corr_btc"] == pytest.approx(real["alt_median_corr_btc"], abs=0.15)


def test_fat_tails_and_clustering(compared: tuple[dict[str, float], dict[str, float]]) -> None:
    real, sim = compared
    assert real["alt_median_excess_kurtosis"] > 1 and sim["alt_median_excess_kurtosis"] > 1
    assert sim["btc_excess_kurtosis"] > 1
    # volatility clustering present in both, same order of magnitude (factor 2)
    for key in ("alt_median_acf_abs", "alt_median_acf_sq_1", "btc_acf_abs"):
        assert real[key] > 0.03 and sim[key] > 0.03
        assert 0.5 * real[key] <= sim[key] <= 2.0 * real[key], key


def test_correlation_structure(compared: tuple[dict[str, float], dict[str, float]]) -> None:
    real, sim = compared
    # weak residual correlation once BTC is removed
    assert sim["residual_corr_cross_sector"] == pytest.approx(
        real["residual_corr_cross_sector"], abs=0.12
    )
    assert sim["residual_corr_within_sector"] == pytest.approx(
        real["residual_corr_within_sector"], abs=0.15
    )
    # correlations rise on BTC's worst days, in the real data and in the simulator
    assert real["stress_pair_corr"] > real["normal_pair_corr"] + 0.05
    assert sim["stress_pair_corr"] > sim["normal_pair_corr"] + 0.05
    assert sim["stress_pair_corr"] == pytest.approx(real["stress_pair_corr"], abs=0.15)
    # render vs compute BTC-relative correlation turns negative sometimes, not mostly
    assert 0.0 < sim["neg_rel_corr_render_compute"] < 0.5
    assert sim["neg_rel_corr_render_compute"] == pytest.approx(
        real["neg_rel_corr_render_compute"], abs=0.1
    )


def test_stablecoin_supply_dynamics(real_market: RealMarket) -> None:
    assert real_market.supply_usd is not None
    real = stats.stablecoin_statistics(real_market.supply_usd)
    sim = stats.stablecoin_statistics(demo_dataset(end=END).macro["stablecoin_supply_usd"])
    assert sim["daily_log_mean"] == pytest.approx(real["daily_log_mean"], rel=0.5)
    assert sim["calm_daily_log_sd"] == pytest.approx(real["calm_daily_log_sd"], rel=0.3)
    assert 0.0 < sim["jump_share"] < 3 * real["jump_share"]


@pytest.fixture(scope="module")
def direct_fit(real_market: RealMarket) -> DemoParameters:
    return fit_parameters(real_market)[0]


def test_direct_fit_uses_ols_beta_and_sample_vol(
    real_market: RealMarket, direct_fit: DemoParameters
) -> None:
    fitted = direct_fit
    returns = _log(real_market.window).diff()
    for base in ("RENDER", "GRT", "LTC"):
        both = returns[[base, "BTC"]].dropna()
        slope = np.polyfit(both["BTC"], both[base], 1)[0]  # independent OLS reference
        assert float(fitted.assets[base]["beta"]) == pytest.approx(slope, abs=1e-3)
        assert float(fitted.assets[base]["daily_vol"]) == pytest.approx(both[base].std(), rel=1e-3)


def test_generated_params_module_round_trips(direct_fit: DemoParameters) -> None:
    text = render_params_module(direct_fit, command="python -m x --write", window="w", notes=[])
    namespace: dict[str, object] = {}
    exec(compile(text, "params.py", "exec"), namespace)  # the generated module is valid Python
    assert namespace["MARKET"] == dict(direct_fit.market)
    assert namespace["ASSETS"] == {k: dict(v) for k, v in direct_fit.assets.items()}
    assert namespace["SECTORS"] == {k: dict(v) for k, v in direct_fit.sectors.items()}
    assert namespace["STABLECOIN"] == dict(direct_fit.stablecoin)
    assert namespace["FIT_COMMAND"] == "python -m x --write"
    assert max(len(line) for line in text.splitlines()) <= 100  # ruff line length


def test_symbols_without_real_data_get_sector_averages() -> None:
    models = asset_models(default_universe())
    no_data = {b for b, m in models.items() if m.fitted_from.startswith("no real data")}
    assert no_data == {"LPT", "IO", "ATH", "TAO", "VIRTUAL", "KAS", "ETC", "ETH"}
    render_fitted = [models["RENDER"], models["THETA"]]
    assert models["LPT"].daily_vol == pytest.approx(np.mean([m.daily_vol for m in render_fitted]))
    assert models["LPT"].beta == pytest.approx(np.mean([m.beta for m in render_fitted]))
    doc = (Path(__file__).resolve().parents[2] / "docs" / "demo-market.md").read_text("utf-8")
    for base in no_data:
        assert base in doc
    assert "demo (simulated)" in doc


def test_garch_t_maximum_likelihood_recovers_known_parameters() -> None:
    # independent reference path: GARCH(1,1) with a=0.10, b=0.85, unit-variance t(6)
    rng = np.random.default_rng(5)
    n, a, b, nu = 4000, 0.10, 0.85, 6.0
    z = rng.standard_t(nu, n) / np.sqrt(nu / (nu - 2))
    x = np.empty(n)
    s2 = 1e-3
    for t in range(n):
        x[t] = np.sqrt(s2) * z[t]
        s2 = 1e-3 * (1 - a - b) + a * x[t] ** 2 + b * s2
    fa, fb, fnu = fit_garch_t(x)
    assert fa == pytest.approx(a, abs=0.04)
    assert fb == pytest.approx(b, abs=0.06)
    assert 4.0 <= fnu <= 10.0


# ------------------------------------------------------------ behaviour the analytics rely on


def test_divergence_episodes_precede_sector_moves(market: DemoMarket) -> None:
    close = _log(pd.DataFrame({b: market.daily_candles(b)["close"] for b in market.universe.bases}))
    btc = close["BTC"]
    social = _log(market.social_volume())
    chain = _log(market.onchain_activity())
    tops_after, accum_after, social_lead, chain_lead = [], [], [], []
    for e in market.episodes:
        if e.day < 40 or e.day + 20 >= market.days:
            continue
        members = list(market.universe.sectors[e.sector])
        rel = close[members].sub(btc, axis=0).mean(axis=1)  # sector vs BTC
        after = rel.iloc[e.day + 20] - rel.iloc[e.day]
        before_signal = slice(e.day - 3, e.day)
        baseline = slice(e.day - 40, e.day - 20)
        s_jump = (
            social[members].iloc[before_signal].mean().mean()
            - social[members].iloc[baseline].mean().mean()
        )
        c_jump = (
            chain[members].iloc[before_signal].mean().mean()
            - chain[members].iloc[baseline].mean().mean()
        )
        if e.kind == "top":
            tops_after.append(after)
            social_lead.append(s_jump - c_jump)
        else:
            accum_after.append(after)
            chain_lead.append(c_jump - s_jump)
    assert len(tops_after) >= 5 and len(accum_after) >= 5
    assert np.mean(tops_after) < 0 < np.mean(accum_after)
    assert np.mean(social_lead) > 0.5 and np.mean(chain_lead) > 0.5


def test_regimes_drive_macro_and_volume_follows_momentum(market: DemoMarket) -> None:
    macro = market.macro()
    regime = market.regime_labels()
    dominance_change = macro["btc_dominance"].diff(30).shift(-30)
    supply_change = _log_series(macro["stablecoin_supply_usd"]).diff(30).shift(-30)
    on, off = regime == "risk-on", regime == "risk-off"
    assert dominance_change[on].mean() < dominance_change[off].mean()
    assert supply_change[on].mean() > supply_change[off].mean()
    fet = market.daily_candles("FET")
    sector = market.universe.sectors["ai_inference"]
    idx = (
        _log(pd.DataFrame({b: market.daily_candles(b)["close"] for b in sector}))
        .diff()
        .mean(axis=1)
    )
    momentum = idx.rolling(7).sum()
    corr = _log_series(fet["volume_usd"]).corr(momentum)
    assert corr > 0.1


def test_every_output_is_labelled_demo(market: DemoMarket) -> None:
    frames = [
        market.daily_candles("BTC"),
        market.hourly_candles("LTC"),
        market.funding_history("FET"),
        market.macro(),
        market.social_volume(),
        market.onchain_activity(),
    ]
    dataset = demo_dataset(end=END)
    frames += [dataset.open, dataset.high, dataset.low, dataset.close, dataset.volume_usd]
    frames += [dataset.macro, dataset.social_volume, dataset.onchain_activity]
    assert all(frame.attrs.get("source") == DEMO_SOURCE_LABEL for frame in frames)
    assert market.source == DEMO_SOURCE_LABEL == dataset.source


def test_custom_universe_is_simulated_and_cached_separately() -> None:
    reordered = Universe(
        sectors={"benchmark": ("BTC",), "render": ("RENDER", "NEWCOIN")}, benchmark="BTC"
    )
    dataset = demo_dataset(end=END, days=200, universe=reordered)
    assert dataset.bases == ("BTC", "RENDER", "NEWCOIN")
    swapped = Universe(sectors={"render": ("RENDER", "NEWCOIN"), "benchmark": ("BTC",)})
    assert demo_dataset(end=END, days=200, universe=swapped).bases == ("RENDER", "NEWCOIN", "BTC")
    # BTC (the market factor) depends on the seed only, not on the rest of the universe
    default = demo_dataset(end=END, days=200)
    np.testing.assert_allclose(
        np.diff(np.log(dataset.close["BTC"].to_numpy())),
        np.diff(np.log(default.close["BTC"].to_numpy())),
    )
    assert "no real data" in DemoMarket(days=200, universe=reordered).models["NEWCOIN"].fitted_from


def test_shipped_seed_meets_every_calibration_band(
    compared: tuple[dict[str, float], dict[str, float]],
) -> None:
    real, sim = compared
    failures = [
        f"{band.statistic}: real {real[band.statistic]:.3f}, sim {sim[band.statistic]:.3f}, "
        f"{band.describe()}"
        for band in stats.CALIBRATION_BANDS
        if not band.holds(real[band.statistic], sim[band.statistic])
    ]
    assert failures == []


def test_band_arithmetic() -> None:
    # rel 25 % of 0.04 -> [0.03, 0.05]; abs 0.2 around 1.2 -> [1.0, 1.4]; factor 2 of 0.1
    rel, absolute, factor = (
        stats.Band("x", "rel", 0.25),
        stats.Band("x", "abs", 0.2),
        stats.Band("x", "factor", 2.0),
    )
    assert rel.holds(0.04, 0.0499) and not rel.holds(0.04, 0.0501)
    assert absolute.holds(1.2, 1.01) and not absolute.holds(1.2, 0.99)
    assert factor.holds(0.1, 0.051) and factor.holds(0.1, 0.199) and not factor.holds(0.1, 0.21)
    assert not rel.holds(float("nan"), 1.0)


def test_daily_path_needs_no_hourly_and_agrees_with_it(market: DemoMarket) -> None:
    """The dataset's daily frames, tickers and books are the per-base artifacts, exactly."""
    fresh = DemoMarket(seed=DEFAULT_SEED, days=1100, end=END)
    closes = fresh.daily_frame("close")
    tickers = fresh.tickers()
    assert fresh._hourly_cache == {}  # nothing hourly was simulated for these
    for base in ("BTC", "GLM", "VIRTUAL"):
        daily = market.daily_candles(base)
        for column in ("open", "high", "low", "close", "volume_usd"):
            np.testing.assert_array_equal(fresh.daily_frame(column)[base], daily[column])
        assert tickers[base].last_price_usd == closes[base].iloc[-1]
        funding = market.funding_history(base)["funding_rate"]
        assert tickers[base].funding_rate == funding.iloc[-1]
        assert tickers[base].volume_24h_usd == daily["volume_usd"].iloc[-1]
    dataset = demo_dataset(end=END)
    assert set(dataset.order_books) == set(market.universe.bases)
    assert dataset.order_books["RENDER"] == market.order_book("RENDER")


def test_daily_range_is_the_brownian_bridge_extreme(market: DemoMarket) -> None:
    """High/low beyond the candle body follow P(max > m) = exp(-2 m (m - a) / sigma^2).

    Checked through its mean: for a driftless bridge (a = 0) E[max] = sqrt(pi / 8) sigma.
    Days with |a| small relative to sigma are compared with that closed form.
    """
    j = market.universe.bases.index("FET")
    sigma = market._daily["cond_vol"][:, j]
    daily = market.daily_candles("FET")
    a = np.log(daily["close"] / daily["open"]).to_numpy()
    up = np.log(daily["high"] / daily["open"]).to_numpy() / sigma
    flat = np.abs(a) < 0.1 * sigma
    assert flat.sum() > 50
    assert up[flat].mean() == pytest.approx(np.sqrt(np.pi / 8), rel=0.15)


def test_the_committed_page_is_the_calibration_report(coinmetrics_dir: Path,
                                                      tmp_path: Path) -> None:
    """docs/demo-market.md is generated (its first line says so): every real and simulated
    figure on it is what ``--report`` computes today from the data and the shipped
    parameters; only the generation date may differ."""
    from tools.demo_calibrate import main

    fresh = tmp_path / "demo-market.md"
    assert main([str(coinmetrics_dir), "--report", str(fresh)]) == 0
    doc = Path(__file__).resolve().parents[2] / "docs" / "demo-market.md"

    def undated(path: Path) -> list[str]:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[2].startswith("_Generated by `tools/demo_calibrate.py` on ")
        return lines[:2] + lines[3:]

    assert undated(doc) == undated(fresh), (
        "regenerate: python -m tools.demo_calibrate ../shared/data/coinmetrics "
        "--report docs/demo-market.md")
