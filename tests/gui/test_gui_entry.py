"""Entry points: ``rotation gui`` and ``rotation-desk`` open and paint the real window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from rotation_addin.cli.gui_cmd import run_gui
from rotation_addin.cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]


def test_rotation_gui_opens_and_paints(isolated_home: Path) -> None:
    """``rotation gui`` in its own process (running the app's event loop inside pytest's
    QApplication would quit that application for the tests after it)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ROTATION_DESK_HOME=str(isolated_home))
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from rotation_addin.cli.main import main; "
         "sys.exit(main(['gui', '--exit-after-paint']))"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "first-paint" in done.stdout
    assert build_parser().parse_args(["gui"]).handler is run_gui


def test_rotation_desk_script_entry_in_a_fresh_process(isolated_home: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ROTATION_DESK_HOME=str(isolated_home))
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from gui.main import main; "
         "sys.exit(main(['--exit-after-paint']))"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "first-paint"
    # nothing loaded before the first paint: no cache file was created
    assert not (isolated_home / "data" / "cache.sqlite3").exists()


TABS = ("quick-check", "sectors", "correlation", "regime", "plan", "venues", "backtest",
        "journal", "settings", "live", "quick-check-error")
"""Every tab of the window (Live included) plus the Quick check in error."""


def _mean_luminance(image: Any) -> float:
    """Mean WCAG relative luminance of a 16-pixel grid of the image (formula written here)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    values = []
    for x in range(0, image.width(), 16):
        for y in range(0, image.height(), 16):
            colour = image.pixelColor(x, y)
            values.append(0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF())
                          + 0.0722 * linear(colour.blueF()))
    return sum(values) / len(values)


def test_screenshot_command_writes_every_tab(tmp_path: Path, isolated_home: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ROTATION_DESK_HOME=str(isolated_home))
    done = subprocess.run(
        [sys.executable, "-m", "gui.screenshots", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = sorted(p.name for p in tmp_path.glob("gui-*.png"))
    assert names == sorted([f"gui-{tab}.png" for tab in TABS] +
                           [f"gui-{tab}-dark.png" for tab in TABS])
    assert sorted(Path(line).name for line in done.stdout.split()) == names
    from PySide6.QtGui import QImage

    for path in tmp_path.glob("gui-*.png"):
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800), path.name
        # not a blank canvas: many distinct colours
        colours = {image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 800, 16)}
        assert len(colours) > 8, path.name
        # the dark ones are dark, the light ones light
        if path.stem.endswith("-dark"):
            assert _mean_luminance(image) < 0.1, path.name
        else:
            assert _mean_luminance(image) > 0.5, path.name
