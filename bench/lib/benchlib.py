#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measurement helpers for the bench/ scripts (standard library only).

Subcommands:
  count-records --file F            data rows of a CSV (lines minus header)
  end-offsets --brokers B --topic T sum of the topic's partition end offsets
  wait-offsets --brokers B --topic T --count N
                                    polls the end offsets (every --interval s)
                                    until their sum is >= N; prints the epoch
                                    seconds it was seen and the epoch seconds
                                    the first message was seen
  wait-count --url U --count N      polls GET U/api/snapshot until count >= N;
                                    prints the epoch seconds it was seen, the
                                    peak RSS (KiB) of --pid while waiting, the
                                    count, --pid's CPU seconds so far, and its
                                    busiest thread's CPU and run-queue wait
  rss --pid P                       current VmRSS of P in KiB
  paging --url U --sort C --order O percentiles of GET /api/rows requests for
                                    random pages (bounded count)
  percentiles --file F              p50/p99/max of one number per line
  pager --url U --clients N --stop-file F
                                    N threads page GET /api/rows over every
                                    column and order (--rate requests/s
                                    each, default 5) until F exists; prints
                                    requests, errors and latency percentiles
  memory --url U --pid P            VmRSS (KiB) of P and the dashboard's own
                                    memory.bytes, as one JSON object

All network traffic goes to the loopback URL given; every loop is bounded
by a count and a deadline.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import time
import urllib.parse


def pct(sorted_vals, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def rss_kib(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cpu_seconds(pid):
    """User + system CPU time of pid (all threads), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def busiest_thread(pid):
    """(cpu_s, runqueue_wait_s) of pid's thread with the most CPU time: the
    time it ran, and the time it was runnable but waited for a CPU."""
    best = (0.0, 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return best
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / tick
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                wait = int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
        if cpu > best[0]:
            best = (cpu, wait)
    return best


def cmd_count_records(a):
    n = 0
    with open(a.file, "rb") as f:
        while True:
            buf = f.read(1 << 22)
            if not buf:
                break
            n += buf.count(b"\n")
    print(max(0, n - 1))


def end_offsets_argv(brokers, topic):
    meta = subprocess.run(["kcat", "-L", "-J", "-b", brokers, "-t", topic],
                          capture_output=True, check=True, timeout=60).stdout
    parts = [p["partition"] for t in json.loads(meta)["topics"] for p in t["partitions"]]
    argv = ["kcat", "-Q", "-b", brokers]
    for p in parts:
        argv += ["-t", f"{topic}:{p}:-1"]
    return argv


def end_offsets_sum(argv):
    out = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout.decode()
    total = 0
    for line in out.splitlines():
        # "<topic> [<p>] offset <N>"
        fields = line.split()
        if len(fields) >= 4 and fields[-2] == "offset":
            total += int(fields[-1])
    return total


def cmd_end_offsets(a):
    print(end_offsets_sum(end_offsets_argv(a.brokers, a.topic)))


def cmd_wait_offsets(a):
    argv = end_offsets_argv(a.brokers, a.topic)
    deadline = time.monotonic() + a.timeout
    first = None
    while time.monotonic() < deadline:
        n = end_offsets_sum(argv)
        if n > 0 and first is None:
            first = time.time()
        if n >= a.count:
            print(f"{time.time():.3f} {first:.3f}")
            return
        time.sleep(a.interval)
    sys.exit(f"timed out: {a.topic} holds fewer than {a.count} messages")


class Http:
    """One keep-alive connection to the dashboard, reopened on error."""

    def __init__(self, url, timeout=30):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self.conn = None

    def get(self, path):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("GET", path)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def snapshot(h):
    status, body = h.get("/api/snapshot")
    if status != 200:
        raise ValueError(f"/api/snapshot answered {status}")
    return json.loads(body)


def cmd_wait_count(a):
    h = Http(a.url, timeout=10)
    deadline = time.monotonic() + a.timeout
    peak = 0
    last = None
    while time.monotonic() < deadline:
        if a.pid:
            if not pid_alive(a.pid):
                print(f"process {a.pid} exited while waiting for count >= {a.count}",
                      file=sys.stderr)
                return 1
            peak = max(peak, rss_kib(a.pid))
        try:
            s = snapshot(h)
            last = s.get("count")
            if isinstance(last, int) and last >= a.count:
                t = time.time()
                if a.pid:
                    peak = max(peak, rss_kib(a.pid))
                cpu = cpu_seconds(a.pid) if a.pid else 0
                tcpu, twait = busiest_thread(a.pid) if a.pid else (0, 0)
                print(f"{t:.6f} {peak} {last} {cpu:.2f} {tcpu:.2f} {twait:.2f}")
                return 0
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(a.interval)
    print(f"timed out after {a.timeout}s waiting for count >= {a.count}; last count {last}",
          file=sys.stderr)
    return 1


def cmd_rss(a):
    print(rss_kib(a.pid, a.field))


def cmd_paging(a):
    h = Http(a.url, timeout=60)
    s = snapshot(h)
    count = int(s["count"])
    pages = max(1, (count + a.size - 1) // a.size)
    rng = random.Random(a.seed)
    # One warm-up request builds whatever index the sort needs; it is
    # reported on its own (first_ms), not mixed into the percentiles.
    q = {"page": 1, "size": a.size, "sort": a.sort, "order": a.order}
    t0 = time.perf_counter()
    status, body = h.get("/api/rows?" + urllib.parse.urlencode(q))
    first_ms = (time.perf_counter() - t0) * 1000
    if status != 200:
        print(f"/api/rows answered {status}: {body[:200]!r}", file=sys.stderr)
        return 1
    lat = []
    deadline = time.monotonic() + a.max_seconds
    for _ in range(a.requests):
        if time.monotonic() > deadline:
            break
        q["page"] = rng.randint(1, pages)
        t0 = time.perf_counter()
        status, body = h.get("/api/rows?" + urllib.parse.urlencode(q))
        dt = (time.perf_counter() - t0) * 1000
        if status != 200:
            print(f"/api/rows answered {status}: {body[:200]!r}", file=sys.stderr)
            return 1
        lat.append(dt)
    lat.sort()
    print(json.dumps({"count": count, "requests": len(lat), "first_ms": round(first_ms, 3),
                      "p50_ms": round(pct(lat, 50), 3), "p99_ms": round(pct(lat, 99), 3),
                      "max_ms": round(lat[-1], 3) if lat else None,
                      "bytes_last": len(body)}))
    return 0


def cmd_pager(a):
    import threading
    h = Http(a.url, timeout=120)
    status, body = h.get("/api/rows?size=1")
    if status != 200:
        print(f"/api/rows answered {status}", file=sys.stderr)
        return 1
    cols = [c["name"] for c in json.loads(body)["columns"]]
    orders = [(c, o) for c in cols for o in ("asc", "desc")]
    lat, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + a.max_seconds

    def client(k):
        rng = random.Random(a.seed + k)
        c = Http(a.url, timeout=120)
        i = k
        period = 1.0 / a.rate if a.rate > 0 else 0
        nxt = time.monotonic() + rng.random() * period
        while not os.path.exists(a.stop_file) and time.monotonic() < deadline:
            if period:
                time.sleep(max(0.0, nxt - time.monotonic()))
                nxt += period
            col, order = orders[i % len(orders)]
            i += 1
            q = {"page": rng.randint(1, 200), "size": a.size, "sort": col, "order": order}
            t0 = time.perf_counter()
            try:
                st, _ = c.get("/api/rows?" + urllib.parse.urlencode(q))
            except (OSError, http.client.HTTPException):
                st = 0
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                if st == 200:
                    lat.append(dt)
                else:
                    errors[0] += 1
            if st != 200:
                time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    print(json.dumps({"clients": a.clients, "rate": a.rate, "orders": len(orders), "requests": len(lat),
                      "errors": errors[0], "p50_ms": round(pct(lat, 50), 1),
                      "p99_ms": round(pct(lat, 99), 1),
                      "max_ms": round(lat[-1], 1) if lat else None}))
    return 0


def cmd_memory(a):
    h = Http(a.url, timeout=30)
    s = snapshot(h)
    print(json.dumps({"rss_kib": rss_kib(a.pid), "memory_bytes": s["memory"]["bytes"],
                      "count": s["count"]}))
    return 0


def cmd_percentiles(a):
    vals = []
    with open(a.file) as f:
        for line in f:
            line = line.strip()
            if line:
                vals.append(float(line))
    vals.sort()
    print(json.dumps({"n": len(vals), "p50": pct(vals, 50), "p99": pct(vals, 99),
                      "max": vals[-1] if vals else None}))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("count-records")
    p.add_argument("--file", required=True)
    p = sub.add_parser("end-offsets")
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p = sub.add_parser("wait-offsets")
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--interval", type=float, default=0.1)
    p = sub.add_parser("wait-count")
    p.add_argument("--url", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--interval", type=float, default=0.02)
    p.add_argument("--pid", type=int, default=0)
    p = sub.add_parser("rss")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--field", default="VmRSS")
    p = sub.add_parser("paging")
    p.add_argument("--url", required=True)
    p.add_argument("--sort", required=True)
    p.add_argument("--order", default="asc")
    p.add_argument("--size", type=int, default=50)
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--seed", type=int, default=6)
    p = sub.add_parser("percentiles")
    p.add_argument("--file", required=True)
    p = sub.add_parser("pager")
    p.add_argument("--url", required=True)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--size", type=int, default=50)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--rate", type=float, default=5, help="requests/s per client; 0 = no pause")
    p.add_argument("--max-seconds", type=float, default=1800)
    p.add_argument("--seed", type=int, default=6)
    p = sub.add_parser("memory")
    p.add_argument("--url", required=True)
    p.add_argument("--pid", type=int, required=True)
    a = ap.parse_args()
    fn = {"count-records": cmd_count_records, "end-offsets": cmd_end_offsets,
          "wait-offsets": cmd_wait_offsets,
          "wait-count": cmd_wait_count, "rss": cmd_rss, "paging": cmd_paging,
          "percentiles": cmd_percentiles, "pager": cmd_pager, "memory": cmd_memory}[a.cmd]
    sys.exit(fn(a) or 0)


if __name__ == "__main__":
    main()
