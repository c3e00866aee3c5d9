"""Rows gone from the topic are said, never shown silently as fewer rows.

A real producer writes a file (with bad records, which go to the dead-letter
topic and must never count as missing); then the topic's oldest messages are
deleted with Kafka's own kafka-delete-records tool (DeleteRecordsCommand, what
retention does to old segments), and a dashboard started afterwards must say,
per source, how many rows are missing and why: exactly while the generation's
snapshot-complete is on the topic, "its start is gone" once it is not."""

import json
import re

from conftest import DASHBOARD, PRODUCER, free_port, http_get, http_json, kcat_consume, wait_until
from dashboard_helpers import serving

ROWS = 600
BAD = (50, 333, 599)  # records with a wrong field count: dead letters


def _write(path, first, last):
    with open(path, "a") as f:
        for i in range(first, last + 1):
            f.write(f"{i},{i}.25,n{i},extra\n" if i in BAD else f"{i},{i}.25,n{i}\n")


def _start_dashboard(procs, broker, topic, name):
    port = free_port()
    p = procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
               "--listen", f"127.0.0.1:{port}"], name)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_json(url + "/api/snapshot")["catchup"]["done"],
               what=f"{name} caught up")
    return p, url


def _source(url):
    sources = http_json(url + "/api/snapshot")["sources"]
    assert len(sources) == 1, sources
    return sources[0]


def _metric(url, name):
    text = http_get(url + "/metrics")[2].decode()
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


def _delete_before(broker, tmp_path, topic, offsets):
    spec = tmp_path / "delete.json"
    spec.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": topic, "partition": p, "offset": o} for p, o in offsets.items()]}))
    broker.tool("delete-records", "--bootstrap-server", broker.bootstrap,
                "--offset-json-file", str(spec))


def test_rows_deleted_from_the_topic_are_reported(broker, topic, procs, tmp_path):
    good = ROWS - len(BAD)
    path = tmp_path / "in.csv"
    path.write_text("id,valor,nome\n")
    _write(path, 1, ROWS)
    state = tmp_path / "state"
    producer = procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(path),
                      "--state-dir", str(state)], "producer")

    # Every row there, three on the dead-letter topic: nothing is missing.
    dash, url = _start_dashboard(procs, broker, topic, "dashboard")
    wait_until(lambda: _source(url)["complete"] and _source(url)["rows"] == good,
               what=f"{good} rows, complete")
    wait_until(lambda: http_json(url + "/api/snapshot")["dlq"]["summary"]["count"] == len(BAD),
               what="the dead letters counted")
    assert _source(url)["missing"] is None
    assert _metric(url, "dashboard_rows_missing") == 0
    assert producer.stop() == 0
    dash.stop()
    assert "event=rows_missing" not in dash.output()

    # kafka-delete-records on partition 0, up to one of its rows: the reset
    # and the rows before it go; its snapshot-complete stays.
    msgs = kcat_consume(broker.bootstrap, topic)
    p0 = [m for m in msgs if m["partition"] == 0]
    p0_rows = [m for m in p0 if m["kind"] == "row"]
    assert len(p0_rows) > 10, "partition 0 holds too few rows for the test"
    cut = p0_rows[len(p0_rows) // 2]["offset"]
    gone = sum(1 for m in p0_rows if m["offset"] < cut)
    _delete_before(broker, tmp_path, topic, {0: cut})

    dash2, url2 = _start_dashboard(procs, broker, topic, "dashboard-after-delete")
    missing = wait_until(lambda: _source(url2)["missing"], what="rows reported missing")
    assert missing["rows"] == gone, missing
    assert missing["expected"] == good
    assert missing["shown"] is True
    assert missing["reason"] == "topic_start_deleted"
    assert missing["partition"] == 0 and missing["log_start"] == cut
    assert f"{gone} of its {good} rows are missing" in missing["message"]
    assert _source(url2)["rows"] == good - gone
    assert http_json(url2 + "/api/sources")["sources"][0]["missing"] == missing
    assert _metric(url2, "dashboard_rows_missing") == gone
    assert _metric(url2, "dashboard_sources_missing_rows") == 1
    wait_until(lambda: re.search(rf"event=rows_missing .*rows={gone} reason=topic_start_deleted",
                                 dash2.output()), what="event=rows_missing in the log")
    dash2.stop()

    # Appends, then everything before them deleted on every partition: the
    # generation's reset and snapshot-complete are gone, so how many rows
    # is not known; what is known is where the rows still held begin.
    producer = procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(path),
                      "--state-dir", str(state)], "producer-again")
    _write(path, ROWS + 1, ROWS + 20)
    wait_until(lambda: sum(1 for m in kcat_consume(broker.bootstrap, topic)
                           if m["id"] and m["id"]["record"] > ROWS) == 20,
               what="the 20 appended rows on the topic")
    assert producer.stop() == 0
    first_append = {}
    for m in kcat_consume(broker.bootstrap, topic):
        if m["id"] and m["id"]["record"] > ROWS and m["partition"] not in first_append:
            first_append[m["partition"]] = m["offset"]
    ends = {}
    for m in kcat_consume(broker.bootstrap, topic):
        ends[m["partition"]] = m["offset"] + 1
    _delete_before(broker, tmp_path, topic,
                   {p: first_append.get(p, ends[p]) for p in ends})

    dash3, url3 = _start_dashboard(procs, broker, topic, "dashboard-start-gone")
    missing = wait_until(lambda: _source(url3)["missing"], what="a lost start reported")
    assert missing["rows"] is None and missing["expected"] is None, missing
    assert missing["before_record"] == ROWS + 1
    assert missing["reason"] == "topic_start_deleted"
    assert _source(url3)["rows"] == 20
    assert _metric(url3, "dashboard_sources_missing_rows") == 1
    wait_until(lambda: "rows=unknown reason=topic_start_deleted" in dash3.output(),
               what="the lost start in the log")


def test_no_alarm_while_generations_are_read(broker, topic, procs, tmp_path):
    """A dashboard watching a file load, be rewritten in the middle of the
    load and load again (with dead letters in both versions) never says a row
    is missing: every snapshot along the way has missing null."""
    rows = 40000
    path = tmp_path / "in.csv"
    path.write_text("id,valor,nome\n")
    _write(path, 1, rows)
    port = free_port()
    dash = procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
                  "--listen", f"127.0.0.1:{port}"], "dashboard")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: serving(url), what="the dashboard serving")
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(path),
           "--state-dir", str(tmp_path / "state")], "producer")
    seen = {"snapshots": 0, "rewritten": False}

    def watch_until(done):
        def check():
            s = http_json(url + "/api/snapshot")
            seen["snapshots"] += 1
            for src in s["sources"]:
                assert src["missing"] is None, src
            if not seen["rewritten"] and s["count"] > 0:
                seen["rewritten"] = True  # a rewrite while the first load goes on
                path.write_text("id,valor,nome\n")
                _write(path, 1, rows)
            return done(s)
        return check

    good = rows - len(BAD)
    wait_until(watch_until(lambda s: s["sources"] and s["sources"][0]["complete"]
                           and s["count"] == good and s["sources"][0]["pending"] is None
                           and s["ingest"]["swaps"] >= 1),
               interval=0.02, what="the rewritten file loaded")
    assert seen["snapshots"] > 5
    assert _metric(url, "dashboard_sources_missing_rows") == 0
    assert "event=rows_missing" not in dash.output()
