"""Alerts on live prices: the one evaluation (``desk.alerts.evaluate_alerts``) fed by ticks.

``rotation watch`` and the app's Live toggle call :func:`live_alert_lines` with the latest
price of each base; it builds the desk's :class:`~rotation_addin.desk.alerts.Observation`
(live prices are neither demo nor stale) and returns one printable line per new firing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from rotation_addin.core.alert_eval import AlertFiring
from rotation_addin.desk.alerts import Observation, evaluate_alerts, list_rules
from rotation_addin.desk.session import DeskSession


def firing_text(firing: AlertFiring) -> str:
    """One line for a terminal or a notification: ``[label] alert #3 price_above … : …``."""
    return (f"[{firing.label}] alert #{firing.rule_id} {firing.kind} "
            f"{firing.fired_at:%Y-%m-%d %H:%M} UTC: {firing.message}")


def live_alert_lines(session: DeskSession, prices: Mapping[str, float], as_of: datetime,
                     source: str, *, path: Path | None = None) -> list[str]:
    """Evaluate the stored rules on live ``prices`` (USD by base) stamped ``as_of``.

    Returns one line per new firing (:func:`firing_text`);
    nothing is evaluated, and no file created, when no rule is stored.
    """
    if not list_rules(path):
        return []
    observation = Observation(as_of, dict(prices), demo=False, stale=False, source=source)
    return [firing_text(f) for f in evaluate_alerts(session, observation, path=path)]
