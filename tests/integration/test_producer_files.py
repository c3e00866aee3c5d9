"""Several files per producer: -f repeated and glob patterns; files that
appear later and match are picked up; each file is its own source with its
own state file; the dashboard shows the union, per source."""

import decimal
import os

from conftest import PRODUCER, http_json, wait_until
from csvfile import expected_snapshot, snapshot_sums
from dashboard_helpers import start_dashboard

HEADER = "id,nome,idade,cidade,valor\n"


def rows_text(first, count):
    return "".join(f"{i},Nome {i},{20 + i % 9},C{i % 4},{i}.50\n"
                   for i in range(first, first + count))


def write(path, text, mode="w"):
    with open(path, mode, encoding="utf-8", newline="") as f:
        f.write(text)


def union(paths):
    count, sums = 0, {}
    for p in paths:
        if not os.path.exists(p):
            continue
        e = expected_snapshot(p)
        count += e["count"]
        for c, v in e["sums"].items():
            sums[c] = sums.get(c, decimal.Decimal(0)) + v
    return count, sums


def wait_union(url, paths, what):
    def check():
        snap = http_json(url + "/api/snapshot")
        count, sums = union(paths)
        got = snapshot_sums(snap)
        return snap if snap["count"] == count and all(
            got.get(c) == v for c, v in sums.items()) else None
    return wait_until(check, what=what)


def test_globs_and_repeated_files_are_one_source_each(broker, topic, procs, tmp_path):
    data = tmp_path / "data"
    other = tmp_path / "other"
    data.mkdir()
    other.mkdir()
    a, b, c, d = data / "a.csv", data / "b.csv", other / "c.csv", data / "d.csv"
    write(a, HEADER + rows_text(1, 10))
    write(b, HEADER + rows_text(100, 7))
    write(c, HEADER + rows_text(200, 5))
    write(data / "notes.txt", "not matched\n")
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(data / "*.csv"),
            "-f", str(c), "--state-dir", state, "--stat-interval-ms", "200",
            "--delete-grace-ms", "300"]
    p = procs(argv, "producer")
    wait_union(url, [a, b, c], "three files")

    # A file that appears later and matches is picked up.
    write(d, HEADER + rows_text(300, 4))
    snap = wait_union(url, [a, b, c, d], "a file created later")
    assert sorted(s["source"] for s in snap["sources"]) == sorted(
        str(x.resolve()) for x in (a, b, c, d))
    assert len(list(state.glob("*.state"))) == 4

    # Appends go to their own source.
    write(b, rows_text(150, 3), "a")
    wait_union(url, [a, b, c, d], "an append to one of them")
    assert p.stop() == 0

    # Restarted: each resumes; a file gone meanwhile becomes empty.
    write(a, rows_text(50, 2), "a")
    os.unlink(c)  # given by name
    os.unlink(d)  # matched by the glob only: known from its state file
    procs(argv, "restarted")
    snap = wait_union(url, [a, b, c, d], "after a restart (two files gone)")
    assert {s["source"]: s["rows"] for s in snap["sources"]}[str(d.resolve())] == 0


def test_a_symlink_pointed_at_another_file_stays_one_source(broker, topic, procs, tmp_path):
    """The watched name is a symlink that is pointed at another file (a
    deploy's `ln -sfn`, a mounted config map): the name stays one source,
    whose new generation is the new target's content, while running and
    after a restart. Before, the rescan (or the restart) resolved the link
    again and added the new target as a second source: every row counted
    twice."""
    a, b, link = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "input.csv"
    write(a, HEADER + rows_text(1, 3))
    write(b, HEADER + rows_text(100, 2))
    link.symlink_to("a.csv")
    state = tmp_path / "state"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(link),
            "--state-dir", state, "--stat-interval-ms", "100"]
    p = procs(argv, "producer")
    snap = wait_union(url, [link], "the first target")
    assert [s["source"] for s in snap["sources"]] == [str(link)]

    swap = tmp_path / "swap.lnk"
    swap.symlink_to("b.csv")
    os.replace(swap, link)
    wait_union(url, [link], "the new target as a new generation")
    # Rescans (every 100 ms) happen meanwhile; a marker appended after the
    # swap arrives once, and the source is still the one name.
    write(b, rows_text(200, 1), "a")
    snap = wait_union(url, [link], "the marker row")
    assert [s["source"] for s in snap["sources"]] == [str(link)]
    assert p.stop() == 0

    write(b, rows_text(300, 1), "a")
    procs(argv, "restarted")
    snap = wait_union(url, [link], "after a restart")
    assert [s["source"] for s in snap["sources"]] == [str(link)]
    assert len(list(state.glob("*.state"))) == 1
