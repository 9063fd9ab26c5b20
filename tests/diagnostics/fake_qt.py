"""A copy of Qt's xcb platform plugin with one system library renamed (simulated missing).

The copy's ``DT_NEEDED`` entry ``libxcb-shape.so.0`` is patched in place to the same-length
name ``libxcb-shapq.so.0``, which no system has: ``ldd`` then reports it ``not found`` and Qt
really fails to load the plugin -- exactly what a machine without ``libxcb-shape0`` shows.
``Qt/lib`` links to PySide6's own Qt libraries so only that one library is missing.
"""

from __future__ import annotations

from pathlib import Path

from rotation_addin.diagnostics.qt_probe import plugin_dir

REAL_LIBRARY = "libxcb-shape.so.0"
SIMULATED_MISSING = "libxcb-shapq.so.0"
SIMULATED_PACKAGE = "libxcb-shapq0"


def fake_plugin_dir(folder: Path) -> Path:
    """Build ``folder/Qt/plugins`` with the patched ``platforms/libqxcb.so``; return it."""
    real = plugin_dir()
    assert real is not None, "PySide6 is not installed"
    data = (real / "platforms" / "libqxcb.so").read_bytes()
    needle = REAL_LIBRARY.encode() + b"\0"
    assert data.count(needle) == 1, "the xcb plugin no longer links libxcb-shape directly"
    plugins = folder / "Qt" / "plugins"
    (plugins / "platforms").mkdir(parents=True)
    patched = data.replace(needle, SIMULATED_MISSING.encode() + b"\0")
    (plugins / "platforms" / "libqxcb.so").write_bytes(patched)
    (folder / "Qt" / "lib").symlink_to(real.parent / "lib", target_is_directory=True)
    return plugins
