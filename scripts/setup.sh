#!/usr/bin/env bash
# Installs everything CertDesk needs to build, run and test on Debian/Ubuntu: system
# packages (only those missing), tauri-driver, the UI's npm packages and the Python SMTP
# server the delivery tests use. Safe to run again; it skips what is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"

packages=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev build-essential pkg-config xvfb xauth webkit2gtk-driver
  python3-venv openssl file dbus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "Rust is missing: install it from https://rustup.rs"; exit 1; }
command -v node >/dev/null || { echo "Node.js 20+ is missing: install it from https://nodejs.org"; exit 1; }

if ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked
fi

echo "==> installing the UI's npm packages"
(cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error)

if [ -x "$root/scripts/test-deps.sh" ]; then
  "$root/scripts/test-deps.sh"
fi
