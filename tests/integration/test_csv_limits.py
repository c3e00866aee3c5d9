"""A record too large for Kafka costs that record only (issue 10, item 8):
it goes to the dead-letter topic with its size, later rows arrive, and
--exit-at-eof ends. Both limits: librdkafka's message.max.bytes (refused
before sending) and a topic whose max.message.bytes is smaller (refused by
the broker, learnt, then refused before sending)."""

import json

from conftest import WAIT_S
from test_producer_basic import consume, rows_of, start_producer, values


def big_file(path, size):
    path.write_text("id,nome,valor\n"
                    "1,Ana,1.00\n"
                    f"2,{'x' * size},2.00\n"
                    "3,Cid,3.00\n")


def check(p, broker, topic, size):
    assert p.wait(WAIT_S) == 0, p.output()
    msgs = consume(broker, topic)
    assert [v["id"] for v in values(rows_of(msgs))] == [1, 3]
    dlq = [json.loads(m["value"]) for m in consume(broker, topic + ".dlq")]
    assert [d["record"] for d in dlq] == [2], dlq
    assert "larger than the" in dlq[0]["reason"], dlq
    assert str(size) in dlq[0]["reason"] or "bytes" in dlq[0]["reason"]
    assert len(dlq[0]["raw"]) < size  # the text is cut to fit


def test_record_over_message_max_bytes_goes_to_dlq(broker, topic, procs, tmp_path):
    csv = tmp_path / "big.csv"
    big_file(csv, 5000)
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "--exit-at-eof", "--max-record-bytes", "100000",
                       "-X", "message.max.bytes=4000")
    check(p, broker, topic, 5000)


def test_record_over_topic_limit_goes_to_dlq(broker, topic, procs, tmp_path):
    broker.tool("topics", "--bootstrap-server", broker.bootstrap, "--create",
                "--topic", topic, "--partitions", "1", "--replication-factor", "1",
                "--config", "max.message.bytes=3000")
    csv = tmp_path / "big.csv"
    big_file(csv, 5000)
    p = start_producer(procs, broker, topic, csv, tmp_path / "state", "--exit-at-eof")
    check(p, broker, topic, 5000)
    assert "event=message_too_large" in p.output()
