# shellcheck shell=bash
# Node and the pinned `ws` package for the WebSocket clients (installed into
# bench/node_modules from bench/package.json on first use; no lock file, see
# bench/.npmrc).
command -v node >/dev/null || die "node is missing (Debian: nodejs npm)"
if ! node -e "require('$BENCH_DIR/node_modules/ws')" 2>/dev/null; then
    log "installing the pinned ws package into bench/node_modules"
    (cd "$BENCH_DIR" && npm install --no-audit --no-fund --silent >&2) ||
        die "npm install failed in $BENCH_DIR"
fi

# json_get JSON PATH... : prints the values at dotted paths, space separated.
json_get() {
    local js=$1
    shift
    "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
out = []
for path in sys.argv[2:]:
    v = d
    for k in path.split("."):
        v = v[k]
    out.append(str(v))
print(" ".join(out))' "$js" "$@"
}
