"""consumer-dashboard against a real broker, fed with kcat in the wire format."""

import decimal
import threading
import time

from conftest import source_id, wait_until
from dashboard_helpers import (SEED_ROWS, get, get_json, produce, produce_control,
                               produce_dead_letter, produce_generation, produce_row,
                               row_json, snapshot_when, start_dashboard)

D = decimal.Decimal


def stable(s):
    """What must be equal after a replay (no clocks, counters or memory)."""
    return {k: s[k] for k in ("count", "columns", "column_order", "roles", "cards",
                              "categories", "histogram", "sources")}


def test_snapshot_equals_produced_rows(broker, topic, procs):
    broker.create_topic(topic, partitions=3)
    produce_generation(broker.bootstrap, topic, 1000, SEED_ROWS, 3)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    s = snapshot_when(url, lambda s: s["count"] == 8 and s["catchup"]["done"], "8 rows")
    assert s["columns"]["valor"]["sum"] == D("3901.51")
    assert s["cards"]["total_value"] == D("3901.51")
    assert round(s["cards"]["mean_value"], 2) == D("487.69")
    assert s["cards"]["mean_age"] == D("28.5")
    assert s["roles"] == {"value": "valor", "category": "cidade", "age": "idade", "label": "nome"}
    cats = s["categories"]["items"]
    assert [c["name"] for c in cats[:2]] == ["Pouso Alegre", "Campina Grande"]
    assert sum(c["count"] for c in cats) == 8
    assert sum(b["count"] for b in s["histogram"]["bins"]) == 8
    assert s["stream"]["partitions"] == 3 and s["stream"]["generation"] == 1000
    # The table: sorted by value, numerically, paged on the server.
    p = get_json(url + "/api/rows?page=1&size=3")
    assert [r[4] for r in p["rows"]] == [D("1200.00"), D("1000.00"), D("500.01")]
    assert p["total"] == 8 and p["pages"] == 3
    p = get_json(url + "/api/rows?page=3&size=3&sort=nome&order=asc")
    assert [r[1] for r in p["rows"]] == ["Gabi", "Hugo"]
    status, csv_body = get(url + "/api/export.csv")
    assert status == 200 and csv_body.decode().splitlines()[1] == "8,Hugo,25,Pouso Alegre,1200.00"


def test_bad_requests(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS[:2], 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    # Rows can be counted a moment before the replay is marked done.
    snapshot_when(url, lambda s: s["count"] == 2 and s["catchup"]["done"],
                  "2 rows, replay done")
    for q in ("page=0", "size=abc", "size=5000", "order=sideways", "sort=nope", "x=1"):
        status, body = get(url + "/api/rows?" + q)
        assert status == 400, q
        assert b'"error"' in body
    assert get(url + "/no/such/page")[0] == 404
    assert get(url + "/api/snapshot", method="POST")[0] == 405
    wait_until(lambda: b'"caught_up":true' in get(url + "/healthz")[1],
               what="/healthz says caught up")
    status, body = get(url + "/healthz")
    assert status == 200 and b'"caught_up":true' in body
    status, body = get(url + "/metrics")
    assert status == 200 and b"dashboard_rows 2\n" in body
    status, body = get(url + "/")
    assert status == 200 and b"<canvas" in body
    assert get(url + "/vendor/chart.min.js")[0] == 200


def test_replay_after_restart_gives_same_snapshot(broker, topic, procs):
    broker.create_topic(topic, partitions=2)
    produce_generation(broker.bootstrap, topic, 5, SEED_ROWS, 2)
    # An append after the snapshot and a duplicate of record 1.
    produce_row(broker.bootstrap, topic, 5, 9, {"id": 9, "nome": "Iris", "idade": 31,
                                                "cidade": "Recife", "valor": "0.01"}, 1)
    produce_row(broker.bootstrap, topic, 5, 1, SEED_ROWS[0], 1)
    first, url = start_dashboard(procs, broker.bootstrap, topic)
    a = snapshot_when(url, lambda s: s["count"] == 9 and s["catchup"]["done"], "9 rows")
    assert a["columns"]["valor"]["sum"] == D("3901.52")
    assert a["ingest"]["duplicates"] == 1
    rows_a = get_json(url + "/api/rows?size=100")
    assert first.stop() == 0
    _, url = start_dashboard(procs, broker.bootstrap, topic, name="dashboard2")
    b = snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 9, "replay")
    assert stable(b) == stable(a)
    assert get_json(url + "/api/rows?size=100") == rows_a


def test_generation_swap_is_atomic(broker, topic, procs):
    broker.create_topic(topic, partitions=3)
    old = [dict(r) for r in SEED_ROWS]
    produce_generation(broker.bootstrap, topic, 10, old, 3)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 8, "old generation")
    new = [{"id": i, "nome": f"N{i}", "idade": 20 + i % 30, "cidade": f"C{i % 5}",
            "valor": f"{i}.25"} for i in range(1, 121)]
    seen = set()
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            s = get_json(url + "/api/snapshot")
            seen.add((s["count"], s["columns"]["valor"]["sum"]))

    t = threading.Thread(target=poll)
    t.start()
    try:
        produce_generation(broker.bootstrap, topic, 20, new, 3)
        snapshot_when(url, lambda s: s["count"] == 120, "new generation")
    finally:
        stop.set()
        t.join()
    new_sum = sum(D(r["valor"]) for r in new)
    assert seen <= {(8, D("3901.51")), (120, new_sum)}, seen
    assert (120, new_sum) in seen
    # Late rows of the old generation change nothing.
    produce_row(broker.bootstrap, topic, 10, 50, SEED_ROWS[0], 0)
    s = snapshot_when(url, lambda s: s["ingest"]["stale"] >= 1, "stale row dropped")
    assert s["count"] == 120 and s["columns"]["valor"]["sum"] == new_sum


def test_many_partitions_and_idempotent_controls(broker, topic, procs):
    broker.create_topic(topic, partitions=8)
    rows = [{"id": i, "nome": f"P{i}", "idade": i % 90, "cidade": f"City {i % 7}",
             "valor": f"{i}.{i % 100:02d}"} for i in range(1, 41)]
    produce_generation(broker.bootstrap, topic, 7, rows, 8)
    # The producer re-sent part of the generation after a crash: the same
    # controls on every partition and some rows again, on other partitions.
    produce_control(broker.bootstrap, topic, "reset", 7, 8)
    for i in (1, 2, 3):
        produce_row(broker.bootstrap, topic, 7, i, rows[i - 1], (i + 3) % 8)
    produce_control(broker.bootstrap, topic, "snapshot_complete", 7, 8, last=40, count=40)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    s = snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 40, "40 rows")
    assert s["stream"]["partitions"] == 8
    assert s["columns"]["valor"]["sum"] == sum(D(r["valor"]) for r in rows)
    assert s["ingest"]["duplicates"] == 3
    assert s["sources"][0]["complete"] is True
    assert sum(c["count"] for c in get_json(url + "/api/categories")["categories"]["items"]) == 40


def test_live_append_and_dead_letters(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 3, SEED_ROWS[:3], 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 3 and s["catchup"]["done"], "3 rows")
    produce_row(broker.bootstrap, topic, 3, 5, SEED_ROWS[4], 0)
    s = snapshot_when(url, lambda s: s["count"] == 4, "appended row")
    assert s["columns"]["valor"]["sum"] == D("901.25")
    produce_dead_letter(broker.bootstrap, topic, 3, "data/input.csv", 4, 5, 99,
                        "field count 4, header has 5", "4,Ana,31,Recife\n")
    s = snapshot_when(url, lambda s: s["dlq"]["summary"]["count"] == 1, "dead letter")
    assert s["dlq"]["summary"]["last"][0]["reason"] == "field count 4, header has 5"
    assert s["dlq"]["summary"]["last"][0]["line"] == 5


def test_export_csv_neutralizes_spreadsheet_formulas(broker, topic, procs):
    """/api/export.csv: a text cell that a spreadsheet would run as a formula
    (it starts with = + - @, a tab or a CR) is written with a leading single
    quote; numbers, negative ones included, are written as they are."""
    rows = [
        {"id": 1, "nome": "=HYPERLINK(\"http://x\",\"y\")", "idade": 30,
         "cidade": "+55 81", "valor": "-12.50"},
        {"id": 2, "nome": "@SUM(A1:A9)", "idade": 31, "cidade": "-Natal",
         "valor": "3.00"},
        {"id": 3, "nome": "\tTab", "idade": 32, "cidade": "\r=1+1", "valor": "4.00"},
        {"id": 4, "nome": "Ana=Bia", "idade": 33, "cidade": "Recife", "valor": "5.00"},
    ]
    produce_generation(broker.bootstrap, topic, 1, rows, 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 4, "4 rows")
    status, body = get(url + "/api/export.csv?sort=id&order=asc")
    assert status == 200
    lines = body.decode().split("\r\n")
    assert lines[0] == "id,nome,idade,cidade,valor"
    assert lines[1] == "1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",30,'+55 81,-12.50"
    assert lines[2] == "2,'@SUM(A1:A9),31,'-Natal,3.00"
    assert lines[3] == "3,'\tTab,32,\"'\r=1+1\",4.00"
    assert lines[4] == "4,Ana=Bia,33,Recife,5.00"


def test_other_wire_versions_are_refused_by_name(broker, topic, procs):
    """Rows of wire format v1 (seven csv.* headers) or of an unknown later
    version are skipped and counted, and the log names the version; v3 rows
    around them count as usual."""
    produce_generation(broker.bootstrap, topic, 4, SEED_ROWS[:2], 1)
    v1 = {"csv.kind": "row", "csv.source": "data/input.csv", "csv.generation": 4,
          "csv.record": 3, "csv.offset": 30, "csv.schema": "0123456789abcdef",
          "csv.read_ts": 0}
    produce(broker.bootstrap, topic, row_json(SEED_ROWS[2]), "3", v1, 0)
    produce(broker.bootstrap, topic, row_json(SEED_ROWS[3]), "4",
            {"csv.id": "v4;row;4;4;40;0123456789abcdef;" + source_id("data/input.csv")}, 0)
    produce_row(broker.bootstrap, topic, 4, 5, SEED_ROWS[4], 0)
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    s = snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 3, "3 v3 rows")
    assert s["ingest"]["decode_errors"] == 2
    wait_until(lambda: "version=4" in p.output(), what="v4 refusal logged")
    log = p.output()
    assert "event=wire_version_unsupported" in log
    assert "version=1 " in log and "wire format v1" in log


def test_latency_is_measured_from_the_message_timestamp(broker, topic, procs):
    """End-to-end latency: the message's CreateTime (the producer's read
    time) to the dashboard's apply time."""
    produce_generation(broker.bootstrap, topic, 6, SEED_ROWS[:2], 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 2 and s["catchup"]["done"], "2 rows")
    before = time.time()
    produce_row(broker.bootstrap, topic, 6, 3, SEED_ROWS[2], 0)
    s = snapshot_when(url, lambda s: s["stream"]["latency_ms"]["samples"] >= 1, "a sample")
    elapsed_ms = (time.time() - before) * 1000
    assert 0 <= s["stream"]["latency_ms"]["last"] <= elapsed_ms + 1000
