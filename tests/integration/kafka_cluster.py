"""A real N-node Apache Kafka cluster (KRaft) for integration tests.

Thin wrapper around ``deploy/kafka/kafka-local start --nodes N`` (standard
library only). Every node is both broker and controller, on free 127.0.0.1
ports. The JVMs are always stopped: by ``stop()``, by an ``atexit`` hook,
and by the script's owner watchdog (``--owner-pid``) if this process dies
without running ``atexit`` handlers.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
from pathlib import Path

from kafka_broker import KAFKA_LOCAL, BrokerError, _pid_alive, free_port

_live: set["Cluster"] = set()


@atexit.register
def _stop_all_at_exit() -> None:
    for cluster in list(_live):
        cluster.kill()


class Cluster:
    """kafka-local's N-node cluster in DIR; nodes are numbered 1..N."""

    def __init__(self, tmpdir: Path | str, nodes: int = 3, *, partitions: int = 3,
                 heap: str = "-Xms128m -Xmx256m", start_timeout: int = 300) -> None:
        self.dir = Path(tmpdir).resolve() / "kafka-cluster"
        self.nodes = nodes
        self.partitions = partitions
        self.heap = heap
        self.start_timeout = start_timeout
        self.ports: list[int] = []
        self.bootstrap = ""

    def _run(self, *args: str, timeout: float = 180, check: bool = True) -> str:
        env = dict(os.environ, KAFKA_LOCAL_HEAP_OPTS=self.heap,
                   KAFKA_LOCAL_START_TIMEOUT=str(self.start_timeout))
        done = subprocess.run([str(KAFKA_LOCAL), *args], capture_output=True, text=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise BrokerError(f"kafka-local {' '.join(args)} exited {done.returncode}:\n"
                              f"{done.stderr.strip()[-4000:]}")
        return done.stdout

    def start(self) -> str:
        ports: set[int] = set()
        while len(ports) < 2 * self.nodes:
            ports.add(free_port())
        ports_list = sorted(ports)
        self.ports = ports_list[:self.nodes]
        controllers = ports_list[self.nodes:]
        _live.add(self)
        self.bootstrap = self._run(
            "start", "--dir", str(self.dir), "--nodes", str(self.nodes),
            "--port", ",".join(map(str, self.ports)),
            "--controller-port", ",".join(map(str, controllers)),
            "--partitions", str(self.partitions), "--owner-pid", str(os.getpid()),
            timeout=self.start_timeout + 120).strip()
        return self.bootstrap

    def pid(self, node: int) -> int | None:
        try:
            pid = int((self.dir / f"node-{node}" / "broker.pid").read_text())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def running(self) -> list[int]:
        return [n for n in range(1, self.nodes + 1) if self.pid(n)]

    def kill(self, *nodes: int) -> None:
        """SIGKILL the given nodes (all when none are given)."""
        args = [a for n in nodes for a in ("--node", str(n))]
        self._run("kill", "--dir", str(self.dir), *args, check=False)
        if not nodes:
            _live.discard(self)

    def start_nodes(self, *nodes: int) -> None:
        """Restart killed or stopped nodes with their own settings; returns once up."""
        args = [a for n in nodes for a in ("--node", str(n))]
        self._run("start-node", "--dir", str(self.dir), *args, timeout=self.start_timeout + 60)

    def stop(self) -> None:
        self._run("stop", "--dir", str(self.dir), check=False)
        _live.discard(self)

    def log(self, node: int) -> str:
        try:
            return (self.dir / f"node-{node}" / "broker.log").read_text(errors="replace")
        except OSError:
            return ""

    # -- what the cluster says about itself ------------------------------------

    def metadata(self, topic: str) -> dict:
        """kcat's metadata of topic: {partition: {"leader": id, "isr": {ids}}}."""
        out = subprocess.run(["kcat", "-L", "-J", "-b", self.bootstrap, "-t", topic,
                              "-m", "10"], capture_output=True, text=True, timeout=30,
                             check=True).stdout
        parts = json.loads(out)["topics"][0]["partitions"]
        return {p["partition"]: {"leader": p["leader"],
                                 "isr": {r["id"] for r in p.get("isrs", [])}}
                for p in parts}

    def active_controller(self) -> int | None:
        """The node id of the KRaft quorum's leader, or None when no live node says."""
        live = ",".join(f"127.0.0.1:{self.ports[n - 1]}" for n in self.running())
        out = self._run("metadata-quorum", "--bootstrap-server", live, "describe", "--status",
                        timeout=120, check=False)
        m = re.search(r"^LeaderId:\s+(\d+)", out, re.M)
        return int(m.group(1)) if m else None

    def describe(self, topic: str) -> str:
        """What the cluster says about itself, for a failing test's message."""
        lines = [f"running nodes: {self.running()}"]
        try:
            lines.append(f"metadata of {topic}: {self.metadata(topic)}")
        except (subprocess.SubprocessError, OSError, ValueError, KeyError) as e:
            lines.append(f"metadata of {topic}: {e!r}")
        try:
            lines.append(f"active controller: {self.active_controller()}")
        except (subprocess.SubprocessError, OSError, BrokerError) as e:
            lines.append(f"active controller: {e!r}")
        live = ",".join(f"127.0.0.1:{self.ports[n - 1]}" for n in self.running())
        lines.append(self._run("metadata-quorum", "--bootstrap-server", live, "describe",
                               "--replication", timeout=120, check=False).strip())
        for n in self.running():
            dump = self.dir / f"node-{n}" / "threads.txt"
            try:
                with open(dump, "w") as out:
                    subprocess.run(["jcmd", str(self.pid(n)), "Thread.print"], stdout=out,
                                   stderr=subprocess.STDOUT, timeout=60, check=False)
                lines.append(f"node {n} threads: {dump}")
            except (OSError, subprocess.SubprocessError) as e:
                lines.append(f"node {n} threads: {e!r}")
            tail = self.log(n).splitlines()[-15:]
            lines.append(f"--- node {n} broker.log (last lines) ---")
            lines.extend(tail)
        return "\n".join(lines)
