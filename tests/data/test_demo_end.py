"""The demo market's last day: yesterday UTC, or the date ``$ROTATION_DEMO_END`` names.

Every surface reads it from ``demo.default_end`` (the simulator, the memoised dataset, a demo
refresh's fingerprint, ``rotation data status``). The suite pins it for its whole session
(tests/conftest.py): the default moves at midnight UTC, and a run that crossed it compared a
demo refresh cached before midnight with a demo built after (the cache, rightly, refused).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from rotation_addin.core.errors import DataError, InputError
from rotation_addin.core.universe import Universe
from rotation_addin.data.demo import DEMO_END_ENV, DemoMarket, default_end, demo_dataset
from rotation_addin.data.loader import load_market
from rotation_addin.data.refresh import current_demo_fingerprint, refresh_demo
from tests.cli_helpers import run

SMALL = Universe({"render": ("RENDER", "LPT"), "benchmark": ("BTC",)})


def _yesterday_utc() -> date:
    return (datetime.now(UTC) - timedelta(days=1)).date()


def test_without_the_setting_the_demo_ends_yesterday_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEMO_END_ENV, raising=False)
    before = _yesterday_utc()
    ends = {default_end(), DemoMarket(days=120).end}
    assert ends <= {before, _yesterday_utc()}, ends  # one of the two if midnight passed


def test_the_setting_names_the_last_day_on_every_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_END_ENV, " 2025-03-04 ")
    day = date(2025, 3, 4)
    assert default_end() == day and DemoMarket(days=120).end == day
    assert demo_dataset(days=120, universe=SMALL).close.index[-1].date() == date(2025, 3, 4)
    assert current_demo_fingerprint(None, SMALL)["end"] == "2025-03-04"


def test_a_malformed_setting_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_END_ENV, "yesterday")
    with pytest.raises(InputError) as caught:
        default_end()
    assert caught.value.field == DEMO_END_ENV
    assert str(caught.value) == (f"{DEMO_END_ENV}: must be an ISO date like 2026-11-20 "
                                 "(got 'yesterday')")


def test_a_refresh_is_read_on_its_own_day_and_refused_on_the_next(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # what midnight UTC does to an unpinned run: the cached run is the previous day's
    cache = tmp_path / "cache.sqlite3"
    monkeypatch.setenv(DEMO_END_ENV, "2025-03-04")
    assert refresh_demo(SMALL, cache=cache).ok
    cached = load_market("cache", exchange_id="demo", universe=SMALL, cache_file=cache)
    assert cached.close.index[-1].date() == date(2025, 3, 4)
    monkeypatch.setenv(DEMO_END_ENV, "2025-03-05")
    with pytest.raises(DataError, match="end: cached 2025-03-04, current 2025-03-05"):
        load_market("cache", exchange_id="demo", universe=SMALL, cache_file=cache)
    code, out, _ = run(capsys, "data", "status", "--cache", str(cache))
    assert code == 0
    assert "ends 2025-03-04, the demo market now ends 2025-03-05" in out
