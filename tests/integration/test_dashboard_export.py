"""/api/export.csv of a live table: rows keep arriving during the export and
sort before where it has got to; every row of the file is written once."""

import csv
import io
import threading
import time
import urllib.request

from conftest import DASHBOARD, PRODUCER, free_port, http_json, wait_until

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
