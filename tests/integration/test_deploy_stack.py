"""The compose stack's services, run natively with the compose file's settings.

Docker cannot run containers here, so this runs what each container would run,
against the suite's real broker, with exactly the environment the container
gets (the image's ENV overlaid by deploy/docker-compose.yml's `environment`,
as `docker compose config` resolves it), changing only host names, ports and
paths: the broker address becomes the local broker, listen ports become free
loopback ports, and container paths become temp dirs mapped the way the
compose volumes map them. Then it checks what a user of `docker compose up`
relies on: the topics exist with their partitions, rows in data/input.csv
reach /api/snapshot exactly, the images' HEALTHCHECK commands pass, and the
generator profile's command appends rows that reach the dashboard.

Also runs README's kafka-console-consumer command for the local broker and
checks it prints every row as JSON with its key and headers.
"""

from __future__ import annotations

import decimal
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

from conftest import (DASHBOARD, PRODUCER, ROOT, WAIT_S, Proc, free_port, http_get,
                      http_json, parse_wire_id, source_id, wait_until)
from csvfile import append, expected_snapshot, read_rows, snapshot_sums, write_rows

sys.path.insert(0, str(ROOT / "tests" / "static"))
from check_deploy import parse_dockerfile  # noqa: E402

DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
KAFKA_LOCAL = DEPLOY / "kafka" / "kafka-local"
GENERATOR = ROOT / "data" / "generate.py"
STATIC_TOOLS = Path(os.environ.get(
    "STATIC_TOOLS_DIR",
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "csv-kafka-dashboard" / "static-tools"))

SEED_HEADER = ["id", "nome", "idade", "cidade", "valor"]
SEED_ROWS = [
    [1, "João Silva", 28, "São Paulo", "1500.50"],
    [2, "Maria Santos", 34, "Rio de Janeiro", "2300.75"],
    [3, "Pedro Oliveira", 45, "Belo Horizonte", "980.25"],
    [4, "Ana Costa", 23, "Salvador", "1750.00"],
    [5, "Carlos Souza", 52, "Fortaleza", "3200.10"],
    [6, "Lúcia \"Lu\" Reis", 31, "Recife, PE", "0.10"],
]


# --- the compose file, as compose resolves it ----------------------------------

def _compose_binary() -> list[str] | None:
    """The pinned Compose CLI tests/static/run.sh installs, or `docker compose`."""
    pinned = STATIC_TOOLS / "bin" / "compose"
    if pinned.exists():
        return [str(pinned)]
    for argv in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(argv[0]) and subprocess.run(
                argv + ["version"], capture_output=True).returncode == 0:
            return argv
    return None


_VAR = re.compile(r"\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}|\$(\w+)")


def _interpolate(value, env):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and $$."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def repl(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        if m.group(2) == ":-":
            return env.get(name) or m.group(3)
        if m.group(2) == "-":
            return env.get(name, m.group(3))
        return env.get(name, "")
    return _VAR.sub(repl, value)


def _normalise_yaml(doc: dict) -> dict:
    """The parts of `config --format json` these tests read, from raw YAML."""
    out = {"services": {}}
    for name, svc in doc.get("services", {}).items():
        svc = dict(svc)
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.partition("=")[::2] for e in env)
        svc["environment"] = {k: "" if v is None else str(v) for k, v in env.items()}
        vols = []
        for v in svc.get("volumes") or []:
            if isinstance(v, str):
                parts = v.split(":")
                src, target = parts[0], parts[1]
                if src.startswith((".", "/")):
                    vols.append({"type": "bind", "source": str((DEPLOY / src).resolve()),
                                 "target": target})
                else:
                    vols.append({"type": "volume", "source": src, "target": target})
            else:
                vols.append(v)
        svc["volumes"] = vols
        for key in ("command", "entrypoint"):
            if isinstance(svc.get(key), str):
                svc[key] = shlex.split(svc[key])
        out["services"][name] = svc
    return out


def load_compose() -> dict:
    """deploy/docker-compose.yml with every profile, defaults interpolated.

    Uses the Compose CLI when there is one (the exact resolution), else PyYAML.
    The environment is emptied so the file's defaults are what gets tested.
    """
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(ROOT)}
    compose = _compose_binary()
    if compose is not None:
        out = subprocess.run(
            compose + ["-f", str(COMPOSE_FILE), "--env-file", os.devnull,
                       "--profile", "ui", "--profile", "generator",
                       "config", "--format", "json"],
            capture_output=True, text=True, env=clean_env, timeout=60)
        assert out.returncode == 0, out.stderr
        cfg = json.loads(out.stdout)
        for svc in cfg["services"].values():
            svc["environment"] = {k: "" if v is None else str(v)
                                  for k, v in (svc.get("environment") or {}).items()}
        return cfg
    yaml = pytest.importorskip("yaml", reason="needs the Compose CLI (tests/static/run.sh) or PyYAML")
    return _normalise_yaml(_interpolate(yaml.safe_load(COMPOSE_FILE.read_text()), {}))


def image_env(dockerfile: Path) -> dict[str, str]:
    """ENV of the Dockerfile's final stage."""
    _, stages = parse_dockerfile(dockerfile)
    env = {}
    for line in stages[-1].all("ENV"):
        for word in shlex.split(line):
            key, _, value = word.partition("=")
            env[key] = value
    return env


def image_healthcheck(dockerfile: Path) -> list[str]:
    _, stages = parse_dockerfile(dockerfile)
    (health,) = stages[-1].all("HEALTHCHECK")
    return json.loads(health[health.index("CMD") + 3:].strip())


class Localiser:
    """Maps a service's container environment onto this machine.

    Only addresses and paths change: a compose service's host:port becomes
    the local broker, a wildcard listen address a free loopback port, and a
    container path under a volume the matching temp dir.
    """

    def __init__(self, cfg: dict, bootstrap: str, tmp: Path) -> None:
        self.cfg = cfg
        self.bootstrap = bootstrap
        self.tmp = tmp
        self.listen: dict[str, str] = {}

    def dir_for(self, volume: dict) -> Path:
        name = Path(volume["source"]).name if volume["type"] == "bind" else volume["source"]
        path = self.tmp / "volumes" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, service: str, value: str) -> str:
        for vol in self.cfg["services"][service].get("volumes") or []:
            target = vol["target"].rstrip("/")
            if value == target or value.startswith(target + "/"):
                return str(self.dir_for(vol)) + value[len(target):]
        return value

    def value(self, service: str, key: str, value: str) -> str:
        services = set(self.cfg["services"])
        m = re.fullmatch(r"([\w.-]+):(\d+)", value)
        if m and m.group(1) in services:
            assert m.group(1) == "kafka", f"{key}={value}: only kafka is run here"
            return self.bootstrap
        if m and m.group(1) in ("0.0.0.0", ""):
            local = f"127.0.0.1:{free_port()}"
            self.listen[key] = local
            return local
        if value.startswith("/"):
            return self.path(service, value)
        return value

    def env(self, service: str, base: dict[str, str]) -> dict[str, str]:
        merged = dict(base)
        merged.update(self.cfg["services"][service].get("environment") or {})
        return {k: self.value(service, k, v) for k, v in merged.items()}

    def argv(self, service: str, argv: list[str]) -> list[str]:
        return [self.path(service, a) if a.startswith("/") else a for a in argv]


def run_env(env: dict[str, str]) -> dict[str, str]:
    """The process environment: only PATH/HOME/LANG from ours, plus env.

    Variables the compose file does not set must not leak in from the test
    runner (e.g. a KAFKA_TOPIC in the developer's shell).
    """
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    base.update(env)
    return base


class EnvProc(Proc):
    """conftest.Proc with a complete (not merged) environment."""

    def start(self):
        self.log = open(self.log_path, "ab")
        self.p = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=self.env, cwd=self.cwd, start_new_session=True)
        return self


def snapshot_equals_file(url: str, csv_path: Path):
    def check():
        snap = http_json(url + "/api/snapshot")
        want = expected_snapshot(csv_path)
        got = snapshot_sums(snap)
        return (snap["count"] == want["count"]
                and all(got.get(c) == s for c, s in want["sums"].items())) and snap
    return check


# --- the stack, started once for this module ------------------------------------

class Stack:
    def __init__(self, cfg, loc, topics_output, producer_env, dashboard_env, procs, logs):
        self.cfg = cfg
        self.loc = loc
        self.topics_output = topics_output
        self.producer_env = producer_env
        self.dashboard_env = dashboard_env
        self.procs = procs
        self.logs = logs
        self.url = "http://" + dashboard_env["DASHBOARD_LISTEN"]
        self.csv_path = Path(producer_env["PRODUCER_CSV_PATH"])
        self.topic = producer_env["KAFKA_TOPIC"]

    def start(self, name: str, argv, env, cwd=None) -> EnvProc:
        p = EnvProc(argv, self.logs / f"deploy-{name}-{len(self.procs)}.log",
                    run_env(env), cwd)
        self.procs.append(p)
        return p.start()

    def output(self) -> str:
        return "\n".join(f"----- {p.log_path.name}\n{p.output()[-3000:]}" for p in self.procs)


def kafka_topics(*args: str, bootstrap: str) -> str:
    out = subprocess.run([str(KAFKA_LOCAL), "topics", "--bootstrap-server", bootstrap, *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def compose_cfg():
    return load_compose()


@pytest.fixture(scope="module")
def loc(compose_cfg, broker, tmp_path_factory):
    return Localiser(compose_cfg, broker.bootstrap, tmp_path_factory.mktemp("deploy"))


def run_topics_service(cfg: dict, loc: Localiser) -> subprocess.CompletedProcess:
    """The one-shot `topics` service: its script and its environment; only the
    launcher of Kafka's TopicCommand is this machine's (the same Kafka jars)."""
    tenv = loc.env("topics", {})
    tenv["KAFKA_TOPICS_CMD"] = f"{KAFKA_LOCAL} topics"
    argv = list(cfg["services"]["topics"]["entrypoint"])
    assert argv[-1] == "/usr/local/bin/create-topics.sh", argv
    assert any(v["target"] == argv[-1] and v["source"] == str(DEPLOY / "create-topics.sh")
               for v in cfg["services"]["topics"]["volumes"])
    argv[-1] = str(DEPLOY / "create-topics.sh")
    return subprocess.run(argv, env=run_env(tenv), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def topics_created(compose_cfg, loc):
    done = run_topics_service(compose_cfg, loc)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def stack(compose_cfg, loc, topics_created):
    assert PRODUCER.exists(), f"{PRODUCER} is not built (ninja -C build)"
    assert DASHBOARD.exists(), f"{DASHBOARD} is not built (ninja -C build)"
    logs = Path(__file__).resolve().parent / ".logs"
    logs.mkdir(exist_ok=True)

    # data/ as the compose file mounts it, with a seed-schema CSV.
    penv = loc.env("producer", image_env(DEPLOY / "producer.Dockerfile"))
    denv = loc.env("dashboard", image_env(DEPLOY / "dashboard.Dockerfile"))
    csv_path = Path(penv["PRODUCER_CSV_PATH"])
    write_rows(csv_path, SEED_HEADER, SEED_ROWS)

    procs: list[EnvProc] = []
    s = Stack(compose_cfg, loc, topics_created.stdout, penv, denv, procs, logs)
    # The images' entrypoints take no arguments: everything is in the env.
    # Relative paths would resolve against an unrelated cwd, as in a container.
    s.start("dashboard", [DASHBOARD], denv, cwd=loc.tmp)
    s.start("producer", [PRODUCER], penv, cwd=loc.tmp)
    try:
        yield s
    finally:
        for p in reversed(procs):
            p.stop()


# --- tests ----------------------------------------------------------------------

def test_topics_service_creates_partitioned_topic_and_dlq(compose_cfg, loc, topics_created,
                                                         broker):
    services = compose_cfg["services"]
    topic = services["topics"]["environment"]["KAFKA_TOPIC"]
    parts = int(services["topics"]["environment"]["TOPIC_PARTITIONS"])
    assert topic == services["producer"]["environment"]["KAFKA_TOPIC"]
    assert topic == services["dashboard"]["environment"]["KAFKA_TOPIC"]
    described = kafka_topics("--describe", "--topic", topic, bootstrap=broker.bootstrap)
    assert re.search(rf"PartitionCount:\s*{parts}\b", described), described
    assert parts >= 2
    listed = kafka_topics("--list", bootstrap=broker.bootstrap).split()
    assert f"{topic}.dlq" in listed
    dlq = services["producer"]["environment"].get("PRODUCER_DLQ_TOPIC", f"{topic}.dlq")
    assert dlq == f"{topic}.dlq"

    # `docker compose up` runs the one-shot every time: it must succeed again.
    again = run_topics_service(compose_cfg, loc)
    assert again.returncode == 0, again.stdout + again.stderr


def test_compose_environment_gets_rows_to_the_dashboard(stack):
    try:
        snap = wait_until(snapshot_equals_file(stack.url, stack.csv_path),
                          what="dashboard snapshot equal to data/input.csv")
        assert snap["count"] == len(SEED_ROWS)
        assert decimal.Decimal(str(snap["columns"]["valor"]["sum"])) == decimal.Decimal("9731.70")

        append(stack.csv_path, "7,Roberto,45,Fortaleza,275.50\n8,Bia,19,Natal,12.05\n")
        snap = wait_until(snapshot_equals_file(stack.url, stack.csv_path),
                          what="dashboard snapshot after appending to data/input.csv")
        assert snap["count"] == len(SEED_ROWS) + 2
    except AssertionError:
        print(stack.output())
        raise
    # The producer kept its checkpoint where the compose volume puts it.
    state = Path(stack.producer_env["PRODUCER_STATE_DIR"])
    assert state.is_dir() and any(state.iterdir()), f"no state written in {state}"


def test_image_healthchecks_pass_against_the_running_services(stack):
    for name, env in (("producer", stack.producer_env), ("dashboard", stack.dashboard_env)):
        argv = image_healthcheck(DEPLOY / f"{name}.Dockerfile")
        assert argv[0] == "/usr/local/bin/http-health"
        argv[0] = str(DEPLOY / "http-health")

        def healthy(argv=argv, env=env):
            return subprocess.run(argv, env=run_env(env), capture_output=True,
                                  timeout=30).returncode == 0
        wait_until(healthy, what=f"{name} HEALTHCHECK {argv[1:]} to pass")

    # With DASHBOARD_AUTH set (deploy/.env), the dashboard's healthcheck still
    # passes: it sends the same credentials.
    auth_env = dict(stack.dashboard_env, DASHBOARD_AUTH="admin:s3cret",
                    DASHBOARD_LISTEN=f"127.0.0.1:{free_port()}")
    stack.start("dashboard-auth", [DASHBOARD], auth_env, cwd=stack.loc.tmp)
    argv = image_healthcheck(DEPLOY / "dashboard.Dockerfile")
    argv[0] = str(DEPLOY / "http-health")
    wait_until(lambda: subprocess.run(argv, env=run_env(auth_env), capture_output=True,
                                      timeout=30).returncode == 0,
               what="dashboard HEALTHCHECK with DASHBOARD_AUTH set")
    with pytest.raises(urllib.error.HTTPError) as denied:
        http_get(f"http://{auth_env['DASHBOARD_LISTEN']}/api/snapshot")
    assert denied.value.code == 401

    # And it fails when nothing listens there (a dead service is unhealthy).
    dead = dict(stack.dashboard_env, DASHBOARD_LISTEN=f"0.0.0.0:{free_port()}")
    argv = image_healthcheck(DEPLOY / "dashboard.Dockerfile")
    argv[0] = str(DEPLOY / "http-health")
    assert subprocess.run(argv, env=run_env(dead), capture_output=True).returncode != 0


def test_dashboard_listen_from_compose_is_reachable_only_as_configured(stack):
    # Inside the container DASHBOARD_LISTEN is 0.0.0.0:8080; compose publishes
    # that port on 127.0.0.1 only. Here the same variable drives the listener.
    env_listen = stack.cfg["services"]["dashboard"]["environment"]["DASHBOARD_LISTEN"]
    port = int(env_listen.rpartition(":")[2])
    published = stack.cfg["services"]["dashboard"]["ports"]
    assert [p for p in published if int(p["target"]) == port and p["host_ip"] == "127.0.0.1"]
    status, _, _ = http_get(stack.url + "/healthz")
    assert status == 200


@pytest.mark.skipif(not GENERATOR.exists(), reason="data/generate.py not written yet")
def test_generator_profile_appends_rows_that_reach_the_dashboard(stack):
    gen = stack.cfg["services"]["generator"]
    wait_until(snapshot_equals_file(stack.url, stack.csv_path), what="stack settled")
    before = len(read_rows(stack.csv_path))
    # The image's entrypoint, the compose command, /data mapped like the producer's.
    argv = [sys.executable, str(GENERATOR)] + stack.loc.argv("generator", gen["command"])
    out = argv[argv.index("--output") + 1]
    assert Path(out) == stack.csv_path, "generator must append to the producer's CSV"
    env = stack.loc.env("generator", image_env(DEPLOY / "generator.Dockerfile"))
    g = stack.start("generator", argv, env)
    try:
        wait_until(lambda: http_json(stack.url + "/api/snapshot")["count"] >= before + 10,
                   what="10 generated rows on the dashboard")
    finally:
        g.stop()
    assert len(read_rows(stack.csv_path)) >= before + 10
    wait_until(snapshot_equals_file(stack.url, stack.csv_path),
               what="dashboard equal to the file after the generator stopped")


# --- kafka-console-consumer, as README shows it ---------------------------------

def _doc_commands(marker: str) -> list[list[str]]:
    """Shell commands in README.md / docs/deploy.md code blocks containing marker."""
    found = []
    for doc in (ROOT / "README.md", ROOT / "docs" / "deploy.md"):
        if not doc.exists():
            continue
        for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", doc.read_text(), re.S):
            joined = block.replace("\\\n", " ")
            for line in joined.splitlines():
                line = line.strip()
                if marker in line and not line.startswith("#"):
                    found.append(shlex.split(line, comments=True))
    return found


def test_readme_console_consumer_prints_rows_as_json_with_keys_and_headers(stack, broker):
    wait_until(snapshot_equals_file(stack.url, stack.csv_path), what="stack settled")
    commands = [c for c in _doc_commands("kafka-local console-consumer")]
    assert commands, "README.md shows no `kafka-local console-consumer` command"
    argv = commands[0]
    assert argv[0] == "deploy/kafka/kafka-local"
    assert "--from-beginning" in argv
    # The README's address is the local broker's default; only that changes.
    i = argv.index("--bootstrap-server")
    argv[i + 1] = broker.bootstrap
    assert argv[argv.index("--topic") + 1] == stack.topic
    # Kafka's console consumer runs until stopped: stop it once it is idle.
    argv += ["--timeout-ms", str(int(15000 * max(1.0, WAIT_S / 60)))]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=WAIT_S + 120)
    assert out.returncode == 0, out.stderr

    file_rows = {r["id"]: r for r in read_rows(stack.csv_path)}
    seen = {}
    for line in out.stdout.splitlines():
        headers, key, value = line.split("\t", 2)
        hdrs = dict(h.split(":", 1) for h in headers.split(",")) if headers != "NO_HEADERS" else {}
        ident = parse_wire_id(hdrs.get("csv.id"))
        if not ident or ident["kind"] != "row":
            assert key.startswith("__"), f"control message with a row-like key: {line}"
            continue
        row = json.loads(value, parse_float=decimal.Decimal)
        assert isinstance(row, dict), line
        assert list(row) == SEED_HEADER, line
        assert key == str(row["id"]), f"key {key!r} is not the id column: {line}"
        assert set(hdrs) == {"csv.id"}, f"wire format v3: one header: {line}"
        assert ident["version"] == 3, f"csv.id is not a v3 identity: {line}"
        assert ident["source_id"] == source_id(stack.producer_env["PRODUCER_CSV_PATH"])
        seen[key] = (row, value)

    assert set(seen) == set(file_rows), (sorted(seen), sorted(file_rows))
    for key, (row, raw) in seen.items():
        want = file_rows[key]
        assert isinstance(row["idade"], int) and row["idade"] == int(want["idade"])
        assert row["nome"] == want["nome"] and row["cidade"] == want["cidade"]
        # Decimals keep the file's digits: 1500.50 stays 1500.50.
        assert f'"valor":{want["valor"]}' in raw, raw


def test_compose_console_consumer_matches_the_local_one(compose_cfg):
    """README's compose variant: same flags, pointed at a listener kafka has."""
    local = _doc_commands("kafka-local console-consumer")
    inside = _doc_commands("kafka-console-consumer.sh")
    assert local and inside, "README shows both console-consumer commands"
    exec_cmd = inside[0]
    assert exec_cmd[:4] == ["docker", "compose", "exec", "kafka"], exec_cmd
    tool = exec_cmd[4:]
    assert tool[0] == "/opt/kafka/bin/kafka-console-consumer.sh"
    kenv = compose_cfg["services"]["kafka"]["environment"]
    bootstrap = tool[tool.index("--bootstrap-server") + 1]
    advertised = [a.partition("://")[2] for a in kenv["KAFKA_ADVERTISED_LISTENERS"].split(",")]
    assert bootstrap in advertised, (bootstrap, advertised)

    def flags(argv):
        i = argv.index("--bootstrap-server")
        return argv[1:i] + argv[i + 2:]
    assert flags(tool) == flags(local[0][1:])
