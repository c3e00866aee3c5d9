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


def test_reading_notes_reach_the_dashboard_and_clear_with_the_generation(
        broker, topic, procs, tmp_path):
    """What the producer assumed reading a file (its encoding, a "1,234"
    read with a decimal comma by guess, cells sent as text in a number
    column) is on the dashboard beside the source, not only in the
    producer's log; a new version of the file without them clears them."""
    csv = tmp_path / "input.csv"
    csv.write_bytes('id,nome,qtd\n1,São,"1,234"\n2,Zé,"12,500"\n3,Ana,7\n'
                    '4,Bia,muitos\n'.encode("cp1252"))
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--status-interval-ms", "300")
    _, url = start_dashboard(procs, broker.bootstrap, topic)

    def notes():
        p = producer_of(url, str(csv))
        return p["notes"] if p and len(p["notes"]) == 3 else None

    got = {n["kind"]: n for n in wait_until(notes, what="three reading notes")}
    assert "WINDOWS-1252" in got["encoding"]["text"]
    assert got["number_guess"]["column"] == "qtd"
    assert got["values_as_text"] == {"kind": "values_as_text", "count": 1,
                                     "column": "qtd"}
    gen = get_json(url + "/api/snapshot")["producers"][0]

    # The file rewritten as plain ASCII with a decimal point: a new
    # generation, nothing assumed.
    tmp = tmp_path / "next.csv"
    tmp.write_text("id,nome,qtd\n1,Ana,1.5\n2,Bia,2.25\n")
    tmp.replace(csv)
    p = wait_until(lambda: (lambda p: p if p and not p["notes"] else None)(
        producer_of(url, str(csv))), what="the notes cleared by the new generation")
    assert p["instance"] == gen["instance"]
    wait_until(lambda: get_json(url + "/api/snapshot")["count"] == 2,
               what="the new generation on the dashboard")
