#!/usr/bin/env bash
# Install Rotation Desk for the current user on Linux or macOS.
#
#   bash installer/install.sh            # venv in ~/.local/share/rotation-desk/venv
#   PREFIX=/opt/rotation bash installer/install.sh
#
# Puts `rotation` and `rotation-desk` links in ~/.local/bin. Needs Python >= 3.11.
# On Linux the desktop app also needs Qt's runtime libraries (Debian/Ubuntu:
# libgl1 libxkbcommon0 libegl1 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python3}
PREFIX=${PREFIX:-"${XDG_DATA_HOME:-$HOME/.local/share}/rotation-desk"}
BIN=${BIN:-"$HOME/.local/bin"}

"$PY" - <<'PYCHECK'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Rotation Desk needs Python >= 3.11 (found {sys.version.split()[0]})")
PYCHECK

echo "Creating virtual environment in $PREFIX/venv"
"$PY" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install -q --upgrade pip
"$PREFIX/venv/bin/python" -m pip install -q "$here"

mkdir -p "$BIN"
ln -sf "$PREFIX/venv/bin/rotation" "$BIN/rotation"
ln -sf "$PREFIX/venv/bin/rotation-desk" "$BIN/rotation-desk"
echo "Installed. Commands: $BIN/rotation, $BIN/rotation-desk"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "Add $BIN to your PATH to call them by name." ;; esac
echo "Try: rotation demo"
