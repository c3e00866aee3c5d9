"""The state directory's disk fills up (a full /var, a small volume). The
state file has a fixed size once written (two slots, docs/producer.md): a
disk that fills while the producer runs does not stop its saves, and it goes
on sending. A producer started on the full disk must write its state file
anew and cannot save its position, so it sends no row it could not account
for after a crash. It must say so (/healthz 503 naming the disk, a log
line), and once there is room again send every row exactly once.

Needs root for a small tmpfs (CI runs as root, as the compose suite does).
"""

import json
import subprocess
import urllib.error
import urllib.request

from conftest import free_port, wait_until
from test_producer_basic import (HEADER, ROWS3, append, consume, rows_of,
                                 start_producer, values, wait_rows,
                                 wait_snapshot)


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_full_state_disk_stops_sending_loudly_then_resumes_exactly(
        broker, topic, procs, tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                   check=True)
    p = None
    try:
        csv = tmp_path / "in.csv"
        append(csv, HEADER + ROWS3, "w")
        port = free_port()
        p = start_producer(procs, broker, topic, csv, mnt / "state",
                           "--metrics-listen", f"127.0.0.1:{port}")
        wait_snapshot(broker, topic)
        try:
            with open(mnt / "filler", "wb") as f:
                while True:
                    f.write(b"x" * 4096)
                    f.flush()
        except OSError:
            pass  # full

        # Full while running: the saves overwrite the state file's slots
        # and need no room; rows go on, healthy.
        for i in range(4, 14):
            append(csv, f"{i},Nome {i},30,Cidade,1.00\n")
        wait_rows(broker, topic, 13)
        assert healthz(port)[0] == 200
        assert "event=checkpoint_failed" not in p.output()
        assert p.stop() == 0

        # Started on the full disk: its first save writes a new state file.
        p = start_producer(procs, broker, topic, csv, mnt / "state",
                           "--metrics-listen", f"127.0.0.1:{port}", name="restarted")
        for i in range(14, 24):
            append(csv, f"{i},Nome {i},30,Cidade,1.00\n")

        def degraded():
            code, body = healthz(port)
            return body if code == 503 and "No space left" in body.get("reason", "") else None
        body = wait_until(degraded, what="/healthz naming the full disk")
        assert "state file" in body["reason"], body
        assert "event=checkpoint_failed" in p.output()

        (mnt / "filler").unlink()
        msgs = wait_rows(broker, topic, 23)
        assert len(rows_of(msgs)) == 23, "each row exactly once"
        assert [v["id"] for v in values(rows_of(msgs))] == list(range(1, 24))
        wait_until(lambda: healthz(port)[0] == 200, what="healthy again")
    finally:
        if p is not None:
            p.stop()
        subprocess.run(["umount", str(mnt)], check=False)
