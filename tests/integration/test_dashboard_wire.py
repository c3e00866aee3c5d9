"""The dashboard reads wire format v3 (one csv.id header naming the source by
its id; control messages name the id) and still reads v2, written here by
kcat (dashboard_helpers), independent of csv-producer: rows of every
partition, a topic whose producer moved from v2 to v3 mid-generation, rows
whose source id is not named yet, two sources with one id."""

import json
import urllib.parse

from conftest import source_id, wait_until
from dashboard_helpers import (SEED_ROWS, get_json, produce, produce_control,
                               produce_dead_letter, produce_generation, produce_row,
                               row_json, snapshot_when, start_dashboard, wire_id)


def sources(url):
    return {s["id"]: s for s in get_json(url + "/api/sources")["sources"]}


def q(source):
    return urllib.parse.quote(source, safe="")


def test_v3_rows_of_every_partition(broker, topic, procs):
    """A v3 generation over 3 partitions (its reset and snapshot-complete on
    each), a path with ';' and ',' in it, a dead letter naming both source
    and source_id."""
    src = "/data/a;b,c=d.csv"
    broker.create_topic(topic, partitions=3)
    produce_generation(broker.bootstrap, topic, 11, SEED_ROWS, 3, source=src)
    produce_dead_letter(broker.bootstrap, topic, 11, src, 9, 10, 400,
                        "field count 4, header has 5", "9,Ana,31,Recife\n")
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    s = snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 8
                      and s["dlq"]["summary"]["total"] == 1, "8 v3 rows and a dead letter")
    assert str(s["columns"]["valor"]["sum"]) == "3901.51"
    assert s["ingest"]["decode_errors"] == 0
    assert list(sources(url)) == [src]
    assert sources(url)[src]["rows"] == 8
    assert s["dlq"]["summary"]["last"][0]["source"] == src
    assert "event=source_unnamed" not in p.output()


def test_producer_upgraded_mid_topic_counts_each_row_once(broker, topic, procs):
    """A v2 producer wrote a generation's reset, snapshot and first rows; the
    producer was upgraded and resumed the same generation in v3 (no new
    reset), sending record 3 again (it was not acknowledged before the
    upgrade) and then new rows. One source, each record once."""
    src = "/data/upgraded.csv"
    produce_control(broker.bootstrap, topic, "reset", 20, 1, source=src, version=2)
    for rec in (1, 2, 3):
        produce_row(broker.bootstrap, topic, 20, rec, SEED_ROWS[rec - 1], source=src, version=2)
    produce_control(broker.bootstrap, topic, "snapshot_complete", 20, 1, last=3, count=3,
                    source=src, version=2)
    for rec in (3, 4, 5):  # 3 again, now as v3
        produce_row(broker.bootstrap, topic, 20, rec, SEED_ROWS[rec - 1], source=src)
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    s = snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 5, "5 rows")
    assert s["ingest"]["duplicates"] == 1
    assert s["ingest"]["decode_errors"] == 0
    assert list(sources(url)) == [src]
    assert "event=source_unnamed" not in p.output()
    # The v3 producer's next generation names the id the same way.
    produce_generation(broker.bootstrap, topic, 21, SEED_ROWS[:2], 1, source=src)
    s = snapshot_when(url, lambda s: s["count"] == 2 and s["stream"]["generation"] == 21,
                      "generation 21")
    assert list(sources(url)) == [src]
    assert "event=source_id_collision" not in p.output()


def test_rows_of_an_unnamed_source_id_are_counted_then_named(broker, topic, procs):
    """Rows whose reset is gone (retention, deleted records): counted and
    shown under their source id, said once in the log; the snapshot-complete
    message that names the id moves them to the source's name."""
    src = "/data/retained.csv"
    for rec in (1, 2, 3):
        produce_row(broker.bootstrap, topic, 30, rec, SEED_ROWS[rec - 1], source=src)
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    placeholder = "source-id:" + source_id(src)
    snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 3, "3 unnamed rows")
    assert list(sources(url)) == [placeholder]
    wait_until(lambda: "event=source_unnamed" in p.output(), what="unnamed rows said")
    assert p.output().count("event=source_unnamed") == 1
    assert f"source_id={source_id(src)}" in p.output()

    produce_control(broker.bootstrap, topic, "snapshot_complete", 30, 1, last=3, count=3,
                    source=src)
    wait_until(lambda: list(sources(url)) == [src], what="the source named")
    s = get_json(url + "/api/snapshot?source=" + q(src))
    assert s["count"] == 3
    assert "event=source_named" in p.output()
    # Rows after the naming go straight to the name; a copy of a row
    # counted under the placeholder is a duplicate.
    produce_row(broker.bootstrap, topic, 30, 4, SEED_ROWS[3], source=src)
    produce_row(broker.bootstrap, topic, 30, 2, SEED_ROWS[1], source=src)
    s = snapshot_when(url, lambda s: s["count"] == 4 and s["ingest"]["duplicates"] == 1,
                      "4 rows, one duplicate")
    assert list(sources(url)) == [src]
    assert p.output().count("event=source_unnamed") == 1


def test_two_sources_with_one_id_are_an_error_not_a_merge(broker, topic, procs):
    """Two sources whose control messages give one source id (a collision,
    forged here): said as an error event; each generation's rows stay with
    the source that named that generation."""
    a, b = "/data/a.csv", "/data/b.csv"
    sid = source_id(a)

    def forged(kind, gen, source, last=0, count=0):
        value = {"__control": kind, "source": source, "source_id": sid, "generation": gen}
        if kind == "snapshot_complete":
            value.update(last_record=last, row_count=count)
        key = "__reset__" if kind == "reset" else "__snapshot_complete__"
        produce(broker.bootstrap, topic, json.dumps(value), key,
                {"csv.id": f"v3;{kind};{gen};0;0;0123456789abcdef;{sid}"}, 0)

    def row(gen, rec):
        produce(broker.bootstrap, topic, row_json(SEED_ROWS[rec - 1]), str(rec),
                {"csv.id": f"v3;row;{gen};{rec};0;0123456789abcdef;{sid}"}, 0)

    forged("reset", 40, a)
    row(40, 1)
    row(40, 2)
    forged("snapshot_complete", 40, a, 2, 2)
    forged("reset", 41, b)
    row(41, 1)
    forged("snapshot_complete", 41, b, 1, 1)
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["catchup"]["done"] and s["count"] == 3, "3 rows")
    assert sorted(sources(url)) == [a, b]
    assert sources(url)[a]["rows"] == 2 and sources(url)[b]["rows"] == 1
    wait_until(lambda: "event=source_id_collision" in p.output(), what="collision said")
    line = next(ln for ln in p.output().splitlines() if "event=source_id_collision" in ln)
    assert f"source_id={sid}" in line and f"source={b}" in line and f"other={a}" in line


def test_csv_id_shape_is_the_documented_one():
    """The helpers' v3 csv.id is the example of docs/wire-format.md."""
    assert wire_id(1764370000000, "data/input.csv", 8, 213, "6a1f0c3e9b2d4477") == \
        "v3;row;1764370000000;8;213;6a1f0c3e9b2d4477;0e13739a7e7c45e2"
