"""Randomized crash test: SIGKILL the producer at random instants around
appends, in-place regenerations, rename-replace, truncates, same-size edits
and delete/recreate (some made while it is stopped), restart it, and require
after every round that the dashboard equals the file: row count, exact sums
of every numeric column, and the rows themselves.

Rounds: CRASH_ROUNDS (default 10; 200 for a long local run). Seed:
CRASH_SEED (default: random, printed on failure to replay a run)."""

import csv
import io
import os
import random
import time

from conftest import PRODUCER, WAIT_S, wait_until
from csvfile import expected_snapshot, snapshot_sums
from dashboard_helpers import get, get_json, start_dashboard

HEADER = "id,nome,idade,cidade,valor\n"
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "10"))
SEED = int(os.environ.get("CRASH_SEED", str(random.randrange(1 << 30))))


def row(i, rng):
    return f"{i},Nome {rng.randrange(1000)},{rng.randrange(10, 99)},C{i % 7},{rng.randrange(100000)}.{rng.randrange(100):02d}\n"


def rows(first, count, rng):
    return "".join(row(i, rng) for i in range(first, first + count))


def write(path, text, mode="w"):
    with open(path, mode, encoding="utf-8", newline="") as f:
        f.write(text)


def file_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return sorted(tuple(r) for r in list(csv.reader(f))[1:])


def dashboard_rows(url):
    status, body = get(url + "/api/export.csv")
    assert status == 200, status
    return sorted(tuple(r) for r in list(csv.reader(io.StringIO(body.decode())))[1:])


def equal(url, path):
    snap = get_json(url + "/api/snapshot")
    want = expected_snapshot(path) if os.path.exists(path) else {"count": 0, "sums": {}}
    if snap["count"] != want["count"]:
        return None
    got = snapshot_sums(snap)
    if any(got.get(c) != s for c, s in want["sums"].items()):
        return None
    return dashboard_rows(url) == file_rows(path) or None


class Edits:
    """The edits a user makes, each keeping the file a valid CSV."""

    def __init__(self, path, rng):
        self.path = path
        self.rng = rng
        self.next_id = 1

    def fresh(self, n):
        text = HEADER + rows(self.next_id, n, self.rng)
        self.next_id += n
        return text

    def current(self):
        try:
            with open(self.path, encoding="utf-8", newline="") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def append(self):
        if self.current() is None:
            return self.recreate()
        write(self.path, rows(self.next_id, self.rng.randrange(1, 300), self.rng), "a")
        self.next_id += 300

    def regenerate_in_place(self):
        """Truncate and write (same inode): same leading rows, one edited,
        some new ones (the export-again pattern)."""
        old = self.current() or HEADER
        lines = old.splitlines(keepends=True)
        keep = lines[:max(1, len(lines) - self.rng.randrange(0, 5))]
        if len(keep) > 2:
            k = self.rng.randrange(1, len(keep))
            keep[k] = row(int(keep[k].split(",")[0]), self.rng)
        text = "".join(keep) + rows(self.next_id, self.rng.randrange(0, 50), self.rng)
        self.next_id += 50
        with open(self.path, "r+" if old != HEADER else "w", encoding="utf-8", newline="") as f:
            f.truncate(0)
            f.write(text)

    def same_size_edit(self):
        """One digit of one value changed in place: same inode, same size."""
        old = self.current()
        if not old or old.count("\n") < 3:
            return self.append()
        lines = old.splitlines(keepends=True)
        k = self.rng.randrange(1, len(lines))
        if not lines[k].endswith("\n"):
            return self.append()
        fields = lines[k].rstrip("\n").split(",")
        digit = str((int(fields[2][-1]) + 1 + self.rng.randrange(8)) % 10)
        fields[2] = fields[2][:-1] + digit
        lines[k] = ",".join(fields) + "\n"
        with open(self.path, "r+", encoding="utf-8", newline="") as f:
            f.write("".join(lines))

    def rename_replace(self):
        tmp = self.path.with_name(".edit.tmp")
        write(tmp, self.fresh(self.rng.randrange(0, 200)))
        os.replace(tmp, self.path)

    def truncate_rewrite(self):
        write(self.path, self.fresh(self.rng.randrange(0, 100)))

    def delete(self):
        if self.current() is not None:
            os.unlink(self.path)

    def recreate(self):
        write(self.path, self.fresh(self.rng.randrange(1, 100)))

    def random(self):
        ops = [self.append] * 4 + [self.regenerate_in_place] * 2 + [
            self.same_size_edit, self.rename_replace, self.truncate_rewrite,
            self.delete, self.recreate]
        op = self.rng.choice(ops)
        op()
        return op.__name__


def test_random_crashes_never_lose_an_edit(broker, topic, procs, tmp_path):
    rng = random.Random(SEED)
    path = tmp_path / "input.csv"
    state = tmp_path / "state"
    edits = Edits(path, rng)
    write(path, edits.fresh(200))
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", path, "--state-dir", state,
            "--stat-interval-ms", "100", "--delete-grace-ms", "300", "--log-level", "info"]
    history = []
    for r in range(ROUNDS):
        p = procs(argv, f"round{r}")
        time.sleep(rng.uniform(0, 0.5))
        ops = [edits.random() for _ in range(rng.randrange(1, 4))]
        time.sleep(rng.choice([0, 0.001, 0.01, 0.03, 0.1, 0.3]))
        p.kill()
        while_stopped = edits.random() if rng.random() < 0.3 else None
        history.append((r, ops, while_stopped))
        p = procs(argv, f"round{r}-restart")
        try:
            wait_until(lambda: equal(url, path), timeout=WAIT_S, what="dashboard == file")
        except AssertionError:
            raise AssertionError(
                f"seed {SEED} round {r}: dashboard != file after {history[-3:]}; "
                f"replay with CRASH_SEED={SEED}")
        p.stop()
