"""consumer-dashboard is never silent about Kafka: an unreachable broker or
a missing topic is a clear state (never "caught up"), with /healthz 503 and
its reason, the problem in the snapshot for the page's banner, and one log
line per change of state; all of it clears by itself."""

import json

from conftest import free_port, wait_until
from dashboard_helpers import (SEED_ROWS, get, get_json, produce_generation, snapshot_when,
                               start_dashboard)


def healthz(url):
    status, body = get(url + "/healthz")
    return status, json.loads(body)


def problems(url):
    return {p["check"]: p["reason"] for p in get_json(url + "/api/snapshot")["health"]["problems"]}


def test_missing_topic_is_a_state_not_caught_up(broker, topic, procs):
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    wait_until(lambda: "topic" in problems(url), what="the missing topic in the snapshot")
    status, body = healthz(url)
    assert status == 503 and body["status"] == "degraded", body
    assert body["reason"] == f"topic: topic {topic} does not exist"
    snap = get_json(url + "/api/snapshot")
    assert snap["catchup"]["done"] is False
    assert snap["health"]["kafka"] is True
    # The topic appears: the dashboard reads it, and says so once.
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS[:3], 1)
    snapshot_when(url, lambda s: s["count"] == 3 and s["catchup"]["done"], "3 rows")
    wait_until(lambda: healthz(url)[0] == 200, what="healthy once the topic exists")
    assert get_json(url + "/api/snapshot")["health"] == {"status": "ok", "kafka": True,
                                                         "problems": []}
    out = p.output()
    assert out.count("event=health_degraded check=topic") == 1, out[-3000:]
    assert out.count("event=health_recovered check=topic") == 1


def test_unreachable_broker_then_outage_and_recovery(broker, topic, procs):
    # Nothing listens on this port.
    _, url = start_dashboard(procs, f"127.0.0.1:{free_port()}", topic, name="nobroker")
    wait_until(lambda: "kafka" in problems(url), what="Kafka unreachable in the snapshot")
    status, body = healthz(url)
    assert status == 503 and body["reason"].startswith("kafka: the broker does not answer")
    assert get_json(url + "/api/snapshot")["health"]["kafka"] is False

    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS[:2], 1)
    p, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 2 and s["catchup"]["done"], "2 rows")
    wait_until(lambda: healthz(url)[0] == 200, what="healthy")
    try:
        broker.stop()
        wait_until(lambda: healthz(url)[0] == 503, what="/healthz 503 during the outage")
        assert "kafka" in problems(url)
        assert get_json(url + "/api/snapshot")["count"] == 2  # still shows what it had
    finally:
        broker.restart()
    wait_until(lambda: healthz(url)[0] == 200, what="healthy after the outage")
    # One line per change of state: degraded and recovered alternate (a
    # broker still starting may time out twice more), ending recovered.
    changes = [line.split("event=")[1].split()[0] for line in p.output().splitlines()
               if "check=kafka" in line]
    assert changes and changes[::2] == ["health_degraded"] * len(changes[::2]), changes
    assert changes[1::2] == ["health_recovered"] * len(changes[1::2]), changes
    assert changes[-1] == "health_recovered", changes


def test_data_quality_panel_shows_the_current_generation(broker, topic, procs, tmp_path):
    from test_producer_basic import HEADER, append, start_producer
    csv = tmp_path / "input.csv"
    # Two records with the wrong field count: rejected whatever the typing.
    append(csv, HEADER + "1,Ana,23,Recife,1.00\n2,Bia\n3,Cid,30\n", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state")
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    s = snapshot_when(url, lambda s: s["count"] == 1 and s["dlq"]["summary"]["count"] == 2,
                      "1 row and 2 rejects")
    assert s["dlq"]["summary"]["history"] == 0
    # Rewritten clean: a new generation; its predecessor's rejects are history.
    append(csv, HEADER + "1,Ana,23,Recife,1.00\n2,Bia,24,Natal,2.00\n", "w")
    s = snapshot_when(url, lambda s: s["count"] == 2 and s["dlq"]["summary"]["history"] == 2,
                      "the clean generation")
    assert s["dlq"]["summary"]["count"] == 0
    assert s["dlq"]["summary"]["last"] == [] and s["dlq"]["summary"]["reasons"] == []
    assert s["dlq"]["summary"]["total"] == 2
    # A restart replays the topic: the same view.
    _, url2 = start_dashboard(procs, broker.bootstrap, topic, name="replay")
    s = snapshot_when(url2, lambda s: s["count"] == 2 and s["catchup"]["done"], "replayed")
    assert s["dlq"]["summary"]["count"] == 0 and s["dlq"]["summary"]["history"] == 2


def test_x_list_shows_effective_values():
    import subprocess
    from conftest import DASHBOARD
    out = subprocess.run([DASHBOARD, "-b", "10.1.2.3:9", "-X", "list",
                          "-X", "fetch.wait.max.ms=20", "-X", "sasl.password=secret"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    props = dict(line.split("=", 1) for line in out.stdout.splitlines()
                 if line and not line.startswith("#"))
    assert props["allow.auto.create.topics"] == "false"  # the dashboard's own
    assert props["queued.min.messages"] == "1000000"
    assert props["fetch.wait.max.ms"] == "20"            # then -X
    assert props["metadata.broker.list"] == "10.1.2.3:9"
    assert props["sasl.password"] == "***"
