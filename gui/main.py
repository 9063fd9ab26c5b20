"""Entry point of the ``rotation-desk`` GUI script (also ``rotation gui``).

Only Qt and the small settings module are imported before the window paints; NumPy, pandas,
pyqtgraph and the engine load on a worker thread started by ``QTimer.singleShot(0, ...)`` once
the window has painted for the first time.

``--exit-after-paint`` (used by ``bench/bench_gui_start.py``) prints ``first-paint`` on stdout
when the window has painted and quits without loading data.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from rotation_addin.diagnostics.qt_probe import display_problem

EXIT_AFTER_PAINT_FLAG = "--exit-after-paint"


EXIT_NO_DISPLAY = 1


def no_display_reason() -> str | None:
    """One line saying why no window can open here (``None`` when one can).

    Checked before Qt is touched: Qt aborts the process when its platform plugin cannot
    load, blaming the wrong library (see ``rotation_addin.diagnostics.qt_probe``).
    """
    probe = display_problem()
    if probe.ok:
        return None
    return f"rotation-desk: cannot open a window: {probe.one_line}. Run `rotation doctor`."


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    if QApplication.instance() is None:
        reason = no_display_reason()
        if reason is not None:
            print(reason, file=sys.stderr)
            return EXIT_NO_DISPLAY
    args = list(sys.argv[1:] if argv is None else argv)
    exit_after_paint = EXIT_AFTER_PAINT_FLAG in args
    qt_args = ["rotation-desk", *[a for a in args if a != EXIT_AFTER_PAINT_FLAG]]
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(qt_args)
    app.setApplicationName("Rotation Desk")
    app.setOrganizationName("rotation-desk")
    window = MainWindow()
    if exit_after_paint:
        def report_and_quit() -> None:
            print("first-paint", flush=True)
            QTimer.singleShot(0, app.quit)

        window.first_painted.connect(report_and_quit)
    else:
        window.first_painted.connect(lambda: QTimer.singleShot(0, window.start_initial_load))
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
