"""csv-producer runs on the malloc the build chose (meson option `allocator`,
mimalloc by default), consumer-dashboard on its own (`dashboard_allocator`);
sanitizer builds keep the system one: the start log line names it and the
process has that library mapped (and no other), so a build that silently fell
back to the C library's malloc (and lost its speed) fails here.

No broker is needed: the start line comes before the first connection."""

import json
import re

import pytest

from conftest import BUILD, DASHBOARD, LOG_DIR, PRODUCER, Proc, free_port, wait_until

LIBRARY = {"mimalloc": "libmimalloc.so", "jemalloc": "libjemalloc.so"}


def expected_allocator(service):
    opts = {o["name"]: o["value"] for o in
            json.loads((BUILD / "meson-info" / "intro-buildoptions.json").read_text())}
    if opts.get("b_sanitize", "none") != "none":
        return "system"
    return opts["dashboard_allocator" if service == "dashboard" else "allocator"]


def mapped_libraries(pid):
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[-1].rsplit("/", 1)[-1] for line in f if "/" in line}


@pytest.mark.parametrize("service", ["producer", "dashboard"])
def test_service_runs_on_the_chosen_allocator(service, tmp_path):
    unreachable = f"127.0.0.1:{free_port()}"  # nothing listens there
    if service == "producer":
        (tmp_path / "in.csv").write_text("id,nome\n1,a\n")
        argv = [PRODUCER, "-b", unreachable, "-t", "t", "--state-dir",
                tmp_path / "state", "-f", tmp_path / "in.csv"]
        line_re = r"event=start .*"
    else:
        argv = [DASHBOARD, "-b", unreachable, "-t", "t",
                "--listen", f"127.0.0.1:{free_port()}"]
        line_re = r"event=started .*"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    proc = Proc(argv, LOG_DIR / f"allocator-{service}.log").start()
    try:
        line = wait_until(lambda: re.search(line_re, proc.output()),
                          what=f"{service}'s start line").group(0)
        want = expected_allocator(service)
        assert f" allocator={want}" in line, line
        libs = mapped_libraries(proc.p.pid)
        for name, lib in LIBRARY.items():
            present = any(l.startswith(lib) for l in libs)
            assert present == (name == want), f"{lib} mapped: {present}; {sorted(libs)}"
    finally:
        proc.stop()
