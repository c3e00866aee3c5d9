"""The producers' status topic: csv-producer writes a status record per
source every few seconds to <topic>.status (keyed by source); the dashboard
reads it and shows per source whether its producer is alive, caught up,
holding data or stopped. Kafka is the only channel between the two."""

import json

from conftest import kcat_consume, wait_until
from dashboard_helpers import get_json, start_dashboard
from test_producer_basic import HEADER, ROWS3, append, start_producer, wait_snapshot


def producer_of(url, source):
    for p in get_json(url + "/api/snapshot")["producers"]:
        if p["source"] == source:
            return p
    return None


def test_status_records_reach_the_dashboard(broker, topic, procs, tmp_path):
    broker.tool("topics", "--bootstrap-server", broker.bootstrap, "--create",
                "--topic", topic + ".status", "--partitions", "1",
                "--replication-factor", "1", "--config", "cleanup.policy=compact")
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    prod = start_producer(procs, broker, topic, csv, tmp_path / "state",
                          "--status-interval-ms", "500", "--stall-warning-ms", "1000")
    wait_snapshot(broker, topic)
    # On the topic: keyed by source, the producer's own words.
    msgs = wait_until(lambda: kcat_consume(broker.bootstrap, topic + ".status") or None,
                      what="a status record")
    assert msgs[0]["key"] == str(csv)
    rec = json.loads(msgs[0]["value"])
    assert rec["source"] == str(csv) and rec["state"] in ("caught_up", "sending")
    assert len(rec["instance"]) == 16

    _, url = start_dashboard(procs, broker.bootstrap, topic)
    p = wait_until(lambda: (lambda p: p if p and p["state"] == "caught_up" else None)(
        producer_of(url, str(csv))), what="the producer caught up on the dashboard")
    assert p["alive"] is True and p["pending"] == 0 and p["held_bytes"] == 0

    append(csv, '4,"Ana\n')  # an open quote: the producer holds the bytes
    p = wait_until(lambda: (lambda p: p if p and p["state"] == "holding" else None)(
        producer_of(url, str(csv))), what="holding on the dashboard")
    assert p["held_why"] == "open quote" and p["held_bytes"] == 7
    assert "open quote" in p["reason"]

    assert prod.stop() == 0
    p = wait_until(lambda: (lambda p: p if p and p["state"] == "stopped" else None)(
        producer_of(url, str(csv))), what="stopped on the dashboard")
    assert p["alive"] is False
