#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Browser tests of the dashboard: real headless Chromium (Debian's
# /usr/bin/chromium) driven by playwright-core, against a real broker,
# csv-producer and consumer-dashboard from ../../build.
# Installs playwright-core only when it is missing; ends with one line
# "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

fail_setup() {
    echo "browser tests: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
    fail_setup "node is not installed"
((node_major >= 20)) || fail_setup "playwright-core needs Node.js 20 or newer (found $(node --version))"
[[ -x /usr/bin/chromium ]] || fail_setup "/usr/bin/chromium is missing (Debian package chromium)"

if [[ ! -d node_modules/playwright-core ]]; then
    npm install --no-audit --no-fund
fi

mkdir -p artifacts
out=artifacts/node-test.tap
status=0
node --test --test-reporter=tap dashboard.spec.mjs 2>&1 | tee "$out" || status=$?

pass=$(sed -n 's/^# pass \([0-9]\+\)$/\1/p' "$out" | tail -n 1)
fail=$(sed -n 's/^# fail \([0-9]\+\)$/\1/p' "$out" | tail -n 1)
cancelled=$(sed -n 's/^# cancelled \([0-9]\+\)$/\1/p' "$out" | tail -n 1)
# A test cancelled because a hook failed did not pass either.
[[ -z "$fail" ]] || fail=$((fail + ${cancelled:-0}))
if [[ -z "$pass" || -z "$fail" ]]; then
    # The runner itself broke: no summary to read.
    pass=${pass:-0}
    fail=${fail:-1}
    ((status != 0)) || status=1
fi
((fail == 0)) || ((status != 0)) || status=1
echo "$pass passed, $fail failed"
exit "$status"
