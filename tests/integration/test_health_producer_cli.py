"""csv-producer says what it does and why it cannot: effective librdkafka
values in -X list, a visible (or refused) topic auto-creation, the reason a
--metrics-listen address cannot be used."""

import socket
import subprocess

from conftest import PRODUCER, wait_until
from test_producer_basic import HEADER, ROWS3, append, start_producer, wait_snapshot


def test_x_list_shows_effective_values(tmp_path):
    out = subprocess.run([PRODUCER, "-b", "10.1.2.3:9", "-X", "list",
                          "-X", "linger.ms=7", "-X", "sasl.password=secret"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    props = dict(line.split("=", 1) for line in out.stdout.splitlines()
                 if line and not line.startswith("#"))
    # csv-producer's own defaults, not librdkafka's stock ones ...
    assert props["enable.idempotence"] == "true"
    assert props["message.timeout.ms"] == "0"
    # ... then the command line, secrets masked.
    assert props["queue.buffering.max.ms"] == "7"
    assert props["metadata.broker.list"] == "10.1.2.3:9"
    assert props["sasl.password"] == "***"


def test_x_list_default_sends_a_single_row_at_once():
    """No linger by default: a lone appended row is not held for a batch
    (docs/producer.md, librdkafka defaults)."""
    out = subprocess.run([PRODUCER, "-b", "10.1.2.3:9", "-X", "list"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    props = dict(line.split("=", 1) for line in out.stdout.splitlines()
                 if line and not line.startswith("#"))
    assert props["queue.buffering.max.ms"] == "0"
    assert props["socket.nagle.disable"] == "true"


def test_metrics_listen_on_a_busy_port_says_why(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = subprocess.run([PRODUCER, "-b", "127.0.0.1:9", "--state-dir",
                              str(tmp_path / "state"), "-f", str(tmp_path / "x.csv"),
                              "--metrics-listen", f"127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert f"--metrics-listen 127.0.0.1:{port}: cannot listen there: " \
           "Address already in use" in out.stderr


def test_topic_auto_creation_is_logged(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "--metadata-refresh-ms", "300")
    wait_snapshot(broker, topic)
    for t in (topic, topic + ".dlq"):
        wait_until(lambda: f"event=topic_auto_created topic={t} partitions=3 "
                   "replication_factor=1 " in p.output(),
                   what=f"the auto-creation of {t} in the log")


def test_no_create_topic_waits_for_the_topic(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "--no-create-topic")
    wait_until(lambda: f"event=topic_missing topic={topic} " in p.output(),
               what="the missing topic in the log")
    # It waits (nothing created, still running) ...
    listing = broker.tool("topics", "--bootstrap-server", broker.bootstrap,
                          "--list").stdout.split()
    assert topic not in listing and p.alive()
    # ... and goes on once someone creates the topic.
    broker.create_topic(topic, partitions=2)
    broker.create_topic(topic + ".dlq", partitions=1)
    wait_snapshot(broker, topic)
    assert "event=topic_auto_created" not in p.output()
