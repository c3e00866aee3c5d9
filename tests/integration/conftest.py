"""Shared fixtures for the integration suite.

Every test here talks to a real Apache Kafka broker that this suite starts on
free loopback ports (deploy/kafka/kafka-local) and stops at the end, and runs
the real csv-producer and consumer-dashboard binaries from the build dir
(CSV_BUILD_DIR, default build/). Every process a test starts is stopped by the
fixtures, also when the test fails.
"""

import ctypes
import ctypes.util
import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from kafka_broker import Broker

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CSV_BUILD_DIR", ROOT / "build")).resolve()
PRODUCER = BUILD / "producer" / "csv-producer"
DASHBOARD = BUILD / "consumer-dashboard" / "consumer-dashboard"

# Process logs of the tests (git-ignored, kept after the run for reading).
LOG_DIR = pathlib.Path(os.environ.get("TEST_LOG_DIR", BUILD / "test-logs"))

# One knob for every wait in the suite; raise it on slow machines.
TIMEOUT_SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1"))
WAIT_S = 60 * TIMEOUT_SCALE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=WAIT_S, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; returns it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, ValueError, KeyError, urllib.error.URLError,
                subprocess.SubprocessError) as e:
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")


class Proc:
    """A child process whose output goes to a log file; stop() always reaps."""

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.argv = [str(a) for a in argv]
        self.log_path = pathlib.Path(log_path)
        self.env = env
        self.cwd = cwd
        self.p = None

    def start(self):
        full_env = dict(os.environ)
        if self.env:
            full_env.update(self.env)
        self.log = open(self.log_path, "wb")
        self.p = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=full_env, cwd=self.cwd, start_new_session=True)
        return self

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            self.p.send_signal(sig)

    def kill(self):
        if self.alive():
            self.p.kill()
        if self.p is not None:
            self.p.wait()

    def stop(self, timeout=30 * TIMEOUT_SCALE):
        """SIGTERM, wait, then SIGKILL. Returns the exit status."""
        if self.p is None:
            return None
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode

    def wait(self, timeout=WAIT_S):
        return self.p.wait(timeout)

    def output(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    # Three partitions by default: nothing may assume a single partition.
    b = Broker(tmp_path_factory.mktemp("kafka"), partitions=3)
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def topic(request):
    """A fresh topic name per test (auto-created by the broker on first use)."""
    name = request.node.name.replace("[", "_").replace("]", "").replace("/", "_")
    return f"itest_{os.getpid()}_{uuid.uuid4().hex[:8]}_{name}"[:200]


@pytest.fixture
def procs(request):
    """Collects Proc objects; stops all of them when the test ends."""
    started = []

    def run(argv, name, env=None, cwd=None):
        log = LOG_DIR
        log.mkdir(parents=True, exist_ok=True)
        p = Proc(argv, log / f"{request.node.name}-{name}-{len(started)}.log", env, cwd)
        started.append(p)
        return p.start()

    yield run
    for p in reversed(started):
        p.stop()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for p in started:
            print(f"----- {p.log_path.name} -----\n{p.output()[-4000:]}")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers, r.read()


def http_json(url, timeout=5):
    status, _, body = http_get(url, timeout)
    assert status == 200
    return json.loads(body)


def parse_headers(text):
    """kcat's %h text (name=value,...) as a dict. csv.id comes last and its
    v2 source may hold ',' or '=', so it takes the rest of the text."""
    h = {}
    while text:
        k, _, rest = text.partition("=")
        if k == "csv.id":
            h[k] = rest
            break
        v, _, text = rest.partition(",")
        h[k] = v
    return h


_xxh3 = None


def source_id(source):
    """The source id of a source (docs/wire-format.md): XXH3-64 of its
    bytes, 16 lower-case hex digits; libxxhash through ctypes, the library
    csv-producer is built with."""
    global _xxh3
    if _xxh3 is None:
        lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
        _xxh3 = lib.XXH3_64bits
        _xxh3.restype = ctypes.c_uint64
        _xxh3.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    b = source if isinstance(source, bytes) else source.encode()
    return f"{_xxh3(b, len(b)):016x}"


def parse_wire_id(value, kind=None):
    """A csv.id header value as a dict, or None. Wire format v3
    (v3;kind;generation;record;offset;schema;source id): "source" is None
    until kcat_consume names it from a control message or dead letter.
    Version 2 (v2;generation;record;offset;schema;source): "kind" is the
    csv.kind header's (given), "source_id" computed from the source."""
    if not value:
        return None
    if value.startswith("v3;"):
        parts = value.split(";")
        if len(parts) != 7:
            return None
        return {"version": 3, "kind": parts[1], "generation": int(parts[2]),
                "record": int(parts[3]), "offset": int(parts[4]), "schema": parts[5],
                "source_id": parts[6], "source": None}
    parts = value.split(";", 5)
    if len(parts) != 6 or parts[0] != "v2":
        return None
    return {"version": 2, "kind": kind, "generation": int(parts[1]),
            "record": int(parts[2]), "offset": int(parts[3]), "schema": parts[4],
            "source_id": source_id(parts[5]), "source": parts[5]}


def name_sources(msgs):
    """Fills the "source" of v3 identities from the messages that name
    their source id ("source" and "source_id" in a control message's or a
    dead letter's value). Returns the id -> source map."""
    names = {}
    for m in msgs:
        if not m["id"] or not m["value"].startswith("{"):
            continue
        if m["id"]["version"] == 2:
            names.setdefault(m["id"]["source_id"], m["id"]["source"])
            continue
        try:
            v = json.loads(m["value"])
        except ValueError:
            continue
        if isinstance(v, dict) and isinstance(v.get("source"), str) \
                and v.get("source_id") == m["id"]["source_id"]:
            names.setdefault(v["source_id"], v["source"])
    for m in msgs:
        if m["id"] and m["id"]["source"] is None:
            m["id"]["source"] = names.get(m["id"]["source_id"])
    return names


def kcat_consume(bootstrap, topic, count=None, timeout_s=WAIT_S, headers=True):
    """Reads a topic from the beginning with kcat (-e: stop at the end).

    Returns a list of dicts: key, value (str), partition, offset, timestamp
    (ms), headers (dict), id (the decoded csv.id header, or None; its source
    named from the topic's control messages, see name_sources) and kind
    (row, reset, snapshot_complete, rejected; None without csv.id).
    """
    fmt = "%k\\t%p\\t%o\\t%T\\t%h\\t%s\\n" if headers else "%k\\t%p\\t%o\\t%T\\t\\t%s\\n"
    argv = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
            "-f", fmt.replace("\\t", "\x1f").replace("\\n", "\x1e")]
    if count is not None:
        argv += ["-c", str(count)]
    out = subprocess.run(argv, capture_output=True, timeout=timeout_s, check=True).stdout
    msgs = []
    for rec in out.decode().split("\x1e"):
        if not rec:
            continue
        key, part, off, ts, hdrs, value = rec.split("\x1f", 5)
        h = parse_headers(hdrs)
        ident = parse_wire_id(h.get("csv.id"), h.get("csv.kind"))
        msgs.append({"key": key, "partition": int(part), "offset": int(off),
                     "timestamp": int(ts), "headers": h, "id": ident,
                     "kind": ident["kind"] if ident else None, "value": value})
    name_sources(msgs)
    return msgs
