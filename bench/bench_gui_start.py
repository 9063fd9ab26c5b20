"""Cold start of the desktop app to its first painted window, against a bare PySide6 window.

Each repetition starts a fresh Python process (``QT_QPA_PLATFORM=offscreen``) and measures the
wall-clock time from ``Popen`` to the child printing ``first-paint`` -- printed from the first
``QEvent.Paint`` the window receives. The baseline is the same measurement for a script that
creates a ``QApplication`` and an empty ``QWidget``; the two alternate so machine load hits
both alike. Target: app / bare <= 2.

Run: ``.venv/bin/python bench/bench_gui_start.py [--repeat 9]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_WINDOW = r"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv)
window = QWidget()
window.resize(1200, 760)

class FirstPaint(QObject):
    done = False
    def eventFilter(self, watched, event):
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            print("first-paint", flush=True)
            QTimer.singleShot(0, app.quit)
        return False

watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

APP_WINDOW = "import sys; from gui.main import main; sys.exit(main(['--exit-after-paint']))"


def time_to_first_paint(code: str, env: dict[str, str], timeout_s: float = 60.0) -> float:
    """Seconds from starting ``python -c code`` to its ``first-paint`` line."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    try:
        for line in child.stdout:
            if line.strip() == "first-paint":
                elapsed = time.perf_counter() - start
                break
        else:
            raise RuntimeError(f"child exited without painting (code {child.wait()})")
    finally:
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9, help="runs of each (default 9)")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["ROTATION_DESK_HOME"] = tempfile.mkdtemp(prefix="bench-gui-")
    env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
    # one untimed run of each fills the OS file cache (byte-compiled modules, Qt plugins)
    time_to_first_paint(BARE_WINDOW, env)
    time_to_first_paint(APP_WINDOW, env)
    bare: list[float] = []
    app: list[float] = []
    for _ in range(args.repeat):
        bare.append(time_to_first_paint(BARE_WINDOW, env))
        app.append(time_to_first_paint(APP_WINDOW, env))
    bare_median, app_median = statistics.median(bare), statistics.median(app)
    ratio = app_median / bare_median
    print(f"runs: {args.repeat} of each, alternating, offscreen platform")
    print(f"bare PySide6 window : median {bare_median * 1000:7.1f} ms  "
          f"(min {min(bare) * 1000:.1f}, max {max(bare) * 1000:.1f})")
    print(f"rotation-desk window: median {app_median * 1000:7.1f} ms  "
          f"(min {min(app) * 1000:.1f}, max {max(app) * 1000:.1f})")
    print(f"ratio app / bare    : {ratio:.2f}x  (target <= 2.00x) "
          f"{'OK' if ratio <= 2.0 else 'OVER TARGET'}")
    return 0 if ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
