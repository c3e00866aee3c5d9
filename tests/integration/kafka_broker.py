"""A real single-node Apache Kafka broker for integration tests.

Thin wrapper around ``deploy/kafka/kafka-local`` (standard library only)::

    with Broker() as broker:          # or Broker(tmp_path) + start()
        broker.start(tmp_path)
        broker.create_topic("rows", partitions=3)
        ...  # use broker.bootstrap, e.g. "127.0.0.1:40123"

The JVM is always stopped: by ``stop()``/the ``with`` block, by an ``atexit``
hook if the interpreter exits with a broker still up, and by the script's
owner watchdog (``--owner-pid``) if this process dies without running
``atexit`` handlers (SIGKILL, crash).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
KAFKA_LOCAL = Path(
    os.environ.get("KAFKA_LOCAL", REPO_ROOT / "deploy" / "kafka" / "kafka-local")
)

# Seconds the script waits for "Kafka Server started".
DEFAULT_START_TIMEOUT = int(os.environ.get("KAFKA_LOCAL_START_TIMEOUT", "60"))
# Extra time for the first `fetch` (Maven download) inside `start`.
_FETCH_ALLOWANCE = 600
_START_ATTEMPTS = 3


class BrokerError(RuntimeError):
    """kafka-local failed; the message carries its stderr."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _two_free_ports() -> tuple[int, int]:
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def _pid_alive(pid: int) -> bool:
    """True if pid runs and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return False
    state = stat.rpartition(")")[2].split()
    return bool(state) and state[0] != "Z"


_live: set["Broker"] = set()
_live_lock = threading.Lock()


def _stop_all_at_exit() -> None:
    with _live_lock:
        brokers = list(_live)
    for broker in brokers:
        try:
            broker.stop(timeout=10)
        except Exception:  # noqa: BLE001 - last resort, keep going
            try:
                broker.kill()
            except Exception:  # noqa: BLE001
                pass


atexit.register(_stop_all_at_exit)


class Broker:
    """One kafka-local broker on two free 127.0.0.1 ports."""

    def __init__(
        self,
        tmpdir: Path | str | None = None,
        *,
        partitions: int = 1,
        start_timeout: int = DEFAULT_START_TIMEOUT,
        script: Path | str = KAFKA_LOCAL,
    ) -> None:
        """tmpdir may be given here or to start(); both forms are used."""
        self.tmpdir = Path(tmpdir) if tmpdir is not None else None
        self.partitions = partitions
        self.start_timeout = start_timeout
        self.script = str(script)
        self.dir: Path | None = None
        self.port: int | None = None
        self.controller_port: int | None = None
        self._bootstrap: str | None = None

    # -- helpers ---------------------------------------------------------

    def _run(
        self,
        *args: str,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env["KAFKA_LOCAL_START_TIMEOUT"] = str(self.start_timeout)
        env.update(extra_env or {})
        proc = subprocess.run(
            [self.script, *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise BrokerError(
                f"kafka-local {' '.join(args)} exited {proc.returncode}:\n"
                f"{proc.stderr.strip()}"
            )
        return proc

    def _dir_arg(self) -> str:
        if self.dir is None:
            raise BrokerError("broker was never started")
        return str(self.dir)

    # -- state -----------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        """'127.0.0.1:PORT' of the running broker."""
        if self._bootstrap is None:
            raise BrokerError("broker is not running")
        return self._bootstrap

    @property
    def pid(self) -> int | None:
        if self.dir is None:
            return None
        try:
            return int((self.dir / "broker.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def running(self) -> bool:
        pid = self.pid
        return pid is not None and _pid_alive(pid)

    @property
    def log_path(self) -> Path:
        return Path(self._dir_arg()) / "broker.log"

    # -- lifecycle -------------------------------------------------------

    def start(self, tmpdir: Path | str | None = None) -> str:
        """Start a broker with its files in tmpdir/kafka-broker.

        tmpdir defaults to the one given to the constructor. Returns the
        bootstrap address.
        """
        if self.running:
            raise BrokerError(f"broker already running on {self._bootstrap}")
        if tmpdir is not None:
            self.tmpdir = Path(tmpdir)
        if self.tmpdir is None:
            raise BrokerError("start() needs a directory (here or in Broker())")
        self.dir = self.tmpdir.resolve() / "kafka-broker"
        last: BrokerError | None = None
        for _ in range(_START_ATTEMPTS):
            self.port, self.controller_port = _two_free_ports()
            try:
                return self._start()
            except BrokerError as exc:
                # Another process may have taken a port between our probe and
                # the broker's bind: retry on new ports. Anything else is real.
                if "Address already in use" not in str(exc):
                    raise
                last = exc
        assert last is not None
        raise last

    def _start(self) -> str:
        with _live_lock:
            _live.add(self)
        try:
            proc = self._run(
                "start",
                "--dir", self._dir_arg(),
                "--port", str(self.port),
                "--controller-port", str(self.controller_port),
                "--partitions", str(self.partitions),
                "--owner-pid", str(os.getpid()),
                timeout=self.start_timeout + _FETCH_ALLOWANCE,
            )
        except BaseException:
            # Failed, timed out or interrupted: make sure no JVM survives.
            self._kill_quietly()
            raise
        self._bootstrap = proc.stdout.strip().splitlines()[-1]
        return self._bootstrap

    def restart(self) -> str:
        """Start again on the same directory and ports (data is kept)."""
        if self.dir is None or self.port is None:
            raise BrokerError("restart() needs an earlier start()")
        if self.running:
            self.stop()
        return self._start()

    def stop(self, timeout: int = 30) -> None:
        """Graceful stop (SIGTERM, SIGKILL after timeout). Idempotent."""
        if self.dir is None:
            return
        try:
            self._run(
                "stop",
                "--dir", self._dir_arg(),
                timeout=timeout + 30,
                extra_env={"KAFKA_LOCAL_STOP_TIMEOUT": str(timeout)},
            )
        except BaseException:
            self._kill_quietly()
            raise
        self._forget()

    def kill(self) -> None:
        """SIGKILL the broker (fault injection). Idempotent."""
        if self.dir is None:
            return
        self._run("kill", "--dir", self._dir_arg(), timeout=30)
        self._forget()

    def _kill_quietly(self) -> None:
        try:
            self.kill()
        except Exception:  # noqa: BLE001 - already handling another error
            pid = self.pid
            if pid is not None and _pid_alive(pid):
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            self._forget()

    def _forget(self) -> None:
        self._bootstrap = None
        with _live_lock:
            _live.discard(self)

    def __enter__(self) -> "Broker":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- tools -----------------------------------------------------------

    def tool(
        self,
        subcommand: str,
        *args: str,
        input: str | None = None,
        timeout: float = 120,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run `kafka-local SUBCOMMAND ARGS...`; stdout/stderr captured."""
        return self._run(subcommand, *args, input=input, timeout=timeout, check=check)

    def create_topic(self, name: str, partitions: int = 1) -> None:
        self.tool(
            "topics",
            "--bootstrap-server", self.bootstrap,
            "--create",
            "--topic", name,
            "--partitions", str(partitions),
            "--replication-factor", "1",
        )

    def consume(
        self, topic: str, max_messages: int, timeout_ms: int = 15000
    ) -> list[str]:
        """Read up to max_messages values from the start of topic.

        ConsoleConsumer exits 0 even when --timeout-ms expires first, so
        callers must check how many lines came back.
        """
        proc = self.tool(
            "console-consumer",
            "--bootstrap-server", self.bootstrap,
            "--topic", topic,
            "--from-beginning",
            "--max-messages", str(max_messages),
            "--timeout-ms", str(timeout_ms),
            timeout=timeout_ms / 1000 + 60,
        )
        return proc.stdout.splitlines()
