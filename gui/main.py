"""Entry point of the ``rotation-desk`` GUI script (also ``rotation gui``).

Only Qt is imported before the window paints; NumPy, pandas, pyqtgraph and the engine load
on the worker thread scheduled with ``QTimer.singleShot(0, ...)`` after the first paint.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    args = list(sys.argv if argv is None else ["rotation-desk", *argv])
    app = QApplication.instance() or QApplication(args)
    app.setApplicationName("Rotation Desk")
    app.setOrganizationName("rotation-desk")
    window = MainWindow()
    window.show()
    QTimer.singleShot(0, window.start_initial_load)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
