"""Health on a real 3-node cluster: too few in-sync replicas stall the
producer, which says so (NOT_ENOUGH_REPLICAS) in its log and /healthz;
partitions without a leader degrade the dashboard. Both recover when the
node comes back. The fixture starts three KRaft nodes on free ports
(deploy/kafka/kafka-local start --nodes 3) and always stops them."""

import json
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import PRODUCER, free_port, wait_until
from dashboard_helpers import start_dashboard
from kafka_broker import KAFKA_LOCAL
from kafka_cluster import Cluster
from test_producer_basic import HEADER, ROWS3, append

LONG_WAIT_S = 240  # node restarts and fencing on a loaded machine


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"), nodes=3, partitions=3)
    try:
        c.start()
        yield c
    finally:
        c.kill()


def create(cluster, topic, replicas, min_isr):
    subprocess.run([str(KAFKA_LOCAL), "topics", "--bootstrap-server", cluster.bootstrap,
                    "--create", "--topic", topic, "--partitions", "3",
                    "--replication-factor", str(replicas),
                    "--config", f"min.insync.replicas={min_isr}"],
                   check=True, capture_output=True, timeout=120)


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_not_enough_replicas_is_named(cluster, topic, procs, tmp_path):
    # Every replica must be in sync: one node down blocks every write.
    create(cluster, topic, 3, 3)
    create(cluster, topic + ".dlq", 3, 1)
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    port = free_port()
    p = procs([PRODUCER, "-b", cluster.bootstrap, "-t", topic, "-f", csv,
               "--state-dir", tmp_path / "state", "--metrics-listen", f"127.0.0.1:{port}",
               "--stall-warning-ms", "2000"], "producer")
    wait_until(lambda: "event=snapshot_complete" in p.output() and healthz(port)[0] == 200,
               timeout=LONG_WAIT_S, what="the first generation acknowledged")
    cluster.kill(3)
    try:
        append(csv, "4,Ana Costa,29,Salvador,1200.00\n")
        status, body = wait_until(
            lambda: (lambda h: h if h[0] == 503 and "delivery:" in h[1]["reason"] else None)(
                healthz(port)), timeout=LONG_WAIT_S, what="/healthz 503 for the stall")
        wait_until(lambda: "NOT_ENOUGH_REPLICAS" in healthz(port)[1].get("reason", ""),
                   timeout=LONG_WAIT_S, what="the reason to name NOT_ENOUGH_REPLICAS")
        assert "check=delivery" in p.output()
    finally:
        cluster.start_nodes(3)
    wait_until(lambda: healthz(port)[0] == 200, timeout=LONG_WAIT_S,
               what="healthy once the node is back")
    assert "check=delivery after_ms=" in p.output()


def test_partitions_without_leader_degrade_the_dashboard(cluster, topic, procs):
    # One replica per partition: the partitions of a dead node have no leader.
    create(cluster, topic, 1, 1)
    _, url = start_dashboard(procs, cluster.bootstrap, topic)
    wait_until(lambda: urllib.request.urlopen(url + "/healthz", timeout=5).status == 200,
               timeout=LONG_WAIT_S, what="healthy")
    node = cluster.metadata(topic)[0]["leader"]
    cluster.kill(node)
    try:
        def degraded():
            try:
                urllib.request.urlopen(url + "/healthz", timeout=5)
            except urllib.error.HTTPError as e:
                body = json.loads(e.read())
                return body if "partitions:" in body["reason"] else None
            return None
        body = wait_until(degraded, timeout=LONG_WAIT_S, what="/healthz 503, no leader")
        assert f"of topic {topic} have no leader" in body["reason"]
    finally:
        cluster.start_nodes(node)
    wait_until(lambda: urllib.request.urlopen(url + "/healthz", timeout=5).status == 200,
               timeout=LONG_WAIT_S, what="healthy once the node is back")
