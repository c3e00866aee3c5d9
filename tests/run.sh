#!/usr/bin/env bash
# run.sh: the whole test suite, as README.md's second command and CI run it.
# Installs what is missing (deploy/setup.sh --tests), builds, then runs every
# suite and prints one closing line "N passed, N failed" counting them all.
#
# Suites: format, unit (release build), unit-asan (ASan+UBSan build),
# static (compose file and Dockerfiles), integration (real Kafka broker),
# browser (real headless Chromium), fuzz (short libFuzzer runs), tsan
# (consumer-dashboard's threads under ThreadSanitizer), compose (the Docker
# Compose stack run for real in a Docker engine of its own, as root).
# Pick some with SUITES="unit integration" tests/run.sh.
set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
SUITES=${SUITES:-format unit unit-asan static integration browser fuzz tsan compose}
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

# Every process this run starts inherits this marker, so the check for
# leftovers at the end looks only at our own processes, never at a broker,
# producer or dashboard the user runs beside the tests.
CSVKD_TEST_RUN="run-$$-$(date +%s%N)"
export CSVKD_TEST_RUN

total_pass=0
total_fail=0

record() { # suite passed failed
    printf '== %-12s %d passed, %d failed\n' "$1" "$2" "$3"
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
}

if ! deploy/setup.sh --tests; then
    echo "setup failed"
    echo "0 passed, 1 failed"
    exit 1
fi

suite_format() {
    local files bad=0 f
    mapfile -t files < <(git ls-files '*.c' '*.h')
    for f in "${files[@]}"; do
        if ! clang-format --dry-run --Werror "$f" 2>/dev/null; then
            echo "not clang-formatted: $f"
            bad=$((bad + 1))
        fi
    done
    record format $((${#files[@]} - bad)) "$bad"
}

# meson test prints "Ok: N" and "Fail: N" (and Timeout, Unexpected Pass).
suite_meson() { # name builddir
    local out ok fail
    out=$(meson test -C "$2" --suite unit --print-errorlogs 2>&1)
    echo "$out" | grep -vE '^\s*$' | tail -n 40
    ok=$(echo "$out" | awk '/^Ok:/ {print $2}')
    fail=$(echo "$out" | awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $NF} END {print s + 0}')
    record "$1" "${ok:-0}" "${fail:-1}"
}

# pytest writes JUnit XML; count from it so errors and skips are not lost.
suite_pytest() { # name path...
    local name=$1 xml="$RESULTS/$1.xml" counts
    shift
    python3 -m pytest -q -p no:cacheprovider --junitxml="$xml" "$@"
    counts=$(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 1"); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get(k, 0)) for s in suites for k in ("failures", "errors", "skipped"))
print(t - bad, bad if t else 1)
PY
)
    record "$name" ${counts}
}

# A script that prints its own "N passed, N failed" closing line.
suite_script() { # name script
    local out line
    out=$("$2" 2>&1)
    local rc=$?
    echo "$out" | tail -n 60
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [[ -z "$line" ]]; then
        record "$1" 0 1
        return
    fi
    local p f
    p=$(echo "$line" | awk '{print $1}')
    f=$(echo "$line" | awk '{print $3}')
    if ((rc != 0 && f == 0)); then
        f=1
    fi
    record "$1" "$p" "$f"
}

for s in $SUITES; do
    echo "=== suite: $s"
    case $s in
    format) suite_format ;;
    unit) suite_meson unit build ;;
    unit-asan) suite_meson unit-asan build-asan ;;
    static) suite_script static tests/static/run.sh ;;
    integration) suite_pytest integration tests/integration ;;
    browser) suite_script browser tests/browser/run.sh ;;
    fuzz) suite_script fuzz tests/fuzz/run.sh ;;
    tsan) suite_script tsan tests/tsan/run.sh ;;
    compose) suite_script compose tests/compose/run.sh ;;
    *) echo "unknown suite $s"; record "$s" 0 1 ;;
    esac
done

# Processes that carry this run's marker and are still alive.
leftovers() {
    local d pid cmd
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
        grep -qzx "CSVKD_TEST_RUN=$CSVKD_TEST_RUN" "$d/environ" 2>/dev/null ||
            continue
        cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
        [[ $cmd =~ kafka|csv-producer|consumer-dashboard|dockerd|containerd|chrom|java ]] &&
            printf '%s %s\n' "$pid" "${cmd:0:200}"
    done
}
left=$(leftovers)
if [[ -n "$left" ]]; then
    echo "processes left running by the tests:"
    echo "$left"
    total_fail=$((total_fail + 1))
fi

echo "${total_pass} passed, ${total_fail} failed"
((total_fail == 0))
