#!/usr/bin/env bash
# Offscreen smoke test of the standalone build made by installer/build_desktop.sh: the frozen
# app starts with no Python installation involved, paints its window and exits 0; without a
# display (and no offscreen platform) it prints one line and exits 1 instead of a Qt abort.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${APP:-dist/rotation-desk/rotation-desk}
[ -x "$APP" ] || { echo "smoke: $APP not found; build it with bash installer/build_desktop.sh" >&2; exit 2; }
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
out=$(env -i PATH=/usr/bin:/bin HOME="$home" ROTATION_DESK_HOME="$home" QT_QPA_PLATFORM=offscreen \
      timeout 120 "$APP" --exit-after-paint)
[ "$out" = "first-paint" ] || { echo "smoke: expected first-paint, got: $out" >&2; exit 1; }
echo "smoke: offscreen start ok"
if [ "$(uname -s)" = "Linux" ]; then
  set +e
  err=$(env -i PATH=/usr/bin:/bin HOME="$home" ROTATION_DESK_HOME="$home" timeout 60 "$APP" 2>&1 >/dev/null)
  code=$?
  set -e
  if [ "$code" -ne 1 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [[ "$err" != *"rotation doctor"* ]]; then
    echo "smoke: without a display expected one line and exit 1, got exit $code: $err" >&2; exit 1
  fi
  echo "smoke: no display -> one line, exit 1 ok"
fi
