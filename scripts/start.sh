#!/usr/bin/env bash
# The newcomer's first command: installs what is missing, builds CertDesk and opens it on
# the demo store (created on first start in the OS application-data folder, or at --db).
# Usage: scripts/start.sh [--db FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
echo "==> building the UI and the app"
(cd "$root/ui" && npm run build)
cargo build --manifest-path "$root/Cargo.toml" -p certdesk -p certdesk-cli --features certdesk/custom-protocol
target="${CARGO_TARGET_DIR:-$root/target}"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "==> no display: starting CertDesk under Xvfb (set DISPLAY to use your own screen)"
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$target/debug/certdesk" "$@"
fi
exec "$target/debug/certdesk" "$@"
