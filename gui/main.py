"""Entry point of the ``rotation-desk`` GUI script (also ``rotation gui``).

Only Qt, the small settings module and the window shell (``gui.main_window``) are imported
before the window paints. Once it has painted, ``QTimer.singleShot(0, ...)`` builds the tabs
(their modules load then, ``gui.window_tabs``) and starts the data load, whose NumPy, pandas
and engine imports run on a worker thread.

``--exit-after-paint`` (used by ``bench/bench_gui_start.py``) prints ``first-paint`` on stdout
when the window has painted, builds the tabs and quits without loading data.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gui import crash_note
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


def open_window(app: QApplication, exit_after_paint: bool = False) -> MainWindow:
    """The window ``rotation-desk`` shows, with its start-up scheduled (not yet shown).

    The window is a shell (:class:`MainWindow` with ``deferred_tabs=True``): once it has
    painted, the next event-loop turn builds the tabs, status panel, Live toggle and menus
    (:meth:`MainWindow.build_tabs`) and starts the initial data load. With
    ``exit_after_paint`` it prints ``first-paint`` at the first paint, builds the tabs and
    quits ``app`` without loading data.
    """
    window = MainWindow(deferred_tabs=True)

    def after_first_paint() -> None:
        window.build_tabs()
        if exit_after_paint:
            app.quit()
        else:
            window.start_initial_load()

    def first_paint() -> None:
        if exit_after_paint:
            print("first-paint", flush=True)
        QTimer.singleShot(0, after_first_paint)

    window.first_painted.connect(first_paint)
    return window


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
    window = open_window(app, exit_after_paint)
    crash_note.install(window)
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
