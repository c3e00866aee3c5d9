#!/usr/bin/env python3
"""Drives a ThreadSanitizer build of consumer-dashboard (tests/tsan/run.sh).

A real broker (deploy/kafka/kafka-local, free ports), the TSan dashboard on a
free port, and for TSAN_SECONDS (default 20) at once:
  - kcat producing JSON rows to a 3-partition topic in batches;
  - HTTP clients on every endpoint (snapshot, rows sorted and paged,
    categories, CSV export, metrics, healthz), which cross from civetweb's
    worker threads to the Kafka thread through snapshot_hub;
  - WebSocket viewers that connect, read a few pushes, and leave (some
    abruptly, some with a close frame, some without ever reading), so that
    viewer add/remove races with the pusher threads;
then the snapshot must equal what was produced, SIGTERM must exit cleanly,
and the log must hold no "WARNING: ThreadSanitizer".

Prints one line per check and "tsan-drive: N passed, N failed" last.
"""

import base64
import decimal
import json
import os
import pathlib
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from kafka_broker import Broker, free_port  # noqa: E402

BUILD = pathlib.Path(os.environ.get("CSV_BUILD_DIR", ROOT / "build-tsan")).resolve()
DASHBOARD = BUILD / "consumer-dashboard" / "consumer-dashboard"
SECONDS = float(os.environ.get("TSAN_SECONDS", "20"))
WAIT_S = 120 * float(os.environ.get("TEST_TIMEOUT_SCALE", "1"))

results = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f": {detail}"),
          flush=True)
    results.append(bool(ok))


def get(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_until(pred, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    return None


class Rows:
    """What was produced: count and the exact sum of valor."""

    def __init__(self):
        self.n = 0
        self.sum = decimal.Decimal(0)


def produce(bootstrap, topic, rows, stop, errors):
    batch = 0
    while not stop.is_set():
        lines = []
        for _ in range(300):
            i = rows.n + len(lines) + 1
            valor = decimal.Decimal(i % 1000) + decimal.Decimal("0.25")
            lines.append(json.dumps({"id": i, "nome": f"n{i}", "idade": i % 80,
                                     "cidade": f"C{i % 7}", "valor": float(valor)}))
        r = subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic],
                           input="\n".join(lines) + "\n", text=True,
                           capture_output=True, timeout=120)
        if r.returncode != 0:
            errors.append(f"kcat: {r.stderr.strip()[:200]}")
            return
        for line in lines:
            rows.n += 1
            rows.sum += decimal.Decimal(str(json.loads(line)["valor"]))
        batch += 1
        stop.wait(0.2)


def http_client(url, stop, stats, seed):
    rnd = random.Random(seed)
    paths = ["/api/snapshot", "/healthz", "/metrics", "/api/categories",
             "/api/rows", "/api/rows?sort=valor&order=asc&page=2&size=100",
             "/api/rows?sort=nome&order=desc", "/api/rows?sort=idade&page=5",
             "/api/export.csv", "/api/export.csv?sort=cidade&order=asc", "/",
             "/app.js"]
    while not stop.is_set():
        path = rnd.choice(paths)
        try:
            status, _ = get(url + path)
        except OSError as e:
            stats["errors"].append(f"{path}: {e!r}")
            continue
        stats["requests"] += 1
        if status >= 500 and status != 503:
            stats["errors"].append(f"{path}: {status}")
        if status == 400 and "sort=" in path:
            pass  # a sort column not there yet (before the first rows)


def ws_viewer(port, stop, stats, seed):
    rnd = random.Random(seed)
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                       ).encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            if not data.startswith(b"HTTP/1.1 101"):
                stats["ws_refused"] += 1
                s.close()
                continue
            stats["ws_opened"] += 1
            mode = rnd.randrange(3)
            if mode == 0:  # never reads, leaves after a while
                stop.wait(rnd.uniform(0.1, 1.5))
            else:
                s.settimeout(3)
                buf = data.partition(b"\r\n\r\n")[2]
                got = 0
                deadline = time.monotonic() + 3
                while got < 3 and time.monotonic() < deadline:
                    try:
                        chunk = s.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    buf += chunk
                    while len(buf) >= 2:
                        n = buf[1] & 0x7F
                        hl = 2 + (2 if n == 126 else 8 if n == 127 else 0)
                        if len(buf) < hl:
                            break
                        if n == 126:
                            n = struct.unpack(">H", buf[2:4])[0]
                        elif n == 127:
                            n = struct.unpack(">Q", buf[2:10])[0]
                        if len(buf) < hl + n:
                            break
                        buf = buf[hl + n:]
                        got += 1
                stats["ws_frames"] += got
                if mode == 2:  # polite close frame (masked, code 1000)
                    mask = os.urandom(4)
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b"\x03\xe8"))
                    try:
                        s.sendall(bytes([0x88, 0x82]) + mask + payload)
                    except OSError:
                        pass
            s.close()
        except OSError as e:
            stats["errors"].append(f"ws: {e!r}")
            stop.wait(0.2)


def main():
    if not DASHBOARD.exists():
        check("dashboard binary built", False, str(DASHBOARD))
        return
    with tempfile.TemporaryDirectory(prefix="tsan-") as tmpdir:
        tmp = pathlib.Path(tmpdir)
        broker = Broker(tmp)
        dash = None
        log_path = tmp / "dashboard.log"
        try:
            broker.start()
            topic = "tsan_rows"
            broker.create_topic(topic, partitions=3)
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            with open(log_path, "wb") as log:
                env = dict(os.environ)
                if os.environ.get("TSAN_PRELOAD"):
                    env["LD_PRELOAD"] = os.environ["TSAN_PRELOAD"]
                dash = subprocess.Popen(
                    [str(DASHBOARD), "-b", broker.bootstrap, "-t", topic,
                     "--listen", f"127.0.0.1:{port}", "--max-connections", "12"],
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    env=env)
            up = wait_until(lambda: get(url + "/healthz", timeout=5)[0] in (200, 503))
            check("dashboard serves under TSan", up, log_path.read_text(errors="replace")[-2000:])
            if not up:
                return

            stop = threading.Event()
            rows = Rows()
            errors = []
            stats = {"requests": 0, "errors": errors, "ws_opened": 0, "ws_refused": 0,
                     "ws_frames": 0}
            threads = [threading.Thread(target=produce, args=(broker.bootstrap, topic, rows,
                                                             stop, errors))]
            threads += [threading.Thread(target=http_client, args=(url, stop, stats, i))
                        for i in range(4)]
            threads += [threading.Thread(target=ws_viewer, args=(port, stop, stats, 100 + i))
                        for i in range(6)]
            for t in threads:
                t.daemon = True
                t.start()
            # Stop early if the dashboard dies (TSan halts it on a report):
            # the clients would otherwise wait on a server that is gone.
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline and dash.poll() is None:
                stop.wait(0.5)
            stop.set()
            join_deadline = time.monotonic() + 180
            for t in threads:
                t.join(timeout=max(0.1, join_deadline - time.monotonic()))
            if dash.poll() is not None:
                check("dashboard alive during the load", False,
                      f"exit status {dash.returncode}; log tail:\n" +
                      log_path.read_text(errors="replace")[-3000:])
                return
            print(f"     produced {rows.n} rows; {stats['requests']} HTTP requests; "
                  f"{stats['ws_opened']} viewers opened, {stats['ws_refused']} refused, "
                  f"{stats['ws_frames']} pushes read", flush=True)
            check("no HTTP 5xx (other than 503 while starting) and no client errors",
                  not errors, "; ".join(errors[:5]))
            check("viewers connected and got pushes", stats["ws_opened"] > 0 and
                  stats["ws_frames"] > 0)

            def caught_up():
                status, body = get(url + "/api/snapshot")
                snap = json.loads(body) if status == 200 else {}
                return snap if snap.get("count") == rows.n else None
            snap = wait_until(caught_up)
            check("snapshot count equals the rows produced", snap is not None and rows.n > 0,
                  f"want {rows.n}")
            if snap:
                got = decimal.Decimal(str(snap["columns"]["valor"]["sum"]))
                check("valor sum exact", got == rows.sum, f"{got} != {rows.sum}")

            dash.send_signal(signal.SIGTERM)
            try:
                rc = dash.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                dash.kill()
                rc = dash.wait()
            check("clean exit on SIGTERM", rc == 0, f"exit status {rc}")
        finally:
            if dash is not None and dash.poll() is None:
                dash.kill()
                dash.wait()
            try:
                broker.stop()
            except Exception as e:  # noqa: BLE001
                print(f"broker stop: {e}")
            text = log_path.read_text(errors="replace") if log_path.exists() else ""
            reports = text.count("WARNING: ThreadSanitizer")
            check("no ThreadSanitizer report", reports == 0,
                  f"{reports} report(s):\n" + text[text.find("WARNING: ThreadSanitizer"):][:6000])
            if reports:
                keep = BUILD / "tsan-dashboard.log"
                keep.write_text(text)
                print(f"     full log kept in {keep}")


if __name__ == "__main__":
    try:
        main()
    finally:
        passed = sum(results)
        print(f"tsan-drive: {passed} passed, {len(results) - passed} failed")
