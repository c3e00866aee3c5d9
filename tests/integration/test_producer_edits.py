"""Edits are never lost: every way of changing bytes already sent, while the
producer runs, while it is stopped, or around a crash, ends with the dashboard
equal to the file (count and exact sums). Each test is one defect that once
lost rows silently."""

import decimal
import os
import re
import signal
import subprocess
import time

from conftest import PRODUCER, WAIT_S, http_json, wait_until
from csvfile import expected_snapshot, snapshot_sums
from dashboard_helpers import start_dashboard

HEADER = "id,nome,idade,cidade,valor\n"


def rows_text(first, count, age=30):
    return "".join(f"{i},Nome {i},{age + i % 7},Cidade {i % 5},{i}.25\n"
                   for i in range(first, first + count))


def write(path, text, mode="w"):
    with open(path, mode, encoding="utf-8", newline="") as f:
        f.write(text)


def producer(procs, broker, topic, csv, state, *extra, name="producer", cwd=None):
    argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(csv),
            "--state-dir", str(state), "--stat-interval-ms", "200", *extra]
    return procs(argv, name, cwd=cwd)


def file_state(url, csv):
    snap = http_json(url + "/api/snapshot")
    want = expected_snapshot(csv) if os.path.exists(csv) else {"count": 0, "sums": {}}
    got = snapshot_sums(snap)
    ok = snap["count"] == want["count"] and all(
        got.get(c) == s for c, s in want["sums"].items())
    return ok, snap["count"], want["count"], got, want["sums"]


def wait_equal(url, csv, what):
    def check():
        state = file_state(url, csv)
        return state if state[0] else None
    try:
        wait_until(check, what=what)
    except AssertionError:
        raise AssertionError(f"{what}: dashboard != file: {file_state(url, csv)}")


def wait_log(proc, pattern, after=0):
    """Waits until the process log has a line matching pattern at or after
    character `after`; returns the match."""
    rx = re.compile(pattern)
    return wait_until(lambda: rx.search(proc.output(), after), interval=0.002,
                      what=f"log line /{pattern}/")


def test_crash_right_after_in_place_regeneration(broker, topic, procs, tmp_path):
    """Defect 1: truncate + rewrite in place (same inode, same leading rows
    plus new ones), SIGKILL right after the new generation is complete, then
    appends: the restart must continue the NEW generation."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 50))
    for i in range(3):
        p = producer(procs, broker, topic, csv, state, name=f"run{i}")
        wait_equal(url, csv, f"round {i}: first load")
        mark = len(p.output())
        with open(csv, "r+", encoding="utf-8", newline="") as f:
            f.truncate(0)
            # Row 2 edited (same length), then new rows: a new generation.
            f.write(HEADER + rows_text(1, 50).replace("\n2,Nome 2,32,", "\n2,Nome 2,77,")
                    + rows_text(1000 + i * 100, 5))
        start = wait_log(p, r"event=generation_start", mark)
        wait_log(p, r"event=snapshot_complete", start.end())
        p.kill()
        write(csv, rows_text(5000 + i * 1000, 500), "a")
        p = producer(procs, broker, topic, csv, state, name=f"restart{i}")
        wait_equal(url, csv, f"round {i}: appends after the crash")
        p.stop()


def test_two_same_length_sed_edits_while_stopped(broker, topic, procs, tmp_path):
    """Defect 2: two same-length `sed -i` edits of one row while stopped (the
    second may hand the file its old inode number back)."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 20))
    p = producer(procs, broker, topic, csv, state)
    wait_equal(url, csv, "first load")
    assert p.stop() == 0
    subprocess.run(["sed", "-i", "s/^7,Nome 7,30,/7,Nome 7,88,/", str(csv)], check=True)
    subprocess.run(["sed", "-i", "s/^7,Nome 7,88,/7,Nome 7,99,/", str(csv)], check=True)
    producer(procs, broker, topic, csv, state, name="restarted")
    wait_equal(url, csv, "after two sed -i edits while stopped")


def test_same_size_edit_in_place_while_stopped(broker, topic, procs, tmp_path):
    """Defect 2, deterministic form: same inode, same size, same header and
    same last bytes; only mtime/ctime and a middle value differ."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 20))
    p = producer(procs, broker, topic, csv, state)
    wait_equal(url, csv, "first load")
    assert p.stop() == 0
    text = csv.read_text(encoding="utf-8").replace("\n7,Nome 7,30,", "\n7,Nome 7,77,")
    with open(csv, "r+", encoding="utf-8", newline="") as f:
        f.write(text)
    producer(procs, broker, topic, csv, state, name="restarted")
    wait_equal(url, csv, "after a same-size edit while stopped")


def test_same_size_rewrites_while_running(broker, topic, procs, tmp_path):
    """Defect 3: truncate and write the same content with one middle value
    changed (same size), many times while running."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    rows = rows_text(1, 40)
    write(csv, HEADER + rows)
    producer(procs, broker, topic, csv, state)
    wait_equal(url, csv, "first load")
    for i in range(15):
        age = 10 + i  # two digits: same size as the original 30..36
        write(csv, HEADER + rows.replace("\n20,Nome 20,36,", f"\n20,Nome 20,{age},"))
        wait_equal(url, csv, f"rewrite {i}")


def test_same_file_spelled_two_ways_is_one_source(broker, topic, procs, tmp_path):
    """Defect 4: `-f in.csv` then `-f /abs/in.csv` is one source."""
    csv = tmp_path / "in.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 30))
    p = producer(procs, broker, topic, "in.csv", state, cwd=tmp_path, name="relative")
    wait_equal(url, csv, "load with a relative path")
    assert p.stop() == 0
    write(csv, rows_text(100, 5), "a")
    producer(procs, broker, topic, csv.resolve(), state, name="absolute")
    wait_equal(url, csv, "after a restart with the absolute path")
    snap = http_json(url + "/api/snapshot")
    assert [s["source"] for s in snap["sources"]] == [str(csv.resolve())]


def test_deleted_file_empties_its_source(broker, topic, procs, tmp_path):
    """Defect 4: a deleted file (not recreated within the grace time) becomes
    an empty generation, also when the producer restarts with it gone."""
    csv = tmp_path / "input.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 10))
    p = producer(procs, broker, topic, csv, state, "--delete-grace-ms", "300")
    wait_equal(url, csv, "first load")
    os.unlink(csv)
    wait_equal(url, csv, "after delete")
    write(csv, HEADER + rows_text(1, 4))
    wait_equal(url, csv, "after recreate")
    assert p.stop() == 0
    os.unlink(csv)
    producer(procs, broker, topic, csv, state, "--delete-grace-ms", "300", name="restarted")
    wait_equal(url, csv, "file gone at restart")


def test_second_producer_of_one_source_refuses_to_start(broker, topic, procs, tmp_path):
    """Two producers writing one source would interleave generations: the
    newer one sees the first one's lock and exits, naming it."""
    csv = tmp_path / "in.csv"
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 10))
    first = producer(procs, broker, topic, csv, state, name="first")
    wait_equal(url, csv, "first producer's load")
    owner = re.search(r"instance=([0-9a-f]{16})", first.output()).group(1)
    second = producer(procs, broker, topic, "in.csv", state, cwd=tmp_path, name="second")
    assert second.wait(timeout=WAIT_S) == 1
    assert re.search(r"event=source_conflict .*held by another producer of this "
                     rf"source: pid={first.p.pid} instance={owner}", second.output())
    assert first.alive()
    write(csv, rows_text(100, 3), "a")
    wait_equal(url, csv, "the first producer still sends")
    assert first.stop() == 0
    # Once the first one is gone, the source is free again.
    producer(procs, broker, topic, csv, state, name="third")
    write(csv, rows_text(200, 3), "a")
    wait_equal(url, csv, "a later producer takes over")
