#!/usr/bin/env bash
# The functions of the release app that run from its start until it is idle on the demo store,
# listed in src-tauri/startup-functions.txt. The release link puts them first in the binary's
# code (src-tauri/build.rs), so that the window keeps about 4 MB of its code in memory instead
# of 14 (docs/BENCHMARKS.md, "The app's start-up code in one place").
#
#   scripts/startup-order.sh trace [BINARY]  runs BINARY (default: the release app) under
#       valgrind's callgrind on its own Xvfb and a demo store made by the release CLI (as every
#       start after the first finds it) for TRACE_SECONDS (110), and rewrites the list with the
#       functions it ran (about 2 minutes; needs valgrind and Xvfb).
#   scripts/startup-order.sh check [BINARY]  fails when fewer than 90% of the listed functions
#       are in BINARY (the list is out of date: names change with the compiler and with renamed
#       code; trace again and build again), or when fewer than 90% of those are at the front of
#       its code (the link did not order them).
set -euo pipefail
cd "$(dirname "$0")/.."
list=src-tauri/startup-functions.txt
target="${CARGO_TARGET_DIR:-target}"
binary="${2:-$target/release/certdesk}"
[ -x "$binary" ] || { echo "startup-order: no binary at $binary (build the release app first)" >&2; exit 1; }

case "${1:-}" in
trace)
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  "$target/release/certdesk-cli" --db "$work/demo.sqlite" init --demo >/dev/null
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
  xvfb=$!
  while [ ! -s "$work/display" ]; do sleep 0.2; done
  DISPLAY=":$(cat "$work/display")" valgrind --tool=callgrind --demangle=no --dump-instr=no \
    --callgrind-out-file="$work/callgrind.out" "$binary" --db "$work/demo.sqlite" \
    >"$work/valgrind.log" 2>&1 &
  app=$!
  sleep "${TRACE_SECONDS:-110}"
  callgrind_control -d "$app" >/dev/null
  sleep 5
  kill "$app" "$xvfb" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  # Callgrind's files name each object and function once in full, later by number: keep the
  # functions counted under the binary's own object.
  python3 - "$binary" "$work"/callgrind.out* >"$list.new" <<'EOF'
import os, re, sys
binary, files = os.path.realpath(sys.argv[1]), sys.argv[2:]
objects, functions, ran = {}, {}, set()
for path in files:
    current = None
    for line in open(path, errors="replace"):
        m = re.match(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        kind, number, name = m.groups()
        names = objects if kind.endswith("ob") else functions
        if name:
            names[number] = name
        if kind == "ob":
            current = os.path.realpath(objects.get(number, "?"))
        elif kind == "fn" and current == binary and not functions[number].startswith(("0x", "(")):
            ran.add(re.sub(r"'\d+$", "", functions[number]))  # 'N: a recursive call's depth
print("\n".join(sorted(ran)))
EOF
  [ -s "$list.new" ] || { echo "startup-order: the trace found no function (see valgrind's log)" >&2; exit 1; }
  mv "$list.new" "$list"
  echo "startup-order: $(wc -l <"$list") functions in $list"
  ;;
check)
  python3 - "$binary" "$list" <<'EOF'
import subprocess, sys
binary, listed = sys.argv[1], set(open(sys.argv[2]).read().split())
code = {}  # name: (address, size) of each function in the binary
nm = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True)
for line in nm.stdout.splitlines():
    parts = line.split()
    if len(parts) == 4 and parts[2] in "tTwW":
        code[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
found = [code[name] for name in listed if name in code]
start = min(address for address, _ in code.values())
front = start + sum(size for _, size in found) * 5 // 4 + 65536
first = sum(1 for address, _ in found if address < front)
print(f"startup-order: {len(found)} of {len(listed)} listed functions are in {binary},"
      f" {first} of them in its first {(front - start) >> 10} KiB of code")
if len(found) * 10 < len(listed) * 9:
    sys.exit("startup-order: the list is out of date: run scripts/startup-order.sh trace, then build again")
if first * 10 < len(found) * 9:
    sys.exit("startup-order: the listed functions are not first in the code"
             " (was the binary linked by rust-lld with src-tauri/build.rs's arguments?)")
EOF
  ;;
*)
  echo "usage: scripts/startup-order.sh trace|check [BINARY]" >&2
  exit 2
  ;;
esac
