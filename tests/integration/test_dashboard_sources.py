"""Sources: two csv-producers, one file each, against the real broker. The
dashboard lists both (GET /api/sources: rows, generation and its time, last
change, producer), lets a request look at one source or all (?source=), with
figures exact per source and merged exactly for all, and mirrors a deleted
file as an empty generation."""

import csv
import decimal
import io
import json
import urllib.parse

from conftest import DASHBOARD, PRODUCER, free_port, wait_until
from csvfile import append, write_rows
from dashboard_helpers import (SEED_ROWS, get, produce_dead_letter, produce_generation,
                               produce_row, serving, start_dashboard)

D = decimal.Decimal
HEADER = ["id", "nome", "idade", "cidade", "valor"]
# Magnitudes and scales far apart, so that a merge that rounds would show.
ROWS_A = [
    [1, "Ana", 23, "Recife", "99999999999999.99"],
    [2, "Bruno", 35, "Natal", "1500.50"],
    [3, "Carla", 28, "Recife", "0.25"],
]
ROWS_B = [
    [1, "Diego", 42, "Recife", "0.000001"],
    [2, "Elisa", 12, "Olinda", "3.5"],
]


def get_json(url):
    status, body = get(url)
    return status, json.loads(body, parse_float=D)


def q(source):
    return urllib.parse.quote(source, safe="")


def by_id(url):
    status, body = get_json(url + "/api/sources")
    assert status == 200, body
    return {s["id"]: s for s in body["sources"]}


def test_two_producers_one_source_or_all(broker, topic, procs, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_rows(a, HEADER, ROWS_A)
    write_rows(b, HEADER, ROWS_B)
    for name, path in (("producer-a", a), ("producer-b", b)):
        procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", path,
               "--source-id", path.name, "--state-dir", tmp_path / f"state-{name}",
               "--status-interval-ms", "500", "--delete-grace-ms", "500"], name)
    port = free_port()
    procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{port}"], "dashboard")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: serving(url), what="dashboard up")

    def both_in():
        s = by_id(url)
        ok = (s.get("a.csv", {}).get("rows") == 3 and s.get("b.csv", {}).get("rows") == 2
              and all(x["complete"] and (x.get("producer") or {}).get("alive")
                      for x in s.values()))
        return s if ok else None

    sources = wait_until(both_in, what="both sources complete, with a live producer")
    for sid in ("a.csv", "b.csv"):
        src = sources[sid]
        assert src["complete"] is True and src["deleted"] is False and src["empty"] is False
        assert src["generation"] > 10**12  # ms since the epoch
        assert src["generation_time"].endswith("Z") and src["generation_time"][:2] == "20"
        assert src["changed_ms"] > 0 and src["changed_time"].endswith("Z")
        assert src["producer"]["instance"] and src["producer"]["state"]
    assert sources["a.csv"]["producer"]["instance"] != sources["b.csv"]["producer"]["instance"]

    # One source: every figure is that file's alone, exactly.
    status, s = get_json(url + "/api/snapshot?source=b.csv")
    assert status == 200, s
    assert s["source"] == "b.csv" and s["count"] == 2
    assert s["cards"]["total_value"] == D("3.500001")
    assert s["columns"]["valor"]["min"] == D("0.000001")
    assert {c["name"]: c["sum"] for c in s["categories"]["items"]} == {
        "Olinda": D("3.5"), "Recife": D("0.000001")}
    assert len(s["sources"]) == 2  # the list is every source's
    status, s = get_json(url + "/api/snapshot?source=a.csv&value=idade")
    assert status == 200 and s["count"] == 3 and s["cards"]["total_value"] == 86

    # All: the exact merge.
    status, s = get_json(url + "/api/snapshot")
    assert s["source"] is None and s["count"] == 5
    assert s["cards"]["total_value"] == D("99999999999999.99") + D("1500.50") + D("0.25") \
        + D("0.000001") + D("3.5")
    recife = {c["name"]: c for c in s["categories"]["items"]}["Recife"]
    assert recife["count"] == 3 and recife["sum"] == D("100000000000000.240001")

    # The table and the export of one source hold its rows only.
    status, rows = get_json(url + "/api/rows?source=a.csv&sort=id&order=asc")
    assert status == 200, rows
    assert rows["total"] == 3
    names = [c["name"] for c in rows["columns"]]
    assert [r[names.index("nome")] for r in rows["rows"]] == ["Ana", "Bruno", "Carla"]
    status, rows = get_json(url + "/api/rows?source=b.csv&filter=Recife")
    assert status == 200 and rows["total"] == 1
    status, rows = get_json(url + "/api/rows")
    assert rows["total"] == 5
    status, body = get(url + "/api/export.csv?source=b.csv&sort=id&order=asc")
    assert status == 200
    lines = list(csv.reader(io.StringIO(body.decode())))
    assert [r[lines[0].index("nome")] for r in lines[1:]] == ["Diego", "Elisa"]

    # A bad source is a clear 400, on every endpoint that takes one.
    for path in ("/api/snapshot", "/api/rows", "/api/export.csv", "/api/categories"):
        status, body = get_json(url + path + "?source=nope.csv")
        assert status == 400, (path, body)
        assert "unknown source 'nope.csv'" in body["error"], body
    status, body = get_json(url + "/api/sources?source=a.csv")
    assert status == 400 and "no parameters" in body["error"]

    # An append changes its source only: rows and last change move on.
    before = by_id(url)
    append(b, "3,Fábio,27,Natal,10\n")
    after = wait_until(lambda: (lambda s: s if s["b.csv"]["rows"] == 3 else None)(by_id(url)),
                       what="b.csv's appended row")
    assert after["b.csv"]["changed_ms"] > before["b.csv"]["changed_ms"]
    assert after["a.csv"]["changed_ms"] == before["a.csv"]["changed_ms"]
    assert after["a.csv"]["rows"] == 3
    # A source's snapshot is rendered from the published state (at most ~10
    # a second), which may still be the one before the append: wait for it.
    s = wait_until(lambda: (lambda s: s if s["count"] == 3 else None)(
        get_json(url + "/api/snapshot?source=" + q("b.csv"))[1]),
        what="b.csv's snapshot with the appended row")
    assert s["cards"]["total_value"] == D("13.500001")

    # A deleted file becomes an empty generation: its source shows nothing.
    b.unlink()
    gone = wait_until(lambda: (lambda s: s if s["b.csv"]["deleted"] else None)(by_id(url)),
                      what="b.csv shown as deleted")
    assert gone["b.csv"]["rows"] == 0 and gone["b.csv"]["empty"] is True
    assert gone["b.csv"]["reason"] == "deleted"
    s = wait_until(lambda: (lambda r: r[1] if r[0] == 200 and r[1]["count"] == 0 else None)(
        get_json(url + "/api/snapshot?source=b.csv")), what="b.csv's snapshot empty")
    # The whole-topic snapshot is the published one (at most ~10 a second):
    # it follows within a push interval.
    s = wait_until(lambda: (lambda s: s if s["count"] == 3 else None)(
        get_json(url + "/api/snapshot")[1]), what="the deletion in the snapshot")
    assert s["count"] == 3


def test_dead_letters_and_ingest_figures_follow_the_source(broker, topic, procs):
    """?source=: the data-quality figures (rejects, duplicates) are that
    source's; lag and decode errors stay the topic's."""
    a, b = "/data/with-rejects.csv", "/data/clean.csv"
    produce_generation(broker.bootstrap, topic, 5, SEED_ROWS[:3], 1, source=a)
    produce_row(broker.bootstrap, topic, 5, 2, SEED_ROWS[1], 0, source=a)  # a duplicate
    produce_generation(broker.bootstrap, topic, 7, SEED_ROWS[3:5], 1, source=b)
    produce_dead_letter(broker.bootstrap, topic, 5, a, 4, 5, 99,
                        "field count 4, header has 5", "4,Ana,31,Recife\n")
    _, url = start_dashboard(procs, broker.bootstrap, topic)

    def snap(query):
        status, s = get_json(url + "/api/snapshot" + query)
        assert status == 200, s
        return s

    wait_until(lambda: (lambda s: s["count"] == 5 and s["catchup"]["done"]
                        and s["dlq"]["summary"]["total"] == 1)(snap("")), what="both sources")
    s = snap("")
    assert s["ingest"]["duplicates"] == 1 and s["dlq"]["summary"]["count"] == 1
    assert "topic_wide" not in s

    s = snap("?source=" + q(a))
    assert s["ingest"]["duplicates"] == 1 and s["ingest"]["applied"] == 5  # reset, 3 rows, complete
    assert s["dlq"]["summary"]["count"] == 1 and s["dlq"]["summary"]["total"] == 1
    assert s["dlq"]["summary"]["last"][0]["source"] == a
    assert s["stream"]["generation"] == 5

    s = snap("?source=" + q(b))
    assert s["ingest"]["duplicates"] == 0 and s["ingest"]["applied"] == 4
    assert s["dlq"]["summary"] == {"count": 0, "reasons": [], "last": [], "history": 0, "total": 0}
    assert s["stream"]["generation"] == 7
    assert s["catchup"]["done"] is True  # the topic's, whatever the source, and said so:
    assert {"stream.lag", "catchup", "ingest.decode_errors"} <= set(s["topic_wide"])

    # A row read live counts in its source's latency only.
    produce_row(broker.bootstrap, topic, 5, 4, SEED_ROWS[5], 0, source=a)
    wait_until(lambda: snap("?source=" + q(a))["stream"]["latency_ms"]["samples"] == 1,
               what="the live row's latency")
    assert snap("?source=" + q(b))["stream"]["latency_ms"] == {
        "last": None, "p50": None, "p99": None, "samples": 0}
    assert snap("")["stream"]["latency_ms"]["samples"] == 1
    assert "stream.latency_ms" not in snap("?source=" + q(b))["topic_wide"]
