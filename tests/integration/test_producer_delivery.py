"""Delivery failures and topic changes seen by a running producer:
a permanent delivery failure rewinds to the checkpoint and loses nothing;
partitions added to the topic receive the next control messages."""

import json
import time

from conftest import wait_until
from test_producer_basic import (HEADER, ROWS3, append, controls, partitions_of,
                                 rows_of, start_producer, wait_rows, wait_snapshot)
from test_producer_crash import generate

OUTAGE_S = 10  # longer than message.timeout.ms below, so messages fail


def test_permanent_delivery_failure_rewinds_and_loses_nothing(broker, topic, procs,
                                                               tmp_path):
    csv = tmp_path / "input.csv"
    generate(csv, 2_000, seed=11)
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "-X", "message.timeout.ms=3000")
    gen, _ = wait_snapshot(broker, topic)
    try:
        broker.kill()
        # Produced while Kafka is down: these time out after 3 s (a
        # permanent failure for librdkafka); the producer must rewind to
        # its checkpoint and send them again later.
        generate(csv, 1_000, seed=12, append_rows=True)
        wait_until(lambda: "event=rewind " in p.output(), timeout=OUTAGE_S * 3,
                   what="a rewind after failed deliveries")
        time.sleep(OUTAGE_S / 2)
        assert p.alive(), p.output()[-2000:]
    finally:
        broker.restart()
    assert "event=delivery_failed" in p.output()
    generate(csv, 500, seed=13, append_rows=True)

    msgs = wait_rows(broker, topic, 3_500, generation=gen,
                     what="every record after the outage")
    rows = rows_of(msgs, gen)
    ids = [(m["id"]["source"], m["id"]["generation"],
            m["id"]["record"]) for m in rows]
    # Every record of the file is on the topic ...
    assert {i[2] for i in ids} == set(range(1, 3_501))
    # ... exactly once after dropping copies by identity, and a copy is
    # the same row as the original.
    by_id = {}
    for i, m in zip(ids, rows):
        assert by_id.setdefault(i, m["value"]) == m["value"]
    assert len(by_id) == 3_500
    assert [json.loads(by_id[(str(csv), gen, r)])["id"] for r in (1, 2_001, 3_500)] \
        == [1, 2_001, 3_500]
    assert p.alive()


def test_added_partitions_get_the_next_control_messages(broker, topic, procs,
                                                         tmp_path):
    csv = tmp_path / "input.csv"
    broker.create_topic(topic, partitions=1)
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "--metadata-refresh-ms", "300")
    gen1, msgs = wait_snapshot(broker, topic)
    assert partitions_of(msgs) == {0}

    broker.tool("topics", "--bootstrap-server", broker.bootstrap, "--alter",
                "--topic", topic, "--partitions", "3")
    wait_until(lambda: "event=partitions_changed" in p.output(),
               what="the producer to see 3 partitions")
    append(csv, HEADER + "9,Lia Reis,22,Natal,5.00\n", "w")  # a new generation
    # kcat may still get the topic's old metadata (one partition) for a
    # while after the change: wait until it reads all three.
    gen2, msgs = wait_snapshot(broker, topic, after_generation=gen1, partitions={0, 1, 2})
    resets = [m for m in controls(msgs, "reset")
              if m["id"]["generation"] == gen2]
    assert {m["partition"] for m in resets} == {0, 1, 2}
    assert [json.loads(m["value"])["id"] for m in rows_of(msgs, gen2)] == [9]
