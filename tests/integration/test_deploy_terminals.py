"""The documented "one terminal per service" commands work as written.

Takes the code block with the `# terminal N` commands from README.md and
docs/deploy.md and runs each line from a scratch copy of the repository
layout (build/ and deploy/ linked, data/ copied, so nothing in the tree is
written). Only what must differ on a shared test machine changes: the broker
address (the suite's broker instead of 127.0.0.1:9092, which is already
running, so `kafka-local start`/`stop` lines are skipped), the topic name (a
fresh one) and the dashboard's port (a free one instead of 8080).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, free_port, http_json, wait_until
from csvfile import append, expected_snapshot, snapshot_sums

DOCS = [ROOT / "README.md", ROOT / "docs" / "deploy.md"]


def terminal_block(doc: Path) -> list[str] | None:
    if not doc.exists():
        return None
    for block in re.findall(r"```(?:sh|bash)?\n(.*?)```", doc.read_text(), re.S):
        if "# terminal 2" in block:
            lines = block.replace("\\\n", " ").splitlines()
            return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    return None


def file_matches(url: str, csv_path: Path):
    def check():
        snap = http_json(url + "/api/snapshot")
        want = expected_snapshot(csv_path)
        got = snapshot_sums(snap)
        return snap["count"] == want["count"] and all(
            got.get(c) == s for c, s in want["sums"].items())
    return check


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_documented_terminal_commands_run_the_stack(doc, broker, topic, procs, tmp_path):
    lines = terminal_block(doc)
    if lines is None:
        pytest.skip(f"{doc.name} has no `# terminal N` block")
    work = tmp_path / "repo"
    work.mkdir()
    for name in ("build", "deploy"):
        (work / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "data", work / "data")
    csv_path = work / "data" / "input.csv"
    initial = expected_snapshot(csv_path)["count"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    started = {}
    for line in lines:
        if re.search(r"kafka-local (start|stop)\b", line):
            continue  # the suite's broker plays the local broker
        cmd = line.replace("127.0.0.1:9092", broker.bootstrap)
        cmd = re.sub(r"(?<![\w.-])csv-data(?![\w-])", topic, cmd)
        if "consumer-dashboard" in cmd and "--listen" not in cmd:
            cmd += f" --listen 127.0.0.1:{port}"
        argv = shlex.split(cmd)
        prog = next(a for a in argv if "=" not in a or a.startswith("-"))
        if "csv-producer" in prog or "consumer-dashboard" in prog or "generate.py" in cmd:
            name = Path(prog).name if "generate.py" not in cmd else "generator"
            started[name] = procs(["bash", "-c", "exec " + cmd], name, cwd=work)
        else:
            done = subprocess.run(["bash", "-c", cmd], cwd=work, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"

    assert {"csv-producer", "consumer-dashboard"} <= set(started), lines
    try:
        wait_until(file_matches(url, csv_path), what=f"dashboard equal to data/input.csv ({doc.name})")
        gen = started.get("generator")
        if gen is not None:
            wait_until(lambda: http_json(url + "/api/snapshot")["count"] >= initial + 5,
                       what="5 generated rows on the dashboard")
            gen.stop()
        else:
            append(csv_path, "9001,Ana,31,Recife,120.00\n")
        wait_until(file_matches(url, csv_path), what="dashboard equal to the grown file")
        assert expected_snapshot(csv_path)["count"] > initial
    except AssertionError:
        for p in started.values():
            print(f"----- {p.log_path.name}\n{p.output()[-3000:]}")
        raise
    # The producer kept its state inside the work dir, not in the repository.
    assert (work / ".csv-producer-state").exists()
