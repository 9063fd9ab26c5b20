#!/usr/bin/env bash
# Install Rotation Desk for the current user on Linux or macOS; `--uninstall` removes it.
#
#   bash installer/install.sh               # install (again: updates, same result)
#   bash installer/install.sh --uninstall   # remove exactly what the install added
#
# What it does (each step is skipped when already done):
#   1. a virtual environment in $PREFIX/venv (default ~/.local/share/rotation-desk/venv),
#      created or reused, and the package installed into it (WHEEL=file.whl, else this tree);
#   2. `rotation` and `rotation-desk` links in $BIN (default ~/.local/bin);
#   3. on Debian/Ubuntu, the Qt runtime libraries the desktop app's xcb plugin is missing
#      (apt-get when root, otherwise the one sudo line is printed; ROTATION_NO_APT=1 only prints);
#   4. a desktop entry (Linux: ~/.local/share/applications/rotation-desk.desktop);
#   5. the xlwings Excel add-in where Excel exists (macOS with Microsoft Excel);
#   6. the demo workbook copied to ~/Documents/Rotation Desk/rotation_desk.xlsx (never over
#      a file that is already there);
#   7. `rotation doctor` (its findings are printed; they do not fail the install).
# Everything added is listed in $PREFIX/install-manifest.txt, which --uninstall reads: files
# and links it made are removed, folders it made are removed when empty, the workbook copy
# only if unchanged since the install (your edits are never deleted).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python3}
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
PREFIX=${PREFIX:-"$DATA_HOME/rotation-desk"}
BIN=${BIN:-"$HOME/.local/bin"}
DOCS=${DOCUMENTS_DIR:-"$HOME/Documents"}
MANIFEST="$PREFIX/install-manifest.txt"
VENV="$PREFIX/venv"

say() { echo "rotation-desk install: $*"; }

# --- manifest: what this installer added (one "kind<TAB>path[<TAB>sha256]" per line) ---------
record() {  # record KIND PATH [SHA]: once per path
  mkdir -p "$PREFIX"
  touch "$MANIFEST"
  grep -qF "	$2	" "$MANIFEST" 2>/dev/null || printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$MANIFEST"
}
make_dir() {  # create a folder (and its missing parents), recording each one we create
  local dir=$1 missing=()
  while [ ! -d "$dir" ]; do missing=("$dir" "${missing[@]}"); dir=$(dirname "$dir"); done
  for dir in "${missing[@]}"; do mkdir -p "$dir"; record dir "$dir"; done
}
sha() { "$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

uninstall() {
  if [ ! -f "$MANIFEST" ]; then say "nothing to remove (no $MANIFEST)"; return 0; fi
  local kind path digest dirs
  dirs=$(awk -F'\t' '$1 == "dir" { print length($2) "\t" $2 }' "$MANIFEST" | sort -rn | cut -f2)
  # files, links and the venv first, then the folders it made (deepest first, when empty)
  while IFS=$'\t' read -r kind path digest; do
    case "$kind" in
      link) [ -L "$path" ] && rm -f "$path" && say "removed $path" ;;
      file) [ -f "$path" ] && rm -f "$path" && say "removed $path" ;;
      workbook)
        if [ -f "$path" ] && [ "$(sha "$path")" = "$digest" ]; then rm -f "$path"; say "removed $path"
        elif [ -f "$path" ]; then say "kept $path (changed since the install)"; fi ;;
      tree) [ -d "$path" ] && rm -rf "$path" && say "removed $path" ;;
    esac
  done <"$MANIFEST"
  rm -f "$MANIFEST"
  while IFS= read -r path; do
    [ -n "$path" ] && rmdir "$path" 2>/dev/null && say "removed $path/"
  done <<<"$dirs"
  say "uninstalled"
}

install_venv() {
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else
            f"Rotation Desk needs Python >= 3.11 (found {sys.version.split()[0]})")'
  make_dir "$PREFIX"
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    say "reusing the virtual environment $VENV"
  else
    say "creating the virtual environment $VENV"
    "$PY" -m venv "$VENV"
  fi
  record tree "$VENV"
  "$VENV/bin/python" -m pip install -q --no-cache-dir --upgrade pip >/dev/null
  local source=${WHEEL:-}
  if [ -z "$source" ]; then source=$(ls "$here"/dist/rotation_desk-*.whl 2>/dev/null | tail -1 || true); fi
  say "installing ${source:-$here}"
  "$VENV/bin/python" -m pip install -q --no-cache-dir --upgrade "${source:-$here}"
}

install_links() {
  make_dir "$BIN"
  local name
  for name in rotation rotation-desk; do
    ln -sfn "$VENV/bin/$name" "$BIN/$name"
    record link "$BIN/$name"
  done
}

install_qt_libraries() {
  command -v dpkg-query >/dev/null 2>&1 || return 0  # Debian/Ubuntu only
  local packages
  packages=$("$VENV/bin/python" -m rotation_addin.diagnostics.qt_probe --apt-packages)
  if [ -z "$packages" ]; then say "Qt runtime libraries: all present"; return 0; fi
  if [ "$(id -u)" -eq 0 ] && [ -z "${ROTATION_NO_APT:-}" ]; then
    say "installing Qt runtime libraries: $packages"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
  else
    say "the desktop app needs system libraries; run: sudo apt-get install -y $packages"
  fi
}

install_desktop_entry() {
  [ "$(uname -s)" = "Linux" ] || return 0
  local apps="$DATA_HOME/applications" entry="$DATA_HOME/applications/rotation-desk.desktop"
  make_dir "$apps"
  cat >"$entry" <<EOF
[Desktop Entry]
Type=Application
Name=Rotation Desk
Comment=Crypto sector-rotation futures toolkit (read-only, places no orders)
Exec=$VENV/bin/rotation-desk
Terminal=false
Categories=Office;Finance;
EOF
  record file "$entry"
}

install_excel_addin() {
  if [ "$(uname -s)" = "Darwin" ] && [ -d "/Applications/Microsoft Excel.app" ]; then
    say "installing the xlwings Excel add-in"
    "$VENV/bin/xlwings" addin install || say "the xlwings add-in did not install (see above)"
  else
    say "xlwings Excel add-in: no Excel here (Windows: installer/install.ps1)"
  fi
}

install_workbook() {
  local folder="$DOCS/Rotation Desk" target="$DOCS/Rotation Desk/rotation_desk.xlsx" build
  if [ -f "$target" ] && ! grep -qF "	$target	" "$MANIFEST" 2>/dev/null; then
    say "kept your $target"; return 0
  fi
  build=$(mktemp -d)
  ROTATION_DESK_HOME="$build" "$VENV/bin/rotation" demo --out "$build/rotation_desk.xlsx" >/dev/null
  make_dir "$folder"
  if [ -f "$target" ] && [ "$(sha "$target")" != "$(grep -F "	$target	" "$MANIFEST" | cut -f3)" ]; then
    say "kept your edited $target"
  else
    cp "$build/rotation_desk.xlsx" "$target"
    sed -i.tmp "\#	$target	#d" "$MANIFEST" && rm -f "$MANIFEST.tmp"
    record workbook "$target" "$(sha "$target")"
    say "demo workbook: $target"
  fi
  rm -rf "$build"
}

user_folders() {  # the config and data folders the package will use (not created here)
  "$VENV/bin/python" - <<'PYPATHS'
import os
from pathlib import Path

import platformdirs

home = os.environ.get("ROTATION_DESK_HOME", "").strip()
if home:
    print(Path(home).expanduser() / "config")
    print(Path(home).expanduser() / "data")
else:
    print(platformdirs.user_config_dir("rotation-desk", appauthor=False))
    print(platformdirs.user_data_dir("rotation-desk", appauthor=False))
PYPATHS
}

run_doctor() {
  local folder
  while IFS= read -r folder; do make_dir "$folder"; done < <(user_folders)
  say "rotation doctor:"
  # shellcheck disable=SC2086
  "$VENV/bin/rotation" doctor ${ROTATION_DOCTOR_ARGS:-} ||
    say "rotation doctor reported problems (the fixes are above)"
}

if [ "${1:-}" = "--uninstall" ]; then uninstall; exit 0; fi
[ $# -eq 0 ] || { echo "usage: bash installer/install.sh [--uninstall]" >&2; exit 2; }
install_venv
install_links
install_qt_libraries
install_desktop_entry
install_excel_addin
install_workbook
run_doctor
say "done. Commands: $BIN/rotation, $BIN/rotation-desk"
case ":$PATH:" in *":$BIN:"*) ;; *) say "add $BIN to your PATH to call them by name" ;; esac
