#!/usr/bin/env bash
# Benchmark 7: the cost of a full re-hash of a file's prefix (what the
# producer does on the thread pool when a stat says more than an append
# happened, and at start when the file changed while it was stopped).
# A file of BENCH_MB MiB (default 1024) of CSV rows, hashed with the
# producer's own fingerprint code; the page cache is warm after the first
# round (the usual case for a file that was just written). Reported per GB.
#
#   BENCH_MB=1024 bench/07-fingerprint-cost.sh
# shellcheck source=lib/common.sh
source "$(dirname -- "$0")/lib/common.sh"
bench_init fingerprint-cost

MB=${BENCH_MB:-1024}
# shellcheck disable=SC2034 # read by result() in lib/common.sh
BENCH_COMMAND="BENCH_MB=$MB bench/07-fingerprint-cost.sh"
TOOL=$BENCH_WORK/fingerprint_cost
cc -O2 -std=c17 -D_GNU_SOURCE -I"$ROOT/producer/core" -o "$TOOL" \
    "$ROOT/bench/tools/fingerprint_cost.c" "$ROOT/producer/core/file_identity.c" ||
    die "cannot build the fingerprint tool (libxxhash-dev installed?)"

FILE=$BENCH_WORK/big.csv
log "writing $MB MiB"
python3 - "$FILE" "$MB" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
row = "".join(f"{i},Nome {i},{20 + i % 50},Cidade {i % 9},{i}.25\n" for i in range(10000)).encode()
with open(path, "wb") as f:
    left = mb << 20
    while left > 0:
        f.write(row[:left])
        left -= len(row)
PY
out=$("$TOOL" "$FILE" 4)
log "$out"
best=$(awk -F'seconds=' 'NR > 1 { split($2, a, " "); if (min == "" || a[1] < min) min = a[1] } END { print min }' <<<"$out")
cold=$(awk -F'seconds=' 'NR == 1 { split($2, a, " "); print a[1] }' <<<"$out")
per_gb=$(calc "$best * 1024 / $MB" %.3f)
result "full re-hash, warm page cache" "$per_gb" "s/GB"
result "full re-hash, first round after writing" "$(calc "$cold * 1024 / $MB" %.3f)" "s/GB"
bench_finish
