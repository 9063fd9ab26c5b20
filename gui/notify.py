"""Desktop notifications of alert firings, throttled, and the scheduled refresh's clock.

:class:`NotificationThrottle` (no Qt) lets one notification through per ``min_interval_s``
and folds what arrives meanwhile into the next one ("3 more alerts"); :class:`Notifier` shows
them with ``QSystemTrayIcon.showMessage`` where the platform has a tray, and always in the
Live tab's log and the status bar (offscreen and trayless desktops get the same text).
:func:`next_run` is the scheduled refresh's arithmetic (runs aligned to the period in UTC).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

NOTIFY_MIN_INTERVAL_S = 30.0
"""At most one desktop notification per 30 s; firings in between are folded into the next."""
SCHEDULE_CHOICES: tuple[tuple[str, int], ...] = (
    ("off", 0), ("every 15 min", 15), ("every hour", 60), ("every 4 hours", 240),
    ("every day", 1440))
"""Scheduled refresh periods offered (label, minutes; 0 = off)."""


@dataclass
class NotificationThrottle:
    """One notification per ``min_interval_s``; the rest wait and are summarised."""

    min_interval_s: float = NOTIFY_MIN_INTERVAL_S
    clock: Callable[[], float] = time.monotonic
    last_shown: float = -float("inf")
    waiting: list[str] = field(default_factory=list)

    def offer(self, lines: list[str]) -> str | None:
        """Queue ``lines``; return the text to show now, or None (throttled)."""
        self.waiting.extend(lines)
        return self.flush()

    def flush(self) -> str | None:
        """The waiting text if the interval has passed (call it from a timer), else None."""
        if not self.waiting or self.clock() - self.last_shown < self.min_interval_s:
            return None
        first, more = self.waiting[0], len(self.waiting) - 1
        self.waiting.clear()
        self.last_shown = self.clock()
        return first if not more else f"{first}\n(+{more} more alert{'s' if more > 1 else ''})"


class Notifier:
    """Show throttled notifications in the tray (where there is one) and through ``echo``."""

    def __init__(self, echo: Callable[[str], None],
                 throttle: NotificationThrottle | None = None) -> None:
        self.echo = echo
        self.throttle = throttle or NotificationThrottle()
        self.shown: list[str] = []
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            app = QApplication.instance()
            icon = app.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation) \
                if isinstance(app, QApplication) else QIcon()
            self.tray = QSystemTrayIcon(icon)
            self.tray.setToolTip("Rotation Desk alerts")
            self.tray.show()

    def notify(self, lines: list[str]) -> None:
        """Offer alert lines (each is also echoed at once); show what the throttle lets out."""
        for line in lines:
            self.echo(line)
        self._show(self.throttle.offer(lines))

    def tick(self) -> None:
        """Called by a timer: show folded notifications once the interval has passed."""
        self._show(self.throttle.flush())

    def _show(self, text: str | None) -> None:
        if text is None:
            return
        self.shown.append(text)
        if self.tray is not None:
            self.tray.showMessage("Rotation Desk alert", text,
                                  QSystemTrayIcon.MessageIcon.Information, 10_000)


def next_run(now: datetime, every_minutes: int) -> datetime:
    """The next scheduled refresh after ``now``: the next multiple of the period since
    midnight UTC (hourly -> on the hour; every 4 hours -> 00, 04, 08 … UTC)."""
    if every_minutes <= 0:
        raise ValueError("every_minutes must be > 0")
    now = now.astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (now - midnight) // timedelta(minutes=1)
    return midnight + timedelta(minutes=(elapsed // every_minutes + 1) * every_minutes)
