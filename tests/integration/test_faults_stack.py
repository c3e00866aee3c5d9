"""Full-stack fault tests (issue 7, item 1).

Each test runs the real csv-producer and consumer-dashboard against the real
broker, injects one fault during a load, and ends with the dashboard's
/api/snapshot count and per-column sums exactly equal to the file's
(tests/integration/csvfile.py computes those independently).

Producer-only faults (kill -9 checked on the topic, broker restart seen by the
producer) are in test_producer_*.py; here the whole path is checked.

FAULT_ROUNDS=N repeats the random-moment kills N times (default 3);
FAULT_ROWS=N sets the size of the loaded file (default 20000 rows).
"""

import os
import random
import shutil
import subprocess
import time

import pytest

from conftest import (DASHBOARD, PRODUCER, free_port, http_json, kcat_consume,
                      wait_until)
from csvfile import append, expected_snapshot, snapshot_sums, write_rows

HEADER = ["id", "nome", "idade", "cidade", "valor"]
CITIES = ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Salvador", "Recife"]
ROUNDS = int(os.environ.get("FAULT_ROUNDS", "3"))
NROWS = int(os.environ.get("FAULT_ROWS", "20000"))


def rows(n, start=1, salt=0):
    return [[i, f"Nome {i}", 18 + (i * 7 + salt) % 60, CITIES[(i + salt) % 5],
             f"{(i * 37 + salt) % 5000}.{(i + salt) % 100:02d}"]
            for i in range(start, start + n)]


def append_rows(path, n, start, salt=0):
    append(path, "".join(",".join(str(c) for c in r) + "\n" for r in rows(n, start, salt)))


def start_dashboard(procs, broker, topic, port=None, name="dashboard"):
    port = port or free_port()
    p = procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
               "--listen", f"127.0.0.1:{port}"], name)
    return f"http://127.0.0.1:{port}", p


def start_producer(procs, broker, topic, csv_path, state_dir, *extra, name="producer"):
    return procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", csv_path,
                  "--state-dir", state_dir, *extra], name)


def snapshot_or_none(url):
    try:
        return http_json(url + "/api/snapshot")
    except (OSError, ValueError, AssertionError):
        return None


def matches_file(url, csv_path):
    want = expected_snapshot(csv_path)

    def check():
        snap = snapshot_or_none(url)
        if not snap or snap["count"] != want["count"]:
            return False
        got = snapshot_sums(snap)
        return all(got.get(c) == s for c, s in want["sums"].items()) and snap
    return check


def wait_file_equal(url, csv_path, what):
    """Waits for the dashboard to show exactly the file; then asserts it."""
    snap = wait_until(matches_file(url, csv_path), what=what)
    want = expected_snapshot(csv_path)
    assert snap["count"] == want["count"]
    assert {c: snapshot_sums(snap).get(c) for c in want["sums"]} == want["sums"]
    return snap


def count_of(url):
    snap = snapshot_or_none(url)
    return snap["count"] if snap else -1


@pytest.fixture
def broker_restored(broker):
    """The session broker, started again after the test if it was stopped."""
    yield broker
    if not broker.running:
        broker.restart()


# ---- producer SIGKILL ------------------------------------------------------------

def test_producer_sigkill_at_random_moments(broker, topic, procs, tmp_path):
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(NROWS))
    url, _ = start_dashboard(procs, broker, topic)
    rnd = random.Random(int(os.environ.get("FAULT_SEED", str(time.time_ns()))))
    next_id = NROWS + 1
    kills = []
    for i in range(ROUNDS):
        p = start_producer(procs, broker, topic, csv_path, state, name=f"producer{i}")
        if i == 1:
            # One round kills after the first load is shown, the others
            # wherever they land (often inside the first load).
            wait_until(lambda: count_of(url) > 0, what="the first load shown")
        time.sleep(rnd.uniform(0.0, 0.5))
        # A burst of appends, then the kill lands while they are being sent
        # (or while the resume of the previous round is still going on).
        for _ in range(5):
            append_rows(csv_path, 1000, next_id)
            next_id += 1000
        time.sleep(rnd.uniform(0.0, 0.3))
        p.kill()
        kills.append((count_of(url), next_id - 1))
    print(f"kill -9 with (rows shown, rows in file): {kills}")
    start_producer(procs, broker, topic, csv_path, state, name="producer-final")
    wait_file_equal(url, csv_path, "snapshot equal to the file after kill -9 rounds")


# ---- broker SIGKILL + restart ------------------------------------------------------

def test_broker_sigkill_and_restart_during_load(broker_restored, topic, procs, tmp_path):
    broker = broker_restored
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(NROWS))
    url, _ = start_dashboard(procs, broker, topic)
    start_producer(procs, broker, topic, csv_path, state)
    wait_until(lambda: count_of(url) > 0, what="the load under way")
    broker.kill()
    append_rows(csv_path, 500, NROWS + 1)  # written while Kafka is gone
    time.sleep(3)
    broker.restart()
    wait_file_equal(url, csv_path, "snapshot equal to the file after broker kill -9")


# ---- dashboard SIGKILL + restart ---------------------------------------------------

STABLE_KEYS = ("count", "columns", "cards", "categories", "histogram", "roles")


def stable(snap):
    """The parts of a snapshot that depend only on the data."""
    return {k: snap[k] for k in STABLE_KEYS if k in snap}


def test_dashboard_sigkill_and_restart(broker, topic, procs, tmp_path):
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(NROWS // 2))
    url, dash = start_dashboard(procs, broker, topic)
    start_producer(procs, broker, topic, csv_path, state)
    before = wait_file_equal(url, csv_path, "snapshot equal to the file")
    rows_before = http_json(url + "/api/rows?size=1000&sort=valor&order=desc")
    dash.kill()
    url2, _ = start_dashboard(procs, broker, topic, name="dashboard-restarted")
    after = wait_file_equal(url2, csv_path, "snapshot equal to the file after restart")
    assert stable(after) == stable(before)
    rows_after = http_json(url2 + "/api/rows?size=1000&sort=valor&order=desc")
    assert rows_after["rows"] == rows_before["rows"]
    # It keeps following the topic after the restart.
    append_rows(csv_path, 100, NROWS // 2 + 1)
    wait_file_equal(url2, csv_path, "snapshot after an append following the restart")


# ---- the file changes under the producer -----------------------------------------

def test_file_rewritten_during_load(broker, topic, procs, tmp_path):
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(NROWS))
    url, _ = start_dashboard(procs, broker, topic)
    start_producer(procs, broker, topic, csv_path, state)
    wait_until(lambda: count_of(url) > 0, what="the load under way")
    # In place, as `>` or an editor without a rename does.
    write_rows(csv_path, HEADER, rows(700, start=1, salt=3))
    wait_file_equal(url, csv_path, "snapshot equal to the rewritten file")
    append_rows(csv_path, 50, 701, salt=3)
    wait_file_equal(url, csv_path, "snapshot after appending to the rewritten file")


def test_file_deleted_and_recreated_during_load(broker, topic, procs, tmp_path):
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(NROWS))
    url, _ = start_dashboard(procs, broker, topic)
    start_producer(procs, broker, topic, csv_path, state)
    wait_until(lambda: count_of(url) > 0, what="the load under way")
    os.remove(csv_path)
    time.sleep(0.5)
    write_rows(csv_path, HEADER, rows(400, start=1, salt=5))
    wait_file_equal(url, csv_path, "snapshot equal to the recreated file")
    # Deleted and recreated with a different header: a new schema.
    os.remove(csv_path)
    write_rows(csv_path, ["id", "produto", "valor"],
               [[i, f"p{i}", f"{i}.50"] for i in range(1, 301)])
    wait_file_equal(url, csv_path, "snapshot equal to the file with a new header")


# ---- state directory unwritable ------------------------------------------------------

def test_state_dir_unwritable_at_start_is_a_clear_error(broker, topic, procs, tmp_path):
    csv_path = tmp_path / "input.csv"
    write_rows(csv_path, HEADER, rows(50))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory's parent should be\n")
    state = blocker / "state"
    r = subprocess.run([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", csv_path,
                        "--state-dir", state], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert str(state) in r.stderr + r.stdout, r.stderr
    # Nothing was sent without a place to checkpoint it.
    try:
        msgs = kcat_consume(broker.bootstrap, topic, timeout_s=30)
    except subprocess.CalledProcessError:
        msgs = []  # no such topic: nothing was produced
    assert [m for m in msgs if m["kind"] == "row"] == []


def _make_read_only(path):
    """Makes directory path unwritable, also for root. Returns an undo
    function."""
    if os.geteuid() != 0:
        os.chmod(path, 0o500)
        return lambda: os.chmod(path, 0o700)
    if shutil.which("mount"):
        r = subprocess.run(["mount", "--bind", "-o", "ro", str(path), str(path)],
                           capture_output=True)
        if r.returncode == 0:
            return lambda: subprocess.run(["umount", str(path)], capture_output=True,
                                          check=True)
    # No mounts here (unprivileged container): put a regular file where the
    # directory was, so every write below it fails with ENOTDIR.
    aside = path.with_name(path.name + ".aside")
    os.rename(path, aside)
    path.write_text("not a directory\n")

    def undo():
        os.remove(path)
        os.rename(aside, path)
    return undo


def test_state_dir_unwritable_during_run_loses_nothing(broker, topic, procs, tmp_path):
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(500))
    url, _ = start_dashboard(procs, broker, topic)
    p = start_producer(procs, broker, topic, csv_path, state)
    wait_file_equal(url, csv_path, "snapshot equal to the file")
    undo = _make_read_only(state)
    undone = False
    try:
        probe = state / "probe"
        with pytest.raises(OSError):
            probe.write_text("x")
        append_rows(csv_path, 200, 501)
        # It carries on (rows sent, the failed checkpoint logged as an
        # error), holds the new rows with the failure logged (nothing may get
        # ahead of the state file), or stops with a clear error; it never goes
        # silent and loses nothing.
        def outcome():
            out = p.output()
            failed = any("level=error" in line and ("checkpoint" in line or "state" in line)
                         for line in out.splitlines())
            if not p.alive():
                return "exited"
            if failed and count_of(url) == 700:
                return "logged"
            return "held" if failed else None
        how = wait_until(outcome, what="a logged checkpoint failure or an exit")
        if how == "exited":
            assert p.p.returncode != 0
            assert "state" in p.output().lower()
        if how == "held":
            # Held, not lost: the rows go once the state file can be saved.
            undo()
            undone = True
            wait_file_equal(url, csv_path, "held rows sent once the state dir is writable")
            wait_until(lambda: "event=checkpoint_saved_again" in p.output(),
                       what="the recovery logged")
        # A crash now, with the newest checkpoint unsaved.
        p.kill()
    finally:
        if not undone:
            undo()
    start_producer(procs, broker, topic, csv_path, state, name="producer-again")
    append_rows(csv_path, 100, 701)
    wait_file_equal(url, csv_path, "snapshot equal to the file after the state dir came back")


# ---- Kafka unreachable longer than message.timeout.ms -------------------------------

def test_kafka_unreachable_longer_than_message_timeout(broker_restored, topic, procs, tmp_path):
    broker = broker_restored
    csv_path, state = tmp_path / "input.csv", tmp_path / "state"
    write_rows(csv_path, HEADER, rows(1000))
    url, _ = start_dashboard(procs, broker, topic)
    p = start_producer(procs, broker, topic, csv_path, state,
                       "-X", "message.timeout.ms=5000")
    wait_file_equal(url, csv_path, "snapshot equal to the file")
    broker.stop(timeout=20)
    try:
        for i in range(3):  # appends spread over the outage
            append_rows(csv_path, 200, 1001 + 200 * i)
            time.sleep(5)
        assert p.alive(), p.output()[-3000:]
    finally:
        broker.restart()
    wait_file_equal(url, csv_path, "snapshot equal to the file after a 15 s outage")
    assert p.alive()
