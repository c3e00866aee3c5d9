"""Delivery safety: restart resume, SIGKILL during a large load, broker
outage during a load. Nothing is lost; whatever is re-sent carries the same
identity (source, generation, record) so readers drop the copy."""

import json
import pathlib
import random
import subprocess
import sys
import time

from conftest import PRODUCER, WAIT_S, kcat_consume, wait_until
from test_producer_basic import (HEADER, ROWS3, append, consume, rows_of, start_producer,
                                 values, wait_rows, wait_snapshot)

GENERATE = pathlib.Path(__file__).resolve().parents[2] / "data" / "generate.py"


def generate(path, count, seed=1, append_rows=False):
    argv = [sys.executable, str(GENERATE), "--shape", "person", "--count", str(count),
            "--seed", str(seed), "--output", str(path)]
    if append_rows:
        argv.append("--append")
    subprocess.run(argv, check=True, timeout=120)


def identities(msgs):
    return [(m["id"]["source"], m["id"]["generation"],
             m["id"]["record"]) for m in rows_of(msgs)]


def test_restart_resumes_with_only_new_rows(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, state)
    gen, _ = wait_snapshot(broker, topic)
    assert p.stop() == 0
    append(csv, "4,Ana Costa,29,Salvador,1200.00\n5,Carlos Souza,51,Curitiba,3100.25\n")
    start_producer(procs, broker, topic, csv, state, name="restarted")
    msgs = wait_rows(broker, topic, 5)
    rows = rows_of(msgs)
    assert len(rows) == 5, "only the new rows were sent after the restart"
    assert {m["id"]["generation"] for m in rows} == {gen}
    assert [v["id"] for v in values(rows)] == [1, 2, 3, 4, 5]
    assert sorted(m["id"]["record"] for m in rows) == [1, 2, 3, 4, 5]


def test_state_of_another_topic_or_of_a_lost_topic_sends_the_file_again(
        broker, topic, procs, tmp_path):
    """A state dir kept while the topic changes: the producer restarted with
    another -t (a typo corrected), then the topic deleted and created again
    (or emptied, or another cluster). Before, the state resumed and the
    topic received nothing of the file, silently."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    append(csv, HEADER + ROWS3, "w")
    typo = topic + ".typo"
    p = start_producer(procs, broker, typo, csv, state, "--exit-at-eof", name="typo")
    assert p.wait(WAIT_S) == 0, p.output()
    assert len(rows_of(consume(broker, typo))) == 3

    p = start_producer(procs, broker, topic, csv, state, "--exit-at-eof", name="right")
    assert p.wait(WAIT_S) == 0, p.output()
    assert [v["id"] for v in values(rows_of(consume(broker, topic)))] == [1, 2, 3]
    assert "state of topic " + typo in p.output()

    broker.tool("topics", "--bootstrap-server", broker.bootstrap, "--delete",
                "--topic", topic)
    wait_until(lambda: topic not in broker.tool(
        "topics", "--bootstrap-server", broker.bootstrap, "--list").stdout.split(),
        what="the topic deleted")
    p = start_producer(procs, broker, topic, csv, state, "--exit-at-eof", name="lost")
    assert p.wait(WAIT_S) == 0, p.output()
    assert [v["id"] for v in values(rows_of(consume(broker, topic)))] == [1, 2, 3]
    assert "is empty" in p.output()


def test_restart_with_other_reading_options_reads_every_row_again(
        broker, topic, procs, tmp_path):
    """Rows read as 1.234 (no decimal comma detected), then the producer
    restarted with --decimal-comma to fix them: every row is read again as
    a new generation. Before, the state resumed: the rows already sent kept
    the old reading and even the later ones kept the state's types."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    append(csv, "id;valor\n1;1.234\n", "w")
    p = start_producer(procs, broker, topic, csv, state, "--exit-at-eof", name="first")
    assert p.wait(WAIT_S) == 0, p.output()
    append(csv, "2;5.678\n")
    p = start_producer(procs, broker, topic, csv, state, "--exit-at-eof",
                       "--decimal-comma", name="fixed")
    assert p.wait(WAIT_S) == 0, p.output()
    msgs = consume(broker, topic)
    newest = max(m["id"]["generation"] for m in rows_of(msgs))
    assert values(rows_of(msgs, newest)) == [{"id": 1, "valor": 1234}, {"id": 2, "valor": 5678}]
    assert "other reading options" in p.output()


def test_file_changed_while_stopped_starts_new_generation(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, state)
    gen1, _ = wait_snapshot(broker, topic)
    assert p.stop() == 0
    append(csv, HEADER + "7,Gil Rocha,35,Natal,2.50\n", "w")
    start_producer(procs, broker, topic, csv, state, name="restarted")
    gen2, msgs = wait_snapshot(broker, topic, after_generation=gen1)
    assert values(rows_of(msgs, gen2)) == [{"id": 7, "nome": "Gil Rocha", "idade": 35,
                                            "cidade": "Natal", "valor": 2.5}]


SLOT_MAGIC = b"csv-producer-slot "


def slot_seqs(data):
    """The sequence of each slot of a state file (two slots of half its size),
    -1 for a slot never written."""
    size = len(data) // 2
    out = []
    for i in (0, 1):
        slot = data[i * size:(i + 1) * size]
        out.append(int(slot[18:34], 16) if slot.startswith(SLOT_MAGIC) else -1)
    return out


def test_torn_newest_state_copy_resumes_from_the_older_one(broker, topic, procs, tmp_path):
    """A save overwrites the older of the state file's two copies and needs one
    fdatasync; a save torn by a crash or a power cut leaves that copy damaged.
    The restart then takes the other, older copy: the same generation goes on,
    rows sent after that copy are sent again with their identities (readers
    drop the copies), nothing is lost and no new generation starts."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    append(csv, HEADER + ROWS3, "w")
    p = start_producer(procs, broker, topic, csv, state)
    gen, _ = wait_snapshot(broker, topic)
    append(csv, "4,Ana Costa,29,Salvador,1200.00\n")
    wait_rows(broker, topic, 4)
    assert p.stop() == 0
    path = next(state.glob("*.state"))
    data = bytearray(path.read_bytes())
    size = len(data) // 2
    assert size == 4096, "two 4 KiB slots"
    seqs = slot_seqs(data)
    assert min(seqs) >= 1, f"both copies written: {seqs}"
    newest = 0 if seqs[0] > seqs[1] else 1
    data[newest * size + 80] ^= 0x20  # a byte of its text: the checksum fails
    path.write_bytes(bytes(data))
    append(csv, "5,Carlos Souza,51,Curitiba,3100.25\n")
    p = start_producer(procs, broker, topic, csv, state, name="restarted")
    msgs = wait_rows(broker, topic, 5)
    assert "state_ignored" not in p.output()
    rows = rows_of(msgs)
    assert {m["id"]["generation"] for m in rows} == {gen}
    assert {m["id"]["record"] for m in rows} == {1, 2, 3, 4, 5}
    assert [v["id"] for v in values(rows)] == [1, 2, 3, 4, 5]
    # The restart's saves go on from there: a whole newest copy again.
    assert p.stop() == 0
    data = path.read_bytes()
    seqs = slot_seqs(data)
    assert max(seqs) >= 1
    i = max(range(2), key=lambda k: seqs[k])
    text = data[i * size:(i + 1) * size].decode(errors="replace")
    assert f"offset={csv.stat().st_size}\n" in text


def test_sigkill_ten_times_during_large_load(broker, topic, procs, tmp_path):
    total = 200_000
    csv = tmp_path / "big.csv"
    state = tmp_path / "state"
    generate(csv, total, seed=3)
    rng = random.Random(42)
    for i in range(10):
        p = start_producer(procs, broker, topic, csv, state, "--log-level", "warn",
                           name=f"kill{i}")
        time.sleep(rng.uniform(0.3, 1.5))
        p.kill()
    p = start_producer(procs, broker, topic, csv, state, "--exit-at-eof",
                       "--log-level", "warn", name="final")
    assert p.wait(timeout=WAIT_S * 2) == 0

    msgs = kcat_consume(broker.bootstrap, topic, timeout_s=WAIT_S * 2)
    ids = identities(msgs)
    snaps = [json.loads(m["value"]) for m in msgs
             if m["kind"] == "snapshot_complete"]
    final_gen = max(s["generation"] for s in snaps)
    final = [i for i in ids if i[1] == final_gen]
    # Every record at least once ...
    assert {i[2] for i in final} == set(range(1, total + 1))
    # ... and exactly once after dropping duplicates by identity.
    assert len(set(final)) == total
    by_record = {}
    for m in rows_of(msgs, final_gen):
        by_record.setdefault(m["id"]["record"], m["value"])
    assert all(json.loads(by_record[r])["id"] == r for r in (1, total // 2, total))
    snap = [s for s in snaps if s["generation"] == final_gen][0]
    assert (snap["last_record"], snap["row_count"]) == (total, total)


def test_sigkill_while_rows_are_appended_one_by_one(broker, topic, procs, tmp_path):
    """Live appends go through the read gate one small chunk at a time: the
    chunk is kept while its state save runs and sent from memory once the
    save is done. SIGKILL at random instants around those saves (some land
    right after a save, before the kept chunk is sent), while a writer goes
    on appending rows one write() each: the file never changes, so every
    restart resumes the same generation, and every row arrives, once by
    identity, with its own values."""
    total = 1500
    csv = tmp_path / "live.csv"
    state = tmp_path / "state"
    append(csv, HEADER, "w")
    rng = random.Random(7)
    kill_at = sorted(rng.sample(range(50, total - 50), 12))
    p = start_producer(procs, broker, topic, csv, state, "--log-level", "warn",
                       name="live0")
    wait_snapshot(broker, topic)
    n_kill = 0
    with open(csv, "a", encoding="utf-8", newline="") as f:
        for i in range(1, total + 1):
            f.write(f"{i},Nome {i},{20 + i % 50},Cidade {i % 7},{i}.{i % 100:02d}\n")
            f.flush()
            if kill_at and i == kill_at[0]:
                kill_at.pop(0)
                time.sleep(rng.uniform(0, 0.004))
                p.kill()
                n_kill += 1
                p = start_producer(procs, broker, topic, csv, state, "--log-level",
                                   "warn", name=f"live{n_kill}")
            time.sleep(0.002)
    msgs = wait_rows(broker, topic, total, what=f"{total} live rows")
    assert p.stop() == 0, p.output()
    rows = rows_of(msgs)
    assert len({m["id"]["generation"] for m in rows}) == 1, "no new generation"
    assert {m["id"]["record"] for m in rows} == set(range(1, total + 1))
    got = values(rows)
    assert [v["id"] for v in got] == list(range(1, total + 1))
    assert all(v["nome"] == f"Nome {v['id']}" for v in got)


def test_broker_outage_during_load_loses_nothing(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    generate(csv, 20_000, seed=5)
    p = start_producer(procs, broker, topic, csv, state, "--log-level", "warn")
    gen, _ = wait_snapshot(broker, topic)
    try:
        broker.kill()
        # Appended while Kafka is down: reading must pause, not drop.
        generate(csv, 5_000, seed=6, append_rows=True)
        time.sleep(3)
        assert p.alive(), p.output()[-2000:]
    finally:
        broker.restart()
    generate(csv, 1_000, seed=7, append_rows=True)
    msgs = wait_rows(broker, topic, 26_000, generation=gen, what="all rows after outage")
    recs = {m["id"]["record"] for m in rows_of(msgs, gen)}
    assert recs == set(range(1, 26_001))
    assert p.alive()
