"""Alerts at the desk: stored rules evaluated on observations, the history in a real SQLite
file (append-only), demo labels, stale silence, and one firing per crossing even with two
evaluations racing."""

from __future__ import annotations

import math
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from rotation_addin.core.constants import DEMO_SOURCE_LABEL
from rotation_addin.core.errors import InputError
from rotation_addin.core.rotation import Position
from rotation_addin.core.types import Side
from rotation_addin.data.alert_store import AlertStore, alerts_path
from rotation_addin.data.positions import write_positions
from rotation_addin.desk import alerts
from rotation_addin.desk.journal import OrderRequest, open_trade
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.live_book import live_book
from rotation_addin.desk.session import DeskSession
from rotation_addin.journal.store import journal_path
from tests.journal.helpers import demo_market, inputs

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _obs(price: float, step: int = 0, *, stale: bool = False, demo: bool = False,
         base: str = "RENDER") -> alerts.Observation:
    at = T0 + timedelta(minutes=step)
    return alerts.Observation(at, {base: price}, demo, stale, "binanceusdm", {}, at)


def test_no_rule_no_file_nothing_fires() -> None:
    assert alerts.evaluate_alerts(DeskSession(), _obs(1.0)) == []
    assert not alerts_path().exists()
    assert alerts.list_rules() == () and alerts.history() == ()


def test_price_path_fires_once_per_crossing_and_is_kept_in_history() -> None:
    rule = alerts.add_rule("price_above", "render", 10.0, hysteresis=1.0)  # re-arm < 9.9
    desk = DeskSession()
    path = [9.5, 10.1, 10.1, 9.95, 10.4, 9.8, 10.0]
    fired = [i for i, p in enumerate(path)
             for _ in alerts.evaluate_alerts(desk, _obs(p, i))]
    assert fired == [1, 6]
    kept = alerts.history()
    assert [f.fired_at for f in kept] == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=6)]
    assert {f.rule_id for f in kept} == {rule.rule_id}
    assert all(not f.demo and f.label == "binanceusdm" for f in kept)
    assert kept[0].value == 10.1 and "RENDER 10.1 USD" in kept[0].message


def test_stale_observation_is_silent_except_stale_rule() -> None:
    alerts.add_rule("price_above", "RENDER", 10.0)
    alerts.add_rule("stale_data", threshold=1.0)
    desk = DeskSession()
    old = alerts.Observation(T0, {"RENDER": 12.0}, False, True, "cache", {},
                             T0 + timedelta(hours=40))
    assert [f.kind for f in alerts.evaluate_alerts(desk, old)] == ["stale_data"]
    fresh = alerts.Observation(T0 + timedelta(hours=41), {"RENDER": 12.0}, False, False,
                               "binanceusdm", {}, T0 + timedelta(hours=41))
    assert [f.kind for f in alerts.evaluate_alerts(desk, fresh)] == ["price_above"]


def test_demo_dataset_firings_are_labelled_demo_and_states_kept_apart() -> None:
    desk = DeskSession()
    dataset = desk.dataset("demo")
    observation = alerts.observation_from_dataset(dataset)
    assert observation.demo and not observation.stale
    price = observation.prices_usd["BTC"]
    alerts.add_rule("price_above", "BTC", price * 0.9)
    first = alerts.evaluate_alerts(desk, observation, dataset=dataset)
    assert len(first) == 1 and first[0].demo and first[0].label == DEMO_SOURCE_LABEL
    assert alerts.evaluate_alerts(desk, observation, dataset=dataset) == []
    # a live observation above the level fires for itself: demo states are kept apart
    assert len(alerts.evaluate_alerts(desk, _obs(price, base="BTC"), dataset=dataset)) == 1


def test_stop_near_in_sigmas_uses_the_hand_computed_ewma_sigma() -> None:
    desk = DeskSession()
    dataset = desk.dataset("demo")
    closes = dataset.close["FET"].dropna().iloc[-180:].to_numpy()
    squared = np.diff(np.log(closes)) ** 2
    variance = squared[0]
    for value in squared[1:]:  # RiskMetrics: s2 = 0.94 s2 + 0.06 r2, seeded with r2_1
        variance = 0.94 * variance + 0.06 * value
    sigma = math.sqrt(variance)
    price = 100.0
    stop = price * (1 - 1.2 * sigma)  # 1.2 sigmas below the price
    write_positions([Position("FET", Side.LONG, 3.0, 105.0, stop, None, T0)])
    alerts.add_rule("stop_near", "*", 1.5, unit="sigma")
    fired = alerts.evaluate_alerts(desk, _obs(price, base="FET"), dataset=dataset)
    assert len(fired) == 1 and fired[0].subject == "FET"
    assert fired[0].value == pytest.approx(1.2, rel=1e-9)


def test_risk_cap_near_from_positions_file() -> None:
    desk = DeskSession()
    dataset = desk.dataset("demo")
    # equity 10,000, cap 6 % = 600 USD; loss if stopped = 10 x (100 - 55) + costs
    # 10 x 55 x (0.0005 + 0.0005) = 450.55 -> 75.09 % of the cap
    write_positions([Position("FET", Side.LONG, 10.0, 100.0, 55.0, None, T0)])
    alerts.add_rule("risk_cap_near", threshold=75.0)
    fired = alerts.evaluate_alerts(desk, _obs(100.0, base="FET"), dataset=dataset)
    assert len(fired) == 1
    assert fired[0].value == pytest.approx(100 * 450.55 / 600.0)


def test_removed_rule_stops_firing_and_its_history_stays() -> None:
    rule = alerts.add_rule("price_below", "RENDER", 5.0)
    desk = DeskSession()
    assert len(alerts.evaluate_alerts(desk, _obs(4.0))) == 1
    assert alerts.remove_rules([rule.rule_id]) == (rule.rule_id,)
    assert alerts.evaluate_alerts(desk, _obs(6.0, 1)) == []
    assert alerts.evaluate_alerts(desk, _obs(4.0, 2)) == []
    assert len(alerts.history()) == 1
    with pytest.raises(InputError, match=r"rule_id: must be the id of an active rule"):
        alerts.remove_rules([rule.rule_id])


def test_history_is_append_only() -> None:
    alerts.add_rule("price_below", "RENDER", 5.0)
    alerts.evaluate_alerts(DeskSession(), _obs(4.0))
    conn = sqlite3.connect(alerts_path())
    for statement in ("UPDATE firings SET message = 'x'", "DELETE FROM firings",
                      "DELETE FROM rules", "UPDATE rules SET threshold = 1"):
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute(statement)
    conn.close()
    assert len(alerts.history()) == 1


def test_two_racing_evaluations_fire_a_crossing_once() -> None:
    alerts.add_rule("price_above", "RENDER", 10.0)
    results: list[int] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(len(alerts.evaluate_alerts(DeskSession(), _obs(11.0))))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    with AlertStore() as store:
        assert store.count_firings() == 1


def test_liquidation_near_reads_the_paper_journal_as_the_live_book_does() -> None:
    market = demo_market()
    price = current_quote(market, "RENDER").price_usd
    opened = open_trade(inputs(market, journal_path()),
                        OrderRequest("RENDER", "long", stop=price * 0.95, quantity=10.0,
                                     leverage=5))
    liq = opened.check.liquidation_price_usd
    assert liq is not None and 0 < liq < price * 0.95  # a long's liquidation below its stop
    rule = alerts.add_rule("liquidation_near", "*", 3.0, unit="sigma")
    session = DeskSession()
    seen = alerts.alert_inputs(session, _obs(price), (rule,), dataset=market)
    assert {p.base: p.liquidation_price_usd for p in seen.positions} == {"RENDER": liq}
    assert live_book(session, dataset=market).liquidation_prices == {"RENDER": liq}
