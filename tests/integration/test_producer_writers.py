"""One writer per source across state dirs (as on two machines): a producer
that reads, on the status topic, a record of its own source from a producer
that started first stops with exit 1 and names it; the first one says so in
its log and /healthz and sends the file again, so the dashboard, which the
newer one's generation had taken over, mirrors the file again."""

import re

from conftest import WAIT_S, free_port, wait_until
from dashboard_helpers import get, start_dashboard
from test_producer_edits import HEADER, producer, rows_text, wait_equal, wait_log, write


def healthz(port):
    status, body = get(f"http://127.0.0.1:{port}/healthz")
    return status, body.decode()


def test_producer_from_another_state_dir_stops(broker, topic, procs, tmp_path):
    csv = tmp_path / "in.csv"
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    write(csv, HEADER + rows_text(1, 10))
    port = free_port()
    first = producer(procs, broker, topic, csv, tmp_path / "state-a",
                     "--status-interval-ms", "300", "--metrics-listen", f"127.0.0.1:{port}",
                     name="first")
    wait_equal(url, csv, "the first producer's load")
    owner = re.search(r"instance=([0-9a-f]{16})", first.output()).group(1)

    # The same file with another state dir: the same source, another writer.
    second = producer(procs, broker, topic, csv, tmp_path / "state-b",
                      "--status-interval-ms", "300", name="second")
    assert second.wait(timeout=WAIT_S) == 1, second.output()
    out = second.output()
    newer = re.search(r"instance=([0-9a-f]{16})", out).group(1)
    assert re.search(rf"level=error .*event=source_conflict source={re.escape(str(csv.resolve()))} "
                     rf"other_instance={owner} other_started_ms=\d+ ", out), out

    # The first one goes on, names the newer one, and sends the file again.
    assert first.alive()
    wait_log(first, rf"level=warn .*event=source_conflict .*other_instance={newer}")
    wait_log(first, r"event=generation_start .*reason=resend")
    wait_log(first, r"event=health_degraded source=\S+ check=conflict ")
    write(csv, rows_text(100, 3), "a")
    wait_equal(url, csv, "the first producer's rows after the conflict")
    wait_until(lambda: healthz(port)[0] == 200, what="healthy once the newer one is gone")
    assert "event=health_recovered source=" in first.output()
