"""Render every tab of the app to PNG, offscreen: ``python -m gui.screenshots OUTDIR``.

Uses the demo market (no network) and a throw-away ``ROTATION_DESK_HOME`` unless one is set,
so it never touches the user's settings or cache. Files: ``gui-quick-check.png``,
``gui-quick-check-error.png``, ``gui-sectors.png``, ``gui-correlation.png``,
``gui-regime.png``, ``gui-plan.png``, ``gui-venues.png`` (the demo market's own venue only:
no network here), ``gui-backtest.png`` (before a run), ``gui-settings.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from gui.main_window import TAB_NAMES, MainWindow
from gui.pipeline import load_snapshot
from rotation_addin.data.settings import Settings

WINDOW_SIZE = (1280, 800)


def _slug(name: str) -> str:
    return "gui-" + name.lower().replace(" ", "-")


def _settle(app: object, seconds: float = 0.3) -> None:
    """Process events for a while (debounced validation, layouts, chart ranges)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def _compare_demo_venue(app: object, window: object) -> None:
    """Venues tab: the plan's orders, then RENDER at 20,000 USD, on the demo market's own
    venue (no live venues: no network here)."""
    venues = window.venues  # type: ignore[attr-defined]
    venues.symbol_box.setCurrentText("RENDER")
    venues.edits["venues"].setText("")
    for start in (venues.price_plan, venues.compare):
        task = start()
        end = time.monotonic() + 30
        while task is not None and not task.done.is_set() and time.monotonic() < end:
            _settle(app, 0.05)
        _settle(app, 0.1)


def render_all(outdir: Path) -> list[Path]:
    """Open the window on the demo market and save one PNG per tab (plus an error state)."""
    app = QApplication.instance() or QApplication(["rotation-desk-screenshots"])
    outdir.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    window = MainWindow(settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app, 0.1)
    window.apply_snapshot(load_snapshot(settings, "demo"))
    quick = window.quick_check
    quick.symbol_box.setCurrentText("RENDER")
    quick.use_last_price()
    quick.recompute()
    _compare_demo_venue(app, window)
    written: list[Path] = []
    for index, name in enumerate(TAB_NAMES):
        window.tabs.setCurrentIndex(index)
        _settle(app)
        path = outdir / f"{_slug(name)}.png"
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        written.append(path)
    window.tabs.setCurrentIndex(0)
    entry = float(quick.fields["entry_price_usd"].text())
    quick.fields["stop_price_usd"].setText(f"{entry * 1.03:.4g}")
    quick.recompute()
    _settle(app)
    path = outdir / "gui-quick-check-error.png"
    window.grab().save(str(path))
    written.append(path)
    window.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: render the PNGs into OUTDIR and list them."""
    parser = argparse.ArgumentParser(prog="python -m gui.screenshots", description=__doc__)
    parser.add_argument("outdir", type=Path, help="folder for the PNG files")
    args = parser.parse_args(list(argv) if argv is not None else None)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not os.environ.get("ROTATION_DESK_HOME"):
        os.environ["ROTATION_DESK_HOME"] = tempfile.mkdtemp(prefix="rotation-screens-")
    for path in render_all(args.outdir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
