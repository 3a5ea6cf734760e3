#!/usr/bin/env bash
# The installation test: builds the .deb (scripts/package-deb.sh), installs it with apt-get as
# an administrator would, checks the installed CLI, the desktop entry and the systemd user
# units, starts the installed /usr/bin/certdesk under Xvfb and checks through the end-to-end
# harness that its window shows the dashboard, then removes the package and checks that
# nothing of it is left. Needs root or sudo. Refuses to run over a CertDesk installed by hand.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "install test FAILED: $*" >&2; exit 1; }
installed() { dpkg-query -W -f='${Status}' certdesk 2>/dev/null | grep -q "install ok installed"; }

installed && fail "a certdesk package is already installed; remove it first (apt-get remove certdesk)"

step "build the package"
deb="$(scripts/package-deb.sh | tail -n 1)"
[ -f "$deb" ] || fail "scripts/package-deb.sh printed no package path"
echo "$deb"
dpkg-deb --field "$deb" Package Version Architecture Depends
depends="$(dpkg-deb --field "$deb" Depends)"
for d in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  [[ "$depends" == *"$d"* ]] || fail "the package does not depend on $d"
done

step "the release app's start-up code comes first in its binary (src-tauri/startup-functions.txt)"
scripts/startup-order.sh check || fail "the start-up code is not in one place (see above)"

cleanup() { installed && DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -q certdesk >/dev/null || true; }
trap cleanup EXIT

step "install it: apt-get install ./$(basename "$deb")"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$deb"
installed || fail "dpkg does not list certdesk as installed"

step "what it installed"
for f in /usr/bin/certdesk /usr/bin/certdesk-cli; do
  [ -x "$f" ] || fail "$f is missing or not executable"
done
for f in /usr/share/applications/certdesk.desktop /usr/share/icons/hicolor/128x128/apps/certdesk.png \
  /usr/lib/systemd/user/certdesk-run.service /usr/lib/systemd/user/certdesk-run.timer \
  /usr/lib/systemd/user/certdesk-send.service /usr/lib/systemd/user/certdesk-send.timer; do
  [ -f "$f" ] || fail "$f is missing"
done
grep -q '^Exec=certdesk' /usr/share/applications/certdesk.desktop || fail "desktop entry does not start certdesk"
grep -q '^Name=CertDesk$' /usr/share/applications/certdesk.desktop || fail "desktop entry is not named CertDesk"
grep -q 'ExecStart=/usr/bin/certdesk-cli run' /usr/lib/systemd/user/certdesk-run.service \
  || fail "certdesk-run.service does not run the installed CLI"

step "the installed CLI"
version="$(/usr/bin/certdesk-cli --version)"
echo "$version"
[ "$version" = "certdesk-cli $(dpkg-deb --field "$deb" Version)" ] || fail "unexpected version: $version"
work="$(mktemp -d)"
/usr/bin/certdesk-cli --db "$work/demo.sqlite" init --demo >/dev/null
learners="$(/usr/bin/certdesk-cli --db "$work/demo.sqlite" --json dashboard | python3 -c 'import json,sys; print(json.load(sys.stdin)["learners"])')"
[ "$learners" -gt 0 ] || fail "the demo store has no learners"
echo "demo store made by the installed CLI: $learners learners"
rm -rf "$work"

step "the installed app shows the dashboard (e2e harness, under Xvfb)"
(cd tests && CERTDESK_APP=/usr/bin/certdesk CERTDESK_CLI=/usr/bin/certdesk-cli \
  cargo test dashboard -- --test-threads=1)

step "remove it"
DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -q certdesk
installed && fail "certdesk is still installed"
for f in /usr/bin/certdesk /usr/bin/certdesk-cli /usr/share/applications/certdesk.desktop \
  /usr/lib/systemd/user/certdesk-run.timer; do
  [ ! -e "$f" ] || fail "$f is left after removal"
done
echo "install test passed: $(basename "$deb") installs, starts, shows the dashboard and removes cleanly"
