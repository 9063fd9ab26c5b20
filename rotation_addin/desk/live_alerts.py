"""Alerts on live prices: the one evaluation (``desk.alerts.evaluate_alerts``) fed by ticks.

``rotation watch`` and the app's Live toggle call :func:`live_alert_lines` with the latest
price of each base; it builds the desk's :class:`~rotation_addin.desk.alerts.Observation`
(live prices are neither demo nor stale) and returns one printable line per new firing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from rotation_addin.desk.alerts import Observation, evaluate_alerts, firing_line, list_rules
from rotation_addin.desk.session import DeskSession


def live_alert_lines(session: DeskSession, prices: Mapping[str, float], as_of: datetime,
                     source: str, *, path: Path | None = None) -> list[str]:
    """Evaluate the stored rules on live ``prices`` (USD by base) stamped ``as_of``.

    Returns one line per new firing (:func:`~rotation_addin.desk.alerts.firing_line`, as
    ``rotation alerts`` prints them);
    nothing is evaluated, and no file created, when no rule is stored.
    """
    if not list_rules(path):
        return []
    observation = Observation(as_of, dict(prices), demo=False, stale=False, source=source)
    return [firing_line(f) for f in evaluate_alerts(session, observation, path=path)]
