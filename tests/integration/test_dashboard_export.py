"""/api/export.csv of a live table: rows keep arriving during the export and
sort before where it has got to; every row of the file is written once."""

import csv
import http.client
import io
import socket
import threading
import time
import urllib.request

import pytest

from conftest import (DASHBOARD, PRODUCER, TIMEOUT_SCALE, free_port, http_get, http_json,
                      wait_until)

ROWS = 30000


def test_live_export_writes_each_row_once(broker, topic, procs, tmp_path):
    path = tmp_path / "in.csv"
    with open(path, "w") as f:
        f.write("id,valor\n")
        for i in range(1, ROWS + 1):
            f.write(f"{i},{(i * 7919) % 100000}.5\n")
    port = free_port()
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(path),
           "--state-dir", str(tmp_path / "state")], "producer")
    procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{port}"], "dashboard")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_json(url + "/api/snapshot")["count"] == ROWS,
               what=f"{ROWS} rows on the dashboard")

    stop = threading.Event()

    def append_rows_that_sort_first():
        n = ROWS + 1
        while not stop.is_set():
            with open(path, "a") as f:
                for _ in range(50):
                    f.write(f"{n},{999999 + n}.5\n")
                    n += 1
            time.sleep(0.01)

    appender = threading.Thread(target=append_rows_that_sort_first)
    appender.start()
    exports = []
    try:
        for _ in range(3):
            with urllib.request.urlopen(url + "/api/export.csv?sort=valor&order=desc",
                                        timeout=60) as r:
                exports.append(list(csv.reader(io.StringIO(r.read().decode())))[1:])
    finally:
        stop.set()
        appender.join()
    for rows in exports:
        ids = [int(r[0]) for r in rows]
        assert len(ids) == len(set(ids)), "a row was exported twice"
        assert set(range(1, ROWS + 1)) <= set(ids), "a row of the file is missing"


class _SlowReader(http.client.HTTPConnection):
    """A connection whose socket has a small receive buffer: the dashboard's
    writes block as soon as the client stops reading, so the export waits
    (between two chunks) for as long as the test wants."""

    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(self.timeout)
        s.connect((self.host, self.port))
        self.sock = s


def test_export_cut_by_a_new_source_ends_as_an_error(broker, topic, procs, tmp_path):
    """A new source during an export cuts it short: the client sees a
    truncated transfer (no terminating chunk, connection closed), never a
    complete-looking file; the dashboard logs it and counts it."""
    rows = 40000  # about 13 MB: far more than the sockets' buffers hold
    filler = "x" * 300
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("id,valor,nota\n")
        for i in range(1, rows + 1):
            f.write(f"{i},{i}.5,{filler}\n")
    port = free_port()
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(path),
           "--state-dir", str(tmp_path / "state")], "producer")
    dash = procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
                  "--listen", f"127.0.0.1:{port}"], "dashboard")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_json(url + "/api/snapshot")["count"] == rows,
               what=f"{rows} rows on the dashboard")

    conn = _SlowReader("127.0.0.1", port, timeout=60 * TIMEOUT_SCALE)
    try:
        conn.request("GET", "/api/export.csv?sort=id&order=asc")
        resp = conn.getresponse()
        assert resp.status == 200
        first = resp.read(1000)  # the export has begun; now stop reading
        assert first.startswith(b"id,valor,nota\r\n")

        other = tmp_path / "other.csv"
        other.write_text("id,valor,nota\n1,1.5,a\n")
        procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(other),
               "--state-dir", str(tmp_path / "state-other")], "producer-other")
        wait_until(lambda: len(http_json(url + "/api/sources")["sources"]) == 2,
                   what="the second source on the dashboard")

        with pytest.raises(http.client.IncompleteRead):
            resp.read()  # the rest: must end as an error, not cleanly
    finally:
        conn.close()
    metrics = http_get(url + "/metrics")[2].decode()
    assert "\ndashboard_exports_cut_total 1\n" in metrics
    wait_until(lambda: "event=export_cut" in dash.output(), what="export_cut in the log")

    # A whole export afterwards still ends cleanly, with every row.
    with urllib.request.urlopen(url + "/api/export.csv?sort=id", timeout=60) as r:
        body = r.read().decode()
    assert len(body.splitlines()) == rows + 2
