#!/usr/bin/env bash
# Standalone desktop build (PyInstaller, one folder): no Python needed on the target machine.
#
#   bash installer/build_desktop.sh        # -> dist/rotation-desk/rotation-desk(.exe)
#   bash installer/smoke_desktop.sh        # separate offscreen smoke test of that build
#
# Builds in its own virtual environment (build/desktop-venv) with the `desktop-build` extra, so
# the development .venv is untouched. Not part of the test suite (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=build/desktop-venv
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q ".[desktop-build]"
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --name rotation-desk --windowed \
  --distpath dist --workpath build/pyinstaller --specpath build \
  --collect-data rotation_addin --collect-data workbook --collect-data gui \
  --collect-submodules rotation_addin --collect-submodules workbook --collect-submodules gui \
  installer/desktop_main.py
echo "built: dist/rotation-desk/ (run dist/rotation-desk/rotation-desk; smoke test: bash installer/smoke_desktop.sh)"
