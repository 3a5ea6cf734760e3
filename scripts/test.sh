#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, then format, lints, the core
# and CLI tests, the UI checks and tests, the bindings drift check, and the end-to-end tests
# in the real window under Xvfb.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TERM_COLOR=never
target="${CARGO_TARGET_DIR:-$root/target}"
step() { printf '\n==> %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "UI build (the app embeds it)"
(cd ui && npm run build)

step "cargo fmt --check"
cargo fmt --all --check
(cd tests && cargo fmt --check)

step "clippy, warnings denied"
cargo clippy --workspace --all-targets --features certdesk/custom-protocol -- -D warnings
(cd tests && cargo clippy --all-targets -- -D warnings)

step "core and CLI tests"
log="$(mktemp)"
set +e
cargo test -p certdesk-core -p certdesk-cli 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
awk '/^test result:/ {p+=$4; f+=$6} END {printf "core and CLI tests: %d passed, %d failed\n", p, f}' "$log"
[ "$status" = 0 ]

step "bindings drift check"
cargo test -p certdesk --features custom-protocol --lib export_bindings -q
git diff --exit-code -- ui/src/api/bindings.ts || { echo "ui/src/api/bindings.ts is stale: commit the regenerated file"; exit 1; }

step "command lists agree (lib.rs, build.rs, capabilities/main.json)"
cargo test -p certdesk --features custom-protocol --lib command_lists_agree -q
git diff --exit-code -- src-tauri/capabilities/main.json || { echo "src-tauri/capabilities/main.json is stale: commit the regenerated file"; exit 1; }

step "UI type check, format check and unit tests"
(cd ui && npm run check && npm run format:check && npm test)

step "build the app and the CLI for the end-to-end tests"
cargo build -p certdesk -p certdesk-cli --features certdesk/custom-protocol
export CERTDESK_APP="$target/debug/certdesk" CERTDESK_CLI="$target/debug/certdesk-cli"

step "end-to-end tests in the real window"
(cd tests && cargo test -- --test-threads=1)
echo "screenshots: $root/target/e2e-screenshots/"
