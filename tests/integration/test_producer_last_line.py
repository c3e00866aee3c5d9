"""A last line without newline while tailing (issue 10, item 9): once it has
stayed unchanged for --last-line-idle-ms and has the header's field count it
is sent. Its late newline costs nothing (no duplicate, no new generation);
more bytes on that line make the file a new generation, so the topic and the
dashboard stay exact.
"""

import decimal
import json
import signal

from conftest import DASHBOARD, free_port, wait_until
from dashboard_helpers import get_json
from test_producer_basic import (append, consume, controls, metrics, rows_of,
                                 start_producer, values, wait_rows)

HEADER = "id,nome,valor\n"
IDLE = ["--last-line-idle-ms", "300"]


def file_read(port, path):
    size = path.stat().st_size
    wait_until(lambda: metrics(port)["csv_producer_file_offset_bytes"] == size,
               what=f"producer read up to byte {size}")


def test_idle_last_line_is_sent_and_its_late_newline_adds_nothing(
        broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    port = free_port()
    append(csv, HEADER + "1,Ana,1.50\n2,Bia,2.25", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--metrics-listen", f"127.0.0.1:{port}", *IDLE)
    msgs = wait_rows(broker, topic, 2, what="the last line without newline")
    assert values(rows_of(msgs))[1] == {"id": 2, "nome": "Bia", "valor": 2.25}
    wait_until(lambda: metrics(port)["csv_producer_rows_acked_total"] == 2,
               what="both rows acknowledged")

    append(csv, "\n")
    file_read(port, csv)
    append(csv, "3,Cid,3.00\r\n")  # a CRLF line in an LF file: still a row
    append(csv, "4,Dan,4.00\n")
    msgs = wait_rows(broker, topic, 4)
    rows = sorted(rows_of(msgs), key=lambda m: m["id"]["record"])
    assert [m["id"]["record"] for m in rows] == [1, 2, 3, 4], "no duplicate"
    assert [json.loads(m["value"])["id"] for m in rows] == [1, 2, 3, 4]
    text = csv.read_bytes()
    assert rows[2]["id"]["offset"] == text.index(b"3,Cid")
    assert rows[3]["id"]["offset"] == text.index(b"4,Dan")
    assert len(controls(msgs, "reset")) == len({m["partition"] for m in
                                                controls(msgs, "reset")})
    assert {m["id"]["generation"] for m in msgs} == {rows[0]["id"]["generation"]}
    m = metrics(port)
    assert m["csv_producer_generations_started_total"] == 1
    assert m["csv_producer_records_rejected_total"] == 0
    assert consume(broker, topic + ".dlq") == []


def test_bytes_added_to_a_sent_last_line_start_a_new_generation(
        broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    port = free_port()
    append(csv, HEADER + "1,Ana,1.50\n2,Bia,2", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state", *IDLE)
    dash_port = free_port()
    procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{dash_port}"], "dashboard")
    url = f"http://127.0.0.1:{dash_port}/api/snapshot"

    def shows(count, total):
        def check():
            try:
                snap = get_json(url)
            except (OSError, AssertionError):
                return None
            if snap.get("count") != count:
                return None
            got = decimal.Decimal(str(snap["columns"]["valor"]["sum"]))
            return snap if got == decimal.Decimal(total) else None
        return check

    wait_until(shows(2, "3.50"), what="the idle last line on the dashboard")
    first_gen = rows_of(consume(broker, topic))[0]["id"]["generation"]

    append(csv, "5.25\n")  # the line was "2,Bia,25.25" all along
    wait_until(shows(2, "26.75"), what="the whole line's value on the dashboard")
    msgs = consume(broker, topic)
    gens = sorted({m["id"]["generation"] for m in controls(msgs, "reset")})
    assert len(gens) == 2 and gens[0] == first_gen, gens
    assert [json.loads(controls(msgs, "reset")[-1]["value"])["reason"]] == ["line_grew"]
    assert values(rows_of(msgs, gens[1])) == [
        {"id": 1, "nome": "Ana", "valor": 1.5}, {"id": 2, "nome": "Bia", "valor": 25.25}]

    # Appends after the new generation are ordinary rows of it.
    append(csv, "3,Cid,0.25\n")
    wait_until(shows(3, "27.00"), what="an append after the new generation")
    assert consume(broker, topic + ".dlq") == []
    del port


def test_a_sent_last_line_that_grew_while_stopped_is_a_new_generation(
        broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    port = free_port()
    state = tmp_path / "state"
    append(csv, HEADER + "1,Ana,1.50\n2,Bia,2", "w")
    p = start_producer(procs, broker, topic, csv, state,
                       "--metrics-listen", f"127.0.0.1:{port}", *IDLE)
    wait_rows(broker, topic, 2, what="the idle last line")
    wait_until(lambda: metrics(port)["csv_producer_rows_acked_total"] == 2,
               what="both rows acknowledged")
    p.signal(signal.SIGTERM)
    assert p.wait() == 0, p.output()
    first_gen = rows_of(consume(broker, topic))[0]["id"]["generation"]

    # Only the newline while stopped: resumed, nothing sent again.
    append(csv, "\n3,Cid,3.00\n")
    p = start_producer(procs, broker, topic, csv, state, *IDLE, name="producer2")
    msgs = wait_rows(broker, topic, 3)
    assert sorted(m["id"]["record"] for m in rows_of(msgs)) == [1, 2, 3]
    assert {m["id"]["generation"] for m in msgs} == {first_gen}
    p.signal(signal.SIGTERM)
    assert p.wait() == 0, p.output()

    # A last line sent, then grown while stopped: a new generation.
    append(csv, "4,Dan,4")
    p = start_producer(procs, broker, topic, csv, state, *IDLE, name="producer3")
    wait_rows(broker, topic, 4, what="the fourth line, idle")
    p.signal(signal.SIGTERM)
    assert p.wait() == 0, p.output()
    append(csv, "0.5\n")
    start_producer(procs, broker, topic, csv, state, *IDLE, name="producer4")

    def new_generation():
        msgs = consume(broker, topic)
        gens = {m["id"]["generation"] for m in controls(msgs, "reset")}
        gens.discard(first_gen)
        if not gens:
            return None
        rows = values(rows_of(msgs, max(gens)))
        return rows if len(rows) == 4 else None
    rows = wait_until(new_generation, what="the file again as a new generation")
    assert rows[3] == {"id": 4, "nome": "Dan", "valor": 40.5}
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
