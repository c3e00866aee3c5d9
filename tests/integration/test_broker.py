"""The local Kafka broker works end to end and keeps its data across a crash.

Produces with kcat (librdkafka, as the project's C code does), reads back
with Kafka's own console consumer, SIGKILLs the broker, restarts it on the
same directory and reads the same messages again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kafka_broker import Broker, _pid_alive  # noqa: E402

KCAT = shutil.which("kcat")

pytestmark = [
    pytest.mark.skipif(KCAT is None, reason="kcat not installed (apt-get install kcat)"),
    pytest.mark.skipif(shutil.which("java") is None, reason="java not on PATH"),
]

TOPIC = "broker-smoke"
LINES = ["1,alpha,10.5", "2,beta,-3", "3,gamma,0"]


@pytest.fixture
def own_broker(tmp_path):
    """A private broker (this test kills it, so not the shared one)."""
    with Broker() as b:
        b.start(tmp_path)
        yield b
    assert not b.running


def produce(bootstrap: str, topic: str, lines: list[str]) -> None:
    assert KCAT is not None
    subprocess.run(
        [KCAT, "-P", "-b", bootstrap, "-t", topic],
        input="".join(f"{line}\n" for line in lines),
        text=True,
        check=True,
        timeout=60,
        capture_output=True,
    )


def test_produce_consume_survives_kill_and_restart(own_broker):
    broker = own_broker
    bootstrap = broker.bootstrap
    assert bootstrap.startswith("127.0.0.1:")

    broker.create_topic(TOPIC, partitions=3)
    produce(bootstrap, TOPIC, LINES)

    # Three partitions: order across them is not defined.
    assert sorted(broker.consume(TOPIC, len(LINES))) == sorted(LINES)

    pid = broker.pid
    assert pid is not None
    broker.kill()
    assert not _pid_alive(pid)
    assert not broker.running

    assert broker.restart() == bootstrap
    assert broker.running
    assert sorted(broker.consume(TOPIC, len(LINES))) == sorted(LINES)

    described = broker.tool("topics", "--bootstrap-server", bootstrap,
                            "--describe", "--topic", TOPIC).stdout
    assert "PartitionCount: 3" in described

    broker.stop()
    assert not broker.running
