"""Clients that keep connections alive never see one reset under them.

Many concurrent HTTP/1.1 clients (Python's http.client, one kept-alive
connection each) fetch the API with pauses between requests, as the page
and scripts do. Every request must succeed on its kept connection. The
dashboard once closed a connection idle for 500 ms (civetweb's default
keep_alive_timeout_ms), so a client sending its next request then got the
connection reset (Node's fetch: UND_ERR_SOCKET; http.client:
RemoteDisconnected)."""

import http.client
import random
import threading

from conftest import TIMEOUT_SCALE
from dashboard_helpers import SEED_ROWS, produce_generation, snapshot_when, start_dashboard

CLIENTS = 32
REQUESTS = 12
PATHS = ("/api/snapshot", "/api/sources", "/healthz", "/api/rows?size=5",
         "/api/snapshot?value=idade", "/metrics")


def _client(port, seed, failures, keep_alive):
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30 * TIMEOUT_SCALE)
    try:
        for i in range(REQUESTS):
            # Idle gaps around and past the old 500 ms timeout.
            threading.Event().wait(rnd.uniform(0.0, 1.5))
            path = PATHS[rnd.randrange(len(PATHS))]
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
            except (http.client.HTTPException, OSError) as e:
                failures.append(f"client {seed} request {i} {path}: {e!r}")
                conn.close()  # a new connection for the next one
                continue
            if r.status not in (200,):
                failures.append(f"client {seed} request {i} {path}: status {r.status}")
            keep_alive.append(r.getheader("Keep-Alive"))
    finally:
        conn.close()


def test_kept_alive_connections_are_not_reset(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1764370000000, SEED_ROWS, partitions=3)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == len(SEED_ROWS) and s["catchup"]["done"],
                  what="the seed rows on the dashboard")
    port = int(url.rsplit(":", 1)[1])
    failures, keep_alive = [], []
    threads = [threading.Thread(target=_client, args=(port, n, failures, keep_alive))
               for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [], f"{len(failures)} of {CLIENTS * REQUESTS} requests failed: {failures[:5]}"
    assert len(keep_alive) == CLIENTS * REQUESTS
    # Clients that honour it (Node's fetch) close an idle connection first.
    assert set(keep_alive) == {"timeout=5"}
