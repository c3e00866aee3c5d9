"""A 3-broker cluster under failures: nothing lost, nothing duplicated.

Its own fixture starts three KRaft nodes (each broker and controller, on free
ports; deploy/kafka/kafka-local start --nodes 3) and always stops them. The
topic has replication factor 3 and min.insync.replicas=2, as docs/deploy.md
recommends for production. While csv-producer follows a file that keeps
growing, the test

1. SIGKILLs the leader of partition 0 during an append burst, then restarts it;
2. SIGKILLs the active controller during the next burst, then restarts it;
3. SIGKILLs two nodes at once: with one node left nothing can be acknowledged
   (min.insync.replicas=2), so the dashboard must not reach the file; then
   both come back and everything written meanwhile arrives.

A dashboard that lived through all of it and a second one started afterwards
(a replay from the beginning) must both show exactly the file: the same count
and sums, and row by row the same rows as the file (sorted by id).

CLUSTER_CHUNK_ROWS sets the rows per append (default 2000; 120,000 rows in all).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import threading
import time

import pytest

from conftest import DASHBOARD, PRODUCER, free_port, http_get, http_json, wait_until
from csvfile import append, expected_snapshot, snapshot_sums, write_rows
from kafka_broker import KAFKA_LOCAL
from kafka_cluster import Cluster

HEADER = ["id", "nome", "idade", "cidade", "valor"]
CITIES = ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Salvador", "Recife"]
CHUNK = int(os.environ.get("CLUSTER_CHUNK_ROWS", "2000"))
BURST_CHUNKS = 20
KILL_AFTER_CHUNKS = 5
# Waits that include a node restart, a fencing (6 s session) and catch-up on
# a loaded 2-core machine.
LONG_WAIT_S = 240


def rows(n, start):
    return [[i, f"Nome {i}", 18 + (i * 7) % 60, CITIES[i % 5],
             f"{(i * 37) % 5000}.{i % 100:02d}"] for i in range(start, start + n)]


class Appender:
    """Appends BURST_CHUNKS chunks of CHUNK rows to a CSV, one write each."""

    def __init__(self, path, first_id):
        self.path = path
        self.next_id = first_id
        self.done_chunks = 0
        self.cond = threading.Condition()
        self.thread = None

    def burst(self, chunks=BURST_CHUNKS, pause=0.05):
        def run():
            for _ in range(chunks):
                text = "".join(",".join(map(str, r)) + "\n" for r in rows(CHUNK, self.next_id))
                append(self.path, text)
                with self.cond:
                    self.next_id += CHUNK
                    self.done_chunks += 1
                    self.cond.notify_all()
                time.sleep(pause)
        self.done_chunks = 0
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait_chunks(self, n):
        with self.cond:
            assert self.cond.wait_for(lambda: self.done_chunks >= n, timeout=60)

    def join(self):
        self.thread.join(60)
        assert not self.thread.is_alive()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"), nodes=3, partitions=3)
    try:
        c.start()
        yield c
    finally:
        # The data is scratch: SIGKILL is enough, and quicker than a
        # controlled shutdown of a cluster that may have lost its quorum.
        c.kill()


def snapshot(url):
    try:
        return http_json(url + "/api/snapshot")
    except (OSError, ValueError, AssertionError):
        return None


def count(url):
    snap = snapshot(url)
    return snap["count"] if snap else -1


def wait_equal_to_file(url, csv_path, what, timeout=LONG_WAIT_S):
    want = expected_snapshot(csv_path)

    def equal():
        snap = snapshot(url)
        return snap and snap["count"] == want["count"] and all(
            snapshot_sums(snap).get(c) == s for c, s in want["sums"].items())
    wait_until(equal, timeout=timeout, interval=0.2,
               what=f"{what}: {want['count']} rows and the file's sums")


def exported_rows(url):
    _, _, body = http_get(url + "/api/export.csv?sort=id&order=asc", timeout=60)
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def file_rows(csv_path):
    with open(csv_path, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    return [table[0]] + sorted(table[1:], key=lambda r: int(r[0]))


def full_isr(cluster, topic):
    meta = cluster.metadata(topic)
    return len(meta) == 3 and all(p["isr"] == {1, 2, 3} and p["leader"] > 0
                                  for p in meta.values())


def test_three_brokers_lose_nothing_through_leader_controller_and_two_node_kills(
        cluster, procs, topic, tmp_path):
    subprocess.run([str(KAFKA_LOCAL), "topics", "--bootstrap-server", cluster.bootstrap,
                    "--create", "--topic", topic, "--partitions", "3",
                    "--replication-factor", "3", "--config", "min.insync.replicas=2"],
                   check=True, capture_output=True, timeout=120)
    wait_until(lambda: full_isr(cluster, topic), timeout=LONG_WAIT_S, what="topic in sync")

    csv_path = tmp_path / "input.csv"
    write_rows(csv_path, HEADER, rows(10 * CHUNK, 1))
    procs([PRODUCER, "-b", cluster.bootstrap, "-t", topic, "-f", csv_path,
           "--state-dir", tmp_path / "state"], "producer")
    live_port = free_port()
    live = f"http://127.0.0.1:{live_port}"
    procs([DASHBOARD, "-b", cluster.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{live_port}"], "dashboard-live")
    wait_equal_to_file(live, csv_path, "first rows")
    appender = Appender(csv_path, 10 * CHUNK + 1)

    # 1. The leader of partition 0 dies during a burst.
    appender.burst()
    appender.wait_chunks(KILL_AFTER_CHUNKS)
    leader = wait_until(lambda: cluster.metadata(topic)[0]["leader"], what="leader of partition 0")
    cluster.kill(leader)
    appender.join()
    wait_equal_to_file(live, csv_path, f"rows with node {leader} (leader) down")
    cluster.start_nodes(leader)
    wait_until(lambda: full_isr(cluster, topic), timeout=LONG_WAIT_S,
               what=f"node {leader} back in every ISR")

    # 2. The active controller dies during a burst.
    controller = wait_until(cluster.active_controller, timeout=LONG_WAIT_S, what="active controller")
    appender.burst()
    appender.wait_chunks(KILL_AFTER_CHUNKS)
    cluster.kill(controller)
    appender.join()
    wait_equal_to_file(live, csv_path, f"rows with node {controller} (controller) down")
    assert wait_until(cluster.active_controller, timeout=LONG_WAIT_S,
                      what="a new active controller") != controller
    cluster.start_nodes(controller)
    wait_until(lambda: full_isr(cluster, topic), timeout=LONG_WAIT_S,
               what=f"node {controller} back in every ISR")

    # 3. Two nodes die: one replica cannot satisfy min.insync.replicas=2.
    down = [n for n in (1, 2, 3) if n != controller][:2]
    before = count(live)
    cluster.kill(*down)
    assert cluster.running() == [n for n in (1, 2, 3) if n not in down]
    appender.burst(chunks=10)
    appender.join()
    want = expected_snapshot(csv_path)["count"]
    assert want > before
    # Blocked, not lost: nothing new can be acknowledged while only one
    # replica is left, so the dashboard stays short of the file.
    for _ in range(10):
        assert count(live) < want, "rows were acknowledged by a single replica"
        time.sleep(0.5)
    cluster.start_nodes(*down)
    wait_equal_to_file(live, csv_path, f"rows after nodes {down} came back")
    wait_until(lambda: full_isr(cluster, topic), timeout=LONG_WAIT_S, what="every ISR full")

    # A second dashboard replays the topic from the start.
    replay_port = free_port()
    replay = f"http://127.0.0.1:{replay_port}"
    procs([DASHBOARD, "-b", cluster.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{replay_port}"], "dashboard-replay")
    wait_equal_to_file(replay, csv_path, "the replaying dashboard")

    # Row by row: both dashboards hold exactly the file's rows, once each.
    expected = file_rows(csv_path)
    assert len(expected) - 1 == want
    live_rows = exported_rows(live)
    replay_rows = exported_rows(replay)
    assert live_rows == replay_rows
    assert len(live_rows) == len(expected)
    for got, exp in zip(live_rows, expected):
        assert got == exp, f"dashboard row {got} != file row {exp}"
