"""Hostile CSV files through the whole stack (issue 7, items 1 and 5).

What a user's file may hold that the parser and the dashboard must survive:
a very wide header, bad records mixed with good ones. Good rows end up on the
dashboard exactly; bad ones in the dead-letter count, never silently lost.
"""

import decimal

from conftest import DASHBOARD, PRODUCER, free_port, http_json, wait_until
from csvfile import append, write_rows


def start(procs, broker, topic, csv_path, state_dir):
    port = free_port()
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", csv_path,
           "--state-dir", state_dir, "--max-record-bytes", "4096"], "producer")
    procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{port}"], "dashboard")
    return f"http://127.0.0.1:{port}"


def dlq_count(tree):
    """The dead-letter count wherever the snapshot nests it."""
    if isinstance(tree, dict):
        if "summary" in tree and isinstance(tree["summary"], dict) and "topic" in tree:
            return tree["summary"].get("count")
        for v in tree.values():
            c = dlq_count(v)
            if c is not None:
                return c
    return None


def find_key(tree, key):
    if isinstance(tree, dict):
        if key in tree:
            return tree[key]
        for v in tree.values():
            found = find_key(v, key)
            if found is not None:
                return found
    return None


def snap(url):
    return http_json(url + "/api/snapshot")


def test_wide_file_rows_all_reach_the_dashboard(broker, topic, procs, tmp_path):
    """300 columns: the producer accepts up to 1024, so the dashboard must
    show every row (the wire decoder's limit was 256 members)."""
    ncols = 300
    csv_path = tmp_path / "wide.csv"
    header = ["id", "valor"] + [f"c{i}" for i in range(ncols - 2)]
    rows = [[r, f"{r}.50"] + [r * i for i in range(ncols - 2)] for r in range(1, 11)]
    write_rows(csv_path, header, rows)
    url = start(procs, broker, topic, csv_path, tmp_path / "state")
    def shown_or_rejected():
        s = snap(url)
        errors = find_key(s, "decode_errors") or 0
        return s if s["count"] == 10 or errors >= 10 else None
    got = wait_until(shown_or_rejected, what="10 wide rows shown or rejected")
    assert got["count"] == 10, f"rows not shown; ingest: {find_key(got, 'ingest')}"
    assert decimal.Decimal(str(got["columns"]["valor"]["sum"])) == decimal.Decimal("60.00")


def test_bad_records_are_counted_never_dropped(broker, topic, procs, tmp_path):
    csv_path = tmp_path / "input.csv"
    # "São": a UTF-8 file, so the invalid bytes below are a bad record
    # (a file without any UTF-8 would be read as Windows-1252).
    write_rows(csv_path, ["id", "nome", "valor"], [[1, "São", "1.00"], [2, "b", "2.00"]])
    url = start(procs, broker, topic, csv_path, tmp_path / "state")
    wait_until(lambda: snap(url)["count"] == 2, what="two good rows")
    with open(csv_path, "ab") as f:
        f.write(b"3,too,many,fields\n4\n5,\xff\xfe bad,1\n")
        f.write(b"6," + b"x" * 5000 + b",1\n")
        f.write(b"9,\"<script>alert(1)</script>\",4.00\n")
    append(csv_path, "10,ok,5.00\n")
    s = wait_until(lambda: (lambda v: v if v["count"] == 4 else None)(snap(url)),
                   what="good rows after the bad ones")
    assert decimal.Decimal(str(s["columns"]["valor"]["sum"])) == decimal.Decimal("12.00")
    # 3 (too many fields), 4 (too few), 5 (invalid UTF-8), 6 (too long).
    wait_until(lambda: dlq_count(snap(url)) == 4, what="four dead-lettered records counted")
