"""Render every tab of the app to PNG in the light and the dark palette, offscreen:
``python -m gui.screenshots OUTDIR``.

Uses the demo market (no network) and a throw-away ``ROTATION_DESK_HOME`` unless one is set,
so it never touches the user's settings or cache. One file per tab and palette:
``gui-<tab>.png`` (light: Fusion's standard palette) and ``gui-<tab>-dark.png``
(:func:`gui.palette.dark_palette`, switched on the running window as a desktop's dark mode
would), for ``quick-check``, ``sectors``, ``correlation``, ``regime``, ``plan``, ``venues``
(the demo market's own venue only: no network here), ``backtest`` (after a backtest and
the default sweep),
``journal``, ``settings`` and ``live`` (Live off: no network), plus ``gui-quick-check-error``
(an impossible stop) in both palettes.
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

from gui.main_window import MainWindow
from gui.palette import dark_palette, light_palette
from gui.pipeline import load_snapshot
from rotation_addin.data.settings import Settings

WINDOW_SIZE = (1280, 800)
PALETTES = ("light", "dark")
"""Palettes rendered, in order; the dark files end in ``-dark``."""


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


def _run_backtest_and_sweep(app: object, window: object) -> None:
    """Backtest tab: the whole-strategy backtest, then the default sweep, on the demo market."""
    for start in (window.run_backtest, window.run_sweep):  # type: ignore[attr-defined]
        task = start()
        end = time.monotonic() + 120
        while task is not None and not task.done.is_set() and time.monotonic() < end:
            _settle(app, 0.05)
        _settle(app, 0.1)


def png_name(tab: str, palette: str) -> str:
    """File name of a tab's screenshot: ``gui-quick-check.png``, ``gui-plan-dark.png``."""
    return f"{_slug(tab)}{'' if palette == 'light' else '-' + palette}.png"


def _save(window: object, path: Path) -> Path:
    if not window.grab().save(str(path)):  # type: ignore[attr-defined]
        raise OSError(f"could not write {path}")
    return path


def _render_palette(app: object, window: object, outdir: Path, palette: str) -> list[Path]:
    """Every tab of ``window`` in ``palette``, then the Quick check with an impossible stop."""
    QApplication.setPalette(dark_palette() if palette == "dark" else light_palette())
    quick = window.quick_check  # type: ignore[attr-defined]
    tabs = window.tabs  # type: ignore[attr-defined]
    quick.symbol_box.setCurrentText("RENDER")
    quick.use_last_price()
    quick.recompute()
    written = []
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        _settle(app)
        written.append(_save(window, outdir / png_name(tabs.tabText(index), palette)))
    tabs.setCurrentIndex(0)
    entry = float(quick.fields["entry_price_usd"].text())
    quick.fields["stop_price_usd"].setText(f"{entry * 1.03:.4g}")
    quick.recompute()
    _settle(app)
    written.append(_save(window, outdir / png_name("quick check error", palette)))
    return written


def render_all(outdir: Path, palettes: Sequence[str] = PALETTES) -> list[Path]:
    """Open the window on the demo market and save one PNG per tab and palette (plus an
    error state per palette)."""
    app = QApplication.instance() or QApplication(["rotation-desk-screenshots"])
    QApplication.setStyle("Fusion")
    outdir.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    window = MainWindow(settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    _settle(app, 0.1)
    window.apply_snapshot(load_snapshot(settings, "demo"))
    window.quick_check.symbol_box.setCurrentText("RENDER")
    _compare_demo_venue(app, window)
    _run_backtest_and_sweep(app, window)
    written: list[Path] = []
    for palette in palettes:
        written += _render_palette(app, window, outdir, palette)
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
