"""csv-producer writes wire format v3 (docs/wire-format.md): one csv.id header
per message naming the source by its id, which the reset and snapshot-complete
messages on every partition, the dead letters and the status records name
beside the path; and what the dashboard makes of it: odd paths, two sources,
a source given another id, a producer upgraded from v2 in the middle of a
generation."""

import json
import os
import subprocess

from conftest import DASHBOARD, PRODUCER, free_port, kcat_consume, source_id, wait_until
from dashboard_helpers import control_value, get, get_json, produce, produce_row, serving
from test_producer_basic import (HEADER, ROWS3, append, consume, controls, rows_of,
                                 start_producer, wait_rows, wait_snapshot)


def start_dashboard(procs, broker, topic, name="dashboard"):
    port = free_port()
    p = procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
               "--listen", f"127.0.0.1:{port}"], name)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: serving(url), what="dashboard up")
    return p, url


def sources(url):
    return {s["id"]: s for s in get_json(url + "/api/sources")["sources"]}


def test_one_header_every_partition_named_dead_letters_and_status(broker, topic, procs,
                                                                  tmp_path):
    """A path with ';', ',', '=' and a space: every message has the one
    csv.id header; the reset and snapshot-complete on each of the 3
    partitions name the path and its id; a rejected record's dead letter
    and the status record name both; the dashboard shows the path."""
    d = tmp_path / "in;put, a=b"
    d.mkdir()
    csv = d / "da;ta.csv"
    append(csv, HEADER + ROWS3 + "4,short,row\n", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--status-interval-ms", "300")
    gen, msgs = wait_snapshot(broker, topic)
    sid = source_id(str(csv))
    assert all(set(m["headers"]) == {"csv.id"} for m in msgs), msgs
    assert all(m["id"]["version"] == 3 and m["id"]["source_id"] == sid for m in msgs)
    assert {m["id"]["source"] for m in msgs} == {str(csv)}
    for kind in ("reset", "snapshot_complete"):
        ctl = controls(msgs, kind)
        assert sorted(m["partition"] for m in ctl) == [0, 1, 2], kind
        for m in ctl:
            v = json.loads(m["value"])
            assert (v["source"], v["source_id"], v["generation"]) == (str(csv), sid, gen)
            assert (m["id"]["record"], m["id"]["offset"]) == (0, 0)
            assert m["headers"]["csv.id"].startswith(f"v3;{kind};{gen};0;0;")
    assert sorted(m["id"]["record"] for m in rows_of(msgs)) == [1, 2, 3]

    dlq = wait_until(lambda: consume(broker, topic + ".dlq") or None, what="dead letter")
    assert len(dlq) == 1 and set(dlq[0]["headers"]) == {"csv.id"}
    assert dlq[0]["kind"] == "rejected" and dlq[0]["id"]["record"] == 4
    v = json.loads(dlq[0]["value"])
    assert (v["source"], v["source_id"]) == (str(csv), sid)
    assert dlq[0]["key"] == str(csv)

    status = wait_until(lambda: consume(broker, topic + ".status") or None,
                        what="status record")
    v = json.loads(status[-1]["value"])
    assert (v["source"], v["source_id"]) == (str(csv), sid)

    p, url = start_dashboard(procs, broker, topic)
    wait_until(lambda: sources(url).get(str(csv), {}).get("rows") == 3, what="3 rows shown")
    assert list(sources(url)) == [str(csv)]
    s = wait_until(lambda: (lambda s: s if s["dlq"]["summary"]["total"] == 1 else None)(
        get_json(url + "/api/snapshot")), what="the dead letter shown")
    assert s["ingest"]["decode_errors"] == 0
    assert "event=source_unnamed" not in p.output()


def test_console_consumer_prints_the_header_readably(broker, topic, procs, tmp_path):
    """kafka-console-consumer with print.headers=true shows csv.id as text."""
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state")
    gen, _ = wait_snapshot(broker, topic)
    out = broker.tool("console-consumer", "--bootstrap-server", broker.bootstrap,
                      "--topic", topic, "--from-beginning", "--max-messages", "9",
                      "--timeout-ms", "30000",
                      "--property", "print.headers=true", "--property", "print.key=true",
                      timeout=120).stdout.splitlines()
    sid = source_id(str(csv))
    rows = [ln for ln in out if ln.startswith("csv.id:v3;row;")]
    assert len(rows) == 3, out
    for ln in rows:
        header, key, value = ln.split("\t", 2)
        kind, g, rec, off, schema, ident = header[len("csv.id:v3;"):].split(";")
        assert (kind, int(g), ident) == ("row", gen, sid)
        assert json.loads(value)["id"] == int(key) == int(rec)
    resets = [ln for ln in out if ln.startswith(f"csv.id:v3;reset;{gen};0;0;")]
    assert len(resets) == 3 and all(f'"source_id":"{sid}"' in ln for ln in resets)


def test_two_sources_and_a_source_given_another_id(broker, topic, procs, tmp_path):
    """One producer, two files: two ids, each named, counted apart. Then the
    same file sent under another --source-id: a second source with its own
    id, no collision, nothing merged."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    append(a, HEADER + ROWS3, "w")
    append(b, HEADER + "7,Zé,30,Natal,1.00\n", "w")
    prod = start_producer(procs, broker, topic, a, tmp_path / "state", "-f", str(b))
    p, url = start_dashboard(procs, broker, topic)
    wait_until(lambda: {k: v["rows"] for k, v in sources(url).items()} ==
               {str(a): 3, str(b): 1}, what="both sources")
    prod.stop()
    msgs = kcat_consume(broker.bootstrap, topic)
    assert {m["id"]["source_id"] for m in msgs} == {source_id(str(a)), source_id(str(b))}

    start_producer(procs, broker, topic, a, tmp_path / "state2", "--source-id", "renamed",
                   name="producer-renamed")
    wait_until(lambda: {k: v["rows"] for k, v in sources(url).items()} ==
               {str(a): 3, str(b): 1, "renamed": 3}, what="the renamed source beside")
    log = p.output()
    assert "event=source_id_collision" not in log and "event=source_unnamed" not in log


def test_non_utf8_path(broker, topic, procs, tmp_path):
    """A file name that is not UTF-8: its id is the hash of its bytes, and
    the name the control messages give (raw bytes in JSON) resolves the
    rows, so nothing is shown under the id."""
    d = os.fsencode(tmp_path) + b"/caf\xe9 \xff.csv"
    with open(d, "wb") as f:
        f.write(HEADER.encode() + ROWS3.encode())
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", os.fsdecode(d),
           "--state-dir", str(tmp_path / "state")], "producer")
    out = wait_until(lambda: (lambda o: o if o.count(b"v3;snapshot_complete;") == 3 else None)(
        subprocess.run(["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-e", "-q",
                        "-f", "%h\t%s\n"], capture_output=True).stdout),
        what="the snapshot on every partition")
    sid = source_id(d)
    assert out.count(f";{sid}\t".encode()) == 9  # 3 rows, 3 resets, 3 snapshots
    assert b'"source":"' + d + b'","source_id":"' + sid.encode() + b'"' in out
    p, url = start_dashboard(procs, broker, topic)

    def raw_json(path):  # the name's bytes come back as they are
        status, body = get(url + path)
        assert status == 200, body
        return json.loads(body.decode("utf-8", "surrogateescape"))

    wait_until(lambda: raw_json("/api/snapshot")["count"] == 3, what="3 rows")
    shown = raw_json("/api/sources")["sources"]
    assert [os.fsencode(s["id"]) for s in shown] == [d]
    assert "event=source_unnamed" not in p.output()


def test_resume_across_the_upgrade_from_v2(broker, topic, procs, tmp_path):
    """A producer of wire format v2 sent a generation (reset, rows 1-5,
    snapshot-complete) but its state file had saved only rows 1-3 when it
    stopped; the upgraded producer resumes from that state file and sends
    rows 4-6 in v3. Nothing is lost or sent twice from the file's point of
    view, and the dashboard counts each row once (4 and 5 arrive as v2 and
    as v3: duplicates). The state file here is this producer's own (its
    format did not change with the wire format): written by a first run
    over rows 1-3, whose messages are then replaced by the v2 ones."""
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    state = tmp_path / "state"
    first = start_producer(procs, broker, topic, csv, state, "--exit-at-eof", name="first")
    gen, msgs = wait_snapshot(broker, topic)
    assert first.wait() == 0
    ends = {}
    for m in msgs:
        ends[m["partition"]] = max(ends.get(m["partition"], 0), m["offset"] + 1)
    spec = tmp_path / "delete.json"
    spec.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": topic, "partition": part, "offset": end} for part, end in ends.items()]}))
    broker.tool("delete-records", "--bootstrap-server", broker.bootstrap,
                "--offset-json-file", str(spec))

    src = str(csv)
    more = ("4,Ana Costa,29,Salvador,1200.00\n5,Carlos Souza,51,Curitiba,3100.25\n"
            "6,Bia Lima,33,Recife,10.00\n")
    file_rows = [ln.split(",") for ln in (ROWS3 + more).splitlines()]

    def row(rec):
        i, nome, idade, cidade, valor = file_rows[rec - 1]
        return {"id": int(i), "nome": nome, "idade": int(idade), "cidade": cidade,
                "valor": valor}

    for part in range(3):
        produce(broker.bootstrap, topic, control_value("reset", gen, src, version=2),
                "__reset__", {"csv.kind": "reset",
                              "csv.id": f"v2;{gen};0;0;0123456789abcdef;{src}"}, part)
    for rec in range(1, 6):
        produce_row(broker.bootstrap, topic, gen, rec, row(rec), rec % 3, src, version=2)
    for part in range(3):
        produce(broker.bootstrap, topic,
                control_value("snapshot_complete", gen, src, 3, 3, version=2),
                "__snapshot_complete__",
                {"csv.kind": "snapshot_complete",
                 "csv.id": f"v2;{gen};0;0;0123456789abcdef;{src}"}, part)

    append(csv, more)
    second = start_producer(procs, broker, topic, csv, state, "--exit-at-eof", name="second")
    assert second.wait() == 0
    assert "event=state_ignored" not in second.output()
    msgs = wait_rows(broker, topic, 6, gen)
    v3 = sorted(m["id"]["record"] for m in rows_of(msgs) if m["id"]["version"] == 3)
    assert v3 == [4, 5, 6], "the upgraded producer sends what its state had not saved"
    assert not [m for m in controls(msgs, "reset") if m["id"]["version"] == 3]

    p, url = start_dashboard(procs, broker, topic)
    s = wait_until(lambda: (lambda s: s if s["catchup"]["done"] and s["count"] == 6
                            else None)(get_json(url + "/api/snapshot")), what="6 rows")
    assert s["ingest"]["duplicates"] == 2
    assert str(s["columns"]["valor"]["sum"]) == "9001.50"
    assert list(sources(url)) == [src]
    assert "event=source_unnamed" not in p.output()
