"""csv-producer, one behaviour per test, against the real broker.

Each test writes a CSV in a temp dir, runs the real binary on it and reads
the topic back with kcat: rows, control messages, headers, DLQ.
"""

import json
import os
import pathlib
import re
import signal
import subprocess
import time

from conftest import PRODUCER, http_get, kcat_consume, source_id, wait_until, free_port

HEADER = "id,nome,idade,cidade,valor\n"
ROWS3 = ("1,João Silva,28,São Paulo,1500.50\n"
         "2,Maria Santos,35,Rio de Janeiro,2300.00\n"
         "3,Pedro Oliveira,42,Belo Horizonte,890.75\n")


# ---- helpers shared by the producer test files ----

def start_producer(procs, broker, topic, csv, state_dir, *extra, name="producer"):
    argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(csv),
            "--state-dir", str(state_dir), "--stat-interval-ms", "200", *extra]
    return procs(argv, name)


def consume(broker, topic):
    try:
        return kcat_consume(broker.bootstrap, topic)
    except subprocess.CalledProcessError:
        return []  # topic not created yet


def rows_of(msgs, generation=None):
    out = [m for m in msgs if m["kind"] == "row"]
    if generation is not None:
        out = [m for m in out if m["id"]["generation"] == generation]
    return out


def controls(msgs, kind):
    return [m for m in msgs if m["kind"] == kind]


def values(msgs):
    """Row values ordered by record number (one per identity)."""
    seen = {}
    for m in msgs:
        seen[(m["id"]["generation"], m["id"]["record"])] = json.loads(m["value"])
    return [seen[k] for k in sorted(seen)]


def partitions_of(msgs):
    return {m["partition"] for m in controls(msgs, "reset")}


def wait_snapshot(broker, topic, after_generation=0, what="snapshot", partitions=None):
    """Waits for a snapshot_complete of a generation > after_generation on
    every partition the reset went to (on exactly `partitions` when given:
    a reader that still sees fewer partitions of the topic is not done);
    returns (generation, messages)."""
    def done():
        msgs = consume(broker, topic)
        snaps = [m for m in controls(msgs, "snapshot_complete")
                 if m["id"]["generation"] > after_generation]
        if not snaps:
            return None
        gen = max(m["id"]["generation"] for m in snaps)
        snap_parts = {m["partition"] for m in snaps
                      if m["id"]["generation"] == gen}
        resets = [m for m in controls(msgs, "reset")
                  if m["id"]["generation"] == gen]
        if not resets or snap_parts != {m["partition"] for m in resets}:
            return None
        if partitions is not None and snap_parts != set(partitions):
            return None
        snap = json.loads(snaps[-1]["value"])
        if len(rows_of(msgs, gen)) < snap["row_count"]:
            return None
        return gen, msgs
    return wait_until(done, what=what)


def wait_rows(broker, topic, count, generation=None, what=None):
    def done():
        msgs = consume(broker, topic)
        return msgs if len(values(rows_of(msgs, generation))) >= count else None
    return wait_until(done, what=what or f"{count} rows")


def append(path, text, mode="a"):
    with open(path, mode, encoding="utf-8", newline="") as f:
        f.write(text)


def metrics(port):
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)  # label values may hold spaces
            out[k] = int(v)
    return out


# ---- tests ----

def test_initial_load_then_appends_send_only_new_rows(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    started_ms = time.time() * 1000
    start_producer(procs, broker, topic, csv, tmp_path / "state")
    gen, msgs = wait_snapshot(broker, topic)
    snap = json.loads(controls(msgs, "snapshot_complete")[0]["value"])
    producer_id = snap.pop("producer")
    assert re.fullmatch(r"[0-9a-f]{16}", producer_id)
    assert snap == {"__control": "snapshot_complete", "source": str(csv),
                    "source_id": source_id(str(csv)),
                    "generation": gen, "last_record": 3, "row_count": 3}
    reset = json.loads(controls(msgs, "reset")[0]["value"])
    assert reset["producer"] == producer_id
    assert (reset["source"], reset["source_id"]) == (str(csv), source_id(str(csv)))
    assert reset["columns"] == [
        {"name": "id", "type": "integer"}, {"name": "nome", "type": "text"},
        {"name": "idade", "type": "integer"}, {"name": "cidade", "type": "text"},
        {"name": "valor", "type": "decimal"}]

    append(csv, "4,Ana Costa,29,Salvador,1200.00\n5,Carlos Souza,51,Curitiba,3100.25\n")
    msgs = wait_rows(broker, topic, 5)
    rows = rows_of(msgs)
    assert len(rows) == 5, "each record exactly once"
    assert [m["value"] for m in sorted(rows, key=lambda m: m["id"]["record"])][3:] == [
        '{"id":4,"nome":"Ana Costa","idade":29,"cidade":"Salvador","valor":1200.00}',
        '{"id":5,"nome":"Carlos Souza","idade":51,"cidade":"Curitiba","valor":3100.25}']
    first = next(m for m in rows if m["id"]["record"] == 1)
    assert first["key"] == "1"
    assert first["id"]["source"] == str(csv)  # named by the reset
    assert first["id"]["offset"] == len(HEADER.encode())
    assert re.fullmatch(r"[0-9a-f]{16}", first["id"]["schema"])
    # Wire format v3: one header, the source by its id, the read time as
    # the message timestamp.
    assert set(first["headers"]) == {"csv.id"}
    assert first["headers"]["csv.id"] == (
        f"v3;row;{gen};1;{len(HEADER.encode())};{first['id']['schema']};{source_id(str(csv))}")
    assert started_ms - 1000 <= first["timestamp"] <= time.time() * 1000
    assert {m["id"]["generation"] for m in rows} == {gen}


def test_partial_last_line_waits_for_its_newline(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    port = free_port()
    append(csv, HEADER + ROWS3, "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--metrics-listen", f"127.0.0.1:{port}")
    wait_snapshot(broker, topic)
    append(csv, "4,Ana Costa,29,Salv")
    size = csv.stat().st_size
    # The producer has read the partial line: it must not have sent it.
    wait_until(lambda: metrics(port)["csv_producer_file_offset_bytes"] == size,
               what="partial line read")
    assert metrics(port)["csv_producer_records_read_total"] == 3
    assert len(rows_of(consume(broker, topic))) == 3
    append(csv, "ador,1200.00\n")
    msgs = wait_rows(broker, topic, 4)
    assert values(rows_of(msgs))[3] == {"id": 4, "nome": "Ana Costa", "idade": 29,
                                        "cidade": "Salvador", "valor": 1200.0}
    assert '"valor":1200.00' in [m for m in rows_of(msgs) if m["key"] == "4"][0]["value"]
    status, _, body = http_get(f"http://127.0.0.1:{port}/healthz")
    assert status == 200


def test_quoted_newlines_crlf_and_bom(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    data = ("\ufeffid,nome,obs\r\n"
            '1,"Silva, João","linha 1\r\nlinha 2"\r\n'
            '2,"Diz ""oi""",\r\n')
    csv.write_bytes(data.encode())
    start_producer(procs, broker, topic, csv, tmp_path / "state")
    gen, msgs = wait_snapshot(broker, topic)
    assert values(rows_of(msgs)) == [
        {"id": 1, "nome": "Silva, João", "obs": "linha 1\r\nlinha 2"},
        {"id": 2, "nome": 'Diz "oi"', "obs": None}]
    rec2 = [m for m in rows_of(msgs) if m["id"]["record"] == 2][0]
    assert rec2["id"]["offset"] == data.encode().index(b"2,")


def test_typing_inference_and_schema_option(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, "id,codigo,ativo,valor,obs\n"
                "1,007,true,10,\n"
                "2,008,FALSE,10.5,x\n", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "s1")
    _, msgs = wait_snapshot(broker, topic)
    # Inferred from the sample: codigo text (leading zeros are identifiers),
    # ativo boolean, valor decimal, exact.
    assert sorted(m["value"] for m in rows_of(msgs)) == [
        '{"id":1,"codigo":"007","ativo":true,"valor":10,"obs":null}',
        '{"id":2,"codigo":"008","ativo":false,"valor":10.5,"obs":"x"}']

    topic2 = topic + "_schema"
    start_producer(procs, broker, topic2, csv, tmp_path / "s2",
                   "--schema", "codigo:text,valor:decimal", name="schema")
    _, msgs = wait_snapshot(broker, topic2)
    assert sorted(m["value"] for m in rows_of(msgs)) == [
        '{"id":1,"codigo":"007","ativo":true,"valor":10,"obs":null}',
        '{"id":2,"codigo":"008","ativo":false,"valor":10.5,"obs":"x"}']
    reset = json.loads(controls(msgs, "reset")[0]["value"])
    assert reset["columns"][1] == {"name": "codigo", "type": "text"}


def test_bad_records_go_to_dlq_with_reason(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    long_name = "x" * 100
    data = (HEADER.encode()
            + "1,Ana,30,São Luís,10.00\n".encode()     # a UTF-8 file
            + b"2,Bia,31,Recife\n"                      # field count
            + b"3,Cid,abc,Recife,1.00\n"                # text in a number column
            + b"4,D\xc3\x28n,32,Recife,1.00\n"          # invalid UTF-8
            + b"5,E\x00d,33,Recife,1.00\n"              # NUL
            + f"6,{long_name},34,Recife,1.00\n".encode()  # too long
            + b"7,Gil,35,Natal,2.50\n")
    csv.write_bytes(data)
    port = free_port()
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--max-record-bytes", "64", "--metrics-listen", f"127.0.0.1:{port}")
    gen, msgs = wait_snapshot(broker, topic)
    assert [v["id"] for v in values(rows_of(msgs))] == [1, 3, 7]
    assert values(rows_of(msgs))[1]["idade"] == "abc"  # its row is not lost
    snap = json.loads(controls(msgs, "snapshot_complete")[0]["value"])
    assert (snap["last_record"], snap["row_count"]) == (7, 3)

    dlq = wait_until(lambda: (lambda d: d if len(d) >= 4 else None)(consume(broker, topic + ".dlq")),
                     what="4 dead letters")
    assert len(dlq) == 4
    by_record = {json.loads(m["value"])["record"]: json.loads(m["value"]) for m in dlq}
    assert by_record[2]["reason"] == "field count 4, header has 5"
    assert by_record[2]["raw"] == "2,Bia,31,Recife\n"
    assert by_record[2]["line"] == 3 and by_record[2]["source"] == str(csv)
    assert by_record[2]["source_id"] == source_id(str(csv))
    assert by_record[2]["offset"] == data.index(b"2,Bia")
    assert by_record[4]["reason"].startswith("invalid UTF-8")
    assert by_record[4]["raw"] == "4,D\u00c3(n,32,Recife,1.00\n"
    assert by_record[5]["reason"].startswith("NUL byte")
    assert by_record[6]["reason"].startswith("record longer than 64 bytes")
    assert all(m["key"] == str(csv) and m["kind"] == "rejected" for m in dlq)
    assert {(m["id"]["source"], m["id"]["record"]) for m in dlq} == {
        (str(csv), r) for r in by_record}
    assert metrics(port)["csv_producer_records_rejected_total"] == 4
    assert metrics(port)["csv_producer_values_as_text_total"] == 1


def test_bad_flag_exits_2_naming_it(tmp_path):
    for argv, name in [(["--no-such-flag"], "--no-such-flag"),
                       (["--max-record-bytes", "lots"], "--max-record-bytes"),
                       (["--log-level", "loud"], "--log-level"),
                       (["--schema", "id:float"], "--schema"),
                       (["-X", "no.such.property=1"], "no.such.property")]:
        p = subprocess.run([str(PRODUCER), "-f", str(tmp_path / "x.csv"),
                            "--state-dir", str(tmp_path / "st"), *argv],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (argv, p.stderr)
        assert name in p.stderr, (argv, p.stderr)


def test_help_and_version():
    p = subprocess.run([str(PRODUCER), "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    for flag in ["--brokers", "--topic", "--file", "--state-dir", "--dlq-topic",
                 "--key-column", "--schema", "--metrics-listen", "KAFKA_BROKERS"]:
        assert flag in p.stdout
    p = subprocess.run([str(PRODUCER), "--version"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "csv-producer" in p.stdout


def test_unwritable_state_dir_fails_at_start(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a dir")
    p = subprocess.run([str(PRODUCER), "-f", str(tmp_path / "x.csv"),
                        "--state-dir", str(blocker / "sub")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "state-dir" in p.stderr


def test_sigterm_flushes_saves_position_and_exits_0(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, tmp_path / "state")
    wait_snapshot(broker, topic)
    p.signal(signal.SIGTERM)
    assert p.wait() == 0
    state = next((tmp_path / "state").glob("*.state")).read_text()
    assert f"offset={csv.stat().st_size}\n" in state
    assert "snapshot_done=1\n" in state
