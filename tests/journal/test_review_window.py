"""The review's dates have one rule (``desk.journal_ops.review_window``): ``to`` is not before
``from``, neither is after now. The CLI names the flag typed (``--from``), the app's Journal
tab outlines the date field with the same reason; a window that is allowed reviews the trades
closed in it on both.

The app runs offscreen (pytest-qt) on the demo market with a journal in ``tmp_path``; the
CLI is the real entry point in-process.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gui.journal_view import JournalView
from gui.palette import TONE_PROPERTY
from rotation_addin.core.errors import InputError
from rotation_addin.desk.journal_market import current_quote
from rotation_addin.desk.journal_ops import review, review_window
from tests.cli_helpers import one_line_error, run
from tests.journal.helpers import demo_market, inputs, journal_view_on_demo

NOW = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(("start", "to", "field", "reason"), [
    (datetime(2026, 12, 8, tzinfo=UTC), None, "from",
     "must not be after now 2026-12-07 17:30 UTC (got 2026-12-08)"),
    (None, datetime(2026, 12, 7, 17, 31, tzinfo=UTC), "to",
     "must not be after now 2026-12-07 17:30 UTC (got 2026-12-07 17:31)"),
    (datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 4, tzinfo=UTC), "to",
     "must be on or after from 2026-12-05 (got 2026-12-04)"),
])
def test_the_desk_refuses_a_window_naming_its_field(start, to, field, reason):
    with pytest.raises(InputError) as refused:
        review_window(start, to, NOW)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_the_desk_window_runs_to_the_end_of_the_to_day_or_to_now():
    day = datetime(2026, 12, 5, tzinfo=UTC)
    assert review_window(day, day, NOW) == (day, datetime(2026, 12, 6, tzinfo=UTC))
    assert review_window(day, None, NOW) == (day, NOW + timedelta(milliseconds=1))
    assert review_window(None, None, NOW) == (None, None)  # the review's last 7 days
    assert review_window(NOW, NOW, NOW)[0] == NOW  # now itself is not after now


def test_the_desk_review_refuses_a_start_after_now(tmp_path):
    desk = inputs(demo_market(), tmp_path / "j.sqlite3", now=NOW)
    with pytest.raises(InputError) as refused:
        review(desk, start=NOW + timedelta(minutes=1))
    assert refused.value.field == "from"
    assert refused.value.reason == "must not be after now 2026-12-07 17:30 UTC (got " \
        "2026-12-07 17:31)"


def test_the_cli_says_it_with_the_flag_typed(capsys, tmp_path):
    journal = tmp_path / "j.sqlite3"
    code, _, err = run(capsys, "trade", "note", "start", "--journal-file", str(journal))
    assert code == 0, err
    code, _, err = run(capsys, "journal", "review", "--from", "9999-01-01",
                       "--journal-file", str(journal))
    assert code == 2 and one_line_error(err).startswith(
        "rotation: invalid input: --from: must not be after now ")
    assert one_line_error(err).endswith(" UTC (got 9999-01-01)")


@pytest.fixture
def view(qtbot, tmp_path) -> JournalView:
    return journal_view_on_demo(qtbot, tmp_path)


def _type_dates(view: JournalView, start: str, to: str) -> bool:
    view.edits["review_from"].setText(start)  # type: ignore[attr-defined]
    view.edits["review_to"].setText(to)  # type: ignore[attr-defined]
    return view.review_typed()


def test_the_app_shows_a_refused_date_on_its_field(view):
    before = view.review_label.text()
    now = view.inputs_factory().now
    tomorrow = f"{now + timedelta(days=1):%Y-%m-%d}"
    for start, to, field, words in (
            (tomorrow, "", "review_from", "from: must not be after now "),
            ("", tomorrow, "review_to", "to: must not be after now "),
            ("2026-11-05", "2026-11-04", "review_to",
             "to: must be on or after from 2026-11-05 (got 2026-11-04)"),
            ("garbage", "", "review_from", "from: must be an ISO date like 2026-11-20 or "
                                           "2026-11-20T08:00 (got 'garbage')")):
        assert _type_dates(view, start, to) is False
        assert list(view.errors) == [field], (start, to, view.errors)
        assert view.errors[field].startswith(words), view.errors[field]
        assert view.error_labels[field].text() == view.errors[field]
        assert view.edits[field].property(TONE_PROPERTY) == "field-error"
        assert view.review_dates == (None, None)  # the review kept its window
    assert view.review_label.text() == before
    assert before.startswith("<b>Weekly review (paper)</b>")


def test_the_app_reviews_the_dates_typed(view):
    market = demo_market()
    price = current_quote(market, "AKT").price_usd
    for name, text in (("symbol", "AKT"), ("stop", f"{price * 1.05!r}"), ("quantity", "10"),
                       ("override", "test")):
        view.edits[name].setText(text)  # type: ignore[attr-defined]
    view.edits["side"].setCurrentText("short")  # type: ignore[attr-defined]
    assert view.open_typed(), view.errors
    assert view.close_typed(), view.errors
    now = view.inputs_factory().now
    today, week_ago = f"{now:%Y-%m-%d}", f"{now - timedelta(days=7):%Y-%m-%d}"
    yesterday = f"{now - timedelta(days=1):%Y-%m-%d}"
    assert "trades closed: 1" in view.review_label.text()  # the default week holds the close
    assert _type_dates(view, week_ago, yesterday), view.errors  # before the trade
    assert view.review_label.text().startswith(
        f"<b>Review (paper), {week_ago} 00:00 to {today} 00:00 UTC</b>")
    assert "trades closed: 0" in view.review_label.text()
    assert _type_dates(view, today, ""), view.errors  # today, up to now
    assert "trades closed: 1" in view.review_label.text()
    assert not view.errors
