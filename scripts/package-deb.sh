#!/usr/bin/env bash
# Builds the Debian package of CertDesk with the Tauri bundler and prints its path.
# The package holds the app (/usr/bin/certdesk), the CLI (/usr/bin/certdesk-cli), the icons,
# a desktop entry and the systemd user units of packaging/systemd/. Needs what
# scripts/setup.sh installs; the Tauri CLI is fetched by npx (never listed in package.json).
# Usage: scripts/package-deb.sh      (everything it prints but the last line goes to stderr)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
export CARGO_TARGET_DIR="$target" CARGO_TERM_COLOR=never
{
  echo "==> UI build (the app embeds it)"
  [ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  (cd ui && npm run build)

  echo "==> release build of certdesk-cli"
  cargo build --release -p certdesk-cli

  echo "==> release build of certdesk and the .deb (Tauri bundler)"
  # Merged into tauri.conf.json: the CLI, whose path depends on CARGO_TARGET_DIR, and the
  # product name, which the bundler kebab-cases into the package name ("CertDesk" would give
  # "cert-desk"); the menu still says CertDesk (packaging/linux/certdesk.desktop.hbs).
  # The bundler itself declares the runtime dependencies: libwebkit2gtk-4.1-0, libgtk-3-0
  # and, since the app has a tray icon, libayatana-appindicator3-1.
  config="{\"productName\":\"certdesk\",\"bundle\":{\"linux\":{\"deb\":{\"files\":{\"/usr/bin/certdesk-cli\":\"$target/release/certdesk-cli\"}}}}}"
  rm -f "$target"/release/bundle/deb/*.deb
  (cd src-tauri && npx --yes @tauri-apps/cli@2.12.5 build --ci --bundles deb \
    --features custom-protocol --config "$config")
} >&2
deb="$(ls "$target"/release/bundle/deb/*.deb)"
echo "$deb"
