#!/usr/bin/env python3
"""Policy checks of the compose stack and the Dockerfiles (standard library).

    check_deploy.py COMPOSE_JSON

COMPOSE_JSON is `docker compose config --format json` of deploy/docker-compose.yml
with every profile enabled, so the checks read what compose itself resolved.
Prints one line per check ("ok   name" or "FAIL name: why") and exits 1 if any
check failed. What is checked is what a user relies on: Kafka starts (healthy)
before the topics are made, the topics exist before the services start, the
producer sees data/ and keeps its state in a volume, everything published is on
127.0.0.1 only, images are pinned, and the images are built like the native
build and run as non-root with a healthcheck.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# The native build's Debian packages (README / setup script): the build stages
# install exactly these, the runtime stages only the shared libraries.
BUILD_PACKAGES = {
    "gcc", "libc6-dev", "meson", "ninja-build", "pkg-config", "python3",
    "librdkafka-dev", "libuv1-dev", "libcsv-dev", "libcivetweb-dev", "libcjson-dev",
    "libxxhash-dev", "libgmp-dev", "libmimalloc-dev", "libjemalloc-dev", "libjs-chart.js",
}
RUNTIME_LIBS = {"librdkafka1", "libuv1", "libcsv3", "libcivetweb1", "libcjson1"}

# Variables the binaries document (their --help); compose and the images may
# only set these.
PRODUCER_ENV = {
    "KAFKA_BROKERS", "KAFKA_TOPIC", "PRODUCER_CSV_PATH", "PRODUCER_STATE_DIR",
    "PRODUCER_DLQ_TOPIC", "PRODUCER_KEY_COLUMN", "PRODUCER_SCHEMA",
    "PRODUCER_METRICS_LISTEN", "LOG_LEVEL", "PRODUCER_CONFIG", "PRODUCER_SOURCE_ID",
    "PRODUCER_DELIMITER", "PRODUCER_MAX_RECORD_BYTES", "PRODUCER_STAT_INTERVAL_MS",
}
DASHBOARD_ENV = {
    "KAFKA_BROKERS", "KAFKA_TOPIC", "DASHBOARD_LISTEN", "DASHBOARD_AUTH", "LOG_LEVEL",
    "DASHBOARD_CONFIG",
}
BINARIES = {
    "producer": ROOT / "build" / "producer" / "csv-producer",
    "dashboard": ROOT / "build" / "consumer-dashboard" / "consumer-dashboard",
}



def documented_env(service: str, fallback: set[str]) -> set[str]:
    """The [env NAME] names in the built binary's --help, else the list above.

    The properties-file variable (-c/--config) is added: --help names it in
    the option's own line only for some builds.
    """
    binary = BINARIES[service]
    if not binary.exists():
        return fallback
    out = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=30)
    names = set(re.findall(r"\[env (\w+)\]", out.stdout + out.stderr))
    config = {"producer": "PRODUCER_CONFIG", "dashboard": "DASHBOARD_CONFIG"}[service]
    return names | {config} if names else fallback


results: list[tuple[bool | None, str, str]] = []


def check(name: str, ok: bool, why: str = "") -> bool:
    results.append((bool(ok), name, why))
    return bool(ok)


def skip(name: str, why: str) -> None:
    results.append((None, name, why))


def split_hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


# --- Dockerfiles ---------------------------------------------------------------

class Stage:
    def __init__(self, image: str, name: str | None) -> None:
        self.image = image
        self.name = name
        self.instructions: list[tuple[str, str]] = []

    def all(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def parse_dockerfile(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, continuation lines joined."""
    logical: list[str] = []
    buf = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = rest.strip()
        if keyword == "FROM":
            words = rest.split()
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)",
                           lambda m: args.get(m.group(1) or m.group(2), m.group(0)), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(image, name))
        elif keyword == "ARG" and not stages:
            key, _, value = rest.partition("=")
            args[key] = value
        elif stages:
            stages[-1].instructions.append((keyword, rest))
    return args, stages


def apt_packages(stage: Stage) -> set[str]:
    pkgs: set[str] = set()
    for run in stage.all("RUN"):
        for cmd in re.split(r"&&|;", run):
            words = shlex.split(cmd)
            if len(words) >= 2 and words[0] == "apt-get" and "install" in words:
                pkgs.update(w for w in words[words.index("install") + 1:]
                            if not w.startswith("-"))
    return pkgs


def env_names(stage: Stage) -> set[str]:
    names: set[str] = set()
    for env in stage.all("ENV"):
        for word in shlex.split(env):
            names.add(word.partition("=")[0])
    return names


def dockerignore_allows(dockerfile: Path, source: str) -> bool:
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore.exists():
        return True
    allowed = True
    for line in ignore.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/")
        src = source.rstrip("/")
        if pattern == "*" or src == pattern or src.startswith(pattern + "/"):
            allowed = negate
    return allowed


def check_dockerfile(path: Path, binary_env: set[str] | None, service_binary: str | None) -> None:
    tag = path.name
    args, stages = parse_dockerfile(path)
    check(f"{tag}: parsed", bool(stages), "no FROM")
    if not stages:
        return
    names = {s.name for s in stages if s.name}
    for image in sorted({s.image for s in stages} - names):
        check(f"{tag}: base image {image} is Debian bookworm pinned by date",
              re.fullmatch(r"debian:bookworm-\d{8}(-slim)?", image) is not None)
    final = stages[-1]
    if service_binary:
        check(f"{tag}: multi-stage (build + runtime)", len(stages) >= 2,
              f"{len(stages)} stage(s)")
        build = stages[0]
        pkgs = apt_packages(build)
        check(f"{tag}: build stage installs the native build's Debian packages",
              pkgs == BUILD_PACKAGES,
              f"missing {sorted(BUILD_PACKAGES - pkgs)}, extra {sorted(pkgs - BUILD_PACKAGES)}")
        runtime_pkgs = apt_packages(final)
        dev = sorted(p for p in runtime_pkgs if p.endswith("-dev") or p in {"gcc", "meson"})
        check(f"{tag}: runtime stage has no build tools or -dev packages", not dev, f"{dev}")
        check(f"{tag}: runtime stage installs the runtime libraries",
              RUNTIME_LIBS <= runtime_pkgs, f"missing {sorted(RUNTIME_LIBS - runtime_pkgs)}")
        copies = " ".join(final.all("COPY"))
        check(f"{tag}: runtime stage copies the built {service_binary}",
              re.search(rf"--from=\S+ \S*/{re.escape(service_binary)} ", copies) is not None,
              copies)
    users = final.all("USER")
    user = users[-1].split(":")[0] if users else "root"
    check(f"{tag}: runs as a non-root user", user not in {"root", "0"}, f"USER {user}")
    health = final.all("HEALTHCHECK")
    check(f"{tag}: has a HEALTHCHECK", bool(health))
    if binary_env is not None:
        extra = sorted(env_names(final) - binary_env)
        check(f"{tag}: ENV sets only variables the binary documents", not extra, f"{extra}")
        if health and health[-1] != "NONE":
            m = re.search(r'"--env", "(\w+)"', health[-1])
            check(f"{tag}: HEALTHCHECK probes the configured listen address",
                  m is not None and m.group(1) in env_names(final), health[-1])
    for stage in stages:
        for copy in stage.all("COPY"):
            words = [w for w in shlex.split(copy) if not w.startswith("--")]
            if "--from=" in copy:
                continue
            for src in words[:-1]:
                check(f"{tag}: COPY {src} exists and its .dockerignore lets it through",
                      (ROOT / src).exists() and dockerignore_allows(path, src),
                      "missing in the repository" if not (ROOT / src).exists() else "ignored")


# --- compose -------------------------------------------------------------------

def env_of(service: dict) -> dict[str, str]:
    return {k: ("" if v is None else str(v)) for k, v in (service.get("environment") or {}).items()}


def depends(service: dict, other: str, condition: str) -> bool:
    dep = (service.get("depends_on") or {}).get(other)
    return bool(dep) and dep.get("condition") == condition


def check_compose(cfg: dict) -> None:
    svcs = cfg.get("services", {})
    for name in ("kafka", "topics", "producer", "dashboard", "kafka-ui", "generator"):
        check(f"compose: service {name} exists", name in svcs)
    if not all(n in svcs for n in ("kafka", "topics", "producer", "dashboard")):
        return
    kafka, topics, producer, dashboard = (svcs[n] for n in ("kafka", "topics", "producer", "dashboard"))

    # Kafka: official image, pinned 4.x, KRaft, healthcheck, named volume.
    image = kafka.get("image", "")
    check("compose: kafka is apache/kafka pinned to a 4.x release",
          re.fullmatch(r"apache/kafka:4\.\d+\.\d+", image) is not None, image)
    kenv = env_of(kafka)
    roles = set(kenv.get("KAFKA_PROCESS_ROLES", "").split(","))
    check("compose: kafka runs KRaft (broker+controller, no ZooKeeper)",
          roles == {"broker", "controller"} and not any("ZOOKEEPER" in k for k in kenv), f"{roles}")
    hc = kafka.get("healthcheck") or {}
    check("compose: kafka has a healthcheck", bool(hc.get("test")) and not hc.get("disable"))
    vols = {v.get("target"): v for v in kafka.get("volumes") or []}
    logdir = kenv.get("KAFKA_LOG_DIRS", "")
    check("compose: kafka data is in a named volume",
          logdir in vols and vols[logdir].get("type") == "volume", f"log dir {logdir!r}")
    internal = None
    for adv in kenv.get("KAFKA_ADVERTISED_LISTENERS", "").split(","):
        name, _, addr = adv.partition("://")
        if name == kenv.get("KAFKA_INTER_BROKER_LISTENER_NAME"):
            internal = addr
    check("compose: kafka advertises an internal listener for the containers",
          internal is not None and internal.startswith("kafka:"), f"{internal}")

    # Topics: a one-shot after kafka is healthy, several partitions + DLQ.
    check("compose: topics service waits for kafka to be healthy",
          depends(topics, "kafka", "service_healthy"))
    check("compose: topics service runs deploy/create-topics.sh",
          any(v.get("source") == str(DEPLOY / "create-topics.sh") for v in topics.get("volumes") or [])
          and "/usr/local/bin/create-topics.sh" in (topics.get("entrypoint") or []))
    tenv = env_of(topics)
    check("compose: topics service uses the image's kafka-topics.sh",
          tenv.get("KAFKA_TOPICS_CMD") == "/opt/kafka/bin/kafka-topics.sh"
          and topics.get("image") == image)
    check("compose: topics service talks to the internal listener",
          tenv.get("KAFKA_BOOTSTRAP") == internal, tenv.get("KAFKA_BOOTSTRAP", ""))
    try:
        parts = int(tenv.get("TOPIC_PARTITIONS", "0"))
    except ValueError:
        parts = 0
    check("compose: the data topic gets several partitions", parts >= 2, f"{parts}")
    check("compose: topics restart policy is no (one-shot)", topics.get("restart") in (None, "no"))

    penv, denv = env_of(producer), env_of(dashboard)
    topic = tenv.get("KAFKA_TOPIC")
    check("compose: producer, dashboard and set-up use the same topic",
          topic and penv.get("KAFKA_TOPIC") == topic == denv.get("KAFKA_TOPIC"),
          f"{topic} / {penv.get('KAFKA_TOPIC')} / {denv.get('KAFKA_TOPIC')}")
    check("compose: producer's dead-letter topic is the one set-up creates",
          penv.get("PRODUCER_DLQ_TOPIC", f"{topic}.dlq") == f"{topic}.dlq")
    for name, svc, env in (("producer", producer, penv), ("dashboard", dashboard, denv)):
        check(f"compose: {name} starts after the topics exist",
              depends(svc, "topics", "service_completed_successfully"))
        check(f"compose: {name} uses kafka's internal listener",
              env.get("KAFKA_BROKERS") == internal, env.get("KAFKA_BROKERS", ""))
        check(f"compose: {name} is built from deploy/{name}.Dockerfile",
              (svc.get("build") or {}).get("dockerfile") == f"deploy/{name}.Dockerfile"
              and Path((svc.get("build") or {}).get("context", "")) == ROOT)
    extra = sorted(set(penv) - PRODUCER_ENV)
    check("compose: producer sets only documented variables", not extra, f"{extra}")
    extra = sorted(set(denv) - DASHBOARD_ENV)
    check("compose: dashboard sets only documented variables", not extra, f"{extra}")

    # Producer: data/ mounted where its CSV path points, state in a volume.
    csv_path = penv.get("PRODUCER_CSV_PATH", "")
    pvols = producer.get("volumes") or []
    data_mount = [v for v in pvols if v.get("type") == "bind" and v.get("source") == str(ROOT / "data")]
    check("compose: ../data is mounted into the producer at its CSV path's folder",
          bool(data_mount) and csv_path.startswith(data_mount[0].get("target", "?") + "/"),
          f"{csv_path} / {[v.get('target') for v in data_mount]}")
    state = penv.get("PRODUCER_STATE_DIR", "")
    check("compose: producer state is in a named volume",
          any(v.get("type") == "volume" and v.get("target") == state for v in pvols), state)

    # Dashboard: all interfaces in the container, 127.0.0.1:8080 on the host.
    listen = denv.get("DASHBOARD_LISTEN", "")
    host, port = split_hostport(listen) if ":" in listen else ("", -1)
    check("compose: dashboard listens on all interfaces inside its container",
          host in ("0.0.0.0", ""), listen)
    dports = dashboard.get("ports") or []
    check("compose: dashboard is published on 127.0.0.1:8080",
          any(p.get("host_ip") == "127.0.0.1" and str(p.get("published")) == "8080"
              and p.get("target") == port for p in dports), f"{dports}")

    # Everything published: loopback only.
    for name, svc in svcs.items():
        for p in svc.get("ports") or []:
            check(f"compose: {name} publishes {p.get('published')}->{p.get('target')} on 127.0.0.1 only",
                  p.get("host_ip") == "127.0.0.1", f"host_ip {p.get('host_ip')}")
        if svc.get("network_mode") == "host":
            check(f"compose: {name} does not use the host network", False)

    # Images pinned.
    for name, svc in svcs.items():
        if svc.get("build"):
            continue
        img = svc.get("image", "")
        tag = img.rpartition(":")[2] if ":" in img.rpartition("/")[2] else ""
        check(f"compose: {name} image {img} is pinned", tag not in ("", "latest", "main"))

    # Profiles.
    if "kafka-ui" in svcs:
        ui = svcs["kafka-ui"]
        check("compose: kafka-ui only in profile ui", ui.get("profiles") == ["ui"])
        check("compose: kafka-ui uses kafka's internal listener",
              internal in env_of(ui).values())
    if "generator" in svcs:
        gen = svcs["generator"]
        check("compose: generator only in profile generator", gen.get("profiles") == ["generator"])
        cmd = gen.get("command") or []
        out = cmd[cmd.index("--output") + 1] if "--output" in cmd else None
        gmount = [v for v in gen.get("volumes") or [] if v.get("source") == str(ROOT / "data")]
        check("compose: generator appends to the file the producer watches",
              "--append" in cmd and bool(gmount) and bool(data_mount)
              and out == csv_path and gmount[0].get("target") == data_mount[0].get("target"),
              f"{cmd}")
        check("compose: generator has a rate", "--rate" in cmd)


def check_help(name: str, names: set[str]) -> None:
    binary = BINARIES[name]
    if not binary.exists():
        skip(f"{name}: --help documents the variables compose sets", f"{binary} not built")
        return
    out = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=30)
    text = out.stdout + out.stderr
    missing = sorted(n for n in names if n not in text)
    check(f"{name}: --help documents the variables compose sets", not missing, f"missing {missing}")


def main() -> int:
    global PRODUCER_ENV, DASHBOARD_ENV
    PRODUCER_ENV = documented_env("producer", PRODUCER_ENV)
    DASHBOARD_ENV = documented_env("dashboard", DASHBOARD_ENV)
    cfg = json.loads(Path(sys.argv[1]).read_text())
    check_compose(cfg)
    svcs = cfg.get("services", {})
    check_dockerfile(DEPLOY / "producer.Dockerfile", PRODUCER_ENV, "csv-producer")
    check_dockerfile(DEPLOY / "dashboard.Dockerfile", DASHBOARD_ENV, "consumer-dashboard")
    check_dockerfile(DEPLOY / "generator.Dockerfile", None, None)
    for name in ("producer", "dashboard"):
        if name in svcs:
            check_help(name, set(env_of(svcs[name])))
    failed = 0
    for ok, name, why in results:
        if ok is None:
            print(f"skip {name}: {why}")
        elif ok:
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
