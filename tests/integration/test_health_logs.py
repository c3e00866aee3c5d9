"""Never silent, never noisy: librdkafka errors in both services' logs.

A broker outage makes librdkafka report the same connection errors again
and again; each distinct error must be written once per 30 s interval with
a repeat count, and once only (not also as librdkafka's FAIL/ERROR log
line)."""

import datetime
import re
import time

from conftest import wait_until
from dashboard_helpers import start_dashboard
from test_producer_basic import HEADER, ROWS3, append, start_producer, wait_snapshot

REPEAT_INTERVAL_S = 30  # KAFKA_LOG_REPEAT_INTERVAL_MS in common/kafka_conf.c
OUTAGE_S = 8            # long enough for librdkafka's reconnect attempts to repeat

LINE = re.compile(r'^(\S+) level=\w+ module=\S+ event=kafka_error error=(\S+) '
                  r'reason="(.*)" repeats=(\d+)$')


def error_lines(text):
    """(time, key) of each event=kafka_error line; key without the
    '(after Nms in state X)' tail that changes between copies."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            ts = datetime.datetime.strptime(m[1], "%Y-%m-%dT%H:%M:%S.%fZ")
            out.append((ts, m[2] + " " + m[3].split(" (after ")[0]))
    return out


def check_once_per_interval(text, who):
    assert "facility=FAIL" not in text and "facility=ERROR" not in text, who
    last = {}
    for ts, key in error_lines(text):
        if key in last:
            gap = (ts - last[key]).total_seconds()
            assert gap >= REPEAT_INTERVAL_S - 0.5, f"{who}: {key} again after {gap}s"
        last[key] = ts
    return last


def test_broker_outage_errors_logged_once_each(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    prod = start_producer(procs, broker, topic, csv, tmp_path / "state")
    wait_snapshot(broker, topic)
    dash, _ = start_dashboard(procs, broker.bootstrap, topic)
    try:
        broker.stop()
        for p in (prod, dash):
            wait_until(lambda: "_ALL_BROKERS_DOWN" in p.output(),
                       what="the outage in the log")
        time.sleep(OUTAGE_S)  # let librdkafka retry (and fail) many times
    finally:
        broker.restart()
    for p, who in ((prod, "producer"), (dash, "dashboard")):
        keys = check_once_per_interval(p.output(), who)
        assert any(k.startswith("_ALL_BROKERS_DOWN") for k in keys), who
        assert any("Connection refused" in k for k in keys), (who, keys)
