"""csv-producer is never silent: a stalled delivery, an unreadable file, a
directory, a held record and a failing state file each give, within
seconds, one warning naming the cause, /healthz 503 with the reason and a
metric, and all of it clears by itself when the fault ends."""

import json
import os
import urllib.error
import urllib.request

from conftest import PRODUCER, free_port, wait_until
from test_producer_basic import (HEADER, ROWS3, append, metrics, start_producer,
                                 wait_rows, wait_snapshot)

STALL_MS = 1500  # --stall-warning-ms for these tests (default 10 s)


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def degraded_with(port, text):
    status, body = healthz(port)
    return status == 503 and body["status"] == "degraded" and text in body["reason"]


def unprivileged(argv):
    """As root, drop the capabilities that bypass file permissions, so a
    chmod 000 file is unreadable for the producer as for any user."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *argv]


def producer(procs, broker, topic, csv, tmp_path, *extra, wrap=None):
    port = free_port()
    argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(csv),
            "--state-dir", str(tmp_path / "state"), "--stat-interval-ms", "200",
            "--metrics-listen", f"127.0.0.1:{port}",
            "--stall-warning-ms", str(STALL_MS), *extra]
    return procs(wrap(argv) if wrap else argv, "producer"), port


def test_broker_outage_degrades_then_recovers(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    p, port = producer(procs, broker, topic, csv, tmp_path)
    gen, _ = wait_snapshot(broker, topic)
    wait_until(lambda: healthz(port) == (200, {"status": "ok"}), what="healthy")
    try:
        broker.stop()
        append(csv, "4,Ana Costa,29,Salvador,1200.00\n")
        wait_until(lambda: degraded_with(port, "delivery: no acknowledgement for "),
                   what="/healthz 503 for the stalled delivery")
        status, body = healthz(port)
        # The reason names what librdkafka reported.
        assert "_TRANSPORT" in body["reason"] or "_ALL_BROKERS_DOWN" in body["reason"], body
        assert metrics(port)["csv_producer_oldest_unacked_age_ms"] >= STALL_MS
        assert metrics(port)["csv_producer_degraded"] == 1
        out = p.output()
        assert out.count("check=delivery reason=") == 1, out[-3000:]
    finally:
        broker.restart()
    wait_rows(broker, topic, 4, generation=gen)
    wait_until(lambda: healthz(port) == (200, {"status": "ok"}), what="healthy again")
    assert "check=delivery after_ms=" in p.output()
    assert metrics(port)["csv_producer_oldest_unacked_age_ms"] == 0


def test_unreadable_file_is_reported_and_retried(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    csv.chmod(0)
    p, port = producer(procs, broker, topic, csv, tmp_path, wrap=unprivileged)
    wait_until(lambda: degraded_with(port, f"file: cannot read {csv}: permission denied"),
               what="/healthz 503 naming the permission")
    assert f'event=health_degraded source={csv} check=file reason="cannot read ' \
           f'{csv}: permission denied"' in p.output()
    csv.chmod(0o644)
    wait_snapshot(broker, topic)
    wait_until(lambda: healthz(port)[0] == 200, what="healthy once readable")
    assert p.output().count("permission denied") == 1


def test_directory_is_refused_without_a_log_storm(broker, topic, procs, tmp_path):
    d = tmp_path / "watched"
    d.mkdir()
    port = free_port()
    # The producer's log is written into the directory it is told to watch.
    log = open(d / "producer.log", "wb")
    try:
        argv = [PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", str(d),
                "--state-dir", str(tmp_path / "state"), "--stat-interval-ms", "200",
                "--metrics-listen", f"127.0.0.1:{port}"]
        import subprocess
        proc = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
        try:
            wait_until(lambda: degraded_with(port, "it is a directory, not a file"),
                       what="/healthz 503 for the directory")
            for i in range(50):  # changes inside the directory
                append(d / f"other{i}", "x\n")
            wait_until(lambda: metrics(port)["csv_producer_degraded"] == 1, what="metrics")
        finally:
            proc.terminate()
            proc.wait(30)
    finally:
        log.close()
    text = (d / "producer.log").read_text()
    assert text.count("check=file") == 1, text[-2000:]
    assert len(text.splitlines()) < 30, text[-2000:]


def test_held_record_open_quote_and_missing_newline(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    p, port = producer(procs, broker, topic, csv, tmp_path)
    gen, _ = wait_snapshot(broker, topic)
    append(csv, '4,"Ana\n')  # a quoted field left open
    wait_until(lambda: degraded_with(port, "held: 7 bytes at offset "),
               what="/healthz 503 for the open quote")
    assert "open quote" in healthz(port)[1]["reason"]
    assert metrics(port)["csv_producer_held_bytes"] == 7
    append(csv, 'Costa",29,Salvador,1200.00\n')
    wait_rows(broker, topic, 4, generation=gen)
    wait_until(lambda: healthz(port)[0] == 200, what="healthy once the quote closes")
    # A line still being written (no newline, too few fields yet: a whole
    # one would be sent after --last-line-idle-ms).
    append(csv, "5,Bia,30,Nat")
    wait_until(lambda: degraded_with(port, "the last line has no newline yet"),
               what="/healthz 503 for the unterminated line")
    append(csv, "al,1.00\n")
    wait_until(lambda: healthz(port)[0] == 200, what="healthy once terminated")
    assert "check=held after_ms=" in p.output()


def test_checkpoint_failure_is_reported(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    p, port = producer(procs, broker, topic, csv, tmp_path, wrap=unprivileged)
    wait_snapshot(broker, topic)
    state = tmp_path / "state"
    state.chmod(0o500)
    try:
        append(csv, "4,Ana Costa,29,Salvador,1200.00\n")
        wait_until(lambda: degraded_with(port, "checkpoint: cannot save the state file"),
                   what="/healthz 503 for the state file")
        assert p.output().count("event=checkpoint_failed") == 1
    finally:
        state.chmod(0o700)
    wait_until(lambda: healthz(port)[0] == 200, what="healthy once saved")


def test_each_source_is_judged_on_its_own(broker, topic, procs, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    append(good, HEADER + ROWS3, "w")
    append(bad, HEADER + ROWS3, "w")
    bad.chmod(0)
    p, port = producer(procs, broker, topic, good, tmp_path, "-f", str(bad),
                       wrap=unprivileged)
    wait_until(lambda: degraded_with(port, f"{bad}: file: cannot read {bad}: "
                                           "permission denied"),
               what="/healthz 503 naming the unreadable source")
    assert str(good) + ":" not in healthz(port)[1]["reason"]
    bad.chmod(0o644)
    wait_until(lambda: healthz(port)[0] == 200, what="healthy once readable")
    assert f"event=health_recovered source={bad} check=file" in p.output()
